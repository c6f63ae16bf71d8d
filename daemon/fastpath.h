/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast-path interface: what the media session layer asks of whatever
 * forwards RTP and RTCP.  A flow is one direction of one stream through
 * the box: packets to (@local, UDP) from the expected source are sent on
 * from @out_local to @peer.  Three implementations sit behind it: the
 * userspace relay (relay.c, always present), the kernel module and the
 * XDP program; `fastpath = auto|kmod|xdp|relay` picks.
 *
 * The session layer owns the sockets (ports.c binds every port it hands
 * out); a flow names the socket it arrives on and the one it leaves from,
 * so the relay can read and send on them and a kernel path can leave to
 * them whatever it does not claim.
 *
 * All calls are made from the event loop's thread; events are delivered
 * there too, possibly from inside a call that caused them.
 */
#ifndef SIPFP_FASTPATH_H
#define SIPFP_FASTPATH_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "transport.h"

/* How a flow judges the source of a packet. */
enum fp_src {
	FP_SRC_ANY, /* any source (manual flows only) */
	FP_SRC_FIXED, /* exactly @src, address and port */
	/*
	 * Until @latch_until_ms, the first packet from @src's address, any
	 * port, latches: the flow is FIXED to that packet's source from then
	 * on and FP_EV_LATCHED says so.  Past the deadline unlatched, as
	 * FIXED to @src.  Other addresses are always dropped.
	 */
	FP_SRC_LATCH,
};

enum fp_drop {
	FP_DROP_SOURCE, /* not from the expected (or latched) source */
	FP_DROP_NO_PEER, /* no destination yet, or on hold at 0.0.0.0 */
	FP_DROP_SEND, /* sending failed (no route, buffer full) */
	FP_DROP_TRUNCATED, /* over the relay's buffer, or empty */
	FP_DROP_MAX,
};

enum fp_path {
	FP_PATH_NONE,
	FP_PATH_RELAY,
	FP_PATH_KMOD,
	FP_PATH_XDP,
};

struct fp_flow_spec {
	uint64_t cookie; /* the daemon's name for the flow, unique while it lives */
	union tp_addr local; /* match: our address and port (UDP) */
	int fd; /* the socket bound to @local */
	uint8_t src_mode; /* enum fp_src */
	union tp_addr src; /* expected source; see enum fp_src */
	uint64_t latch_until_ms; /* FP_SRC_LATCH: ev_now_ms() deadline */
	union tp_addr out_local; /* rewrite source: the other leg's address */
	int out_fd; /* the socket bound to @out_local */
	union tp_addr peer; /* rewrite destination; family 0: drop */
	uint8_t dscp; /* DSCP of forwarded packets, 0..63 */
	bool rtp; /* RTP (track SSRC, sequence, jitter), else RTCP */
	uint32_t clock_rate; /* RTP clock, Hz, for jitter; 0: 8000 */
	uint32_t idle_ms; /* FP_EV_IDLE after this long without a packet; 0: never */
};

/*
 * RTP figures follow RFC 3550 A.1 (sequence, expected, lost: sources
 * restart on an SSRC change) and A.8 (jitter, in timestamp units).
 */
struct fp_counters {
	uint64_t packets, bytes; /* forwarded: UDP payload bytes */
	uint64_t drops[FP_DROP_MAX];
	uint64_t last_ms; /* ev_now_ms() of the last packet forwarded, 0: none */
	uint8_t path; /* enum fp_path: what carried the last packet */
	bool latched; /* FP_SRC_LATCH flows: @source learnt */
	union tp_addr source; /* the latched source */
	bool rtp_seen; /* a valid RTP header was seen */
	uint32_t ssrc;
	uint32_t ext_max_seq; /* cycles << 16 | highest sequence */
	uint64_t expected; /* ext_max_seq - base_seq + 1 */
	int64_t lost; /* expected - received; negative with duplicates */
	uint32_t jitter; /* RFC 3550 J, timestamp units */
};

enum fp_event {
	FP_EV_LATCHED, /* @addr: the source it latched to */
	FP_EV_IDLE, /* no packet for idle_ms; reported once per quiet spell */
	FP_EV_SOURCE_MISMATCH, /* @addr: an unexpected source (rate-limited) */
	FP_EV_REMOVED, /* the backend dropped it on its own */
};

struct fp_flow;
typedef void (*fp_event_fn)(struct fp_flow *f, enum fp_event ev,
			    const union tp_addr *addr, void *user);
/*
 * A flow an earlier sipfpd left behind: @spec as far as the path knows
 * it (its descriptors -1), @c its counters.  Nonzero stops the walk.
 */
typedef int (*fp_orphan_fn)(const struct fp_flow_spec *spec,
			    const struct fp_counters *c, void *arg);

/* A flow as the session layer holds it; the backend owns @priv. */
struct fp_flow {
	struct fp_flow_spec spec;
	void *user; /* the session layer's */
	fp_event_fn cb; /* its events; NULL: fp_init()'s */
	const struct fp_backend *be;
	void *priv;
};

/* One implementation of the interface. */
struct fp_backend {
	const char *name; /* "relay", "kmod", "xdp" */
	uint8_t path; /* enum fp_path */
	/* 0, or negative errno when this box cannot have it */
	int (*init)(const struct config *cfg);
	void (*exit)(void);
	int (*add)(struct fp_flow *f);
	/* @f->spec already holds the new spec; @old the previous one */
	int (*update)(struct fp_flow *f, const struct fp_flow_spec *old);
	void (*del)(struct fp_flow *f);
	int (*counters)(struct fp_flow *f, struct fp_counters *c);
	/* optional: a path that outlives the daemon (see fp_leave()) */
	void (*detach)(struct fp_flow *f);
	int (*orphans)(fp_orphan_fn fn, void *arg);
	int (*adopt)(struct fp_flow *f);
	int (*orphan_del)(const struct fp_flow_spec *spec);
};

/* The userspace relay (relay.c). */
extern const struct fp_backend fp_relay;
/* sipfp.ko, with the relay beneath it (fastpath_kmod.c). */
extern const struct fp_backend fp_kmod;
/* The XDP program, on kmod or the relay (fastpath_xdp.c). */
extern const struct fp_backend fp_xdp;
/* What fp_xdp stacks on, once it runs: "kmod" or "relay". */
const char *fp_xdp_lower(void);

/* Called by a backend for each event of one of its flows. */
void fp_event(struct fp_flow *f, enum fp_event ev, const union tp_addr *addr);

/**
 * fp_init() - start the fast path the config asks for
 * @cfg: its [media] fastpath
 * @cb: where flow events go
 *
 * `auto` takes the best this box has; a named one that cannot run here
 * fails, saying why.  Logs which is in use.
 *
 * Return: 0, or negative errno.
 */
int fp_init(const struct config *cfg, fp_event_fn cb);
void fp_exit(void);
/* The backend in use: "relay", "kmod", "xdp". */
const char *fp_name(void);

/**
 * fp_flow_add() - start forwarding one direction of a stream
 * @spec: what to match and how to rewrite
 * @user: handed back with each event
 *
 * Return: the flow, or NULL with errno set.
 */
struct fp_flow *fp_flow_add(const struct fp_flow_spec *spec, void *user);
/* A new spec for a live flow (peer learnt, re-INVITE): 0 or -errno. */
int fp_flow_update(struct fp_flow *f, const struct fp_flow_spec *spec);
/* Stops forwarding and frees @f; NULL is ignored. */
void fp_flow_del(struct fp_flow *f);
int fp_flow_counters(struct fp_flow *f, struct fp_counters *c);

/*
 * Restart without a gap in the media.  A flow's cookie names its call
 * (a 40-bit hash of the Call-ID under a 16-bit magic), the stream, the
 * side its packets come from and RTP or RTCP, so a daemon that finds a
 * kernel flow after a restart knows whose it is.
 */
#define FP_COOKIE_MAGIC 0x5f9dULL
#define FP_COOKIE_MAGIC_MASK 0xffff000000000000ULL
/* the bits that name the call */
#define FP_COOKIE_CALL_MASK 0xffffffffffffff00ULL
uint64_t fp_cookie(const char *call_id, unsigned int stream, int side,
		   bool rtcp);
/* The bits of @call_id's cookies that name the call (the rest 0). */
uint64_t fp_cookie_call(const char *call_id);

/*
 * At shutdown, before the sessions end: from now on fp_flow_del() lets
 * go of a flow but leaves a kernel path's copy forwarding (a restarted
 * daemon adopts it; its timeout removes it if none comes).
 */
void fp_leave(void);
/* Whether fp_leave() was called: a backend's exit() leaves its copies. */
bool fp_leaving(void);

/**
 * fp_orphans() - the flows an earlier sipfpd left behind
 * @fn: called for each, after the path's table was read in full (so it
 *      may adopt or delete as it goes)
 * @arg: handed to @fn
 *
 * Return: 0, -EOPNOTSUPP when the path keeps none (the relay), -errno.
 */
int fp_orphans(fp_orphan_fn fn, void *arg);

/**
 * fp_flow_adopt() - take over an orphan
 * @spec: as fp_orphans() gave it, with the descriptors of its ports
 * @cb: its events go here rather than to fp_init()'s callback
 * @user: handed back with each
 *
 * Its counters and latching go on from where they were.
 * Return: the flow, or NULL with errno set.
 */
struct fp_flow *fp_flow_adopt(const struct fp_flow_spec *spec, fp_event_fn cb,
			      void *user);
/* Removes an orphan that will not be adopted: 0 or -errno. */
int fp_orphan_del(const struct fp_flow_spec *spec);

#endif
