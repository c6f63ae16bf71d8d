/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsipctl: flows, counters and events of the sipfp fast path, without
 * netlink.
 *
 * One neutral model (struct sipctl_flow and friends, each with a `has`
 * bitmask naming the fields that are set) and one set of calls on a
 * handle.  A handle talks to one backend: today the kernel module, over
 * generic netlink (sipctl_open_kernel()); sipfpd's control socket is the
 * second backend to come, behind the same calls.
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative errno on failure; none sets errno for the caller to read.
 * When the kernel explained a refusal, sipctl_last_error() has its words.
 * A handle is not thread-safe: one thread at a time.
 */
#ifndef SIPCTL_H
#define SIPCTL_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sipctl;

/*
 * An endpoint: an IPv4 or IPv6 address and a UDP port, as the socket API
 * has them (network byte order).  sa_family 0: none.  An IPv4-mapped
 * IPv6 address is taken as the IPv4 address it maps.
 */
union sipctl_addr {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* How a flow judges the source of a packet (see sipctl_flow.src). */
enum sipctl_src_mode {
	SIPCTL_SRC_ANY, /* any source */
	SIPCTL_SRC_FIXED, /* exactly @src, address and port */
	/*
	 * Within @latch_ms, the first packet from @src's address (and port,
	 * unless 0) latches: the flow is fixed to its source from then on.
	 */
	SIPCTL_SRC_LATCH,
};

/* sipctl_flow.flags */
enum {
	SIPCTL_F_RTP = 1U << 0, /* RTP: keep SSRC, sequence, loss, jitter */
};

/* sipctl_flow.has: which fields are set (requests) or known (replies) */
enum {
	SIPCTL_FLOW_HAS_COOKIE = 1U << 0,
	SIPCTL_FLOW_HAS_LOCAL = 1U << 1,
	SIPCTL_FLOW_HAS_OUT = 1U << 2,
	SIPCTL_FLOW_HAS_PEER = 1U << 3,
	SIPCTL_FLOW_HAS_SRC_MODE = 1U << 4,
	SIPCTL_FLOW_HAS_SRC = 1U << 5,
	SIPCTL_FLOW_HAS_LATCH_MS = 1U << 6,
	SIPCTL_FLOW_HAS_FLAGS = 1U << 7,
	SIPCTL_FLOW_HAS_DSCP = 1U << 8,
	SIPCTL_FLOW_HAS_CLOCK_RATE = 1U << 9,
	SIPCTL_FLOW_HAS_IDLE_MS = 1U << 10,
	SIPCTL_FLOW_HAS_TIMEOUT_MS = 1U << 11,
	/* replies only: */
	SIPCTL_FLOW_HAS_LATCHED = 1U << 12, /* @latched: a LATCH flow latched */
	SIPCTL_FLOW_HAS_COUNTERS = 1U
				   << 13, /* @counters.packets .. drop_route */
	SIPCTL_FLOW_HAS_LAST = 1U << 14, /* @counters.idle_ms: a packet went */
	SIPCTL_FLOW_HAS_RTP = 1U << 15, /* @counters.ssrc .. jitter */
};

/* What a flow counted since it was made. */
struct sipctl_counters {
	uint64_t packets; /* forwarded */
	uint64_t bytes; /* forwarded, UDP payload */
	uint64_t drop_source; /* from a source the flow does not accept */
	uint64_t drop_no_peer; /* nowhere to send: no peer, or on hold */
	uint64_t drop_route; /* no route, or sending failed */
	uint64_t idle_ms; /* since the last forwarded packet: HAS_LAST */
	/* HAS_RTP, once a valid RTP header was seen (RFC 3550 A.1, A.8): */
	uint32_t ssrc;
	uint32_t ext_max_seq; /* cycles << 16 | highest sequence number */
	uint64_t expected;
	int64_t lost; /* negative with duplicates */
	uint32_t jitter; /* RTP timestamp units */
};

/*
 * A flow: one direction of one media stream.  Packets to @local from an
 * acceptable source leave from @out to @peer.  @local names the flow; it
 * is unique in its network namespace.
 */
struct sipctl_flow {
	uint32_t has; /* SIPCTL_FLOW_HAS_* */
	uint64_t cookie; /* the creator's name for it, e.g. a call's hash */
	union sipctl_addr local; /* match: our address and UDP port */
	union sipctl_addr out; /* rewrite: source (same family as @peer) */
	/* rewrite: destination; absent or unspecified address: drop */
	union sipctl_addr peer;
	uint8_t src_mode; /* enum sipctl_src_mode */
	uint8_t dscp; /* 0..63, written into forwarded packets */
	union sipctl_addr src; /* expected source (see src_mode) */
	uint32_t latch_ms; /* LATCH: the window, ms from now */
	uint32_t flags; /* SIPCTL_F_* */
	uint32_t clock_rate; /* Hz, for RTP jitter */
	uint32_t idle_ms; /* SIPCTL_EVENT_IDLE after this long quiet; 0 never */
	uint32_t timeout_ms; /* removed after this long quiet; 0 never */
	union sipctl_addr latched; /* the source a LATCH flow learnt */
	struct sipctl_counters counters;
};

/* sipctl_stats.has */
enum {
	SIPCTL_STATS_HAS_FLOWS = 1U << 0,
	SIPCTL_STATS_HAS_MAX_FLOWS = 1U << 1,
	SIPCTL_STATS_HAS_PACKETS = 1U << 2,
	SIPCTL_STATS_HAS_BYTES = 1U << 3,
	SIPCTL_STATS_HAS_DROP_SOURCE = 1U << 4,
	SIPCTL_STATS_HAS_DROP_NO_PEER = 1U << 5,
	SIPCTL_STATS_HAS_DROP_ROUTE = 1U << 6,
	SIPCTL_STATS_HAS_PASSED = 1U << 7,
	SIPCTL_STATS_HAS_EXPIRED = 1U << 8,
};

/* A network namespace's totals, over every flow it ever had. */
struct sipctl_stats {
	uint32_t has; /* SIPCTL_STATS_HAS_* */
	uint32_t flows; /* now */
	uint32_t max_flows; /* the table's limit */
	uint64_t packets, bytes;
	uint64_t drop_source, drop_no_peer, drop_route;
	uint64_t passed; /* to a flow, but left to the stack (fragments ...) */
	uint64_t expired; /* flows removed by their timeout */
};

enum sipctl_event_type {
	SIPCTL_EVENT_LATCHED, /* @source: what the flow latched to */
	SIPCTL_EVENT_IDLE, /* no packet for the flow's idle_ms */
	SIPCTL_EVENT_SOURCE_MISMATCH, /* @source: refused (rate-limited) */
	SIPCTL_EVENT_REMOVED, /* @reason says why */
};

enum sipctl_removed {
	SIPCTL_REMOVED_DELETED, /* sipctl_flow_del(), by anyone */
	SIPCTL_REMOVED_FLUSHED, /* sipctl_flush(), by anyone */
	SIPCTL_REMOVED_EXPIRED, /* its timeout_ms without a packet */
};

/* sipctl_event.has */
enum {
	SIPCTL_EVENT_HAS_COOKIE = 1U << 0,
	SIPCTL_EVENT_HAS_LOCAL = 1U << 1,
	SIPCTL_EVENT_HAS_SOURCE = 1U << 2,
	SIPCTL_EVENT_HAS_REASON = 1U << 3,
};

/* Something that happened to a flow; @local and @cookie name it. */
struct sipctl_event {
	uint32_t has; /* SIPCTL_EVENT_HAS_* */
	uint8_t type; /* enum sipctl_event_type */
	uint8_t reason; /* enum sipctl_removed, for REMOVED */
	uint64_t cookie;
	union sipctl_addr local;
	union sipctl_addr source;
};

/**
 * sipctl_open_kernel() - a handle on the kernel module of this netns
 * @hp: set to the handle on success
 *
 * Resolves the "sipfp" generic netlink family.  Reading needs no
 * privilege; changing flows and sipctl_event_fd() need CAP_NET_ADMIN.
 *
 * Return: 0; -ENOENT when the kernel has no sipfp family (the module is
 * not loaded: sipctl_strerror() says so in words), -EPROTONOSUPPORT
 * without generic netlink, -ENOMEM, or the socket's error.
 */
int sipctl_open_kernel(struct sipctl **hp);

/**
 * sipctl_close() - close a handle and free it
 * @h: the handle, or NULL
 */
void sipctl_close(struct sipctl *h);

/**
 * sipctl_backend() - what a handle talks to
 * @h: the handle
 *
 * Return: "kernel" (or "daemon", once that backend exists).
 */
const char *sipctl_backend(const struct sipctl *h);

/**
 * sipctl_last_error() - the backend's explanation of the last failure
 * @h: the handle
 *
 * The kernel's extack message of the last call that failed on @h, with
 * the attribute at fault when the kernel named one, e.g. "sipfp: DSCP
 * out of range (attribute flow.dscp)".  Cleared by every call.
 *
 * Return: the message, valid until the next call on @h, or NULL when the
 * backend gave none.
 */
const char *sipctl_last_error(const struct sipctl *h);

/**
 * sipctl_strerror() - words for an error a call of this library returned
 * @h: the handle it was returned on, or NULL (sipctl_open_kernel())
 * @err: the negative errno
 *
 * The backend's message when it gave one (sipctl_last_error()), else
 * what @err means to this library where that says more than strerror()
 * (-ENOENT from sipctl_open_kernel(): the module is not loaded), else
 * strerror().
 *
 * Return: a string valid until the next call on @h.
 */
const char *sipctl_strerror(const struct sipctl *h, int err);

/**
 * sipctl_flow_add() - create a flow
 * @h: the handle
 * @f: cookie, local, out and src_mode at least; the fields its has bits
 *     name (HAS_LATCHED and the counters are ignored)
 *
 * Return: 0; -EEXIST when @f->local already has a flow; -ENOSPC past the
 * table's limit; -EINVAL for a field the backend refuses; -EPERM.
 */
int sipctl_flow_add(struct sipctl *h, const struct sipctl_flow *f);

/**
 * sipctl_flow_add_batch() - create many flows, in few round trips
 * @h: the handle
 * @f: the flows, as for sipctl_flow_add()
 * @n: how many
 * @errs: if not NULL, set to each flow's result (0 or -errno)
 *
 * Flows are sent many to a message, in order; one that fails does not
 * stop the others.  sipctl_last_error() holds the last flow's message.
 *
 * Return: 0 when every flow was made, else the first flow's error.
 */
int sipctl_flow_add_batch(struct sipctl *h, const struct sipctl_flow *f,
			  size_t n, int *errs);

/**
 * sipctl_flow_set() - change a flow
 * @h: the handle
 * @f: @f->local names the flow; the other fields @f->has names replace
 *     the flow's, the rest stay.  A cookie, if given, must match.
 *     Giving src_mode or src judges sources afresh (a LATCH flow may
 *     latch again); counters are kept.
 *
 * Return: 0; -ENOENT when there is no such flow; -EINVAL as for
 * sipctl_flow_add().
 */
int sipctl_flow_set(struct sipctl *h, const struct sipctl_flow *f);

/**
 * sipctl_flow_del() - remove a flow
 * @h: the handle
 * @f: @f->local names the flow; @f->cookie must match if HAS_COOKIE
 *
 * Return: 0, or -ENOENT when there is no such flow.
 */
int sipctl_flow_del(struct sipctl *h, const struct sipctl_flow *f);

/**
 * sipctl_flow_get() - one flow with its counters
 * @h: the handle
 * @local: the flow's local endpoint
 * @f: filled; @f->has says what the flow has
 *
 * Return: 0, or -ENOENT when there is no such flow.
 */
int sipctl_flow_get(struct sipctl *h, const union sipctl_addr *local,
		    struct sipctl_flow *f);

/*
 * Called for each flow of a dump.  0 goes on; anything else stops the
 * calls, and sipctl_flow_dump() returns it once the dump is drained.
 * Calls on the same handle from inside it fail with -EBUSY.
 */
typedef int (*sipctl_flow_cb)(const struct sipctl_flow *f, void *arg);

/**
 * sipctl_flow_dump() - every flow of the namespace
 * @h: the handle
 * @cb: called for each flow, in the table's order
 * @arg: handed to @cb
 *
 * Return: 0; what @cb returned when it stopped the dump; -EINTR when
 * the table changed while it was read (NLM_F_DUMP_INTR): every flow was
 * passed to @cb, but some may have been missed or passed twice, so dump
 * again if that matters.
 */
int sipctl_flow_dump(struct sipctl *h, sipctl_flow_cb cb, void *arg);

/**
 * sipctl_flush() - remove many flows
 * @h: the handle
 * @cookie: with @mask, which flows: those whose cookie & @mask equals
 *          @cookie & @mask
 * @mask: 0 for every flow of the namespace
 *
 * Return: 0, or -errno.
 */
int sipctl_flush(struct sipctl *h, uint64_t cookie, uint64_t mask);

/**
 * sipctl_stats_get() - the namespace's totals
 * @h: the handle
 * @st: filled; @st->has says which are known
 *
 * Return: 0, or -errno.
 */
int sipctl_stats_get(struct sipctl *h, struct sipctl_stats *st);

/**
 * sipctl_event_fd() - subscribe to flow events
 * @h: the handle
 *
 * Joins the events group on a second, non-blocking socket (once; later
 * calls return the same descriptor).  Poll it for input and call
 * sipctl_event_read().  The descriptor belongs to @h: never close it.
 *
 * Return: the descriptor, or -errno (-EPERM without CAP_NET_ADMIN).
 */
int sipctl_event_fd(struct sipctl *h);

typedef void (*sipctl_event_cb)(const struct sipctl_event *ev, void *arg);

/**
 * sipctl_event_read() - decode the events waiting, without blocking
 * @h: the handle, after sipctl_event_fd()
 * @cb: called for each event, in order
 * @arg: handed to @cb
 *
 * Reads until the socket is empty.  Messages it cannot decode are
 * skipped.
 *
 * Return: the number of events passed to @cb; -ENOBUFS when events were
 * lost because the socket overflowed (the ones after the loss come with
 * the next call: resynchronise with sipctl_flow_dump(), then read on);
 * -EINVAL before sipctl_event_fd(); or -errno.
 */
int sipctl_event_read(struct sipctl *h, sipctl_event_cb cb, void *arg);

#ifdef __cplusplus
}
#endif

#endif
