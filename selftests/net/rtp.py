#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""RTP helpers for the media tests (python3's standard library only).

  rtp.py count PCAP
      "packets=N duration_ms=D": the UDP packets of a capture, and the time
      from its first to its last, so a test never hard-codes what a
      sip-tester pcap holds.
  rtp.py play --bind IP:PORT --to IP:PORT [--linger MS] PCAP
      send the UDP payloads of a capture from IP:PORT with the capture's
      timing (as SIPp's play_pcap_audio does, but from any address), and
      keep the socket bound MS ms more so what comes back finds it.
  rtp.py csum PCAP
      "packets=N bad_ip=I bad_udp=U": the IPv4/UDP packets of a capture
      and how many of them carry a wrong IP header or UDP checksum (a zero
      UDP checksum is none, which IPv4 allows), for packets a fast path
      rewrote on their way to the capture.
  rtp.py ctl --to IP:PORT --call-id ID --do ACTION
      the test's INFO to a phone it steers (sipp/media_ua?.xml); SIPp
      matches it to the call by Call-ID and never answers it. Its CSeq is
      1: SIPp numbers its next request after the highest CSeq it has
      received, and the caller's re-INVITEs should go 2, 3, 4.
  rtp.py spray --to IP:PORT[,IP:PORT...] [--range IP:MIN-MAX]
               [--spoof IP:PORT] [--bind IP] [--rounds N] [--gap-ms MS]
               [--listen-ms MS]
      the third host: RTP-shaped packets marked with SSRC 0x53505259
      ("SPRY", the MARK below) at every target, and at every port of each
      range, N rounds GAP ms apart; from its own socket, or with --spoof
      from any source (raw socket, IP header ours). Prints one line per
      destination (a port both named and in a range is one destination,
      sent to twice a round), "sent IP:PORT N", and "received N": UDP
      packets that came back to its own socket (an RTP bleed would show
      here).
"""

import argparse
import random
import select
import socket
import struct
import sys
import time

MARK = 0x53505259


def addr_port(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def pcap_ip(path):
    """The (time, IPv4 packet) of each IPv4/UDP packet of a capture."""
    with open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        end = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        end = ">"
    else:
        sys.exit("%s: not a pcap file" % path)
    scale = 1e-9 if magic in (0xA1B23C4D, 0x4D3CB2A1) else 1e-6
    linktype = struct.unpack(end + "I", data[20:24])[0]
    # where the IP header starts: Ethernet, raw IP, Linux cooked
    l2 = {1: 14, 101: 0, 228: 0, 113: 16}.get(linktype)
    if l2 is None:
        sys.exit("%s: link type %d not handled" % (path, linktype))
    off, out = 24, []
    while off + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(end + "IIII", data[off:off + 16])
        pkt = data[off + 16:off + 16 + incl]
        off += 16 + incl
        ip = pkt[l2:]
        if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != socket.IPPROTO_UDP:
            continue
        out.append((sec + frac * scale, ip))
    return out


def udp_of(ip):
    return ip[(ip[0] & 15) * 4:]


def pcap_udp(path):
    """The (time, UDP payload) of each IPv4/UDP packet of a capture."""
    out = []
    for t, ip in pcap_ip(path):
        udp = udp_of(ip)
        ulen = struct.unpack("!H", udp[4:6])[0]
        out.append((t, udp[8:ulen]))
    return out


def cmd_count(a):
    pkts = pcap_udp(a.pcap)
    dur = (pkts[-1][0] - pkts[0][0]) * 1000 if pkts else 0
    print("packets=%d duration_ms=%d" % (len(pkts), round(dur)))


def cmd_play(a):
    pkts = pcap_udp(a.pcap)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(addr_port(a.bind))
    dst = addr_port(a.to)
    t0, base = time.monotonic(), pkts[0][0] if pkts else 0
    for ts, payload in pkts:
        delay = t0 + (ts - base) - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        s.sendto(payload, dst)
    drain(s, a.linger)
    print("sent %d" % len(pkts))


def drain(s, ms):
    """Read (and count) what arrives on @s for @ms milliseconds."""
    n, end = 0, time.monotonic() + ms / 1000
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return n
        if select.select([s], [], [], left)[0]:
            try:
                s.recv(65535)
                n += 1
            except OSError:
                pass


def cmd_csum(a):
    n = bad_ip = bad_udp = 0
    for _, ip in pcap_ip(a.pcap):
        hl = (ip[0] & 15) * 4
        udp = udp_of(ip)
        ulen = struct.unpack("!H", udp[4:6])[0]
        pseudo = ip[12:20] + struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen)
        n += 1
        bad_ip += csum(ip[:hl]) != 0
        bad_udp += udp[6:8] != b"\0\0" and csum(pseudo + udp[:ulen]) != 0
    print("packets=%d bad_ip=%d bad_udp=%d" % (n, bad_ip, bad_udp))


def cmd_ctl(a):
    host, port = addr_port(a.to)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((host, port))
    me, myport = s.getsockname()
    tag = random.getrandbits(32)
    msg = ("INFO sip:phone@%s:%d SIP/2.0\r\n"
           "Via: SIP/2.0/UDP %s:%d;branch=z9hG4bK-ctl%08x\r\n"
           "Max-Forwards: 1\r\n"
           "From: <sip:test@%s>;tag=ctl%08x\r\n"
           "To: <sip:phone@%s>\r\n"
           "Call-ID: %s\r\n"
           "CSeq: 1 INFO\r\n"
           "X-Do: %s\r\n"
           "Content-Length: 0\r\n\r\n") % (
               host, port, me, myport, tag, me, tag, host, a.call_id, a.do)
    s.send(msg.encode())


def rtp_packet(seq):
    # RFC 3550 §5.1: V=2, PT 8 (what the phones send), our SSRC
    hdr = struct.pack("!BBHII", 0x80, 8, seq & 0xFFFF, seq * 160, MARK)
    return hdr + b"sipfp spray " + bytes(148)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def spoofed(src, dst, payload):
    """An IPv4/UDP packet from @src to @dst, checksums filled in."""
    sip, dip = socket.inet_aton(src[0]), socket.inet_aton(dst[0])
    ulen = 8 + len(payload)
    pseudo = sip + dip + struct.pack("!BBH", 0, socket.IPPROTO_UDP, ulen)
    udp = struct.pack("!HHHH", src[1], dst[1], ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen,
                     random.getrandbits(16), 0, 64, socket.IPPROTO_UDP, 0,
                     sip, dip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + udp


def targets(a):
    out = [addr_port(t) for t in a.to.split(",") if t] if a.to else []
    for r in a.range or []:
        host, _, ports = r.rpartition(":")
        lo, hi = (int(p) for p in ports.split("-"))
        out += [(host, p) for p in range(lo, hi + 1)]
    return out


def cmd_spray(a):
    dsts = targets(a)
    sent = {d: 0 for d in dsts}
    own = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    own.bind((a.bind or "0.0.0.0", 0))
    raw = None
    if a.spoof:
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW,
                            socket.IPPROTO_RAW)
        src = addr_port(a.spoof)
    seq, got = random.getrandbits(16), 0
    for r in range(a.rounds):
        for d in dsts:
            seq += 1
            if raw:
                raw.sendto(spoofed(src, d, rtp_packet(seq)), (d[0], 0))
            else:
                own.sendto(rtp_packet(seq), d)
            sent[d] += 1
        if r + 1 < a.rounds:
            got += drain(own, a.gap_ms)
    got += drain(own, a.listen_ms)
    for d in sent:
        print("sent %s:%d %d" % (d[0], d[1], sent[d]))
    print("received %d" % got)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("count")
    c.add_argument("pcap")
    c.set_defaults(fn=cmd_count)
    c = sub.add_parser("play")
    c.add_argument("--bind", required=True)
    c.add_argument("--to", required=True)
    c.add_argument("--linger", type=int, default=0)
    c.add_argument("pcap")
    c.set_defaults(fn=cmd_play)
    c = sub.add_parser("csum")
    c.add_argument("pcap")
    c.set_defaults(fn=cmd_csum)
    c = sub.add_parser("ctl")
    c.add_argument("--to", required=True)
    c.add_argument("--call-id", required=True)
    c.add_argument("--do", required=True)
    c.set_defaults(fn=cmd_ctl)
    c = sub.add_parser("spray")
    c.add_argument("--to")
    c.add_argument("--range", action="append")
    c.add_argument("--spoof")
    c.add_argument("--bind")
    c.add_argument("--rounds", type=int, default=1)
    c.add_argument("--gap-ms", type=int, default=10)
    c.add_argument("--listen-ms", type=int, default=200)
    c.set_defaults(fn=cmd_spray)
    a = p.parse_args()
    a.fn(a)


if __name__ == "__main__":
    main()
