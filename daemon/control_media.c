// SPDX-License-Identifier: GPL-2.0
/*
 * The control commands about calls: calls, call ID, flows and hangup ID.
 * A call is a media session, named by its Call-ID; a forked INVITE has a
 * session per early dialog, so "call" lists every session of a Call-ID.
 * Read through media_walk() and never changed, except by hangup.
 */
#include <string.h>

#include "control_int.h"
#include "event.h"
#include "media.h"
#include "media_int.h"

static const char *const drop_names[FP_DROP_MAX] = {
	[FP_DROP_SOURCE] = "source",
	[FP_DROP_NO_PEER] = "no_peer",
	[FP_DROP_SEND] = "send",
	[FP_DROP_TRUNCATED] = "truncated",
};

static const char *path_name(uint8_t path)
{
	static const char *const names[] = { "none", "relay", "kmod", "xdp" };

	return path < sizeof(names) / sizeof(names[0]) ? names[path] : "?";
}

static void add_addr(json_object *o, const char *key, const union tp_addr *a)
{
	json_object_object_add(o, key, ctl_addr(a));
}

/* RFC 3550 A.8 jitter, from timestamp units to milliseconds */
static void add_rtp(json_object *o, const struct fp_counters *k,
		    uint32_t clock_rate)
{
	uint32_t rate = clock_rate ? clock_rate : 8000;

	json_object_object_add(o, "rtp_seen",
			       json_object_new_boolean(k->rtp_seen));
	if (!k->rtp_seen)
		return;
	ctl_add_u64(o, "ssrc", k->ssrc);
	ctl_add_u64(o, "ext_max_seq", k->ext_max_seq);
	ctl_add_u64(o, "expected", k->expected);
	json_object_object_add(o, "lost", json_object_new_int64(k->lost));
	ctl_add_u64(o, "jitter", k->jitter);
	json_object_object_add(
		o, "jitter_ms",
		json_object_new_double(k->jitter * 1000.0 / rate));
}

static json_object *flow(const struct media_stream *st, int from, bool rtcp)
{
	struct fp_flow *f = rtcp ? st->rtcp[from] : st->rtp[from];
	json_object *o, *d;
	struct fp_counters k;

	if (!f || fp_flow_counters(f, &k))
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "from",
			       json_object_new_string(media_side_name(from)));
	json_object_object_add(o, "kind",
			       json_object_new_string(rtcp ? "rtcp" : "rtp"));
	ctl_add_u64(o, "cookie", f->spec.cookie);
	add_addr(o, "local", &f->spec.local);
	add_addr(o, "source", k.latched ? &k.source : &f->spec.src);
	json_object_object_add(o, "latched",
			       json_object_new_boolean(k.latched));
	add_addr(o, "out_local", &f->spec.out_local);
	add_addr(o, "peer", &f->spec.peer);
	json_object_object_add(o, "path",
			       json_object_new_string(path_name(k.path)));
	ctl_add_u64(o, "packets", k.packets);
	ctl_add_u64(o, "bytes", k.bytes);
	d = json_object_new_object();
	for (int i = 0; i < FP_DROP_MAX; i++)
		ctl_add_u64(d, drop_names[i], k.drops[i]);
	json_object_object_add(o, "drops", d);
	if (k.last_ms)
		ctl_add_u64(o, "idle_ms", ev_now_ms() - k.last_ms);
	if (!rtcp)
		add_rtp(o, &k, st->clock_rate);
	if (!rtcp && st->clock_rate)
		ctl_add_u64(o, "clock_rate", st->clock_rate);
	return o;
}

static json_object *leg(const struct media_stream *st, int side)
{
	const struct media_leg *l = &st->leg[side];
	const struct media_end *e = &st->end[side];
	json_object *o = json_object_new_object();

	json_object_object_add(o, "side",
			       json_object_new_string(media_side_name(side)));
	if (l->open) {
		add_addr(o, "local", &l->local);
		json_object_object_add(o, "advertised", ctl_str(l->adv));
	}
	if (e->set) {
		add_addr(o, "remote_rtp", &e->rtp);
		add_addr(o, "remote_rtcp", &e->rtcp);
		json_object_object_add(o, "rejected",
				       json_object_new_boolean(e->rejected));
		json_object_object_add(o, "hold",
				       json_object_new_boolean(e->hold_null));
	}
	return o;
}

static json_object *stream(const struct media_stream *st, unsigned int i)
{
	json_object *o = json_object_new_object(), *a, *f;

	ctl_add_u64(o, "index", i);
	json_object_object_add(o, "rtcp_mux", json_object_new_boolean(st->mux));
	ctl_add_u64(o, "clock_rate", st->clock_rate);
	a = json_object_new_array();
	for (int x = 0; x < 2; x++)
		json_object_array_add(a, leg(st, x));
	json_object_object_add(o, "legs", a);
	a = json_object_new_array();
	for (int x = 0; x < 4; x++) {
		f = flow(st, x & 1, x >> 1);
		if (f)
			json_object_array_add(a, f);
	}
	json_object_object_add(o, "flows", a);
	return o;
}

static json_object *side(const struct media_session *s, int x)
{
	json_object *o = json_object_new_object();

	add_addr(o, "signalling", &s->sig[x].addr);
	json_object_object_add(o, "nat", json_object_new_boolean(s->nat[x]));
	return o;
}

static json_object *session(const struct media_session *s)
{
	json_object *o = json_object_new_object(), *a;

	json_object_object_add(o, "id", ctl_str(s->call_id));
	json_object_object_add(o, "from_tag", ctl_str(s->tag));
	if (*s->to_tag)
		json_object_object_add(o, "to_tag", ctl_str(s->to_tag));
	json_object_object_add(
		o, "state",
		json_object_new_string(s->confirmed ? "answered" : "early"));
	json_object_object_add(o, "media", json_object_new_boolean(s->started));
	ctl_add_u64(o, "duration_s", (ev_now_ms() - s->start_ms) / 1000);
	json_object_object_add(o, "caller", side(s, 0));
	json_object_object_add(o, "callee", side(s, 1));
	a = json_object_new_array();
	for (unsigned int i = 0; i < s->nstreams; i++)
		json_object_array_add(a, stream(&s->st[i], i));
	json_object_object_add(o, "streams", a);
	return o;
}

struct walk {
	struct ctl_conn *c;
	const struct ctl_req *req;
	unsigned int n, answered;
};

static int call_one(const struct media_session *s, void *arg)
{
	struct walk *w = arg;

	if (w->req->cmd == CTL_CALL && strcmp(s->call_id, w->req->id))
		return 0;
	ctl_send(w->c, w->req, session(s));
	w->n++;
	return 0;
}

void ctl_calls(struct ctl_conn *c, const struct ctl_req *req)
{
	struct walk w = { .c = c, .req = req };

	media_walk(call_one, &w);
	if (req->cmd == CTL_CALL && !w.n) {
		ctl_error(c, req, "ENOENT", "no call with Call-ID '%s'",
			  req->id);
		return;
	}
	ctl_end(c, req, w.n);
}

static int flows_one(const struct media_session *s, void *arg)
{
	struct walk *w = arg;
	json_object *f;

	for (unsigned int i = 0; i < s->nstreams; i++)
		for (int x = 0; x < 4; x++) {
			f = flow(&s->st[i], x & 1, x >> 1);
			if (!f)
				continue;
			json_object_object_add(f, "call", ctl_str(s->call_id));
			ctl_add_u64(f, "stream", i);
			ctl_send(w->c, w->req, f);
			w->n++;
		}
	return 0;
}

void ctl_flows(struct ctl_conn *c, const struct ctl_req *req)
{
	struct walk w = { .c = c, .req = req };

	media_walk(flows_one, &w);
	ctl_end(c, req, w.n);
}

void ctl_hangup(struct ctl_conn *c, const struct ctl_req *req)
{
	unsigned int byes;
	int n = media_hangup(req->id, &byes);
	json_object *o;

	if (!n) {
		ctl_error(c, req, "ENOENT", "no call with Call-ID '%s'",
			  req->id);
		return;
	}
	o = ctl_answer();
	ctl_add_u64(o, "sessions", n);
	ctl_add_u64(o, "byes", byes);
	ctl_send(c, req, o);
}

json_object *ctl_note(const struct media_note *n)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(n->event));
	json_object_object_add(o, "call", ctl_str(n->call_id));
	if (n->reason)
		json_object_object_add(o, "reason", ctl_str(n->reason));
	if (!strcmp(n->event, "call_end"))
		ctl_add_u64(o, "duration_ms", n->duration_ms);
	if (!strcmp(n->event, "call_start"))
		ctl_add_u64(o, "streams", n->streams);
	if (n->flow) {
		ctl_add_u64(o, "stream", n->stream);
		json_object_object_add(
			o, "side",
			json_object_new_string(media_side_name(n->side)));
		json_object_object_add(
			o, "kind",
			json_object_new_string(n->rtcp ? "rtcp" : "rtp"));
		ctl_add_u64(o, "cookie", n->flow->spec.cookie);
		add_addr(o, "local", &n->flow->spec.local);
	}
	if (n->addr)
		add_addr(o, "source", n->addr);
	return o;
}

static int count_one(const struct media_session *s, void *arg)
{
	struct walk *w = arg;

	w->n++;
	w->answered += s->confirmed;
	return 0;
}

void ctl_count_calls(unsigned int *calls, unsigned int *answered)
{
	struct walk w = { 0 };

	media_walk(count_one, &w);
	*calls = w.n;
	*answered = w.answered;
}
