// SPDX-License-Identifier: GPL-2.0
/*
 * A flow three ways: a table row for people, JSON with the library's
 * names (what a flow does at the top, what it counted under "counters"),
 * and one named field for scripts.  A field the backend did not give
 * prints as "-" and is left out of JSON.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

#define HAS(f, bit) ((f)->has & SIPCTL_FLOW_HAS_##bit)

struct table *flow_table(enum flow_style st)
{
	if (st == FLOWS_CALLS)
		return table_new(12, "LOCAL", "FROM", "KIND", "PEER", "SOURCE",
				 "PATH", "PACKETS", "DROPS", "IDLE", "LOST",
				 "JITTER", "CALL");
	if (st == FLOWS_STREAM)
		return table_new(11, "FROM", "KIND", "LOCAL", "PEER", "SOURCE",
				 "PATH", "PACKETS", "DROPS", "IDLE", "LOST",
				 "JITTER");
	return table_new(10, "LOCAL", "PEER", "OUT", "SOURCE", "PACKETS",
			 "BYTES", "DROPS", "IDLE", "LOST", "JITTER");
}

static const char *source_text(const struct sipctl_flow *f, char *buf,
			       size_t len)
{
	char ep[CLI_EP_MAX];

	if (HAS(f, LATCHED) && f->latched.sa.sa_family)
		snprintf(buf, len, "%s latched",
			 cli_ep(&f->latched, ep, sizeof(ep)));
	else if (!HAS(f, SRC_MODE) || f->src_mode == SIPCTL_SRC_ANY)
		snprintf(buf, len, "any");
	else
		snprintf(buf, len, "%s %s", cli_src_mode(f->src_mode),
			 cli_ep(&f->src, ep, sizeof(ep)));
	return buf;
}

static uint64_t drops(const struct sipctl_counters *k)
{
	return k->drop_source + k->drop_no_peer + k->drop_route;
}

/* The cells both tables share, as text; absent ones NULL. */
struct cells {
	char local[CLI_EP_MAX], peer[CLI_EP_MAX], out[CLI_EP_MAX];
	char src[2 * CLI_EP_MAX];
	char pk[24], by[24], dr[24], id[24], lo[24], ji[24];
	bool c, l, r;
};

static void cells(const struct sipctl_flow *f, struct cells *x)
{
	const struct sipctl_counters *k = &f->counters;

	x->c = HAS(f, COUNTERS);
	x->l = HAS(f, LAST);
	x->r = HAS(f, RTP);
	cli_ep(&f->local, x->local, sizeof(x->local));
	cli_ep(&f->peer, x->peer, sizeof(x->peer));
	cli_ep(&f->out, x->out, sizeof(x->out));
	source_text(f, x->src, sizeof(x->src));
	cli_u64(k->packets, x->pk, sizeof(x->pk));
	cli_u64(k->bytes, x->by, sizeof(x->by));
	cli_u64(drops(k), x->dr, sizeof(x->dr));
	if (k->idle_ms < 1000)
		snprintf(x->id, sizeof(x->id), "%" PRIu64 "ms", k->idle_ms);
	else
		cli_duration(k->idle_ms / 1000, x->id, sizeof(x->id));
	snprintf(x->lo, sizeof(x->lo), "%" PRId64, k->lost);
	cli_u64(k->jitter, x->ji, sizeof(x->ji));
}

static const char *sf_side(const struct sipctl_stream_flow *sf)
{
	return sf->has & SIPCTL_SFLOW_HAS_FROM ? cli_side(sf->from) : NULL;
}

static const char *sf_kind(const struct sipctl_stream_flow *sf)
{
	return sf->has & SIPCTL_SFLOW_HAS_KIND ? cli_kind(sf->kind) : NULL;
}

static const char *sf_path(const struct sipctl_stream_flow *sf)
{
	return sf->has & SIPCTL_SFLOW_HAS_PATH ? cli_path(sf->path) : NULL;
}

void flow_row(struct table *t, const struct cli_flow *cf, enum flow_style st)
{
	const struct sipctl_stream_flow *sf = &cf->sf;
	struct cells x;

	cells(&sf->flow, &x);
	if (st == FLOWS_STREAM) {
		table_add(t, sf_side(sf), sf_kind(sf), x.local, x.peer, x.src,
			  sf_path(sf), x.c ? x.pk : NULL, x.c ? x.dr : NULL,
			  x.l ? x.id : NULL, x.r ? x.lo : NULL,
			  x.r ? x.ji : NULL);
		return;
	}
	if (st == FLOWS_PLAIN) {
		table_add(t, x.local, x.peer, x.out, x.src, x.c ? x.pk : NULL,
			  x.c ? x.by : NULL, x.c ? x.dr : NULL,
			  x.l ? x.id : NULL, x.r ? x.lo : NULL,
			  x.r ? x.ji : NULL);
		return;
	}
	table_add(t, x.local, sf_side(sf), sf_kind(sf), x.peer, x.src,
		  sf_path(sf), x.c ? x.pk : NULL, x.c ? x.dr : NULL,
		  x.l ? x.id : NULL, x.r ? x.lo : NULL, x.r ? x.ji : NULL,
		  cf->call_id[0] ? cf->call_id : NULL);
}

static json_object *counters_json(const struct sipctl_flow *f)
{
	const struct sipctl_counters *k = &f->counters;
	json_object *o = json_object_new_object();

	if (HAS(f, COUNTERS)) {
		json_add(o, "packets", json_object_new_uint64(k->packets));
		json_add(o, "bytes", json_object_new_uint64(k->bytes));
		json_add(o, "drop_source",
			 json_object_new_uint64(k->drop_source));
		json_add(o, "drop_no_peer",
			 json_object_new_uint64(k->drop_no_peer));
		json_add(o, "drop_route",
			 json_object_new_uint64(k->drop_route));
	}
	if (HAS(f, LAST))
		json_add(o, "idle_ms", json_object_new_uint64(k->idle_ms));
	if (HAS(f, RTP)) {
		json_add(o, "ssrc", json_object_new_uint64(k->ssrc));
		json_add(o, "ext_max_seq",
			 json_object_new_uint64(k->ext_max_seq));
		json_add(o, "expected", json_object_new_uint64(k->expected));
		json_add(o, "lost", json_object_new_int64(k->lost));
		json_add(o, "jitter", json_object_new_uint64(k->jitter));
	}
	return o;
}

static void config_json(json_object *o, const struct sipctl_flow *f)
{
	if (HAS(f, COOKIE))
		json_add(o, "cookie", json_object_new_uint64(f->cookie));
	json_add(o, "local", json_ep(&f->local));
	if (HAS(f, OUT))
		json_add(o, "out", json_ep(&f->out));
	if (HAS(f, PEER))
		json_add(o, "peer", json_ep(&f->peer));
	if (HAS(f, SRC_MODE))
		json_add(o, "src_mode",
			 json_object_new_string(cli_src_mode(f->src_mode)));
	if (HAS(f, SRC))
		json_add(o, "src", json_ep(&f->src));
	if (HAS(f, LATCH_MS))
		json_add(o, "latch_ms", json_object_new_uint64(f->latch_ms));
	if (HAS(f, LATCHED))
		json_add(o, "latched", json_ep(&f->latched));
	if (HAS(f, FLAGS))
		json_add(o, "rtp",
			 json_object_new_boolean(f->flags & SIPCTL_F_RTP));
	if (HAS(f, DSCP))
		json_add(o, "dscp", json_object_new_int(f->dscp));
	if (HAS(f, CLOCK_RATE))
		json_add(o, "clock_rate",
			 json_object_new_uint64(f->clock_rate));
	if (HAS(f, IDLE_MS))
		json_add(o, "idle_ms", json_object_new_uint64(f->idle_ms));
	if (HAS(f, TIMEOUT_MS))
		json_add(o, "timeout_ms",
			 json_object_new_uint64(f->timeout_ms));
}

static void place_json(json_object *o, const struct cli_flow *cf)
{
	const struct sipctl_stream_flow *sf = &cf->sf;

	if (cf->call_id[0])
		json_add(o, "call", json_object_new_string(cf->call_id));
	if (sf->has & SIPCTL_SFLOW_HAS_STREAM)
		json_add(o, "stream", json_object_new_uint64(sf->stream));
	if (sf->has & SIPCTL_SFLOW_HAS_FROM)
		json_add(o, "from", json_object_new_string(cli_side(sf->from)));
	if (sf->has & SIPCTL_SFLOW_HAS_KIND)
		json_add(o, "kind", json_object_new_string(cli_kind(sf->kind)));
	if (sf->has & SIPCTL_SFLOW_HAS_PATH)
		json_add(o, "path", json_object_new_string(cli_path(sf->path)));
}

json_object *flow_json(const struct cli_flow *cf)
{
	const struct sipctl_stream_flow *sf = &cf->sf;
	json_object *o = json_object_new_object(), *k;

	place_json(o, cf);
	config_json(o, &sf->flow);
	k = counters_json(&sf->flow);
	if (sf->has & SIPCTL_SFLOW_HAS_TRUNCATED)
		json_add(k, "drop_truncated",
			 json_object_new_uint64(sf->drop_truncated));
	json_add(o, "counters", k);
	return o;
}

/* ---- `sipctl flows FIELD`: LOCAL<TAB>VALUE ---- */

enum field_kind {
	F_EP,
	F_U64,
	F_U32,
	F_S64,
	F_U8,
	F_HEX64,
	F_HEX32,
	F_SRC_MODE,
	F_RTP,
	F_DROPS,
	F_STR,
	F_SIDE,
	F_KIND,
	F_PATH
};

struct field {
	const char *name;
	bool place; /* @need is in sf.has (SIPCTL_SFLOW_HAS_*) */
	uint32_t need; /* SIPCTL_FLOW_HAS_* */
	enum field_kind kind;
	size_t off; /* in struct cli_flow */
};

#define FLD(n, bit, k, m)                                    \
	{                                                    \
		n, false, SIPCTL_FLOW_HAS_##bit, k,          \
			offsetof(struct cli_flow, sf.flow.m) \
	}
#define PLC(n, bit, k, m)                            \
	{                                            \
		n, true, SIPCTL_SFLOW_HAS_##bit, k,  \
			offsetof(struct cli_flow, m) \
	}

static const struct field fields[] = {
	PLC("call", STREAM, F_STR, call_id),
	PLC("stream", STREAM, F_U32, sf.stream),
	PLC("from", FROM, F_SIDE, sf.from),
	PLC("kind", KIND, F_KIND, sf.kind),
	PLC("path", PATH, F_PATH, sf.path),
	FLD("cookie", COOKIE, F_HEX64, cookie),
	FLD("out", OUT, F_EP, out),
	FLD("peer", PEER, F_EP, peer),
	FLD("src-mode", SRC_MODE, F_SRC_MODE, src_mode),
	FLD("src", SRC, F_EP, src),
	FLD("latched", LATCHED, F_EP, latched),
	FLD("rtp", FLAGS, F_RTP, flags),
	FLD("dscp", DSCP, F_U8, dscp),
	FLD("clock-rate", CLOCK_RATE, F_U32, clock_rate),
	FLD("packets", COUNTERS, F_U64, counters.packets),
	FLD("bytes", COUNTERS, F_U64, counters.bytes),
	FLD("drops", COUNTERS, F_DROPS, counters),
	FLD("drop-source", COUNTERS, F_U64, counters.drop_source),
	FLD("drop-no-peer", COUNTERS, F_U64, counters.drop_no_peer),
	FLD("drop-route", COUNTERS, F_U64, counters.drop_route),
	FLD("idle-ms", LAST, F_U64, counters.idle_ms),
	FLD("ssrc", RTP, F_HEX32, counters.ssrc),
	FLD("expected", RTP, F_U64, counters.expected),
	FLD("lost", RTP, F_S64, counters.lost),
	FLD("jitter", RTP, F_U32, counters.jitter),
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static const char *field_text(const struct cli_flow *f, const struct field *d,
			      char *buf, size_t len)
{
	const void *p = (const char *)f + d->off;
	uint32_t has = d->place ? f->sf.has : f->sf.flow.has;

	if (!(has & d->need))
		return "-";
	switch (d->kind) {
	case F_STR:
		return *(const char *)p ? p : "-";
	case F_SIDE:
		return cli_side(*(const uint8_t *)p);
	case F_KIND:
		return cli_kind(*(const uint8_t *)p);
	case F_PATH:
		return cli_path(*(const uint8_t *)p);
	case F_EP:
		return cli_ep(p, buf, len);
	case F_U64:
		snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p);
		break;
	case F_U32:
		snprintf(buf, len, "%" PRIu32, *(const uint32_t *)p);
		break;
	case F_S64:
		snprintf(buf, len, "%" PRId64, *(const int64_t *)p);
		break;
	case F_U8:
		snprintf(buf, len, "%u", *(const uint8_t *)p);
		break;
	case F_HEX64:
		snprintf(buf, len, "0x%016" PRIx64, *(const uint64_t *)p);
		break;
	case F_HEX32:
		snprintf(buf, len, "0x%08" PRIx32, *(const uint32_t *)p);
		break;
	case F_SRC_MODE:
		return cli_src_mode(*(const uint8_t *)p);
	case F_RTP:
		return *(const uint32_t *)p & SIPCTL_F_RTP ? "yes" : "no";
	case F_DROPS:
		snprintf(buf, len, "%" PRIu64, drops(p));
		break;
	}
	return buf;
}

static const struct field *field_find(const char *name)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++)
		if (!strcmp(fields[i].name, name))
			return &fields[i];
	return NULL;
}

bool flow_field_known(const char *name)
{
	return !strcmp(name, "dump") || field_find(name);
}

/* "cookie|out|...|dump", for usage lines. */
const char *flow_field_names(void)
{
	static char buf[512];
	size_t i, n = 0;

	for (i = 0; i < NFIELDS; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s|", fields[i].name);
	snprintf(buf + n, sizeof(buf) - n, "dump");
	return buf;
}

/* LOCAL<TAB>VALUE, or for "dump" LOCAL and every field in table order. */
int flow_field_print(const struct cli_flow *f, const char *name)
{
	char ep[CLI_EP_MAX], buf[CLI_EP_MAX];
	const struct field *d = field_find(name);
	size_t i;

	printf("%s", cli_ep(&f->sf.flow.local, ep, sizeof(ep)));
	if (d) {
		printf("\t%s\n", field_text(f, d, buf, sizeof(buf)));
		return 0;
	}
	for (i = 0; i < NFIELDS; i++)
		printf("\t%s", field_text(f, &fields[i], buf, sizeof(buf)));
	putchar('\n');
	return 0;
}
