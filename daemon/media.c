// SPDX-License-Identifier: GPL-2.0
/*
 * Media sessions: one per call, found by Call-ID and the caller's tag,
 * made by the INVITE that starts a call and ended by a BYE, a final
 * failure, CANCEL, the media timeout or shutdown.  Every end closes
 * every flow and hands every port back (to quarantine).  The SDP work
 * is media_sdp.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "media.h"
#include "media_int.h"

#define BUCKETS 4096

struct media_stats media_stats;
const struct config *media_cfg;

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

static struct media_session *find(struct sip_str call_id, struct sip_str tag)
{
	struct media_session *s = tab[hash(call_id)];

	for (; s; s = s->next)
		if (str_is(s->call_id, call_id) && str_is(s->tag, tag))
			return s;
	return NULL;
}

static void idle_check(struct ev_timer *t, void *arg);

static struct media_session *create(const struct sip_msg *m,
				    const struct sip_peer *src)
{
	struct media_session *s;
	uint32_t h = hash(m->call_id);

	if (m->call_id.len >= sizeof(s->call_id) ||
	    m->from.tag.len >= sizeof(s->tag))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s->call_id, m->call_id.s, m->call_id.len);
	memcpy(s->tag, m->from.tag.s, m->from.tag.len);
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
	for (unsigned int i = 0; i < s->nstreams; i++)
		media_stream_close(s, i);
	if (s->started) {
		log_info("media: end call=%s reason=%s duration_ms=%llu",
			 s->call_id, reason,
			 (unsigned long long)(ev_now_ms() - s->start_ms));
		media_stats.ended++;
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
	if (last < s->start_ms)
		last = s->start_ms;
	if (now - last < limit) {
		ev_timer_add(t, limit - (now - last) + 100);
		return;
	}
	media_stats.timeouts++;
	media_bye(s);
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
	if (media_cfg->media_timeout)
		ev_timer_add(&s->idle, media_cfg->media_timeout * 1000ull);
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

/* The session @m belongs to and the side it comes from, or NULL. */
static struct media_session *lookup(const struct sip_msg *m, bool request,
				    int *side)
{
	struct media_session *s = find(m->call_id, m->from.tag);

	/* a response comes from the side the request went to */
	if (s) {
		*side = request ? 0 : 1;
		return s;
	}
	if (!m->to.tag.len)
		return NULL;
	s = find(m->call_id, m->to.tag);
	*side = request ? 1 : 0;
	return s;
}

static int sdp_of(struct media_session *s, struct sip_msg *m, int side,
		  bool request)
{
	bool was = s->started;
	int ret;

	if (!has_sdp(m))
		return 0;
	ret = media_sdp(s, m, side, request);
	if (!ret && !was && s->started)
		started(s);
	return ret;
}

/*
 * Straight from a phone whose Via the source contradicts.  A received=
 * alone says nothing: RFC 3581 §4 adds it to every Via with rport.
 */
static bool via_nated(const struct sip_msg *m)
{
	struct sip_str h = m->via.host, r = m->via.received;

	if (m->nvia != 1 || !r.len)
		return false;
	if (h.len > 2 && h.s[0] == '[')
		h = sip_str_make(h.s + 1, h.len - 2);
	if (r.len > 2 && r.s[0] == '[')
		r = sip_str_make(r.s + 1, r.len - 2);
	return !sip_str_caseeq(h, r);
}

int media_request(struct sip_msg *m, const struct sip_peer *src,
		  const struct sip_peer *dst)
{
	struct media_session *s;
	int side;

	if (!running || !media_cfg->media_anchor)
		return 0;
	s = lookup(m, true, &side);
	if (m->method == SIP_BYE) {
		if (s)
			end(s, "bye");
		return 0;
	}
	if (m->method != SIP_INVITE && m->method != SIP_UPDATE &&
	    m->method != SIP_ACK && m->method != SIP_PRACK)
		return 0;
	if (!s && m->method == SIP_INVITE && !m->to.tag.len) {
		if (media_stats.sessions >= media_cfg->max_sessions) {
			media_stats.refused++;
			log_warnx_rl("media: session limit %u reached",
				     media_cfg->max_sessions);
			return 503;
		}
		s = create(m, src);
		if (!s)
			return 500;
		side = 0;
	}
	if (!s)
		return 0;
	s->sig[side] = *src;
	s->nat[side] = via_nated(m);
	/* the other side is where this goes, until it answers from elsewhere */
	if (!s->sig[!side].addr.sa.sa_family)
		s->sig[!side] = *dst;
	media_dialog_request(s, m, side);
	return sdp_of(s, m, side, true);
}

void media_response(struct sip_msg *m, const struct sip_peer *src, bool nat)
{
	struct media_session *s;
	int side;

	if (!running || m->status <= 100 || m->status >= 300 ||
	    (m->method != SIP_INVITE && m->method != SIP_UPDATE &&
	     m->method != SIP_PRACK))
		return;
	s = lookup(m, false, &side);
	if (!s)
		return;
	if (src) {
		s->sig[side] = *src;
		s->nat[side] = nat;
	}
	media_dialog_response(s, m, side);
	if (sdp_of(s, m, side, false) > 0)
		media_stats.bad_sdp++;
}

void media_failed(const struct sip_msg *req, int status, bool cancelled)
{
	struct media_session *s;
	int side;

	if (!running || req->method != SIP_INVITE)
		return;
	s = lookup(req, true, &side);
	if (!s)
		return;
	if (req->to.tag.len) {
		/* a re-INVITE refused: the old streams stand (RFC 3261 §14.1) */
		s->offer_from = -1;
		return;
	}
	(void)status;
	end(s, cancelled ? "cancel" : "failure");
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
	return 0;
}

void media_configure(const struct config *cfg)
{
	media_cfg = cfg;
}

void media_exit(void)
{
	for (unsigned int i = 0; i < BUCKETS; i++)
		while (tab[i])
			end(tab[i], "shutdown");
	if (running) {
		fp_exit();
		ports_exit();
	}
	running = false;
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
