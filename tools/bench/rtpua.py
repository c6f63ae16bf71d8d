#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# The phones of bench_rtp.sh: calls through the proxy under test, only to
# have it anchor their media, thousands in a few seconds.
#
#   rtpua.py uas --listen IP:PORT --media IP:PORT
#       the callee: answers every INVITE with 200 and an SDP naming MEDIA
#       (every call the same: one sink counts them all), every BYE with
#       200, until SIGTERM; then prints answered=N on stderr.
#
#   rtpua.py uac --proxy IP:PORT --local IP --callee URI --calls N
#                --port-base P --out FILE
#       the caller: N calls, call i offering IP:P+2i, at most --window
#       unanswered at a time; ACKs each 200 and writes one line per
#       answered call to FILE, in call order: "P+2i RELAY_IP RELAY_PORT",
#       the relay address the 200's SDP gives, which is where the
#       caller's RTP goes. Exit 0 when every call was answered.
#
# Enough SIP for one proxy between two phones on UDP: an INVITE is
# retransmitted at 1 and 2 s (RFC 3261 Timer A, without the doubling
# past that), a final failure is ACKed on the INVITE's branch (§17.1.1.3),
# a 200 with an ACK of its own along the Record-Route set (§13.2.2.4).

import argparse
import os
import re
import select
import signal
import socket
import sys
import time
import zlib

HDR_RE = re.compile(rb"^([A-Za-z-]+)[ \t]*:[ \t]*(.*)$")
COMPACT = {b"v": b"via", b"f": b"from", b"t": b"to", b"i": b"call-id",
           b"m": b"contact", b"l": b"content-length", b"c": b"content-type"}


def hostport(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def parse(data):
    """(first line, [(lower name, value)], body) of one datagram."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    hdrs = []
    for ln in lines[1:]:
        if ln[:1] in (b" ", b"\t") and hdrs:
            name, v = hdrs[-1]
            hdrs[-1] = (name, v + b" " + ln.strip())
            continue
        m = HDR_RE.match(ln)
        if m:
            name = m.group(1).lower()
            hdrs.append((COMPACT.get(name, name), m.group(2).strip()))
    return lines[0], hdrs, body


def hdr(hdrs, name):
    for n, v in hdrs:
        if n == name:
            return v
    return None


def hdr_all(hdrs, name):
    return [v for n, v in hdrs if n == name]


def sdp_media(body):
    """(address, port) of the first audio stream of an SDP body."""
    addr = port = None
    for ln in body.split(b"\r\n"):
        if ln.startswith(b"c=IN IP4 ") and (addr is None or port is None):
            addr = ln[9:].strip().decode()
        elif ln.startswith(b"m=audio ") and port is None:
            port = int(ln.split()[1])
    return addr, port


def sdp(user, sess, ip, port):
    return ("v=0\r\no=%s %d 1 IN IP4 %s\r\ns=-\r\nc=IN IP4 %s\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
            % (user, sess, ip, ip, port)).encode()


def udp_socket(ip, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.bind((ip, port))
    return s


# --- the callee ---

def uas_reply(req, media, contact):
    first, hdrs, _ = parse(req)
    method = first.split(b" ", 1)[0]
    if method not in (b"INVITE", b"BYE"):
        return None
    call_id = hdr(hdrs, b"call-id") or b""
    to = hdr(hdrs, b"to") or b""
    if b";tag=" not in to:
        # the same tag for a retransmission: the call is the Call-ID's
        to += b";tag=t%08x" % zlib.crc32(call_id)
    out = [b"SIP/2.0 200 OK"]
    out += [b"Via: " + v for v in hdr_all(hdrs, b"via")]
    out += [b"Record-Route: " + v for v in hdr_all(hdrs, b"record-route")]
    out += [b"From: " + (hdr(hdrs, b"from") or b""), b"To: " + to,
            b"Call-ID: " + call_id, b"CSeq: " + (hdr(hdrs, b"cseq") or b"")]
    body = b""
    if method == b"INVITE":
        out.append(contact)
        body = sdp("callee", zlib.crc32(call_id), media[0], media[1])
        out.append(b"Content-Type: application/sdp")
    out.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(out) + b"\r\n\r\n" + body, method == b"INVITE"


def cmd_uas(a):
    ip, port = hostport(a.listen)
    media = hostport(a.media)
    s = udp_socket(ip, port)
    s.setblocking(False)
    contact = ("Contact: <sip:callee@%s:%d>" % (ip, port)).encode()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    answered = set()
    while not stop:
        try:
            r, _, _ = select.select([s], [], [], 0.2)
        except InterruptedError:
            continue
        if not r:
            continue
        while True:
            try:
                data, src = s.recvfrom(65535)
            except BlockingIOError:
                break
            rep = uas_reply(data, media, contact)
            if rep:
                s.sendto(rep[0], src)
                if rep[1]:
                    answered.add(hdr(parse(data)[1], b"call-id"))
    print("rtpua: uas answered=%d" % len(answered), file=sys.stderr)
    return 0


# --- the caller ---

class Call:
    def __init__(self, i, a, run):
        self.i, self.port = i, a.port_base + 2 * i
        self.call_id = "b%s-%d@%s" % (run, i, a.local)
        self.ftag = "f%s-%d" % (run, i)
        self.branch = "z9hG4bK-%s-%d" % (run, i)
        self.sent = self.first = 0.0
        self.tries = 0
        self.done = False
        body = sdp("caller", i + 1, a.local, self.port)
        self.invite = (
            "INVITE %s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:%d;branch=%s;rport\r\n"
            "Max-Forwards: 70\r\n"
            "From: <sip:caller@%s>;tag=%s\r\n"
            "To: <%s>\r\n"
            "Call-ID: %s\r\n"
            "CSeq: 1 INVITE\r\n"
            "Contact: <sip:caller@%s:%d>\r\n"
            "Content-Type: application/sdp\r\n"
            "Content-Length: %d\r\n\r\n"
            % (a.callee, a.local, a.sip_port, self.branch, a.local,
               self.ftag, a.callee, self.call_id, a.local, a.sip_port,
               len(body))).encode() + body

    def ack(self, a, hdrs, ok):
        """The ACK of a final response: its own transaction for a 2xx,
        the INVITE's for a failure."""
        contact = hdr(hdrs, b"contact") or b""
        m = re.search(rb"<([^>]*)>", contact)
        uri = m.group(1).decode() if ok and m else a.callee
        branch = self.branch + ("-ack" if ok else "")
        routes = [] if not ok else list(reversed(
            hdr_all(hdrs, b"record-route")))
        out = ["ACK %s SIP/2.0" % uri,
               "Via: SIP/2.0/UDP %s:%d;branch=%s;rport"
               % (a.local, a.sip_port, branch),
               "Max-Forwards: 70"]
        out += ["Route: " + r.decode() for r in routes]
        out += ["From: <sip:caller@%s>;tag=%s" % (a.local, self.ftag),
                "To: " + (hdr(hdrs, b"to") or b"").decode(),
                "Call-ID: " + self.call_id, "CSeq: 1 ACK",
                "Content-Length: 0"]
        return ("\r\n".join(out) + "\r\n\r\n").encode()


class Caller:
    def __init__(self, a):
        self.a = a
        self.s = udp_socket(a.local, a.sip_port)
        self.s.setblocking(False)
        self.proxy = hostport(a.proxy)
        run = "%x" % (os.getpid() ^ int(time.time()))
        self.calls = [Call(i, a, run) for i in range(a.calls)]
        self.by_id = {c.call_id.encode(): c for c in self.calls}
        self.result = {}
        self.failed = {}
        self.live = {}

    def send(self, c, now):
        self.s.sendto(c.invite, self.proxy)
        c.sent = now
        c.first = c.first or now
        c.tries += 1

    def answer(self, c, first, hdrs, body):
        code = int(first.split(b" ")[1])
        if code < 200:
            return
        ok = code < 300
        self.s.sendto(c.ack(self.a, hdrs, ok), self.proxy)
        if c.done:
            return  # a retransmitted final response: ACKed again
        c.done = True
        self.live.pop(c.i, None)
        if not ok:
            self.failed[c.i] = first.decode(errors="replace")
            return
        addr, port = sdp_media(body)
        if addr is None or port is None:
            self.failed[c.i] = "200 without an audio stream"
            return
        self.result[c.i] = (addr, port)

    def receive(self):
        while True:
            try:
                data = self.s.recv(65535)
            except BlockingIOError:
                return
            first, hdrs, body = parse(data)
            if not first.startswith(b"SIP/2.0 "):
                continue
            c = self.by_id.get(hdr(hdrs, b"call-id"))
            if c:
                self.answer(c, first, hdrs, body)

    def timers(self, now):
        for c in list(self.live.values()):
            if now - c.first > self.a.timeout:
                self.failed[c.i] = "no final response"
                c.done = True
                del self.live[c.i]
            elif now - c.sent >= c.tries:
                self.send(c, now)

    def run(self):
        nxt = 0
        deadline = time.monotonic() + self.a.timeout + self.a.calls / 100.0
        while (nxt < len(self.calls) or self.live) and \
                time.monotonic() < deadline:
            now = time.monotonic()
            while nxt < len(self.calls) and len(self.live) < self.a.window:
                c = self.calls[nxt]
                self.live[c.i] = c
                self.send(c, now)
                nxt += 1
            select.select([self.s], [], [], 0.05)
            self.receive()
            self.timers(time.monotonic())
        for c in self.calls[nxt:] + list(self.live.values()):
            self.failed.setdefault(c.i, "never answered")


def cmd_uac(a):
    c = Caller(a)
    t0 = time.monotonic()
    c.run()
    with open(a.out, "w") as f:
        for i in sorted(c.result):
            f.write("%d %s %d\n" % (c.calls[i].port, *c.result[i]))
    print("rtpua: uac %d of %d calls answered in %.1f s"
          % (len(c.result), a.calls, time.monotonic() - t0),
          file=sys.stderr)
    if c.failed:
        i = min(c.failed)
        print("rtpua: %d failed, first: call %d: %s"
              % (len(c.failed), i, c.failed[i]), file=sys.stderr)
        return 1
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    u = sub.add_parser("uas")
    u.add_argument("--listen", required=True)
    u.add_argument("--media", required=True)
    c = sub.add_parser("uac")
    c.add_argument("--proxy", required=True)
    c.add_argument("--local", required=True)
    c.add_argument("--sip-port", type=int, default=5060)
    c.add_argument("--callee", required=True)
    c.add_argument("--calls", type=int, required=True)
    c.add_argument("--port-base", type=int, required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--window", type=int, default=200)
    c.add_argument("--timeout", type=float, default=8.0)
    a = p.parse_args()
    return cmd_uas(a) if a.cmd == "uas" else cmd_uac(a)


if __name__ == "__main__":
    sys.exit(main())
