#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# A REGISTER client for what SIPp cannot do: digest with SHA-256 and
# SHA-512-256 (SIPp 3.6 knows only MD5), and the registrar query of RFC 3261
# §10.2.3 (a REGISTER without Contact, whose 200 lists the AOR's bindings).
# It answers one 401 with credentials for the algorithm asked for, and
# prints what the tests assert on:
#
#   challenge: SHA-256 MD5        algorithms offered, in the order offered
#   status: 200 OK                the final response's status line
#   contact: <sip:...>;expires=N  each Contact of the final response
#   HEADER: value                 each header named with --show
#
# Exit 0 when the final status is one of --expect, 1 otherwise, 2 on a
# timeout.

import argparse
import hashlib
import os
import re
import socket
import sys
import time

HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256"}


def hostport(s, port):
    """'192.0.2.1:5070' or '[2001:db8::1]:5060' or a bare address."""
    m = re.fullmatch(r"\[(.*)\](?::(\d+))?|([^:]*)(?::(\d+))?", s)
    host = m.group(1) or m.group(3)
    p = m.group(2) or m.group(4)
    return host, int(p) if p else port


def h(alg, text):
    return hashlib.new(HASHES[alg], text.encode()).hexdigest()


def auth_params(value):
    """The parameters of one 'Digest a=b, c="d"' challenge."""
    if not value.lower().startswith("digest "):
        return None
    return {k.lower(): v1 if v1 is not None and q else v2
            for k, q, v1, v2 in
            re.findall(r'([\w-]+)\s*=\s*(?:(")((?:[^"\\]|\\.)*)"|([^\s,]+))',
                       value[7:])}


def take_message(buf):
    """A whole message off a stream, by Content-Length: (msg, rest), with
    msg None while it is incomplete. Shared with siptls.py."""
    buf = buf.lstrip(b"\r\n")
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None, buf
    m = re.search(rb"\r\n(?:content-length|l)[ \t]*:[ \t]*(\d+)",
                  buf[:end], re.I)
    total = end + 4 + (int(m.group(1)) if m else 0)
    if len(buf) < total:
        return None, buf
    return buf[:total].decode(errors="replace"), buf[total:]


class Conn:
    def __init__(self, args):
        self.tcp = args.tcp
        lhost, lport = hostport(args.local, 0)
        self.dst = hostport(args.proxy, 5060)
        fam = socket.AF_INET6 if ":" in self.dst[0] else socket.AF_INET
        typ = socket.SOCK_STREAM if self.tcp else socket.SOCK_DGRAM
        self.s = socket.socket(fam, typ)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.s.bind((lhost, lport))
        if self.tcp:
            self.s.settimeout(3)
            self.s.connect(self.dst)
        self.local = self.s.getsockname()[:2]
        self.buf = b""

    def send(self, msg):
        if self.tcp:
            self.s.sendall(msg.encode())
        else:
            self.s.sendto(msg.encode(), self.dst)

    def recv(self, deadline):
        """One message, or None at the deadline."""
        while True:
            msg = self.frame()
            if msg:
                return msg
            left = deadline - time.time()
            if left <= 0:
                return None
            self.s.settimeout(left)
            try:
                data = self.s.recv(65535)
            except socket.timeout:
                return None
            if not data and self.tcp:
                return None
            if self.tcp:
                self.buf += data
            else:
                return data.decode(errors="replace")

    def frame(self):
        msg, self.buf = take_message(self.buf)
        return msg


def headers(msg, name):
    out = []
    for line in msg.split("\r\n\r\n")[0].split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == name.lower():
            out.append(v.strip())
    return out


def status(msg):
    return int(msg.split(" ", 2)[1])


class Client:
    def __init__(self, args):
        self.a = args
        self.c = Conn(args)
        self.tag = os.urandom(4).hex()
        self.call_id = "%s@%s" % (os.urandom(6).hex(), self.c.local[0])
        self.cseq = 0

    def request(self, auth):
        a, c = self.a, self.c
        self.cseq += 1
        host = c.local[0] if ":" not in c.local[0] else "[%s]" % c.local[0]
        lines = ["REGISTER sip:%s SIP/2.0" % a.domain,
                 "Via: SIP/2.0/%s %s:%d;branch=z9hG4bK%s;rport" %
                 ("TCP" if c.tcp else "UDP", host, c.local[1],
                  os.urandom(6).hex()),
                 "Max-Forwards: 70",
                 "From: <sip:%s@%s>;tag=%s" % (a.user, a.domain, self.tag),
                 "To: <sip:%s@%s>" % (a.user, a.domain),
                 "Call-ID: " + self.call_id,
                 "CSeq: %d REGISTER" % self.cseq]
        if a.contact:
            lines.append("Contact: " + a.contact)
        if a.expires is not None:
            lines.append("Expires: %d" % a.expires)
        if auth:
            lines.append("Authorization: " + auth)
        return "\r\n".join(lines + ["Content-Length: 0", "", ""])

    def transaction(self, auth):
        """Send one REGISTER; its final response, or None."""
        msg = self.request(auth)
        deadline = time.time() + 4
        interval = 0.5
        while True:
            self.c.send(msg)
            resend = min(time.time() + interval, deadline)
            while True:
                r = self.c.recv(deadline if self.c.tcp else resend)
                if r is None:
                    break
                if r.startswith("SIP/2.0 ") and status(r) >= 200:
                    return r
            if time.time() >= deadline:
                return None
            interval *= 2

    def credentials(self, challenge):
        a = self.a
        offered = []
        for v in headers(challenge, "WWW-Authenticate"):
            p = auth_params(v)
            if p is not None:
                offered.append((p.get("algorithm", "MD5").upper(), p))
        print("challenge:", " ".join(alg for alg, _ in offered))
        want = [p for alg, p in offered if alg == a.alg.upper()]
        if not want:
            return None
        p = want[0]
        uri = "sip:" + a.domain
        ha1 = h(a.alg, "%s:%s:%s" % (a.user, p["realm"], a.password))
        ha2 = h(a.alg, "REGISTER:" + uri)
        cnonce = os.urandom(8).hex()
        qop = "auth" if "auth" in p.get("qop", "").split(",") else None
        if qop:
            resp = h(a.alg, "%s:%s:00000001:%s:auth:%s" %
                     (ha1, p["nonce"], cnonce, ha2))
        else:
            resp = h(a.alg, "%s:%s:%s" % (ha1, p["nonce"], ha2))
        out = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
               'response="%s", algorithm=%s' %
               (a.user, p["realm"], p["nonce"], uri, resp, a.alg.upper()))
        if qop:
            out += ', qop=auth, nc=00000001, cnonce="%s"' % cnonce
        if "opaque" in p:
            out += ', opaque="%s"' % p["opaque"]
        return out


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--local", required=True, help="IP[:PORT] to send from")
    ap.add_argument("--proxy", required=True, help="IP[:PORT] of sipfpd")
    ap.add_argument("--tcp", action="store_true")
    ap.add_argument("--domain", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--alg", default="SHA-256", choices=list(HASHES))
    ap.add_argument("--contact", help="none: ask for the bindings")
    ap.add_argument("--expires", type=int)
    ap.add_argument("--expect", default="200",
                    help="the final status wanted, or several: 401,403")
    ap.add_argument("--show", action="append", default=[])
    a = ap.parse_args()

    cl = Client(a)
    r = cl.transaction(None)
    if r is not None and status(r) == 401:
        auth = cl.credentials(r)
        if auth is None:
            print("status: no %s challenge" % a.alg)
            return 1
        r = cl.transaction(auth)
    if r is None:
        print("status: timeout")
        return 2
    print("status:", r.split("\r\n", 1)[0][8:])
    for v in headers(r, "Contact") + headers(r, "m"):
        print("contact:", v)
    for name in a.show:
        for v in headers(r, name):
            print("%s: %s" % (name, v))
    return 0 if str(status(r)) in a.expect.split(",") else 1


if __name__ == "__main__":
    sys.exit(main())
