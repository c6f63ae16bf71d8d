// SPDX-License-Identifier: GPL-2.0
/*
 * Server transactions: INVITE (RFC 3261 §17.2.1, with RFC 6026 §7.1's
 * Accepted state) and non-INVITE (§17.2.2), and the matching of requests
 * to them (§17.2.3), RFC 2543 peers included, and of a CANCEL to the
 * INVITE it cancels (§9.2).
 */
#include <errno.h>
#include <stdlib.h>

#include "txn_int.h"

static uint32_t t1(const struct txn *t)
{
	return t->tt->cfg.t1_ms;
}

/* Timer G: the non-2xx final again, at T1, 2T1, ... up to T2. */
static void server_rt(struct ev_timer *tm, void *arg)
{
	struct txn *t = arg;
	uint32_t next = 2 * t->rt_ms;

	if (t->state != TXN_COMPLETED || t->kind != TXN_INVITE_SERVER)
		return;
	if (txn_xmit(t, t->out, t->out_len))
		return;
	txn_arm_rt(t, next < t->tt->cfg.t2_ms ? next : t->tt->cfg.t2_ms);
}

/* H: the ACK never came; I, J, L: the wait for retransmissions is over. */
static void server_end(struct ev_timer *tm, void *arg)
{
	struct txn *t = arg;

	if (t->kind == TXN_INVITE_SERVER && t->state == TXN_COMPLETED)
		txn_timeout(t);
	else
		txn_end(t);
}

/* --- matching --- */

static bool same_method(const struct txn *t, const struct sip_msg *req,
			int method)
{
	if (method == SIP_ACK)
		return t->method == SIP_INVITE;
	return txn_method_is(t, method, req->method_s);
}

/* §17.2.3, the branch carries the cookie: branch, sent-by, method. */
static bool match_3261(const struct txn *t, const struct sip_msg *req,
		       int method)
{
	return sip_str_eq(t->key.branch, req->via.branch) &&
	       sip_str_caseeq(t->key.host, req->via.host) &&
	       t->key.port == req->via.port && same_method(t, req, method);
}

static bool same_via(const struct txn *t, const struct sip_via *v)
{
	return sip_str_caseeq(t->key.transport, v->transport) &&
	       sip_str_caseeq(t->key.host, v->host) && t->key.port == v->port &&
	       sip_str_eq(t->key.branch, v->branch);
}

static bool same_ruri(const struct txn *t, const struct sip_msg *req)
{
	struct sip_err err;
	struct sip_uri u;

	/* §19.1.4 equality, as §17.2.3 asks; raw when ours does not parse */
	if (sip_uri_parse(&u, t->key.ruri.s, t->key.ruri.len, &err))
		return sip_str_eq(t->key.ruri, req->ruri_s);
	return !sip_uri_cmp(&u, &req->ruri);
}

/* The To tag of the response an ACK acknowledges: the last one sent. */
static bool acked_tag(const struct txn *t, struct sip_str tag)
{
	struct sip_err err;
	struct sip_msg m;

	if (!t->out || sip_msg_parse(&m, t->out, t->out_len, 0, &err))
		return false;
	return sip_str_eq(m.to.tag, tag);
}

/* §17.2.3's rules for RFC 2543 peers, whose branch is no identifier. */
static bool match_2543(const struct txn *t, const struct sip_msg *req,
		       int method)
{
	if (!sip_str_eq(t->key.call_id, req->call_id) ||
	    t->key.cseq != req->cseq.num ||
	    !sip_str_eq(t->key.from_tag, req->from.tag) ||
	    !same_via(t, &req->via) || !same_method(t, req, method) ||
	    !same_ruri(t, req))
		return false;
	if (method == SIP_ACK)
		return acked_tag(t, req->to.tag);
	return sip_str_eq(t->key.to_tag, req->to.tag);
}

/* The server transaction @req belongs to, taken as a @method request. */
static struct txn *find(struct txn_table *tt, const struct sip_msg *req,
			int method)
{
	bool cookie = txn_cookie(req->via.branch);
	struct txn *t;

	t = *txn_bucket(tt, true, cookie ? req->via.branch : req->call_id);
	for (; t; t = t->next) {
		if (t->rfc2543 == cookie)
			continue;
		if (cookie ? match_3261(t, req, method) :
			     match_2543(t, req, method))
			return t;
	}
	return NULL;
}

struct txn *txn_find_invite_for_cancel(struct txn_table *tt,
				       const struct sip_msg *cancel)
{
	struct txn *t;

	if (!cancel->is_request || !cancel->nvia)
		return NULL;
	/* §9.2: match as if the CANCEL were the request it cancels */
	t = find(tt, cancel, SIP_INVITE);
	return t && t->kind == TXN_INVITE_SERVER ? t : NULL;
}

/* --- requests --- */

static int invite_again(struct txn *t, const struct sip_msg *req)
{
	if (req->method != SIP_ACK) {
		/* the INVITE again: our last provisional or final again */
		if ((t->state == TXN_PROCEEDING || t->state == TXN_COMPLETED) &&
		    t->out)
			txn_xmit(t, t->out, t->out_len);
		return 1;
	}
	if (t->state == TXN_ACCEPTED)
		return 0; /* RFC 6026 §7.1: an ACK for the 2xx goes up */
	if (t->state != TXN_COMPLETED)
		return 1;
	t->state = TXN_CONFIRMED;
	txn_stop_rt(t);
	/* timer I absorbs ACK retransmissions; none on a reliable transport */
	if (t->dst.reliable)
		txn_end(t);
	else
		txn_arm_end(t, t->tt->cfg.t4_ms);
	return 1;
}

int txn_server_recv(struct txn_table *tt, const struct sip_msg *req)
{
	struct txn *t;

	if (!req->is_request || !req->nvia)
		return 0;
	t = find(tt, req, req->method);
	if (!t)
		return 0;
	if (t->kind == TXN_INVITE_SERVER)
		return invite_again(t, req);
	/* §17.2.2: nothing to resend while Trying */
	if (t->state != TXN_TRYING && t->out)
		txn_xmit(t, t->out, t->out_len);
	return 1;
}

/* The request as the TU stamped it, so txn_req_parse() sees received=. */
static int copy_req(const struct sip_msg *m, char **buf, uint32_t *len)
{
	size_t size = m->len + m->scratch_used + 64 * (m->nadds + 2);
	ssize_t n;
	char *p;

	for (;;) {
		p = malloc(size);
		if (!p)
			return -ENOMEM;
		n = sip_msg_write(m, p, size);
		if (n >= 0)
			break;
		free(p);
		if (n != -ENOSPC || size > UINT32_MAX / 4)
			return (int)n;
		size *= 2;
	}
	*buf = p;
	*len = n;
	return 0;
}

int txn_server_create(struct txn_table *tt, const struct sip_msg *req,
		      const struct txn_dest *src, void *user, struct txn **out)
{
	enum txn_kind kind = TXN_NON_INVITE_SERVER;
	bool old = !txn_cookie(req->via.branch);
	struct txn *t;
	uint32_t len = 0;
	char *copy = NULL;
	int ret;

	if (!req->is_request || req->method == SIP_ACK || !req->nvia)
		return -EINVAL;
	if (find(tt, req, req->method))
		return -EEXIST;
	if (req->method == SIP_INVITE)
		kind = TXN_INVITE_SERVER;
	ret = txn_alloc(tt, kind, req, old, src, server_rt, server_end, &t);
	if (ret)
		return ret;
	ret = copy_req(req, &copy, &len);
	if (ret) {
		txn_discard(t);
		return ret;
	}
	t->req = copy;
	t->req_len = len;
	t->user = user;
	t->state = kind == TXN_INVITE_SERVER ? TXN_PROCEEDING : TXN_TRYING;
	txn_link(t);
	*out = t;
	return 0;
}

/* --- responses --- */

static int status_of(const char *buf, size_t len)
{
	if (len < 12 || strncasecmp(buf, "SIP/2.0 ", 8) || buf[11] != ' ' ||
	    buf[8] < '1' || buf[8] > '6' || buf[9] < '0' || buf[9] > '9' ||
	    buf[10] < '0' || buf[10] > '9')
		return -EINVAL;
	return (buf[8] - '0') * 100 + (buf[9] - '0') * 10 + buf[10] - '0';
}

static int invite_final(struct txn *t, int status, const char *buf, size_t len)
{
	int ret;

	if (status < 300) {
		/* RFC 6026 §7.1: 2xx retransmission is the TU's, end to end */
		t->state = TXN_ACCEPTED;
		t->status = status;
		txn_settle(t);
		free(t->out);
		t->out = NULL;
		txn_arm_end(t, 64 * t1(t));
		return txn_xmit(t, buf, len);
	}
	ret = txn_keep_out(t, buf, len);
	if (ret)
		return ret;
	t->state = TXN_COMPLETED;
	t->status = status;
	txn_settle(t);
	if (!t->dst.reliable)
		txn_arm_rt(t, t1(t));
	txn_arm_end(t, 64 * t1(t));
	return txn_xmit(t, t->out, t->out_len);
}

static int invite_respond(struct txn *t, int status, const char *buf,
			  size_t len)
{
	int ret;

	if (t->state == TXN_ACCEPTED && status >= 200 && status < 300)
		return txn_xmit(t, buf, len);
	if (t->state != TXN_PROCEEDING)
		return -EALREADY;
	if (status >= 200)
		return invite_final(t, status, buf, len);
	ret = txn_keep_out(t, buf, len);
	if (ret)
		return ret;
	t->status = status;
	return txn_xmit(t, t->out, t->out_len);
}

static int non_invite_respond(struct txn *t, int status, const char *buf,
			      size_t len)
{
	int ret;

	if (t->state == TXN_COMPLETED)
		return -EALREADY;
	ret = txn_keep_out(t, buf, len);
	if (ret)
		return ret;
	t->status = status;
	if (status < 200) {
		t->state = TXN_PROCEEDING;
		return txn_xmit(t, t->out, t->out_len);
	}
	t->state = TXN_COMPLETED;
	txn_settle(t);
	ret = txn_xmit(t, t->out, t->out_len);
	if (ret)
		return ret;
	/* timer J absorbs request retransmissions; none when reliable */
	if (t->dst.reliable)
		txn_end(t);
	else
		txn_arm_end(t, 64 * t1(t));
	return 0;
}

int txn_respond(struct txn *t, const char *buf, size_t len)
{
	int status;

	if (txn_is_client(t) || len > UINT32_MAX)
		return -EINVAL;
	status = status_of(buf, len);
	if (status < 0)
		return status;
	if (t->kind == TXN_INVITE_SERVER)
		return invite_respond(t, status, buf, len);
	return non_invite_respond(t, status, buf, len);
}
