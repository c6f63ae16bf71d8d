#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A shell's client for sipfpd's control socket, and a checker of what it
answers, for selftests/net/control.sh.

  ctl.py SOCKET LINE...        sends each LINE, then the end of input;
                               prints every line that came back
  ctl.py SOCKET LINE... --check EXPR
                               the same, parsed with json: EXPR (Python)
                               sees r, the list of objects; exit 0 when
                               it is true, else 1 and what was got
"""
import json
import socket
import sys


def exchange(path, lines):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    s.sendall(b"".join(l.encode() + b"\n" for l in lines))
    s.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        got += d
    s.close()
    return got.decode()


def main():
    args = sys.argv[1:]
    expr = None
    if "--check" in args:
        i = args.index("--check")
        expr = args[i + 1]
        args = args[:i]
    text = exchange(args[0], args[1:])
    if expr is None:
        sys.stdout.write(text)
        return 0
    r = [json.loads(l) for l in text.splitlines()]
    try:
        ok = eval("(%s\n)" % expr, {"r": r})
    except (KeyError, IndexError, TypeError, ValueError, SyntaxError) as e:
        ok = False
        print("# %s: %r" % (expr, e))
    if ok:
        return 0
    print("# not true: %s" % expr)
    for l in text.splitlines():
        print("#   %s" % l)
    return 1


sys.exit(main())
