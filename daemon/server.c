// SPDX-License-Identifier: GPL-2.0
/*
 * The first stop of every received message: parse, rate-limit, stamp the
 * Via, make the RFC 3261 §16.3 checks, answer what is addressed to the
 * proxy itself, and hand the rest to the proxy core's hooks.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "event.h"
#include "log.h"
#include "server.h"
#include "sip/reply.h"

#define MAX_LOCAL 64
#define RL_SETS 1024
#define RL_WAYS 4
#define RETRY_AFTER "1" /* a token refills within a second at any rate */

struct server_stats server_stats;

/* None yet: each extension is claimed by the module that implements it. */
const char *const server_option_tags[] = { NULL };

static const struct config *cfg;
static union tp_addr locals[MAX_LOCAL];
static unsigned int nlocals;

enum rl_verdict { RL_PASS, RL_REJECT, RL_DROP };

/*
 * Two token buckets per source address, in thousandths of a message: one
 * for the messages it may send, one for the 503s it may get once over
 * the limit, so a flood is not reflected back message for message.  A
 * set-associative table bounds the memory; a new source evicts the
 * quietest of its set, which at worst forgets a flooder's debt.
 */
struct rl_entry {
	uint8_t family;
	uint8_t addr[16];
	uint64_t last_ms;
	uint64_t tokens;
	uint64_t rtokens;
};

static struct rl_entry rl[RL_SETS][RL_WAYS];
static uint32_t rl_seed;

static void add_local(const struct sockaddr *sa)
{
	union tp_addr *a = &locals[nlocals];

	if (nlocals == MAX_LOCAL)
		return;
	if (sa->sa_family == AF_INET)
		memcpy(&a->sin, sa, sizeof(a->sin));
	else if (sa->sa_family == AF_INET6)
		memcpy(&a->sin6, sa, sizeof(a->sin6));
	else
		return;
	nlocals++;
}

/* Our addresses: every interface's (the listeners may be wildcards). */
static void find_locals(void)
{
	struct ifaddrs *ifs, *i;

	nlocals = 0;
	for (unsigned int k = 0; k < cfg->nlisten; k++)
		add_local((const struct sockaddr *)&cfg->listen[k].addr);
	if (getifaddrs(&ifs)) {
		log_warn("getifaddrs");
		return;
	}
	for (i = ifs; i; i = i->ifa_next)
		if (i->ifa_addr)
			add_local(i->ifa_addr);
	freeifaddrs(ifs);
}

void server_configure(const struct config *c)
{
	cfg = c;
	find_locals();
	if (!rl_seed && getrandom(&rl_seed, sizeof(rl_seed), 0) < 0)
		rl_seed = (uint32_t)ev_now_ms() | 1;
}

void server_exit(void)
{
	cfg = NULL;
	memset(rl, 0, sizeof(rl));
}

static bool port_ok(uint16_t port)
{
	if (!port)
		return true;
	for (unsigned int i = 0; i < cfg->nlisten; i++)
		if (tp_addr_port((const union tp_addr *)&cfg->listen[i].addr) ==
		    port)
			return true;
	return false;
}

static bool addr_local(const struct sip_uri *u)
{
	char buf[INET6_ADDRSTRLEN];
	union tp_addr a = { 0 };
	struct sip_str h = u->host;

	if (u->host_type == SIP_HOST_IPV6) {
		h = sip_str_make(h.s + 1, h.len - 2);
		a.sa.sa_family = AF_INET6;
	} else {
		a.sa.sa_family = AF_INET;
	}
	if (h.len >= sizeof(buf))
		return false;
	sip_str_copy(buf, sizeof(buf), h);
	if (inet_pton(a.sa.sa_family, buf,
		      a.sa.sa_family == AF_INET6 ?
			      (void *)&a.sin6.sin6_addr :
			      (void *)&a.sin.sin_addr) != 1)
		return false;
	for (unsigned int i = 0; i < nlocals; i++)
		if (tp_addr_ip_eq(&a, &locals[i]))
			return true;
	return false;
}

bool server_is_domain(struct sip_str host)
{
	for (unsigned int i = 0; cfg && i < cfg->ndomains; i++)
		if (sip_str_caseeq_lit(host, cfg->domains[i]))
			return true;
	return false;
}

bool server_is_local(const struct sip_uri *u)
{
	if (!cfg || (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS))
		return false;
	if (!port_ok(u->port))
		return false;
	if (server_is_domain(u->host))
		return true;
	return (u->host_type == SIP_HOST_IPV4 ||
		u->host_type == SIP_HOST_IPV6) &&
	       addr_local(u);
}

static struct rl_entry *rl_find(const union tp_addr *a, uint64_t now)
{
	const uint8_t *key = a->sa.sa_family == AF_INET6 ?
				     a->sin6.sin6_addr.s6_addr :
				     (const uint8_t *)&a->sin.sin_addr;
	size_t n = a->sa.sa_family == AF_INET6 ? 16 : 4;
	uint32_t h = 2166136261u ^ rl_seed;
	struct rl_entry *set, *e, *victim;

	for (size_t i = 0; i < n; i++)
		h = (h ^ key[i]) * 16777619u;
	set = rl[h & (RL_SETS - 1)];
	victim = &set[0];
	for (e = set; e < set + RL_WAYS; e++) {
		if (e->family == a->sa.sa_family && !memcmp(e->addr, key, n))
			return e;
		if (e->last_ms < victim->last_ms)
			victim = e;
	}
	memset(victim, 0, sizeof(*victim));
	victim->family = a->sa.sa_family;
	memcpy(victim->addr, key, n);
	victim->last_ms = now;
	victim->tokens = victim->rtokens = (uint64_t)cfg->rate_burst * 1000;
	return victim;
}

static enum rl_verdict rl_check(const struct sip_peer *p)
{
	uint64_t now = ev_now_ms(), cap, add;
	struct rl_entry *e;

	if (!cfg || !cfg->rate_limit)
		return RL_PASS;
	e = rl_find(&p->addr, now);
	cap = (uint64_t)cfg->rate_burst * 1000;
	add = (now - e->last_ms) * cfg->rate_limit;
	e->last_ms = now;
	e->tokens = e->tokens + add > cap ? cap : e->tokens + add;
	e->rtokens = e->rtokens + add > cap ? cap : e->rtokens + add;
	if (e->tokens >= 1000) {
		e->tokens -= 1000;
		return RL_PASS;
	}
	if (e->rtokens >= 1000) {
		e->rtokens -= 1000;
		return RL_REJECT;
	}
	return RL_DROP;
}

/* FNV-1a over the request's identity: the same tag for a retransmission. */
void server_to_tag(const struct sip_msg *m, char *buf, size_t size)
{
	const struct sip_str parts[] = { m->call_id, m->from.tag, m->via.branch,
					 m->cseq.method_s };
	uint64_t h = 14695981039346656037ull ^ m->cseq.num;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (uint32_t k = 0; k < parts[i].len; k++)
			h = (h ^ (uint8_t)parts[i].s[k]) * 1099511628211ull;
	snprintf(buf, size, "%016llx", (unsigned long long)h);
}

void server_resp_peer(const struct sip_msg *req, const struct sip_peer *src,
		      struct sip_peer *dst)
{
	*dst = *src;
	/* RFC 3581 §4: with rport, back to the source port; else sent-by's */
	if (src->proto != TP_UDP || !req->nvia || req->via.rport)
		return;
	if (dst->addr.sa.sa_family == AF_INET6)
		dst->addr.sin6.sin6_port = htons(req->via.port ?: 5060);
	else
		dst->addr.sin.sin_port = htons(req->via.port ?: 5060);
}

int server_send_anew(const struct sip_msg *req, struct sip_peer *dst,
		     const char *buf, size_t len)
{
	uint16_t port = req->via.port ?: (dst->proto == TP_TLS ? 5061 : 5060);

	dst->conn_id = 0;
	if (dst->addr.sa.sa_family == AF_INET6)
		dst->addr.sin6.sin6_port = htons(port);
	else
		dst->addr.sin.sin_port = htons(port);
	return tp_send(dst, buf, len);
}

int server_reply(const struct sip_msg *req, const struct sip_peer *peer,
		 int status, const char *reason, const char *extra)
{
	static char out[TP_MAX_MSG];
	struct sip_reply r = { .status = status,
			       .reason = reason,
			       .extra = extra };
	struct sip_peer dst;
	char tag[20], name[64];
	ssize_t n;
	int ret;

	server_to_tag(req, tag, sizeof(tag));
	r.to_tag = sip_str_cstr(tag);
	n = sip_reply_write(req, &r, out, sizeof(out));
	if (n < 0) {
		server_stats.send_errors++;
		return n;
	}
	server_resp_peer(req, peer, &dst);
	ret = tp_send(&dst, out, n);
	if (ret == -ENOTCONN && req->nvia)
		ret = server_send_anew(req, &dst, out, n);
	if (ret) {
		server_stats.send_errors++;
		log_debug("%s: sending %d: %s",
			  tp_peer_str(&dst, name, sizeof(name)), status,
			  strerror(-ret));
		return ret;
	}
	server_stats.answered[status / 100 % 7]++;
	log_debug("%s: answered %d", tp_peer_str(&dst, name, sizeof(name)),
		  status);
	return 0;
}

/* "bad Max-Forwards" as a reason phrase: capitalised, only legal octets */
static void reason_of(const char *what, char *buf, size_t size)
{
	size_t n = 0;

	for (; *what && n + 1 < size; what++) {
		unsigned char c = *what;

		/* RFC 3261 §25.1 reason-phrase: no '"', '<', '>', '%' ... */
		if (!isalnum(c) && !strchr(" -_.!~*'();/?:@&=+$,", c))
			continue;
		buf[n] = n ? c : toupper(c);
		n++;
	}
	buf[n] = '\0';
}

/* Warning: 399 sipfpd "bad Max-Forwards at byte 163" (RFC 3261 §20.43) */
static void warning_of(const struct sip_err *err, char *buf, size_t size)
{
	static const char head[] = "Warning: 399 sipfpd \"";
	char hdr[64];
	size_t n;

	snprintf(buf, size, "%s%s", head, err->what);
	n = strlen(buf);
	for (char *p = buf + sizeof(head) - 1; *p; p++)
		if (*p == '"' || *p == '\\')
			*p = '\'';
	if (err->hdr.len && err->hdr.len < sizeof(hdr)) {
		sip_str_copy(hdr, sizeof(hdr), err->hdr);
		for (char *p = hdr; *p; p++)
			if (!isalnum((unsigned char)*p) && *p != '-' &&
			    *p != '_')
				*p = '?';
		if (!strstr(err->what, hdr))
			n += snprintf(buf + n, size - n, " in %s", hdr);
	}
	snprintf(buf + n, size - n, " at byte %u\"\r\n", err->offset);
}

static void stamp(struct sip_msg *m, const struct sip_peer *peer)
{
	char ip[INET6_ADDRSTRLEN];

	tp_addr_ip(&peer->addr, ip, sizeof(ip));
	if (sip_via_stamp(m, ip, tp_addr_port(&peer->addr)) == -ENOSPC)
		log_debug("no room to stamp the Via of a request from %s", ip);
}

static void malformed(struct sip_msg *m, const struct sip_err *err,
		      const struct sip_peer *peer, enum rl_verdict v)
{
	char name[64], reason[128], warn[256];

	server_stats.malformed++;
	log_debug("%s: malformed %s: %s at byte %u",
		  tp_peer_str(peer, name, sizeof(name)),
		  m->is_request ? "request" : "message", err->what,
		  err->offset);
	/* ACK is never answered (§17.2.1); RL_REJECT: a 400 is no 503 */
	if (!err->status || m->method == SIP_ACK || !m->nvia || v != RL_PASS) {
		server_stats.malformed_dropped++;
		return;
	}
	stamp(m, peer);
	warning_of(err, warn, sizeof(warn));
	if (err->status == 400)
		reason_of(err->what, reason, sizeof(reason));
	server_reply(m, peer, err->status, err->status == 400 ? reason : NULL,
		     warn);
}

static bool supported(struct sip_str tok)
{
	for (const char *const *t = server_option_tags; *t; t++)
		if (sip_str_caseeq_lit(tok, *t))
			return true;
	return false;
}

/* §8.2.2.3: as the UAS, every Require tag we lack goes in Unsupported. */
static bool require_ok(struct sip_msg *m, const struct sip_peer *peer)
{
	struct sip_iter it = SIP_ITER_INIT;
	char extra[512] = "Unsupported: ";
	size_t n = strlen(extra), start = n;
	struct sip_str tok;
	int ret;

	while ((ret = sip_token_next(m, SIP_H_REQUIRE, &it, &tok)) == 1) {
		if (supported(tok) || n + tok.len + 5 > sizeof(extra))
			continue;
		n += snprintf(extra + n, sizeof(extra) - n, "%s%.*s",
			      n > start ? ", " : "", SIP_STR_FMT(tok));
	}
	if (ret < 0) {
		server_reply(m, peer, 400, "Bad Require", NULL);
		return false;
	}
	if (n == start)
		return true;
	snprintf(extra + n, sizeof(extra) - n, "\r\n");
	server_reply(m, peer, 420, NULL, extra);
	return false;
}

static void options_reply(struct sip_msg *m, const struct sip_peer *peer)
{
	char extra[512];
	size_t n;

	if (!require_ok(m, peer))
		return;
	n = snprintf(
		extra, sizeof(extra),
		"Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, "
		"PRACK, UPDATE, INFO, MESSAGE, SUBSCRIBE, NOTIFY, REFER\r\n"
		"Supported: ");
	for (const char *const *t = server_option_tags; *t; t++)
		n += snprintf(extra + n, sizeof(extra) - n, "%s%s",
			      t == server_option_tags ? "" : ", ", *t);
	snprintf(extra + n, sizeof(extra) - n,
		 "\r\nAccept: application/sdp\r\n");
	server_reply(m, peer, 200, NULL, extra);
}

static void check_failed(struct sip_msg *m, const struct sip_peer *peer,
			 const struct sip_err *err, struct sip_str unsup)
{
	char extra[256];

	if (err->status == 420) {
		snprintf(extra, sizeof(extra), "Unsupported: %.*s\r\n",
			 (int)(unsup.len < 200 ? unsup.len : 200), unsup.s);
		server_reply(m, peer, 420, NULL, extra);
		return;
	}
	warning_of(err, extra, sizeof(extra));
	server_reply(m, peer, err->status, NULL, extra);
}

static void request(struct sip_msg *m, const struct sip_peer *peer)
{
	struct sip_str unsup = SIP_STR_NULL;
	struct sip_err err = { 0 };

	if (m->method == SIP_ACK) {
		server_request(m, peer);
		return;
	}
	/* §16.3 step 3 lets OPTIONS to us through with Max-Forwards 0 */
	if (m->method == SIP_OPTIONS && !m->ruri.user.len &&
	    server_is_local(&m->ruri)) {
		options_reply(m, peer);
		return;
	}
	if (sip_req_check(m, server_option_tags, &unsup, &err)) {
		check_failed(m, peer, &err, unsup);
		return;
	}
	if (m->method == SIP_REGISTER && server_is_local(&m->ruri) &&
	    !require_ok(m, peer))
		return;
	server_request(m, peer);
}

static void over_limit(struct sip_msg *m, const struct sip_peer *peer)
{
	char name[64];

	if (m->method == SIP_ACK) {
		server_stats.rate_dropped++;
		return;
	}
	server_stats.rate_limited++;
	log_warnx_rl("%s: over %u requests/s, answering 503",
		     tp_peer_str(peer, name, sizeof(name)), cfg->rate_limit);
	server_reply(m, peer, 503, NULL, "Retry-After: " RETRY_AFTER "\r\n");
}

void server_recv(const char *buf, size_t len, const struct sip_peer *peer)
{
	/* one message at a time: the loop is single-threaded */
	static struct sip_msg m;
	int flags = peer->proto == TP_UDP ? 0 : SIP_PARSE_STREAM;
	struct sip_err err;
	enum rl_verdict v;

	server_stats.received++;
	v = rl_check(peer);
	/* over both limits: not worth parsing */
	if (v == RL_DROP) {
		server_stats.rate_dropped++;
		return;
	}
	if (sip_msg_parse(&m, buf, len, flags, &err)) {
		malformed(&m, &err, peer, v);
		return;
	}
	server_stats.parsed++;
	if (!m.is_request) {
		if (v == RL_PASS)
			server_response(&m, peer);
		else
			server_stats.rate_dropped++;
		return;
	}
	stamp(&m, peer);
	if (v == RL_PASS)
		request(&m, peer);
	else
		over_limit(&m, peer);
}

__attribute__((weak)) void server_request(struct sip_msg *m,
					  const struct sip_peer *peer)
{
	if (m->method != SIP_ACK)
		server_reply(m, peer, 404, NULL, NULL);
}

__attribute__((weak)) void server_response(struct sip_msg *m,
					   const struct sip_peer *peer)
{
	char name[64];

	server_stats.stray_responses++;
	log_debug("%s: dropped a %u response to no transaction",
		  tp_peer_str(peer, name, sizeof(name)), m->status);
}

void server_stats_log(void)
{
	const struct server_stats *s = &server_stats;

	log_info("sip: received=%llu parsed=%llu malformed=%llu "
		 "malformed_dropped=%llu stray_responses=%llu "
		 "answered_1xx=%llu answered_2xx=%llu answered_3xx=%llu "
		 "answered_4xx=%llu answered_5xx=%llu answered_6xx=%llu "
		 "rate_limited=%llu rate_dropped=%llu send_errors=%llu",
		 (unsigned long long)s->received, (unsigned long long)s->parsed,
		 (unsigned long long)s->malformed,
		 (unsigned long long)s->malformed_dropped,
		 (unsigned long long)s->stray_responses,
		 (unsigned long long)s->answered[1],
		 (unsigned long long)s->answered[2],
		 (unsigned long long)s->answered[3],
		 (unsigned long long)s->answered[4],
		 (unsigned long long)s->answered[5],
		 (unsigned long long)s->answered[6],
		 (unsigned long long)s->rate_limited,
		 (unsigned long long)s->rate_dropped,
		 (unsigned long long)s->send_errors);
}
