// SPDX-License-Identifier: GPL-2.0
/*
 * The transport layer's front: opens the configured listen addresses,
 * routes tp_send() to UDP or a stream, and prints addresses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "stream.h"
#include "tp.h"

struct tp_stats tp_stats;

const char *tp_addr_ip(const union tp_addr *a, char *buf, size_t size)
{
	const void *src = a->sa.sa_family == AF_INET6 ?
				  (const void *)&a->sin6.sin6_addr :
				  (const void *)&a->sin.sin_addr;

	if (!inet_ntop(a->sa.sa_family, src, buf, size))
		snprintf(buf, size, "?");
	return buf;
}

int tp_addr_set(union tp_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, ip, &a->sin.sin_addr) == 1) {
		a->sin.sin_family = AF_INET;
		a->sin.sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &a->sin6.sin6_addr) == 1) {
		a->sin6.sin6_family = AF_INET6;
		a->sin6.sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

uint16_t tp_addr_port(const union tp_addr *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->sin6.sin6_port :
						   a->sin.sin_port);
}

static const char *addr_str(const union tp_addr *a, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	tp_addr_ip(a, ip, sizeof(ip));
	if (a->sa.sa_family == AF_INET6)
		snprintf(buf, size, "[%s]:%u", ip, tp_addr_port(a));
	else
		snprintf(buf, size, "%s:%u", ip, tp_addr_port(a));
	return buf;
}

const char *tp_peer_str(const struct sip_peer *p, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN + 8];

	snprintf(buf, size, "%s:%s", config_proto_name(p->proto),
		 addr_str(&p->addr, a, sizeof(a)));
	return buf;
}

const char *tp_listen_str(const struct cfg_listen *l, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN + 8];

	snprintf(buf, size, "%s:%s", config_proto_name(l->proto),
		 addr_str((const union tp_addr *)&l->addr, a, sizeof(a)));
	return buf;
}

bool tp_addr_ip_eq(const union tp_addr *a, const union tp_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET6)
		return !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr,
			       sizeof(a->sin6.sin6_addr));
	return a->sa.sa_family == AF_INET &&
	       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
}

bool tp_addr_eq(const union tp_addr *a, const union tp_addr *b)
{
	return tp_addr_ip_eq(a, b) && tp_addr_port(a) == tp_addr_port(b);
}

int tp_init(const struct config *cfg, tp_recv_fn recv)
{
	char name[64];
	int ret = 0;

	memset(&tp_stats, 0, sizeof(tp_stats));
	tcp_set_limits(cfg->tcp_idle_timeout, cfg->tcp_max_connections);
	for (unsigned int i = 0; i < cfg->nlisten && !ret; i++) {
		const struct cfg_listen *l = &cfg->listen[i];

		tp_listen_str(l, name, sizeof(name));
		if (l->proto == TP_TLS && !tls_stream_ops) {
			log_warnx(
				"%s: no TLS support in this build yet, not listening",
				name);
			continue;
		}
		ret = l->proto == TP_UDP ? udp_listen(l, recv) :
					   tcp_listen(l, recv);
		if (ret) {
			errno = -ret;
			log_warn("listen on %s", name);
		} else {
			log_info("listening on %s", name);
		}
	}
	if (ret)
		tp_exit();
	return ret;
}

void tp_exit(void)
{
	udp_exit();
	tcp_exit();
}

void tp_set_limits(uint32_t idle_s, uint32_t max_conns)
{
	tcp_set_limits(idle_s, max_conns);
}

int tp_send(const struct sip_peer *peer, const void *buf, size_t len)
{
	if (len > TP_MAX_MSG)
		return -EMSGSIZE;
	switch (peer->proto) {
	case TP_UDP:
		return udp_send(peer, buf, len);
	case TP_TCP:
	case TP_TLS:
		return tcp_send(peer, buf, len);
	default:
		return -EPROTONOSUPPORT;
	}
}
