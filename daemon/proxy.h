/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The proxy core (RFC 3261 §16): what sipfpd does with every request the
 * receive path (server.c) lets through.  A REGISTER for a served domain
 * goes to the registrar after a 401 challenge; anything else is proxied
 * transaction-statefully after a 407 challenge where one is due:
 *
 * - to the registered contacts of a served domain's user, forking in
 *   parallel within a q value and sequentially from the highest q down;
 * - along the Route set of an in-dialog request this proxy record-routed;
 * - to the next hop of the longest matching [routes] prefix;
 * - nowhere else: 403, so the proxy is not an open relay.
 *
 * Record-Route entries carry a keyed hash of the Call-ID, so only dialogs
 * this proxy set up can be loose-routed through it without a challenge.
 */
#ifndef SIPFP_PROXY_H
#define SIPFP_PROXY_H

#include <stdint.h>

#include "config.h"

struct sip_msg;

struct proxy_stats {
	uint64_t forwarded; /* requests sent on a branch */
	uint64_t forwarded_stateless; /* ACKs for 2xx */
	uint64_t responses; /* responses forwarded upstream */
	uint64_t responses_stateless; /* with no transaction left */
	uint64_t registers; /* REGISTERs answered by the registrar */
	uint64_t challenged; /* 401 and 407 */
	uint64_t auth_failed; /* 403 after credentials */
	uint64_t relay_denied; /* 403: nowhere we may route to */
	uint64_t not_found; /* 404 and 480 */
	uint64_t loops; /* 482 */
	uint64_t cancelled;
	uint64_t txn_full; /* 503: transaction table full */
	uint64_t dropped; /* unroutable responses and ACKs */
};

extern struct proxy_stats proxy_stats;

/**
 * proxy_init() - open the location store and users file, set up the
 * transaction layer
 * @cfg: the configuration; must stay valid until proxy_configure() or
 *	 proxy_exit()
 *
 * Runs before privileges are dropped, so the state directory may be
 * created as root and handed to [general] user.
 *
 * Return: 0, or -1 after logging what failed (file and reason).
 */
int proxy_init(const struct config *cfg);

/*
 * After a reload: new users, routes, trusted networks and domains; a
 * users file that does not load keeps the old users.  Calls in progress
 * and registrations are kept.
 */
void proxy_configure(const struct config *cfg);

void proxy_exit(void);

/* One info line with every counter (SIGUSR1). */
void proxy_stats_log(void);

/* For the control socket and the metrics: what is alive now. */
unsigned int proxy_transactions(void);
size_t proxy_registrations(void);
/* Each binding, expired ones not yet swept too, until @fn returns nonzero. */
struct binding;
int proxy_bindings(int (*fn)(const struct binding *b, void *arg), void *arg);

/**
 * proxy_originate() - send a request of our own, such as a BYE
 * @m: the request, routed by its Route set or Request-URI; its one Via
 *	is a placeholder (the parser wants one), replaced by ours
 *
 * It gets our Via and a client transaction of its own; its response ends
 * here.
 *
 * Return: 0, or -errno (no route to its next hop, no room).
 */
int proxy_originate(struct sip_msg *m);

#endif
