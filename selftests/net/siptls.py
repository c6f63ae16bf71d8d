#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# SIP over TLS for the tests, where SIPp cannot go (Debian builds it
# without TLS): python3's ssl module as the phones, a trunk, and the
# clients that misbehave. One mode per run:
#
#   options   one OPTIONS, TLS versions as asked; prints version: and
#             status:, or error: when the handshake fails
#   raw       plain text, random bytes or half a ClientHello, then waits
#             for sipfpd to close; prints closed: after N s
#   idle      a handshake, then silence until sipfpd closes
#   bob       REGISTER (digest), then answers one call on that connection
#             (RFC 5626 pings while waiting); prints what the INVITE held
#   alice     calls --to: INVITE, the 407 answered, ACK, BYE after a 200
#   trunk     a TLS server: answers one INVITE with --status; prints the
#             server name it was asked for and the INVITE's Via
#
# Exit 0 when what happened is what the mode expects, 1 otherwise.

import argparse
import os
import re
import socket
import ssl
import sys
import time
import warnings

from sipreg import auth_params, h, headers, take_message

# TLS 1.1 is deprecated: that is what the test shows sipfpd knows
warnings.filterwarnings("ignore", category=DeprecationWarning)
VERSIONS = {"1.1": ssl.TLSVersion.TLSv1_1, "1.2": ssl.TLSVersion.TLSv1_2,
            "1.3": ssl.TLSVersion.TLSv1_3}
SDP = ("v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
       "m=audio 40000 RTP/AVP 0\r\n")


def client_ctx(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if a.cafile:
        ctx.load_verify_locations(a.cafile)
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if a.tls_min == "1.1" or a.tls_max == "1.1":
        # OpenSSL's default security level refuses to offer TLS 1.1 at all
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    if a.tls_min:
        ctx.minimum_version = VERSIONS[a.tls_min]
    if a.tls_max:
        ctx.maximum_version = VERSIONS[a.tls_max]
    return ctx


class Conn:
    """One TLS connection, SIP messages framed by Content-Length."""

    def __init__(self, sock):
        self.s = sock
        self.buf = b""
        self.local = sock.getsockname()[:2]

    def send(self, msg):
        self.s.sendall(msg.encode())

    def recv(self, timeout, ping=None):
        """One message, or None after timeout s (or at end of stream).
        With ping, a CRLFCRLF keep-alive goes out every ping s."""
        deadline = time.time() + timeout
        while True:
            msg = self.frame()
            if msg:
                return msg
            left = deadline - time.time()
            if left <= 0:
                return None
            self.s.settimeout(min(left, ping) if ping else left)
            try:
                data = self.s.recv(65535)
            except socket.timeout:
                if ping:
                    self.s.sendall(b"\r\n\r\n")
                continue
            if not data:
                return None
            self.buf += data

    def frame(self):
        msg, self.buf = take_message(self.buf)
        return msg


def connect(a):
    host, port = a.proxy.rsplit(":", 1)
    raw = socket.create_connection((host, int(port)), timeout=3,
                                   source_address=(a.local, 0))
    return Conn(client_ctx(a).wrap_socket(raw, server_hostname=a.name))


def first(msg):
    return msg.split("\r\n", 1)[0]


def status(msg):
    return int(msg.split(" ", 2)[1]) if msg.startswith("SIP/2.0 ") else 0


def build(start, hdrs, body=""):
    if body:
        hdrs = hdrs + ["Content-Type: application/sdp"]
    return "\r\n".join([start] + hdrs +
                       ["Content-Length: %d" % len(body), "", body])


def branch():
    return "z9hG4bK" + os.urandom(6).hex()


def digest(a, challenge, method, uri):
    p = auth_params(challenge)
    alg = p.get("algorithm", "MD5").upper()
    ha1 = h(alg, "%s:%s:%s" % (a.user, p["realm"], a.password))
    ha2 = h(alg, "%s:%s" % (method, uri))
    cnonce = os.urandom(8).hex()
    resp = h(alg, "%s:%s:00000001:%s:auth:%s" % (ha1, p["nonce"], cnonce,
                                                  ha2))
    out = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
           'response="%s", algorithm=%s, qop=auth, nc=00000001, '
           'cnonce="%s"' % (a.user, p["realm"], p["nonce"], uri, resp, alg,
                            cnonce))
    if "opaque" in p:
        out += ', opaque="%s"' % p["opaque"]
    return out


def pick_challenge(msg, hdr):
    """The SHA-256 challenge if offered, else the first."""
    vals = headers(msg, hdr)
    for v in vals:
        if re.search(r"algorithm=SHA-256\b", v, re.I):
            return v
    return vals[0] if vals else None


def final(c, timeout=5):
    """The final response, after any provisional ones, or None."""
    while True:
        r = c.recv(timeout)
        if r is None or status(r) >= 200:
            return r


class Dialog:
    def __init__(self, a, c):
        self.a, self.c = a, c
        self.tag = os.urandom(4).hex()
        self.call_id = os.urandom(8).hex() + "@" + a.local
        self.cseq = 0
        self.via = "SIP/2.0/TLS %s:%d;rport;branch=" % c.local
        self.me = "<sip:%s@%s>;tag=%s" % (a.user, a.domain, self.tag)
        self.contact = "<sip:%s@%s:%d;transport=tls>" % (a.user, *c.local)

    def common(self, to, method, br, cseq=None):
        return ["Via: " + self.via + br, "Max-Forwards: 70",
                "From: " + self.me, "To: " + to,
                "Call-ID: " + self.call_id,
                "CSeq: %d %s" % (cseq or self.cseq, method)]


def mode_options(a):
    try:
        c = connect(a)
    except (ssl.SSLError, OSError) as e:
        print("error:", e)
        return 0 if a.expect_error and a.expect_error in str(e) else 1
    print("version:", c.s.version())
    d = Dialog(a, c)
    d.cseq = 1
    c.send(build("OPTIONS sip:%s SIP/2.0" % a.domain,
                 d.common("<sip:%s>" % a.domain, "OPTIONS", branch())))
    r = final(c)
    print("status:", first(r) if r else "none")
    return 0 if r and str(status(r)) == a.expect else 1


# Half a ClientHello: a record header announcing more than follows.
PARTIAL = bytes.fromhex("160301020001") + b"\x00" * 20


def mode_raw(a):
    host, port = a.proxy.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=3,
                                 source_address=(a.local, 0))
    data = {"plain": b"OPTIONS sip:%s SIP/2.0\r\nContent-Length: 0\r\n\r\n"
                     % a.domain.encode(),
            "random": os.urandom(2000),
            "partial": PARTIAL}[a.data]
    t0 = time.time()
    s.sendall(data)
    return wait_closed(s, t0, a)


def wait_closed(s, t0, a):
    got = b""
    s.settimeout(a.within)
    try:
        while True:
            more = s.recv(4096)
            if not more:
                break
            got += more
    except socket.timeout:
        print("still open after %.1f s" % a.within)
        return 1
    except (ssl.SSLError, OSError) as e:
        print("error:", e)
    took = time.time() - t0
    print("closed: after %.1f s, %d bytes received" % (took, len(got)))
    # what came back, if anything, was a TLS alert, never SIP
    return 0 if took >= a.after and b"SIP/2.0" not in got else 1


def mode_idle(a):
    c = connect(a)
    return wait_closed(c.s, time.time(), a)


def register(a, c):
    d = Dialog(a, c)
    uri = "sip:" + a.domain
    auth = []
    for _ in range(2):
        d.cseq += 1
        c.send(build("REGISTER %s SIP/2.0" % uri,
                     d.common("<sip:%s@%s>" % (a.user, a.domain), "REGISTER",
                              branch()) +
                     ["Contact: " + d.contact, "Expires: 60"] + auth))
        r = final(c)
        if r is None or status(r) != 401:
            break
        auth = ["Authorization: " +
                digest(a, pick_challenge(r, "WWW-Authenticate"), "REGISTER",
                       uri)]
    print("register:", first(r) if r else "none")
    return r is not None and status(r) == 200


def reply(c, req, code, tag=None, extra=(), body=""):
    h = ["Via: " + v for v in headers(req, "Via")]
    if code > 100:
        h += ["Record-Route: " + v for v in headers(req, "Record-Route")]
    to = headers(req, "To")[0]
    if tag and ";tag=" not in to:
        to += ";tag=" + tag
    h += ["From: " + headers(req, "From")[0], "To: " + to,
          "Call-ID: " + headers(req, "Call-ID")[0],
          "CSeq: " + headers(req, "CSeq")[0]] + list(extra)
    reason = {100: "Trying", 180: "Ringing", 200: "OK",
              486: "Busy Here"}[code]
    c.send(build("SIP/2.0 %d %s" % (code, reason), h, body))


def wait_request(c, method, timeout=8, ping=None):
    """The next request of @method; any other request is answered 200."""
    while True:
        r = c.recv(timeout, ping)
        if r is None:
            return None
        if r.startswith(method + " "):
            return r
        if not r.startswith("SIP/2.0"):
            reply(c, r, 200)


def mode_bob(a):
    c = connect(a)
    if not register(a, c):
        return 1
    # sipfpd's Via/Record-Route is what the test checks; print them
    print("registered", flush=True)
    inv = wait_request(c, "INVITE", a.wait, ping=0.5)
    if inv is None:
        print("invite: none")
        return 1
    print("invite:", first(inv))
    for name in ("Via", "Record-Route"):
        for v in headers(inv, name):
            print("%s: %s" % (name.lower(), v))
    tag = os.urandom(4).hex()
    me = ["Contact: <sip:%s@%s:%d;transport=tls>" % (a.user, *c.local)]
    reply(c, inv, 100)
    reply(c, inv, 180, tag, me)
    reply(c, inv, 200, tag, me, SDP.format(ip=a.local))
    ack = wait_request(c, "ACK")
    bye = ack and wait_request(c, "BYE")
    print("ack:", first(ack) if ack else "none")
    print("bye:", first(bye) if bye else "none")
    if bye:
        reply(c, bye, 200)
    return 0 if bye else 1


def invite(a, d, to, ruri, auth):
    br = branch()
    d.cseq += 1
    d.c.send(build("INVITE %s SIP/2.0" % ruri,
                   d.common(to, "INVITE", br) +
                   ["Contact: " + d.contact] + auth,
                   SDP.format(ip=a.local)))
    return br, final(d.c)


def ack_failure(d, to, ruri, br, r):
    """RFC 3261 §17.1.1.3: the ACK of a non-2xx, hop by hop."""
    to_tag = headers(r, "To")[0]
    d.c.send(build("ACK %s SIP/2.0" % ruri,
                   d.common(to_tag, "ACK", br)))


def in_dialog(d, ok, method):
    """ACK or BYE along the route set (RFC 3261 §12.2.1.1)."""
    target = re.search(r"<([^>]*)>", headers(ok, "Contact")[0]).group(1)
    routes = ["Route: " + v for v in reversed(headers(ok, "Record-Route"))]
    if method == "BYE":
        d.cseq += 1
    h = d.common(headers(ok, "To")[0], method, branch())
    d.c.send(build("%s %s SIP/2.0" % (method, target), h + routes))


def mode_alice(a):
    c = connect(a)
    d = Dialog(a, c)
    ruri = "sip:%s@%s" % (a.to, a.domain)
    to = "<%s>" % ruri
    br, r = invite(a, d, to, ruri, [])
    if r is not None and status(r) == 407:
        ack_failure(d, to, ruri, br, r)
        auth = ["Proxy-Authorization: " +
                digest(a, pick_challenge(r, "Proxy-Authenticate"), "INVITE",
                       ruri)]
        br, r = invite(a, d, to, ruri, auth)
    print("invite:", first(r) if r else "none")
    if r is None or str(status(r)) != a.expect:
        return 1
    if status(r) >= 300:
        ack_failure(d, to, ruri, br, r)
        return 0
    in_dialog(d, r, "ACK")
    time.sleep(0.2)
    in_dialog(d, r, "BYE")
    r = final(c)
    print("bye:", first(r) if r else "none")
    return 0 if r is not None and status(r) == 200 else 1


def mode_trunk(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    names = []
    ctx.sni_callback = lambda s, name, c: names.append(name)
    ls = socket.create_server((a.local, 5061))
    print("listening", flush=True)
    ls.settimeout(a.wait)
    raw, peer = ls.accept()
    c = Conn(ctx.wrap_socket(raw, server_side=True))
    print("server name:", names[0] if names and names[0] else "none")
    inv = wait_request(c, "INVITE")
    if inv is None:
        print("invite: none")
        return 1
    print("invite:", first(inv))
    for v in headers(inv, "Via"):
        print("via:", v)
    reply(c, inv, 100)
    reply(c, inv, int(a.status), os.urandom(4).hex())
    ack = wait_request(c, "ACK")
    print("ack:", first(ack) if ack else "none")
    return 0 if ack else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["options", "raw", "idle", "bob", "alice",
                                     "trunk"])
    ap.add_argument("--local", required=True)
    ap.add_argument("--proxy", default="192.0.2.1:5061")
    ap.add_argument("--cafile")
    ap.add_argument("--name", help="server name to send and verify")
    ap.add_argument("--tls-min", choices=list(VERSIONS))
    ap.add_argument("--tls-max", choices=list(VERSIONS))
    ap.add_argument("--domain", default="sip.test")
    ap.add_argument("--user", default="probe")
    ap.add_argument("--password", default="")
    ap.add_argument("--to")
    ap.add_argument("--expect", default="200")
    ap.add_argument("--expect-error")
    ap.add_argument("--data", choices=["plain", "random", "partial"])
    ap.add_argument("--within", type=float, default=3)
    ap.add_argument("--after", type=float, default=0)
    ap.add_argument("--wait", type=float, default=8)
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--status", default="486")
    a = ap.parse_args()
    return globals()["mode_" + a.mode](a)


if __name__ == "__main__":
    sys.exit(main())
