/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Keep-alives to registered contacts behind a NAT, so the NAT keeps the
 * mapping the phone registered through open and calls can reach it
 * ([nat] keepalive_interval and keepalive_method).
 *
 * Each live binding the registrar marked nated gets one keep-alive per
 * interval, sent to the address its REGISTER came from, at a phase of
 * the interval drawn from the binding, so ten thousand bindings do not
 * fire in the same tick.  An OPTIONS keep-alive is a stateless request
 * whose response keepalive_response() takes; a CRLF keep-alive is
 * "\r\n\r\n" on TCP/TLS (the RFC 5626 §3.5.1 ping) and "\r\n" on UDP.
 * A stream keep-alive only ever rides a connection the phone opened: a
 * connection dialled from here would not cross its NAT.
 */
#ifndef SIPFP_KEEPALIVE_H
#define SIPFP_KEEPALIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "location.h"
#include "sip/msg.h"

/* Unanswered OPTIONS in a row after which a binding counts unresponsive. */
#define KA_MAX_MISSES 3

/* Since keepalive_init(); read, never reset. */
struct keepalive_stats {
	uint64_t sent; /* keep-alives the transport took */
	uint64_t answered; /* OPTIONS that got a response */
	uint64_t skipped; /* TCP/TLS bindings with no open connection */
	uint64_t send_errors; /* any other transport failure */
	uint64_t missed; /* OPTIONS still unanswered when the next was due */
	uint64_t unresponsive; /* bindings that reached KA_MAX_MISSES */
	uint64_t stray; /* responses to ours matching none outstanding */
};

extern struct keepalive_stats keepalive_stats;

/**
 * keepalive_init() - start sending keep-alives to the NATed bindings
 * @loc: the location store; read on each tick, never changed
 * @cfg: [nat], the listen addresses (the Via) and the first served
 *	 domain (the From); must stay valid until keepalive_configure()
 *	 or keepalive_exit()
 *
 * Needs ev_init().  An interval of 0 arms nothing.
 *
 * Return: 0, or -EINVAL for a NULL @loc or @cfg.
 */
int keepalive_init(struct location *loc, const struct config *cfg);

/**
 * keepalive_configure() - take a reloaded configuration
 * @cfg: as for keepalive_init()
 *
 * A new interval starts a new round: each binding's next keep-alive
 * falls within one new interval.
 */
void keepalive_configure(const struct config *cfg);

void keepalive_exit(void);

/**
 * keepalive_response() - take a response to one of our OPTIONS
 * @resp: a parsed response, before any transaction matching
 *
 * Ours carry a top Via branch starting with "z9hG4bK-ka-" and this
 * process's Call-ID; no transaction exists for them.
 *
 * Return: true when @resp answers a keep-alive (it is consumed), false
 * when it is for someone else.
 */
bool keepalive_response(const struct sip_msg *resp);

/* One info line with every counter (SIGUSR1). */
void keepalive_stats_log(void);

#endif
