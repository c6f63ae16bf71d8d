// SPDX-License-Identifier: GPL-2.0
/*
 * Offer/answer (RFC 3264) through the relay.  An offer opens a port pair
 * per stream on each side and goes on naming the pair that faces its
 * receiver; the answer then fixes both ends of each stream and turns
 * them into flows, one per direction for RTP and for RTCP.  An SDP that
 * repeats a side's last o= version changes nothing: a fork's second
 * branch, a 200 after a reliable 18x, a refreshing re-INVITE.
 *
 * Latching (symmetric RTP): a flow first waits for its peer's packets
 * from the address the SDP gives, or from the signalling's source when
 * the signalling came through a NAT, within latch_window of the answer;
 * the reverse flow then sends to where those packets came from.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "media.h"
#include "media_int.h"

static char body[TP_MAX_MSG];

static void set_port(union tp_addr *a, uint16_t port)
{
	if (a->sa.sa_family == AF_INET6)
		a->sin6.sin6_port = htons(port);
	else
		a->sin.sin_port = htons(port);
}

int media_addr(union tp_addr *a, struct sip_str s, uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	if (s.len > 2 && s.s[0] == '[')
		s = sip_str_make(s.s + 1, s.len - 2);
	memset(a, 0, sizeof(*a));
	if (s.len >= sizeof(ip))
		return -EINVAL;
	sip_str_copy(ip, sizeof(ip), s);
	/* a name fails: we relay to addresses only */
	return tp_addr_set(a, ip, port);
}

/* What @sdp's stream @i says about where its sender takes media. */
static int end_from(const struct sdp_session *sdp, unsigned int i,
		    struct media_end *e)
{
	const struct sdp_media *md = &sdp->media[i];
	const struct sdp_conn *c = sdp_media_conn(sdp, i);

	memset(e, 0, sizeof(*e));
	e->set = true;
	e->rejected = !md->port;
	e->mux = md->rtcp_mux;
	if (e->rejected)
		return 0;
	if (!c || !c->present)
		return -EINVAL;
	e->hold_null = c->null_addr;
	if (media_addr(&e->rtp, c->addr, md->port))
		return -EINVAL;
	e->rtcp = e->rtp;
	if (md->has_rtcp && md->rtcp_conn.present &&
	    media_addr(&e->rtcp, md->rtcp_conn.addr, 0))
		return -EINVAL;
	set_port(&e->rtcp, md->has_rtcp ? md->rtcp_port : md->port + 1);
	return 0;
}

/* The clock of the stream's first format: static types are 8 kHz audio. */
static uint32_t clock_of(const struct sdp_media *md)
{
	char pat[32];
	const char *p, *end = md->section.s + md->section.len;
	size_t n = 0;
	unsigned long rate;

	while (n < md->fmts.len && md->fmts.s[n] != ' ')
		n++;
	if (!n || n > 8)
		return 8000;
	n = snprintf(pat, sizeof(pat), "a=rtpmap:%.*s ", (int)n, md->fmts.s);
	for (p = md->section.s; p && p + n < end; p++) {
		p = memmem(p, end - p, pat, n);
		if (!p)
			break;
		p = memchr(p, '/', end - p);
		rate = p ? strtoul(p + 1, NULL, 10) : 0;
		return rate >= 1000 && rate <= 192000 ? rate : 8000;
	}
	return 8000;
}

/*
 * The interface facing @toward (a side's signalling source, or its media
 * address when that is of another family): configured, else what the
 * route to it picks.
 */
static int pick_local(const union tp_addr *toward, union tp_addr *out,
		      const struct cfg_media_if **mif)
{
	const struct config *cfg = media_cfg;
	int family = toward->sa.sa_family;
	union tp_addr src;

	*mif = NULL;
	if (tp_source_for(toward, &src))
		memset(&src, 0, sizeof(src));
	set_port(&src, 0);
	if (!cfg->nmedia_ifs) {
		*out = src;
		return src.sa.sa_family ? 0 : -EHOSTUNREACH;
	}
	for (unsigned int i = 0; i < cfg->nmedia_ifs; i++) {
		const union tp_addr *l =
			(const union tp_addr *)&cfg->media_ifs[i].local;

		if (src.sa.sa_family && tp_addr_ip_eq(l, &src)) {
			*mif = &cfg->media_ifs[i];
			break;
		}
		if (!*mif && l->sa.sa_family == family)
			*mif = &cfg->media_ifs[i];
	}
	if (!*mif)
		return -EAFNOSUPPORT;
	memcpy(out, &(*mif)->local, sizeof(*out));
	set_port(out, 0);
	return 0;
}

static int leg_open(const union tp_addr *toward, struct media_leg *l)
{
	const struct cfg_media_if *mif;
	const union tp_addr *adv;
	int ret = pick_local(toward, &l->local, &mif);

	if (ret)
		return ret;
	ret = ports_get(&l->local, &l->pp);
	if (ret)
		return ret;
	set_port(&l->local, l->pp.port);
	adv = mif && mif->advertised.ss_family ?
		      (const union tp_addr *)&mif->advertised :
		      &l->local;
	tp_addr_ip(adv, l->adv, sizeof(l->adv));
	l->adv_af = adv->sa.sa_family;
	l->open = true;
	return 0;
}

static void leg_close(struct media_leg *l)
{
	if (!l->open)
		return;
	ports_put(&l->local, &l->pp);
	memset(l, 0, sizeof(*l));
}

static int grow(struct media_session *s, unsigned int n)
{
	struct media_stream *st;

	if (n <= s->nstreams)
		return 0;
	st = realloc(s->st, n * sizeof(*st));
	if (!st)
		return -ENOMEM;
	memset(st + s->nstreams, 0, (n - s->nstreams) * sizeof(*st));
	s->st = st;
	s->nstreams = n;
	return 0;
}

/* --- flows --- */

/* What carried a flow's last packet: with kmod, the relay takes the rest. */
static const char *path_name(uint8_t path)
{
	static const char *const names[] = {
		[FP_PATH_NONE] = "none", [FP_PATH_RELAY] = "relay",
		[FP_PATH_KMOD] = "kmod", [FP_PATH_XDP] = "xdp",
	};

	return path < sizeof(names) / sizeof(names[0]) ? names[path] : "?";
}

static void flow_log(struct media_session *s, unsigned int i, int from,
		     bool rtcp, struct fp_flow *f)
{
	struct fp_counters c;
	uint32_t khz = s->st[i].clock_rate / 1000 ?: 8;

	if (fp_flow_counters(f, &c))
		return;
	media_flow_ended(f, &c);
	log_info("media: flow call=%s stream=%u from=%s kind=%s path=%s "
		 "packets=%llu bytes=%llu lost=%lld jitter_ms=%u.%03u "
		 "drop_source=%llu drop_no_peer=%llu drop_send=%llu",
		 s->call_id, i, media_side_name(from), rtcp ? "rtcp" : "rtp",
		 path_name(c.path), (unsigned long long)c.packets,
		 (unsigned long long)c.bytes, (long long)c.lost,
		 c.jitter / khz, (c.jitter % khz) * 1000 / khz,
		 (unsigned long long)c.drops[FP_DROP_SOURCE],
		 (unsigned long long)c.drops[FP_DROP_NO_PEER],
		 (unsigned long long)c.drops[FP_DROP_SEND]);
}

static void flow_close(struct media_session *s, unsigned int i, int from,
		       bool rtcp)
{
	struct fp_flow **fp = rtcp ? &s->st[i].rtcp[from] : &s->st[i].rtp[from];

	if (!*fp)
		return;
	flow_log(s, i, from, rtcp, *fp);
	fp_flow_del(*fp);
	*fp = NULL;
}

void media_stream_close(struct media_session *s, unsigned int i)
{
	for (int x = 0; x < 2; x++) {
		flow_close(s, i, x, false);
		flow_close(s, i, x, true);
		leg_close(&s->st[i].leg[x]);
	}
}

/*
 * Where the side @y takes media: where its packets come from once they
 * latched, as long as its SDP still names the same place (@moved: not).
 */
static void peer_of(struct media_stream *st, int y, bool rtcp, bool moved,
		    union tp_addr *peer)
{
	struct fp_flow *back = rtcp ? st->rtcp[y] : st->rtp[y];
	struct fp_counters c;

	memset(peer, 0, sizeof(*peer));
	if (st->end[y].hold_null)
		return;
	*peer = rtcp ? st->end[y].rtcp : st->end[y].rtp;
	if (!moved && back && !fp_flow_counters(back, &c) && c.latched)
		*peer = c.source;
}

/* Whether side @x's media moved from @before (or starts now). */
static bool moved(const struct media_end *before, const struct media_end *now)
{
	return !before->set || before->hold_null != now->hold_null ||
	       !tp_addr_eq(&before->rtp, &now->rtp) ||
	       !tp_addr_eq(&before->rtcp, &now->rtcp);
}

static void spec_for(struct media_session *s, unsigned int i, int x,
		     bool rtcp, const struct media_end before[2],
		     struct fp_flow_spec *sp)
{
	struct media_stream *st = &s->st[i];
	int y = !x;
	const union tp_addr *want = rtcp ? &st->end[x].rtcp : &st->end[x].rtp;

	memset(sp, 0, sizeof(*sp));
	sp->local = st->leg[x].local;
	sp->out_local = st->leg[y].local;
	if (rtcp) {
		set_port(&sp->local, st->leg[x].pp.port + 1);
		set_port(&sp->out_local, st->leg[y].pp.port + 1);
	}
	sp->fd = rtcp ? st->leg[x].pp.fd_rtcp : st->leg[x].pp.fd_rtp;
	sp->out_fd = rtcp ? st->leg[y].pp.fd_rtcp : st->leg[y].pp.fd_rtp;
	sp->src_mode = FP_SRC_LATCH;
	sp->src = *want;
	/* behind NAT the packets come from where the signalling did */
	if (s->nat[x] && s->sig[x].addr.sa.sa_family == want->sa.sa_family) {
		sp->src = s->sig[x].addr;
		set_port(&sp->src, tp_addr_port(want));
	}
	sp->latch_until_ms = ev_now_ms() + media_cfg->latch_window * 1000ull;
	peer_of(st, y, rtcp, moved(&before[y], &st->end[y]), &sp->peer);
	sp->dscp = media_cfg->dscp;
	sp->rtp = !rtcp;
	sp->clock_rate = st->clock_rate;
}

static int flow_set(struct media_session *s, unsigned int i, int x,
		    bool rtcp, const struct media_end before[2])
{
	struct fp_flow **fp = rtcp ? &s->st[i].rtcp[x] : &s->st[i].rtp[x];
	const struct media_end *now = &s->st[i].end[x];
	struct fp_flow_spec sp;

	spec_for(s, i, x, rtcp, before, &sp);
	if (!*fp) {
		/* names the call, so a restarted sipfpd can adopt it */
		sp.cookie = fp_cookie(s->call_id, i, x, rtcp);
		*fp = fp_flow_add(&sp, s);
		return *fp ? 0 : -errno;
	}
	sp.cookie = (*fp)->spec.cookie;
	/*
	 * The same end as before, or one on hold at 0.0.0.0 (which may
	 * still send music), keeps its source rule and so what it latched.
	 */
	if (now->hold_null || !moved(&before[x], now)) {
		sp.src_mode = (*fp)->spec.src_mode;
		sp.src = (*fp)->spec.src;
		sp.latch_until_ms = (*fp)->spec.latch_until_ms;
	}
	return fp_flow_update(*fp, &sp);
}

/* The streams as agreed: flows made, moved, or gone. */
static int flows_apply(struct media_session *s, unsigned int i,
		       const struct media_end before[2])
{
	int ret = 0;

	for (int x = 0; x < 2 && !ret; x++) {
		ret = flow_set(s, i, x, false, before);
		if (ret)
			break;
		if (s->st[i].mux)
			flow_close(s, i, x, true);
		else
			ret = flow_set(s, i, x, true, before);
	}
	return ret;
}

/* --- events --- */

static bool which(struct media_session *s, struct fp_flow *f,
		  unsigned int *i, int *x, bool *rtcp)
{
	for (*i = 0; *i < s->nstreams; (*i)++)
		for (*x = 0; *x < 2; (*x)++) {
			*rtcp = s->st[*i].rtcp[*x] == f;
			if (*rtcp || s->st[*i].rtp[*x] == f)
				return true;
		}
	return false;
}

static void note(const struct media_session *s, const struct fp_flow *f,
		 enum fp_event ev, unsigned int i, int x, bool rtcp,
		 const union tp_addr *addr)
{
	static const char *const names[] = {
		[FP_EV_LATCHED] = "latched",
		[FP_EV_IDLE] = "idle",
		[FP_EV_SOURCE_MISMATCH] = "source_mismatch",
		[FP_EV_REMOVED] = "removed",
	};
	struct media_note n = { .call_id = s->call_id, .flow = f,
				.stream = i, .side = x, .rtcp = rtcp };

	if ((unsigned int)ev >= sizeof(names) / sizeof(names[0]))
		return;
	n.event = names[ev];
	if (ev == FP_EV_LATCHED || ev == FP_EV_SOURCE_MISMATCH)
		n.addr = addr;
	media_notify(&n);
}

void media_flow_event(struct fp_flow *f, enum fp_event ev,
		      const union tp_addr *addr, void *user)
{
	struct media_session *s = user;
	char ip[INET6_ADDRSTRLEN] = "-";
	struct fp_flow_spec sp;
	struct fp_flow *back;
	unsigned int i;
	bool rtcp;
	int x;

	if (!which(s, f, &i, &x, &rtcp))
		return;
	if (addr)
		tp_addr_ip(addr, ip, sizeof(ip));
	if (media_notify)
		note(s, f, ev, i, x, rtcp, addr);
	switch (ev) {
	case FP_EV_LATCHED:
		log_info("media: latched call=%s stream=%u side=%s kind=%s "
			 "src=%s:%u",
			 s->call_id, i, media_side_name(x),
			 rtcp ? "rtcp" : "rtp", ip, tp_addr_port(addr));
		/* symmetric RTP: answer where it speaks from */
		back = rtcp ? s->st[i].rtcp[!x] : s->st[i].rtp[!x];
		if (back && !s->st[i].end[x].hold_null) {
			sp = back->spec;
			sp.peer = *addr;
			fp_flow_update(back, &sp);
		}
		break;
	case FP_EV_SOURCE_MISMATCH:
		log_info("media: source mismatch call=%s stream=%u side=%s "
			 "kind=%s src=%s:%u",
			 s->call_id, i, media_side_name(x),
			 rtcp ? "rtcp" : "rtp", ip,
			 addr ? tp_addr_port(addr) : 0);
		break;
	case FP_EV_REMOVED:
		if (rtcp)
			s->st[i].rtcp[x] = NULL;
		else
			s->st[i].rtp[x] = NULL;
		break;
	case FP_EV_IDLE:
		break;
	}
}

uint64_t media_last_packet(struct media_session *s)
{
	uint64_t last = 0;
	struct fp_counters c;

	for (unsigned int i = 0; i < s->nstreams; i++)
		for (int x = 0; x < 2; x++) {
			struct fp_flow *f[] = { s->st[i].rtp[x],
						s->st[i].rtcp[x] };

			for (int k = 0; k < 2; k++)
				if (f[k] && !fp_flow_counters(f[k], &c) &&
				    c.last_ms > last)
					last = c.last_ms;
		}
	return last;
}

/* --- offer and answer --- */

static void rw_stream(struct sdp_rewrite_media *rm, const struct media_leg *l,
		      const struct media_end *e, bool mux)
{
	rm->set = true;
	rm->af = l->adv_af;
	rm->addr = e->hold_null ? (l->adv_af == AF_INET6 ? "::" : "0.0.0.0") :
				  l->adv;
	rm->port = l->pp.port;
	rm->rtcp_port = mux ? l->pp.port : l->pp.port + 1;
}

/*
 * Where the offerer's leg must face: its signalling source (its media
 * comes from there when it is behind NAT), unless its media is of the
 * other family (4<->6 across the box).
 */
static const union tp_addr *toward(struct media_session *s, int f,
				   const struct media_end *e)
{
	if (e->rtp.sa.sa_family == s->sig[f].addr.sa.sa_family)
		return &s->sig[f].addr;
	return &e->rtp;
}

static int offer(struct media_session *s, const struct sdp_session *sdp,
		 int f, struct sdp_rewrite *rw)
{
	int t = !f;

	if (grow(s, sdp->nmedia))
		return 500;
	for (unsigned int i = 0; i < sdp->nmedia; i++) {
		struct media_stream *st = &s->st[i];

		if (end_from(sdp, i, &st->offer))
			return 488;
		rw->media[i].set = true;
		if (st->offer.rejected)
			continue; /* port 0 stays 0; the answer closes it */
		st->clock_rate = clock_of(&sdp->media[i]);
		if ((!st->leg[f].open &&
		     leg_open(toward(s, f, &st->offer), &st->leg[f])) ||
		    (!st->leg[t].open &&
		     leg_open(&s->sig[t].addr, &st->leg[t]))) {
			media_stats.no_ports++;
			log_warnx_rl("media: call=%s stream=%u: no relay port",
				     s->call_id, i);
			st->offer.rejected = true;
			continue;
		}
		rw_stream(&rw->media[i], &st->leg[t], &st->offer,
			  false);
	}
	s->offer_from = f;
	return 0;
}

static int answer(struct media_session *s, const struct sdp_session *sdp,
		  int a, struct sdp_rewrite *rw)
{
	int f = !a;
	unsigned int n = sdp->nmedia < s->nstreams ? sdp->nmedia : s->nstreams;

	for (unsigned int i = 0; i < n; i++) {
		struct media_stream *st = &s->st[i];
		struct media_end e, before[2] = { st->end[0], st->end[1] };

		if (end_from(sdp, i, &e))
			return 488;
		rw->media[i].set = true;
		if (e.rejected || st->offer.rejected || !st->leg[a].open) {
			media_stream_close(s, i);
			continue;
		}
		st->end[f] = st->offer;
		st->end[a] = e;
		st->mux = st->offer.mux && e.mux;
		if (flows_apply(s, i, before)) {
			log_warn("media: call=%s stream=%u: flow", s->call_id,
				 i);
			media_stream_close(s, i);
			rw->media[i].port = 0;
			continue;
		}
		rw_stream(&rw->media[i], &st->leg[f], &e, st->mux);
		s->started = true;
	}
	s->offer_from = -1;
	return 0;
}

/* A repeat goes out as its first copy did, the legs being the same. */
static void repeat(struct media_session *s, const struct sdp_session *sdp,
		   int from, struct sdp_rewrite *rw)
{
	int to = !from;

	for (unsigned int i = 0; i < sdp->nmedia && i < s->nstreams; i++) {
		struct media_stream *st = &s->st[i];
		struct media_end e;

		rw->media[i].set = true;
		if (end_from(sdp, i, &e) || e.rejected || !st->leg[to].open)
			continue;
		rw_stream(&rw->media[i], &st->leg[to], &e, st->mux);
	}
}

static uint32_t fnv(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

/*
 * RFC 3264 §8: the o= version we write to a side moves by one exactly
 * when what we say to it changes, whatever the other side's versions do.
 */
static ssize_t write_versioned(struct media_session *s, int to,
			       const struct sdp_session *sdp,
			       struct sdp_rewrite *rw)
{
	bool first = !s->version_out_set[to];
	ssize_t n;

	rw->set_version = true;
	rw->version = first ? sdp->sess_version : s->version_out[to];
	n = sdp_write(sdp, rw, body, sizeof(body));
	if (n < 0)
		return n;
	if (!first && fnv(body, n) != s->body_hash[to]) {
		rw->version = ++s->version_out[to];
		n = sdp_write(sdp, rw, body, sizeof(body));
		if (n < 0)
			return n;
	}
	s->version_out_set[to] = true;
	s->version_out[to] = rw->version;
	s->body_hash[to] = fnv(body, n);
	return n;
}

static int write_body(struct media_session *s, struct sip_msg *m,
		      const struct sdp_session *sdp, struct sdp_rewrite *rw,
		      int to)
{
	ssize_t n;

	rw->strip_ice = true;
	for (unsigned int i = 0; i < sdp->nmedia; i++)
		if (rw->media[i].set && rw->media[i].addr) {
			rw->addr = sdp->conn.present ? rw->media[i].addr : NULL;
			rw->af = rw->media[i].af;
			break;
		}
	n = write_versioned(s, to, sdp, rw);
	if (n < 0)
		return 500;
	return sip_set_body(m, sip_str_make(body, n)) ? 500 : 0;
}

int media_sdp(struct media_session *s, struct sip_msg *m, int side,
	      enum media_role role)
{
	static struct sdp_session sdp;
	struct sdp_rewrite rw;
	struct sip_err err = { 0 };
	int ret = 0;

	if (sdp_parse(&sdp, m->body.s, m->body.len, &err)) {
		media_stats.bad_sdp++;
		log_warnx_rl("media: call=%s: bad SDP from the %s: %s",
			     s->call_id, media_side_name(side), err.what);
		return 488;
	}
	memset(&rw, 0, sizeof(rw));
	if (role == MEDIA_REPEAT) {
		repeat(s, &sdp, side, &rw);
	} else if (role == MEDIA_ANSWER) {
		ret = answer(s, &sdp, side, &rw);
	} else {
		ret = offer(s, &sdp, side, &rw);
		s->offer_cseq = m->cseq.num;
	}
	if (ret == 488)
		media_stats.bad_sdp++;
	return ret ?: write_body(s, m, &sdp, &rw, !side);
}
