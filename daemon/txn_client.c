// SPDX-License-Identifier: GPL-2.0
/*
 * Client transactions: INVITE (RFC 3261 §17.1.1, with RFC 6026 §8.4's
 * Accepted state) and non-INVITE (§17.1.2), response matching (§17.1.3),
 * the ACK for a non-2xx (§17.1.1.3) and CANCEL (§9.1).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "txn_int.h"

static uint32_t t1(const struct txn *t)
{
	return t->tt->cfg.t1_ms;
}

static uint32_t timer_d(const struct txn *t)
{
	/* D outlasts the server's retransmissions of its final response (H) */
	uint32_t d = 64 * t1(t);

	return d > TXN_TIMER_D_MIN ? d : TXN_TIMER_D_MIN;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/* Timer A (INVITE, Calling) or E (non-INVITE, Trying and Proceeding). */
static void client_rt(struct ev_timer *tm, void *arg)
{
	struct txn *t = arg;
	uint32_t next;

	if (t->state == TXN_CALLING)
		next = 2 * t->rt_ms;
	else if (t->state == TXN_TRYING)
		next = min_u32(2 * t->rt_ms, t->tt->cfg.t2_ms);
	else if (t->state == TXN_PROCEEDING && t->kind == TXN_NON_INVITE_CLIENT)
		next = t->tt->cfg.t2_ms;
	else
		return;
	if (txn_xmit(t, t->req, t->req_len))
		return;
	txn_arm_rt(t, next);
}

/* B or F: no final response; D, K or M: the wait for stragglers is over. */
static void client_end(struct ev_timer *tm, void *arg)
{
	struct txn *t = arg;

	if (t->state == TXN_COMPLETED || t->state == TXN_ACCEPTED)
		txn_end(t);
	else
		txn_timeout(t);
}

static struct txn *find(struct txn_table *tt, struct sip_str branch, int method,
			struct sip_str name)
{
	struct txn *t;

	for (t = *txn_bucket(tt, false, branch); t; t = t->next)
		if (sip_str_eq(t->key.branch, branch) &&
		    txn_method_is(t, method, name))
			return t;
	return NULL;
}

static int parse_copy(char *copy, size_t len, struct sip_msg *m)
{
	struct sip_err err;

	if (sip_msg_parse(m, copy, len, 0, &err) || !m->is_request)
		return -EBADMSG;
	/* ACK for a 2xx is the TU's, end to end; for a non-2xx ours */
	if (m->method == SIP_ACK || !m->nvia || !txn_cookie(m->via.branch))
		return -EINVAL;
	return 0;
}

static int start(struct txn_table *tt, char *copy, size_t len,
		 const struct txn_dest *dst, struct txn **out)
{
	enum txn_kind kind = TXN_NON_INVITE_CLIENT;
	struct sip_msg m;
	struct txn *t;
	int ret;

	ret = parse_copy(copy, len, &m);
	if (ret)
		return ret;
	if (find(tt, m.via.branch, m.method, m.method_s))
		return -EEXIST;
	if (m.method == SIP_INVITE)
		kind = TXN_INVITE_CLIENT;
	ret = txn_alloc(tt, kind, &m, false, dst, client_rt, client_end, &t);
	if (ret)
		return ret;
	t->state = kind == TXN_INVITE_CLIENT ? TXN_CALLING : TXN_TRYING;
	t->req = copy;
	t->req_len = len;
	*out = t;
	return 0;
}

int txn_client_create(struct txn_table *tt, const char *buf, size_t len,
		      const struct txn_dest *dst, void *user, struct txn **out)
{
	struct txn *t;
	char *copy;
	int ret;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, buf, len);
	ret = start(tt, copy, len, dst, &t);
	if (ret) {
		free(copy);
		return ret;
	}
	t->user = user;
	txn_link(t);
	ret = tt->ops->send(tt->ctx, dst, copy, len);
	if (ret < 0) {
		txn_discard(t);
		return ret;
	}
	/* §17.1.1.2, §17.1.2.2: A and E only where the transport may lose it */
	if (!dst->reliable)
		txn_arm_rt(t, t1(t));
	txn_arm_end(t, 64 * t1(t));
	*out = t;
	return 0;
}

/*
 * An in-transaction request built from ours (§17.1.1.3 for the ACK,
 * §9.1 for CANCEL): the same Request-URI, Call-ID, From and CSeq number,
 * only the top Via, the Route set; @to is the response's To for an ACK.
 */
static int build(const struct sip_msg *m, const char *method, struct sip_str to,
		 char **buf, size_t *len)
{
	FILE *f;
	int i;

	if (m->first[SIP_H_FROM] < 0)
		return -EBADMSG;
	f = open_memstream(buf, len);
	if (!f)
		return -ENOMEM;
	fprintf(f, "%s %.*s SIP/2.0\r\nVia: %.*s\r\n", method,
		SIP_STR_FMT(m->ruri_s), SIP_STR_FMT(m->via.raw));
	for (i = m->first[SIP_H_ROUTE]; i >= 0; i = m->hdr[i].next)
		fprintf(f, "Route: %.*s\r\n", SIP_STR_FMT(m->hdr[i].value));
	fprintf(f, "From: %.*s\r\nTo: %.*s\r\nCall-ID: %.*s\r\n",
		SIP_STR_FMT(m->hdr[m->first[SIP_H_FROM]].value),
		SIP_STR_FMT(to), SIP_STR_FMT(m->call_id));
	fprintf(f,
		"CSeq: %u %s\r\nMax-Forwards: 70\r\n"
		"Content-Length: 0\r\n\r\n",
		m->cseq.num, method);
	if (fclose(f)) {
		free(*buf);
		return -ENOMEM;
	}
	return 0;
}

static int build_ack(struct txn *t, const struct sip_msg *resp)
{
	int to = resp->first[SIP_H_TO];
	struct sip_err err;
	struct sip_msg m;
	size_t len;
	char *buf;
	int ret;

	if (to < 0 || txn_req_parse(t, &m, &err))
		return -EBADMSG;
	ret = build(&m, "ACK", resp->hdr[to].value, &buf, &len);
	if (ret)
		return ret;
	ret = txn_keep_out(t, buf, len);
	free(buf);
	return ret;
}

static int send_cancel(struct txn *t)
{
	struct sip_err err;
	struct sip_msg m;
	struct txn *c;
	size_t len;
	char *buf;
	int ret;

	if (txn_req_parse(t, &m, &err) || m.first[SIP_H_TO] < 0)
		return -EBADMSG;
	ret = build(&m, "CANCEL", m.hdr[m.first[SIP_H_TO]].value, &buf, &len);
	if (ret)
		return ret;
	ret = txn_client_create(t->tt, buf, len, &t->dst, NULL, &c);
	free(buf);
	return ret;
}

int txn_client_cancel(struct txn *t)
{
	if (t->kind != TXN_INVITE_CLIENT)
		return -EINVAL;
	if (t->cancel_asked ||
	    (t->state != TXN_CALLING && t->state != TXN_PROCEEDING))
		return -EALREADY;
	t->cancel_asked = true;
	/* §9.1: not before a provisional response, which may never come */
	if (t->state == TXN_CALLING) {
		t->cancel_held = true;
		return 0;
	}
	return send_cancel(t);
}

static void deliver(struct txn *t, struct sip_msg *resp)
{
	t->status = resp->status;
	if (t->tt->ops->on_response)
		t->tt->ops->on_response(t, resp);
}

static void invite_1xx(struct txn *t, struct sip_msg *resp)
{
	if (t->state == TXN_CALLING) {
		/* B only guards Calling; Proceeding is the TU's timer C (§16.6) */
		t->state = TXN_PROCEEDING;
		txn_stop_rt(t);
		txn_stop_end(t);
	}
	deliver(t, resp);
	if (t->cancel_held) {
		t->cancel_held = false;
		send_cancel(t);
	}
}

static void invite_2xx(struct txn *t, struct sip_msg *resp)
{
	/* RFC 6026 §8.4: later 2xx (retransmitted, forked) still go up */
	t->state = TXN_ACCEPTED;
	t->cancel_held = false;
	txn_stop_rt(t);
	txn_arm_end(t, 64 * t1(t));
	deliver(t, resp);
	txn_settle(t);
}

static void invite_final(struct txn *t, struct sip_msg *resp)
{
	int ret;

	t->state = TXN_COMPLETED;
	t->cancel_held = false;
	txn_stop_rt(t);
	txn_stop_end(t);
	ret = build_ack(t, resp);
	deliver(t, resp);
	txn_settle(t);
	/* without an ACK the server's timer H ends its side */
	if (!ret && txn_xmit(t, t->out, t->out_len))
		return;
	if (t->dst.reliable)
		txn_end(t);
	else
		txn_arm_end(t, timer_d(t));
}

static void invite_recv(struct txn *t, struct sip_msg *resp)
{
	int s = resp->status;

	switch (t->state) {
	case TXN_CALLING:
	case TXN_PROCEEDING:
		if (s < 200)
			invite_1xx(t, resp);
		else if (s < 300)
			invite_2xx(t, resp);
		else
			invite_final(t, resp);
		break;
	case TXN_COMPLETED:
		/* a retransmitted final: ACK again, the TU has it already */
		if (s >= 300 && t->out)
			txn_xmit(t, t->out, t->out_len);
		break;
	case TXN_ACCEPTED:
		if (s >= 200 && s < 300)
			deliver(t, resp);
		break;
	}
}

static void non_invite_recv(struct txn *t, struct sip_msg *resp)
{
	if (t->state != TXN_TRYING && t->state != TXN_PROCEEDING)
		return;
	if (resp->status < 200) {
		t->state = TXN_PROCEEDING;
		deliver(t, resp);
		return;
	}
	t->state = TXN_COMPLETED;
	txn_stop_rt(t);
	txn_stop_end(t);
	deliver(t, resp);
	txn_settle(t);
	if (t->dst.reliable)
		txn_end(t);
	else
		txn_arm_end(t, t->tt->cfg.t4_ms);
}

int txn_client_recv(struct txn_table *tt, struct sip_msg *resp)
{
	struct txn *t;

	if (resp->is_request || !resp->nvia)
		return 0;
	t = find(tt, resp->via.branch, resp->cseq.method, resp->cseq.method_s);
	if (!t)
		return 0;
	if (t->kind == TXN_INVITE_CLIENT)
		invite_recv(t, resp);
	else
		non_invite_recv(t, resp);
	return 1;
}
