#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The configuration reference (admin-guide/config.rst) against the two
# places that define the keys: daemon/config*.c (the parser's table, its
# bounds and defaults) and daemon/sipfpd.conf (the shipped example).
# Every key must be in all three, in the same section; a key with bounds
# in the parser must show them, and a number the parser defaults to must
# be the default the page gives (numbers only: tls min_version is 12
# inside, 1.2 to the admin).
#
# Run by the Sphinx extension (each problem a build warning, so `make
# docs` fails with -W) and by selftests/docs.sh:
#
#   sipfp_check.py [TOP]      prints one problem a line, exits 1 if any

import os
import re
import sys

RST = 'Documentation/admin-guide/config.rst'
CONF = 'daemon/sipfpd.conf'
C_TABLE = 'daemon/config.c'
C_DEFAULTS = ('daemon/config.c', 'daemon/config_media.c')
# [media] keys whose bounds live in config_media.c, not the table
MEDIA_BOUNDS = {'port_min': (1024, 65535), 'port_max': (1024, 65535),
                'dscp': (0, 63)}
# [routes] holds prefixes, not keys: the page documents it as a whole
FREE_SECTIONS = ('routes',)

SECTION_RE = re.compile(r'^\[(\w+)\]\s*$')


def read_lines(top, path):
    with open(os.path.join(top, path), encoding='utf-8') as f:
        return f.read().splitlines()


def conf_keys(top):
    """{(section, key): line} of the ';key = value' lines."""
    keys, sec = {}, None
    for n, line in enumerate(read_lines(top, CONF), 1):
        m = SECTION_RE.match(line)
        if m:
            sec = m.group(1)
            continue
        m = re.match(r'^;\s*([a-z0-9_]+)\s*=', line)
        if m and sec not in FREE_SECTIONS:
            keys[(sec, m.group(1))] = n
    return keys


def c_keys(top):
    """{(section, key): (field, lo, hi)} from config.c's keys[] table."""
    text = '\n'.join(read_lines(top, C_TABLE))
    table = text[text.index('static const struct key keys[]'):]
    table = table[:table.index('};')]
    keys = {}
    for m in re.finditer(r'NUM\("(\w+)", "(\w+)", (\w+), (\d+), (\d+)\)',
                         table):
        keys[(m.group(1), m.group(2))] = (m.group(3), int(m.group(4)),
                                          int(m.group(5)))
    for m in re.finditer(r'STR\("(\w+)", "(\w+)", (\w+)\)', table):
        keys[(m.group(1), m.group(2))] = (m.group(3), None, None)
    for m in re.finditer(r'\{\s*"(\w+)", "(\w+)", (\w+), (?:F\((\w+)\)|0)',
                         table):
        lo_hi = MEDIA_BOUNDS.get(m.group(2), (None, None))
        keys[(m.group(1), m.group(2))] = (m.group(4) or m.group(2),) + lo_hi
    return keys


def c_defaults(top):
    """{field: number} of the 'c->field = N;' lines of the defaults."""
    out = {}
    for path in C_DEFAULTS:
        for line in read_lines(top, path):
            m = re.match(r'^\s*c->(\w+) = (\d+);', line)
            if m:
                out[m.group(1)] = int(m.group(2))
    return out


def rst_keys(top):
    """{(section, key): (line, term, default)} of the reference's entries.

    A section is a title '[name]'; an entry a definition whose term is
    'key - what', and whose body has a 'Default: VALUE' line (VALUE a
    ``literal``, or words when there is no single value).
    """
    lines = read_lines(top, RST)
    keys, sec, cur = {}, None, None
    for n, line in enumerate(lines, 1):
        m = SECTION_RE.match(line)
        if m and n < len(lines) and re.match(r'^[-=~^]{3,}$', lines[n]):
            sec, cur = m.group(1), None
            continue
        m = re.match(r'^([a-z0-9_]+) - (.*)$', line)
        if m and sec and sec not in FREE_SECTIONS:
            cur = (sec, m.group(1))
            keys[cur] = [n, m.group(2), None]
            continue
        m = re.match(r'^\s+Default: (?:``([^`]*)``)?(.*)', line)
        if m and cur and keys[cur][2] is None:
            keys[cur][2] = m.group(1) if m.group(1) is not None else \
                m.group(2).strip()
    return keys


def check_bounds(key, rst, c, defaults):
    """Problems of one key present everywhere."""
    probs = []
    line, term, default = rst
    field, lo, hi = c
    where = '%s:%d: [%s] %s' % (RST, line, key[0], key[1])
    if lo is not None and '%d to %d' % (lo, hi) not in term:
        probs.append('%s: the term does not say "%d to %d" (%s)' %
                     (where, lo, hi, C_TABLE))
    if default is None:
        probs.append('%s: no "Default:" line' % where)
    elif (lo is not None and field in defaults and
          default != str(defaults[field])):
        probs.append('%s: default %s, but the parser sets %d' %
                     (where, default, defaults[field]))
    return probs


def check_config(top):
    """Every problem, one string each, naming the file and line."""
    conf, c, rst = conf_keys(top), c_keys(top), rst_keys(top)
    defaults = c_defaults(top)
    probs = []
    for key in sorted(set(conf) | set(c) | set(rst)):
        name = '[%s] %s' % key
        if key not in c:
            probs.append('%s: %s is not a key of the parser' % (C_TABLE, name))
        if key not in conf:
            probs.append('%s: %s is missing' % (CONF, name))
        if key not in rst:
            probs.append('%s: %s is not documented' % (RST, name))
        if key in c and key in rst:
            probs += check_bounds(key, rst[key], c[key], defaults)
    return probs


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else '.'
    probs = check_config(top)
    for p in probs:
        print(p)
    return 1 if probs else 0


if __name__ == '__main__':
    sys.exit(main())
