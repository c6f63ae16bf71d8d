/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The SIP transaction layer (RFC 3261 §17, with RFC 6026's Accepted
 * state): client and server, INVITE and non-INVITE state machines, their
 * timers, retransmission and its absorption, the hop-by-hop ACK for a
 * non-2xx final response, and the matching of requests and responses to
 * transactions.
 *
 * The layer never touches a socket: it hands every message to the
 * transaction user's (TU's) send() with an opaque destination the transport
 * filled in, and reports to the TU through struct txn_ops.  Time comes from
 * the event loop's timers (event.h), so a test can drive it on a virtual
 * clock.
 *
 * Lifetime: the layer owns every struct txn.  Any txn_*() call on a
 * transaction, and any of its timers, may end it; on_terminated() is then
 * called exactly once, and the pointer is invalid when it returns.  The
 * TU keeps its own per-transaction state behind txn_user().
 */
#ifndef SIPFP_TXN_H
#define SIPFP_TXN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/msg.h"

/* RFC 3261 §17.1.1.1 and Table 4 defaults, milliseconds */
#define TXN_T1_DEFAULT 500
#define TXN_T2_DEFAULT 4000
#define TXN_T4_DEFAULT 5000
/*
 * Timer D is "at least 32 s" on unreliable transports (§17.1.1.2); with a
 * larger T1 it is 64*T1, to outlast the server's timer H.
 */
#define TXN_TIMER_D_MIN 32000

/* "z9hG4bK" and 16 random characters (96 bits), and a NUL */
#define TXN_BRANCH_LEN 23
#define TXN_BRANCH_SIZE (TXN_BRANCH_LEN + 1)

struct txn_config {
	uint32_t t1_ms; /* RTT estimate */
	uint32_t t2_ms; /* cap of non-INVITE and response retransmission */
	uint32_t t4_ms; /* how long a message may live in the network */
	uint32_t max_txns; /* live transactions, client and server together */
};

/* Bytes of the transport's own description of a peer. */
#define TXN_PEER_SIZE 80

/*
 * Where a transaction sends: for a client transaction the next hop, for a
 * server transaction where responses go (§18.2.2).  The transport defines
 * what @peer holds (an address, a connection id) and reads it back in
 * send(); the layer only copies it.
 */
struct txn_dest {
	_Alignas(8) unsigned char peer[TXN_PEER_SIZE];
	/* TCP, TLS, SCTP: no retransmission, zero-length timers D, I, J, K */
	bool reliable;
};

enum txn_kind {
	TXN_INVITE_CLIENT,
	TXN_NON_INVITE_CLIENT,
	TXN_INVITE_SERVER,
	TXN_NON_INVITE_SERVER,
};

enum txn_state {
	TXN_CALLING, /* INVITE client */
	TXN_TRYING, /* non-INVITE client and server */
	TXN_PROCEEDING,
	TXN_COMPLETED,
	TXN_CONFIRMED, /* INVITE server */
	TXN_ACCEPTED, /* INVITE, after a 2xx (RFC 6026) */
	TXN_TERMINATED, /* seen only from on_terminated() */
};

struct txn;
struct txn_table;

/*
 * What the transaction layer calls.  Callbacks may call txn_*() on other
 * transactions and create new ones, but not txn_table_free().
 */
struct txn_ops {
	/* Return 0, or -errno: the transaction then ends as a transport error. */
	int (*send)(void *ctx, const struct txn_dest *dst, const char *buf,
		    size_t len);
	/*
	 * A response for a client transaction the TU should see: every 1xx
	 * and 2xx, and the first 3xx-6xx (whose ACK was already sent).  The
	 * TU may edit @resp (pop its Via) and forward it.
	 */
	void (*on_response)(struct txn *t, struct sip_msg *resp);
	/* Timer B or F (no final response), or H (no ACK for a non-2xx). */
	void (*on_timeout)(struct txn *t);
	/* send() failed (§17.1.4, §17.2.4). */
	void (*on_transport_error)(struct txn *t);
	/* Last call for @t: drop every reference to it. */
	void (*on_terminated)(struct txn *t);
};

/**
 * txn_config_default() - RFC 3261 timer defaults
 * @cfg: filled with T1 500 ms, T2 4 s, T4 5 s
 * @max_txns: the limit of live transactions
 */
void txn_config_default(struct txn_config *cfg, uint32_t max_txns);

/**
 * txn_table_new() - create an empty transaction layer
 * @out: the new table
 * @cfg: timers and limit, copied; 0 < T1 <= T2 <= 2^31 ms (T1 also below
 *	 2^25 ms, so that 128*T1 fits), T4 > 0, max_txns > 0
 * @ops: callbacks, kept by reference; send is required, the others may be
 *	 NULL
 * @ctx: passed to send()
 *
 * Return: 0, -EINVAL for a bad @cfg, -ENOMEM.
 */
int txn_table_new(struct txn_table **out, const struct txn_config *cfg,
		  const struct txn_ops *ops, void *ctx);

/**
 * txn_table_free() - end every transaction and free the table
 * @tt: the table, or NULL
 *
 * on_terminated() is called for each live transaction; the layer sends
 * nothing, and creating a transaction from these callbacks fails with
 * -ESHUTDOWN.
 */
void txn_table_free(struct txn_table *tt);

/* Live transactions of @tt. */
unsigned int txn_count(const struct txn_table *tt);

/**
 * txn_branch_new() - a fresh RFC 3261 branch for a client transaction
 * @buf: output, NUL-terminated
 * @size: at least TXN_BRANCH_SIZE
 *
 * "z9hG4bK" followed by 16 random token characters from getrandom().
 *
 * Return: TXN_BRANCH_LEN, -ENOSPC when @size is too small, or the errno
 * of getrandom().
 */
int txn_branch_new(char *buf, size_t size);

/**
 * txn_client_create() - start a client transaction and send its request
 * @tt: the table
 * @buf: the request as it goes on the wire, its top Via carrying a
 *	 branch with the magic cookie (see txn_branch_new()); copied
 * @len: its length
 * @dst: the next hop, copied
 * @user: the TU's pointer, see txn_user()
 * @out: the transaction
 *
 * An INVITE starts in Calling (timers A and B), anything else but ACK in
 * Trying (timers E and F); the request is sent before this returns.  A
 * CANCEL has its own transaction with the branch of the INVITE it cancels
 * (§9.1); see also txn_client_cancel().
 *
 * Return: 0; -EBADMSG when @buf does not parse as a request, -EINVAL for
 * ACK or a branch without the cookie, -EEXIST when a client transaction
 * has this branch and method, -ENOSPC at the limit, -ENOMEM, or the error
 * of the first send() (no transaction is left and no callback is called).
 */
int txn_client_create(struct txn_table *tt, const char *buf, size_t len,
		      const struct txn_dest *dst, void *user, struct txn **out);

/**
 * txn_client_recv() - hand a received response to its client transaction
 * @tt: the table
 * @resp: the parsed response
 *
 * Matches by the top Via branch and the CSeq method (§17.1.3).  The
 * transaction then either passes @resp to on_response() or absorbs it (a
 * retransmitted final response, which re-sends the ACK for a non-2xx).
 *
 * Return: 1 when a transaction matched, 0 when none did: a proxy forwards
 * such a response statelessly (§16.7 for a 2xx whose transaction is gone).
 */
int txn_client_recv(struct txn_table *tt, struct sip_msg *resp);

/**
 * txn_client_cancel() - cancel an INVITE client transaction (§9.1)
 * @t: the INVITE client transaction
 *
 * Builds the CANCEL from the INVITE (same Request-URI, Call-ID, From, To,
 * CSeq number, top Via and Route) and starts its own non-INVITE client
 * transaction to the same destination, with a NULL user pointer.  Before
 * a provisional response the CANCEL must not be sent: it is then held and
 * sent when the first 1xx arrives, and dropped if a final response or
 * timer B comes first.
 *
 * Return: 0 (sent or held), -EALREADY when a final response arrived or a
 * CANCEL was already asked for, -EINVAL for another kind of transaction,
 * or what txn_client_create() returned for the CANCEL.  A held CANCEL
 * that cannot be created or sent later is dropped silently: the INVITE
 * then ends by its final response or by the TU's timer C (§16.6 step 11).
 */
int txn_client_cancel(struct txn *t);

/**
 * txn_server_recv() - offer a received request to the server transactions
 * @tt: the table
 * @req: the parsed request
 *
 * Matches by top Via branch, sent-by and method, an ACK matching its
 * INVITE (§17.2.3), or by the RFC 2543 rules for a branch without the
 * magic cookie.  A retransmission re-sends the last response; an ACK for a
 * non-2xx moves the INVITE transaction to Confirmed.
 *
 * Return: 1 when a transaction absorbed @req; 0 otherwise: the TU creates a
 * server transaction with txn_server_create(), or, for an ACK (one that
 * matched an INVITE transaction in Accepted included), forwards it
 * statelessly.  A CANCEL never matches its INVITE here: see
 * txn_find_invite_for_cancel().
 */
int txn_server_recv(struct txn_table *tt, const struct sip_msg *req);

/**
 * txn_server_create() - start a server transaction for a new request
 * @tt: the table
 * @req: the parsed request, usually stamped with sip_via_stamp(); it is
 *	 written (with its edits) into the transaction's own copy, so create
 *	 the transaction before editing @req for forwarding
 * @src: where responses go, copied
 * @user: the TU's pointer
 * @out: the transaction
 *
 * An INVITE starts in Proceeding (the TU sends 100 Trying through
 * txn_respond()), anything else but ACK in Trying.  No timer runs until
 * the first final response.
 *
 * Return: 0; -EINVAL for ACK or a request without Via, -EEXIST when a
 * transaction already matches @req (call txn_server_recv() first),
 * -ENOSPC at the limit (the TU answers 503), -ENOMEM.
 */
int txn_server_create(struct txn_table *tt, const struct sip_msg *req,
		      const struct txn_dest *src, void *user, struct txn **out);

/**
 * txn_respond() - send a response through a server transaction
 * @t: the server transaction
 * @buf: the response as it goes on the wire; a copy is kept for
 *	 retransmission
 * @len: its length
 *
 * A 1xx keeps the transaction in (or moves it to) Proceeding; a 3xx-6xx
 * to Completed (INVITE: timers G and H; non-INVITE: timer J); a 2xx to an
 * INVITE to Accepted (timer L), where further 2xx from the TU are sent
 * and nothing is retransmitted by the layer (RFC 6026 §7.1).
 *
 * Return: 0; -EINVAL when @buf does not start with a status line;
 * -EALREADY when the transaction no longer takes this response (it is
 * dropped); -ENOMEM; or the send() error, after on_transport_error() and
 * on_terminated().  On a reliable transport a non-INVITE final response
 * ends the transaction before this returns.
 */
int txn_respond(struct txn *t, const char *buf, size_t len);

/**
 * txn_find_invite_for_cancel() - the INVITE server transaction a CANCEL
 * targets (§9.2)
 * @tt: the table
 * @cancel: the parsed CANCEL
 *
 * Return: the transaction, in whatever state, or NULL (the TU answers
 * 481).
 */
struct txn *txn_find_invite_for_cancel(struct txn_table *tt,
				       const struct sip_msg *cancel);

/**
 * txn_req_parse() - parse the transaction's copy of its request
 * @t: the transaction
 * @m: result; its strings point into the transaction's copy, valid until
 *     the transaction reaches Completed, Confirmed or Accepted (the copy
 *     is freed then) or ends
 * @err: filled on a parse failure
 *
 * Return: 0, -ENOENT when the copy is gone, -EBADMSG.
 */
int txn_req_parse(const struct txn *t, struct sip_msg *m, struct sip_err *err);

struct txn_table *txn_table(const struct txn *t);
enum txn_kind txn_kind(const struct txn *t);
enum txn_state txn_state(const struct txn *t);
/* The method of the request that created @t (enum sip_method). */
int txn_method(const struct txn *t);
/* Its top Via branch. */
struct sip_str txn_branch(const struct txn *t);
/* Status of the last response received (client) or sent (server), or 0. */
int txn_status(const struct txn *t);
const struct txn_dest *txn_dest(const struct txn *t);
void *txn_user(const struct txn *t);
void txn_set_user(struct txn *t, void *user);
/* "Calling", "Trying", ... for logs. */
const char *txn_state_name(enum txn_state state);

#endif
