# SPDX-License-Identifier: GPL-2.0
"""The API tests nl_api.py runs: one per refusal, then what works.

Every refusal is checked for its errno, its extack message and the
attribute the extack points at (offset into our own request), so a
message that moved to the wrong check fails here. Flows made here carry
cookies under TEST_COOKIE and are flushed before and after.
"""

import ctypes
import errno
import os
import subprocess
import sys
import time

TEST_COOKIE = 0x5E5E000000000000
TEST_MASK = 0xFFFF000000000000
PARAM = "/sys/module/sipfp/parameters/max_flows"
DYNDBG = "/sys/kernel/debug/dynamic_debug/control"
CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000

api = None  # nl_api, set by main()
C = None
CASES = []
_port = [20000]


class Skip(Exception):
    pass


def case(name):
    def add(fn):
        CASES.append((name, fn))
        return fn
    return add


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def next_port():
    _port[0] += 1
    return _port[0]


def A(name, value, mark=None):
    return api.Attr(C[name], value, mark)


def fa(name, value):
    """A flow attribute, marked with its own name."""
    return A("SIPFP_FLOW_A_" + name, value, name.lower())


def ep(name, text):
    return api.ep(C["SIPFP_FLOW_A_" + name], text, name.lower())


def raw_ep(name, *attrs):
    return A("SIPFP_FLOW_A_" + name, list(attrs), name.lower())


def port_attr(p):
    return A("SIPFP_EP_A_PORT", api.be16(p), "port")


def flow(port=None, drop=(), cookie=None, mode="ANY", **extra):
    """A valid FLOW_NEW's attributes, minus drop, plus extra."""
    port = port or next_port()
    attrs = {
        "COOKIE": fa("COOKIE", api.u64(cookie or TEST_COOKIE | port)),
        "LOCAL": ep("LOCAL", "127.0.0.1:%d" % port),
        "OUT": ep("OUT", "127.0.0.1:%d" % (port + 10000)),
        "SRC_MODE": fa("SRC_MODE", api.u8(C["SIPFP_SRC_" + mode])),
    }
    for k in drop:
        del attrs[k]
    attrs.update(extra)
    return [A("SIPFP_A_FLOW", list(attrs.values()), "flow")]


def cmd(name):
    return C["SIPFP_CMD_" + name]


def ok(nl, c, attrs, dump=False):
    return nl.request(cmd(c), attrs, dump)


def refused(nl, c, attrs, err, msg=None, at=None, miss=None):
    """c with attrs fails with err, msg, pointing at the attribute at."""
    marks = nl.send(cmd(c), attrs)
    try:
        list(nl.replies())
    except api.NlError as e:
        check(e.errno == err, "errno %s, want %s (%s)" % (
            errno.errorcode.get(e.errno), errno.errorcode[err], e.msg))
        if msg is not None:
            check(e.msg in (msg, "sipfp: " + msg) or
                  (msg.endswith("*") and msg[:-1] in e.msg),
                  "extack '%s', want '%s'" % (e.msg, msg))
        if at is not None:
            check(e.offs == marks[at], "extack points at offset %s, want "
                  "%s (%s)" % (e.offs, marks[at], at))
        if miss is not None:
            check(e.miss_type == C[miss], "missing-attribute type %s, want "
                  "%s" % (e.miss_type, miss))
        return
    raise AssertionError("%s succeeded" % c)


def new_refused(nl, attrs, msg=None, at=None, err=errno.EINVAL, miss=None):
    refused(nl, "FLOW_NEW", attrs, err, msg, at, miss)


def get_flow(nl, port):
    r = ok(nl, "FLOW_GET", [A("SIPFP_A_FLOW",
                              [ep("LOCAL", "127.0.0.1:%d" % port)])])
    return api.decode_top(r[0])["flow"]


def flush_tests(nl):
    ok(nl, "FLUSH", [A("SIPFP_A_COOKIE", api.u64(TEST_COOKIE)),
                     A("SIPFP_A_COOKIE_MASK", api.u64(TEST_MASK))])


# --- FLOW_NEW's own refusals, one per message ---

@case("NEW without SIPFP_A_FLOW")
def t_no_flow(nl):
    new_refused(nl, [], "missing SIPFP_A_FLOW", miss="SIPFP_A_FLOW")


@case("NEW without LOCAL")
def t_no_local(nl):
    new_refused(nl, flow(drop=["LOCAL"]), "flow needs a LOCAL endpoint",
                miss="SIPFP_FLOW_A_LOCAL")


@case("NEW without COOKIE")
def t_no_cookie(nl):
    new_refused(nl, flow(drop=["COOKIE"]), "flow needs a COOKIE",
                miss="SIPFP_FLOW_A_COOKIE")


@case("NEW without OUT")
def t_no_out(nl):
    new_refused(nl, flow(drop=["OUT"]), "flow needs an OUT endpoint",
                miss="SIPFP_FLOW_A_OUT")


@case("NEW without SRC_MODE")
def t_no_mode(nl):
    new_refused(nl, flow(drop=["SRC_MODE"]), "flow needs a SRC_MODE",
                miss="SIPFP_FLOW_A_SRC_MODE")


@case("endpoint without an address")
def t_ep_noaddr(nl):
    new_refused(nl, flow(LOCAL=raw_ep("LOCAL", port_attr(4000))),
                "endpoint needs exactly one of ADDR4 and ADDR6", "local")


@case("endpoint with two addresses")
def t_ep_twoaddr(nl):
    e = raw_ep("LOCAL", A("SIPFP_EP_A_ADDR4", bytes([127, 0, 0, 1])),
               A("SIPFP_EP_A_ADDR6", bytes(15) + b"\1"), port_attr(4000))
    new_refused(nl, flow(LOCAL=e),
                "endpoint needs exactly one of ADDR4 and ADDR6", "local")


@case("endpoint without a port")
def t_ep_noport(nl):
    e = raw_ep("OUT", A("SIPFP_EP_A_ADDR4", bytes([127, 0, 0, 1])))
    new_refused(nl, flow(OUT=e), "endpoint needs a PORT", "out")


@case("LOCAL port 0")
def t_local_port0(nl):
    new_refused(nl, flow(LOCAL=ep("LOCAL", "127.0.0.1:0")),
                "LOCAL port must not be 0", "local")


@case("OUT port 0")
def t_out_port0(nl):
    new_refused(nl, flow(OUT=ep("OUT", "127.0.0.1:0")),
                "OUT port must not be 0", "out")


@case("PEER port 0")
def t_peer_port0(nl):
    new_refused(nl, flow(PEER=ep("PEER", "192.0.2.1:0")),
                "PEER port must not be 0", "peer")


@case("PEER and OUT of different families")
def t_peer_family(nl):
    new_refused(nl, flow(PEER=ep("PEER", "[2001:db8::1]:4000")),
                "PEER and OUT must be of the same family", "peer")


@case("SRC with SRC_MODE ANY")
def t_src_any(nl):
    new_refused(nl, flow(SRC=ep("SRC", "192.0.2.1:4000")),
                "SRC_MODE ANY takes no SRC", "src")


@case("FIXED without SRC")
def t_fixed_nosrc(nl):
    new_refused(nl, flow(mode="FIXED"), "SRC_MODE FIXED and LATCH need a SRC",
                miss="SIPFP_FLOW_A_SRC")


@case("SRC and LOCAL of different families")
def t_src_family(nl):
    new_refused(nl, flow(mode="LATCH", SRC=ep("SRC", "[2001:db8::1]:0")),
                "SRC and LOCAL must be of the same family", "src")


@case("FIXED with SRC port 0")
def t_fixed_port0(nl):
    new_refused(nl, flow(mode="FIXED", SRC=ep("SRC", "192.0.2.1:0")),
                "SRC port 0 needs SRC_MODE LATCH", "src")


@case("LATCH_MS without LATCH")
def t_latch_ms(nl):
    new_refused(nl, flow(mode="FIXED", SRC=ep("SRC", "192.0.2.1:9"),
                         LATCH_MS=fa("LATCH_MS", api.u32(100))),
                "LATCH_MS needs SRC_MODE LATCH", "latch_ms")


@case("NEW on a LOCAL that has a flow: EEXIST")
def t_exists(nl):
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port))
    new_refused(nl, flow(port, cookie=TEST_COOKIE | 1),
                "LOCAL endpoint already has a flow", err=errno.EEXIST)
    check(get_flow(nl, port)["cookie"] == TEST_COOKIE | port,
          "the first flow was replaced")


@case("NEW past max_flows: ENOSPC")
def t_full(nl):
    old = open(PARAM).read().strip()
    now = api.get_stats(nl)["flows"]
    with open(PARAM, "w") as f:
        f.write(str(now + 1))
    try:
        ok(nl, "FLOW_NEW", flow())
        new_refused(nl, flow(), "flow table full*", err=errno.ENOSPC)
        check(api.get_stats(nl)["max_flows"] == now + 1, "MAX_FLOWS")
    finally:
        with open(PARAM, "w") as f:
            f.write(old)


# --- refusals by the policies: the attribute, whatever the message ---

def policy_refused(nl, attrs, at, err=errno.EINVAL):
    new_refused(nl, attrs, at=at, err=err)


@case("policy: DSCP 64")
def t_dscp(nl):
    policy_refused(nl, flow(DSCP=fa("DSCP", api.u8(64))), "dscp",
                   errno.ERANGE)


@case("policy: SRC_MODE past the last mode")
def t_mode_max(nl):
    policy_refused(nl, flow(SRC_MODE=fa("SRC_MODE", api.u8(
        C["SIPFP_SRC_MAX"] + 1))), "src_mode", errno.ERANGE)


@case("policy: an unknown flag")
def t_flags(nl):
    policy_refused(nl, flow(FLAGS=fa("FLAGS", api.u32(
        C["__SIPFP_F_ALL"] + 1))), "flags")


@case("policy: CLOCK_RATE 0")
def t_clock(nl):
    policy_refused(nl, flow(CLOCK_RATE=fa("CLOCK_RATE", api.u32(0))),
                   "clock_rate", errno.ERANGE)


@case("policy: ADDR4 of 5 bytes")
def t_addr4_len(nl):
    e = raw_ep("LOCAL", A("SIPFP_EP_A_ADDR4", bytes(5), "addr"),
               port_attr(4000))
    policy_refused(nl, flow(LOCAL=e), "addr", errno.ERANGE)


@case("policy: ADDR6 of 4 bytes")
def t_addr6_len(nl):
    e = raw_ep("OUT", A("SIPFP_EP_A_ADDR6", bytes(4), "addr"),
               port_attr(4000))
    policy_refused(nl, flow(OUT=e), "addr", errno.ERANGE)


@case("policy: PORT of 4 bytes")
def t_port_len(nl):
    e = raw_ep("LOCAL", A("SIPFP_EP_A_ADDR4", bytes([127, 0, 0, 1])),
               A("SIPFP_EP_A_PORT", api.u32(4000), "port"))
    policy_refused(nl, flow(LOCAL=e), "port")


@case("policy: COOKIE of 4 bytes")
def t_cookie_len(nl):
    policy_refused(nl, flow(COOKIE=fa("COOKIE", api.u32(1))), "cookie")


@case("policy: LATCHED is a reply, not a request")
def t_latched(nl):
    policy_refused(nl, flow(LATCHED=ep("LATCHED", "192.0.2.1:9")), "latched")


@case("policy: COUNTERS is a reply, not a request")
def t_counters(nl):
    policy_refused(nl, flow(COUNTERS=fa("COUNTERS", [])), "counters")


@case("policy: an unknown flow attribute")
def t_flow_unknown(nl):
    policy_refused(nl, flow(X=api.Attr(C["SIPFP_FLOW_A_MAX"] + 1,
                                       api.u32(0), "x")), "x")


@case("policy: an unknown top-level attribute")
def t_top_unknown(nl):
    policy_refused(nl, flow() + [api.Attr(C["SIPFP_A_MAX"] + 1, api.u32(0),
                                          "x")], "x")


@case("policy: SIPFP_A_STATS in a request")
def t_top_stats(nl):
    policy_refused(nl, flow() + [A("SIPFP_A_STATS", [], "stats")], "stats")


# --- SET, DEL, GET, FLUSH refusals ---

def named(port, cookie=None, **extra):
    attrs = [ep("LOCAL", "127.0.0.1:%d" % port)]
    if cookie is not None:
        attrs.append(fa("COOKIE", api.u64(cookie)))
    attrs += list(extra.values())
    return [A("SIPFP_A_FLOW", attrs, "flow")]


@case("SET, DEL, GET of no flow: ENOENT")
def t_noent(nl):
    port = next_port()
    for c in ("FLOW_SET", "FLOW_DEL", "FLOW_GET"):
        refused(nl, c, named(port), errno.ENOENT, "no flow at LOCAL", "local")


@case("DEL and SET with another COOKIE: ENOENT, flow kept")
def t_cookie(nl):
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port))
    for c in ("FLOW_DEL", "FLOW_SET"):
        refused(nl, c, named(port, TEST_COOKIE | 1, D=fa("DSCP", api.u8(9))),
                errno.ENOENT, "the flow at LOCAL has another COOKIE",
                "cookie")
    f = get_flow(nl, port)
    check(f["dscp"] == 0, "SET with another cookie changed DSCP")


@case("SET that leaves OUT and PEER of different families")
def t_set_family(nl):
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port, PEER=ep("PEER", "192.0.2.1:5000")))
    refused(nl, "FLOW_SET", named(port, O=ep("OUT", "[::1]:5000")),
            errno.EINVAL, "PEER and OUT must be of the same family", "out")


@case("SET without LOCAL")
def t_set_nolocal(nl):
    refused(nl, "FLOW_SET", [A("SIPFP_A_FLOW", [fa("DSCP", api.u8(1))])],
            errno.EINVAL, "flow needs a LOCAL endpoint",
            miss="SIPFP_FLOW_A_LOCAL")


@case("FLUSH with COOKIE but no COOKIE_MASK, and the reverse")
def t_flush_half(nl):
    for name in ("SIPFP_A_COOKIE", "SIPFP_A_COOKIE_MASK"):
        refused(nl, "FLUSH", [A(name, api.u64(1), "half")], errno.EINVAL,
                "COOKIE and COOKIE_MASK go together", "half")


# --- who may do what ---

def in_child(fn):
    """fn() in a forked child; its return value (an int < 256) back."""
    pid = os.fork()
    if pid == 0:
        code = 255
        try:
            code = fn()
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def unshare(flags):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(flags):
        return ctypes.get_errno()
    return 0


def as_nobody():
    os.setgroups([])
    os.setgid(65534)
    os.setuid(65534)


@case("without CAP_NET_ADMIN: changes and events refused, reads allowed")
def t_unprivileged(nl):
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port))

    def child():
        as_nobody()
        n = api.Genl()
        for c, attrs in (("FLOW_NEW", flow()), ("FLOW_SET", named(port)),
                         ("FLOW_DEL", named(port)), ("FLUSH", [])):
            refused(n, c, attrs, errno.EPERM)
        try:
            n.join()
            return 1
        except PermissionError:
            pass
        get_flow(n, port)
        api.dump_flows(n)
        api.get_stats(n)
        return 0
    check(in_child(child) == 0, "an unprivileged process got through")
    get_flow(nl, port)


@case("CAP_NET_ADMIN over its own user and network namespace suffices")
def t_userns(nl):
    def child():
        as_nobody()
        e = unshare(CLONE_NEWUSER | CLONE_NEWNET)
        if e:
            return 4
        n = api.Genl()
        n.join()
        ok(n, "FLOW_NEW", flow())
        return 0 if api.get_stats(n)["flows"] == 1 else 1
    rc = in_child(child)
    if rc == 4:
        raise Skip("no unprivileged user namespaces here")
    check(rc == 0, "the namespace's owner could not add a flow")


# --- what works ---

@case("NEW then GET: every attribute, defaults filled in")
def t_new_get(nl):
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port, mode="LATCH",
                            SRC=ep("SRC", "127.0.0.1:0"),
                            PEER=ep("PEER", "127.0.0.2:7000")))
    f = get_flow(nl, port)
    want = {
        "cookie": TEST_COOKIE | port, "local": "127.0.0.1:%d" % port,
        "out": "127.0.0.1:%d" % (port + 10000), "peer": "127.0.0.2:7000",
        "src_mode": "latch", "src": "127.0.0.1:0", "latch_ms": 10000,
        "flags": 0, "dscp": 0, "clock_rate": 8000, "idle_ms": 0,
        "timeout_ms": 0,
        "counters": {"packets": 0, "bytes": 0, "drop_source": 0,
                     "drop_no_peer": 0, "drop_route": 0},
    }
    check(f == want, "got %s" % f)


@case("PEER 0.0.0.0 and :: mean no peer")
def t_peer_any(nl):
    p4, p6 = next_port(), next_port()
    ok(nl, "FLOW_NEW", flow(p4, PEER=ep("PEER", "0.0.0.0:0")))
    ok(nl, "FLOW_NEW", flow(p6, OUT=ep("OUT", "[::1]:9"),
                            PEER=ep("PEER", "[::]:0")))
    check("peer" not in get_flow(nl, p4), "PEER 0.0.0.0 shown")
    check("peer" not in get_flow(nl, p6), "PEER :: shown")


@case("IPv6 LOCAL, and 4 <-> 6 between the legs")
def t_ipv6(nl):
    port = next_port()
    local = "[::1]:%d" % port
    ok(nl, "FLOW_NEW", flow(port, LOCAL=ep("LOCAL", local), mode="FIXED",
                            SRC=ep("SRC", "[2001:db8::7]:4000"),
                            OUT=ep("OUT", "127.0.0.1:9"),
                            PEER=ep("PEER", "192.0.2.9:4000")))
    r = ok(nl, "FLOW_GET", [A("SIPFP_A_FLOW", [ep("LOCAL", local)])])
    f = api.decode_top(r[0])["flow"]
    check((f["local"], f["src"], f["peer"]) ==
          (local, "[2001:db8::7]:4000", "192.0.2.9:4000"), "got %s" % f)


@case("SET replaces what it is given, keeps the rest")
def t_set(nl):
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port, mode="FIXED",
                            SRC=ep("SRC", "192.0.2.1:4000"),
                            IDLE_MS=fa("IDLE_MS", api.u32(5000))))
    ok(nl, "FLOW_SET", named(port, TEST_COOKIE | port,
                             P=ep("PEER", "192.0.2.2:6000"),
                             D=fa("DSCP", api.u8(46)),
                             F=fa("FLAGS", api.u32(C["SIPFP_F_RTP"]))))
    f = get_flow(nl, port)
    check((f["peer"], f["dscp"], f["flags"], f["src"], f["idle_ms"]) ==
          ("192.0.2.2:6000", 46, C["SIPFP_F_RTP"], "192.0.2.1:4000", 5000),
          "got %s" % f)
    ok(nl, "FLOW_SET", named(port, M=fa("SRC_MODE", api.u8(0))))
    f = get_flow(nl, port)
    check(f["src_mode"] == "any" and "src" not in f, "got %s" % f)


def monitor():
    m = api.Genl()
    m.join()
    return m


def wait_events(m, want, timeout):
    """The events m receives within timeout until want(events) holds."""
    got, end = [], time.monotonic() + timeout
    while not want(got):
        left = end - time.monotonic()
        if left <= 0:
            break
        for ev in m.events(left):
            got.append(ev)
            break
    return got


def removed(ev, port, reason):
    return (ev.get("event") == "removed" and ev.get("reason") == reason and
            ev["flow"]["local"] == "127.0.0.1:%d" % port)


@case("DEL removes; a REMOVED event names the flow")
def t_del(nl):
    m = monitor()
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port))
    ok(nl, "FLOW_DEL", named(port, TEST_COOKIE | port))
    refused(nl, "FLOW_GET", named(port), errno.ENOENT)
    ev = wait_events(m, lambda e: e, 5)
    check(len(ev) == 1 and removed(ev[0], port, "deleted") and
          ev[0]["flow"]["cookie"] == TEST_COOKIE | port, "events %s" % ev)


@case("dump: every flow once, in creation order, across many messages")
def t_dump(nl):
    flush_tests(nl)
    ports = [next_port() for _ in range(300)]
    for p in ports:
        ok(nl, "FLOW_NEW", flow(p))
    got = [f["local"] for f in api.dump_flows(nl)]
    check(got == ["127.0.0.1:%d" % p for p in ports],
          "%d flows dumped of %d" % (len(got), len(ports)))
    check(api.get_stats(nl)["flows"] == 300, "STATS_A_FLOWS")


@case("dump raced by a change: NLM_F_DUMP_INTR")
def t_dump_intr(nl):
    for _ in range(300):
        ok(nl, "FLOW_NEW", flow())
    n = api.Genl(rcvbuf=4096)
    n.send(cmd("FLOW_GET"), [], dump=True)
    intr, first = False, True
    for _, flags in n.replies():
        if first:
            ok(nl, "FLOW_NEW", flow())
            first = False
        intr = intr or bool(flags & api.NLM_F_DUMP_INTR)
    check(intr, "no NLM_F_DUMP_INTR after a flow was added mid-dump")


@case("FLUSH by cookie and mask removes only those")
def t_flush_mask(nl):
    flush_tests(nl)
    m = monitor()
    mine = [next_port() for _ in range(3)]
    other = next_port()
    for p in mine:
        ok(nl, "FLOW_NEW", flow(p, cookie=TEST_COOKIE | 0xAB0000 | p))
    ok(nl, "FLOW_NEW", flow(other))
    ok(nl, "FLUSH", [A("SIPFP_A_COOKIE", api.u64(TEST_COOKIE | 0xAB0000)),
                     A("SIPFP_A_COOKIE_MASK", api.u64(TEST_MASK | 0xFF0000))])
    left = [f["local"] for f in api.dump_flows(nl)
            if f["cookie"] & TEST_MASK == TEST_COOKIE]
    check(left == ["127.0.0.1:%d" % other], "left %s" % left)
    ev = wait_events(m, lambda e: len(e) >= 3, 5)
    check(sorted(e["flow"]["local"] for e in ev if e["reason"] == "flushed")
          == ["127.0.0.1:%d" % p for p in mine], "events %s" % ev)


@case("STATS: flows now, the limit, zero traffic")
def t_stats(nl):
    flush_tests(nl)
    before = api.get_stats(nl)
    ok(nl, "FLOW_NEW", flow())
    s = api.get_stats(nl)
    check(s["flows"] == before["flows"] + 1, "flows %s" % s)
    check(s["max_flows"] == int(open(PARAM).read()), "max_flows %s" % s)
    for k in ("packets", "bytes", "drop_source", "drop_no_peer",
              "drop_route", "passed", "expired"):
        check(k in s, "no %s in %s" % (k, s))


@case("IDLE once per quiet spell")
def t_idle(nl):
    m = monitor()
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port, IDLE_MS=fa("IDLE_MS", api.u32(300))))
    ev = wait_events(m, lambda e: e, 5)
    check(len(ev) == 1 and ev[0]["event"] == "idle" and
          ev[0]["flow"]["local"] == "127.0.0.1:%d" % port, "events %s" % ev)
    # the scan runs once a second: three scans, no second event
    ev = wait_events(m, lambda e: e, 3.5)
    check(not ev, "more events %s" % ev)


@case("TIMEOUT_MS removes the flow, REMOVED expired, STATS_A_EXPIRED")
def t_timeout(nl):
    m = monitor()
    before = api.get_stats(nl)["expired"]
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port, TIMEOUT_MS=fa("TIMEOUT_MS", api.u32(500))))
    ev = wait_events(m, lambda e: e, 5)
    check(len(ev) == 1 and removed(ev[0], port, "expired"), "events %s" % ev)
    refused(nl, "FLOW_GET", named(port), errno.ENOENT)
    check(api.get_stats(nl)["expired"] == before + 1, "EXPIRED")


@case("each network namespace has its own table")
def t_netns(nl):
    port = next_port()
    ok(nl, "FLOW_NEW", flow(port))

    def child():
        if unshare(CLONE_NEWNET):
            return 1
        n = api.Genl()
        ok(n, "FLOW_NEW", flow(port, cookie=TEST_COOKIE | 7))
        flows = api.dump_flows(n)
        return 0 if [f["cookie"] for f in flows] == [TEST_COOKIE | 7] else 1
    check(in_child(child) == 0, "the new namespace saw other flows")
    check(get_flow(nl, port)["cookie"] == TEST_COOKIE | port, "flow changed")


def lifecycle(cookie, what):
    log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    return log.count("sipfp: flow %016x %s" % (cookie, what))


@case("rmmod with flows in two namespaces, then insmod")
def t_unload(nl):
    ko = os.environ.get("SIPFP_KO")
    if not ko or not os.path.exists(DYNDBG):
        raise Skip("needs SIPFP_KO and dynamic debug")
    cookies = [TEST_COOKIE | 0xDD00 | i for i in range(4)]
    for c in cookies[:2]:
        ok(nl, "FLOW_NEW", flow(cookie=c))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        unshare(CLONE_NEWNET)
        n = api.Genl()
        for c in cookies[2:]:
            ok(n, "FLOW_NEW", flow(cookie=c))
        os.write(w, b"x")
        time.sleep(60)
        os._exit(0)
    os.close(w)
    try:
        check(os.read(r, 1) == b"x", "the child made no flows")
        check(all(lifecycle(c, "created") == 1 for c in cookies),
              "created lines missing")
        nl.sock.close()
        subprocess.run(["rmmod", "sipfp"], check=True)
        gone = [c for c in cookies if lifecycle(c, "destroyed") != 1]
        subprocess.run(["insmod", ko, "dyndbg=+p"], check=True)
        check(not gone, "not destroyed: %s" % ["%x" % c for c in gone])
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)


def enable_dyndbg():
    if os.path.exists(DYNDBG):
        with open(DYNDBG, "w") as f:
            f.write("module sipfp +p\n")


def main(mod):
    global api, C
    api, C = mod, mod.C
    if os.geteuid() != 0 or not os.path.isdir("/sys/module/sipfp"):
        print("1..0 # SKIP needs root and sipfp.ko loaded (in the VM)")
        return 4
    enable_dyndbg()
    print("TAP version 13\n1..%d" % len(CASES))
    failed = 0
    for i, (name, fn) in enumerate(CASES, 1):
        try:
            nl = api.Genl()
            flush_tests(nl)
            fn(nl)
            print("ok %d %s" % (i, name))
        except Skip as e:
            print("ok %d %s # SKIP %s" % (i, name, e))
        except Exception as e:  # a failure, whatever raised it
            failed += 1
            print("not ok %d %s\n# %s: %s" % (i, name, type(e).__name__, e))
        sys.stdout.flush()
    flush_tests(api.Genl())
    print("# %d of %d failed" % (failed, len(CASES)))
    return 1 if failed else 0
