#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# Checks of the built HTML against the headers it documents, for
# selftests/docs.sh; a helper, not a test of its own.
#
#   docs_html.py netlink HTML UAPI_HEADER
#       every enumerator of the header (but __* and *_MAX) is a row of the
#       page's tables, with the header's value; the YAML the page is made
#       from says the same as the header (selftests/ynl_spec.sh), so a
#       page that drifted from either fails here
#   docs_html.py xdp HTML XDP_HEADER
#       prints a C file of _Static_assert()s: every struct row's offset
#       and size, and each struct's total, for the compiler to judge
#
# Prints what is wrong, one line each; exits 1 if anything is.

import html
import re
import sys


def rows(path):
    """Table rows of the page, as lists of cell texts."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    out = []
    for tr in re.findall(r'<tr[^>]*>(.*?)</tr>', text, re.S):
        cells = re.findall(r'<t[dh][^>]*>(.*?)</t[dh]>', tr, re.S)
        out.append([html.unescape(re.sub(r'<[^>]+>', '', c)).strip()
                    for c in cells])
    return out, text


def header_enums(path):
    """{name: value} of every enumerator and of the flag masks."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    names = {}
    for body in re.findall(r'^enum \w+ \{(.*?)^\};', text, re.M | re.S):
        body = re.sub(r'/\*.*?\*/', '', body, flags=re.S)
        value = 0
        for m in re.finditer(r'^\s*(\w+)(?:\s*=\s*([^,]+))?,', body, re.M):
            name, expr = m.groups()
            if expr:
                value = eval_c(expr, names)
            names[name] = value
            value += 1
    return {k: v for k, v in names.items()
            if not k.startswith('__') and not k.endswith('_MAX')}


def eval_c(expr, names):
    expr = re.sub(r'(\d+)U\b', r'\1', expr.strip())
    for name, value in names.items():
        expr = re.sub(r'\b%s\b' % name, str(value), expr)
    if not re.fullmatch(r'[\d\s<|()x]+', expr):
        raise ValueError('cannot evaluate %r' % expr)
    return eval(expr)  # digits, shifts and ors only, checked above


def check_netlink(page, header):
    table, _ = rows(page)
    shown = {r[0]: r[1] for r in table if len(r) > 1}
    bad = []
    for name, value in sorted(header_enums(header).items()):
        if name not in shown:
            bad.append('%s: %s (%s) is not in the tables' %
                       (page, name, header))
        elif int(shown[name], 0) != value:
            bad.append('%s: %s is %s, %s says %d' %
                       (page, name, shown[name], header, value))
    return bad


def xdp_asserts(page, header):
    table, text = rows(page)
    sizes = re.findall(r'struct</span> <span class="pre">(\w+)</span></code>: '
                       r'(\d+) bytes', text)
    print('#include <stddef.h>\n#include "%s"' % header)
    structs = iter(name for name, _ in sizes)
    cur = None
    for r in table:
        if r[:3] == ['offset', 'size', 'field']:
            cur = next(structs)
            continue
        m = re.fullmatch(r'\w+ (\w+)(?:\[\d+\])?', r[2]) if len(r) > 2 \
            else None
        if cur and m and r[0].isdigit():
            print('_Static_assert(offsetof(struct %s, %s) == %s && '
                  'sizeof(((struct %s *)0)->%s) == %s, "%s.%s");' %
                  (cur, m.group(1), r[0], cur, m.group(1), r[1], cur,
                   m.group(1)))
    for name, size in sizes:
        print('_Static_assert(sizeof(struct %s) == %s, "%s");' %
              (name, size, name))
    return [] if sizes else ['%s: no struct tables' % page]


def main():
    what, page, header = sys.argv[1:4]
    bad = check_netlink(page, header) if what == 'netlink' else \
        xdp_asserts(page, header)
    for b in bad:
        print(b, file=sys.stderr if what == 'xdp' else sys.stdout)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
