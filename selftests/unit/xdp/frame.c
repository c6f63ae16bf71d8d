// SPDX-License-Identifier: GPL-2.0
/*
 * Frames for the XDP program's tests; see xframe.h.  Checksums here are
 * computed over the whole header and payload every time, never updated.
 */
#include <arpa/inet.h>
#include <string.h>

#include "frame.h"

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define IP4_HLEN 20
#define IP6_HLEN 40
#define UDP_HLEN 8
#define EXT_HLEN 8

uint32_t xf_sum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += b[i] << 8 | b[i + 1];
	if (len & 1)
		sum += b[len - 1] << 8;
	return sum;
}

uint16_t xf_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static uint16_t get16(const uint8_t *p)
{
	return p[0] << 8 | p[1];
}

void xf_addr16(uint8_t *dst, const char *ip)
{
	memset(dst, 0, 16);
	if (inet_pton(AF_INET6, ip, dst) == 1)
		return;
	dst[10] = 0xff;
	dst[11] = 0xff;
	inet_pton(AF_INET, ip, dst + 12);
}

static bool is_v6(const char *ip)
{
	return strchr(ip, ':');
}

static size_t put_eth(uint8_t *f, const struct xf_spec *s, bool v6)
{
	size_t off = 12;

	memcpy(f, s->dmac, 6);
	memcpy(f + 6, s->smac, 6);
	if (s->vid >= 0) {
		put16(f + off, s->tpid ? s->tpid : 0x8100);
		put16(f + off + 2, 0xa000 | s->vid); /* PCP 5: must survive */
		off += VLAN_HLEN;
	}
	put16(f + off, v6 ? 0x86dd : 0x0800);
	return off + 2;
}

static size_t put_ip4(uint8_t *ip, const struct xf_spec *s, size_t l4_len)
{
	size_t hlen = IP4_HLEN + s->opt;

	memset(ip, 0, hlen);
	ip[0] = 0x40 | hlen / 4;
	ip[1] = s->tos;
	put16(ip + 2, hlen + l4_len);
	put16(ip + 4, s->id);
	put16(ip + 6, s->frag);
	ip[8] = s->ttl;
	ip[9] = 17;
	inet_pton(AF_INET, s->src, ip + 12);
	inet_pton(AF_INET, s->dst, ip + 16);
	for (size_t i = IP4_HLEN; i < hlen; i++)
		ip[i] = 1; /* NOP options */
	put16(ip + 10, ~xf_fold(xf_sum(ip, hlen, 0)));
	return hlen;
}

static size_t put_ip6(uint8_t *ip, const struct xf_spec *s, size_t l4_len)
{
	size_t ext = s->ext ? EXT_HLEN : 0;

	memset(ip, 0, IP6_HLEN + ext);
	ip[0] = 0x60 | s->tos >> 4;
	ip[1] = s->tos << 4 | 0x0a; /* a flow label to keep */
	ip[2] = 0xbc;
	ip[3] = 0xde;
	put16(ip + 4, ext + l4_len);
	ip[6] = s->ext ? s->ext : 17;
	ip[7] = s->ttl;
	inet_pton(AF_INET6, s->src, ip + 8);
	inet_pton(AF_INET6, s->dst, ip + 24);
	if (ext)
		ip[IP6_HLEN] = 17;
	return IP6_HLEN + ext;
}

/* The pseudo-header: RFC 768 for IPv4, RFC 8200 8.1 for IPv6. */
static uint32_t pseudo_sum(const uint8_t *ip, bool v6, size_t l4_len)
{
	uint32_t sum = 17 + l4_len;

	if (v6)
		return xf_sum(ip + 8, 32, sum);
	return xf_sum(ip + 12, 8, sum);
}

static void put_udp(uint8_t *udp, const uint8_t *ip, const struct xf_spec *s,
		    bool v6)
{
	size_t len = UDP_HLEN + s->pl_len;
	uint16_t sum;

	put16(udp, s->sport);
	put16(udp + 2, s->dport);
	put16(udp + 4, len);
	put16(udp + 6, 0);
	if (s->pl_len)
		memcpy(udp + UDP_HLEN, s->pl, s->pl_len);
	if (s->csum_fix && s->pl_len >= 2) {
		uint8_t *w = udp + len - 2;

		put16(w, xf_fold((uint32_t)get16(w) + s->csum_fix));
	}
	if (s->no_csum)
		return;
	sum = ~xf_fold(xf_sum(udp, len, pseudo_sum(ip, v6, len)));
	put16(udp + 6, sum ? sum : 0xffff);
}

size_t xf_build(uint8_t *buf, const struct xf_spec *s)
{
	bool v6 = is_v6(s->src);
	size_t l4_len = UDP_HLEN + s->pl_len;
	size_t off, hlen;

	if (is_v6(s->dst) != v6 || s->pl_len & 1 || s->opt & 3 ||
	    ETH_HLEN + VLAN_HLEN + IP6_HLEN + EXT_HLEN + l4_len > XF_MAX)
		return 0;
	off = put_eth(buf, s, v6);
	if (v6)
		hlen = put_ip6(buf + off, s, l4_len);
	else
		hlen = put_ip4(buf + off, s, l4_len);
	put_udp(buf + off + hlen, buf + off, s, v6);
	return off + hlen + l4_len;
}

size_t xf_udp_off(const struct xf_spec *s)
{
	return ETH_HLEN + (s->vid >= 0 ? VLAN_HLEN : 0) +
	       (is_v6(s->src) ? IP6_HLEN : IP4_HLEN);
}

void xf_aim_udp(struct xf_spec *s, uint16_t want)
{
	uint8_t f[XF_MAX];
	size_t off = xf_udp_off(s);
	uint16_t now;

	s->csum_fix = 0;
	xf_build(f, s);
	now = get16(f + off + 6);
	/* the sum must move from ~now to ~want: add ~want - ~now */
	s->csum_fix = xf_fold((uint32_t)(uint16_t)~want + now);
}

void xf_aim_ip(struct xf_spec *s, uint16_t want)
{
	uint8_t f[XF_MAX];
	size_t off = xf_udp_off(s) - IP4_HLEN;

	s->id = 0;
	xf_build(f, s);
	s->id = xf_fold((uint32_t)(uint16_t)~want + get16(f + off + 10));
}

static bool valid_udp(const uint8_t *ip, const uint8_t *udp, bool v6,
		      size_t len)
{
	if (!v6 && !get16(udp + 6))
		return true;
	return xf_fold(xf_sum(udp, len, pseudo_sum(ip, v6, len))) == 0xffff;
}

bool xf_valid(const uint8_t *f, size_t len)
{
	size_t off = ETH_HLEN;
	uint16_t proto = get16(f + 12);
	const uint8_t *ip;
	size_t hlen;

	if (proto == 0x8100 || proto == 0x88a8) {
		proto = get16(f + 16);
		off += VLAN_HLEN;
	}
	ip = f + off;
	if (proto == 0x86dd)
		return valid_udp(ip, ip + IP6_HLEN, true, get16(ip + 4));
	hlen = (ip[0] & 15) * 4;
	if (off + hlen > len || xf_fold(xf_sum(ip, hlen, 0)) != 0xffff)
		return false;
	return valid_udp(ip, ip + hlen, false, get16(ip + 2) - hlen);
}
