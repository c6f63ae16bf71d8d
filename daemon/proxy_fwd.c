// SPDX-License-Identifier: GPL-2.0
/*
 * Forwarding (RFC 3261 §16.6-16.10): one client transaction per target,
 * parallel within a q value and sequential from the highest q down;
 * responses back through the server transaction, every 1xx but 100 and
 * every 2xx at once, the best final response once no branch is left;
 * timer C and CANCEL.
 *
 * A pctx lives while its server transaction or any branch does; calls
 * that may end transactions hold it busy so it is never freed under them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "media.h"
#include "proxy.h"
#include "proxy_int.h"
#include "server.h"
#include "sip/reply.h"

static char out[TP_MAX_MSG];
static struct sip_msg bm; /* the branch being built */

static void pctx_free(struct pctx *p)
{
	targets_free(p->targets, p->ntargets);
	free(p->req);
	free(p->best);
	free(p);
}

static void put(struct pctx *p)
{
	if (--p->busy || p->st || p->branches)
		return;
	pctx_free(p);
}

static void timer_c(struct ev_timer *t, void *arg);

static int branch_request(struct pctx *p, const struct target *t,
			  char *branch, size_t *len)
{
	struct sip_err err;
	char rnd[TXN_BRANCH_SIZE];
	ssize_t n;
	int first, status;

	if (sip_msg_parse(&bm, p->req, p->reqlen, 0, &err))
		return -EBADMSG;
	if (txn_branch_new(rnd, sizeof(rnd)) < 0)
		return -EIO;
	/* our magic, the loop hash, then randomness that tells branches apart */
	snprintf(branch, PROXY_BRANCH_SIZE, "%s%s.%s", PROXY_BRANCH_MAGIC,
		 p->loop, rnd + 7 + 4);
	if (t->ruri && sip_set_ruri(&bm, sip_str_cstr(t->ruri)))
		return -ENOSPC;
	first = bm.first[SIP_H_ROUTE];
	if (t->path &&
	    sip_hdr_add(&bm, first, SIP_H_ROUTE, sip_str_cstr(t->path)))
		return -ENOSPC;
	/* a status of its own: 488 for SDP we cannot relay, 503 when full */
	status = media_request(&bm, &p->in, &t->dst, branch);
	if (status)
		return status;
	if (p->rr && route_push_rr(&bm, &p->in, &t->dst))
		return -EHOSTUNREACH;
	if (route_push_via(&bm, &t->dst, branch))
		return -EHOSTUNREACH;
	n = sip_msg_write(&bm, out, sizeof(out));
	if (n < 0)
		return n;
	*len = n;
	return 0;
}

static int branch_start(struct pctx *p, const struct target *t)
{
	char branch[PROXY_BRANCH_SIZE], name[64];
	struct txn_dest d;
	struct branch *b;
	size_t len = 0;
	int ret;

	ret = branch_request(p, t, branch, &len);
	b = calloc(1, sizeof(*b));
	if (!ret && !b)
		ret = -ENOMEM;
	if (!ret) {
		proxy_dest(&d, &t->dst);
		b->p = p;
		ret = txn_client_create(px.tt, out, len, &d, b, &b->ct);
	}
	if (ret) {
		log_debug("%s: not forwarded: %s",
			  tp_peer_str(&t->dst, name, sizeof(name)),
			  strerror(-ret));
		free(b);
		return ret;
	}
	memcpy(b->id, branch, sizeof(b->id));
	ev_timer_init(&b->timer_c, timer_c, b);
	if (p->method == SIP_INVITE)
		ev_timer_add(&b->timer_c, PROXY_TIMER_C_MS);
	b->next = p->branches;
	p->branches = b;
	p->pending++;
	proxy_stats.forwarded++;
	return 0;
}

static bool better(int status, const struct pctx *p)
{
	if (!p->best_status)
		return true;
	if (p->best_status >= 600)
		return false;
	if (status >= 600)
		return true;
	return status / 100 < p->best_status / 100;
}

/* A failure that is no response of its own (§16.7 step 6 and 16.9). */
static void note_status(struct pctx *p, int status)
{
	if (!better(status, p))
		return;
	free(p->best);
	p->best = NULL;
	p->bestlen = 0;
	p->best_status = status;
}

static void start_next_group(struct pctx *p)
{
	int q;

	while (!p->pending && p->next < p->ntargets) {
		q = p->targets[p->next].q;
		for (; p->next < p->ntargets && p->targets[p->next].q == q;
		     p->next++) {
			int ret = branch_start(p, &p->targets[p->next]);

			if (ret == -ENOSPC) {
				proxy_stats.txn_full++;
				note_status(p, 503);
			} else if (ret > 0) {
				note_status(p, ret);
			} else if (ret)
				note_status(p, ret == -EHOSTUNREACH ? 502 :
								      500);
		}
	}
}

/* Send the final response the branches came to (§16.7 step 6). */
static void send_best(struct pctx *p)
{
	struct sip_msg m;
	struct sip_err err;
	int status = p->best_status ?: 500;

	p->final_sent = true;
	if (p->method == SIP_INVITE &&
	    !sip_msg_parse(&m, p->req, p->reqlen, 0, &err))
		media_failed(&m, status, p->cancelled);
	if (!p->st)
		return;
	if (p->cancelled && status != 487 && status < 600) {
		status = 487;
	} else if (p->best && status != 503) {
		txn_respond(p->st, p->best, p->bestlen);
		proxy_stats.responses++;
		return;
	}
	if (status == 503)
		status = 500; /* it would have the caller give up on us */
	if (!sip_msg_parse(&m, p->req, p->reqlen, 0, &err))
		proxy_reply(p->st, &m, status, NULL, NULL);
}

static void check_done(struct pctx *p)
{
	if (p->pending || p->final_sent)
		return;
	if (!p->cancelled && !p->got_6xx)
		start_next_group(p);
	if (!p->pending)
		send_best(p);
}

void fwd_start(struct txn *st, struct sip_msg *m, const struct sip_peer *in,
	       struct target *t, unsigned int n, bool rr)
{
	struct pctx *p = calloc(1, sizeof(*p));
	ssize_t len = sip_msg_write(m, out, sizeof(out));

	/* its own size: a 64 KiB buffer per call costs page faults */
	if (p && len > 0 && (p->req = malloc(len)))
		memcpy(p->req, out, len);
	else
		len = len < 0 ? len : -ENOMEM;
	if (len < 0) {
		if (p)
			free(p->req);
		free(p);
		targets_free(t, n);
		proxy_reply(st, m, 500, NULL, NULL);
		return;
	}
	p->reqlen = len;
	p->st = st;
	p->in = *in;
	p->method = m->method;
	p->rr = rr;
	p->targets = t;
	p->ntargets = n;
	route_loop_hash(m, p->loop);
	txn_set_user(st, p);
	p->busy++;
	check_done(p);
	put(p);
}

static void cancel_branches(struct pctx *p, const struct branch *except)
{
	for (struct branch *b = p->branches; b; b = b->next)
		if (b != except && b->ct && !b->final &&
		    txn_kind(b->ct) == TXN_INVITE_CLIENT)
			txn_client_cancel(b->ct);
}

void fwd_cancel(struct pctx *p)
{
	if (p->cancelled || p->final_sent)
		return;
	p->busy++;
	p->cancelled = true;
	p->next = p->ntargets;
	proxy_stats.cancelled++;
	cancel_branches(p, NULL);
	check_done(p);
	put(p);
}

/* §16.11: by the Via, when the transaction that sent it is gone */
static void send_by_via(struct sip_msg *resp)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_via v;
	struct sip_peer dst = { 0 };
	char host[INET6_ADDRSTRLEN + 2];
	struct sip_uri u = { .scheme = SIP_URI_SIP };
	ssize_t n;

	/* ours on top, or it is not ours to forward */
	if (sip_via_next(resp, &it, &v) != 1 ||
	    !route_is_ours(v.host, v.host_type, v.port)) {
		server_stats.stray_responses++;
		return;
	}
	if (sip_via_next(resp, &it, &v) != 1)
		goto drop;
	u.host = v.received.len ? v.received : v.host;
	u.host_type = v.received.len ? (v.received.s[0] == '[' ||
						memchr(v.received.s, ':',
						       v.received.len) ?
						SIP_HOST_IPV6 :
						SIP_HOST_IPV4) :
				       v.host_type;
	u.port = v.rport && v.rport_val ? v.rport_val : v.port;
	if (u.host.len + 3 > sizeof(host))
		goto drop;
	if (u.host_type == SIP_HOST_IPV6 && u.host.s[0] != '[') {
		snprintf(host, sizeof(host), "[%.*s]", SIP_STR_FMT(u.host));
		u.host = sip_str_cstr(host);
	}
	if (sip_str_caseeq_lit(v.transport, "TCP"))
		u.transport = sip_str_cstr("tcp");
	else if (sip_str_caseeq_lit(v.transport, "TLS"))
		u.transport = sip_str_cstr("tls");
	if (route_resolve(&u, &dst) || sip_via_pop(resp))
		goto drop;
	n = sip_msg_write(resp, out, sizeof(out));
	if (n < 0 || tp_send(&dst, out, n))
		goto drop;
	proxy_stats.responses_stateless++;
	return;
drop:
	proxy_stats.dropped++;
}

static void send_up(struct pctx *p, struct sip_msg *resp)
{
	ssize_t n;

	if (!p || !p->st) {
		send_by_via(resp);
		return;
	}
	if (sip_via_pop(resp))
		return;
	n = sip_msg_write(resp, out, sizeof(out));
	if (n < 0)
		return;
	if (!txn_respond(p->st, out, n))
		proxy_stats.responses++;
}

static void keep_best(struct pctx *p, struct sip_msg *resp)
{
	ssize_t n;
	char *copy;

	if (!better(resp->status, p) || sip_via_pop(resp))
		return;
	n = sip_msg_write(resp, out, sizeof(out));
	copy = n > 0 ? malloc(n) : NULL;
	if (!copy)
		return;
	memcpy(copy, out, n);
	free(p->best);
	p->best = copy;
	p->bestlen = n;
	p->best_status = resp->status;
}

static void branch_final(struct branch *b)
{
	if (b->final)
		return;
	b->final = true;
	b->p->pending--;
	ev_timer_del(&b->timer_c);
}

/* A 1xx or 2xx on its way up: NAT fix-up, then its SDP through the relay */
static void fix_up(struct sip_msg *resp, const struct sip_peer *src,
		   const char *branch)
{
	bool nat = src && route_fix_contact(resp, src);

	media_response(resp, src, nat, branch);
}

void fwd_response(struct txn *ct, struct sip_msg *resp)
{
	struct branch *b = txn_user(ct);
	struct pctx *p;
	int status = resp->status;

	if (!b)
		return; /* a CANCEL's: hop by hop, nothing to pass on */
	p = b->p;
	p->busy++;
	b->status = status;
	if (status > 100 && status < 300)
		fix_up(resp, px.resp_src, b->id);
	if (status < 200) {
		/* §16.7 step 5: 100 stays here; timer C restarts on others */
		if (status > 100 && !b->final) {
			ev_timer_add(&b->timer_c, PROXY_TIMER_C_MS);
			if (!p->final_sent)
				send_up(p, resp);
		}
	} else if (status < 300) {
		/* every 2xx goes up, retransmissions too (RFC 6026) */
		branch_final(b);
		p->final_sent = true;
		send_up(p, resp);
		cancel_branches(p, b);
	} else if (!b->final) {
		branch_final(b);
		media_branch_failed(resp, b->id);
		keep_best(p, resp);
		if (status >= 600) {
			p->got_6xx = true;
			cancel_branches(p, b);
		}
		check_done(p);
	}
	put(p);
}

/* No response will come on @b: its media session, if any, goes. */
static void branch_media_failed(const struct pctx *p, const struct branch *b)
{
	struct sip_msg m;
	struct sip_err err;

	if (p->method == SIP_INVITE &&
	    !sip_msg_parse(&m, p->req, p->reqlen, 0, &err))
		media_branch_failed(&m, b->id);
}

void fwd_client_failed(struct txn *ct, int status)
{
	struct branch *b = txn_user(ct);
	struct pctx *p;

	if (!b || b->final)
		return;
	p = b->p;
	p->busy++;
	branch_final(b);
	branch_media_failed(p, b);
	note_status(p, status);
	check_done(p);
	put(p);
}

/* §16.8: no final response in time */
static void timer_c(struct ev_timer *t, void *arg)
{
	struct branch *b = arg;

	(void)t;
	if (!b->ct || b->final)
		return;
	if (b->status)
		txn_client_cancel(b->ct);
	else
		fwd_client_failed(b->ct, 408);
}

void fwd_client_ended(struct txn *ct)
{
	struct branch *b = txn_user(ct), **pp;
	struct pctx *p;

	if (!b)
		return;
	p = b->p;
	p->busy++;
	b->ct = NULL;
	txn_set_user(ct, NULL);
	if (!b->final) {
		branch_final(b);
		note_status(p, 408);
		check_done(p);
	}
	ev_timer_del(&b->timer_c);
	for (pp = &p->branches; *pp; pp = &(*pp)->next)
		if (*pp == b) {
			*pp = b->next;
			break;
		}
	free(b);
	put(p);
}

void fwd_server_ended(struct txn *st)
{
	struct pctx *p = txn_user(st);

	if (!p)
		return;
	txn_set_user(st, NULL);
	p->st = NULL;
	p->busy++;
	put(p);
}

void fwd_response_stateless(struct sip_msg *resp, const struct sip_peer *src)
{
	if (resp->status > 100 && resp->status < 300)
		fix_up(resp, src, NULL);
	send_by_via(resp);
}
