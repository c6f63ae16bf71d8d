/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What xdpgen.c and xdpgen.bpf.c share: the frame they make and one
 * stream's entry in the "flows" map.  Byte order: "net" is network order,
 * "host" the CPU's.
 *
 * A frame: Ethernet, IPv4 (no options), UDP, a 12-byte RTP header and
 * XDPGEN_PAYLOAD bytes of PCMU silence.  The program copies the first
 * XDPGEN_TMPL_LEN bytes from its template (MACs, the IPv4 header but its
 * destination and checksum, UDP length), then writes the stream's part.
 */
#ifndef XDPGEN_H
#define XDPGEN_H

#include <linux/types.h>

#define XDPGEN_RTP_HDR 12
#define XDPGEN_PAYLOAD 160
/* Ethernet 14, IPv4 20, UDP 8 */
#define XDPGEN_OFF_IP 14
#define XDPGEN_OFF_UDP 34
#define XDPGEN_OFF_RTP 42
#define XDPGEN_HDR_LEN (XDPGEN_OFF_RTP + XDPGEN_RTP_HDR)
#define XDPGEN_FRAME_LEN (XDPGEN_HDR_LEN + XDPGEN_PAYLOAD)
/* copied in 8-byte words: up to the UDP checksum */
#define XDPGEN_TMPL_WORDS 5
#define XDPGEN_TMPL_LEN (XDPGEN_TMPL_WORDS * 8)
/* RTP timestamp units a packet: 20 ms of 8 kHz audio */
#define XDPGEN_TS_STEP 160

struct xdpgen_flow {
	__be32 daddr; /* net */
	__be16 sport; /* net */
	__be16 dport; /* net */
	/*
	 * host: one's complement sum (unfolded) of the UDP pseudo-header,
	 * header and payload, with the checksum, RTP sequence and timestamp
	 * taken as 0; 16-bit words summed as they lie in memory
	 */
	__u32 udp_sum;
	__u32 ts0; /* host: the stream's first RTP timestamp */
	__u16 ip_check; /* net: the IPv4 header's checksum */
	__u16 pad;
};

#endif
