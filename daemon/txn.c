// SPDX-License-Identifier: GPL-2.0
/*
 * The transaction table: hash chains by branch, the matching keys each
 * transaction carries, the life and death of a transaction and its two
 * timers.  The state machines are in txn_client.c and txn_server.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "txn_int.h"

#define COOKIE "z9hG4bK"
#define COOKIE_LEN (sizeof(COOKIE) - 1)
#define BUCKETS_MIN 64
#define BUCKETS_MAX (1u << 20)

void txn_config_default(struct txn_config *cfg, uint32_t max_txns)
{
	cfg->t1_ms = TXN_T1_DEFAULT;
	cfg->t2_ms = TXN_T2_DEFAULT;
	cfg->t4_ms = TXN_T4_DEFAULT;
	cfg->max_txns = max_txns;
}

static uint32_t nbuckets(uint32_t max_txns)
{
	uint32_t n = BUCKETS_MIN;

	while (n < BUCKETS_MAX && n < max_txns / 2)
		n <<= 1;
	return n;
}

static bool config_ok(const struct txn_config *cfg)
{
	/* timer A doubles up to 64*T1, E and G up to 2*T2: no overflow */
	return cfg->t1_ms && cfg->t2_ms >= cfg->t1_ms && cfg->t4_ms &&
	       cfg->max_txns && cfg->t1_ms <= UINT32_MAX / 128 &&
	       cfg->t2_ms <= UINT32_MAX / 2;
}

int txn_table_new(struct txn_table **out, const struct txn_config *cfg,
		  const struct txn_ops *ops, void *ctx)
{
	struct txn_table *tt;
	uint32_t n;

	if (!config_ok(cfg) || !ops->send)
		return -EINVAL;
	tt = calloc(1, sizeof(*tt));
	if (!tt)
		return -ENOMEM;
	/* a secret seed: branches and Call-IDs are chosen by peers */
	if (getrandom(&tt->seed, sizeof(tt->seed), 0) != sizeof(tt->seed))
		tt->seed = (uintptr_t)tt ^ 0x9e3779b97f4a7c15ULL;
	n = nbuckets(cfg->max_txns);
	tt->client = calloc(n, sizeof(*tt->client));
	tt->server = calloc(n, sizeof(*tt->server));
	if (!tt->client || !tt->server) {
		free(tt->client);
		free(tt->server);
		free(tt);
		return -ENOMEM;
	}
	tt->cfg = *cfg;
	tt->ops = ops;
	tt->ctx = ctx;
	tt->mask = n - 1;
	*out = tt;
	return 0;
}

static void end_chain(struct txn **head)
{
	while (*head)
		txn_end(*head);
}

void txn_table_free(struct txn_table *tt)
{
	uint32_t i;

	if (!tt)
		return;
	tt->closing = true;
	for (i = 0; i <= tt->mask; i++) {
		end_chain(&tt->client[i]);
		end_chain(&tt->server[i]);
	}
	free(tt->client);
	free(tt->server);
	free(tt);
}

unsigned int txn_count(const struct txn_table *tt)
{
	return tt->count;
}

/* FNV-1a from a secret seed, then a 64-bit finaliser to spread it. */
static uint32_t hash(const struct txn_table *tt, struct sip_str s)
{
	uint64_t h = tt->seed;
	uint32_t i;

	for (i = 0; i < s.len; i++) {
		h ^= (unsigned char)s.s[i];
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	return (uint32_t)h;
}

struct txn **txn_bucket(struct txn_table *tt, bool server, struct sip_str key)
{
	struct txn **b = server ? tt->server : tt->client;

	return &b[hash(tt, key) & tt->mask];
}

bool txn_cookie(struct sip_str branch)
{
	/*
	 * The cookie alone identifies nothing (RFC 4475 §3.2.1 "badbranch"):
	 * such a request falls back to RFC 2543 matching.
	 */
	return branch.len > COOKIE_LEN && !memcmp(branch.s, COOKIE, COOKIE_LEN);
}

bool txn_method_is(const struct txn *t, int method, struct sip_str name)
{
	if (t->method != method)
		return false;
	/* method names are case-sensitive (§7.1) */
	return method != SIP_METHOD_UNKNOWN || sip_str_eq(t->key.method, name);
}

/* --- keys --- */

#define KEY_NSTR 8

static void key_strs(struct txn_key *k, struct sip_str *v[KEY_NSTR])
{
	v[0] = &k->method;
	v[1] = &k->branch;
	v[2] = &k->host;
	v[3] = &k->transport;
	v[4] = &k->call_id;
	v[5] = &k->from_tag;
	v[6] = &k->to_tag;
	v[7] = &k->ruri;
}

static void key_fill(struct txn_key *k, const struct sip_msg *m, bool full)
{
	memset(k, 0, sizeof(*k));
	k->method = m->method_s;
	k->branch = m->via.branch;
	k->host = m->via.host;
	k->port = m->via.port;
	k->cseq = m->cseq.num;
	if (!full)
		return;
	k->transport = m->via.transport;
	k->call_id = m->call_id;
	k->from_tag = m->from.tag;
	k->to_tag = m->to.tag;
	k->ruri = m->ruri_s;
}

static size_t key_size(struct txn_key *k)
{
	struct sip_str *v[KEY_NSTR];
	size_t n = 0;
	int i;

	key_strs(k, v);
	for (i = 0; i < KEY_NSTR; i++)
		n += v[i]->len;
	return n;
}

/* Moves the strings of @k into @buf. */
static void key_move(struct txn_key *k, char *buf)
{
	struct sip_str *v[KEY_NSTR];
	int i;

	key_strs(k, v);
	for (i = 0; i < KEY_NSTR; i++) {
		if (v[i]->len)
			memcpy(buf, v[i]->s, v[i]->len);
		v[i]->s = buf;
		buf += v[i]->len;
	}
}

/* --- life of a transaction --- */

int txn_alloc(struct txn_table *tt, enum txn_kind kind, const struct sip_msg *m,
	      bool full, const struct txn_dest *dst, ev_timer_cb rt_cb,
	      ev_timer_cb end_cb, struct txn **out)
{
	struct txn_key k;
	struct txn *t;

	if (tt->closing)
		return -ESHUTDOWN;
	if (tt->count >= tt->cfg.max_txns)
		return -ENOSPC;
	key_fill(&k, m, full);
	t = calloc(1, sizeof(*t) + key_size(&k));
	if (!t)
		return -ENOMEM;
	t->key = k;
	key_move(&t->key, t->keybuf);
	t->tt = tt;
	t->kind = kind;
	t->method = m->method;
	t->rfc2543 = full;
	t->dst = *dst;
	ev_timer_init(&t->rt, rt_cb, t);
	ev_timer_init(&t->end, end_cb, t);
	tt->count++;
	*out = t;
	return 0;
}

void txn_link(struct txn *t)
{
	bool server = !txn_is_client(t);
	struct txn **head;

	head = txn_bucket(t->tt, server,
			  t->rfc2543 ? t->key.call_id : t->key.branch);
	t->next = *head;
	if (t->next)
		t->next->pprev = &t->next;
	t->pprev = head;
	*head = t;
}

static void unlink_stop(struct txn *t)
{
	if (t->pprev) {
		*t->pprev = t->next;
		if (t->next)
			t->next->pprev = t->pprev;
		t->pprev = NULL;
	}
	ev_timer_del(&t->rt);
	ev_timer_del(&t->end);
	t->tt->count--;
}

static void txn_free(struct txn *t)
{
	free(t->req);
	free(t->out);
	free(t);
}

void txn_discard(struct txn *t)
{
	unlink_stop(t);
	txn_free(t);
}

void txn_end(struct txn *t)
{
	const struct txn_ops *ops = t->tt->ops;

	/* unlinked first, so the TU finds neither it nor its limit slot */
	unlink_stop(t);
	t->state = TXN_TERMINATED;
	if (ops->on_terminated)
		ops->on_terminated(t);
	txn_free(t);
}

void txn_timeout(struct txn *t)
{
	if (t->tt->ops->on_timeout)
		t->tt->ops->on_timeout(t);
	txn_end(t);
}

void txn_fail(struct txn *t)
{
	if (t->tt->ops->on_transport_error)
		t->tt->ops->on_transport_error(t);
	txn_end(t);
}

int txn_xmit(struct txn *t, const char *buf, size_t len)
{
	struct txn_table *tt = t->tt;
	int ret;

	ret = tt->ops->send(tt->ctx, &t->dst, buf, len);
	if (ret >= 0)
		return 0;
	txn_fail(t);
	return ret;
}

int txn_keep_out(struct txn *t, const char *buf, size_t len)
{
	char *p;

	if (len > UINT32_MAX)
		return -EMSGSIZE;
	p = malloc(len ? len : 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, buf, len);
	free(t->out);
	t->out = p;
	t->out_len = len;
	return 0;
}

void txn_settle(struct txn *t)
{
	free(t->req);
	t->req = NULL;
	t->req_len = 0;
}

void txn_arm_rt(struct txn *t, uint32_t ms)
{
	t->rt_ms = ms;
	ev_timer_add(&t->rt, ms);
}

void txn_arm_end(struct txn *t, uint32_t ms)
{
	ev_timer_add(&t->end, ms);
}

void txn_stop_rt(struct txn *t)
{
	ev_timer_del(&t->rt);
}

void txn_stop_end(struct txn *t)
{
	ev_timer_del(&t->end);
}

/* --- branches --- */

static const char token64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	"0123456789-_";

int txn_branch_new(char *buf, size_t size)
{
	/* one getrandom() per 16 branches, not one per branch */
	static unsigned char pool[256];
	static size_t left;
	size_t i;

	if (size < TXN_BRANCH_SIZE)
		return -ENOSPC;
	if (left < TXN_BRANCH_LEN - COOKIE_LEN) {
		if (getrandom(pool, sizeof(pool), 0) != sizeof(pool))
			return -errno;
		left = sizeof(pool);
	}
	memcpy(buf, COOKIE, COOKIE_LEN);
	for (i = COOKIE_LEN; i < TXN_BRANCH_LEN; i++)
		buf[i] = token64[pool[--left] & 63];
	buf[TXN_BRANCH_LEN] = '\0';
	return TXN_BRANCH_LEN;
}

/* --- accessors --- */

int txn_req_parse(const struct txn *t, struct sip_msg *m, struct sip_err *err)
{
	if (!t->req)
		return -ENOENT;
	return sip_msg_parse(m, t->req, t->req_len, 0, err);
}

struct txn_table *txn_table(const struct txn *t)
{
	return t->tt;
}

enum txn_kind txn_kind(const struct txn *t)
{
	return t->kind;
}

enum txn_state txn_state(const struct txn *t)
{
	return t->state;
}

int txn_method(const struct txn *t)
{
	return t->method;
}

struct sip_str txn_branch(const struct txn *t)
{
	return t->key.branch;
}

int txn_status(const struct txn *t)
{
	return t->status;
}

const struct txn_dest *txn_dest(const struct txn *t)
{
	return &t->dst;
}

void *txn_user(const struct txn *t)
{
	return t->user;
}

void txn_set_user(struct txn *t, void *user)
{
	t->user = user;
}

const char *txn_state_name(enum txn_state state)
{
	static const char *const names[] = {
		[TXN_CALLING] = "Calling",	 [TXN_TRYING] = "Trying",
		[TXN_PROCEEDING] = "Proceeding", [TXN_COMPLETED] = "Completed",
		[TXN_CONFIRMED] = "Confirmed",	 [TXN_ACCEPTED] = "Accepted",
		[TXN_TERMINATED] = "Terminated",
	};

	if ((unsigned int)state >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[state];
}
