// SPDX-License-Identifier: GPL-2.0
/*
 * The proxy core's front: each request the receive path lets through is
 * matched to its transaction, or gets one; then the registrar, CANCEL, a
 * stateless ACK, or the authentication and routing decisions before
 * proxy_fwd.c forwards it.  Also the glue to the transaction layer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "keepalive.h"
#include "log.h"
#include "media.h"
#include "proxy.h"
#include "proxy_int.h"
#include "registrar.h"
#include "server.h"
#include "sip/reply.h"
#include "users.h"

#define EXPIRE_MS 10000
#define REG_OUT 32768

struct proxy px;
struct proxy_stats proxy_stats;

_Static_assert(sizeof(struct sip_peer) <= TXN_PEER_SIZE,
	       "a transaction's destination holds a struct sip_peer");

void proxy_dest(struct txn_dest *d, const struct sip_peer *p)
{
	memset(d, 0, sizeof(*d));
	memcpy(d->peer, p, sizeof(*p));
	d->reliable = p->proto != TP_UDP;
}

int proxy_reply(struct txn *st, const struct sip_msg *req, int status,
		const char *reason, const char *extra)
{
	static char buf[TP_MAX_MSG];
	struct sip_reply r = { .status = status,
			       .reason = reason,
			       .extra = extra };
	char tag[20];
	ssize_t n;

	/* §8.2.6.1: a 100 is no dialog's answer, so no To tag */
	if (status > 100) {
		server_to_tag(req, tag, sizeof(tag));
		r.to_tag = sip_str_cstr(tag);
	}
	n = sip_reply_write(req, &r, buf, sizeof(buf));
	if (n < 0)
		return n;
	server_stats.answered[status / 100 % 7]++;
	return txn_respond(st, buf, n);
}

/* §18.2.2: a response whose connection closed goes to the Via's sent-by */
static int send_response_anew(const struct sip_peer *p, const char *buf,
			      size_t len)
{
	static struct sip_msg m;
	struct sip_peer dst = *p;
	struct sip_err err;

	if (sip_msg_parse(&m, buf, len, SIP_PARSE_STREAM, &err) || !m.nvia)
		return -ENOTCONN;
	return server_send_anew(&m, &dst, buf, len);
}

static int txn_send(void *ctx, const struct txn_dest *d, const char *buf,
		    size_t len)
{
	const struct sip_peer *p = (const struct sip_peer *)d->peer;
	int ret;

	(void)ctx;
	ret = tp_send(p, buf, len);
	if (ret == -ENOTCONN && len > 8 && !memcmp(buf, "SIP/2.0 ", 8))
		ret = send_response_anew(p, buf, len);
	return ret;
}

static bool is_client(const struct txn *t)
{
	enum txn_kind k = txn_kind(t);

	return k == TXN_INVITE_CLIENT || k == TXN_NON_INVITE_CLIENT;
}

static void on_timeout(struct txn *t)
{
	if (is_client(t))
		fwd_client_failed(t, 408);
}

/* §16.9: as if the next hop had answered 503 */
static void on_transport_error(struct txn *t)
{
	if (is_client(t))
		fwd_client_failed(t, 503);
}

static void on_terminated(struct txn *t)
{
	if (is_client(t))
		fwd_client_ended(t);
	else
		fwd_server_ended(t);
}

static const struct txn_ops ops = {
	.send = txn_send,
	.on_response = fwd_response,
	.on_timeout = on_timeout,
	.on_transport_error = on_transport_error,
	.on_terminated = on_terminated,
};

/* 401/407 with a fresh challenge, or the refusal the outcome calls for */
static void challenge(struct txn *st, const struct sip_msg *m,
		      const struct digest_result *res, bool proxy,
		      const struct sip_peer *peer)
{
	char extra[1024], name[64];
	bool stale;
	int status = digest_status(res->outcome, proxy, &stale);

	if (res->outcome == DIGEST_BAD_RESPONSE ||
	    res->outcome == DIGEST_UNKNOWN_USER)
		log_warnx_rl("%s: wrong credentials for %s",
			     tp_peer_str(peer, name, sizeof(name)),
			     res->username ?: "an unknown user");
	if (status != 401 && status != 407) {
		proxy_stats.auth_failed++;
		proxy_reply(st, m, status, status == 400 ? res->why : NULL,
			    NULL);
		return;
	}
	if (digest_challenge_algs(px.digest, ev_now_ms(), proxy, stale,
				  res->outcome == DIGEST_BAD_ALGORITHM ?
					  res->algs :
					  0,
				  extra, sizeof(extra)) < 0) {
		proxy_reply(st, m, 500, NULL, NULL);
		return;
	}
	proxy_stats.challenged++;
	proxy_reply(st, m, status, NULL, extra);
}

static void do_register(struct txn *st, struct sip_msg *m,
			const struct sip_peer *peer)
{
	static char buf[REG_OUT];
	struct digest_result res;
	struct peer_info src = { .transport = peer->proto,
				 .port = tp_addr_port(&peer->addr),
				 .conn_id = peer->conn_id };
	const char *user = NULL;
	ssize_t n;

	if (px.cfg->auth_require) {
		if (digest_verify(px.digest, px.users, m, false, ev_now_ms(),
				  &res) != DIGEST_OK) {
			challenge(st, m, &res, false, peer);
			return;
		}
		user = res.username;
	}
	tp_addr_ip(&peer->addr, src.ip, sizeof(src.ip));
	n = registrar_handle(px.reg, m, user, &src, time(NULL), buf,
			     sizeof(buf));
	if (n < 0) {
		proxy_reply(st, m, 500, NULL, NULL);
		return;
	}
	proxy_stats.registers++;
	txn_respond(st, buf, n);
}

static int set_max_forwards(struct sip_msg *m)
{
	char v[12];

	if (m->max_forwards < 0) {
		snprintf(v, sizeof(v), "%u", px.cfg->max_forwards);
		return sip_hdr_add(m, -1, SIP_H_MAX_FORWARDS, sip_str_cstr(v));
	}
	snprintf(v, sizeof(v), "%d", m->max_forwards - 1);
	return sip_hdr_set(m, m->first[SIP_H_MAX_FORWARDS], sip_str_cstr(v));
}

/* Nobody from a trusted network proves anything; else auth_require says. */
static bool must_prove(const struct sip_peer *peer)
{
	return px.cfg->auth_require && !config_trusted(px.cfg, &peer->addr.sa);
}

/*
 * A 407 challenge, or the credentials checked and consumed.
 * Return: true to go on, false when answered.
 */
static bool authenticate(struct txn *st, struct sip_msg *m,
			 const struct sip_peer *peer)
{
	struct digest_result res;

	if (digest_verify(px.digest, px.users, m, true, ev_now_ms(), &res) !=
	    DIGEST_OK) {
		challenge(st, m, &res, true, peer);
		return false;
	}
	/* our user, calling as someone else of ours */
	if (server_is_domain(m->from.uri.host) &&
	    !sip_str_eq(m->from.uri.user, sip_str_cstr(res.username))) {
		proxy_stats.auth_failed++;
		proxy_reply(st, m, 403, "From Does Not Match Credentials",
			    NULL);
		return false;
	}
	/* §22.3: our credentials are for us, not the next hop */
	sip_hdr_del(m, res.hdr);
	return true;
}

static void not_routed(struct txn *st, const struct sip_msg *m, int status)
{
	if (status == 403)
		proxy_stats.relay_denied++;
	else if (status == 404 || status == 480)
		proxy_stats.not_found++;
	proxy_reply(st, m, status,
		    status == 403 ? "Relaying Forbidden" : NULL, NULL);
}

static void forward_in_dialog(struct txn *st, struct sip_msg *m,
			      const struct sip_peer *peer)
{
	struct target *t = calloc(1, sizeof(*t));

	if (!t || route_next_hop(m, &t->dst)) {
		free(t);
		not_routed(st, m, t ? 404 : 500);
		return;
	}
	t->q = -1;
	route_fix_contact(m, peer);
	if (set_max_forwards(m)) {
		free(t);
		proxy_reply(st, m, 500, NULL, NULL);
		return;
	}
	fwd_start(st, m, peer, t, 1, false);
}

/*
 * Who must prove who they are: a caller whose From claims a served
 * domain (our users), before learning whether a user of ours exists;
 * anyone a route would carry out of the box.  Calls from elsewhere to
 * our users need no proof, and nowhere to go is 403 for anyone.
 */
static void do_proxy(struct txn *st, struct sip_msg *m,
		     const struct sip_peer *peer)
{
	struct target *t = NULL;
	unsigned int n = 0;
	bool trunk, proven = false;
	int status;

	if (route_preprocess(m) && m->to.tag.len) {
		forward_in_dialog(st, m, peer);
		return;
	}
	if (must_prove(peer) && server_is_domain(m->from.uri.host) &&
	    server_is_local(&m->ruri)) {
		if (!authenticate(st, m, peer))
			return;
		proven = true;
	}
	status = route_targets(m, &t, &n, &trunk);
	if (status) {
		not_routed(st, m, status);
		return;
	}
	if ((trunk && !proven && must_prove(peer) &&
	     !authenticate(st, m, peer)) ||
	    set_max_forwards(m)) {
		if (!txn_status(st) || txn_status(st) == 100)
			proxy_reply(st, m, 500, NULL, NULL);
		targets_free(t, n);
		return;
	}
	route_fix_contact(m, peer);
	fwd_start(st, m, peer, t, n, m->method != SIP_REGISTER);
}

static void do_cancel(struct sip_msg *m, const struct sip_peer *peer)
{
	struct txn *inv = txn_find_invite_for_cancel(px.tt, m), *st;
	struct sip_peer dst;
	struct txn_dest d;
	struct pctx *p;

	if (!inv) {
		server_reply(m, peer, 481, NULL, NULL);
		return;
	}
	server_resp_peer(m, peer, &dst);
	proxy_dest(&d, &dst);
	if (txn_server_create(px.tt, m, &d, NULL, &st)) {
		server_reply(m, peer, 503, NULL, NULL);
		return;
	}
	/* §16.10: answered here, then passed on to every pending branch */
	p = txn_user(inv);
	proxy_reply(st, m, 200, NULL, NULL);
	if (p)
		fwd_cancel(p);
}

/* §16.11: an ACK for a 2xx goes end to end, with no transaction */
static void forward_ack(struct sip_msg *m, const struct sip_peer *src)
{
	static char buf[TP_MAX_MSG];
	char branch[PROXY_BRANCH_SIZE];
	struct sip_peer dst;
	uint32_t h = 2166136261u;
	ssize_t n;

	if (!route_preprocess(m) || route_next_hop(m, &dst) ||
	    set_max_forwards(m))
		goto drop;
	/* the same branch for a retransmission, a new one per hop */
	for (uint32_t i = 0; i < m->via.branch.len; i++)
		h = (h ^ (uint8_t)m->via.branch.s[i]) * 16777619u;
	snprintf(branch, sizeof(branch), "%sack.%08x", PROXY_BRANCH_MAGIC, h);
	/* a late offer's answer; a relay that cannot take it drops nothing */
	media_request(m, src, &dst, NULL);
	if (route_push_via(m, &dst, branch))
		goto drop;
	n = sip_msg_write(m, buf, sizeof(buf));
	if (n < 0 || tp_send(&dst, buf, n))
		goto drop;
	proxy_stats.forwarded_stateless++;
	return;
drop:
	proxy_stats.dropped++;
}

int proxy_originate(struct sip_msg *m)
{
	static char buf[TP_MAX_MSG];
	char branch[TXN_BRANCH_SIZE];
	struct sip_peer dst;
	struct txn_dest d;
	struct txn *ct;
	ssize_t n;

	if (sip_via_pop(m) || route_next_hop(m, &dst) ||
	    txn_branch_new(branch, sizeof(branch)) < 0 ||
	    route_push_via(m, &dst, branch))
		return -EHOSTUNREACH;
	n = sip_msg_write(m, buf, sizeof(buf));
	if (n < 0)
		return n;
	proxy_dest(&d, &dst);
	/* no user: its response stops here (fwd_response) */
	return txn_client_create(px.tt, buf, n, &d, NULL, &ct);
}

void server_request(struct sip_msg *m, const struct sip_peer *peer)
{
	struct sip_peer dst;
	struct txn_dest d;
	struct txn *st;
	int ret;

	if (txn_server_recv(px.tt, m))
		return;
	if (m->method == SIP_ACK) {
		forward_ack(m, peer);
		return;
	}
	if (m->method == SIP_CANCEL) {
		do_cancel(m, peer);
		return;
	}
	if (route_is_loop(m)) {
		proxy_stats.loops++;
		server_reply(m, peer, 482, NULL, NULL);
		return;
	}
	server_resp_peer(m, peer, &dst);
	proxy_dest(&d, &dst);
	ret = txn_server_create(px.tt, m, &d, NULL, &st);
	if (ret) {
		if (ret == -ENOSPC)
			proxy_stats.txn_full++;
		server_reply(m, peer, 503, NULL, "Retry-After: 5\r\n");
		return;
	}
	if (m->method == SIP_INVITE)
		proxy_reply(st, m, 100, NULL, NULL);
	if (m->method == SIP_REGISTER && server_is_local(&m->ruri))
		do_register(st, m, peer);
	else
		do_proxy(st, m, peer);
}

void server_response(struct sip_msg *m, const struct sip_peer *peer)
{
	if (keepalive_response(m))
		return;
	px.resp_src = peer;
	if (!txn_client_recv(px.tt, m))
		fwd_response_stateless(m, peer);
	px.resp_src = NULL;
}

static void expire(struct ev_timer *t, void *arg)
{
	(void)arg;
	loc_expire(px.loc, time(NULL));
	ev_timer_add(t, EXPIRE_MS);
}

/* The state is created as root and must stay writable after the drop. */
static void give(const char *path)
{
	struct passwd *pw;

	if (geteuid() || !*px.cfg->user)
		return;
	pw = getpwnam(px.cfg->user);
	if (pw && chown(path, pw->pw_uid, pw->pw_gid) && errno != ENOENT)
		log_warn("chown %s", path);
}

static int state_dir(void)
{
	const char *dir = px.cfg->state_dir;

	if (mkdir(dir, 0750) && errno != EEXIST) {
		log_warn("%s", dir);
		return -1;
	}
	give(dir);
	return 0;
}

/* The Record-Route key outlives restarts, so do dialogs through us. */
static int rr_key(void)
{
	char path[CFG_PATH_MAX + 16];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/rr.key", px.cfg->state_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ok = read(fd, px.rr_key, sizeof(px.rr_key)) ==
		     (ssize_t)sizeof(px.rr_key);
		close(fd);
		if (ok)
			return 0;
		log_warnx("%s: short key; making a new one", path);
	}
	if (RAND_bytes(px.rr_key, sizeof(px.rr_key)) != 1)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, px.rr_key, sizeof(px.rr_key)) !=
			      (ssize_t)sizeof(px.rr_key)) {
		log_warn("%s", path);
		if (fd >= 0)
			close(fd);
		return 0; /* dialogs will not survive a restart; calls work */
	}
	close(fd);
	give(path);
	return 0;
}

static struct users *load_users(const struct config *cfg)
{
	struct users *u = NULL;
	char err[512];

	if (users_load(cfg->users_file, &u, err, sizeof(err))) {
		log_warnx("%s", err);
		return NULL;
	}
	if (users_mode_warning(u))
		log_warnx("%s: readable by others; it holds secrets",
			  cfg->users_file);
	log_info("%s: %zu users", cfg->users_file, users_count(u));
	return u;
}

static int set_auth(const struct config *cfg)
{
	struct digest_ctx *d = digest_ctx_new(cfg->realm, cfg->nonce_ttl,
					      cfg->auth_algs, 0);
	struct users *u = load_users(cfg);
	char err[128];

	if (!u && !px.users &&
	    users_parse(cfg->users_file, "", 0, &u, err, sizeof(err)))
		u = NULL;
	if (!d) {
		log_warn("digest realm %s", cfg->realm);
		users_free(u);
		return -1;
	}
	digest_ctx_free(px.digest);
	px.digest = d;
	if (u) {
		users_free(px.users);
		px.users = u;
	}
	return px.users ? 0 : -1;
}

static int set_registrar(const struct config *cfg)
{
	struct registrar_conf rc = {
		.domains = (const char *const *)cfg->domains,
		.default_expires = cfg->default_expires,
		.min_expires = cfg->min_expires,
		.max_expires = cfg->max_expires,
	};
	struct registrar *r = registrar_new(px.loc, &rc);

	if (!r) {
		log_warn("registrar");
		return -1;
	}
	registrar_free(px.reg);
	px.reg = r;
	return 0;
}

static int open_location(void)
{
	char path[CFG_PATH_MAX + 16], err[512];
	static const char *const sfx[] = { "", "-wal", "-shm" };

	snprintf(path, sizeof(path), "%s/location.db", px.cfg->state_dir);
	px.loc = loc_open(path, time(NULL), err, sizeof(err));
	if (!px.loc) {
		log_warnx("%s", err);
		return -1;
	}
	for (size_t i = 0; i < 3; i++) {
		char f[CFG_PATH_MAX + 24];

		snprintf(f, sizeof(f), "%s%s", path, sfx[i]);
		give(f);
	}
	log_info("%s: %zu registrations", path, loc_count(px.loc));
	return 0;
}

int proxy_init(const struct config *cfg)
{
	struct txn_config tc = { .t1_ms = cfg->t1_ms,
				 .t2_ms = cfg->t2_ms,
				 .t4_ms = cfg->t4_ms,
				 .max_txns = cfg->max_transactions };
	int ret;

	px.cfg = cfg;
	if (state_dir() || rr_key() || route_rr_init() || open_location() || set_auth(cfg) ||
	    set_registrar(cfg) || keepalive_init(px.loc, cfg))
		return -1;
	ret = txn_table_new(&px.tt, &tc, &ops, NULL);
	if (ret) {
		log_warnx("transaction table: %s", strerror(-ret));
		return -1;
	}
	ev_timer_init(&px.expire_timer, expire, NULL);
	ev_timer_add(&px.expire_timer, EXPIRE_MS);
	return 0;
}

void proxy_configure(const struct config *cfg)
{
	px.cfg = cfg;
	set_auth(cfg);
	set_registrar(cfg);
	keepalive_configure(cfg);
}

void proxy_exit(void)
{
	ev_timer_del(&px.expire_timer);
	txn_table_free(px.tt);
	route_rr_exit();
	keepalive_exit();
	registrar_free(px.reg);
	loc_close(px.loc);
	users_free(px.users);
	digest_ctx_free(px.digest);
	memset(&px, 0, sizeof(px));
}

unsigned int proxy_transactions(void)
{
	return px.tt ? txn_count(px.tt) : 0;
}

size_t proxy_registrations(void)
{
	return px.loc ? loc_count(px.loc) : 0;
}

int proxy_bindings(int (*fn)(const struct binding *b, void *arg), void *arg)
{
	return px.loc ? loc_foreach(px.loc, fn, arg) : 0;
}

void proxy_stats_log(void)
{
	const struct proxy_stats *s = &proxy_stats;

	log_info("proxy: forwarded=%llu forwarded_stateless=%llu "
		 "responses=%llu responses_stateless=%llu registers=%llu "
		 "challenged=%llu auth_failed=%llu relay_denied=%llu "
		 "not_found=%llu loops=%llu cancelled=%llu txn_full=%llu "
		 "dropped=%llu transactions=%u registrations=%zu",
		 (unsigned long long)s->forwarded,
		 (unsigned long long)s->forwarded_stateless,
		 (unsigned long long)s->responses,
		 (unsigned long long)s->responses_stateless,
		 (unsigned long long)s->registers,
		 (unsigned long long)s->challenged,
		 (unsigned long long)s->auth_failed,
		 (unsigned long long)s->relay_denied,
		 (unsigned long long)s->not_found,
		 (unsigned long long)s->loops,
		 (unsigned long long)s->cancelled,
		 (unsigned long long)s->txn_full,
		 (unsigned long long)s->dropped, txn_count(px.tt),
		 loc_count(px.loc));
}
