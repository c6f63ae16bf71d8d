// SPDX-License-Identifier: GPL-2.0
/*
 * Where a request goes (RFC 3261 §16.4-16.6), and the Via and
 * Record-Route entries that bring the rest of the transaction and the
 * dialog back through this proxy.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proxy_int.h"
#include "server.h"
#include "tls.h"
#include "sip/parse.h"
#include "users.h"

static bool proto_of(const struct sip_uri *u, uint8_t *proto)
{
	*proto = u->scheme == SIP_URI_SIPS ? TP_TLS : TP_UDP;
	if (!u->transport.len)
		return true;
	if (sip_str_caseeq_lit(u->transport, "udp"))
		*proto = u->scheme == SIP_URI_SIPS ? TP_TLS : TP_UDP;
	else if (sip_str_caseeq_lit(u->transport, "tcp"))
		*proto = u->scheme == SIP_URI_SIPS ? TP_TLS : TP_TCP;
	else if (sip_str_caseeq_lit(u->transport, "tls"))
		*proto = TP_TLS;
	else
		return false;
	return true;
}

/*
 * Names go through the resolver (A/AAAA from /etc/hosts or DNS, no
 * RFC 3263 SRV/NAPTR): a contact with a name is reached at the address
 * it registered from instead, so this serves configured routes and the
 * rare in-dialog target with a name.
 */
static int resolve_name(const char *host, union tp_addr *a, uint16_t port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_DGRAM,
				  .ai_flags = AI_ADDRCONFIG };
	struct addrinfo *res;
	int ret;

	ret = getaddrinfo(host, NULL, &hints, &res);
	if (ret) {
		log_debug("resolving %s: %s", host, gai_strerror(ret));
		return -EHOSTUNREACH;
	}
	memset(a, 0, sizeof(*a));
	memcpy(a, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (a->sa.sa_family == AF_INET6)
		a->sin6.sin6_port = htons(port);
	else
		a->sin.sin_port = htons(port);
	return 0;
}

int route_resolve(const struct sip_uri *u, struct sip_peer *dst)
{
	struct sip_str h = u->maddr.len ? u->maddr : u->host;
	char host[256];
	uint16_t port;
	uint8_t proto;

	if ((u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS) ||
	    !proto_of(u, &proto) || !h.len || h.len + 1 > sizeof(host))
		return -EINVAL;
	if (h.s[0] == '[')
		h = sip_str_make(h.s + 1, h.len - 2);
	sip_str_copy(host, sizeof(host), h);
	port = u->port ?: (proto == TP_TLS ? 5061 : 5060);
	memset(dst, 0, sizeof(*dst));
	dst->proto = proto;
	if (!tp_addr_set(&dst->addr, host, port))
		return 0;
	if (resolve_name(host, &dst->addr, port))
		return -EHOSTUNREACH;
	/* RFC 5922 §7.1: a TLS server is checked against the name we used */
	if (proto == TP_TLS && !u->maddr.len)
		tls_peer_name(&dst->addr, host);
	return 0;
}

/* "+44 (20) 7946-0000" dials as "+442079460000" (RFC 3966 visual) */
static bool number_of(struct sip_str user, char *out, size_t size)
{
	size_t n = 0;

	for (uint32_t i = 0; i < user.len; i++) {
		char c = user.s[i];

		if (c == '-' || c == '.' || c == '(' || c == ')')
			continue;
		if (!(isdigit((unsigned char)c) || (c == '+' && !n)) ||
		    n + 1 >= size)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n && strcmp(out, "+");
}

const struct cfg_route *route_prefix(const struct sip_msg *m)
{
	const struct config *cfg = px.cfg;
	const struct cfg_route *best = NULL;
	size_t best_len = 0;
	char num[64];

	if (!number_of(m->ruri.user, num, sizeof(num)))
		return NULL;
	for (unsigned int i = 0; i < cfg->nroutes; i++) {
		const struct cfg_route *r = &cfg->routes[i];
		size_t n = strlen(r->prefix);

		if (!strcmp(r->prefix, "*")) {
			if (!best)
				best = r;
			continue;
		}
		if (n > best_len && !strncmp(num, r->prefix, n)) {
			best = r;
			best_len = n;
		}
	}
	return best;
}

void targets_free(struct target *t, unsigned int n)
{
	for (unsigned int i = 0; t && i < n; i++) {
		free(t[i].ruri);
		free(t[i].path);
	}
	free(t);
}

static int first_path_hop(const char *path, struct sip_peer *dst)
{
	const char *lt = strchr(path, '<'), *gt;
	struct sip_uri u;
	struct sip_err err;

	if (!lt || !(gt = strchr(lt, '>')) ||
	    sip_uri_parse(&u, lt + 1, gt - lt - 1, &err))
		return -EINVAL;
	return route_resolve(&u, dst);
}

static int binding_target(const struct binding *b, struct target *t)
{
	struct sip_uri u;
	struct sip_err err;

	t->q = b->q;
	t->ruri = strdup(b->contact);
	t->path = b->path && *b->path ? strdup(b->path) : NULL;
	if (!t->ruri || (b->path && *b->path && !t->path))
		return -ENOMEM;
	if (t->path)
		return first_path_hop(t->path, &t->dst);
	/* behind NAT, or a name: where it registered from (§ RFC 3581) */
	if (b->nated || sip_uri_parse(&u, b->contact, strlen(b->contact),
				      &err) ||
	    (u.host_type != SIP_HOST_IPV4 && u.host_type != SIP_HOST_IPV6)) {
		memset(&t->dst, 0, sizeof(t->dst));
		t->dst.proto = b->received.transport;
		t->dst.conn_id = b->conn_id;
		/* after a restart: the phone's own connection, or none */
		if (b->nated && !b->conn_id && t->dst.proto != TP_UDP)
			t->dst.conn_id = TP_CONN_EXISTING;
		return tp_addr_set(&t->dst.addr, b->received.ip,
				b->received.port);
	}
	return route_resolve(&u, &t->dst);
}

/*
 * The bindings of a served domain's user.  A Request-URI with one of our
 * addresses instead of a domain (phones set up with the box's address)
 * means the same user in a served domain.
 */
static int lookup(const struct sip_uri *ruri, char *aor, size_t size,
		  const struct binding **b)
{
	struct sip_uri u = *ruri;
	int nb = -1;

	if (loc_aor_make(&u, aor, size) >= 0)
		nb = loc_lookup(px.loc, aor, time(NULL), b, PROXY_MAX_TARGETS);
	if (nb > 0 || (u.host_type != SIP_HOST_IPV4 &&
		       u.host_type != SIP_HOST_IPV6))
		return nb;
	for (unsigned int i = 0; i < px.cfg->ndomains; i++) {
		u.host = sip_str_cstr(px.cfg->domains[i]);
		u.host_type = SIP_HOST_NAME;
		if (loc_aor_make(&u, aor, size) < 0)
			continue;
		nb = loc_lookup(px.loc, aor, time(NULL), b, PROXY_MAX_TARGETS);
		if (nb > 0)
			return nb;
	}
	return nb;
}

static int local_targets(const struct sip_msg *m, struct target **out,
			 unsigned int *n)
{
	const struct binding *b[PROXY_MAX_TARGETS];
	struct target *t;
	char aor[LOC_MAX_AOR];
	int nb, k = 0;

	nb = lookup(&m->ruri, aor, sizeof(aor), b);
	if (nb <= 0)
		return px.users && users_find(px.users, m->ruri.user,
					      sip_str_cstr(px.cfg->realm)) ?
			       480 :
			       404;
	if (nb > PROXY_MAX_TARGETS)
		nb = PROXY_MAX_TARGETS;
	t = calloc(nb, sizeof(*t));
	if (!t)
		return 500;
	for (int i = 0; i < nb; i++) {
		if (binding_target(b[i], &t[k]) == -ENOMEM) {
			targets_free(t, k + 1);
			return 500;
		}
		if (t[k].dst.addr.sa.sa_family) {
			k++;
		} else {
			log_debug("%s: no way to reach %s", aor,
				  b[i]->contact);
			free(t[k].ruri);
			free(t[k].path);
			memset(&t[k], 0, sizeof(t[k]));
		}
	}
	if (!k) {
		free(t);
		return 480;
	}
	*out = t;
	*n = k;
	return 0;
}

static int prefix_target(const struct cfg_route *r, struct target **out,
			 unsigned int *n)
{
	struct target *t = calloc(1, sizeof(*t));
	struct sip_uri u;
	struct sip_err err;

	if (!t)
		return 500;
	t->q = -1;
	/* checked at load; a name that stopped resolving is the trunk's */
	if (sip_uri_parse(&u, r->next_hop, strlen(r->next_hop), &err) ||
	    route_resolve(&u, &t->dst)) {
		log_warnx_rl("route %s: cannot reach %s", r->prefix,
			     r->next_hop);
		free(t);
		return 503;
	}
	*out = t;
	*n = 1;
	return 0;
}

int route_targets(const struct sip_msg *m, struct target **out,
		  unsigned int *n, bool *trunk)
{
	const struct cfg_route *r = route_prefix(m);
	int status = 403;

	*trunk = false;
	if (server_is_local(&m->ruri)) {
		if (!m->ruri.user.len)
			return 404;
		status = local_targets(m, out, n);
		if (!status || !r)
			return status;
	}
	if (!r)
		return status;
	*trunk = true;
	return prefix_target(r, out, n);
}

bool route_is_ours(struct sip_str host, uint8_t host_type, uint16_t port)
{
	struct sip_uri u = { .scheme = SIP_URI_SIP,
			     .host = host,
			     .host_type = host_type,
			     .port = port };

	return server_is_local(&u);
}

void route_loop_hash(const struct sip_msg *m, char out[9])
{
	struct sip_str parts[] = { m->ruri_s, m->to.tag, m->from.tag,
				   m->call_id, m->cseq.method_s };
	uint32_t h = 2166136261u ^ m->cseq.num;
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_str tok;

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		for (uint32_t k = 0; k < parts[i].len; k++)
			h = (h ^ (uint8_t)parts[i].s[k]) * 16777619u;
	while (sip_token_next(m, SIP_H_PROXY_REQUIRE, &it, &tok) == 1)
		for (uint32_t k = 0; k < tok.len; k++)
			h = (h ^ (uint8_t)tok.s[k]) * 16777619u;
	for (int i = 7; i >= 0; i--, h >>= 4)
		out[i] = "0123456789abcdef"[h & 15];
	out[8] = '\0';
}

bool route_is_loop(const struct sip_msg *m)
{
	const size_t ml = sizeof(PROXY_BRANCH_MAGIC) - 1;
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_via v;
	char hash[9];
	bool have = false;

	while (sip_via_next(m, &it, &v) == 1) {
		if (v.branch.len < ml + 8 ||
		    strncmp(v.branch.s, PROXY_BRANCH_MAGIC, ml) ||
		    !route_is_ours(v.host, v.host_type, v.port))
			continue;
		if (!have) {
			route_loop_hash(m, hash);
			have = true;
		}
		if (!memcmp(v.branch.s + ml, hash, 8))
			return true;
	}
	return false;
}

int route_rr_init(void)
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
						 "SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);

	/* keyed once: a token then costs no fetch and no allocation */
	px.rr_mac = mac ? EVP_MAC_CTX_new(mac) : NULL;
	EVP_MAC_free(mac);
	if (!px.rr_mac || !EVP_MAC_init(px.rr_mac, px.rr_key,
					sizeof(px.rr_key), params)) {
		log_warnx("Record-Route key: HMAC-SHA256 unavailable");
		route_rr_exit();
		return -1;
	}
	return 0;
}

void route_rr_exit(void)
{
	EVP_MAC_CTX_free(px.rr_mac);
	px.rr_mac = NULL;
}

int route_rr_token(struct sip_str call_id, char out[17])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	size_t len = 0;

	/* a NULL key reuses the one set by route_rr_init() */
	if (!EVP_MAC_init(px.rr_mac, NULL, 0, NULL) ||
	    !EVP_MAC_update(px.rr_mac, (const unsigned char *)call_id.s,
			    call_id.len) ||
	    !EVP_MAC_final(px.rr_mac, md, &len, sizeof(md)) || len < 8)
		return -EIO;
	for (int i = 0; i < 8; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[16] = '\0';
	return 0;
}

static bool token_ok(const struct sip_uri *u, struct sip_str call_id)
{
	struct sip_str v;
	char tok[17];

	if (!sip_uri_param(u, "sfp", &v) || v.len != 16 ||
	    route_rr_token(call_id, tok))
		return false;
	return !strncmp(v.s, tok, 16);
}

static bool uri_is_ours(const struct sip_uri *u)
{
	return (u->scheme == SIP_URI_SIP || u->scheme == SIP_URI_SIPS) &&
	       !u->user.len && route_is_ours(u->host, u->host_type, u->port);
}

/* A strict router put our Record-Route in the Request-URI (§16.4). */
static void undo_strict(struct sip_msg *m)
{
	struct sip_iter it = SIP_ITER_INIT, last_it;
	struct sip_nameaddr na, last;
	struct sip_hdr *h;
	int n = 0;

	while (sip_nameaddr_next(m, SIP_H_ROUTE, &it, &na) == 1) {
		last = na;
		last_it = it;
		n++;
	}
	if (!n)
		return;
	sip_set_ruri(m, last.uri.raw);
	h = &m->hdr[last_it.hdr];
	if (last.raw.s == sip_skip_lws(h->value.s, h->value.s + h->value.len)) {
		sip_hdr_del(m, last_it.hdr);
		return;
	}
	/* drop ", <last>" from the end of its line */
	sip_hdr_set(m, last_it.hdr,
		    sip_str_make(h->value.s,
				 sip_trim_lws(h->value.s, last.raw.s) -
					 h->value.s - 1));
}

bool route_preprocess(struct sip_msg *m)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_nameaddr na;
	bool dialog = false;

	if (uri_is_ours(&m->ruri) && token_ok(&m->ruri, m->call_id) &&
	    m->first[SIP_H_ROUTE] >= 0) {
		undo_strict(m);
		dialog = true;
	}
	/* the iterators see pops: start over after each */
	while (sip_nameaddr_next(m, SIP_H_ROUTE, &it, &na) == 1 &&
	       uri_is_ours(&na.uri)) {
		dialog |= token_ok(&na.uri, m->call_id);
		if (sip_route_pop(m))
			break;
		it = (struct sip_iter)SIP_ITER_INIT;
	}
	return dialog;
}

int route_next_hop(struct sip_msg *m, struct sip_peer *dst)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_nameaddr na;
	char buf[LOC_MAX_URI + 2];

	if (sip_nameaddr_next(m, SIP_H_ROUTE, &it, &na) != 1)
		return route_resolve(&m->ruri, dst);
	if (na.uri.lr)
		return route_resolve(&na.uri, dst);
	/* §16.6 step 6: the next hop is a strict router */
	if (m->ruri_s.len + 2 >= sizeof(buf))
		return -EINVAL;
	snprintf(buf, sizeof(buf), "<%.*s>", SIP_STR_FMT(m->ruri_s));
	if (sip_hdr_add(m, -1, SIP_H_ROUTE, sip_str_cstr(buf)) ||
	    sip_set_ruri(m, na.uri.raw) || sip_route_pop(m))
		return -ENOSPC;
	return route_resolve(&na.uri, dst);
}

static const char *const tp_names[] = { "UDP", "TCP", "TLS" };

int route_push_via(struct sip_msg *m, const struct sip_peer *dst,
		   const char *branch)
{
	char host[INET6_ADDRSTRLEN + 2], via[256];
	uint16_t port;

	if (tp_sent_by(px.cfg, dst, host, sizeof(host), &port))
		return -EHOSTUNREACH;
	snprintf(via, sizeof(via), "SIP/2.0/%s %s:%u;branch=%s",
		 tp_names[dst->proto], host, port, branch);
	return sip_via_push(m, sip_str_cstr(via));
}

static int rr_value(const struct sip_msg *m, const struct sip_peer *p,
		    char *buf, size_t size)
{
	static const char *const tparam[] = { "", ";transport=tcp",
					      ";transport=tls" };
	char host[INET6_ADDRSTRLEN + 2], tok[17];
	uint16_t port;

	if (tp_sent_by(px.cfg, p, host, sizeof(host), &port) ||
	    route_rr_token(m->call_id, tok))
		return -EHOSTUNREACH;
	snprintf(buf, size, "<sip:%s:%u%s;lr;sfp=%s>", host, port,
		 tparam[p->proto], tok);
	return 0;
}

/*
 * One entry when both sides reach us at the same address and transport;
 * else two (RFC 5658), the outbound side's on top, where the callee's
 * route set starts.
 */
int route_push_rr(struct sip_msg *m, const struct sip_peer *in,
		  const struct sip_peer *out)
{
	char a[300], b[300];

	if (rr_value(m, in, a, sizeof(a)) || rr_value(m, out, b, sizeof(b)))
		return -EHOSTUNREACH;
	/* pushes land above the received entries in the order made */
	if (strcmp(a, b) && sip_rr_push(m, sip_str_cstr(b)))
		return -ENOSPC;
	return sip_rr_push(m, sip_str_cstr(a)) ? -ENOSPC : 0;
}

static bool nated(const struct sip_uri *u, const struct sip_peer *src)
{
	union tp_addr a;
	char ip[INET6_ADDRSTRLEN];
	struct sip_str h = u->host;

	if (u->host_type != SIP_HOST_IPV4 && u->host_type != SIP_HOST_IPV6)
		return false;
	if (u->host_type == SIP_HOST_IPV6)
		h = sip_str_make(h.s + 1, h.len - 2);
	if (h.len >= sizeof(ip))
		return false;
	sip_str_copy(ip, sizeof(ip), h);
	if (tp_addr_set(&a, ip, u->port ?: 5060))
		return false;
	if (!tp_addr_ip_eq(&a, &src->addr))
		return true;
	/* a stream's source port is ephemeral: it says nothing */
	return src->proto == TP_UDP && !tp_addr_eq(&a, &src->addr);
}

/* The URI's parameters without transport=, which the new one sets. */
static size_t other_params(struct sip_str params, char *out, size_t size)
{
	uint32_t pos = 0;
	size_t n = 0;

	out[0] = '\0';
	while (pos < params.len && n + 1 < size) {
		const char *s = params.s + pos;
		const char *e = memchr(s, ';', params.len - pos);
		size_t len = e ? (size_t)(e - s) : params.len - pos;

		if (len && strncasecmp(s, "transport=", 10) &&
		    n + len + 2 < size)
			n += snprintf(out + n, size - n, ";%.*s", (int)len, s);
		pos += len + 1;
	}
	return n;
}

bool route_fix_contact(struct sip_msg *m, const struct sip_peer *src)
{
	static const char *const tparam[] = { "", ";transport=tcp",
					      ";transport=tls" };
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c, more;
	char ip[INET6_ADDRSTRLEN], params[512], val[1200];
	int idx = m->first[SIP_H_CONTACT];

	/*
	 * A request that came through another proxy has that proxy as its
	 * source: the Contact is the phone's business and its own proxy's.
	 */
	if (!m->status && m->nvia != 1)
		return false;
	/* one Contact (a dialog's remote target), nothing else */
	if (idx < 0 || sip_contact_next(m, &it, &c) != 1 || c.star ||
	    sip_contact_next(m, &it, &more) != 0 || !nated(&c.na.uri, src))
		return false;
	tp_addr_ip(&src->addr, ip, sizeof(ip));
	other_params(c.na.uri.params, params, sizeof(params));
	snprintf(val, sizeof(val), "%s%.*s%s<%.*s:%.*s%s%s%s%s:%u%s%s>%s%.*s",
		 c.na.quoted ? "\"" : "", SIP_STR_FMT(c.na.display),
		 c.na.quoted ? "\" " : (c.na.display.len ? " " : ""),
		 SIP_STR_FMT(c.na.uri.scheme_s), SIP_STR_FMT(c.na.uri.user),
		 c.na.uri.user.len ? "@" : "",
		 src->addr.sa.sa_family == AF_INET6 ? "[" : "", ip,
		 src->addr.sa.sa_family == AF_INET6 ? "]" : "",
		 tp_addr_port(&src->addr), tparam[src->proto], params,
		 c.na.params.len ? ";" : "", SIP_STR_FMT(c.na.params));
	sip_hdr_set(m, idx, sip_str_cstr(val));
	return true;
}
