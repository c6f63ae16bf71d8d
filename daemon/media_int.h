/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the media session layer: shared by media.c (the session table,
 * the proxy's hooks, ends and logging) and media_sdp.c (offer/answer,
 * relay legs, flows); control_media.c and media_totals.c read sessions
 * through media_walk().  Nothing else includes it.
 *
 * A session is one call: the caller is side 0 (the From of the INVITE
 * that made it), the callee side 1.  Each m= line is a stream; a stream
 * has a leg per side (our port pair facing that side) and, once an offer
 * has been answered, a flow per direction for RTP and one for RTCP
 * unless both sides multiplex it on the RTP port (RFC 5761).
 */
#ifndef SIPFP_MEDIA_INT_H
#define SIPFP_MEDIA_INT_H

#include <netinet/in.h>

#include "event.h"
#include "fastpath.h"
#include "ports.h"
#include "sip/msg.h"
#include "sip/sdp.h"
#include "transport.h"

#define MEDIA_TAG_MAX 128
#define MEDIA_BRANCH_MAX 48

/* What one side's SDP says about one stream. */
struct media_end {
	bool set;
	bool rejected; /* port 0 */
	bool hold_null; /* c=0.0.0.0 or :: (RFC 2543 hold) */
	bool mux; /* a=rtcp-mux */
	union tp_addr rtp, rtcp; /* where that side takes media */
};

/* Our port pair facing one side. */
struct media_leg {
	bool open;
	union tp_addr local; /* bound address, the RTP port */
	struct port_pair pp;
	char adv[INET6_ADDRSTRLEN]; /* the address SDP gives for it */
	uint8_t adv_af;
};

struct media_stream {
	struct media_leg leg[2];
	struct media_end end[2]; /* as last agreed */
	struct media_end offer; /* the pending offer's, from its side */
	bool mux; /* agreed: RTCP on the RTP port */
	uint32_t clock_rate;
	/* by the side packets come from */
	struct fp_flow *rtp[2], *rtcp[2];
};

struct media_session {
	struct media_session *next; /* hash chain */
	char call_id[256];
	char tag[MEDIA_TAG_MAX]; /* the caller's From tag */
	/*
	 * An INVITE that forks makes a session per branch, each with its
	 * own ports, so every early dialog has its own media (RFC 3261
	 * §13.2.1, issue 4): the branch it left on, and the callee's tag
	 * once a response brought one.
	 */
	char branch[MEDIA_BRANCH_MAX];
	char to_tag[MEDIA_TAG_MAX];
	bool confirmed; /* a 2xx to the INVITE that made it */
	uint64_t start_ms;
	bool started; /* an offer was answered: flows exist */
	int offer_from; /* side of the pending offer, -1 none */
	uint32_t offer_cseq; /* the CSeq of the message that carried it */
	/* each side's last INVITE, UPDATE or PRACK: did it carry SDP? */
	uint32_t req_cseq[2];
	bool req_sdp[2];
	/* what we last wrote to each side: a new o= version when it changes */
	uint64_t version_out[2];
	uint32_t body_hash[2];
	bool version_out_set[2];
	struct sip_peer sig[2]; /* where each side's signalling comes from */
	bool nat[2]; /* that side's signalling came through a NAT */
	unsigned int nstreams;
	struct media_stream *st;
	struct ev_timer idle; /* media timeout check */
	uint64_t confirmed_ms; /* the 2xx: silence counts from here at most */
	struct media_dialog *dlg; /* what a BYE of ours needs; NULL before 2xx */
};

extern const struct config *media_cfg;

/* media_sdp.c */

/* What an SDP body is, by the message that carries it (RFC 3264, 6337). */
enum media_role {
	MEDIA_OFFER,
	MEDIA_ANSWER, /* to the last offer, again if it was answered before */
	MEDIA_REPEAT, /* the pending offer again: a fork, a reliable 1xx's 2xx */
};

/*
 * The SDP in @m from @side, as @role says.  Rewrites @m's body for the
 * other side.  Return: 0, or a SIP status for the caller to answer.
 */
int media_sdp(struct media_session *s, struct sip_msg *m, int side,
	      enum media_role role);
/* An IP literal, bracketed or not, from SDP or a Via: 0 or -EINVAL. */
int media_addr(union tp_addr *a, struct sip_str s, uint16_t port);
/* Releases stream @i's flows and ports, logging its counters. */
void media_stream_close(struct media_session *s, unsigned int i);
/* A flow event from the fast path. */
void media_flow_event(struct fp_flow *f, enum fp_event ev,
		      const union tp_addr *addr, void *user);
/* ev_now_ms() of the newest packet on any flow of @s, 0 for none. */
uint64_t media_last_packet(struct media_session *s);

/* media.c */

/* media_bye.c: the dialog as far as a BYE of ours needs it */
void media_dialog_request(struct media_session *s, const struct sip_msg *m,
			  int side);
void media_dialog_response(struct media_session *s, const struct sip_msg *m,
			   int side);
/*
 * The media timeout or a hangup from the control socket: BYE to both
 * sides, as if each had hung up, with @reason as their Reason header
 * (RFC 3326).
 * Return: how many BYEs went out (0 before the call was answered).
 */
unsigned int media_bye(struct media_session *s, const char *reason);
/* media_totals.c: a flow ends with these counters */
void media_flow_ended(const struct fp_flow *f, const struct fp_counters *c);

/* "caller" or "callee" */
const char *media_side_name(int side);

#endif
