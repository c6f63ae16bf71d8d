#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
#
# The performance page's plots, from the numbers they show: each
# Documentation/perf/NAME.txt holds key=value lines as the benchmark
# printed them (tools/bench/), and NAME.png is drawn from it here.
# `make docs-plots` runs this; commit the .txt and the .png together.
#
#   perfplot.py DIR
#
# python3-matplotlib from Debian, Agg backend, no display needed. A key
# the plot needs and the file lacks is an error naming both.

import os
import sys

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

OURS, BASE, OTHER = '#1f77b4', '#aaaaaa', '#ff7f0e'


def load(path):
    out = {}
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            key, sep, value = line.partition('=')
            if not sep:
                sys.exit('%s:%d: not key=value' % (path, n))
            out[key] = float(value)
    return out


def need(kv, path, key):
    if key not in kv:
        sys.exit('%s: no %s' % (path, key))
    return kv[key]


def bars(ax, groups, series, values, unit):
    """Grouped bars: series[i] over groups, values[i][j] (None: absent)."""
    width = 0.8 / len(series)
    for i, (name, color) in enumerate(series):
        xs = [j + (i - (len(series) - 1) / 2) * width
              for j in range(len(groups))]
        labelled = False
        for x, v in zip(xs, values[i]):
            if v is None:
                continue
            ax.bar(x, v, width * 0.95, color=color,
                   label=None if labelled else name)
            labelled = True
            ax.annotate(label(v), (x, v), ha='center', va='bottom',
                        fontsize=7, xytext=(0, 1), textcoords='offset points')
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(groups, fontsize=8)
    ax.set_ylabel(unit, fontsize=8)
    ax.tick_params(axis='y', labelsize=7)
    ax.spines[['top', 'right']].set_visible(False)
    ax.yaxis.set_major_formatter(lambda v, _: label(v) if v else '0')
    ax.legend(fontsize=7, frameon=False, loc='upper center',
              bbox_to_anchor=(0.5, -0.13), ncol=len(series))


def label(v):
    if v >= 1e6:
        return '%.2fM' % (v / 1e6)
    if v >= 1e5:
        return '%.0fk' % (v / 1e3)
    if v >= 1e3:
        return '{:,.0f}'.format(v).replace(',', ' ')
    return '%g' % v


def plot_parse(kv, path, ax):
    keys = ['invite_parse', 'register_parse', 'invite_roundtrip']
    ours = [need(kv, path, k + '_per_s') for k in keys]
    base = [need(kv, path, k + '_per_s_osip2') for k in keys]
    bars(ax[0], ['INVITE parse', 'REGISTER parse', 'INVITE parse +\n'
                 'serialize'], [('sipfp', OURS), ('GNU oSIP', BASE)],
         [ours, base], 'messages per second, one core')
    ax[0].set_title('SIP parser', fontsize=9)


def plot_cps(kv, path, ax):
    names = ['sipfpd', 'kamailio', 'sipfpd_media', 'kamailio_media']
    cps = [need(kv, path, 'cps_' + n) for n in names]
    bars(ax[0], ['signalling only', 'with media anchored'],
         [('sipfpd', OURS), ('Kamailio (+ rtpengine)', BASE)],
         [[cps[0], cps[2]], [cps[1], cps[3]]], 'calls per second held')
    ax[0].set_title('Calls through the proxy', fontsize=9)


def plot_rtp(kv, path, ax):
    ns = ['1', '100']
    series = [('kernel IP forwarding', BASE), ('sipfpd relay', OURS),
              ('rtpengine', OTHER)]
    vals = [[need(kv, path, '%s_pps_n%s' % (k, n)) for n in ns]
            for k in ('kfwd', 'relay', 'rtpengine')]
    bars(ax[0], ['%s stream%s' % (n, '' if n == '1' else 's') for n in ns],
         series, vals, 'packets per second, flat out')
    ax[0].set_title('RTP through the userspace relay', fontsize=9)
    us = [need(kv, path, k + '_us_per_pkt') for k in ('relay', 'rtpengine')]
    bars(ax[1], [''], series[1:], [[us[0]], [us[1]]], 'µs per packet')
    ax[1].set_title('CPU, 50 kpps over 1 000 streams', fontsize=9)


def plot_kmod(kv, path, ax):
    bars(ax[0], ['100 streams'], [('kernel IP forwarding', BASE),
                                  ('sipfp.ko', OURS)],
         [[need(kv, path, 'vm_kfwd_pps')], [need(kv, path, 'vm_kmod_pps')]],
         'packets per second (qemu TCG)')
    ax[0].set_title('sipfp.ko in a VM', fontsize=9)


def plot_xdp(kv, path, ax):
    ns = ['1', '1000', '100000']
    series = [('sipfp_xdp', OURS), ('kernel IP forwarding', BASE),
              ('sipfpd relay', OTHER)]
    vals = [[kv.get('%s_pps_n%s' % (k, n)) for n in ns]
            for k in ('xdp', 'kfwd', 'relay')]
    for v in vals[:2]:
        if None in v:
            sys.exit('%s: a pps figure of xdp or kfwd is missing' % path)
    bars(ax[0], ['1 flow', '1 000 flows', '100 000 flows'], series, vals,
         'packets per second, flat out')
    ax[0].set_title('RTP forwarded', fontsize=9)
    bars(ax[1], [''], [series[0], series[1]],
         [[need(kv, path, 'xdp_us_per_pkt')],
          [need(kv, path, 'kfwd_us_per_pkt')]], 'µs per forwarded packet')
    ax[1].set_title('router CPU, ~190 kpps, 1 000 flows', fontsize=9)


PLOTS = {'parse': (plot_parse, 1), 'cps': (plot_cps, 1),
         'rtp': (plot_rtp, 2), 'kmod': (plot_kmod, 1), 'xdp': (plot_xdp, 2)}


def draw(d, name):
    fn, panels = PLOTS[name]
    path = os.path.join(d, name + '.txt')
    kv = load(path)
    ratios = [2, 1] if panels == 2 else [1]
    fig, ax = plt.subplots(1, panels, figsize=(8 if panels == 2 else 5.5,
                                               3.6),
                           gridspec_kw={'width_ratios': ratios},
                           squeeze=False)
    fn(kv, path, ax[0])
    for a in ax[0]:
        a.margins(y=0.12)
    fig.tight_layout()
    fig.savefig(os.path.join(d, name + '.png'), dpi=100,
                metadata={'Software': None})
    plt.close(fig)


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else 'Documentation/perf'
    for name in sorted(PLOTS):
        draw(d, name)
    return 0


if __name__ == '__main__':
    sys.exit(main())
