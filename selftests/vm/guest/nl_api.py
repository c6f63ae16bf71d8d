#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The sipfp generic netlink API, spoken from scratch (standard library only).

An independent check of the kernel's side of kmod/uapi/linux/sipfp.h, beside
libsipctl: without arguments (or with "test") it runs the API tests in TAP,
one per refusal the module can give (errno, extack message and the attribute
it points at), plus the commands' and events' positive behaviour. The other
subcommands drive the module from shell tests:

  nl_api.py add --cookie C --local A:P --out A:P [--peer A:P] --src-mode M
                [--src A:P] [--latch-ms N] [--rtp] [--dscp N] [--clock-rate N]
                [--idle-ms N] [--timeout-ms N]
  nl_api.py set --local A:P [the same options]
  nl_api.py del --local A:P [--cookie C]
  nl_api.py get --local A:P [--field counters.packets | --json]
  nl_api.py stats [--field NAME | --json]
  nl_api.py dump
  nl_api.py flush [--cookie C --mask M]
  nl_api.py monitor [--count N] [--timeout S] [--ready FILE]
  nl_api.py check-spec SPEC.yaml     (the YNL spec against the header)

Addresses are 192.0.2.1:4000 or [2001:db8::1]:4000. get and stats print
"name value" lines (nests opened: "packets 10"), dump and monitor JSON.
Enum values come from the uapi header, found relative to this file.
"""

import argparse
import errno
import json
import os
import re
import select
import socket
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
UAPI = os.path.join(HERE, "..", "..", "..", "kmod", "uapi", "linux", "sipfp.h")

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_DUMP_INTR = 0x10
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLA_F_NESTED = 0x8000
NLMSGERR_ATTR_MSG, NLMSGERR_ATTR_OFFS = 1, 2
NLMSGERR_ATTR_MISS_TYPE, NLMSGERR_ATTR_MISS_NEST = 5, 6
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME, CTRL_ATTR_MCAST_GRP_ID = 1, 2
HDRLEN = 20  # nlmsghdr + genlmsghdr: where the first attribute starts


def parse_uapi(path=UAPI):
    """Every enum of the header: {enum name: {NAME: value}} and all names."""
    text = open(path).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    enums, flat = {}, {}
    for name, body in re.findall(r"enum\s+(\w+)\s*{(.*?)}", text, re.S):
        val, items = -1, {}
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            m = re.match(r"(\w+)(?:\s*=\s*(.+))?$", item, re.S)
            if m.group(2):
                expr = re.sub(r"(\d+)U\b", r"\1", m.group(2))
                val = eval(expr, {}, dict(flat))
            else:
                val += 1
            items[m.group(1)] = val
            flat[m.group(1)] = val
        enums[name] = items
    for name, value in re.findall(r"#define[ \t]+(\w+)[ \t]+(.+)", text):
        value = value.strip()
        try:
            flat[name] = eval(value, {}, dict(flat))
        except (NameError, SyntaxError):
            flat[name] = value.strip('"')
    return enums, flat


ENUMS, C = parse_uapi()


class Attr:
    """One attribute to send: bytes, or a list of Attr for a nest."""

    def __init__(self, atype, value, mark=None):
        self.atype, self.value, self.mark = atype, value, mark


def pack_attrs(attrs, base, marks):
    out = b""
    for a in attrs:
        off = base + len(out)
        if a.mark:
            marks[a.mark] = off
        if isinstance(a.value, list):
            body = pack_attrs(a.value, off + 4, marks)
            atype = a.atype | NLA_F_NESTED
        else:
            body, atype = a.value, a.atype
        out += struct.pack("=HH", 4 + len(body), atype) + body
        out += b"\0" * (-len(body) % 4)
    return out


def parse_attrs(buf):
    """{type: [raw, ...]} of one level of attributes."""
    res, off = {}, 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4:
            break
        res.setdefault(atype & 0x3FFF, []).append(buf[off + 4:off + alen])
        off += (alen + 3) & ~3
    return res


def u8(v):
    return struct.pack("=B", v)


def u32(v):
    return struct.pack("=I", v)


def u64(v):
    return struct.pack("=Q", v)


def be16(v):
    return struct.pack(">H", v)


def split_ep(text):
    m = re.match(r"^\[(.*)\]:(\d+)$", text) or re.match(r"^(.*):(\d+)$", text)
    if not m:
        raise ValueError("not ADDR:PORT: " + text)
    return m.group(1), int(m.group(2))


def ep(atype, text, mark=None):
    """An endpoint nest from "192.0.2.1:4000" or "[2001:db8::1]:4000"."""
    addr, port = split_ep(text)
    if ":" in addr:
        raw = socket.inet_pton(socket.AF_INET6, addr)
        a = Attr(C["SIPFP_EP_A_ADDR6"], raw)
    else:
        a = Attr(C["SIPFP_EP_A_ADDR4"], socket.inet_pton(socket.AF_INET, addr))
    return Attr(atype, [a, Attr(C["SIPFP_EP_A_PORT"], be16(port))], mark)


def decode_int(raw, signed=False):
    fmt = {1: "b", 2: "h", 4: "i", 8: "q"}[len(raw)]
    return struct.unpack("=" + (fmt if signed else fmt.upper()), raw)[0]


def decode_ep(raw):
    a = parse_attrs(raw)
    port = struct.unpack(">H", a[C["SIPFP_EP_A_PORT"]][0])[0]
    if C["SIPFP_EP_A_ADDR4"] in a:
        return "%s:%d" % (socket.inet_ntop(socket.AF_INET,
                                           a[C["SIPFP_EP_A_ADDR4"]][0]), port)
    addr = socket.inet_ntop(socket.AF_INET6, a[C["SIPFP_EP_A_ADDR6"]][0])
    return "[%s]:%d" % (addr, port)


def names(enum, prefix):
    return {v: k[len(prefix):].lower() for k, v in ENUMS[enum].items()
            if not k.startswith("__")}


EP_NAMES = ("local", "out", "peer", "src", "latched", "source")
ENUM_VALUES = {
    "src_mode": names("sipfp_src_mode", "SIPFP_SRC_"),
    "event": names("sipfp_event", "SIPFP_EVENT_"),
    "reason": names("sipfp_removed", "SIPFP_REMOVED_"),
}


def decode(raw, enum, prefix):
    """A nest as a dict, attribute names from the header's enum."""
    out = {}
    tnames = names(enum, prefix)
    for atype, vals in parse_attrs(raw).items():
        name = tnames.get(atype, str(atype))
        v = vals[0]
        if name in EP_NAMES:
            out[name] = decode_ep(v)
        elif name == "flow":
            out[name] = decode(v, "sipfp_flow_attrs", "SIPFP_FLOW_A_")
        elif name == "counters":
            out[name] = decode(v, "sipfp_cnt_attrs", "SIPFP_CNT_A_")
        elif name == "stats":
            out[name] = decode(v, "sipfp_stats_attrs", "SIPFP_STATS_A_")
        else:
            out[name] = decode_int(v, signed=(name == "lost"))
            if name in ENUM_VALUES:
                out[name] = ENUM_VALUES[name].get(out[name], out[name])
    return out


def decode_top(raw):
    return decode(raw, "sipfp_attrs", "SIPFP_A_")


class NlError(Exception):
    def __init__(self, err, msg, offs, miss_type, miss_nest):
        super().__init__("%s: %s" % (errno.errorcode.get(err, err), msg))
        self.errno, self.msg, self.offs = err, msg, offs
        self.miss_type, self.miss_nest = miss_type, miss_nest


class Genl:
    """One generic netlink socket talking to the sipfp family."""

    def __init__(self, rcvbuf=None):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.bind((0, 0))
        self.seq = int(time.time()) & 0xFFFFFF
        self.family, self.groups = GENL_ID_CTRL, {}
        fam = C["SIPFP_GENL_NAME"].encode() + b"\0"
        name = Attr(CTRL_ATTR_FAMILY_NAME, fam)
        reply = parse_attrs(self.request(CTRL_CMD_GETFAMILY, [name])[0])
        self.family = decode_int(reply[CTRL_ATTR_FAMILY_ID][0])
        for grps in reply.get(CTRL_ATTR_MCAST_GROUPS, []):
            for grp in parse_attrs(grps).values():
                g = parse_attrs(grp[0])
                gname = g[CTRL_ATTR_MCAST_GRP_NAME][0].rstrip(b"\0").decode()
                self.groups[gname] = decode_int(g[CTRL_ATTR_MCAST_GRP_ID][0])

    def message(self, cmd, attrs, flags):
        marks = {}
        body = pack_attrs(attrs, HDRLEN, marks)
        self.seq += 1
        hdr = struct.pack("=IHHII", HDRLEN + len(body), self.family,
                          flags, self.seq, 0)
        return hdr + struct.pack("=BBH", cmd, 1, 0) + body, marks

    def send(self, cmd, attrs, dump=False):
        flags = NLM_F_REQUEST | NLM_F_ACK | (NLM_F_DUMP if dump else 0)
        msg, marks = self.message(cmd, attrs, flags)
        self.sock.send(msg)
        return marks

    def replies(self):
        """Yields (payload, nlmsg flags) until the ack; raises NlError."""
        while True:
            buf = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(buf):
                mlen, mtype, flags, seq, _ = struct.unpack_from("=IHHII",
                                                                buf, off)
                m = buf[off:off + mlen]
                off += (mlen + 3) & ~3
                if seq != self.seq:
                    continue
                if mtype in (NLMSG_ERROR, NLMSG_DONE):
                    self.check_ack(mtype, flags, m)
                    return
                yield m[HDRLEN:], flags

    def check_ack(self, mtype, flags, m):
        err = -struct.unpack_from("=i", m, 16)[0] if len(m) >= 20 else 0
        tlv_at = 20 + (16 if mtype == NLMSG_ERROR else 0)
        t = parse_attrs(m[tlv_at:]) if flags & 0x200 else {}
        if not err:
            return
        msg = t.get(NLMSGERR_ATTR_MSG, [b""])[0].rstrip(b"\0").decode()

        def opt(k):
            return decode_int(t[k][0]) if k in t else None
        raise NlError(err, msg, opt(NLMSGERR_ATTR_OFFS),
                      opt(NLMSGERR_ATTR_MISS_TYPE),
                      opt(NLMSGERR_ATTR_MISS_NEST))

    def request(self, cmd, attrs, dump=False):
        """The replies' payloads (attributes)."""
        self.send(cmd, attrs, dump)
        return [raw for raw, _ in self.replies()]

    def join(self, group=None):
        gid = self.groups[group or C["SIPFP_MCGRP_EVENTS"]]
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, gid)

    def events(self, timeout):
        """Decoded events until none came for timeout seconds."""
        while select.select([self.sock], [], [], timeout)[0]:
            buf = self.sock.recv(1 << 16)
            off = 0
            while off + 16 <= len(buf):
                mlen = struct.unpack_from("=I", buf, off)[0]
                yield decode_top(buf[off + HDRLEN:off + mlen])
                off += (mlen + 3) & ~3


def flow_attrs(a):
    """The SIPFP_A_FLOW nest from parsed command-line options."""
    f = []

    def put(name, value):
        f.append(Attr(C["SIPFP_FLOW_A_" + name], value))
    if a.cookie is not None:
        put("COOKIE", u64(a.cookie))
    f.append(ep(C["SIPFP_FLOW_A_LOCAL"], a.local))
    for name in ("out", "peer", "src"):
        if getattr(a, name, None):
            f.append(ep(C["SIPFP_FLOW_A_" + name.upper()], getattr(a, name)))
    if getattr(a, "src_mode", None):
        put("SRC_MODE", u8(C["SIPFP_SRC_" + a.src_mode.upper()]))
    for name in ("latch_ms", "clock_rate", "idle_ms", "timeout_ms"):
        if getattr(a, name, None) is not None:
            put(name.upper(), u32(getattr(a, name)))
    if getattr(a, "rtp", None) is not None:
        put("FLAGS", u32(C["SIPFP_F_RTP"] if a.rtp else 0))
    if getattr(a, "dscp", None) is not None:
        put("DSCP", u8(a.dscp))
    return [Attr(C["SIPFP_A_FLOW"], f)]


def pick(obj, field):
    for key in field.split(".") if field else []:
        obj = obj[key]
    return obj


def flat(obj):
    """{name: value} with nests opened; a nested name that is taken (the
    counters' idle_ms) keeps its nest's name in front."""
    out = {}
    for k, v in obj.items():
        if not isinstance(v, dict):
            out[k] = v
    for k, v in obj.items():
        if isinstance(v, dict):
            for ik, iv in flat(v).items():
                out[ik if ik not in out else k + "." + ik] = iv
    return out


def show(obj, field=None, as_json=False):
    """One value, or "name value" lines, or JSON."""
    if field:
        print(pick(obj, field))
    elif as_json or isinstance(obj, list):
        print(json.dumps(obj, sort_keys=True))
    else:
        for k, v in flat(obj).items():
            print(k, v)


def cli_flows(nl, a):
    if a.cmd in ("add", "set"):
        cmd = C["SIPFP_CMD_FLOW_" + ("NEW" if a.cmd == "add" else "SET")]
        nl.request(cmd, flow_attrs(a))
    elif a.cmd == "del":
        nl.request(C["SIPFP_CMD_FLOW_DEL"], flow_attrs(a))
    elif a.cmd == "get":
        r = nl.request(C["SIPFP_CMD_FLOW_GET"], flow_attrs(a))
        show(decode_top(r[0])["flow"], a.field, a.json)
    elif a.cmd == "dump":
        show(dump_flows(nl))


def dump_flows(nl):
    r = nl.request(C["SIPFP_CMD_FLOW_GET"], [], dump=True)
    return [decode_top(raw)["flow"] for raw in r]


def get_stats(nl):
    r = nl.request(C["SIPFP_CMD_STATS_GET"], [])
    return decode_top(r[0])["stats"]


def cli_monitor(nl, a):
    nl.join()
    if a.ready:
        open(a.ready, "w").close()
    n, end = 0, time.monotonic() + a.timeout
    while n < a.count or not a.count:
        left = end - time.monotonic()
        if left <= 0:
            return 1 if a.count else 0
        for ev in nl.events(left):
            print(json.dumps(ev, sort_keys=True), flush=True)
            n += 1
            break
    return 0


def cli(argv):
    p = argparse.ArgumentParser(description="the sipfp netlink API")
    sub = p.add_subparsers(dest="cmd")
    for name in ("add", "set", "del", "get"):
        s = sub.add_parser(name)
        s.add_argument("--local", required=True)
        s.add_argument("--cookie", type=lambda x: int(x, 0))
        if name == "get":
            s.add_argument("--field")
            s.add_argument("--json", action="store_true")
        if name not in ("add", "set"):
            continue
        for opt in ("out", "peer", "src"):
            s.add_argument("--" + opt)
        s.add_argument("--src-mode", choices=("any", "fixed", "latch"))
        for opt in ("latch-ms", "clock-rate", "idle-ms", "timeout-ms", "dscp"):
            s.add_argument("--" + opt, type=int)
        s.add_argument("--rtp", action="store_const", const=True)
        s.add_argument("--no-rtp", dest="rtp", action="store_const",
                       const=False)
    sub.add_parser("dump")
    s = sub.add_parser("stats")
    s.add_argument("--field")
    s.add_argument("--json", action="store_true")
    s = sub.add_parser("flush")
    s.add_argument("--cookie", type=lambda x: int(x, 0))
    s.add_argument("--mask", type=lambda x: int(x, 0))
    s = sub.add_parser("monitor")
    s.add_argument("--count", type=int, default=0)
    s.add_argument("--timeout", type=float, default=10)
    s.add_argument("--ready")
    s = sub.add_parser("check-spec")
    s.add_argument("spec")
    sub.add_parser("test")
    a = p.parse_args(argv)
    if a.cmd in (None, "test"):
        import nl_api_tests
        return nl_api_tests.main(sys.modules[__name__])
    if a.cmd == "check-spec":
        import ynl_check
        return ynl_check.main(a.spec, ENUMS, C)
    try:
        nl = Genl()
        if a.cmd == "stats":
            show(get_stats(nl), a.field, a.json)
        elif a.cmd == "flush":
            top = []
            if a.cookie is not None:
                top.append(Attr(C["SIPFP_A_COOKIE"], u64(a.cookie)))
            if a.mask is not None:
                top.append(Attr(C["SIPFP_A_COOKIE_MASK"], u64(a.mask)))
            nl.request(C["SIPFP_CMD_FLUSH"], top)
        elif a.cmd == "monitor":
            return cli_monitor(nl, a)
        else:
            cli_flows(nl, a)
    except NlError as e:
        print("nl_api.py %s: %s" % (a.cmd, e), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.dont_write_bytecode = True  # the tree may be read-only (the VM)
    sys.path.insert(0, HERE)
    sys.exit(cli(sys.argv[1:]))
