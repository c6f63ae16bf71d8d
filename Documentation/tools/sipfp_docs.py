# SPDX-License-Identifier: GPL-2.0
#
# Sphinx extension for sipfp's Documentation/: the pages that describe an
# interface are built from the file that defines it, so they cannot drift.
#
#   .. sipfp-netlink:: netlink/specs/sipfp.yaml
#        the generic netlink family's enums, attribute sets, commands and
#        multicast groups as tables, from the YNL spec (python3-yaml)
#   .. sipfp-xdp:: NAME
#        a struct (offsets, sizes, byte order) or an enum of
#        daemon/bpf/sipfp_xdp.h, from its declarations and comments
#
# At build time it also warns (so `make docs`, which runs with -W, fails)
# about every configuration key missing from the reference or the parser
# (sipfp_check.py), and about any SIPFP_* name in a page that neither
# uapi header defines.

import os
import re

import yaml
from docutils import nodes
from docutils.parsers.rst import Directive
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.nodes import nested_parse_with_titles

import sipfp_check

log = logging.getLogger(__name__)

TOP = os.path.normpath(os.path.join(os.path.dirname(__file__), '..', '..'))
UAPI = 'kmod/uapi/linux/sipfp.h'
XDP_H = 'daemon/bpf/sipfp_xdp.h'

# --- small helpers ---------------------------------------------------------


def top_path(rel):
    return os.path.join(TOP, rel)


def c_name(prefix, name):
    return (prefix + name).upper().replace('-', '_')


def one_line(text):
    return ' '.join((text or '').split())


def list_table(title, header, rows, widths=None):
    """reST lines of a list-table; every cell is one line of reST."""
    out = ['.. list-table:: ' + title, '   :header-rows: 1']
    if widths:
        out.append('   :widths: ' + ' '.join(str(w) for w in widths))
    out.append('')
    for row in [header] + rows:
        first = True
        for cell in row:
            out.append(('   * - ' if first else '     - ') + (cell or ''))
            first = False
    out.append('')
    return out


def emit(directive, lines, source):
    """Parse generated reST in place of the directive."""
    node = nodes.section()
    node.document = directive.state.document
    view = StringList()
    for i, line in enumerate(lines):
        view.append(line, source, i)
    nested_parse_with_titles(directive.state, view, node)
    return node.children


def title(text, char):
    return [text, char * len(text), '']


# --- the netlink spec ------------------------------------------------------


def enum_rows(d):
    """Rows (C name, value, doc) of a YNL enum or flags definition."""
    rows, prefix = [], d.get('name-prefix', d['name'] + '-')
    for i, e in enumerate(d['entries']):
        e = e if isinstance(e, dict) else {'name': e}
        val = e.get('value', i + d.get('value-start', 0))
        if d['type'] == 'flags':
            val = '``0x%x``' % (1 << val)
        rows.append(['``%s``' % c_name(prefix, e['name']),
                     str(val), one_line(e.get('doc'))])
    return rows


def attr_type(a, sets):
    t = a['type']
    if t == 'nest':
        return 'nest of `%s`_' % set_title(sets[a['nested-attributes']])
    if a.get('byte-order') == 'big-endian':
        t += ', network byte order'
    if a.get('display-hint'):
        t += ' (%s)' % a['display-hint']
    if a.get('enum'):
        t += ', %s `%s`_' % ('flags' if a.get('enum-as-flags') else 'enum',
                            a['enum'])
    return t


def attr_checks(a):
    checks = a.get('checks', {})
    words = ['%s %s' % (k.replace('-', ' '), v) for k, v in checks.items()]
    return ', '.join(words)


def set_title(s):
    return '%s (%s)' % (s['enum-name'], s['name'])


def attr_set_lines(s, sets):
    rows = [['``%s``' % c_name(s['name-prefix'], 'unspec'), '0', '', '',
             'never sent']]
    for i, a in enumerate(s['attributes']):
        rows.append(['``%s``' % c_name(s['name-prefix'], a['name']),
                     str(a.get('value', i + 1)), attr_type(a, sets),
                     attr_checks(a), one_line(a.get('doc'))])
    lines = title(set_title(s), '~')
    if s.get('doc'):
        lines += [one_line(s['doc']), '']
    return lines + list_table('', ['attribute', 'value', 'type', 'checks',
                                   'meaning'], rows, [30, 6, 24, 12, 28])


def attr_list(spec, op, names):
    prefix = {s['name']: s for s in spec['attribute-sets']}[
        op['attribute-set']]['name-prefix']
    return ', '.join('``%s``' % c_name(prefix, x) for x in names)


def op_attrs(spec, op, kind, part):
    body = op.get(kind, {}).get(part, {})
    return attr_list(spec, op, body.get('attributes', []))


def op_row(spec, i, op):
    ops = spec['operations']
    perm = 'CAP_NET_ADMIN' if 'uns-admin-perm' in op.get('flags', []) \
        else 'none'
    kinds = [k for k in ('do', 'dump', 'event') if k in op]
    req = op_attrs(spec, op, 'do', 'request')
    reply = op_attrs(spec, op, 'do', 'reply') or \
        op_attrs(spec, op, 'dump', 'reply')
    if 'event' in op:
        reply = attr_list(spec, op, op['event']['attributes'])
    return ['``%s``' % c_name(ops['name-prefix'], op['name']),
            str(op.get('value', i + 1)), ', '.join(kinds), perm, req, reply,
            one_line(op.get('doc'))]


def netlink_lines(spec):
    sets = {s['name']: s for s in spec['attribute-sets']}
    lines = title('Commands', '-')
    rows = [['``%s``' % c_name(spec['operations']['name-prefix'],
                               'unspec'), '0', '', '', '', '', 'never sent']]
    rows += [op_row(spec, i, op)
             for i, op in enumerate(spec['operations']['list'])]
    lines += list_table('', ['command', 'value', 'kinds', 'needs',
                             'request', 'reply or event', 'does'], rows,
                        [22, 6, 10, 14, 14, 14, 20])
    lines += title('Multicast groups', '-')
    for g in spec['mcast-groups']['list']:
        lines += ['``%s``: joining needs %s.' % (
            g['name'], 'CAP_NET_ADMIN' if 'admin-perm' in g.get('flags', [])
            else 'nothing'), '']
    lines += title('Attribute sets', '-')
    for s in spec['attribute-sets']:
        lines += attr_set_lines(s, sets)
    lines += title('Enums and flags', '-')
    for d in spec['definitions']:
        lines += title(d['name'], '~')
        lines += ['C: ``enum %s``. %s' % (d['enum-name'],
                                          one_line(d.get('doc'))), '']
        lines += list_table('', ['name', 'value', 'meaning'], enum_rows(d),
                            [40, 10, 50])
    return lines


class NetlinkDirective(Directive):
    required_arguments = 1

    def run(self):
        env = self.state.document.settings.env
        rel, path = env.relfn2path(self.arguments[0])
        env.note_dependency(rel)
        with open(path, encoding='utf-8') as f:
            spec = yaml.safe_load(f)
        return emit(self, netlink_lines(spec), path)


# --- the XDP maps' header --------------------------------------------------

C_SIZES = {'__u8': 1, '__u16': 2, '__be16': 2, '__u32': 4, '__be32': 4,
           '__u64': 8}
FIELD_RE = re.compile(r'^\s+(__\w+) (\w+)(?:\[(\d+)\])?;\s*/\* (.*) \*/$')
ENTRY_RE = re.compile(r'^\s+(SIPFP_\w+)(?: = (\d+))?,\s*(?:/\* (.*) \*/)?$')


def c_block(text, kind, name):
    m = re.search(r'^%s %s \{\n(.*?)^\};' % (kind, name), text, re.M | re.S)
    return m.group(1).splitlines() if m else None


def byte_order(ctype, comment):
    for word, order in (('net', 'network'), ('host', 'host')):
        if re.match(r'%s\b' % word, comment):
            return order, re.sub(r'^%s[:;]?\s*' % word, '', comment)
    if ctype.startswith('__be'):
        return 'network', comment
    return ('byte' if C_SIZES[ctype] == 1 else 'host'), comment


def struct_rows(lines):
    """Rows and the size, as the C ABI lays the fields out."""
    rows, off, align = [], 0, 1
    for line in lines:
        m = FIELD_RE.match(line)
        if not m:
            continue
        ctype, name, count, comment = m.groups()
        size = C_SIZES[ctype]
        off = (off + size - 1) // size * size
        total = size * int(count or 1)
        order, meaning = byte_order(ctype, comment)
        decl = '%s %s%s' % (ctype, name, '[%s]' % count if count else '')
        rows.append([str(off), str(total), '``%s``' % decl, order, meaning])
        off += total
        align = max(align, size)
    return rows, (off + align - 1) // align * align


def enum_entries(lines):
    rows, value, pending = [], 0, []
    for line in lines:
        m = ENTRY_RE.match(line)
        if m:
            name, explicit, comment = m.groups()
            value = int(explicit) if explicit else value
            doc = comment or ' '.join(pending)
            if name.endswith('_MAX'):
                break
            rows.append(['``%s``' % name, str(value), doc])
            value, pending = value + 1, []
            continue
        text = re.sub(r'^\s*(/\*+|\*/|\*)\s?', '', line).replace('*/', '')
        if text.strip():
            pending.append(text.strip())
    return rows


class XdpDirective(Directive):
    required_arguments = 1

    def run(self):
        env = self.state.document.settings.env
        env.note_dependency(top_path(XDP_H))
        name = self.arguments[0]
        with open(top_path(XDP_H), encoding='utf-8') as f:
            text = f.read()
        body = c_block(text, 'struct', name)
        if body is not None:
            rows, size = struct_rows(body)
            lines = ['``struct %s``: %d bytes.' % (name, size), '']
            lines += list_table('', ['offset', 'size', 'field', 'order',
                                     'meaning'], rows, [7, 6, 27, 9, 51])
        else:
            body = c_block(text, 'enum', name)
            if body is None:
                raise self.error('%s: no struct or enum %s' % (XDP_H, name))
            lines = list_table('', ['name', 'value', 'meaning'],
                               enum_entries(body), [38, 7, 55])
        return emit(self, lines, XDP_H)


# --- checks at build time --------------------------------------------------

def known_names():
    names = set()
    for rel in (UAPI, XDP_H):
        with open(top_path(rel), encoding='utf-8') as f:
            names |= set(re.findall(r'\bSIPFP_\w+', f.read()))
    return names


def check_names(app, docname, source):
    known = app.env.sipfp_names
    for m in re.finditer(r'\bSIPFP_([A-Z0-9_]*)(\*?)', source[0]):
        word = 'SIPFP_' + m.group(1)
        if m.group(2) and any(n.startswith(word) for n in known):
            continue
        if word not in known:
            log.warning('%s names %s, which neither %s nor %s defines',
                        docname, word, UAPI, XDP_H,
                        location=docname)


def check_config(app):
    app.env.sipfp_names = known_names()
    for prob in sipfp_check.check_config(TOP):
        log.warning('config reference: %s', prob)


def setup(app):
    app.add_directive('sipfp-netlink', NetlinkDirective)
    app.add_directive('sipfp-xdp', XdpDirective)
    app.connect('builder-inited', check_config)
    app.connect('source-read', check_names)
    return {'version': '1', 'parallel_read_safe': True}
