/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TLS for the stream transport (RFC 3261 §26.2.1), through OpenSSL 3: a
 * stream_ops table over tcp.c's connections.  A server context serves
 * tls listen addresses with [tls] cert and key; a client context opens
 * connections to servers (trunks, next hops, phones' tls contacts) and,
 * with [tls] verify, checks their certificates.  A reload builds fresh
 * contexts; a connection keeps the one it started with.
 *
 * TLS 1.2 and 1.3 only, forward-secret AEAD suites only, no
 * renegotiation.  OpenSSL writes to the sockets itself, so SIGPIPE must
 * be ignored (main.c does).
 */
#ifndef SIPFP_TLS_H
#define SIPFP_TLS_H

#include <stdint.h>

#include "config.h"
#include "transport.h"

struct tls_stats {
	uint64_t handshakes; /* completed, either way */
	uint64_t failed; /* handshakes that failed, either way */
};

extern struct tls_stats tls_stats;

/**
 * tls_init() - build the TLS contexts and set tls_stream_ops
 * @cfg: the [tls] section
 *
 * Call before tp_init(), whose tls listen addresses need tls_stream_ops,
 * and before privileges are dropped (the key is often readable to root
 * alone).  Without cert and key only outgoing TLS is possible.
 *
 * Return: 0, or -errno after logging the file at fault (-ENOENT, -EACCES,
 * or -EINVAL for a file that is not PEM, an encrypted key, or a key that
 * does not match the certificate).
 */
int tls_init(const struct config *cfg);

/**
 * tls_reload() - re-read certificate, key and CA file (SIGHUP)
 * @cfg: the new configuration
 *
 * Connections already open keep their session.  A configuration without
 * cert and key keeps the running server context: the tls listen
 * addresses stay open until the next start.
 *
 * Return: 0, or -errno after logging the file at fault and that the
 * running contexts are kept.
 */
int tls_reload(const struct config *cfg);

/* Frees the contexts; call after tp_exit(). */
void tls_exit(void);

/**
 * tls_peer_name() - name the TLS server at an address
 * @addr: the server's address and port
 * @host: the host name it was reached by (a next hop's URI host), or NULL
 *	  to forget the address
 *
 * A connection opened to @addr after this sends @host as its server name
 * (RFC 6066 §3) and, with [tls] verify, needs a certificate for @host
 * (RFC 5922 §7.1).  Without a name a connection sends none (an address
 * is not a server name) and the certificate must be for the address.
 * Call it where the host was resolved, before tp_send() opens the
 * connection.  Only the latest names are kept (TLS_NAMES_MAX).
 *
 * Return: 0, or -EINVAL for a name that is too long or empty.
 */
#define TLS_NAMES_MAX 64
int tls_peer_name(const union tp_addr *addr, const char *host);

/* One line of counters, with SIGUSR1's other statistics. */
void tls_stats_log(void);

#endif
