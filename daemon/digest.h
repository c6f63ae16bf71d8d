/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Digest authentication of SIP requests (RFC 3261 §22, RFC 7616,
 * RFC 8760): challenges for 401/407 responses, stateless nonces, and the
 * check of Authorization / Proxy-Authorization credentials.
 *
 * Pure: no sockets, no timers, no logging.  Time comes in as an argument
 * (milliseconds, ev_now_ms()'s clock).  Nonces are
 *
 *	base64url(ts || rand || HMAC-SHA256(secret, ts || rand || realm)[0:16])
 *
 * so the server keeps no state per challenge; replays are caught by a
 * bounded table of the highest nonce-count seen per nonce.
 */
#ifndef SIPFP_DIGEST_H
#define SIPFP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sip/str.h"

struct sip_msg;
struct users;
struct user;
struct digest_ctx;

/* Hash algorithms, strongest first (the order challenges list them in). */
enum digest_alg {
	DIGEST_SHA512_256, /* "SHA-512-256" (RFC 7616 §6.1, RFC 8760) */
	DIGEST_SHA256, /* "SHA-256" */
	DIGEST_MD5, /* "MD5", RFC 2617 and every old UA */
	DIGEST__NALG,
};

#define DIGEST_ALG(a) (1u << (a))
#define DIGEST_ALGS_DEFAULT (DIGEST_ALG(DIGEST_SHA256) | DIGEST_ALG(DIGEST_MD5))
#define DIGEST_ALGS_ALL ((1u << DIGEST__NALG) - 1)
#define DIGEST_MAX_LEN 32 /* bytes in the longest hash */

/* Default size of the nonce-count table, in nonces. */
#define DIGEST_NC_SLOTS 65536

enum digest_outcome {
	DIGEST_OK, /* res->user authenticated */
	DIGEST_NO_CREDENTIALS, /* none for our realm (or only non-Digest) */
	DIGEST_UNKNOWN_USER, /* no such user in our realm */
	DIGEST_BAD_RESPONSE, /* wrong password */
	DIGEST_STALE_NONCE, /* right password, nonce expired or unknown */
	DIGEST_BAD_NONCE, /* forged or malformed nonce, wrong response */
	DIGEST_REPLAY, /* right password, nonce-count did not grow */
	DIGEST_BAD_ALGORITHM, /* not offered, or no secret for this user */
	DIGEST_BAD_REQUEST, /* malformed credentials: res->why says how */
	DIGEST__NOUTCOME,
};

struct digest_result {
	enum digest_outcome outcome;
	/*
	 * The user the credentials name, once looked up; it lives in the
	 * users table, so it is valid only until that table is freed
	 * (a SIGHUP reload): copy what must outlive the request.
	 */
	const struct user *user;
	const char *username; /* user's name, NUL-terminated, or NULL */
	enum digest_alg alg; /* the credentials' algorithm */
	bool sess; /* "-sess" variant */
	/* DIGEST_BAD_ALGORITHM: what this user can use (0: none) */
	unsigned algs;
	/* index in req->hdr[] of the credentials used, -1 when none */
	int hdr;
	/* static text for logs and the 400 reason; never holds a secret */
	const char *why;
};

/**
 * digest_ctx_new() - a context for one realm
 * @realm: the realm challenges name (usually the served domain); printable
 *	   ASCII without '"' or '\'
 * @nonce_ttl: seconds a nonce is accepted for
 * @algs: DIGEST_ALG() bits of the algorithms to offer and accept
 * @nc_slots: nonces the replay table remembers (0: DIGEST_NC_SLOTS)
 *
 * The nonce key is random (RAND_bytes); digest_ctx_set_key() replaces it.
 * Nonces of a previous process therefore fail their check, and a UA
 * that still holds one is told stale=true once its response proves it
 * knows the password (see digest_verify()).
 *
 * Return: the context, or NULL with errno set (EINVAL, ENOMEM, EIO).
 */
struct digest_ctx *digest_ctx_new(const char *realm, unsigned nonce_ttl,
				  unsigned algs, size_t nc_slots);

/**
 * digest_ctx_free() - free a context (NULL is fine)
 * @ctx: the context
 */
void digest_ctx_free(struct digest_ctx *ctx);

/**
 * digest_ctx_set_key() - set the key nonces are signed with
 * @ctx: the context
 * @key: key bytes (at least 16)
 * @len: their count
 *
 * For a key kept across restarts (with a clock that survives them too),
 * and for tests.  Nonces signed with the previous key become invalid.
 *
 * Return: 0, or -EINVAL for a short key.
 */
int digest_ctx_set_key(struct digest_ctx *ctx, const void *key, size_t len);

/**
 * digest_ctx_realm() - the context's realm
 * @ctx: the context
 *
 * Return: the realm, NUL-terminated.
 */
const char *digest_ctx_realm(const struct digest_ctx *ctx);

/**
 * digest_challenge() - header lines for a 401 or 407
 * @ctx: the context
 * @now_ms: current time
 * @proxy: Proxy-Authenticate (407) instead of WWW-Authenticate (401)
 * @stale: add stale=true (after DIGEST_STALE_NONCE or DIGEST_REPLAY)
 * @out: output buffer
 * @size: its size
 *
 * Writes one header line per algorithm the context offers, strongest
 * first (RFC 8760 §2.4: a UAC uses the topmost it supports), each with
 * realm, one shared fresh nonce, opaque, algorithm and qop="auth", and
 * ending in CRLF, so @out can be a sip_reply's extra headers.  @out is
 * NUL-terminated.
 *
 * Return: the length written, or -ENOSPC (then @out holds "").
 */
ssize_t digest_challenge(struct digest_ctx *ctx, uint64_t now_ms, bool proxy,
			 bool stale, char *out, size_t size);

/**
 * digest_challenge_algs() - digest_challenge() for some algorithms only
 * @ctx: the context
 * @now_ms: current time
 * @proxy: Proxy-Authenticate instead of WWW-Authenticate
 * @stale: add stale=true
 * @algs: DIGEST_ALG() bits, intersected with the context's; 0 means all of
 *	  the context's (as after DIGEST_BAD_ALGORITHM with res->algs 0
 *	  there is nothing better to offer)
 * @out: output buffer
 * @size: its size
 *
 * Return: the length written, or -ENOSPC.
 */
ssize_t digest_challenge_algs(struct digest_ctx *ctx, uint64_t now_ms,
			      bool proxy, bool stale, unsigned algs, char *out,
			      size_t size);

/**
 * digest_verify() - check a request's credentials
 * @ctx: the context (its realm selects the credentials)
 * @users: the users table
 * @req: a parsed request
 * @proxy: check Proxy-Authorization (a proxy, 407) instead of
 *	   Authorization (a registrar or UAS, 401)
 * @now_ms: current time
 * @res: the outcome and what is known about the user
 *
 * Takes the first Digest credentials whose realm is the context's; others
 * (other realms, other schemes) are left for whoever they are meant for.
 * Checks, in order: the directives (username, nonce, uri, response; qop
 * absent or "auth", then nc and cnonce), the algorithm, that uri equals
 * the Request-URI (RFC 3261 §22.4, by §19.1.4 rules), the user, the
 * response (constant-time compare), the nonce's signature and age, and
 * the nonce-count.  A nonce that is expired, or fails its signature, but
 * comes with the right response gives DIGEST_STALE_NONCE (RFC 7616
 * §3.3: stale only when the client knows the password); with the wrong
 * response a bad signature gives DIGEST_BAD_NONCE and an expired one
 * DIGEST_BAD_RESPONSE.  Without qop (RFC 2069) there is no nonce-count, so
 * no replay check beyond the nonce's lifetime.
 *
 * Credentials with userhash=true (RFC 7616 §3.4.4) are looked up by the
 * hash of username and realm.  A successful check records the
 * nonce-count, so the same credentials a second time give DIGEST_REPLAY.
 *
 * What the caller answers (digest_status() gives the code):
 *   OK: go on.  NO_CREDENTIALS, BAD_NONCE: 401/407 with a fresh challenge.
 *   UNKNOWN_USER, BAD_RESPONSE: the same (never tell them apart), or 403
 *	when this source keeps failing.  STALE_NONCE, REPLAY: 401/407 with
 *	stale=true, so the UA retries without asking its user.
 *   BAD_ALGORITHM: 401/407 from digest_challenge_algs(res->algs).
 *   BAD_REQUEST: 400, res->why as the reason or Warning text.
 *
 * Return: @res->outcome.
 */
enum digest_outcome digest_verify(struct digest_ctx *ctx,
				  const struct users *users,
				  const struct sip_msg *req, bool proxy,
				  uint64_t now_ms, struct digest_result *res);

/**
 * digest_status() - the response code for an outcome
 * @outcome: from digest_verify()
 * @proxy: the request was checked as a proxy
 * @stale: set to whether the new challenge should carry stale=true
 *
 * Return: 0 for DIGEST_OK, 400 for DIGEST_BAD_REQUEST, else 407 when
 * @proxy and 401 when not.
 */
int digest_status(enum digest_outcome outcome, bool proxy, bool *stale);

/**
 * digest_outcome_name() - "ok", "no-credentials", "bad-response", ...
 * @outcome: an outcome
 *
 * Return: a static string for logs and counters.
 */
const char *digest_outcome_name(enum digest_outcome outcome);

/**
 * digest_alg_name() - "MD5", "SHA-256", "SHA-512-256"
 * @alg: an algorithm
 *
 * Return: the RFC 7616 name, static.
 */
const char *digest_alg_name(enum digest_alg alg);

/**
 * digest_alg_parse() - an algorithm directive's value
 * @s: "MD5", "sha-256-sess", ... (case-insensitive); empty means MD5
 *     (RFC 7616 §3.3)
 * @alg: the algorithm
 * @sess: set for a "-sess" variant
 *
 * Return: 0, or -EINVAL for an unknown algorithm.
 */
int digest_alg_parse(struct sip_str s, enum digest_alg *alg, bool *sess);

/**
 * digest_alg_len() - bytes in a hash of @alg
 * @alg: an algorithm
 *
 * Return: 16 or 32.
 */
size_t digest_alg_len(enum digest_alg alg);

/* What a request-digest is computed from (RFC 7616 §3.4.1). */
struct digest_input {
	enum digest_alg alg;
	bool sess; /* "-sess": HA1 becomes H(HA1 ":" nonce ":" cnonce) */
	const uint8_t *ha1; /* H(username ":" realm ":" password), binary */
	struct sip_str method;
	struct sip_str uri; /* the digest uri directive, as sent */
	struct sip_str nonce;
	struct sip_str nc; /* empty with qop: RFC 2069 form */
	struct sip_str cnonce;
	struct sip_str qop; /* "auth", or empty */
};

/**
 * digest_response() - the request-digest, as lower-case hex
 * @in: the directives and the user's HA1
 * @out: 2 * digest_alg_len(@in->alg) + 1 bytes; NUL-terminated
 *
 * What digest_verify() compares a response with; also what a UAC
 * (sipfpd towards a trunk that challenges it) sends.
 *
 * Return: 0, or -EIO when OpenSSL fails.
 */
int digest_response(const struct digest_input *in, char *out);

/**
 * digest_hash() - H(part0 ":" part1 ":" ... ) with OpenSSL EVP
 * @alg: the hash
 * @parts: the strings to join with ':'
 * @nparts: how many
 * @md: the hash, digest_alg_len(@alg) bytes
 *
 * The users table uses it for H(username ":" realm ":" password) and the
 * userhash H(username ":" realm).
 *
 * Return: 0, or -EIO when OpenSSL fails.
 */
int digest_hash(enum digest_alg alg, const struct sip_str *parts,
		unsigned nparts, uint8_t *md);

#endif
