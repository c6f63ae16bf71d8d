/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What happens to each received message before the proxy core sees it:
 * parse (a malformed request is answered 400 naming the fault, anything
 * else malformed is dropped and counted), per-source rate limiting, the
 * Via stamp (RFC 3581), the RFC 3261 §16.3 checks, and OPTIONS to the
 * proxy itself (a health check).  Everything else goes to the hooks
 * below, which the proxy core defines; the defaults here answer 404.
 */
#ifndef SIPFP_SERVER_H
#define SIPFP_SERVER_H

#include <stdint.h>

#include "config.h"
#include "sip/msg.h"
#include "transport.h"

/* For a later control socket: read, never reset. */
struct server_stats {
	uint64_t received; /* messages from the transports */
	uint64_t parsed;
	uint64_t malformed; /* failed to parse */
	uint64_t malformed_dropped; /* of those: unanswerable, dropped */
	uint64_t stray_responses; /* responses no transaction wanted */
	uint64_t answered[7]; /* responses sent here, by class: [2] is 2xx */
	uint64_t rate_limited; /* over the per-source limit, answered 503 */
	uint64_t rate_dropped; /* over the limit, dropped */
	uint64_t send_errors;
};

extern struct server_stats server_stats;

/* Option tags this element supports (Supported, Require, Proxy-Require). */
extern const char *const server_option_tags[];

/**
 * server_configure() - take the served domains, the addresses that are
 * ours and the rate limit from @cfg; again after each reload
 *
 * @cfg must stay valid until the next call.
 */
void server_configure(const struct config *cfg);
void server_exit(void);

/* The transports' callback (tp_recv_fn). */
void server_recv(const char *buf, size_t len, const struct sip_peer *peer);

/**
 * server_request() - a request for the proxy core
 * @m: parsed, Via stamped, §16.3 steps 1-5 passed (not ACK: ACK arrives
 *     unchecked); the buffer is the transport's, valid for this call only
 * @peer: where it came from
 *
 * Weak default: 404 to everything but ACK, which it drops.
 */
void server_request(struct sip_msg *m, const struct sip_peer *peer);

/**
 * server_response() - a response for the transaction layer
 * Weak default: drops it, counted in stray_responses.
 */
void server_response(struct sip_msg *m, const struct sip_peer *peer);

/**
 * server_reply() - answer a request statelessly
 * @req: the request (a failed parse will do: it needs the Via, From, To,
 *	 Call-ID and CSeq lines it had)
 * @peer: where it came from
 * @status: the status code
 * @reason: reason phrase, NULL for the standard one
 * @extra: header lines, each ending in CRLF, or NULL
 *
 * The To tag is a hash of the request's identity, so a retransmission
 * gets the same one (§8.2.6.2).  The response goes where §18.2.2 says.
 *
 * Return: 0, or -errno from building or sending.
 */
int server_reply(const struct sip_msg *req, const struct sip_peer *peer,
		 int status, const char *reason, const char *extra);

/**
 * server_resp_peer() - where a response to @req goes (§18.2.2, RFC 3581)
 * @req: the request, its top Via as received
 * @src: where it came from
 * @dst: filled: the same connection for TCP/TLS (with the sent-by port
 *	 for when it has closed), the source address with rport or else
 *	 the sent-by port (5060 without one) for UDP
 */
void server_resp_peer(const struct sip_msg *req, const struct sip_peer *src,
		      struct sip_peer *dst);

/*
 * A To tag for our answers to @m, the same for its retransmissions
 * (§8.2.6.2); @size at least 17.
 */
void server_to_tag(const struct sip_msg *m, char *buf, size_t size);

/*
 * server_send_anew() - §18.2.2: a response whose connection has closed
 * goes on a new one to the address it came from and the port of @req's
 * top Via sent-by; @dst is that peer, changed accordingly.
 */
int server_send_anew(const struct sip_msg *req, struct sip_peer *dst,
		     const char *buf, size_t len);

/* True when @host is one of the served domains. */
bool server_is_domain(struct sip_str host);

/* True when @u's host is a served domain or one of our addresses. */
bool server_is_local(const struct sip_uri *u);

/* One info line with every counter (SIGUSR1). */
void server_stats_log(void);

#endif
