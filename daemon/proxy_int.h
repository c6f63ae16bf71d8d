/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between the parts of the proxy core: proxy.c (requests in: checks,
 * authentication, the registrar, CANCEL, ACK), proxy_route.c (where a
 * request goes, and the Via and Record-Route that say it went through
 * here) and proxy_fwd.c (branches, forking, responses back).
 */
#ifndef SIPFP_PROXY_INT_H
#define SIPFP_PROXY_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "event.h"
#include "location.h"
#include "sip/msg.h"
#include "transport.h"
#include "txn.h"

#define PROXY_MAX_TARGETS 16
/* §16.6 step 11: more than 3 minutes */
#define PROXY_TIMER_C_MS 181000
/* "z9hG4bK" "sfp" 8 hex of the loop hash '.' 12 random: our branches */
#define PROXY_BRANCH_MAGIC "z9hG4bKsfp"
#define PROXY_BRANCH_SIZE 40

/* One place a request may go: a contact, a route's next hop. */
struct target {
	char *ruri; /* new Request-URI, NULL to keep it */
	char *path; /* Route values to put first (Path, RFC 3327), or NULL */
	struct sip_peer dst;
	int16_t q; /* ranks forking groups; -1 ranks as 1000 */
};

struct branch;

/* A proxied request: its server transaction and its branches. */
struct pctx {
	struct txn *st; /* NULL once it has ended */
	struct sip_peer in; /* where the request came from */
	char loop[9]; /* §16.6 step 8 hash of the request as received */
	uint8_t method;
	bool rr;
	unsigned int busy; /* inside a call that must not free it */
	bool final_sent;
	bool cancelled;
	bool got_6xx;
	unsigned int pending; /* branches without a final response */
	struct branch *branches;
	struct target *targets;
	unsigned int ntargets, next; /* targets[next..] not tried yet */
	char *req; /* the request with the edits every branch shares */
	uint32_t reqlen;
	char *best; /* the best final response so far, ready to send */
	uint32_t bestlen;
	uint16_t best_status;
};

struct branch {
	struct pctx *p;
	struct txn *ct; /* NULL once it has ended */
	struct branch *next;
	struct ev_timer timer_c;
	uint16_t status; /* last response, 0 before any */
	bool final; /* a final response, or a failure standing for one */
	char id[PROXY_BRANCH_SIZE]; /* its Via branch, media's name for it */
};

struct proxy {
	const struct config *cfg;
	struct txn_table *tt;
	struct location *loc;
	struct registrar *reg;
	struct users *users;
	struct digest_ctx *digest;
	struct ev_timer expire_timer;
	uint8_t rr_key[32]; /* keys the Record-Route dialog token */
	struct evp_mac_ctx_st *rr_mac; /* HMAC-SHA256 keyed with rr_key */
	const struct sip_peer *resp_src; /* of the response being handled */
};

extern struct proxy px;

/* proxy_route.c */

/* Where a message to @u goes: 0, or -EINVAL (no usable host, port). */
int route_resolve(const struct sip_uri *u, struct sip_peer *dst);

/*
 * Targets for @m's Request-URI: 0 and @n set, or the status to answer.
 * @trunk: set when a [routes] entry leads out of the box.
 */
int route_targets(const struct sip_msg *m, struct target **out,
		  unsigned int *n, bool *trunk);
void targets_free(struct target *t, unsigned int n);

/* The keyed MAC behind route_rr_token(): 0, or -1 logged. */
int route_rr_init(void);
void route_rr_exit(void);

/* The [routes] entry for @m's Request-URI user, or NULL. */
const struct cfg_route *route_prefix(const struct sip_msg *m);

/* Is this sent-by ours?  A URI's host and port (0: any of ours). */
bool route_is_ours(struct sip_str host, uint8_t host_type, uint16_t port);

/* §16.6 step 8: 8 hex digits over what a loop would repeat. */
void route_loop_hash(const struct sip_msg *m, char out[9]);

/* §16.3 step 4: a Via of ours with this request's loop hash. */
bool route_is_loop(const struct sip_msg *m);

/* The Record-Route dialog token of a Call-ID, 16 hex digits: 0 or -EIO. */
int route_rr_token(struct sip_str call_id, char out[17]);

/*
 * §16.4: pop the Route entries that are ours (and undo a strict router's
 * rewrite).  Return: true when one carried this dialog's token.
 */
bool route_preprocess(struct sip_msg *m);

/*
 * Where an in-dialog request or ACK goes next: the first Route (strict
 * routing fixed up per §16.6 step 6) or the Request-URI.
 */
int route_next_hop(struct sip_msg *m, struct sip_peer *dst);

/* Via and Record-Route for a request about to go to @dst. */
int route_push_via(struct sip_msg *m, const struct sip_peer *dst,
		   const char *branch);
int route_push_rr(struct sip_msg *m, const struct sip_peer *in,
		  const struct sip_peer *out);

/*
 * Rewrite a NATed sender's Contact to where its packets come from.
 * Return: whether the sender was behind NAT (and its Contact rewritten).
 */
bool route_fix_contact(struct sip_msg *m, const struct sip_peer *src);

/* proxy_fwd.c */

/*
 * Start forwarding @m, which came from @in, through server transaction
 * @st to the targets @t[0..n), which it takes over.  @rr: record-route.
 */
void fwd_start(struct txn *st, struct sip_msg *m, const struct sip_peer *in,
	       struct target *t, unsigned int n, bool rr);
void fwd_cancel(struct pctx *p);
void fwd_response(struct txn *ct, struct sip_msg *resp);
void fwd_client_failed(struct txn *ct, int status);
void fwd_client_ended(struct txn *ct);
void fwd_server_ended(struct txn *st);
/* A response that matched no transaction: forward it by its Via. */
void fwd_response_stateless(struct sip_msg *resp, const struct sip_peer *src);

/* proxy.c */

/* Answer @req through its server transaction; 0 or -errno. */
int proxy_reply(struct txn *st, const struct sip_msg *req, int status,
		const char *reason, const char *extra);
/* A txn_dest from a peer. */
void proxy_dest(struct txn_dest *d, const struct sip_peer *p);

#endif
