/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libsipctl: flows, counters and events of the sipfp fast path, without
 * netlink.
 *
 * One neutral model (struct sipctl_flow and friends, each with a `has`
 * bitmask naming the fields that are set) and one set of calls on a
 * handle.  A handle talks to one backend: the kernel module over generic
 * netlink (sipctl_open_kernel()), sipfpd over its control socket
 * (sipctl_open_daemon()), or the XDP fast path's pinned maps, read only
 * (sipctl_open_xdp()).  A call a backend cannot answer returns
 * -EOPNOTSUPP, with words in sipctl_last_error() where it helps.
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative errno on failure; none sets errno for the caller to read.
 * When the kernel or the daemon explained a refusal, sipctl_last_error()
 * has its words.  A handle is not thread-safe: one thread at a time.
 */
#ifndef SIPCTL_H
#define SIPCTL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sipctl;

/* sipfpd's control socket, unless $SIPCTL_SOCKET names another */
#define SIPCTL_DAEMON_SOCKET "/run/sipfp/sipfpd.sock"

/*
 * Sizes of the model's strings, NUL included.  A longer string from the
 * daemon is cut to fit (at a UTF-8 character's boundary); a Call-ID
 * never is, the daemon's are shorter.
 */
#define SIPCTL_CALL_ID_MAX 256
#define SIPCTL_TAG_MAX 128
#define SIPCTL_URI_MAX 512
#define SIPCTL_TEXT_MAX 256
#define SIPCTL_NAME_MAX 32

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

/* What carries a flow's packets, or carried its last one. */
enum sipctl_path {
	SIPCTL_PATH_NONE, /* nothing yet */
	SIPCTL_PATH_RELAY, /* sipfpd's userspace relay */
	SIPCTL_PATH_KMOD, /* sipfp.ko */
	SIPCTL_PATH_XDP, /* the XDP program */
	SIPCTL_PATH_MAX,
};

/* A daemon's packets by path, over every flow it ever had. */
struct sipctl_path_counters {
	uint64_t packets, bytes, drops;
	uint64_t flows_ended; /* flows gone, whose counters are kept here */
};

/* sipctl_iface.has */
enum {
	SIPCTL_IFACE_HAS_NAME = 1U << 0,
	SIPCTL_IFACE_HAS_ADDRESS = 1U << 1,
	SIPCTL_IFACE_HAS_FASTPATH = 1U << 2,
};

/* One [media] interface of sipfpd's configuration. */
struct sipctl_iface {
	uint32_t has; /* SIPCTL_IFACE_HAS_* */
	char name[SIPCTL_NAME_MAX]; /* the config's name for it */
	union sipctl_addr address; /* its media address (port 0) */
	char fastpath[SIPCTL_NAME_MAX]; /* "xdp", "kmod", "relay", "off" */
};

#define SIPCTL_IFACES_MAX 16

/* sipctl_status.has */
enum {
	SIPCTL_STATUS_HAS_VERSION = 1U << 0,
	SIPCTL_STATUS_HAS_PID = 1U << 1,
	SIPCTL_STATUS_HAS_UPTIME = 1U << 2,
	SIPCTL_STATUS_HAS_FASTPATH = 1U << 3,
	SIPCTL_STATUS_HAS_TRANSACTIONS = 1U << 4,
	SIPCTL_STATUS_HAS_REGISTRATIONS = 1U << 5,
	SIPCTL_STATUS_HAS_CALLS = 1U << 6, /* @calls and @calls_answered */
	SIPCTL_STATUS_HAS_CALLS_TOTAL = 1U << 7,
	SIPCTL_STATUS_HAS_IFACES = 1U << 8, /* @nifaces, even 0 */
	SIPCTL_STATUS_HAS_PATHS = 1U << 9, /* @paths */
	/* the daemon listed more interfaces than @ifaces holds */
	SIPCTL_STATUS_HAS_MORE_IFACES = 1U << 10,
};

/* The daemon's state: its "status" and the paths of its "counters". */
struct sipctl_status {
	uint32_t has; /* SIPCTL_STATUS_HAS_* */
	char version[SIPCTL_NAME_MAX];
	uint32_t pid;
	uint64_t uptime_s;
	char fastpath[SIPCTL_NAME_MAX]; /* "xdp", "kmod", "relay", "off" */
	uint64_t transactions; /* SIP transactions alive */
	uint64_t registrations; /* bindings alive */
	uint64_t calls; /* media sessions alive */
	uint64_t calls_answered; /* of @calls, those answered */
	uint64_t calls_total; /* media sessions started since the start */
	struct sipctl_path_counters paths[SIPCTL_PATH_MAX];
	unsigned int nifaces;
	struct sipctl_iface ifaces[SIPCTL_IFACES_MAX];
};

/* sipctl_reg.has */
enum {
	SIPCTL_REG_HAS_AOR = 1U << 0,
	SIPCTL_REG_HAS_CONTACT = 1U << 1,
	SIPCTL_REG_HAS_EXPIRES = 1U << 2,
	SIPCTL_REG_HAS_Q = 1U << 3,
	SIPCTL_REG_HAS_TRANSPORT = 1U << 4,
	SIPCTL_REG_HAS_SOURCE = 1U << 5,
	SIPCTL_REG_HAS_NAT = 1U << 6,
	SIPCTL_REG_HAS_USER_AGENT = 1U << 7,
	SIPCTL_REG_HAS_INSTANCE = 1U << 8,
	SIPCTL_REG_HAS_REG_ID = 1U << 9,
	SIPCTL_REG_HAS_PATH = 1U << 10,
	SIPCTL_REG_HAS_CALL_ID = 1U << 11,
	SIPCTL_REG_HAS_CSEQ = 1U << 12,
};

/* One live binding of the registrar: an AOR reachable at a contact. */
struct sipctl_reg {
	uint32_t has; /* SIPCTL_REG_HAS_* */
	char aor[SIPCTL_URI_MAX]; /* "sip:user@domain" */
	char contact[SIPCTL_URI_MAX]; /* the Contact URI, without <> */
	uint64_t expires_s; /* seconds left */
	uint16_t q; /* thousandths: q=0.5 is 500 */
	char transport[8]; /* "udp", "tcp", "tls" */
	union sipctl_addr source; /* where the REGISTER came from */
	bool nat; /* @source is not the contact's address */
	char user_agent[SIPCTL_TEXT_MAX];
	char instance[SIPCTL_TEXT_MAX]; /* +sip.instance (RFC 5626) */
	uint32_t reg_id; /* reg-id (RFC 5626) */
	char path[SIPCTL_URI_MAX]; /* Path (RFC 3327), as received */
	char call_id[SIPCTL_CALL_ID_MAX]; /* of the REGISTER */
	uint32_t cseq; /* of the REGISTER */
};

/* The two sides of a call, and whose packets a flow carries. */
enum sipctl_side {
	SIPCTL_SIDE_CALLER,
	SIPCTL_SIDE_CALLEE,
};

enum sipctl_kind {
	SIPCTL_KIND_RTP,
	SIPCTL_KIND_RTCP,
};

/* sipctl_stream_flow.has */
enum {
	SIPCTL_SFLOW_HAS_FROM = 1U << 0,
	SIPCTL_SFLOW_HAS_KIND = 1U << 1,
	SIPCTL_SFLOW_HAS_PATH = 1U << 2,
	SIPCTL_SFLOW_HAS_TRUNCATED = 1U << 3, /* @drop_truncated */
	SIPCTL_SFLOW_HAS_STREAM = 1U << 4, /* @stream: flow listings only */
};

/*
 * A flow as one of the daemon's calls holds it: @flow (local, out, peer,
 * src or latched, counters, cookie) and where it sits in the call.
 */
struct sipctl_stream_flow {
	uint32_t has; /* SIPCTL_SFLOW_HAS_* */
	uint8_t from; /* enum sipctl_side: whose packets */
	uint8_t kind; /* enum sipctl_kind */
	uint8_t path; /* enum sipctl_path: what carried the last packet */
	uint32_t stream; /* the stream's index, in sipctl_call_flow_dump() */
	uint64_t drop_truncated; /* empty, or over the relay's buffer */
	struct sipctl_flow flow;
};

/* sipctl_leg.has */
enum {
	SIPCTL_LEG_HAS_SIDE = 1U << 0,
	SIPCTL_LEG_HAS_LOCAL = 1U << 1, /* the relay port is open */
	SIPCTL_LEG_HAS_ADVERTISED = 1U << 2,
	SIPCTL_LEG_HAS_REMOTE_RTP = 1U << 3,
	SIPCTL_LEG_HAS_REMOTE_RTCP = 1U << 4,
	SIPCTL_LEG_HAS_STATE = 1U << 5, /* @rejected and @hold: SDP came */
};

/* One side of a stream: our relay port for it and what its SDP said. */
struct sipctl_leg {
	uint32_t has; /* SIPCTL_LEG_HAS_* */
	uint8_t side; /* enum sipctl_side */
	union sipctl_addr local; /* our relay address and RTP port */
	char advertised[64]; /* the address our SDP gives that side */
	union sipctl_addr remote_rtp, remote_rtcp; /* from its SDP */
	bool rejected; /* port 0 */
	bool hold; /* c=0.0.0.0 */
};

#define SIPCTL_STREAM_FLOWS_MAX 4 /* RTP and RTCP, each way */

/* sipctl_stream.has */
enum {
	SIPCTL_STREAM_HAS_INDEX = 1U << 0,
	SIPCTL_STREAM_HAS_RTCP_MUX = 1U << 1,
	SIPCTL_STREAM_HAS_CLOCK_RATE = 1U << 2,
};

/* One m= line of a call. */
struct sipctl_stream {
	uint32_t has; /* SIPCTL_STREAM_HAS_* */
	uint32_t index; /* its m= line, from 0 */
	bool rtcp_mux;
	uint32_t clock_rate; /* Hz, of its first codec */
	unsigned int nlegs;
	struct sipctl_leg legs[2];
	unsigned int nflows;
	struct sipctl_stream_flow flows[SIPCTL_STREAM_FLOWS_MAX];
};

/* sipctl_call_side.has */
enum {
	SIPCTL_CSIDE_HAS_SIGNALLING = 1U << 0,
	SIPCTL_CSIDE_HAS_NAT = 1U << 1,
};

struct sipctl_call_side {
	uint32_t has; /* SIPCTL_CSIDE_HAS_* */
	union sipctl_addr signalling; /* where its SIP comes from */
	bool nat;
};

enum sipctl_call_state {
	SIPCTL_CALL_EARLY, /* offered, not answered by a 2xx */
	SIPCTL_CALL_ANSWERED,
};

#define SIPCTL_STREAMS_MAX 8

/* sipctl_call.has */
enum {
	SIPCTL_CALL_HAS_ID = 1U << 0,
	SIPCTL_CALL_HAS_FROM_TAG = 1U << 1,
	SIPCTL_CALL_HAS_TO_TAG = 1U << 2,
	SIPCTL_CALL_HAS_STATE = 1U << 3,
	SIPCTL_CALL_HAS_MEDIA = 1U << 4,
	SIPCTL_CALL_HAS_DURATION = 1U << 5,
	SIPCTL_CALL_HAS_CALLER = 1U << 6,
	SIPCTL_CALL_HAS_CALLEE = 1U << 7,
	SIPCTL_CALL_HAS_STREAMS = 1U << 8, /* @nstreams, even 0 */
	/* the daemon listed more streams than @streams holds */
	SIPCTL_CALL_HAS_MORE_STREAMS = 1U << 9,
};

/*
 * A call: one media session of sipfpd, named by its Call-ID (a forked
 * INVITE has one per early dialog, told apart by @to_tag).  Large
 * (~30 KiB): the library passes it to callbacks; callers rarely need one
 * of their own.
 */
struct sipctl_call {
	uint32_t has; /* SIPCTL_CALL_HAS_* */
	char call_id[SIPCTL_CALL_ID_MAX];
	char from_tag[SIPCTL_TAG_MAX];
	char to_tag[SIPCTL_TAG_MAX];
	uint8_t state; /* enum sipctl_call_state */
	bool media; /* an offer was answered: media may flow */
	uint64_t duration_s; /* since media began, else since the INVITE */
	struct sipctl_call_side sides[2]; /* by enum sipctl_side */
	unsigned int nstreams;
	struct sipctl_stream streams[SIPCTL_STREAMS_MAX];
};

enum sipctl_event_type {
	SIPCTL_EVENT_LATCHED, /* @source: what the flow latched to */
	SIPCTL_EVENT_IDLE, /* no packet for the flow's idle_ms */
	SIPCTL_EVENT_SOURCE_MISMATCH, /* @source: refused (rate-limited) */
	SIPCTL_EVENT_REMOVED, /* @reason says why */
	/* the daemon only: */
	SIPCTL_EVENT_CALL_START, /* @call_id's media began (an answer came) */
	SIPCTL_EVENT_CALL_END, /* @call_id's media ended; @why says why */
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
	/* the daemon's events: */
	SIPCTL_EVENT_HAS_CALL_ID = 1U << 4,
	SIPCTL_EVENT_HAS_WHY = 1U << 5,
	SIPCTL_EVENT_HAS_STREAM = 1U << 6, /* @stream, @side and @kind */
};

/*
 * Something that happened to a flow (@local and @cookie name it) or,
 * from the daemon, to a call (@call_id names it).  The daemon's flow
 * events also say which call, stream, side and kind the flow is.
 */
struct sipctl_event {
	uint32_t has; /* SIPCTL_EVENT_HAS_* */
	uint8_t type; /* enum sipctl_event_type */
	uint8_t reason; /* enum sipctl_removed, for REMOVED */
	uint64_t cookie;
	union sipctl_addr local;
	union sipctl_addr source;
	/* appended in LIBSIPCTL_0.2: the library fills events, never callers */
	char call_id[SIPCTL_CALL_ID_MAX];
	/* CALL_END: "bye", "cancel", "failure", "timeout", "hangup" ... */
	char why[SIPCTL_NAME_MAX];
	uint32_t stream; /* the stream's index in its call */
	uint8_t side; /* enum sipctl_side: whose packets the flow carries */
	uint8_t kind; /* enum sipctl_kind */
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
 * Return: "kernel", "daemon" or "xdp".
 */
const char *sipctl_backend(const struct sipctl *h);

/**
 * sipctl_last_error() - the backend's explanation of the last failure
 * @h: the handle
 *
 * The kernel's extack message of the last call that failed on @h, with
 * the attribute at fault when the kernel named one, e.g. "sipfp: DSCP
 * out of range (attribute flow.dscp)"; the daemon's "message", e.g.
 * "no call with Call-ID 'x'"; or the library's own words for an answer
 * it could not read.  Cleared by every call.
 *
 * Return: the message, valid until the next call on @h, or NULL when the
 * backend gave none.
 */
const char *sipctl_last_error(const struct sipctl *h);

/**
 * sipctl_strerror() - words for an error a call of this library returned
 * @h: the handle it was returned on, or NULL (the sipctl_open_*() calls)
 * @err: the negative errno
 *
 * The backend's message when it gave one (sipctl_last_error()); with
 * @h NULL, the words of this thread's last sipctl_open_*() that failed
 * with @err (-ENOENT from sipctl_open_kernel(): the module is not
 * loaded; from sipctl_open_daemon(): which socket nobody answers on);
 * else what @err means to this library where that says more than
 * strerror(); else strerror().
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
 * On a daemon handle, the flows of its calls with their counters
 * (sipctl_call_flow_dump() says which call each is of); on the XDP maps,
 * the flows in the map with their per-CPU counters summed.
 *
 * Return: 0; what @cb returned when it stopped the dump; -EINTR when
 * the table changed while it was read (NLM_F_DUMP_INTR; the XDP maps:
 * a flow vanished between two reads): every flow was passed to @cb, but
 * some may have been missed or passed twice, so dump again if that
 * matters.
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
 * On a daemon handle the second socket is a connection that asked for
 * {"cmd":"monitor"}: the daemon's flow events and its calls starting and
 * ending.
 *
 * Return: the descriptor, or -errno (-EPERM without CAP_NET_ADMIN on the
 * kernel; -EOPNOTSUPP on the XDP maps, which have no events).
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
 * -EINVAL before sipctl_event_fd(); -EPIPE when the daemon closed the
 * stream (it stopped, or dropped a reader that fell too far behind):
 * the descriptor is then closed, and sipctl_event_fd() opens a new one;
 * or -errno.
 */
int sipctl_event_read(struct sipctl *h, sipctl_event_cb cb, void *arg);

/**
 * sipctl_open_daemon() - a handle on sipfpd's control socket
 * @hp: set to the handle on success
 * @sock_path: the socket; NULL: $SIPCTL_SOCKET if set, else
 *             SIPCTL_DAEMON_SOCKET
 *
 * Connects; nothing is sent until the first call.  The socket's mode
 * (0660, group [general] control_group) decides who may: every call is
 * open to whoever connected, hangup and reload included.
 *
 * Return: 0; -ECONNREFUSED when no sipfpd listens there (no socket, or
 * one a sipfpd left), -EACCES, -ENAMETOOLONG for a path a UNIX socket
 * cannot have, -ENOMEM.  sipctl_strerror(NULL, err) says which socket
 * and what to check, in words.
 */
int sipctl_open_daemon(struct sipctl **hp, const char *sock_path);

/**
 * sipctl_open_xdp() - a read-only handle on this netns's XDP maps
 * @hp: set to the handle on success
 *
 * Opens the maps sipfpd pinned for the XDP fast path under
 * /sys/fs/bpf/sipfp/<inode of this network namespace>/ ($SIPCTL_XDP_PIN_DIR
 * names another directory holding them), so flows and counters can be
 * read without the daemon.  sipctl_flow_dump(), sipctl_flow_get() and
 * sipctl_stats_get() work; changing flows is the daemon's alone and
 * returns -EOPNOTSUPP.  Needs CAP_BPF or CAP_SYS_ADMIN to open the pins.
 *
 * Return: 0; -ENOENT when nothing is pinned here (no sipfpd runs the XDP
 * path in this netns), -EPERM/-EACCES, -ENOMEM.
 */
int sipctl_open_xdp(struct sipctl **hp);

/**
 * sipctl_open_auto() - a handle on whichever fast path this netns has
 * @hp: set to the handle on success
 *
 * The kernel module if its netlink family resolves, else the XDP maps:
 * for reading flows and counters with or without sipfpd running.
 *
 * Return: 0; -ENOENT when neither is there (sipctl_strerror(NULL, err)
 * says so), or the error of sipctl_open_xdp() when the pins exist but
 * cannot be opened.
 */
int sipctl_open_auto(struct sipctl **hp);

/**
 * sipctl_status_get() - the daemon's state and its packets by path
 * @h: a daemon handle
 * @st: filled; @st->has says what the daemon told
 *
 * Two requests, "status" and "counters".
 *
 * Return: 0; -EOPNOTSUPP on another backend; the daemon's refusal as
 * -errno; -EPROTO for an answer that is not what the protocol says (what
 * was wrong in sipctl_last_error()); -EPIPE when the daemon went away.
 */
int sipctl_status_get(struct sipctl *h, struct sipctl_status *st);

/*
 * Called per record of a listing.  0 goes on; anything else stops the
 * calls, and the listing's function returns it once the listing is
 * drained.  Calls on the same handle from inside it fail with -EBUSY.
 */
typedef int (*sipctl_reg_cb)(const struct sipctl_reg *r, void *arg);
typedef int (*sipctl_call_cb)(const struct sipctl_call *c, void *arg);
typedef int (*sipctl_stream_flow_cb)(const char *call_id,
				     const struct sipctl_stream_flow *sf,
				     void *arg);

/**
 * sipctl_reg_dump() - every live registration
 * @h: a daemon handle
 * @cb: called per binding, in the registrar's order
 * @arg: handed to @cb
 *
 * Return: the number of bindings passed to @cb; what @cb returned when it
 * stopped; -EOPNOTSUPP on another backend; -EPROTO, -EPIPE as for
 * sipctl_status_get().
 */
int sipctl_reg_dump(struct sipctl *h, sipctl_reg_cb cb, void *arg);

/**
 * sipctl_call_dump() - every call (media session) the daemon anchors
 * @h: a daemon handle
 * @cb: called per session
 * @arg: handed to @cb
 *
 * Return: the number of sessions passed to @cb, or as sipctl_reg_dump().
 */
int sipctl_call_dump(struct sipctl *h, sipctl_call_cb cb, void *arg);

/**
 * sipctl_call_get() - the sessions of one Call-ID
 * @h: a daemon handle
 * @call_id: the Call-ID
 * @cb: called per session: a forked INVITE has one per early dialog
 * @arg: handed to @cb
 *
 * Return: the number of sessions passed to @cb (at least 1); -ENOENT
 * when the daemon has no call with that Call-ID; -EINVAL for an empty
 * one or one of SIPCTL_CALL_ID_MAX bytes or more; or as
 * sipctl_reg_dump().
 */
int sipctl_call_get(struct sipctl *h, const char *call_id, sipctl_call_cb cb,
		    void *arg);

/**
 * sipctl_call_flow_dump() - every flow of every call, with its place
 * @h: a daemon handle
 * @cb: called per flow with its call's Call-ID; @sf->stream is set
 * @arg: handed to @cb
 *
 * What sipctl_flow_dump() gives on a daemon handle, with the path, side,
 * kind and stream of each flow.
 *
 * Return: the number of flows passed to @cb, or as sipctl_reg_dump().
 */
int sipctl_call_flow_dump(struct sipctl *h, sipctl_stream_flow_cb cb,
			  void *arg);

/**
 * sipctl_hangup() - end a call
 * @h: a daemon handle
 * @call_id: its Call-ID
 *
 * Every session of the Call-ID ends; each phone of an answered one gets
 * a BYE as if the other had hung up.
 *
 * Return: the number of sessions ended (at least 1); -ENOENT when no
 * call has that Call-ID; -EINVAL for an empty or over-long Call-ID;
 * -EOPNOTSUPP on another backend.
 */
int sipctl_hangup(struct sipctl *h, const char *call_id);

/**
 * sipctl_reload() - have sipfpd read its configuration again (SIGHUP)
 * @h: a daemon handle
 *
 * Return: 0; -EINVAL when the new configuration is wrong (the daemon
 * keeps the running one; the file and line at fault in
 * sipctl_last_error()); -EOPNOTSUPP on another backend or a daemon that
 * cannot reload.
 */
int sipctl_reload(struct sipctl *h);

#ifdef __cplusplus
}
#endif

#endif
