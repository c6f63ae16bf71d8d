/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the transaction layer: shared by txn.c (table, matching keys,
 * timers, lifetime), txn_client.c and txn_server.c.  Nothing else
 * includes it.
 */
#ifndef SIPFP_TXN_INT_H
#define SIPFP_TXN_INT_H

#include "event.h"
#include "txn.h"

/*
 * What a transaction is matched by.  The strings live in the transaction's
 * own allocation, so they outlive the request copy, which is freed once the
 * transaction has its final response.
 */
struct txn_key {
	struct sip_str method; /* as written, for extension methods */
	struct sip_str branch; /* top Via */
	struct sip_str host; /* top Via sent-by */
	uint16_t port;
	uint32_t cseq;
	/* server transactions whose branch lacks the cookie (§17.2.3) */
	struct sip_str transport;
	struct sip_str call_id;
	struct sip_str from_tag;
	struct sip_str to_tag;
	struct sip_str ruri;
};

struct txn {
	struct txn *next; /* hash chain */
	struct txn **pprev;
	struct txn_table *tt;
	struct ev_timer rt; /* A, E, G: retransmission */
	struct ev_timer end; /* B, D, F, H, I, J, K, L, M */
	uint8_t kind; /* enum txn_kind */
	uint8_t state; /* enum txn_state */
	uint8_t method; /* enum sip_method */
	bool rfc2543; /* server: matched by §17.2.3's old rules */
	bool cancel_asked; /* INVITE client: txn_client_cancel() called */
	bool cancel_held; /* ... and waiting for a 1xx (§9.1) */
	uint16_t status;
	uint32_t rt_ms; /* the retransmission interval now */
	char *req; /* the request; NULL once settled */
	uint32_t req_len;
	char *out; /* last response sent, or the ACK (client) */
	uint32_t out_len;
	void *user;
	struct txn_dest dst;
	struct txn_key key;
	char keybuf[];
};

struct txn_table {
	struct txn_config cfg;
	const struct txn_ops *ops;
	void *ctx;
	unsigned int count;
	bool closing; /* txn_table_free() is ending everything */
	uint32_t mask;
	uint64_t seed;
	struct txn **client; /* by branch */
	struct txn **server; /* by branch, or by Call-ID for RFC 2543 */
};

static inline bool txn_is_client(const struct txn *t)
{
	return t->kind == TXN_INVITE_CLIENT || t->kind == TXN_NON_INVITE_CLIENT;
}

/* A branch made by RFC 3261 rules: the cookie and something after it. */
bool txn_cookie(struct sip_str branch);
/* The bucket @key hashes to in the client or server table. */
struct txn **txn_bucket(struct txn_table *tt, bool server, struct sip_str key);
/* Same method: enum, or the spelling of an extension method. */
bool txn_method_is(const struct txn *t, int method, struct sip_str name);

/*
 * A new unlinked transaction keyed on @m (all of §17.2.3's fields when
 * @full), holding @buf; timer callbacks get the transaction.
 * Return: 0, -ENOSPC at the limit, -ESHUTDOWN while the table is being
 * freed, -ENOMEM.
 */
int txn_alloc(struct txn_table *tt, enum txn_kind kind, const struct sip_msg *m,
	      bool full, const struct txn_dest *dst, ev_timer_cb rt_cb,
	      ev_timer_cb end_cb, struct txn **out);
void txn_link(struct txn *t);
/* Unlinks and frees without a callback (creation failed). */
void txn_discard(struct txn *t);
/* Terminated: on_terminated(), then freed. */
void txn_end(struct txn *t);
/* The TU learns of a timeout or a transport error, then txn_end(). */
void txn_timeout(struct txn *t);
void txn_fail(struct txn *t);
/* send(); on failure txn_fail() has ended @t and its error is returned. */
int txn_xmit(struct txn *t, const char *buf, size_t len);
/* Replaces t->out with a copy of @buf.  Return: 0, -ENOMEM. */
int txn_keep_out(struct txn *t, const char *buf, size_t len);
/* The request copy is no longer needed (a final response is in). */
void txn_settle(struct txn *t);
void txn_arm_rt(struct txn *t, uint32_t ms);
void txn_arm_end(struct txn *t, uint32_t ms);
void txn_stop_rt(struct txn *t);
void txn_stop_end(struct txn *t);

#endif
