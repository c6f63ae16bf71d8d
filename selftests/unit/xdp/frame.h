/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Frames for the XDP program's tests (test_xdp_*.c): Ethernet, at most
 * one VLAN tag, IPv4 or IPv6, UDP, each checksum computed in full (RFC
 * 1071), so an expected frame checks the program's incremental updates
 * against a computation that shares nothing with them.
 */
#ifndef SIPFP_SELFTESTS_XDP_FRAME_H
#define SIPFP_SELFTESTS_XDP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define XF_MAX 512

struct xf_spec {
	int vid; /* < 0: untagged */
	uint16_t tpid; /* 0: 802.1Q */
	uint8_t dmac[6], smac[6];
	const char *src, *dst; /* one family, as inet_pton() takes them */
	uint16_t sport, dport;
	uint8_t tos; /* IPv4 TOS or IPv6 traffic class */
	uint8_t ttl; /* or hop limit */
	uint16_t id; /* IPv4 identification */
	uint16_t frag; /* IPv4 flags and fragment offset */
	uint8_t opt; /* IPv4 option bytes, a multiple of 4 */
	uint8_t ext; /* IPv6: this extension header before UDP, if not 0 */
	bool no_csum; /* a zero UDP checksum */
	uint16_t csum_fix; /* added to the last payload word (see xf_aim) */
	const uint8_t *pl; /* the UDP payload */
	size_t pl_len; /* even */
};

/* Return: the frame's length in @buf (XF_MAX bytes), 0 for a bad spec. */
size_t xf_build(uint8_t *buf, const struct xf_spec *s);

/*
 * The offset of the UDP header in a frame built from @s (no options or
 * extension headers), and of its checksum.
 */
size_t xf_udp_off(const struct xf_spec *s);

/*
 * Sets s->csum_fix so that the UDP checksum of the frame xf_build() makes
 * comes out as @want before RFC 768's 0 -> 0xffff (so 0 gives 0xffff on
 * the wire); the payload's last word carries the difference.
 */
void xf_aim_udp(struct xf_spec *s, uint16_t want);

/* The same for the IPv4 header checksum, through the identification. */
void xf_aim_ip(struct xf_spec *s, uint16_t want);

/* RFC 1071 over @len bytes, plus @sum; the result not complemented. */
uint32_t xf_sum(const void *p, size_t len, uint32_t sum);
uint16_t xf_fold(uint32_t sum);

/* Whether the IPv4 header (if any) and UDP checksums of @f verify. */
bool xf_valid(const uint8_t *f, size_t len);

/* @s's addresses as 16 bytes, IPv4-mapped for IPv4 (as the maps hold). */
void xf_addr16(uint8_t *dst, const char *ip);

#endif
