// SPDX-License-Identifier: GPL-2.0
/*
 * The control commands that are not about calls: status, reg, counters
 * and reload, and the table every request is dispatched through.  The
 * counters are the ones SIGUSR1 logs, under the same names.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "control_int.h"
#include "event.h"
#include "keepalive.h"
#include "location.h"
#include "media.h"
#include "proxy.h"
#include "server.h"
#include "tls.h"

typedef void (*ctl_cmd_fn)(struct ctl_conn *c, const struct ctl_req *req);

/* The length of the valid UTF-8 sequence at @s, 0 if there is none. */
static size_t utf8_len(const unsigned char *s)
{
	size_t n = *s < 0x80 ? 1 :
		   *s < 0xc2 ? 0 :
		   *s < 0xe0 ? 2 :
		   *s < 0xf0 ? 3 :
		   *s < 0xf5 ? 4 :
			       0;

	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* overlong three- and four-byte forms, surrogates, past U+10FFFF */
	if ((n == 3 && *s == 0xe0 && s[1] < 0xa0) ||
	    (n == 3 && *s == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && *s == 0xf0 && s[1] < 0x90) ||
	    (n == 4 && *s == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

/* JSON text must be UTF-8; what a phone sent need not be: '?' instead. */
json_object *ctl_str(const char *s)
{
	char buf[1024];
	size_t i = 0, n;

	for (const unsigned char *p = (const unsigned char *)s;
	     *p && i + 5 < sizeof(buf); p += n ? n : 1) {
		n = utf8_len(p);
		if (n) {
			memcpy(buf + i, p, n);
			i += n;
		} else {
			buf[i++] = '?';
		}
	}
	return json_object_new_string_len(buf, i);
}

json_object *ctl_addr(const union tp_addr *a)
{
	char ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];

	if (a->sa.sa_family != AF_INET && a->sa.sa_family != AF_INET6)
		return NULL;
	tp_addr_ip(a, ip, sizeof(ip));
	snprintf(buf, sizeof(buf),
		 a->sa.sa_family == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
		 tp_addr_port(a));
	return json_object_new_string(buf);
}

void ctl_add_u64(json_object *o, const char *key, uint64_t v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static json_object *interfaces(const struct config *cfg)
{
	json_object *a = json_object_new_array(), *o;
	union tp_addr l;

	for (unsigned int i = 0; cfg && i < cfg->nmedia_ifs; i++) {
		o = json_object_new_object();
		memcpy(&l, &cfg->media_ifs[i].local, sizeof(l));
		json_object_object_add(o, "name",
				       ctl_str(cfg->media_ifs[i].name));
		json_object_object_add(o, "address", ctl_addr(&l));
		json_object_object_add(
			o, "fastpath",
			json_object_new_string(media_fastpath()));
		json_object_array_add(a, o);
	}
	return a;
}

static void cmd_status(struct ctl_conn *c, const struct ctl_req *req)
{
	json_object *o = ctl_answer();
	unsigned int calls, answered;

	ctl_count_calls(&calls, &answered);
	json_object_object_add(o, "version",
			       json_object_new_string(SIPFPD_VERSION));
	ctl_add_u64(o, "pid", getpid());
	ctl_add_u64(o, "uptime_s", (ev_now_ms() - ctl_start_ms) / 1000);
	json_object_object_add(o, "fastpath",
			       json_object_new_string(media_fastpath()));
	json_object_object_add(o, "interfaces", interfaces(ctl_cfg));
	ctl_add_u64(o, "transactions", proxy_transactions());
	ctl_add_u64(o, "registrations", proxy_registrations());
	ctl_add_u64(o, "calls", calls);
	ctl_add_u64(o, "calls_answered", answered);
	ctl_add_u64(o, "calls_total", media_stats.started);
	ctl_send(c, req, o);
}

struct reg_walk {
	struct ctl_conn *c;
	const struct ctl_req *req;
	time_t now;
	unsigned int n;
};

static void add_str(json_object *o, const char *key, const char *v)
{
	if (v)
		json_object_object_add(o, key, ctl_str(v));
}

static int reg_one(const struct binding *b, void *arg)
{
	struct reg_walk *w = arg;
	json_object *o;
	union tp_addr src;

	if (b->expires_at <= w->now)
		return 0;
	o = json_object_new_object();
	add_str(o, "aor", b->aor);
	add_str(o, "contact", b->contact);
	ctl_add_u64(o, "expires_s", b->expires_at - w->now);
	if (b->q >= 0)
		json_object_object_add(o, "q",
				       json_object_new_double(b->q / 1000.0));
	json_object_object_add(o, "transport",
			       json_object_new_string(loc_transport_name(
				       b->received.transport)));
	if (!tp_addr_set(&src, b->received.ip, b->received.port))
		json_object_object_add(o, "source", ctl_addr(&src));
	json_object_object_add(o, "nat", json_object_new_boolean(b->nated));
	add_str(o, "user_agent", b->user_agent);
	add_str(o, "instance", b->instance);
	if (b->reg_id >= 0)
		ctl_add_u64(o, "reg_id", b->reg_id);
	add_str(o, "path", b->path);
	add_str(o, "call_id", b->call_id);
	ctl_add_u64(o, "cseq", b->cseq);
	ctl_send(w->c, w->req, o);
	w->n++;
	return 0;
}

static void cmd_reg(struct ctl_conn *c, const struct ctl_req *req)
{
	struct reg_walk w = { .c = c, .req = req, .now = time(NULL) };

	proxy_bindings(reg_one, &w);
	ctl_end(c, req, w.n);
}

#define U64(o, s, f) ctl_add_u64(o, #f, (s)->f)

static json_object *server_counters(void)
{
	const struct server_stats *s = &server_stats;
	json_object *o = json_object_new_object(), *a;

	U64(o, s, received);
	U64(o, s, parsed);
	U64(o, s, malformed);
	U64(o, s, malformed_dropped);
	U64(o, s, stray_responses);
	a = json_object_new_array();
	for (int i = 1; i < 7; i++)
		json_object_array_add(a,
				      json_object_new_uint64(s->answered[i]));
	json_object_object_add(o, "answered_1xx_to_6xx", a);
	U64(o, s, rate_limited);
	U64(o, s, rate_dropped);
	U64(o, s, send_errors);
	return o;
}

static json_object *proxy_counters(void)
{
	const struct proxy_stats *s = &proxy_stats;
	json_object *o = json_object_new_object();

	U64(o, s, forwarded);
	U64(o, s, forwarded_stateless);
	U64(o, s, responses);
	U64(o, s, responses_stateless);
	U64(o, s, registers);
	U64(o, s, challenged);
	U64(o, s, auth_failed);
	U64(o, s, relay_denied);
	U64(o, s, not_found);
	U64(o, s, loops);
	U64(o, s, cancelled);
	U64(o, s, txn_full);
	U64(o, s, dropped);
	ctl_add_u64(o, "transactions", proxy_transactions());
	ctl_add_u64(o, "registrations", proxy_registrations());
	return o;
}

static json_object *media_counters(void)
{
	const struct media_stats *s = &media_stats;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "fastpath",
			       json_object_new_string(media_fastpath()));
	U64(o, s, sessions);
	U64(o, s, started);
	U64(o, s, ended);
	U64(o, s, refused);
	U64(o, s, bad_sdp);
	U64(o, s, no_ports);
	U64(o, s, timeouts);
	return o;
}

static json_object *transport_counters(void)
{
	const struct tp_stats *s = &tp_stats;
	json_object *o = json_object_new_object();

	U64(o, s, udp_rx);
	U64(o, s, udp_tx);
	U64(o, s, udp_truncated);
	U64(o, s, udp_keepalives);
	U64(o, s, udp_tx_errors);
	U64(o, s, tcp_accepted);
	U64(o, s, tcp_refused);
	U64(o, s, tcp_connected);
	U64(o, s, tcp_connect_failed);
	U64(o, s, tcp_conns);
	U64(o, s, tcp_rx);
	U64(o, s, tcp_tx);
	U64(o, s, tcp_pings);
	U64(o, s, tcp_idle_closed);
	U64(o, s, tcp_framing_errors);
	U64(o, s, tcp_overflows);
	return o;
}

static json_object *keepalive_counters(void)
{
	const struct keepalive_stats *s = &keepalive_stats;
	json_object *o = json_object_new_object();

	U64(o, s, sent);
	U64(o, s, answered);
	U64(o, s, skipped);
	U64(o, s, send_errors);
	U64(o, s, missed);
	U64(o, s, unresponsive);
	U64(o, s, stray);
	U64(o, &tls_stats, handshakes);
	ctl_add_u64(o, "tls_failed", tls_stats.failed);
	return o;
}

/* Packets, bytes and drops by the path that carried them. */
static json_object *path_counters(void)
{
	static const char *const names[MEDIA_NPATHS] = { "none", "relay",
							 "kmod", "xdp" };
	struct media_totals t;
	json_object *o = json_object_new_object(), *p;
	struct media_total sum;

	media_totals(&t);
	for (int i = 0; i < MEDIA_NPATHS; i++) {
		memset(&sum, 0, sizeof(sum));
		for (int k = 0; k < MEDIA_TOTAL_IFS; k++) {
			sum.flows += t.t[i][k].flows;
			sum.packets += t.t[i][k].packets;
			sum.bytes += t.t[i][k].bytes;
			sum.drops += t.t[i][k].drops;
		}
		p = json_object_new_object();
		ctl_add_u64(p, "packets", sum.packets);
		ctl_add_u64(p, "bytes", sum.bytes);
		ctl_add_u64(p, "drops", sum.drops);
		ctl_add_u64(p, "flows_ended", sum.flows);
		json_object_object_add(o, names[i], p);
	}
	return o;
}

static void cmd_counters(struct ctl_conn *c, const struct ctl_req *req)
{
	json_object *o = ctl_answer(), *x = json_object_new_object();

	json_object_object_add(o, "server", server_counters());
	json_object_object_add(o, "proxy", proxy_counters());
	json_object_object_add(o, "media", media_counters());
	json_object_object_add(o, "paths", path_counters());
	json_object_object_add(o, "transport", transport_counters());
	json_object_object_add(o, "keepalive", keepalive_counters());
	U64(x, &ctl_stats, accepted);
	U64(x, &ctl_stats, refused);
	U64(x, &ctl_stats, requests);
	U64(x, &ctl_stats, errors);
	U64(x, &ctl_stats, too_long);
	U64(x, &ctl_stats, overflows);
	json_object_object_add(o, "control", x);
	ctl_send(c, req, o);
}

static void cmd_reload(struct ctl_conn *c, const struct ctl_req *req)
{
	char err[512] = "";
	json_object *o;

	if (!ctl_reload) {
		ctl_error(c, req, "EOPNOTSUPP", "this sipfpd cannot reload");
		return;
	}
	if (ctl_reload(err, sizeof(err))) {
		ctl_error(c, req, "EINVAL",
			  "%s; kept the running configuration", err);
		return;
	}
	o = ctl_answer();
	json_object_object_add(o, "reloaded", json_object_new_boolean(1));
	ctl_send(c, req, o);
}

static const ctl_cmd_fn cmds[CTL_NCMDS] = {
	[CTL_STATUS] = cmd_status, [CTL_REG] = cmd_reg,
	[CTL_CALLS] = ctl_calls,   [CTL_CALL] = ctl_calls,
	[CTL_FLOWS] = ctl_flows,   [CTL_HANGUP] = ctl_hangup,
	[CTL_RELOAD] = cmd_reload, [CTL_COUNTERS] = cmd_counters,
	[CTL_MONITOR] = ctl_monitor,
};

void ctl_dispatch(struct ctl_conn *c, const struct ctl_req *req)
{
	cmds[req->cmd](c, req);
}
