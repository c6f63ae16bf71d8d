/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The registrar (RFC 3261 §10.3): turns one authenticated REGISTER into
 * binding changes in the location service and writes the response.
 *
 * Decisions beyond the RFC:
 * - A binding is the same binding when its Contact URI is equivalent
 *   (§19.1.4), or when it carries the same +sip.instance and reg-id
 *   (RFC 5626 §6; RFC 5627 for an instance without reg-id), so a phone
 *   that comes back on a new NAT port replaces its stale binding.
 * - More than max_per_aor bindings: the least recently refreshed bindings
 *   this request did not touch are removed to make room (stale contacts
 *   of rebooted phones are the usual cause, and only the AOR's own
 *   authenticated user can cause it).  A request that alone names more
 *   contacts than that gets 403.  More than max_total bindings in all
 *   gets 503 with Retry-After: other users' bindings are never evicted.
 * - Path (RFC 3327) is stored with every binding of the request; it is
 *   echoed in the 200 only when the UA sent Supported: path.
 * - A binding is "nated" when the source address differs from the
 *   Contact's host (a name counts as different), or, over UDP, the
 *   source port differs from the Contact's port (over TCP/TLS the source
 *   port of an outgoing connection is ephemeral and says nothing).
 */
#ifndef SIPFP_REGISTRAR_H
#define SIPFP_REGISTRAR_H

#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "location.h"
#include "sip/msg.h"

/* Where a request came from, as the transport saw it. */
struct peer_info {
	int transport; /* enum loc_transport */
	char ip[46]; /* printed, IPv6 without brackets */
	uint16_t port;
	uint64_t conn_id; /* TCP/TLS connection, 0 for UDP */
};

#define REG_DEFAULT_EXPIRES 3600
#define REG_MIN_EXPIRES 60
#define REG_MAX_EXPIRES 7200
#define REG_MAX_PER_AOR 10
#define REG_MAX_TOTAL 100000

/* Zero fields take the REG_* defaults above. */
struct registrar_conf {
	/* served domains, NULL-terminated; compared case-insensitively */
	const char *const *domains;
	uint32_t default_expires; /* when the request names none */
	/* shorter requests get 423; at most 3600 (§10.3 step 7) */
	uint32_t min_expires;
	uint32_t max_expires; /* longer requests are cut to this */
	uint32_t max_per_aor;
	uint32_t max_total;
};

struct registrar;

/**
 * registrar_new() - create a registrar over a location store
 * @loc: the store; must outlive the registrar
 * @conf: settings, copied (the domain strings too)
 *
 * Return: the registrar, or NULL with errno set (EINVAL for settings
 * that contradict each other: min above max, min above 3600, no domain).
 */
struct registrar *registrar_new(struct location *loc,
				const struct registrar_conf *conf);

/**
 * registrar_free() - free a registrar; its location store stays open
 * @r: the registrar, or NULL
 */
void registrar_free(struct registrar *r);

/**
 * registrar_handle() - process one REGISTER and write its response
 * @r: the registrar
 * @req: the parsed REGISTER (with the Via stamp already applied)
 * @auth_user: the user the caller authenticated (§10.3 step 3 is the
 *	       caller's): a bare user name must equal the AOR's user part,
 *	       "user@domain" the AOR's both; NULL only when the
 *	       configuration turned authentication off, which lets any
 *	       request register any AOR of a served domain
 * @src: where the request came from
 * @now: current time
 * @out: response buffer
 * @size: its size
 *
 * Follows §10.3: Require (420), authorization (403), the AOR from To
 * (404 unless sip/sips in a served domain), Contact "*" (400 unless alone
 * with Expires: 0), per-contact expiry (423 with Min-Expires, or cut to
 * max_expires), Call-ID/CSeq ordering (an old or replayed update fails
 * the whole request with 500), all changes committed or none (500), and
 * a 200 listing every binding of the AOR with its remaining expires.
 * The request must have passed sip_msg_parse().
 *
 * Return: response length, -EINVAL when @req is not a REGISTER, -ENOSPC
 * when @out is too small.
 */
ssize_t registrar_handle(struct registrar *r, struct sip_msg *req,
			 const char *auth_user, const struct peer_info *src,
			 time_t now, char *out, size_t size);

#endif
