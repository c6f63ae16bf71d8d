// SPDX-License-Identifier: GPL-2.0
/*
 * sipfp_xdp: forwards a flow's RTP/RTCP before the stack sees it.  A stub
 * for now, so the Makefile and the skeleton exist for the loader.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "sipfp_xdp.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SIPFP_XDP_MAX_FLOWS);
	__type(key, struct sipfp_xdp_key);
	__type(value, struct sipfp_xdp_flow);
} sipfp_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPFP_XDP_MAX_FLOWS);
	__type(key, __u32);
	__type(value, struct sipfp_xdp_stats);
} sipfp_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SIPFP_XDP_X_MAX);
	__type(key, __u32);
	__type(value, __u64);
} sipfp_xstats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} sipfp_tx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct sipfp_xdp_vlan_key);
	__type(value, __u32);
} sipfp_vlans SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct sipfp_xdp_vlan_key);
} sipfp_vlan_dev SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sipfp_xdp_ctl);
} sipfp_ctl SEC(".maps");

SEC("xdp")
int sipfp_xdp(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
