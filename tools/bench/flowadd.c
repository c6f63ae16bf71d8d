// SPDX-License-Identifier: GPL-2.0
/*
 * flowadd: flows installed in sipfp.ko through libsipctl, timed; for
 * bench_kmod.sh, inside the VM where the module loads.
 *
 *   flowadd -l LOCAL -o OUT [-p PEER] [-s SRC_ADDR] [-n FLOWS] [-b]
 *           [-c COOKIE]
 *
 * Flow i takes packets to LOCAL's port + 2i and sends them from OUT's
 * port + 2i to PEER, every flow to the same PEER (one sink).  Like the
 * flows sipfpd makes for a call's RTP: RTP statistics at 8 kHz, DSCP EF,
 * and with -s latched to the first packet from SRC_ADDR (any port)
 * within a minute, else any source.  Ports step by 2, as RTP's do.
 *
 * -b adds them all with one sipctl_flow_add_batch(), else with one
 * sipctl_flow_add() each: a request and its ack per flow.  Prints
 * flows=, elapsed_us= and per_s= (flows per second over the adds alone;
 * building the requests is left out).  The flows stay in the namespace
 * and go with it.  IPv4 only.  Exits 1 naming the first flow refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sipctl.h>

#define DSCP_EF 46
#define PCMU_RATE 8000
#define LATCH_MS 60000

struct opts {
	union sipctl_addr local, out, peer, src;
	unsigned long n;
	uint64_t cookie;
	int batch;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: flowadd -l LOCAL -o OUT [-p PEER] [-s SRC_ADDR]\n"
		"               [-n FLOWS] [-b] [-c COOKIE]\n"
		"       (LOCAL, OUT, PEER: A.B.C.D:PORT)\n");
	exit(2);
}

/* "A.B.C.D:PORT", or "A.B.C.D" when @port_ok is 0; else usage. */
static void addr_parse(union sipctl_addr *a, const char *text, int port_ok)
{
	char buf[64], *colon;
	unsigned long port = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	colon = strrchr(buf, ':');
	if (colon && port_ok) {
		*colon = 0;
		port = strtoul(colon + 1, NULL, 10);
	}
	if (port_ok && (!colon || !port || port > 65535))
		usage();
	memset(a, 0, sizeof(*a));
	a->sin.sin_family = AF_INET;
	a->sin.sin_port = htons(port);
	if (inet_pton(AF_INET, buf, &a->sin.sin_addr) != 1)
		usage();
}

static void port_add(union sipctl_addr *a, unsigned long k)
{
	a->sin.sin_port = htons(ntohs(a->sin.sin_port) + k);
}

static void flow_fill(struct sipctl_flow *f, const struct opts *o,
		      unsigned long i)
{
	memset(f, 0, sizeof(*f));
	f->has = SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |
		 SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_SRC_MODE |
		 SIPCTL_FLOW_HAS_FLAGS | SIPCTL_FLOW_HAS_DSCP |
		 SIPCTL_FLOW_HAS_CLOCK_RATE;
	f->cookie = o->cookie + i;
	f->local = o->local;
	port_add(&f->local, 2 * i);
	f->out = o->out;
	port_add(&f->out, 2 * i);
	f->flags = SIPCTL_F_RTP;
	f->dscp = DSCP_EF;
	f->clock_rate = PCMU_RATE;
	if (o->peer.sa.sa_family) {
		f->has |= SIPCTL_FLOW_HAS_PEER;
		f->peer = o->peer;
	}
	f->src_mode = SIPCTL_SRC_ANY;
	if (o->src.sa.sa_family) {
		f->has |= SIPCTL_FLOW_HAS_SRC | SIPCTL_FLOW_HAS_LATCH_MS;
		f->src_mode = SIPCTL_SRC_LATCH;
		f->src = o->src;
		f->latch_ms = LATCH_MS;
	}
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void refused(struct sipctl *h, const struct sipctl_flow *f, int err)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &f->local.sin.sin_addr, ip, sizeof(ip));
	fprintf(stderr, "flowadd: flow %s:%u (cookie %#llx): %s\n", ip,
		ntohs(f->local.sin.sin_port), (unsigned long long)f->cookie,
		sipctl_strerror(h, err));
}

/* The adds, timed; 0 or the first refusal. */
static int add_all(struct sipctl *h, const struct sipctl_flow *f,
		   const struct opts *o, int *errs, uint64_t *ns)
{
	uint64_t t0 = now_ns();
	int err = 0;

	if (o->batch) {
		err = sipctl_flow_add_batch(h, f, o->n, errs);
		*ns = now_ns() - t0;
		for (unsigned long i = 0; err && i < o->n; i++) {
			if (errs[i]) {
				/* the handle's words are the last flow's */
				refused(NULL, &f[i], errs[i]);
				break;
			}
		}
		return err;
	}
	for (unsigned long i = 0; i < o->n && !err; i++) {
		err = sipctl_flow_add(h, &f[i]);
		if (err)
			refused(h, &f[i], err);
	}
	*ns = now_ns() - t0;
	return err;
}

static void opts_parse(struct opts *o, int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "l:o:p:s:n:bc:")) != -1) {
		switch (c) {
		case 'l':
			addr_parse(&o->local, optarg, 1);
			break;
		case 'o':
			addr_parse(&o->out, optarg, 1);
			break;
		case 'p':
			addr_parse(&o->peer, optarg, 1);
			break;
		case 's':
			addr_parse(&o->src, optarg, 0);
			break;
		case 'n':
			o->n = strtoul(optarg, NULL, 10);
			break;
		case 'b':
			o->batch = 1;
			break;
		case 'c':
			o->cookie = strtoull(optarg, NULL, 0);
			break;
		default:
			usage();
		}
	}
	if (!o->local.sa.sa_family || !o->out.sa.sa_family || !o->n ||
	    optind != argc)
		usage();
	/* the last flow's ports, stepping by 2, must still be ports */
	if (ntohs(o->local.sin.sin_port) + 2 * (o->n - 1) > 65535 ||
	    ntohs(o->out.sin.sin_port) + 2 * (o->n - 1) > 65535) {
		fprintf(stderr, "flowadd: %lu flows run past port 65535\n",
			o->n);
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct opts o = { .n = 10000, .cookie = 0xbe0c000000000000ull };
	struct sipctl_flow *f;
	struct sipctl *h;
	uint64_t ns;
	int *errs, err;

	opts_parse(&o, argc, argv);
	f = calloc(o.n, sizeof(*f));
	errs = calloc(o.n, sizeof(*errs));
	if (!f || !errs) {
		fprintf(stderr, "flowadd: %lu flows: out of memory\n", o.n);
		return 1;
	}
	for (unsigned long i = 0; i < o.n; i++)
		flow_fill(&f[i], &o, i);
	err = sipctl_open_kernel(&h);
	if (err) {
		fprintf(stderr, "flowadd: %s\n", sipctl_strerror(NULL, err));
		return 1;
	}
	err = add_all(h, f, &o, errs, &ns);
	sipctl_close(h);
	if (err)
		return 1;
	printf("flows=%lu\nelapsed_us=%llu\nper_s=%.0f\n", o.n,
	       (unsigned long long)(ns / 1000), o.n * 1e9 / (ns ? ns : 1));
	return 0;
}
