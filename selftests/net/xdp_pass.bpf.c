// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest XDP program: every frame goes on to the stack.  The XDP
 * media tests attach it to a veth in a scratch namespace to learn
 * whether this kernel takes native XDP on veth at all, so a kernel that
 * cannot is a skip and not a failure of sipfpd's own program.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
