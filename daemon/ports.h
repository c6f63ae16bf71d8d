/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Relay port pairs: RTP on an even port of [media] port_min..port_max,
 * RTCP on the odd one after it, both UDP sockets bound before the pair
 * is handed out, so no other process can take a port we put in SDP and
 * a packet no kernel path claims still reaches us.
 *
 * Each local address (an interface address, IPv4 or IPv6) has its own
 * pool over the same range, made on first use.  A pool hands pairs out
 * in rotating order: the free pairs are a queue, a released pair joins
 * its tail after quarantine, so a just-freed port is the last reused.
 * Ports another process holds are skipped (and tried again later).
 *
 * A released pair stays bound for [media] port_quarantine seconds (late
 * packets land on our sockets and go nowhere); then its sockets are
 * closed and it may be handed out again.  Quarantine ends on a timer of
 * the event loop (event.h) and, lazily, in ports_get(); times are
 * ev_now_ms().
 *
 * Always a pair, even for an rtcp-mux stream: the mux is not agreed
 * until the answer (RFC 5761 §5.1.1), a re-INVITE may drop it, and the
 * unused odd port then needs no life of its own.
 *
 * The pool owns every socket it hands out: the caller reads and sends on
 * them but never closes them, and stops watching them (ev_fd_del, the
 * flow deleted) before ports_put().  Event-loop thread only.
 */
#ifndef SIPFP_PORTS_H
#define SIPFP_PORTS_H

#include <stdint.h>

#include "config.h"
#include "transport.h"

struct port_pair {
	uint16_t port; /* RTP, host order; RTCP is @port + 1; 0: none */
	int fd_rtp, fd_rtcp; /* nonblocking UDP sockets bound to both */
};

/* Pairs by state, and what allocation ran into. */
struct ports_stats {
	uint64_t in_use; /* handed out */
	uint64_t quarantined; /* released, still bound */
	uint64_t free; /* neither; includes ports another process holds */
	uint64_t busy; /* pairs skipped: a port held elsewhere (EADDRINUSE) */
	uint64_t bind_errors; /* socket()/bind() failed otherwise */
	uint64_t exhausted; /* ports_get() found no pair */
	uint64_t allocs; /* pairs handed out since start */
};

/**
 * ports_init() - set up the pools
 * @cfg: [media] port_min, port_max, port_quarantine, dscp, interfaces
 *
 * Makes a pool for each configured interface address (others come on
 * first use) and warns about one this box cannot bind.  Raises the
 * descriptor limit to its hard limit: every pair is two descriptors.
 * The range and quarantine are read here only; a reload keeps them.
 *
 * Return: 0, or -EINVAL for a range that is not even..odd within
 * 1024..65535, or -ENOMEM.
 */
int ports_init(const struct config *cfg);

/* Closes every socket, handed out or quarantined, and frees the pools. */
void ports_exit(void);

/**
 * ports_get() - take a bound port pair
 * @local: the address to bind, IPv4 or IPv6; its port is ignored
 * @out: the pair
 *
 * O(1) amortised.  The sockets are SOCK_NONBLOCK | SOCK_CLOEXEC, v6-only
 * on IPv6, with a receive buffer of 256 KiB and the [media] dscp as
 * their TOS / traffic class.
 *
 * Return: 0; -EADDRINUSE when no pair of @local's range is free (all in
 * use, in quarantine or held by another process); -EAFNOSUPPORT for a
 * family that is neither; -ENOSPC past PORTS_MAX_POOLS addresses; or
 * what socket() or bind() said otherwise (-EADDRNOTAVAIL: @local is
 * not an address of this box; -EMFILE ...).
 */
int ports_get(const union tp_addr *local, struct port_pair *out);

/**
 * ports_reserve() - take the pair that holds a given port
 * @local: the address to bind, IPv4 or IPv6
 * @port: either port of the pair
 * @out: the pair, as ports_get() gives it
 *
 * For media a restarted daemon adopts from the kernel: its ports must
 * be ours again before another process takes them.
 *
 * Return: 0; -ERANGE outside [media] port_min..port_max; -EBUSY when
 * the pair is handed out or in quarantine; -EADDRINUSE when another
 * process holds one of its ports; as ports_get() otherwise.
 */
int ports_reserve(const union tp_addr *local, uint16_t port,
		  struct port_pair *out);

/**
 * ports_put() - release a pair into quarantine
 * @local: as given to ports_get()
 * @pp: the pair; set to port 0, descriptors -1
 *
 * Return: 0, or -EINVAL when @pp is not a pair of @local handed out and
 * not yet released (a bug of the caller, logged; nothing changes).
 */
int ports_put(const union tp_addr *local, struct port_pair *pp);

/* Most pools (local addresses) at once. */
#define PORTS_MAX_POOLS 64

/**
 * ports_stats() - the counters of one address, or of all
 * @local: the address, or NULL for the sum over every pool
 * @st: filled
 *
 * Return: 0, or -ENOENT when @local has no pool.
 */
int ports_stats(const union tp_addr *local, struct ports_stats *st);

/**
 * ports_pool() - walk the pools, for `sipctl status`
 * @i: 0, 1, ... in order of creation
 * @local: its address (port 0)
 * @st: its counters
 *
 * Return: 0, or -ENOENT past the last.
 */
int ports_pool(unsigned int i, union tp_addr *local, struct ports_stats *st);

#endif
