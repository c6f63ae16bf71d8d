#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The UDP ends of forward.sh, standard library only.

  forward_udp.py send SRC DST COUNT [options]   datagrams from SRC to DST
  forward_udp.py sink ADDR LOG [ADDR LOG...]    one LOG line per datagram
  forward_udp.py csum IFNAME on|off             TX checksum offload
  forward_udp.py serve                          the above, and nl_api.py's
                                                commands as "nl ...", from
                                                stdin, one per line

Addresses are A.B.C.D:PORT or [V6]:PORT. The sink writes "ready" to the
first LOG once bound, then for each datagram "from=ADDR tos=N ttl=N len=N
tag=T": the TOS (traffic class) and TTL (hop limit) it arrived with, and
the first 8 bytes of its payload, which the sender fills with its tag
(after the header in an RTP packet). The sink's ADDR packet:IFNAME
captures the IPv4 UDP packets IFNAME receives instead, each as "cap
from=ADDR to=ADDR tag=T", as the capture holds them when it reads them.
csum IFNAME off makes the kernel finish every UDP checksum before a packet
leaves IFNAME, so the far end verifies it instead of trusting an offload
that veth never performs.

serve exists because under emulation (TCG) starting python takes seconds:
forward.sh keeps one server in each namespace it sends or asks from and
writes it shell words, one request a line; each reply is one line, the
exit code and then the output with newlines made spaces.
"""
import argparse
import contextlib
import ctypes
import fcntl
import io
import os
import select
import shlex
import socket
import struct
import sys
import time

IP_RECVTOS = getattr(socket, "IP_RECVTOS", 13)
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
SO_NO_CHECK = 11
SIOCETHTOOL = 0x8946
ETHTOOL_STXCSUM = 0x17
RTP_HDR = 12
ETH_P_IP = 0x0800
HERE = os.path.dirname(os.path.abspath(__file__))


def endpoint(text):
    """("addr", port, family) from A.B.C.D:PORT or [V6]:PORT."""
    host, _, port = text.rpartition(":")
    if host.startswith("["):
        return host[1:-1], int(port), socket.AF_INET6
    return host, int(port), socket.AF_INET


def show(family, addr):
    if family == socket.AF_INET6:
        return "[%s]:%d" % (addr[0], addr[1])
    return "%s:%d" % (addr[0], addr[1])


def payload(args, i):
    tag = ("%s%04d" % (args.tag, i))[:8].encode().ljust(8, b"-")
    body = tag.ljust(max(args.size, 8), b"x")
    if args.rtp_ssrc is None:
        return body
    n = args.rtp_seq + i
    # RFC 3550 §5.1: V=2, PT 0 (PCMU), 160 samples a packet at 8 kHz; the
    # timestamp runs on when the sequence number wraps
    hdr = struct.pack("!BBHII", 0x80, 0, n & 0xFFFF, n * 160 & 0xFFFFFFFF,
                      args.rtp_ssrc)
    return hdr + body


def cmd_send(args):
    saddr, sport, family = endpoint(args.src)
    daddr, dport, _ = endpoint(args.dst)
    s = socket.socket(family, socket.SOCK_DGRAM)
    if args.ip_options:
        # four NOPs: options the stack accepts and routers ignore
        s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, b"\x01" * 4)
    if args.tos and family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_TCLASS, args.tos)
    elif args.tos:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TOS, args.tos)
    if args.no_check:
        s.setsockopt(socket.SOL_SOCKET, SO_NO_CHECK, 1)
    s.bind((saddr, sport))
    skip = set(args.skip)
    for i in range(args.count):
        if i in skip:
            continue
        s.sendto(payload(args, i), (daddr, dport))
        if args.interval_ms:
            time.sleep(args.interval_ms / 1000)
    return 0


def ancillary(family, ancdata):
    tos = ttl = -1
    for level, kind, data in ancdata:
        value = data[0] if len(data) == 1 else struct.unpack("i", data[:4])[0]
        if (level, kind) in ((socket.IPPROTO_IP, socket.IP_TOS),
                             (socket.IPPROTO_IPV6, socket.IPV6_TCLASS)):
            tos = value
        elif (level, kind) in ((socket.IPPROTO_IP, socket.IP_TTL),
                               (socket.IPPROTO_IPV6, socket.IPV6_HOPLIMIT)):
            ttl = value
    return tos, ttl


def sink_socket(text):
    if text.startswith("packet:"):
        # the IPv4 packets an interface receives, as a capture sees them
        s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM,
                          socket.htons(ETH_P_IP))
        s.bind((text[len("packet:"):], ETH_P_IP))
        return s, socket.AF_PACKET
    addr, port, family = endpoint(text)
    s = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVTCLASS, 1)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVHOPLIMIT, 1)
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_RECVTOS, 1)
        s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.bind((addr, port))
    return s, family


def tag_of(data):
    """Our payloads start with a printable tag; RTP with 0x80 (V=2)."""
    off = RTP_HDR if data[:1] == b"\x80" else 0
    return data[off:off + 8].decode(errors="replace")


def capture_one(s, log):
    pkt = s.recv(65536)
    hl = (pkt[0] & 0x0F) * 4
    if len(pkt) < hl + 8 or pkt[9] != socket.IPPROTO_UDP:
        return
    src, dst = socket.inet_ntoa(pkt[12:16]), socket.inet_ntoa(pkt[16:20])
    sport, dport = struct.unpack_from("!HH", pkt, hl)
    log.write("cap from=%s:%d to=%s:%d tag=%s\n" %
              (src, sport, dst, dport, tag_of(pkt[hl + 8:])))


def sink_one(s, family, log):
    if family == socket.AF_PACKET:
        return capture_one(s, log)
    data, anc, _, src = s.recvmsg(65536, socket.CMSG_SPACE(4) * 4)
    tos, ttl = ancillary(family, anc)
    log.write("from=%s tos=%d ttl=%d len=%d tag=%s\n" %
              (show(family, src), tos, ttl, len(data), tag_of(data)))


def cmd_sink(args):
    if len(args.pairs) % 2:
        raise SystemExit("sink: ADDR LOG pairs")
    socks = {}
    for addr, path in zip(args.pairs[::2], args.pairs[1::2]):
        s, family = sink_socket(addr)
        socks[s] = (family, open(path, "a", buffering=1))
    with open(args.pairs[1], "a", buffering=1) as first:
        first.write("ready\n")
    while True:
        for s in select.select(list(socks), [], [])[0]:
            sink_one(s, *socks[s])


def cmd_csum(args):
    # struct ethtool_value { u32 cmd; u32 data; }, pointed at by an ifreq
    on = 1 if args.state == "on" else 0
    val = ctypes.create_string_buffer(struct.pack("II", ETHTOOL_STXCSUM, on))
    ifr = struct.pack("16sP", args.ifname.encode(), ctypes.addressof(val))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        fcntl.ioctl(s.fileno(), SIOCETHTOOL, ifr)
    return 0


def run(argv):
    """One request of serve: a command of ours or nl_api.py's."""
    if argv[:1] == ["nl"]:
        sys.path.insert(0, HERE)
        import nl_api
        return nl_api.cli(argv[1:])
    args = parser().parse_args(argv)
    return args.fn(args)


def cmd_serve(args):
    for line in sys.stdin:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                rc = run(shlex.split(line))
            except SystemExit as e:
                rc = e.code if isinstance(e.code, int) else 1
                print(e.code if isinstance(e.code, str) else "")
            except (OSError, ValueError, KeyError) as e:
                print("%s: %s" % (type(e).__name__, e))
                rc = 1
        print(rc or 0, " ".join(out.getvalue().split("\n")).strip(),
              flush=True)
    return 0


def parser():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    snd = sub.add_parser("send")
    snd.add_argument("src")
    snd.add_argument("dst")
    snd.add_argument("count", type=int)
    snd.add_argument("--size", type=int, default=100)
    snd.add_argument("--tag", default="p")
    snd.add_argument("--ip-options", action="store_true")
    snd.add_argument("--no-check", action="store_true")
    snd.add_argument("--tos", type=int, default=0)
    snd.add_argument("--interval-ms", type=int, default=0)
    snd.add_argument("--rtp-ssrc", type=lambda v: int(v, 0))
    snd.add_argument("--rtp-seq", type=int, default=0)
    snd.add_argument("--skip", type=int, nargs="*", default=[])
    snd.set_defaults(fn=cmd_send)
    snk = sub.add_parser("sink")
    snk.add_argument("pairs", nargs="+", metavar="ADDR LOG")
    snk.set_defaults(fn=cmd_sink)
    csum = sub.add_parser("csum")
    csum.add_argument("ifname")
    csum.add_argument("state", choices=("on", "off"))
    csum.set_defaults(fn=cmd_csum)
    sub.add_parser("serve").set_defaults(fn=cmd_serve)
    return p


def main():
    args = parser().parse_args()
    try:
        return args.fn(args)
    except OSError as e:
        print("forward_udp.py %s: %s" % (args.cmd, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
