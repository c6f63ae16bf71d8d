/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The location service (RFC 3261 §10): bindings from an address-of-record
 * to the contacts a UA registered, with what a proxy needs to reach them
 * (Path, RFC 3327; the observed source behind a NAT, RFC 3581; the
 * RFC 5626 instance and reg-id).
 *
 * Lookups are served from memory (a hash by AOR); every change is written
 * through to SQLite in one transaction before it becomes visible, so a
 * restarted daemon loads the same bindings.  Time is passed in by the
 * caller; nothing here reads the clock.
 */
#ifndef SIPFP_LOCATION_H
#define SIPFP_LOCATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sip/uri.h"

/* Lengths the registrar enforces before a binding reaches the store. */
#define LOC_MAX_AOR 256
#define LOC_MAX_URI 1024
#define LOC_MAX_CALLID 256
#define LOC_MAX_INSTANCE 256
#define LOC_MAX_PATH 2048
#define LOC_MAX_UA 256
#define LOC_IP_LEN 46 /* INET6_ADDRSTRLEN */

enum loc_transport { LOC_UDP, LOC_TCP, LOC_TLS, LOC__NTRANSPORT };

/* Where a REGISTER really came from (RFC 3581). */
struct loc_addr {
	uint8_t transport; /* enum loc_transport */
	char ip[LOC_IP_LEN]; /* printed, IPv6 without brackets */
	uint16_t port;
};

/*
 * One binding.  Strings are NUL-terminated; optional ones are NULL when
 * absent.  A binding returned by the store belongs to it and stays valid
 * until the next loc_apply(), loc_expire() or loc_close().
 */
struct binding {
	const char *aor; /* canonical "sip:user@host" (loc_aor_make()) */
	const char *contact; /* the Contact URI, without <> */
	int16_t q; /* thousandths; -1 when not given (ranked as 1000) */
	time_t expires_at; /* absolute; expired when now >= expires_at */
	const char *call_id;
	uint32_t cseq;
	const char *instance; /* +sip.instance, without its quotes */
	int32_t reg_id; /* -1 when absent */
	/* Path values to route through, in order: "<sip:p1;lr>,<sip:p2;lr>" */
	const char *path;
	struct loc_addr received;
	/* the source is not the Contact's address: send to @received */
	bool nated;
	const char *user_agent; /* for display */
	/* the TCP/TLS connection it registered over; 0 for none (not stored) */
	uint64_t conn_id;
	/* set by the store: higher means written more recently */
	uint64_t seq;
};

struct location;

/**
 * loc_open() - open the location store
 * @path: SQLite database file, created when missing; NULL for a store
 *	  that lives in memory only
 * @now: current time; bindings expired by then are dropped, not loaded
 * @err: on failure, "<file>: <what went wrong>"
 * @errsize: size of @err
 *
 * Return: the store, or NULL with @err filled.
 */
struct location *loc_open(const char *path, time_t now, char *err,
			  size_t errsize);

/**
 * loc_close() - close the store; every binding pointer becomes invalid
 * @loc: the store, or NULL
 */
void loc_close(struct location *loc);

/**
 * loc_lookup() - the live bindings of an address-of-record
 * @loc: the store
 * @aor: canonical AOR
 * @now: current time; expired bindings are skipped
 * @out: filled with up to @max bindings, highest q first (absent q ranks
 *	 as 1.0), then the most recently written first: the order a proxy
 *	 forks in (§16.6)
 * @max: room in @out
 *
 * Return: the number of live bindings, which may exceed @max.
 */
int loc_lookup(struct location *loc, const char *aor, time_t now,
	       const struct binding **out, int max);

/* One change of loc_apply(): insert (@old NULL), delete (@set NULL), or
 * replace @old by @set.  @old comes from loc_lookup() on the same AOR. */
struct loc_change {
	const struct binding *old;
	const struct binding *set;
};

/**
 * loc_apply() - change the bindings of one AOR, all or nothing
 * @loc: the store
 * @aor: canonical AOR; the aor field of each @set is ignored
 * @now: current time; the AOR's expired bindings are dropped too
 * @ch: the changes, applied in order
 * @n: how many
 *
 * The changes are committed to the database in one transaction and only
 * then made visible (§10.3 step 7: all binding updates or none).
 *
 * Return: 0; -EINVAL for an @old that is not a binding of @aor or is
 * named twice; -ENOMEM; -EIO when the database failed (see loc_error()).
 * On failure nothing changed.
 */
int loc_apply(struct location *loc, const char *aor, time_t now,
	      const struct loc_change *ch, int n);

/**
 * loc_expire() - remove every binding expired at @now
 * @loc: the store
 * @now: current time
 *
 * Return: how many were removed, or -EIO (see loc_error()).
 */
int loc_expire(struct location *loc, time_t now);

/**
 * loc_foreach() - call @fn on every binding, expired ones included
 * @loc: the store
 * @fn: callback; a non-zero return stops the walk
 * @arg: passed to @fn
 *
 * @fn must not change the store.
 *
 * Return: 0, or what @fn returned to stop.
 */
int loc_foreach(struct location *loc,
		int (*fn)(const struct binding *b, void *arg), void *arg);

/**
 * loc_count() - how many bindings the store holds
 * @loc: the store
 *
 * Return: the count, expired bindings not yet removed included.
 */
size_t loc_count(const struct location *loc);

/**
 * loc_error() - what the last database failure was
 * @loc: the store
 *
 * Return: "<file>: <sqlite message>", or "" when nothing failed yet.
 */
const char *loc_error(const struct location *loc);

/**
 * loc_aor_make() - the canonical AOR of a SIP or SIPS URI (§10.3 step 5)
 * @u: parsed URI (a To of a REGISTER, or a Request-URI to look up)
 * @buf: output
 * @size: its size
 *
 * "sip:" + the user part unescaped + "@" + the host in lower case.  The
 * scheme (sips is folded into sip), port, password and parameters are
 * dropped, so that every form a UA may write reaches the same bindings.
 *
 * Return: the length, -EINVAL (not sip/sips, no user part, a bad or NUL
 * escape), -ENOSPC.
 */
int loc_aor_make(const struct sip_uri *u, char *buf, size_t size);

/**
 * loc_transport_name() - a transport for logs and the control socket
 * @transport: enum loc_transport
 *
 * Return: "udp", "tcp", "tls", or "?".
 */
const char *loc_transport_name(int transport);

#endif
