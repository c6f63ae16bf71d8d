/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Media anchoring: every call's SDP is rewritten so its media flows
 * through relay ports of ours, forwarded by the fast path (fastpath.h).
 * The proxy calls in at four places: a request leaving on a branch, a
 * response going back up, a final failure of an INVITE, and an ACK.
 */
#ifndef SIPFP_MEDIA_H
#define SIPFP_MEDIA_H

#include "config.h"
#include "sip/msg.h"
#include "transport.h"

struct media_stats {
	uint64_t sessions; /* alive now */
	uint64_t started, ended;
	uint64_t refused; /* over max_sessions */
	uint64_t bad_sdp; /* offers or answers we could not parse */
	uint64_t no_ports; /* streams refused for want of a relay port */
	uint64_t timeouts; /* sessions ended by the media timeout */
};

extern struct media_stats media_stats;

/* Ports and the fast path: 0, or -1 logged.  After tp_init(). */
int media_init(const struct config *cfg);
void media_configure(const struct config *cfg);
/* Ends every session (reason=shutdown). */
void media_exit(void);

/**
 * media_request() - a request about to leave on a branch
 * @m: the request as it will be sent; its SDP body is rewritten
 * @src: where it came from
 * @dst: where it goes
 * @branch: the Via branch it leaves with, NULL when stateless (ACK)
 *
 * An INVITE, UPDATE, PRACK or ACK with SDP offers or answers; a BYE
 * ends its dialog's session.  Each branch of an INVITE that starts a
 * call gets a session of its own.
 *
 * Return: 0, or a SIP status to answer instead (488, 500, 503).
 */
int media_request(struct sip_msg *m, const struct sip_peer *src,
		  const struct sip_peer *dst, const char *branch);

/**
 * media_response() - a response about to go back up
 * @m: the response (our Via popped); its SDP body is rewritten
 * @src: where it came from
 * @nat: its sender is behind NAT (its Contact is not where it came from)
 * @branch: the branch it came back on, NULL when stateless
 */
void media_response(struct sip_msg *m, const struct sip_peer *src, bool nat,
		    const char *branch);

/*
 * The INVITE @req (as forwarded) got final @status on every branch, or
 * was cancelled: every session it made that no 2xx confirmed ends.
 */
void media_failed(const struct sip_msg *req, int status, bool cancelled);
/* One @branch of the INVITE @m (a response, or the request) failed. */
void media_branch_failed(const struct sip_msg *m, const char *branch);

void media_stats_log(void);

/*
 * For the control socket and the metrics, read only: each session until
 * @fn returns nonzero (that is returned).  Its layout is media_int.h's.
 */
struct media_session;
int media_walk(int (*fn)(const struct media_session *s, void *arg),
	       void *arg);

/**
 * media_hangup() - end a call from the control socket
 * @call_id: its Call-ID; every session of it ends (a fork has several)
 * @byes: BYEs sent, one to each side of every answered session
 *
 * Return: how many sessions ended, 0 when none has @call_id.
 */
int media_hangup(const char *call_id, unsigned int *byes);

/* The fast path in use, "off" when anchoring is. */
const char *media_fastpath(void);

/*
 * Flow counters summed by the path that carried a flow's last packet
 * (enum fp_path) and the [media] interface of its address (the last slot:
 * none): flows that ended, and with media_totals() the live ones too, so
 * the sums only grow.
 */
#define MEDIA_NPATHS 4
#define MEDIA_TOTAL_IFS (CFG_MAX_MEDIA_IFS + 1)

struct media_total {
	uint64_t flows; /* ended */
	uint64_t packets, bytes, drops;
};

struct media_totals {
	struct media_total t[MEDIA_NPATHS][MEDIA_TOTAL_IFS];
};

void media_totals(struct media_totals *out);

/*
 * What a watcher (the control socket's monitor) hears: a call's media
 * starting and ending, and its flows' events.  Called on the event loop,
 * possibly from inside a control request (hangup); the watcher must not
 * end a session from it.
 */
struct fp_flow;
struct media_note {
	const char *event; /* "call_start", "call_end", "latched", "idle",
			      "source_mismatch", "removed" */
	const char *call_id;
	const char *reason; /* call_end: "bye", "cancel", "timeout" ... */
	uint64_t duration_ms; /* call_end */
	unsigned int streams; /* call_start */
	const struct fp_flow *flow; /* the flow events', else NULL */
	unsigned int stream;
	int side;
	bool rtcp;
	const union tp_addr *addr; /* latched, source_mismatch: the source */
};

extern void (*media_notify)(const struct media_note *n);

/* The fast path in use changes kernel state (CAP_NET_ADMIN). */
bool media_needs_net_admin(void);
/* The XDP path's map descriptors, on kernels that check (CAP_BPF). */
bool media_needs_bpf(void);

#endif
