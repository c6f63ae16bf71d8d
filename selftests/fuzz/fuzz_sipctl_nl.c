// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for libsipctl's netlink parsing (libsipctl/msg.c):
 * the input is one datagram as the kernel would send it.  It is fed to
 * the reply walker as the answer to a batch of four requests (so acks,
 * extended acks and dumps are judged against real requests, whose
 * attributes their offsets name), and every message in it to each
 * parser.  Beyond "no crash, no overread": a flow that parses carries
 * only endpoints of a real family, and its request fields, built into a
 * request and parsed back, come back equal.
 */
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>
#include <linux/sipfp.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NREQ 4
#define REQ_FIELDS 0xfffu /* SIPCTL_FLOW_HAS_COOKIE .. _TIMEOUT_MS */

static uint8_t reqs[NREQ * SCTL_REQ_SIZE];
static size_t reqs_len;
static uint8_t again[SCTL_REQ_SIZE];

static void ep4(union sipctl_addr *a, uint32_t ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->sin.sin_family = AF_INET;
	a->sin.sin_addr.s_addr = ip;
	a->sin.sin_port = port;
}

/* Four FLOW_NEW requests, sequence numbers 1..4, as a batch sends them. */
static void make_requests(void)
{
	struct sipctl_flow f = { .has = REQ_FIELDS,
				 .cookie = 1,
				 .src_mode = SIPCTL_SRC_LATCH,
				 .dscp = 46,
				 .latch_ms = 10000,
				 .flags = SIPCTL_F_RTP,
				 .clock_rate = 8000,
				 .idle_ms = 1000,
				 .timeout_ms = 2000 };
	char err[SCTL_ERR_MAX];
	struct nlmsghdr *nlh;

	ep4(&f.local, 0x0100000a, 0x3075);
	ep4(&f.out, 0x0200000a, 0x3275);
	ep4(&f.peer, 0x0300000a, 0xa00f);
	ep4(&f.src, 0x0400000a, 0);
	for (uint32_t i = 0; i < NREQ; i++) {
		nlh = sctl_msg_start(reqs + reqs_len, sizeof(reqs) - reqs_len,
				     0x20, SIPFP_CMD_FLOW_NEW, NLM_F_ACK,
				     1 + i);
		if (!nlh || sctl_put_flow(nlh, sizeof(reqs) - reqs_len, &f, ~0u,
					  0, err, sizeof(err)))
			abort();
		reqs_len += MNL_ALIGN(nlh->nlmsg_len);
	}
}

static void check_ep(const union sipctl_addr *a)
{
	if (a->sa.sa_family != AF_INET && a->sa.sa_family != AF_INET6)
		abort();
}

static bool same_ep(const union sipctl_addr *a, const union sipctl_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b->sin.sin_port &&
		       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	return a->sin6.sin6_port == b->sin6.sin6_port &&
	       !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16);
}

/* ::ffff:a.b.c.d goes out as a.b.c.d: not the same bytes back */
static bool mapped(const struct sipctl_flow *f)
{
	const union sipctl_addr *a[] = { &f->local, &f->out, &f->peer,
					 &f->src };

	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		if (a[i]->sa.sa_family == AF_INET6 &&
		    IN6_IS_ADDR_V4MAPPED(&a[i]->sin6.sin6_addr))
			return true;
	return false;
}

static void check_eps(const struct sipctl_flow *f)
{
	if (f->has & SIPCTL_FLOW_HAS_LOCAL)
		check_ep(&f->local);
	if (f->has & SIPCTL_FLOW_HAS_OUT)
		check_ep(&f->out);
	if (f->has & SIPCTL_FLOW_HAS_PEER)
		check_ep(&f->peer);
	if (f->has & SIPCTL_FLOW_HAS_SRC)
		check_ep(&f->src);
	if (f->has & SIPCTL_FLOW_HAS_LATCHED)
		check_ep(&f->latched);
}

/* Its request fields survive a request and a parse unchanged. */
static void round_trip(const struct sipctl_flow *f)
{
	char err[SCTL_ERR_MAX];
	struct sipctl_flow g;
	struct nlmsghdr *nlh;

	nlh = sctl_msg_start(again, sizeof(again), 0x20, SIPFP_CMD_FLOW_SET, 0,
			     1);
	if (sctl_put_flow(nlh, sizeof(again), f, REQ_FIELDS, 0, err,
			  sizeof(err)))
		abort();
	if (sctl_parse_flow(nlh, &g) || g.has != (f->has & REQ_FIELDS))
		abort();
	if (g.cookie != f->cookie || g.src_mode != f->src_mode ||
	    g.dscp != f->dscp || g.flags != f->flags ||
	    g.latch_ms != f->latch_ms || g.clock_rate != f->clock_rate ||
	    g.idle_ms != f->idle_ms || g.timeout_ms != f->timeout_ms)
		abort();
	if (((g.has & SIPCTL_FLOW_HAS_LOCAL) &&
	     !same_ep(&g.local, &f->local)) ||
	    ((g.has & SIPCTL_FLOW_HAS_OUT) && !same_ep(&g.out, &f->out)) ||
	    ((g.has & SIPCTL_FLOW_HAS_PEER) && !same_ep(&g.peer, &f->peer)) ||
	    ((g.has & SIPCTL_FLOW_HAS_SRC) && !same_ep(&g.src, &f->src)))
		abort();
}

static int each_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct sipctl_flow f;
	struct sipctl_stats st;
	struct sipctl_event ev;
	uint32_t group;
	uint16_t id;

	if (!sctl_parse_flow(nlh, &f)) {
		check_eps(&f);
		if (!mapped(&f))
			round_trip(&f);
	}
	sctl_parse_stats(nlh, &st);
	if (!sctl_parse_event(nlh, &ev) && (ev.has & SIPCTL_EVENT_HAS_SOURCE))
		check_ep(&ev.source);
	sctl_parse_family(nlh, &id, &group);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char msg[SCTL_ERR_MAX];
	int errs[NREQ];
	struct sctl_rx rx = {
		.seq = 1,
		.n = NREQ,
		.req = (const void *)reqs,
		.cb = each_reply,
		.errs = errs,
		.msg = msg,
		.msg_size = sizeof(msg),
	};

	const struct nlmsghdr *nlh = (const void *)data;
	size_t left = size;

	if (!reqs_len)
		make_requests();
	rx.req_len = reqs_len;
	msg[0] = 0;
	memset(errs, 0, sizeof(errs));
	sctl_rx_feed(&rx, data, size);
	/* every message to every parser, whatever its number */
	for (; sctl_msg_ok(nlh, left); nlh = sctl_msg_next(nlh, &left))
		each_reply(nlh, NULL);
	if (strnlen(msg, sizeof(msg)) == sizeof(msg))
		abort();
	for (uint32_t i = 0; i < NREQ; i++)
		if (errs[i] > 0)
			abort();
	return 0;
}
