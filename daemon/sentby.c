// SPDX-License-Identifier: GPL-2.0
/*
 * Our address as a peer sees it, for the sent-by of a Via and the host of
 * a Record-Route: the listener of the transport and family a message
 * leaves from, and for a wildcard listener the source address the
 * kernel's route to the peer picks (asked once a minute per peer).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "transport.h"

#define CACHE 256
#define TTL_MS 60000

struct entry {
	union tp_addr dst; /* port 0 */
	union tp_addr src;
	uint64_t at_ms;
};

static struct entry cache[CACHE];

static const struct cfg_listen *listener(const struct config *cfg,
					 uint8_t proto, int family)
{
	const struct cfg_listen *any = NULL;

	for (unsigned int i = 0; i < cfg->nlisten; i++) {
		const struct cfg_listen *l = &cfg->listen[i];

		if (l->addr.ss_family != family)
			continue;
		if (l->proto == proto)
			return l;
		if (!any)
			any = l;
	}
	return any;
}

static bool wildcard(const union tp_addr *a)
{
	if (a->sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->sin6.sin6_addr);
	return a->sin.sin_addr.s_addr == htonl(INADDR_ANY);
}

/*
 * connect() on a UDP socket routes without sending a packet.  A fresh
 * socket each time: a connected one keeps the source it was first given.
 */
static int kernel_source(const union tp_addr *dst, union tp_addr *src)
{
	int v6 = dst->sa.sa_family == AF_INET6, fd, ret = 0;
	socklen_t len = v6 ? sizeof(dst->sin6) : sizeof(dst->sin);
	union tp_addr d = *dst;

	/* a port of 0 would be refused */
	if (v6)
		d.sin6.sin6_port = htons(9);
	else
		d.sin.sin_port = htons(9);
	fd = socket(d.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, &d.sa, len))
		ret = -errno;
	len = sizeof(*src);
	if (!ret && getsockname(fd, &src->sa, &len))
		ret = -errno;
	close(fd);
	return ret;
}

int tp_source_for(const union tp_addr *dst, union tp_addr *src)
{
	union tp_addr key = *dst;
	const uint8_t *p = (const uint8_t *)&key;
	uint32_t h = 2166136261u;
	struct entry *e;
	int ret;

	if (key.sa.sa_family == AF_INET6)
		key.sin6.sin6_port = 0;
	else
		key.sin.sin_port = 0;
	for (size_t i = 0; i < sizeof(key); i++)
		h = (h ^ p[i]) * 16777619u;
	e = &cache[h % CACHE];
	if (e->at_ms && ev_now_ms() - e->at_ms < TTL_MS &&
	    !memcmp(&e->dst, &key, sizeof(key))) {
		*src = e->src;
		return 0;
	}
	ret = kernel_source(&key, src);
	if (ret)
		return ret;
	e->dst = key;
	e->src = *src;
	e->at_ms = ev_now_ms() ?: 1;
	return 0;
}

int tp_sent_by(const struct config *cfg, const struct sip_peer *dst,
	       char *host, size_t size, uint16_t *port)
{
	const struct cfg_listen *l =
		listener(cfg, dst->proto, dst->addr.sa.sa_family);
	const union tp_addr *la;
	union tp_addr src;
	char ip[INET6_ADDRSTRLEN];

	if (!l)
		return -EAFNOSUPPORT;
	la = (const union tp_addr *)&l->addr;
	*port = ntohs(la->sa.sa_family == AF_INET6 ? la->sin6.sin6_port :
						      la->sin.sin_port);
	src = *la;
	if (wildcard(la) && tp_source_for(&dst->addr, &src))
		return -EHOSTUNREACH;
	/* by hand: transport.c's printers would pull it into unit tests */
	if (src.sa.sa_family == AF_INET6) {
		inet_ntop(AF_INET6, &src.sin6.sin6_addr, ip, sizeof(ip));
		snprintf(host, size, "[%s]", ip);
	} else {
		inet_ntop(AF_INET, &src.sin.sin_addr, ip, sizeof(ip));
		snprintf(host, size, "%s", ip);
	}
	return 0;
}
