// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for libsipctl's reading of sipfpd's answers
 * (libsipctl/daemon_json.c): the input is what the control socket might
 * send, split into lines as the library splits it.  Every line is judged
 * as an answer and read by every record parser, whatever it is, since a
 * daemon (or something pretending to be one) may send any line for any
 * request.  Beyond "no crash, no leak": every string read is terminated
 * inside its field, every count stays within its array, and every
 * address is of a real family with the IPv4-mapped ones made IPv4.
 */
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)
#define STR_OK(s) CHECK(strnlen((s), sizeof(s)) < sizeof(s))

static void addr_ok(const union sipctl_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	CHECK(a->sa.sa_family == 0 || a->sa.sa_family == AF_INET ||
	      a->sa.sa_family == AF_INET6);
	if (a->sa.sa_family == AF_INET6)
		CHECK(memcmp(&a->sin6.sin6_addr, mapped, 12));
}

static void flow_ok(const struct sipctl_stream_flow *sf)
{
	const struct sipctl_flow *f = &sf->flow;

	addr_ok(&f->local);
	addr_ok(&f->out);
	addr_ok(&f->peer);
	addr_ok(&f->src);
	addr_ok(&f->latched);
	CHECK(!(f->has & SIPCTL_FLOW_HAS_LATCHED && f->has & SIPCTL_FLOW_HAS_SRC));
	CHECK(sf->from <= SIPCTL_SIDE_CALLEE && sf->kind <= SIPCTL_KIND_RTCP);
	CHECK(sf->path < SIPCTL_PATH_MAX);
}

static void call_ok(const struct sipctl_call *c)
{
	STR_OK(c->call_id);
	STR_OK(c->from_tag);
	STR_OK(c->to_tag);
	CHECK(c->nstreams <= SIPCTL_STREAMS_MAX);
	CHECK(c->state <= SIPCTL_CALL_ANSWERED);
	for (int x = 0; x < 2; x++)
		addr_ok(&c->sides[x].signalling);
	for (unsigned int i = 0; i < c->nstreams; i++) {
		const struct sipctl_stream *st = &c->streams[i];

		CHECK(st->nlegs <= 2 && st->nflows <= SIPCTL_STREAM_FLOWS_MAX);
		for (unsigned int k = 0; k < st->nlegs; k++) {
			STR_OK(st->legs[k].advertised);
			addr_ok(&st->legs[k].local);
			addr_ok(&st->legs[k].remote_rtp);
			addr_ok(&st->legs[k].remote_rtcp);
		}
		for (unsigned int k = 0; k < st->nflows; k++)
			flow_ok(&st->flows[k]);
	}
}

static void status_ok(const struct sipctl_status *st)
{
	STR_OK(st->version);
	STR_OK(st->fastpath);
	CHECK(st->nifaces <= SIPCTL_IFACES_MAX);
	for (unsigned int i = 0; i < st->nifaces; i++) {
		STR_OK(st->ifaces[i].name);
		STR_OK(st->ifaces[i].fastpath);
		addr_ok(&st->ifaces[i].address);
	}
}

static void reg_ok(const struct sipctl_reg *r)
{
	STR_OK(r->aor);
	STR_OK(r->contact);
	STR_OK(r->transport);
	STR_OK(r->user_agent);
	STR_OK(r->instance);
	STR_OK(r->path);
	STR_OK(r->call_id);
	CHECK(r->q <= 1000);
	addr_ok(&r->source);
}

static void event_ok(const struct sipctl_event *ev)
{
	STR_OK(ev->call_id);
	STR_OK(ev->why);
	CHECK(ev->type <= SIPCTL_EVENT_CALL_END);
	addr_ok(&ev->local);
	addr_ok(&ev->source);
}

/* One line through everything that reads lines. */
static void line(const char *s, size_t n, struct sipctl_call *c)
{
	char err[SCTL_ERR_MAX], id[SIPCTL_CALL_ID_MAX];
	struct sipctl_stream_flow sf;
	struct sctl_answer a;
	struct sipctl_status st = { 0 };
	struct sipctl_event ev;
	struct sipctl_reg r;
	json_object *o;

	if (sctl_json_parse(s, n, &o, err)) {
		STR_OK(err);
		return;
	}
	sctl_json_answer(o, &a, err);
	STR_OK(err);
	if (!sctl_json_status(o, &st, err) && !sctl_json_counters(o, &st, err))
		status_ok(&st);
	if (!sctl_json_reg(o, &r, err))
		reg_ok(&r);
	if (!sctl_json_call(o, c, err))
		call_ok(c);
	if (!sctl_json_flow(o, &sf, id, err)) {
		flow_ok(&sf);
		STR_OK(id);
	}
	if (!sctl_json_event(o, &ev, err))
		event_ok(&ev);
	STR_OK(err);
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sipctl_call call;
	const char *p = (const char *)data, *end = p + size, *nl;
	union sipctl_addr addr;
	char buf[128];

	/* the first line, as text, is also an address to parse */
	nl = memchr(p, '\n', size);
	if (nl && (size_t)(nl - p) < sizeof(buf)) {
		memcpy(buf, p, nl - p);
		buf[nl - p] = '\0';
		if (!sctl_addr_parse(buf, &addr))
			addr_ok(&addr);
	}
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		line(p, nl - p, &call);
		p = nl + 1;
	}
	return 0;
}
