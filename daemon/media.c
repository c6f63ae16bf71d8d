// SPDX-License-Identifier: GPL-2.0
/*
 * Media sessions: one per dialog, found by Call-ID and the two tags,
 * made by the INVITE that starts a call -- one per branch when it forks,
 * so each early dialog has its own ports -- and ended by a BYE, a final
 * failure (of its branch, or of the whole INVITE), CANCEL, the media
 * timeout or shutdown.  Every end closes every flow and hands every
 * port back (to quarantine).  The SDP work is media_sdp.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "media.h"
#include "media_adopt.h"
#include "media_int.h"

#define BUCKETS 4096

struct media_stats media_stats;
const struct config *media_cfg;
void (*media_notify)(const struct media_note *n);

static struct media_session *tab[BUCKETS];
static bool running;

const char *media_side_name(int side)
{
	return side ? "callee" : "caller";
}

static uint32_t hash(struct sip_str call_id)
{
	uint32_t h = 2166136261u;

	for (uint32_t i = 0; i < call_id.len; i++)
		h = (h ^ (uint8_t)call_id.s[i]) * 16777619u;
	return h % BUCKETS;
}

static bool str_is(const char *s, struct sip_str v)
{
	return v.len && strlen(s) == v.len && !memcmp(s, v.s, v.len);
}

static bool same_call(const struct media_session *s, struct sip_str call_id,
		      struct sip_str tag)
{
	return str_is(s->call_id, call_id) && str_is(s->tag, tag);
}

/*
 * The session of the dialog between @tag (the caller's) and @to_tag.  A
 * dialog no session has yet learnt (a fork behind another proxy shares
 * its branch's session) falls back to the call's newest session.
 */
static struct media_session *find(struct sip_str call_id, struct sip_str tag,
				  struct sip_str to_tag)
{
	struct media_session *s = tab[hash(call_id)], *any = NULL;

	for (; s; s = s->next) {
		if (!same_call(s, call_id, tag))
			continue;
		if (!to_tag.len || str_is(s->to_tag, to_tag))
			return s;
		any = any ?: s;
	}
	return any;
}

static struct media_session *find_branch(struct sip_str call_id,
					 struct sip_str tag, const char *branch)
{
	struct media_session *s = tab[hash(call_id)];

	for (; s && branch; s = s->next)
		if (same_call(s, call_id, tag) && !strcmp(s->branch, branch))
			return s;
	return NULL;
}

static void idle_check(struct ev_timer *t, void *arg);

static struct media_session *create(const struct sip_msg *m,
				    const struct sip_peer *src,
				    const char *branch)
{
	struct media_session *s;
	uint32_t h = hash(m->call_id);

	if (m->call_id.len >= sizeof(s->call_id) ||
	    m->from.tag.len >= sizeof(s->tag) ||
	    (branch && strlen(branch) >= sizeof(s->branch)))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s->call_id, m->call_id.s, m->call_id.len);
	memcpy(s->tag, m->from.tag.s, m->from.tag.len);
	if (branch)
		strcpy(s->branch, branch);
	s->offer_from = -1;
	s->sig[0] = *src;
	s->start_ms = ev_now_ms();
	ev_timer_init(&s->idle, idle_check, s);
	s->next = tab[h];
	tab[h] = s;
	media_stats.sessions++;
	return s;
}

static void unlink_session(struct media_session *s)
{
	struct media_session **pp = &tab[hash(sip_str_cstr(s->call_id))];

	for (; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			return;
		}
}

static void end(struct media_session *s, const char *reason)
{
	struct media_note n = { .event = "call_end", .call_id = s->call_id,
				.reason = reason };

	for (unsigned int i = 0; i < s->nstreams; i++)
		media_stream_close(s, i);
	if (s->started) {
		n.duration_ms = ev_now_ms() - s->start_ms;
		log_info("media: end call=%s reason=%s duration_ms=%llu",
			 s->call_id, reason, (unsigned long long)n.duration_ms);
		media_stats.ended++;
		if (media_notify)
			media_notify(&n);
	}
	ev_timer_del(&s->idle);
	unlink_session(s);
	free(s->dlg);
	free(s->st);
	free(s);
	media_stats.sessions--;
}

/* No packet either way for media_timeout: the call is dead (§ issue 4). */
static void idle_check(struct ev_timer *t, void *arg)
{
	struct media_session *s = arg;
	uint64_t limit = (uint64_t)media_cfg->media_timeout * 1000;
	uint64_t last = media_last_packet(s), now = ev_now_ms();

	if (!media_cfg->media_timeout)
		return;
	if (last < s->confirmed_ms)
		last = s->confirmed_ms;
	if (now - last < limit) {
		ev_timer_add(t, limit - (now - last) + 100);
		return;
	}
	media_stats.timeouts++;
	media_bye(s, "SIP;cause=408;text=\"media timeout\"");
	end(s, "timeout");
}

/* The session is live from its first answered offer. */
static void started(struct media_session *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < s->nstreams; i++)
		n += s->st[i].leg[0].open;
	s->started = true;
	s->start_ms = ev_now_ms();
	media_stats.started++;
	log_info("media: start call=%s streams=%u", s->call_id, n);
	if (media_notify)
		media_notify(&(struct media_note){ .event = "call_start",
						   .call_id = s->call_id,
						   .streams = n });
}

static bool has_sdp(const struct sip_msg *m)
{
	struct sip_str ct = m->content_type;
	static const char want[] = "application/sdp";
	uint32_t n = sizeof(want) - 1;

	/* parameters after the type (";charset=...") do not matter */
	return m->body.len && ct.len >= n && !strncasecmp(ct.s, want, n) &&
	       (ct.len == n || ct.s[n] == ';' || ct.s[n] == ' ');
}

/*
 * The session @m belongs to and the side it comes from, or NULL.  A
 * response to the INVITE that made a session comes back on its branch;
 * the first To tag it brings names the session's dialog.
 */
static struct media_session *lookup(const struct sip_msg *m, bool request,
				    int *side, const char *branch)
{
	struct media_session *s = NULL;

	if (!request)
		s = find_branch(m->call_id, m->from.tag, branch);
	if (s) {
		if (!s->to_tag[0] && m->to.tag.len < sizeof(s->to_tag))
			memcpy(s->to_tag, m->to.tag.s, m->to.tag.len);
		*side = 1;
		return s;
	}
	s = find(m->call_id, m->from.tag, m->to.tag);
	/* a response comes from the side the request went to */
	if (s) {
		*side = request ? 0 : 1;
		return s;
	}
	if (!m->to.tag.len)
		return NULL;
	s = find(m->call_id, m->to.tag, m->from.tag);
	*side = request ? 1 : 0;
	return s;
}

static int sdp_of(struct media_session *s, struct sip_msg *m, int side,
		  enum media_role role)
{
	bool was = s->started;
	int ret = media_sdp(s, m, side, role);

	if (!ret && !was && s->started)
		started(s);
	return ret;
}

/*
 * What a request's SDP is: the pending offer again on another fork
 * branch, an answer in an ACK or PRACK to an offer in a 2xx or reliable
 * 1xx, else an offer.  Notes whether it carried SDP for its responses.
 */
static enum media_role request_role(struct media_session *s,
				    const struct sip_msg *m, int side,
				    bool sdp)
{
	if (m->method != SIP_ACK) {
		s->req_cseq[side] = m->cseq.num;
		s->req_sdp[side] = sdp;
	}
	if (s->offer_from == side && s->offer_cseq == m->cseq.num &&
	    m->method != SIP_PRACK)
		return MEDIA_REPEAT;
	if (m->method == SIP_ACK || m->method == SIP_PRACK)
		return s->offer_from == !side ? MEDIA_ANSWER : MEDIA_REPEAT;
	return MEDIA_OFFER;
}

/*
 * A response to a request that carried SDP answers it, again when an
 * earlier 1xx or another fork did; to one that carried none it offers
 * (RFC 3261 §13.2.1), once per request.
 */
static enum media_role response_role(struct media_session *s,
				     const struct sip_msg *m, int side)
{
	if (s->req_cseq[!side] == m->cseq.num && s->req_sdp[!side])
		return MEDIA_ANSWER;
	if (s->offer_from == side && s->offer_cseq == m->cseq.num)
		return MEDIA_REPEAT;
	return MEDIA_OFFER;
}

/*
 * Straight from a phone whose Via address the source contradicts.  A
 * received= alone says nothing: RFC 3581 §4 adds it to every Via with
 * rport, and §18.2.1 to every Via naming a host.
 */
static bool via_nated(const struct sip_msg *m)
{
	union tp_addr h, r;

	return m->nvia == 1 && m->via.received.len &&
	       !media_addr(&h, m->via.host, 0) &&
	       !media_addr(&r, m->via.received, 0) &&
	       !tp_addr_ip_eq(&h, &r);
}

/*
 * An INVITE that starts a call, on one of its branches: a session of its
 * own, so each early dialog a fork brings has its own ports.
 */
static struct media_session *initial(const struct sip_msg *m,
				     const struct sip_peer *src,
				     const char *branch, int *status)
{
	struct media_session *s;

	if (media_stats.sessions >= media_cfg->max_sessions) {
		media_stats.refused++;
		log_warnx_rl("media: session limit %u reached",
			     media_cfg->max_sessions);
		*status = 503;
		return NULL;
	}
	s = create(m, src, branch);
	if (!s)
		*status = 500;
	return s;
}

int media_request(struct sip_msg *m, const struct sip_peer *src,
		  const struct sip_peer *dst, const char *branch)
{
	struct media_session *s;
	enum media_role role;
	int side = 0, status = 0;

	if (!running || !media_cfg->media_anchor)
		return 0;
	/* without a From tag (RFC 2543) no dialog can be told apart */
	if (m->method == SIP_INVITE && !m->to.tag.len) {
		if (!m->from.tag.len)
			return 0;
		s = initial(m, src, branch, &status);
		if (!s)
			return status;
	} else {
		s = lookup(m, true, &side, NULL);
	}
	if (s && m->method == SIP_BYE) {
		end(s, "bye");
		return 0;
	}
	/* a call whose media an earlier sipfpd left in the kernel */
	if (!s && (m->method == SIP_BYE || m->method == SIP_CANCEL))
		media_adopt_end(m->call_id,
				m->method == SIP_BYE ? "bye" : "cancel");
	if (!s)
		return 0;
	/* every request counts for the CSeq our own BYE must pass */
	media_dialog_request(s, m, side);
	if (m->method != SIP_INVITE && m->method != SIP_UPDATE &&
	    m->method != SIP_ACK && m->method != SIP_PRACK)
		return 0;
	s->sig[side] = *src;
	s->nat[side] = via_nated(m);
	/* the other side is where this goes, until it answers from elsewhere */
	if (!s->sig[!side].addr.sa.sa_family)
		s->sig[!side] = *dst;
	role = request_role(s, m, side, has_sdp(m));
	return has_sdp(m) ? sdp_of(s, m, side, role) : 0;
}

/* A 2xx to the INVITE that made @s: the media timeout starts now. */
static void confirm(struct media_session *s, const struct sip_msg *m)
{
	if (m->method != SIP_INVITE || m->status < 200)
		return;
	s->confirmed = true;
	if (media_cfg->media_timeout && !ev_timer_armed(&s->idle)) {
		s->confirmed_ms = ev_now_ms();
		ev_timer_add(&s->idle, media_cfg->media_timeout * 1000ull);
	}
}

void media_response(struct sip_msg *m, const struct sip_peer *src, bool nat,
		    const char *branch)
{
	struct media_session *s;
	int side;

	if (!running || m->status <= 100 || m->status >= 300 ||
	    (m->method != SIP_INVITE && m->method != SIP_UPDATE &&
	     m->method != SIP_PRACK))
		return;
	s = lookup(m, false, &side, branch);
	if (!s)
		return;
	if (src) {
		s->sig[side] = *src;
		s->nat[side] = nat;
	}
	media_dialog_response(s, m, side);
	confirm(s, m);
	if (has_sdp(m))
		sdp_of(s, m, side, response_role(s, m, side));
}

void media_failed(const struct sip_msg *req, int status, bool cancelled)
{
	struct media_session *s, *next;
	int side;

	(void)status;
	if (!running || req->method != SIP_INVITE)
		return;
	if (req->to.tag.len) {
		s = lookup(req, true, &side, NULL);
		/* a re-INVITE refused: the old streams stand (RFC 3261 §14.1) */
		if (s)
			s->offer_from = -1;
		return;
	}
	for (s = tab[hash(req->call_id)]; s; s = next) {
		next = s->next;
		if (same_call(s, req->call_id, req->from.tag) && !s->confirmed)
			end(s, cancelled ? "cancel" : "failure");
	}
}

void media_branch_failed(const struct sip_msg *m, const char *branch)
{
	struct media_session *s;

	if (!running || m->method != SIP_INVITE || !branch)
		return;
	s = find_branch(m->call_id, m->from.tag, branch);
	/* the fork's other branches are cancelled once one answers 2xx */
	if (s && !s->confirmed)
		end(s, m->status == 487 ? "cancel" : "failure");
}

int media_init(const struct config *cfg)
{
	media_cfg = cfg;
	if (!cfg->media_anchor) {
		log_info("media: anchoring off; SDP passes untouched");
		return 0;
	}
	if (ports_init(cfg) || fp_init(cfg, media_flow_event))
		return -1;
	running = true;
	/* before any call: their ports must be ours again first */
	media_adopt_init(cfg);
	return 0;
}

void media_configure(const struct config *cfg)
{
	media_cfg = cfg;
}

void media_exit(void)
{
	/* the kernel's copies of the flows forward on for the next sipfpd */
	if (running)
		fp_leave();
	for (unsigned int i = 0; i < BUCKETS; i++)
		while (tab[i])
			end(tab[i], "shutdown");
	if (running) {
		media_adopt_exit();
		fp_exit();
		ports_exit();
	}
	running = false;
}

int media_walk(int (*fn)(const struct media_session *s, void *arg),
	       void *arg)
{
	int ret;

	for (unsigned int i = 0; i < BUCKETS; i++)
		for (struct media_session *s = tab[i]; s; s = s->next) {
			ret = fn(s, arg);
			if (ret)
				return ret;
		}
	return 0;
}

int media_hangup(const char *call_id, unsigned int *byes)
{
	struct media_session *s, *next;
	int n = 0;

	*byes = 0;
	for (s = tab[hash(sip_str_cstr(call_id))]; s; s = next) {
		next = s->next;
		if (strcmp(s->call_id, call_id))
			continue;
		/* Q.850 16: normal call clearing, by neither phone */
		*byes += media_bye(s, "Q.850;cause=16;text=\"sipctl hangup\"");
		end(s, "hangup");
		n++;
	}
	return n;
}

const char *media_fastpath(void)
{
	return running ? fp_name() : "off";
}

bool media_needs_net_admin(void)
{
	return running && strcmp(fp_name(), "relay");
}

bool media_needs_bpf(void)
{
	return running && !strcmp(fp_name(), "xdp");
}

void media_stats_log(void)
{
	const struct media_stats *m = &media_stats;

	log_info("media: fastpath=%s sessions=%llu started=%llu ended=%llu "
		 "refused=%llu bad_sdp=%llu no_ports=%llu timeouts=%llu",
		 running ? fp_name() : "off",
		 (unsigned long long)m->sessions,
		 (unsigned long long)m->started, (unsigned long long)m->ended,
		 (unsigned long long)m->refused,
		 (unsigned long long)m->bad_sdp,
		 (unsigned long long)m->no_ports,
		 (unsigned long long)m->timeouts);
}
