#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A stand-in for sipfpd's control socket (daemon/README.md "The control
socket"), for sipctl_cli.sh: one call with one stream and its four flows,
one registration, canned counters; hangup and reload answered, a Call-ID
it does not know refused with ENOENT, monitor sending a call's start and
end. Every request line is logged to LOG, so the test sees what sipctl
asked.

  fake_sipfpd.py SOCKET LOG
"""

import json
import os
import socket
import sys
import threading

CID = "fake-call-1@192.0.2.2"


def flow(frm, kind, local, peer, packets):
    f = {"from": frm, "kind": kind, "local": local, "source": peer,
         "latched": True, "out_local": local, "peer": peer,
         "path": "relay", "packets": packets, "bytes": packets * 172,
         "drops": {"source": 1, "no_peer": 0, "send": 0, "truncated": 0},
         "idle_ms": 20}
    if kind == "rtp":
        f.update({"rtp_seen": True, "ssrc": 0x1234, "expected": packets,
                  "lost": 0, "jitter": 8, "jitter_ms": 1.0})
    return f


FLOWS = [flow("caller", "rtp", "198.51.100.1:40000", "198.51.100.2:7000", 250),
         flow("caller", "rtcp", "198.51.100.1:40001", "198.51.100.2:7001", 2),
         flow("callee", "rtp", "192.0.2.1:40002", "192.0.2.2:6000", 249),
         flow("callee", "rtcp", "192.0.2.1:40003", "192.0.2.2:6001", 2)]

CALL = {"id": CID, "from_tag": "ft", "to_tag": "tt", "state": "answered",
        "media": True, "duration_s": 75,
        "caller": {"signalling": "192.0.2.2:5060", "nat": False},
        "callee": {"signalling": "198.51.100.2:5060", "nat": False},
        "streams": [{"index": 0, "rtcp_mux": False, "clock_rate": 8000,
                     "legs": [{"side": "caller", "local": "192.0.2.1:40002",
                               "advertised": "192.0.2.1",
                               "remote_rtp": "192.0.2.2:6000",
                               "remote_rtcp": "192.0.2.2:6001",
                               "rejected": False, "hold": False},
                              {"side": "callee",
                               "local": "198.51.100.1:40000",
                               "advertised": "198.51.100.1",
                               "remote_rtp": "198.51.100.2:7000",
                               "remote_rtcp": "198.51.100.2:7001",
                               "rejected": False, "hold": False}],
                     "flows": FLOWS}]}

PATHS = {p: {"packets": n, "bytes": n * 172, "drops": 0, "flows_ended": 0}
         for p, n in (("none", 0), ("relay", 503), ("kmod", 0), ("xdp", 0))}


def answer(req):
    cmd = req.get("cmd")
    if cmd == "status":
        return [{"ok": True, "version": "0.1.0", "pid": 4242,
                 "uptime_s": 3725, "fastpath": "relay",
                 "interfaces": [{"name": "a", "address": "192.0.2.1:0",
                                 "fastpath": "relay"},
                                {"name": "b", "address": "198.51.100.1:0",
                                 "fastpath": "relay"}],
                 "transactions": 0, "registrations": 1, "calls": 1,
                 "calls_answered": 1, "calls_total": 3}]
    if cmd == "counters":
        return [{"ok": True, "server": {}, "proxy": {}, "media": {},
                 "paths": PATHS, "transport": {}, "keepalive": {},
                 "control": {}}]
    if cmd == "reg":
        return [{"aor": "sip:bob@example.test",
                 "contact": "sip:bob@198.51.100.2:5060", "expires_s": 3599,
                 "transport": "udp", "source": "198.51.100.2:5060",
                 "nat": False, "user_agent": "SIPp", "call_id": "r1",
                 "cseq": 1}, {"end": True, "count": 1}]
    if cmd == "calls":
        return [CALL, {"end": True, "count": 1}]
    if cmd in ("call", "hangup") and req.get("id") != CID:
        return [{"ok": False, "error": "ENOENT",
                 "message": "no call with Call-ID '%s'" % req.get("id")}]
    if cmd == "call":
        return [CALL, {"end": True, "count": 1}]
    if cmd == "flows":
        out = [dict(f, call=CID, stream=0) for f in FLOWS]
        return out + [{"end": True, "count": len(out)}]
    if cmd == "hangup":
        return [{"ok": True, "sessions": 1, "byes": 2}]
    if cmd == "reload":
        return [{"ok": True, "reloaded": True}]
    if cmd == "monitor":
        return [{"ok": True},
                {"event": "call_start", "call": CID},
                {"event": "call_end", "call": CID, "reason": "hangup"}]
    return [{"ok": False, "error": "EINVAL",
             "message": "unknown command '%s'" % cmd}]


def serve(conn, log, lock):
    with conn, conn.makefile("rwb") as f:
        for line in f:
            with lock:
                log.write(line.decode())
                log.flush()
            try:
                req = json.loads(line)
                out = answer(req)
            except ValueError:
                out = [{"ok": False, "error": "EINVAL",
                        "message": "malformed JSON"}]
            for o in out:
                if "tag" in req:
                    o = dict(o, tag=req["tag"])
                f.write(json.dumps(o).encode() + b"\n")
            f.flush()


def main():
    path, logpath = sys.argv[1], sys.argv[2]
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(8)
    lock = threading.Lock()
    with open(logpath, "a") as log:
        while True:
            conn, _ = s.accept()
            threading.Thread(target=serve, args=(conn, log, lock),
                             daemon=True).start()


if __name__ == "__main__":
    main()
