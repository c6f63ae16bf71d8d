// SPDX-License-Identifier: GPL-2.0
/*
 * [media]: the fast path's names and the interfaces list.  An interface
 * is an address the relay binds, with an optional address SDP shows
 * instead when a 1:1 NAT sits in front of the box.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config_media.h"

static const char *const fastpath_names[] = {
	[CFG_FP_AUTO] = "auto",
	[CFG_FP_KMOD] = "kmod",
	[CFG_FP_XDP] = "xdp",
	[CFG_FP_RELAY] = "relay",
};

static const char *const xdp_mode_names[] = {
	[CFG_XDP_AUTO] = "auto",
	[CFG_XDP_NATIVE] = "native",
	[CFG_XDP_GENERIC] = "generic",
};

void config_media_defaults(struct config *c)
{
	c->media_anchor = true;
	c->fastpath = CFG_FP_AUTO;
	c->nmedia_ifs = 0;
	c->port_min = 16384;
	c->port_max = 32767;
	/* no packet of a released stream is expected this long after */
	c->port_quarantine = 5;
	c->media_timeout = 60;
	c->latch_window = 10;
	c->max_sessions = 10000;
	c->dscp = 46; /* EF, RFC 3246 */
}

int config_fastpath_parse(const char *v)
{
	for (int i = CFG_FP_AUTO; i <= CFG_FP_RELAY; i++)
		if (!strcasecmp(v, fastpath_names[i]))
			return i;
	return -1;
}

const char *config_fastpath_name(enum cfg_fastpath fp)
{
	return fp <= CFG_FP_RELAY ? fastpath_names[fp] : "?";
}

static bool name_ok(const char *s, size_t n)
{
	if (!n || n >= CFG_MEDIA_IF_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return false;
	return true;
}

/* "192.0.2.1", "2001:db8::1" or "[2001:db8::1]", @n bytes of @s */
static int parse_ip(const char *s, size_t n, struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	char buf[INET6_ADDRSTRLEN];
	bool bracket = n >= 2 && s[0] == '[' && s[n - 1] == ']';

	if (bracket) {
		s++;
		n -= 2;
	}
	if (!n || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (!bracket && inet_pton(AF_INET, buf, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

/*
 * Whether a relay can bind @ss and a peer send to it: not a wildcard, a
 * multicast or broadcast address, nor a link-local one (SDP cannot carry
 * its scope), nor IPv4 written as IPv6 (a v6-only socket cannot bind it).
 */
static bool unicast(const struct sockaddr_storage *ss)
{
	const struct in6_addr *a6 =
		&((const struct sockaddr_in6 *)ss)->sin6_addr;
	uint32_t a4;

	if (ss->ss_family == AF_INET) {
		a4 = ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr);
		return (a4 >> 24) != 0 && (a4 >> 28) < 14;
	}
	return !IN6_IS_ADDR_UNSPECIFIED(a6) && !IN6_IS_ADDR_MULTICAST(a6) &&
	       !IN6_IS_ADDR_LINKLOCAL(a6) && !IN6_IS_ADDR_V4MAPPED(a6);
}

/* ADDRESS[/ADVERTISED] into @m: NULL, or what is wrong */
static const char *parse_addrs(struct cfg_media_if *m, const char *v)
{
	const char *slash = strchr(v, '/');
	size_t n = slash ? (size_t)(slash - v) : strlen(v);

	if (parse_ip(v, n, &m->local) ||
	    (slash && parse_ip(slash + 1, strlen(slash + 1), &m->advertised)))
		return "expected NAME=ADDRESS[/ADVERTISED], numeric addresses";
	if (!unicast(&m->local) || (slash && !unicast(&m->advertised)))
		return "not a unicast address a peer can send to";
	if (slash && m->advertised.ss_family != m->local.ss_family)
		return "the advertised address is of another family";
	return NULL;
}

static const char *parse_if(const struct config *c, struct cfg_media_if *m,
			    const char *item)
{
	const char *eq = strchr(item, '='), *why;

	if (!eq)
		return "expected NAME=ADDRESS[/ADVERTISED]";
	if (!name_ok(item, eq - item))
		return "a name is 1 to 31 letters, digits, '_' or '-'";
	memcpy(m->name, item, eq - item);
	why = parse_addrs(m, eq + 1);
	if (why)
		return why;
	if (config_media_if(c, m->name, m->local.ss_family))
		return m->local.ss_family == AF_INET ?
			       "the name already has an IPv4 address" :
			       "the name already has an IPv6 address";
	return NULL;
}

static int add_if(struct config *c, const char *item, char *msg, size_t len)
{
	struct cfg_media_if m = { 0 };
	const char *why = parse_if(c, &m, item);

	if (why) {
		snprintf(msg, len, "bad interfaces entry '%s' (%s)", item, why);
		return -1;
	}
	if (c->nmedia_ifs == CFG_MAX_MEDIA_IFS) {
		snprintf(msg, len, "more than %d interfaces",
			 CFG_MAX_MEDIA_IFS);
		return -1;
	}
	c->media_ifs[c->nmedia_ifs++] = m;
	return 0;
}

const struct cfg_media_if *config_media_if(const struct config *c,
					   const char *name, int family)
{
	for (unsigned int i = 0; i < c->nmedia_ifs; i++) {
		const struct cfg_media_if *m = &c->media_ifs[i];

		if (!strcmp(m->name, name) &&
		    (family == AF_UNSPEC || m->local.ss_family == family))
			return m;
	}
	return NULL;
}

/* "interfaces": space-separated items; a later line adds to the list */
static int set_ifs(struct config *c, const char *v, char *msg, size_t len)
{
	char buf[256], *save = NULL, *it;

	snprintf(buf, sizeof(buf), "%s", v);
	for (it = strtok_r(buf, " \t", &save); it;
	     it = strtok_r(NULL, " \t", &save))
		if (add_if(c, it, msg, len))
			return -1;
	return 0;
}

/* "xdp_interfaces": device names; a later line adds to the list */
static int set_xdp_ifs(struct config *c, const char *v, char *msg, size_t len)
{
	char buf[512], *save = NULL, *it;

	snprintf(buf, sizeof(buf), "%s", v);
	for (it = strtok_r(buf, " \t", &save); it;
	     it = strtok_r(NULL, " \t", &save)) {
		if (strlen(it) >= CFG_XDP_IF_NAME || strchr(it, '/')) {
			snprintf(msg, len, "bad xdp_interfaces entry '%s' (not "
				 "a device name)", it);
			return -1;
		}
		if (c->nxdp_ifs == CFG_MAX_XDP_IFS) {
			snprintf(msg, len, "more than %d xdp_interfaces",
				 CFG_MAX_XDP_IFS);
			return -1;
		}
		strcpy(c->xdp_ifs[c->nxdp_ifs++], it);
	}
	return 0;
}

static int set_xdp_mode(struct config *c, const char *v, char *msg, size_t len)
{
	for (int i = CFG_XDP_AUTO; i <= CFG_XDP_GENERIC; i++)
		if (!strcasecmp(v, xdp_mode_names[i])) {
			c->xdp_mode = i;
			return 0;
		}
	snprintf(msg, len, "bad value '%s' for xdp_mode (expected auto, "
		 "native or generic)", v);
	return -1;
}

static int number(const char *key, const char *v, uint32_t lo, uint32_t hi,
		  uint32_t *n, char *msg, size_t len)
{
	unsigned long u;
	char *end;

	errno = 0;
	u = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end || errno || u < lo || u > hi) {
		snprintf(msg, len, "bad value '%s' for %s (expected %u to %u)",
			 v, key, lo, hi);
		return -1;
	}
	*n = u;
	return 0;
}

/* RTP on an even port, RTCP on the odd one after it */
static int set_port(const char *key, const char *v, uint16_t *port, char *msg,
		    size_t len)
{
	bool odd = !strcmp(key, "port_max");
	uint32_t n;

	if (number(key, v, 1024, 65535, &n, msg, len))
		return -1;
	if ((n & 1) != odd) {
		snprintf(msg, len, "%s (%u) is %s (expected an %s port)", key,
			 n, odd ? "even" : "odd", odd ? "odd" : "even");
		return -1;
	}
	*port = n;
	return 0;
}

static int set_fastpath(struct config *c, const char *v, char *msg, size_t len)
{
	int i = config_fastpath_parse(v);

	if (i < 0) {
		snprintf(
			msg, len,
			"bad value '%s' for fastpath (expected auto, kmod, xdp or relay)",
			v);
		return -1;
	}
	c->fastpath = i;
	return 0;
}

int config_media_set(struct config *c, const char *key, const char *v,
		     char *msg, size_t len)
{
	uint32_t n;

	if (!strcmp(key, "fastpath"))
		return set_fastpath(c, v, msg, len);
	if (!strcmp(key, "interfaces"))
		return set_ifs(c, v, msg, len);
	if (!strcmp(key, "port_min"))
		return set_port(key, v, &c->port_min, msg, len);
	if (!strcmp(key, "port_max"))
		return set_port(key, v, &c->port_max, msg, len);
	if (!strcmp(key, "xdp_interfaces"))
		return set_xdp_ifs(c, v, msg, len);
	if (!strcmp(key, "xdp_mode"))
		return set_xdp_mode(c, v, msg, len);
	if (!strcmp(key, "dscp")) {
		if (number(key, v, 0, 63, &n, msg, len))
			return -1;
		c->dscp = n;
		return 0;
	}
	snprintf(msg, len, "unknown key '%s' in [media]", key);
	return -1;
}
