#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# bench_rtp.sh's control of rtpengine, the userspace relay it measures
# sipfpd against, over rtpengine's ng protocol: a cookie, a space and a
# bencoded dictionary in one UDP datagram each way, the reply carrying
# the request's cookie.
#
#   rtpng.py --ng IP:PORT setup --calls N --caller IP --port-base P
#            --callee IP:PORT --out FILE [--direction IN OUT]
#       offer (caller's SDP: IP:P+2i) and answer (callee's SDP: the one
#       sink's IP:PORT, every call) for N calls, and one line per call to
#       FILE, in call order: "P+2i ADDR PORT", where the answer says the
#       caller's RTP goes. Exit 0 when every call was set up.
#
#   rtpng.py --ng IP:PORT delete --calls N
#       deletes the calls, printing rtp_packets=N: the RTP rtpengine
#       counted for them (its delete replies' totals).
#
# Call-IDs and tags are fixed ("bench-I", "caller-I", "callee-I") so the
# second command finds the first one's calls. Requests are pipelined,
# --window at a time, each resent after 1 s with its cookie (rtpengine
# answers a repeated cookie from its cache, RFC-free but documented).

import argparse
import os
import re
import select
import socket
import sys
import time


# --- bencode: byte strings, integers, lists, dictionaries ---

def benc(v):
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, bool):
        raise TypeError("bencode has no booleans")
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, (list, tuple)):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        keys = sorted(k.encode() if isinstance(k, str) else k for k in v)
        items = {k.encode() if isinstance(k, str) else k: x
                 for k, x in v.items()}
        return b"d" + b"".join(benc(k) + benc(items[k]) for k in keys) + b"e"
    raise TypeError("cannot bencode %r" % type(v))


def bdec_at(b, i):
    """The value at b[i] and the index past it. Strings stay bytes."""
    c = b[i:i + 1]
    if c == b"i":
        end = b.index(b"e", i)
        return int(b[i + 1:end]), end + 1
    if c in (b"l", b"d"):
        out, i = [], i + 1
        while b[i:i + 1] != b"e":
            v, i = bdec_at(b, i)
            out.append(v)
        if c == b"l":
            return out, i + 1
        if len(out) % 2:
            raise ValueError("dictionary with a key and no value")
        return dict(zip(out[::2], out[1::2])), i + 1
    if c.isdigit():
        colon = b.index(b":", i)
        n = int(b[i:colon])
        if colon + 1 + n > len(b):
            raise ValueError("string past the end")
        return b[colon + 1:colon + 1 + n], colon + 1 + n
    raise ValueError("bad bencode at %d" % i)


def bdec(b):
    v, i = bdec_at(b, 0)
    if i != len(b):
        raise ValueError("trailing bytes after the value")
    return v


# --- the ng exchange ---

class Ng:
    def __init__(self, where, window):
        host, _, port = where.rpartition(":")
        self.dst = (host, int(port))
        self.s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        self.s.connect(self.dst)
        self.s.setblocking(False)
        self.window = window
        self.seq = 0
        self.tag = "%x" % os.getpid()

    def run(self, requests, timeout=10.0):
        """Sends every (key, dict) request; returns {key: reply dict}, a
        missing key for no reply in time."""
        todo = list(requests)[::-1]
        live, replies = {}, {}
        deadline = time.monotonic() + timeout + len(todo) / 200.0
        while (todo or live) and time.monotonic() < deadline:
            now = time.monotonic()
            while todo and len(live) < self.window:
                key, req = todo.pop()
                self.seq += 1
                cookie = b"%s_%d" % (self.tag.encode(), self.seq)
                msg = cookie + b" " + benc(req)
                live[cookie] = [key, msg, now]
                self.s.send(msg)
            for c, (_, msg, sent) in live.items():
                if now - sent >= 1.0:
                    live[c][2] = now
                    self.s.send(msg)
            select.select([self.s], [], [], 0.05)
            self.receive(live, replies)
        return replies

    def receive(self, live, replies):
        while True:
            try:
                data = self.s.recv(65535)
            except BlockingIOError:
                return
            except ConnectionRefusedError:
                continue  # nothing listening yet; resent after 1 s
            cookie, _, body = data.partition(b" ")
            if cookie not in live:
                continue
            key = live.pop(cookie)[0]
            try:
                replies[key] = bdec(body)
            except (ValueError, IndexError) as e:
                replies[key] = {b"result": b"error",
                                b"error-reason": str(e).encode()}


def sdp(user, sess, ip, port):
    return ("v=0\r\no=%s %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            % (user, sess, ip, ip, port))


def sdp_media(body):
    m = re.search(rb"^m=audio (\d+) ", body, re.M)
    c = re.findall(rb"^c=IN IP4 ([0-9.]+)", body, re.M)
    if not m or not c:
        return None
    return c[-1].decode(), int(m.group(1))


def failed(what, replies, n):
    bad = [i for i in range(n)
           if replies.get(i, {}).get(b"result") != b"ok"]
    if not bad:
        return False
    r = replies.get(bad[0])
    why = "no reply" if r is None else \
        (r.get(b"error-reason") or r.get(b"result", b"?")).decode(
            errors="replace")
    print("rtpng: %s: %d of %d failed, first: call %d: %s"
          % (what, len(bad), n, bad[0], why), file=sys.stderr)
    return True


def cmd_setup(ng, a):
    callee_ip, _, callee_port = a.callee.rpartition(":")
    common = {"replace": ["origin", "session-connection"], "ICE": "remove"}
    offers = [(i, dict(common, command="offer", **{
        "call-id": "bench-%d" % i, "from-tag": "caller-%d" % i,
        "sdp": sdp("caller", i + 1, a.caller, a.port_base + 2 * i),
        "direction": a.direction})) for i in range(a.calls)]
    t0 = time.monotonic()
    r = ng.run(offers)
    if failed("offer", r, a.calls):
        return 1
    answers = [(i, dict(common, command="answer", **{
        "call-id": "bench-%d" % i, "from-tag": "caller-%d" % i,
        "to-tag": "callee-%d" % i,
        "sdp": sdp("callee", i + 1, callee_ip, int(callee_port))}))
        for i in range(a.calls)]
    r = ng.run(answers)
    if failed("answer", r, a.calls):
        return 1
    with open(a.out, "w") as f:
        for i in range(a.calls):
            where = sdp_media(r[i].get(b"sdp", b""))
            if not where:
                print("rtpng: call %d: no audio stream in the answer"
                      % i, file=sys.stderr)
                return 1
            f.write("%d %s %d\n" % (a.port_base + 2 * i, *where))
    print("rtpng: %d calls set up in %.1f s"
          % (a.calls, time.monotonic() - t0), file=sys.stderr)
    return 0


def cmd_delete(ng, a):
    dels = [(i, {"command": "delete", "call-id": "bench-%d" % i,
                 "from-tag": "caller-%d" % i, "delete delay": 0})
            for i in range(a.calls)]
    r = ng.run(dels)
    rc = 1 if failed("delete", r, a.calls) else 0
    rtp = sum(v.get(b"totals", {}).get(b"RTP", {}).get(b"packets", 0)
              for v in r.values())
    print("rtp_packets=%d" % rtp)
    return rc


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--ng", required=True)
    p.add_argument("--window", type=int, default=64)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("setup")
    s.add_argument("--calls", type=int, required=True)
    s.add_argument("--caller", required=True)
    s.add_argument("--port-base", type=int, required=True)
    s.add_argument("--callee", required=True)
    s.add_argument("--out", required=True)
    s.add_argument("--direction", nargs=2, default=["left", "right"])
    d = sub.add_parser("delete")
    d.add_argument("--calls", type=int, required=True)
    a = p.parse_args()
    ng = Ng(a.ng, a.window)
    return cmd_setup(ng, a) if a.cmd == "setup" else cmd_delete(ng, a)


if __name__ == "__main__":
    sys.exit(main())
