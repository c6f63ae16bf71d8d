// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoints and numbers as the command line writes them: 192.0.2.1:4000,
 * [2001:db8::1]:4000, or an address alone (port 0, which only a latching
 * source takes: any port of that address).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int parse_port(const char *s, uint16_t *port)
{
	uint32_t v;

	if (cli_parse_u32(s, 65535, &v) < 0)
		return -EINVAL;
	*port = v;
	return 0;
}

static int set_addr(const char *host, uint16_t port, union sipctl_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, host, &a->sin.sin_addr) == 1) {
		a->sin.sin_family = AF_INET;
		a->sin.sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a->sin6.sin6_addr) == 1) {
		a->sin6.sin6_family = AF_INET6;
		a->sin6.sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

int cli_parse_ep(const char *s, union sipctl_addr *a)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *end;
	uint16_t port = 0;
	size_t n;

	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -EINVAL;
		n = end - s - 1;
		colon = end[1] ? end + 1 : NULL;
		s++;
	} else {
		colon = strrchr(s, ':');
		/* two colons and no brackets: an IPv6 address alone */
		if (colon && strchr(s, ':') != colon)
			colon = NULL;
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (!n || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = 0;
	if (colon && parse_port(colon + 1, &port) < 0)
		return -EINVAL;
	return set_addr(host, port, a);
}

int cli_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end ? -EINVAL : 0;
}

int cli_parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	uint64_t x;

	if (cli_parse_u64(s, &x) < 0 || x > max)
		return -EINVAL;
	*v = x;
	return 0;
}

/* An IPv4-mapped IPv6 address is printed as the IPv4 address it maps. */
const char *cli_ep(const union sipctl_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	const struct in6_addr *in6 = &a->sin6.sin6_addr;

	switch (a->sa.sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &a->sin.sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin.sin_port));
		break;
	case AF_INET6:
		if (IN6_IS_ADDR_V4MAPPED(in6)) {
			inet_ntop(AF_INET, &in6->s6_addr[12], host,
				  sizeof(host));
			snprintf(buf, len, "%s:%u", host,
				 ntohs(a->sin6.sin6_port));
			break;
		}
		inet_ntop(AF_INET6, in6, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6.sin6_port));
		break;
	default:
		snprintf(buf, len, "-");
	}
	return buf;
}

/* The address alone, for an interface (its port is 0). */
const char *cli_host(const union sipctl_addr *a, char *buf, size_t len)
{
	char *colon;

	cli_ep(a, buf, len);
	if (a->sa.sa_family == AF_INET6 && buf[0] == '[') {
		colon = strrchr(buf, ']');
		memmove(buf, buf + 1, colon - buf - 1);
		colon[-1] = 0;
	} else if (a->sa.sa_family) {
		colon = strrchr(buf, ':');
		*colon = 0;
	}
	return buf;
}

const char *cli_src_mode(uint8_t mode)
{
	switch (mode) {
	case SIPCTL_SRC_ANY:
		return "any";
	case SIPCTL_SRC_FIXED:
		return "fixed";
	case SIPCTL_SRC_LATCH:
		return "latch";
	}
	return "?";
}

const char *cli_side(uint8_t side)
{
	return side == SIPCTL_SIDE_CALLER ? "caller" :
	       side == SIPCTL_SIDE_CALLEE ? "callee" :
					    "?";
}

const char *cli_kind(uint8_t kind)
{
	return kind == SIPCTL_KIND_RTP	? "rtp" :
	       kind == SIPCTL_KIND_RTCP ? "rtcp" :
					  "?";
}

const char *cli_path(uint8_t path)
{
	static const char *const names[] = {
		[SIPCTL_PATH_NONE] = "none",
		[SIPCTL_PATH_RELAY] = "relay",
		[SIPCTL_PATH_KMOD] = "kmod",
		[SIPCTL_PATH_XDP] = "xdp",
	};

	return path < SIPCTL_PATH_MAX ? names[path] : "?";
}
