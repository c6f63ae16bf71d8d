# SPDX-License-Identifier: GPL-2.0
"""The YNL spec against the uapi header: same names, same values.

Computes every enum value the way the kernel's YNL generator would (enums
from 0, flags as bits, attributes and commands from 1 unless a value is
given) and compares the result with the header's enums both ways, then
checks what the spec refers to inside itself. TAP, one point per part.
"""

import sys

TOP = {"name", "doc", "protocol", "uapi-header", "definitions",
       "attribute-sets", "operations", "mcast-groups"}
TYPES = {"unused", "pad", "flag", "binary", "uint", "sint", "u8", "u16",
         "u32", "u64", "s32", "s64", "string", "nest"}


def c_name(prefix, name):
    return (prefix + name).upper().replace("-", "_")


def entries(items):
    for e in items:
        yield e if isinstance(e, dict) else {"name": e}


def spec_enum(d):
    """{C name: value} of one definition."""
    out, val = {}, d.get("value-start", 0) - 1
    for i, e in enumerate(entries(d["entries"])):
        val = e.get("value", val + 1)
        v = 1 << i if d["type"] == "flags" else val
        out[c_name(d["name-prefix"], e["name"])] = v
    return out


def numbered(items, prefix):
    out, val = {}, 0
    for a in items:
        val = a.get("value", val + 1)
        out[c_name(prefix, a["name"])] = val
    return out


def header_enum(enums, name):
    """The header's enum without its _UNSPEC and __ bookkeeping."""
    return {k: v for k, v in enums[name].items()
            if not k.startswith("__") and not k.endswith("_UNSPEC")}


def compare(what, spec, header):
    bad = []
    for k in sorted(set(spec) | set(header)):
        if spec.get(k) != header.get(k):
            bad.append("%s: %s in the spec, %s in the header" %
                       (k, spec.get(k), header.get(k)))
    return ["%s: %s" % (what, b) for b in bad]


def check_enums(doc, enums):
    bad = []
    for d in doc.get("definitions", []):
        if d["type"] in ("enum", "flags"):
            bad += compare(d["name"], spec_enum(d),
                           header_enum(enums, d["enum-name"]))
    for s in doc["attribute-sets"]:
        bad += compare(s["name"], numbered(s["attributes"], s["name-prefix"]),
                       header_enum(enums, s["enum-name"]))
    ops = doc["operations"]
    bad += compare("operations", numbered(ops["list"], ops["name-prefix"]),
                   header_enum(enums, ops["enum-name"]))
    return bad


def check_refs(doc):
    bad = []
    sets = {s["name"]: s for s in doc["attribute-sets"]}
    defs = {d["name"] for d in doc.get("definitions", [])}
    for s in sets.values():
        for a in s["attributes"]:
            where = "%s.%s" % (s["name"], a["name"])
            if a.get("type") not in TYPES:
                bad.append("%s: type %s" % (where, a.get("type")))
            if a.get("nested-attributes", s["name"]) not in sets:
                bad.append("%s: no set %s" % (where, a["nested-attributes"]))
            if a.get("enum", next(iter(defs))) not in defs:
                bad.append("%s: no enum %s" % (where, a["enum"]))
    for op in doc["operations"]["list"]:
        names = {a["name"] for a in sets[op["attribute-set"]]["attributes"]}
        for part in ("do", "dump", "event"):
            sub = op.get(part, {})
            for msg in [sub] + [sub.get(k, {}) for k in ("request", "reply")]:
                for a in msg.get("attributes", []):
                    if a not in names:
                        bad.append("%s %s: no attribute %s" %
                                   (op["name"], part, a))
        if "doc" not in op:
            bad.append("%s: no doc" % op["name"])
    return bad


def check_top(doc, flat):
    bad = ["unknown key %s" % k for k in sorted(set(doc) - TOP)]
    bad += ["missing key %s" % k for k in ("name", "doc", "attribute-sets",
                                            "operations") if k not in doc]
    if doc.get("name") != flat["SIPFP_GENL_NAME"]:
        bad.append("family %s, header %s" % (doc.get("name"),
                                              flat["SIPFP_GENL_NAME"]))
    groups = [g["name"] for g in doc.get("mcast-groups", {}).get("list", [])]
    if groups != [flat["SIPFP_MCGRP_EVENTS"]]:
        bad.append("multicast groups %s" % groups)
    return bad


def main(path, enums, flat):
    try:
        import yaml
    except ImportError:
        print("1..0 # SKIP no python3-yaml")
        return 4
    try:
        doc = yaml.safe_load(open(path))
    except (OSError, yaml.YAMLError) as e:
        print("1..1\nnot ok 1 %s parses\n# %s" % (path, e))
        return 1
    parts = [("top level, family and group", lambda: check_top(doc, flat)),
             ("every name and value as in the header",
              lambda: check_enums(doc, enums)),
             ("references inside the spec", lambda: check_refs(doc))]
    print("1..%d" % len(parts))
    failed = 0
    for i, (name, fn) in enumerate(parts, 1):
        try:
            bad = fn()
        except (KeyError, TypeError) as e:
            bad = ["malformed: %s %s" % (type(e).__name__, e)]
        print("%sok %d %s" % ("not " if bad else "", i, name))
        for b in bad:
            print("# " + b)
        failed += bool(bad)
    sys.stdout.flush()
    return 1 if failed else 0
