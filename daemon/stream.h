/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stream connections (TCP, TLS) inside the transport layer.  tcp.c owns
 * the sockets, buffers, framing, idle timers and the connection tables;
 * the bytes go through a small ops table, so TLS adds an ops table over
 * the same connection instead of a second transport.
 */
#ifndef SIPFP_STREAM_H
#define SIPFP_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "event.h"
#include "transport.h"

struct conn;

struct stream_ops {
	/*
	 * Start the session on a connected socket (@server: accepted here).
	 * May be NULL.  Return 0 or -errno (the connection is closed).
	 */
	int (*open)(struct conn *c, bool server);
	/*
	 * Return bytes moved, 0 at end of stream (read), -EAGAIN when the
	 * call must be repeated once the socket is ready in the direction
	 * set in c->want_write / c->want_read, or another -errno.
	 */
	ssize_t (*read)(struct conn *c, void *buf, size_t len);
	ssize_t (*write)(struct conn *c, const void *buf, size_t len);
	/* Free the session state in c->priv; the socket is closed after. */
	void (*close)(struct conn *c);
};

struct conn {
	uint64_t id; /* never reused; the low bits are the descriptor */
	int fd;
	uint8_t proto; /* enum tp_proto */
	const struct stream_ops *ops;
	void *priv; /* the ops' session, e.g. an SSL * */
	union tp_addr peer;
	union tp_addr local;
	struct conn *hnext; /* peer address hash chain */
	struct ev_timer idle;
	uint64_t last_ms; /* last byte either way */

	char *in;
	uint32_t inlen, incap;
	char *out;
	uint32_t outoff, outlen, outcap; /* pending: out[outoff, outlen) */
	uint32_t events; /* registered with epoll */

	uint8_t crlf; /* CR and LF octets seen between messages */
	bool connecting; /* outgoing, connect() in progress */
	bool want_read, want_write; /* set by ops returning -EAGAIN */
	/* the backlog waits for input, not for room (a TLS handshake) */
	bool out_waits_read;
	bool busy; /* inside the receive callback: close later */
	bool dead; /* closed while busy */
	bool closing; /* close once the output is flushed */
	bool shut; /* closing, write side shut: draining until EOF */
};

/* The TLS module sets this before tp_init(); NULL: no TLS. */
extern const struct stream_ops *tls_stream_ops;

#endif
