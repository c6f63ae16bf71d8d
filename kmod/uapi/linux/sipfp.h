/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * sipfp: the RTP fast path's generic netlink API.
 *
 * Documentation/netlink/specs/sipfp.yaml is the same API in the kernel's
 * YNL format; the two are kept in step by selftests/vm.
 *
 * This header holds names only: the family, its commands, attributes,
 * enums and flag masks. There are no structs. Every integer attribute is
 * in host byte order unless it says "network byte order". Addresses and
 * ports are always in network byte order, as on the wire.
 *
 * A flow is one direction of one media stream. Packets arriving at
 * (LOCAL address, LOCAL port, UDP) from an acceptable source leave again
 * from OUT to PEER. A flow is named by its LOCAL endpoint, which is
 * unique in its network namespace, and carries a COOKIE chosen by whoever
 * made it, so a restarted daemon can recognise its own flows in a dump.
 *
 * Every command that changes state needs CAP_NET_ADMIN in the user
 * namespace that owns the network namespace, and so does joining the
 * "events" multicast group. Unknown attributes and unknown flags are
 * refused with -EINVAL, integers out of range and addresses of the wrong
 * length with -ERANGE (the kernel's attribute policies), each with an
 * extack message and the offset of the attribute at fault.
 *
 * SIPFP_CMD_FLOW_NEW: create a flow; -EEXIST if LOCAL is taken, -ENOSPC
 * past the module's max_flows.
 *
 *    SIPFP_A_FLOW: NLA_NESTED
 *       SIPFP_FLOW_A_COOKIE: NLA_U64, required
 *       SIPFP_FLOW_A_LOCAL: NLA_NESTED, endpoint, required, port non-zero
 *       SIPFP_FLOW_A_OUT: NLA_NESTED, endpoint, required, port non-zero
 *       SIPFP_FLOW_A_PEER: NLA_NESTED, endpoint, optional: where packets
 *          go. Without it, or with the unspecified address (0.0.0.0,
 *          ::), packets are dropped and counted as DROP_NO_PEER (a call
 *          on hold, or a peer not yet known). Same family as OUT.
 *       SIPFP_FLOW_A_SRC_MODE: NLA_U8, enum sipfp_src_mode, required
 *       SIPFP_FLOW_A_SRC: NLA_NESTED, endpoint: the expected source;
 *          required unless SRC_MODE is ANY. Same family as LOCAL. With
 *          LATCH, port 0 means any port of that address.
 *       SIPFP_FLOW_A_LATCH_MS: NLA_U32, LATCH only: the window, in ms
 *          from now, in which the flow may latch; default 10000
 *       SIPFP_FLOW_A_FLAGS: NLA_U32, SIPFP_F_* flags, default 0
 *       SIPFP_FLOW_A_DSCP: NLA_U8, 0..63, written into forwarded
 *          packets; default 0
 *       SIPFP_FLOW_A_CLOCK_RATE: NLA_U32, Hz, for RTP jitter; default 8000
 *       SIPFP_FLOW_A_IDLE_MS: NLA_U32: SIPFP_EVENT_IDLE after this long
 *          without a packet, once per quiet spell; 0 (default): never
 *       SIPFP_FLOW_A_TIMEOUT_MS: NLA_U32: the flow is removed
 *          (SIPFP_EVENT_REMOVED, SIPFP_REMOVED_EXPIRED) after this long
 *          without a packet; 0 (default): never
 *
 * SIPFP_CMD_FLOW_SET: change a flow named by SIPFP_FLOW_A_LOCAL. The
 * attributes given replace the flow's, the others stay; COOKIE, if
 * given, must match. Giving SRC_MODE or SRC starts judging sources
 * afresh (a LATCH flow may latch again within its new window). Counters
 * are kept. -ENOENT if there is no such flow.
 *
 * SIPFP_CMD_FLOW_DEL: remove the flow named by SIPFP_FLOW_A_LOCAL (and
 * SIPFP_FLOW_A_COOKIE, which must match if given).
 *
 * SIPFP_CMD_FLOW_GET: one flow by SIPFP_FLOW_A_LOCAL, or with NLM_F_DUMP
 * every flow of the namespace; a dump that raced a change carries
 * NLM_F_DUMP_INTR. Each reply holds one SIPFP_A_FLOW with every
 * attribute the flow has, plus:
 *       SIPFP_FLOW_A_LATCHED: NLA_NESTED, endpoint: the source a LATCH
 *          flow learnt (absent until it latched)
 *       SIPFP_FLOW_A_COUNTERS: NLA_NESTED
 *          SIPFP_CNT_A_PACKETS: NLA_U64, forwarded
 *          SIPFP_CNT_A_BYTES: NLA_U64, forwarded UDP payload bytes
 *          SIPFP_CNT_A_DROP_SOURCE: NLA_U64, from an unexpected source
 *          SIPFP_CNT_A_DROP_NO_PEER: NLA_U64, no destination (see PEER)
 *          SIPFP_CNT_A_DROP_ROUTE: NLA_U64, no route or sending failed
 *          SIPFP_CNT_A_IDLE_MS: NLA_U64, ms since the last forwarded
 *             packet; absent if none was
 *          only once a valid RTP header was seen, for SIPFP_F_RTP flows,
 *          as RFC 3550 A.1 and A.8 define them:
 *          SIPFP_CNT_A_SSRC: NLA_U32
 *          SIPFP_CNT_A_EXT_MAX_SEQ: NLA_U32, cycles << 16 | highest seq
 *          SIPFP_CNT_A_EXPECTED: NLA_U64
 *          SIPFP_CNT_A_LOST: NLA_S64, negative with duplicates
 *          SIPFP_CNT_A_JITTER: NLA_U32, in RTP timestamp units
 *
 * SIPFP_CMD_FLUSH: remove every flow of the namespace, or with
 * SIPFP_A_COOKIE and SIPFP_A_COOKIE_MASK (both NLA_U64) those whose
 * cookie & mask equals COOKIE & mask.
 *
 * SIPFP_CMD_STATS_GET: the namespace's totals.
 *
 *    SIPFP_A_STATS: NLA_NESTED
 *       SIPFP_STATS_A_FLOWS: NLA_U32, flows now
 *       SIPFP_STATS_A_MAX_FLOWS: NLA_U32, the table's limit
 *       SIPFP_STATS_A_PACKETS, _BYTES, _DROP_SOURCE, _DROP_NO_PEER,
 *       _DROP_ROUTE: NLA_U64, summed over flows, including removed ones
 *       SIPFP_STATS_A_PASSED: NLA_U64, packets to a flow's endpoint
 *          left to the stack (fragments, IP options, malformed)
 *       SIPFP_STATS_A_EXPIRED: NLA_U64, flows removed by TIMEOUT_MS
 *
 * SIPFP_CMD_EVENT: multicast on SIPFP_MCGRP_EVENTS, never requested.
 *
 *    SIPFP_A_EVENT: NLA_U8, enum sipfp_event
 *    SIPFP_A_FLOW: NLA_NESTED: COOKIE and LOCAL of the flow
 *    SIPFP_A_SOURCE: NLA_NESTED, endpoint: for LATCHED the source
 *       learnt, for SOURCE_MISMATCH the source refused
 *    SIPFP_A_REASON: NLA_U8, enum sipfp_removed, for REMOVED
 *
 * An endpoint is a nest of exactly one address and a port:
 *
 *    SIPFP_EP_A_ADDR4: NLA_BINARY, 4 bytes, network byte order
 *    SIPFP_EP_A_ADDR6: NLA_BINARY, 16 bytes, network byte order
 *    SIPFP_EP_A_PORT: NLA_BE16, network byte order
 */
#ifndef _UAPI_LINUX_SIPFP_H
#define _UAPI_LINUX_SIPFP_H

#define SIPFP_GENL_NAME "sipfp"
#define SIPFP_GENL_VERSION 1
#define SIPFP_MCGRP_EVENTS "events"

enum sipfp_cmd {
	SIPFP_CMD_UNSPEC,
	SIPFP_CMD_FLOW_NEW,
	SIPFP_CMD_FLOW_SET,
	SIPFP_CMD_FLOW_DEL,
	SIPFP_CMD_FLOW_GET,
	SIPFP_CMD_FLUSH,
	SIPFP_CMD_STATS_GET,
	SIPFP_CMD_EVENT,
	__SIPFP_CMD_MAX
};
#define SIPFP_CMD_MAX (__SIPFP_CMD_MAX - 1)

/* How a flow judges the source of a packet. */
enum sipfp_src_mode {
	/* any source: manual flows */
	SIPFP_SRC_ANY,
	/* exactly SRC, address and port */
	SIPFP_SRC_FIXED,
	/*
	 * Within LATCH_MS, the first packet from SRC's address (and SRC's
	 * port, unless it is 0) latches: the flow is FIXED to that packet's
	 * source from then on, and SIPFP_EVENT_LATCHED says so. Past the
	 * window unlatched, it is FIXED to SRC. Other addresses are always
	 * dropped.
	 */
	SIPFP_SRC_LATCH,
	__SIPFP_SRC_MAX
};
#define SIPFP_SRC_MAX (__SIPFP_SRC_MAX - 1)

enum sipfp_flow_flags {
	/* packets are RTP: keep SSRC, sequence, loss and jitter */
	SIPFP_F_RTP = 1U << 0,
	__SIPFP_F_ALL = SIPFP_F_RTP,
};

enum sipfp_event {
	SIPFP_EVENT_LATCHED,
	SIPFP_EVENT_IDLE,
	/* rate-limited: at most one per flow per second */
	SIPFP_EVENT_SOURCE_MISMATCH,
	SIPFP_EVENT_REMOVED,
	__SIPFP_EVENT_MAX
};
#define SIPFP_EVENT_MAX (__SIPFP_EVENT_MAX - 1)

enum sipfp_removed {
	SIPFP_REMOVED_DELETED, /* SIPFP_CMD_FLOW_DEL */
	SIPFP_REMOVED_FLUSHED, /* SIPFP_CMD_FLUSH */
	SIPFP_REMOVED_EXPIRED, /* TIMEOUT_MS without a packet */
	__SIPFP_REMOVED_MAX
};
#define SIPFP_REMOVED_MAX (__SIPFP_REMOVED_MAX - 1)

enum sipfp_attrs {
	SIPFP_A_UNSPEC,
	SIPFP_A_PAD,
	SIPFP_A_FLOW,
	SIPFP_A_STATS,
	SIPFP_A_EVENT,
	SIPFP_A_SOURCE,
	SIPFP_A_REASON,
	SIPFP_A_COOKIE,
	SIPFP_A_COOKIE_MASK,
	__SIPFP_A_MAX
};
#define SIPFP_A_MAX (__SIPFP_A_MAX - 1)

enum sipfp_flow_attrs {
	SIPFP_FLOW_A_UNSPEC,
	SIPFP_FLOW_A_PAD,
	SIPFP_FLOW_A_COOKIE,
	SIPFP_FLOW_A_LOCAL,
	SIPFP_FLOW_A_OUT,
	SIPFP_FLOW_A_PEER,
	SIPFP_FLOW_A_SRC_MODE,
	SIPFP_FLOW_A_SRC,
	SIPFP_FLOW_A_LATCH_MS,
	SIPFP_FLOW_A_FLAGS,
	SIPFP_FLOW_A_DSCP,
	SIPFP_FLOW_A_CLOCK_RATE,
	SIPFP_FLOW_A_IDLE_MS,
	SIPFP_FLOW_A_TIMEOUT_MS,
	SIPFP_FLOW_A_LATCHED,
	SIPFP_FLOW_A_COUNTERS,
	__SIPFP_FLOW_A_MAX
};
#define SIPFP_FLOW_A_MAX (__SIPFP_FLOW_A_MAX - 1)

enum sipfp_ep_attrs {
	SIPFP_EP_A_UNSPEC,
	SIPFP_EP_A_ADDR4,
	SIPFP_EP_A_ADDR6,
	SIPFP_EP_A_PORT,
	__SIPFP_EP_A_MAX
};
#define SIPFP_EP_A_MAX (__SIPFP_EP_A_MAX - 1)

enum sipfp_cnt_attrs {
	SIPFP_CNT_A_UNSPEC,
	SIPFP_CNT_A_PAD,
	SIPFP_CNT_A_PACKETS,
	SIPFP_CNT_A_BYTES,
	SIPFP_CNT_A_DROP_SOURCE,
	SIPFP_CNT_A_DROP_NO_PEER,
	SIPFP_CNT_A_DROP_ROUTE,
	SIPFP_CNT_A_IDLE_MS,
	SIPFP_CNT_A_SSRC,
	SIPFP_CNT_A_EXT_MAX_SEQ,
	SIPFP_CNT_A_EXPECTED,
	SIPFP_CNT_A_LOST,
	SIPFP_CNT_A_JITTER,
	__SIPFP_CNT_A_MAX
};
#define SIPFP_CNT_A_MAX (__SIPFP_CNT_A_MAX - 1)

enum sipfp_stats_attrs {
	SIPFP_STATS_A_UNSPEC,
	SIPFP_STATS_A_PAD,
	SIPFP_STATS_A_FLOWS,
	SIPFP_STATS_A_MAX_FLOWS,
	SIPFP_STATS_A_PACKETS,
	SIPFP_STATS_A_BYTES,
	SIPFP_STATS_A_DROP_SOURCE,
	SIPFP_STATS_A_DROP_NO_PEER,
	SIPFP_STATS_A_DROP_ROUTE,
	SIPFP_STATS_A_PASSED,
	SIPFP_STATS_A_EXPIRED,
	__SIPFP_STATS_A_MAX
};
#define SIPFP_STATS_A_MAX (__SIPFP_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_SIPFP_H */
