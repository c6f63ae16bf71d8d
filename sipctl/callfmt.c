// SPDX-License-Identifier: GPL-2.0
/*
 * A call (one media session of sipfpd) for people, a line in `calls`
 * or a block in `call ID`, and as JSON with the library's names.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

#define CHAS(c, bit) ((c)->has & SIPCTL_CALL_HAS_##bit)

static const char *state_name(uint8_t state)
{
	return state == SIPCTL_CALL_EARLY    ? "early" :
	       state == SIPCTL_CALL_ANSWERED ? "answered" :
					       "?";
}

static void call_totals(const struct sipctl_call *call, uint64_t *packets,
			int64_t *lost)
{
	const struct sipctl_stream *s;
	unsigned int i, j;

	*packets = 0;
	*lost = 0;
	for (i = 0; i < call->nstreams; i++) {
		s = &call->streams[i];
		for (j = 0; j < s->nflows; j++) {
			*packets += s->flows[j].flow.counters.packets;
			*lost += s->flows[j].flow.counters.lost;
		}
	}
}

struct table *call_table(void)
{
	return table_new(8, "CALL-ID", "STATE", "DURATION", "CALLER", "CALLEE",
			 "STREAMS", "PACKETS", "LOST");
}

static const char *side_text(const struct sipctl_call_side *s, char *buf,
			     size_t len)
{
	if (!(s->has & SIPCTL_CSIDE_HAS_SIGNALLING))
		return NULL;
	cli_ep(&s->signalling, buf, len);
	if (s->has & SIPCTL_CSIDE_HAS_NAT && s->nat)
		strncat(buf, " nat", len - strlen(buf) - 1);
	return buf;
}

void call_row(struct table *t, const struct sipctl_call *call)
{
	char du[24], a[CLI_EP_MAX + 8], b[CLI_EP_MAX + 8], n[24], p[24];
	char l[24];
	uint64_t packets;
	int64_t lost;

	call_totals(call, &packets, &lost);
	snprintf(n, sizeof(n), "%u", call->nstreams);
	snprintf(l, sizeof(l), "%" PRId64, lost);
	table_add(t, call->call_id,
		  CHAS(call, STATE) ? state_name(call->state) : NULL,
		  CHAS(call, DURATION) ?
			  cli_duration(call->duration_s, du, sizeof(du)) :
			  NULL,
		  side_text(&call->sides[SIPCTL_SIDE_CALLER], a, sizeof(a)),
		  side_text(&call->sides[SIPCTL_SIDE_CALLEE], b, sizeof(b)), n,
		  cli_u64(packets, p, sizeof(p)), l);
}

static void legs_print(const struct sipctl_stream *s)
{
	char lo[CLI_EP_MAX], rr[CLI_EP_MAX], rc[CLI_EP_MAX];
	const struct sipctl_leg *g;
	struct table *t;
	unsigned int i;

	t = table_new(6, "SIDE", "LOCAL", "ADVERTISED", "REMOTE-RTP",
		      "REMOTE-RTCP", "STATE");
	for (i = 0; i < s->nlegs; i++) {
		g = &s->legs[i];
		table_add(t,
			  g->has & SIPCTL_LEG_HAS_SIDE ? cli_side(g->side) :
							 NULL,
			  cli_ep(&g->local, lo, sizeof(lo)),
			  g->advertised[0] ? g->advertised : NULL,
			  cli_ep(&g->remote_rtp, rr, sizeof(rr)),
			  cli_ep(&g->remote_rtcp, rc, sizeof(rc)),
			  !(g->has & SIPCTL_LEG_HAS_STATE) ? NULL :
			  g->rejected			   ? "rejected" :
			  g->hold			   ? "hold" :
							     "active");
	}
	table_print(t, stdout);
	table_free(t);
}

static void stream_print(const struct sipctl_stream *s)
{
	struct cli_flow cf = {};
	struct table *t;
	unsigned int i;

	printf("\nstream %u: clock rate %u Hz, rtcp-mux %s\n", s->index,
	       s->clock_rate, s->rtcp_mux ? "yes" : "no");
	legs_print(s);
	if (!s->nflows)
		return;
	putchar('\n');
	t = flow_table(FLOWS_STREAM);
	for (i = 0; i < s->nflows; i++) {
		cf.sf = s->flows[i];
		flow_row(t, &cf, FLOWS_STREAM);
	}
	table_print(t, stdout);
	table_free(t);
}

void call_print(const struct sipctl_call *call)
{
	char a[CLI_EP_MAX + 8], b[CLI_EP_MAX + 8], du[24];
	unsigned int i;

	cli_kv("call", "%s", call->call_id);
	cli_kv("tags", "from %s, to %s",
	       call->from_tag[0] ? call->from_tag : "-",
	       call->to_tag[0] ? call->to_tag : "-");
	cli_kv("state", "%s, media %s, %s",
	       CHAS(call, STATE) ? state_name(call->state) : "-",
	       call->media ? "yes" : "no",
	       cli_duration(call->duration_s, du, sizeof(du)));
	cli_kv("caller", "%s",
	       side_text(&call->sides[SIPCTL_SIDE_CALLER], a, sizeof(a)) ?:
									   "-");
	cli_kv("callee", "%s",
	       side_text(&call->sides[SIPCTL_SIDE_CALLEE], b, sizeof(b)) ?:
									   "-");
	for (i = 0; i < call->nstreams; i++)
		stream_print(&call->streams[i]);
	if (CHAS(call, MORE_STREAMS))
		printf("\n(more streams than sipctl can hold: see -j)\n");
}

static json_object *side_json(const struct sipctl_call_side *s)
{
	json_object *o = json_object_new_object();

	if (s->has & SIPCTL_CSIDE_HAS_SIGNALLING)
		json_add(o, "signalling", json_ep(&s->signalling));
	if (s->has & SIPCTL_CSIDE_HAS_NAT)
		json_add(o, "nat", json_object_new_boolean(s->nat));
	return o;
}

static json_object *leg_json(const struct sipctl_leg *g)
{
	json_object *o = json_object_new_object();

	if (g->has & SIPCTL_LEG_HAS_SIDE)
		json_add(o, "side", json_object_new_string(cli_side(g->side)));
	json_add(o, "local", json_ep(&g->local));
	if (g->has & SIPCTL_LEG_HAS_ADVERTISED)
		json_add(o, "advertised",
			 json_object_new_string(g->advertised));
	json_add(o, "remote_rtp", json_ep(&g->remote_rtp));
	json_add(o, "remote_rtcp", json_ep(&g->remote_rtcp));
	if (g->has & SIPCTL_LEG_HAS_STATE) {
		json_add(o, "rejected", json_object_new_boolean(g->rejected));
		json_add(o, "hold", json_object_new_boolean(g->hold));
	}
	return o;
}

static json_object *stream_json(const struct sipctl_stream *s)
{
	json_object *o = json_object_new_object(), *a;
	struct cli_flow cf = {};
	unsigned int i;

	json_add(o, "index", json_object_new_uint64(s->index));
	if (s->has & SIPCTL_STREAM_HAS_RTCP_MUX)
		json_add(o, "rtcp_mux", json_object_new_boolean(s->rtcp_mux));
	if (s->has & SIPCTL_STREAM_HAS_CLOCK_RATE)
		json_add(o, "clock_rate",
			 json_object_new_uint64(s->clock_rate));
	a = json_object_new_array();
	for (i = 0; i < s->nlegs; i++)
		json_object_array_add(a, leg_json(&s->legs[i]));
	json_add(o, "legs", a);
	a = json_object_new_array();
	for (i = 0; i < s->nflows; i++) {
		cf.sf = s->flows[i];
		json_object_array_add(a, flow_json(&cf));
	}
	json_add(o, "flows", a);
	return o;
}

static void call_strings_json(json_object *o, const struct sipctl_call *c)
{
	json_add(o, "id", json_object_new_string(c->call_id));
	if (CHAS(c, FROM_TAG))
		json_add(o, "from_tag", json_object_new_string(c->from_tag));
	if (CHAS(c, TO_TAG))
		json_add(o, "to_tag", json_object_new_string(c->to_tag));
	if (CHAS(c, STATE))
		json_add(o, "state",
			 json_object_new_string(state_name(c->state)));
}

json_object *call_json(const struct sipctl_call *c)
{
	json_object *o = json_object_new_object(), *a;
	unsigned int i;

	call_strings_json(o, c);
	if (CHAS(c, MEDIA))
		json_add(o, "media", json_object_new_boolean(c->media));
	if (CHAS(c, DURATION))
		json_add(o, "duration_s",
			 json_object_new_uint64(c->duration_s));
	if (CHAS(c, CALLER))
		json_add(o, "caller", side_json(&c->sides[SIPCTL_SIDE_CALLER]));
	if (CHAS(c, CALLEE))
		json_add(o, "callee", side_json(&c->sides[SIPCTL_SIDE_CALLEE]));
	a = json_object_new_array();
	for (i = 0; i < c->nstreams; i++)
		json_object_array_add(a, stream_json(&c->streams[i]));
	json_add(o, "streams", a);
	if (CHAS(c, MORE_STREAMS))
		json_add(o, "more_streams", json_object_new_boolean(true));
	return o;
}
