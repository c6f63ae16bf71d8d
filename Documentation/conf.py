# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration of sipfp's Documentation/, built by `make docs`
# (sphinx-build -W: a warning fails the build) into build/docs/html.
# Only what Debian 12 ships: python3-sphinx and its default theme,
# sphinx.ext.graphviz with graphviz's dot, python3-yaml for the netlink
# spec; tools/sipfp_docs.py generates the interface tables.

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.abspath('.'), 'tools'))


def sipfp_version():
    """LIBSIPCTL_VERSION from the top Makefile: the release sipfp is."""
    with open('../Makefile', encoding='utf-8') as f:
        m = re.search(r'^LIBSIPCTL_VERSION := (\S+)', f.read(), re.M)
    return m.group(1) if m else 'unknown'


project = 'sipfp'
author = 'the sipfp authors'
copyright = 'the sipfp authors, GPL-2.0'
release = sipfp_version()
version = release

extensions = ['sphinx.ext.graphviz', 'sipfp_docs']
root_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['README.md', 'netlink', 'tools', 'perf/*.txt']
highlight_language = 'none'
primary_domain = None
nitpicky = True

graphviz_output_format = 'svg'

html_theme = 'alabaster'
html_theme_options = {'page_width': '1100px', 'sidebar_width': '240px',
                      'show_relbars': True}
html_title = 'sipfp %s' % release
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
