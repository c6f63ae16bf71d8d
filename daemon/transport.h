/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP transports (RFC 3261 §18): UDP and TCP listeners on the configured
 * addresses, IPv4 and IPv6, with TLS slotted in behind the same stream
 * interface (stream.h).  Every received message goes to one callback
 * with a struct sip_peer saying where it came from; tp_send() with that
 * peer answers on the same socket or connection.
 *
 * The buffer a message is delivered in is the transport's own and is
 * reused after the callback returns: whoever keeps a message past the
 * callback copies it.
 */
#ifndef SIPFP_TRANSPORT_H
#define SIPFP_TRANSPORT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "config.h"

/* Largest message either way: a UDP datagram's payload, and a stream's. */
#define TP_MAX_MSG 65535

union tp_addr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/*
 * Where a message came from, and so where its answer goes (§18.2.2).
 * To send somewhere new, zero it and fill @proto and @addr: UDP then
 * leaves from a listening socket of the address's family, TCP from a
 * connection to @addr, reused if one exists, else opened.
 */
/*
 * A conn_id no connection has: with it a stream send reuses a connection
 * from @addr and never opens one (a phone behind NAT cannot be dialled).
 */
#define TP_CONN_EXISTING UINT64_MAX

struct sip_peer {
	uint8_t proto; /* enum tp_proto */
	uint16_t sock; /* UDP: the listener it arrived on (opaque); 0: any */
	uint64_t conn_id; /* TCP/TLS: the connection, 0: any to @addr */
	union tp_addr addr; /* the remote address and port */
	/* the local address it arrived at; family 0 when unknown */
	union tp_addr local;
};

/* Called for each message, or each unframeable stream remainder. */
typedef void (*tp_recv_fn)(const char *buf, size_t len,
			   const struct sip_peer *peer);

struct tp_stats {
	uint64_t udp_rx, udp_tx;
	uint64_t udp_truncated; /* datagrams over TP_MAX_MSG, dropped */
	uint64_t udp_keepalives; /* only CR, LF, SP or NUL: ignored */
	uint64_t udp_tx_errors;
	uint64_t tcp_accepted, tcp_refused; /* refused: over the cap */
	uint64_t tcp_connected, tcp_connect_failed; /* outgoing */
	uint64_t tcp_conns; /* open now */
	uint64_t tcp_rx, tcp_tx; /* messages */
	uint64_t tcp_pings; /* RFC 5626 CRLFCRLF pings answered */
	uint64_t tcp_idle_closed;
	uint64_t tcp_framing_errors; /* unframeable input: closed */
	uint64_t tcp_overflows; /* output backlog over its cap: closed */
};

extern struct tp_stats tp_stats;

/**
 * tp_init() - open every listen address of @cfg
 * @cfg: listen addresses and stream limits
 * @recv: where received messages go
 *
 * Runs before privileges are dropped (ports below 1024).  Needs ev_init().
 * A tls address is skipped with a warning while no TLS module has set
 * tls_stream_ops.
 *
 * Return: 0, or -errno after logging which address failed.
 */
int tp_init(const struct config *cfg, tp_recv_fn recv);
void tp_exit(void);

/* New stream limits on reload; open connections are kept. */
void tp_set_limits(uint32_t idle_s, uint32_t max_conns);

/**
 * tp_send() - send one message to a peer
 * @peer: a peer a message came from, or one filled to send somewhere new
 * @buf: the whole message
 * @len: its length, at most TP_MAX_MSG
 *
 * UDP goes out of @peer->sock (from @peer->local when the socket listens
 * on a wildcard address, so a multi-homed box answers from the address
 * it was asked on).  TCP goes on connection @peer->conn_id; when that has
 * closed, on another connection from @peer->addr if there is one.  A
 * stream send that cannot complete now is queued.
 *
 * Return: 0, -ENOTCONN when @peer->conn_id names a closed connection and
 * no other leads to @peer->addr (a response then goes to the Via's
 * sent-by, §18.2.2, with conn_id 0), -EPROTONOSUPPORT, -EMSGSIZE, or
 * another -errno.
 */
int tp_send(const struct sip_peer *peer, const void *buf, size_t len);

/**
 * tp_sent_by() - our address and port as @dst sees them (sentby.c)
 * @cfg: the listen addresses
 * @dst: where a message goes: its proto and address
 * @host: "192.0.2.1" or "[2001:db8::1]", for a Via or a Record-Route
 * @size: its size
 * @port: the listener's port
 *
 * The listener of @dst's transport and family (else any of the family);
 * a wildcard one stands for the source the route to @dst picks.
 *
 * Return: 0, -EAFNOSUPPORT (no listener of the family), -EHOSTUNREACH.
 */
int tp_sent_by(const struct config *cfg, const struct sip_peer *dst,
	       char *host, size_t size, uint16_t *port);

/*
 * The source address the kernel's route to @dst picks (port 0), cached a
 * minute (sentby.c): 0, or -errno (no route).
 */
int tp_source_for(const union tp_addr *dst, union tp_addr *src);

/* "192.0.2.1", "2001:db8::1" (no brackets, as Via received wants) */
const char *tp_addr_ip(const union tp_addr *a, char *buf, size_t size);
uint16_t tp_addr_port(const union tp_addr *a);
/* A numeric IPv4 or IPv6 address (no brackets) and port: 0 or -EINVAL. */
int tp_addr_set(union tp_addr *a, const char *ip, uint16_t port);
/* "udp:192.0.2.1:5060", "tcp:[2001:db8::1]:5060", for logs */
const char *tp_peer_str(const struct sip_peer *p, char *buf, size_t size);
/* Same family, address and port (and flow info ignored). */
bool tp_addr_eq(const union tp_addr *a, const union tp_addr *b);
/* Same address, any port. */
bool tp_addr_ip_eq(const union tp_addr *a, const union tp_addr *b);

#endif
