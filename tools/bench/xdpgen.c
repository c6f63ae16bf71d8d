// SPDX-License-Identifier: GPL-2.0
/*
 * xdpgen: bench_xdp.sh's traffic generator, sink and per-packet timer,
 * all XDP (xdpgen.bpf.c):
 *
 *   xdpgen send -i IFACE -M DSTMAC -s SRC -f STREAMS [-S SSRC] [-r PPS]
 *               [-B BURST] [-t SECONDS] [-w WARMUP_MS] [-m WINDOW_MS]
 *               [-b BATCH] [-c SINK_MAP_ID] [-p PID]...
 *   xdpgen sink -i IFACE [-P PORT]
 *   xdpgen count -c SINK_MAP_ID
 *   xdpgen time -i IFACE -M DSTMAC -A SRCMAC -s SRC -f STREAMS [-S SSRC]
 *               [-n REPEAT] [-k ROUNDS]
 *
 * send: RTP-shaped UDP (what rtpblast sends: a 12-byte RTP header, 160
 * bytes of PCMU) from SRC to the streams of STREAMS ("SRC_PORT DST_ADDR
 * DST_PORT", a line each, as rtpblast reads), a packet of each in turn,
 * out of IFACE to DSTMAC.  BPF_PROG_TEST_RUN in live-frames mode runs the
 * "gen" program, which writes each packet over a recycled frame and sends
 * it with XDP_TX: no socket, no skb, so the generator costs a fraction of
 * what sendmmsg() does and leaves the other CPU to the router.  PPS 0
 * (the default) is flat out for SECONDS, else paced to PPS in bursts of
 * BURST (the program's pacing spins: the CPU is busy either way); BATCH
 * is the test run's (64, at most 256).  A window of
 * WINDOW_MS starts WARMUP_MS in; at both ends it reads the sink's count
 * (the map of SINK_MAP_ID), the CPU each PID has used
 * (/proc/PID/schedstat: nanoseconds, threads and kernel threads alike),
 * its own, and the machine's (/proc/stat).  After the run it waits for
 * the sink's count to settle and reports what the sink got of all sent.
 *
 * sink: attaches the "sink" program natively to IFACE (it counts IPv4
 * UDP frames to PORT, or to any port, and drops them; it passes the
 * rest); prints the counter map's id.  count: that
 * counter, summed over the CPUs.
 *
 * time: the program attached to IFACE under BPF_PROG_TEST_RUN with
 * repeat, as IFACE receives the streams' packets (ingress_ifindex IFACE,
 * so its FIB lookups are this namespace's): "harness" writes each
 * repetition's packet, the next stream's, and tail-calls it; the same
 * with the "drop" program in its place is the baseline.  ROUNDS of each,
 * alternating; prints the medians (ns per packet) and the verdict.
 *
 * key=value lines on stdout; errors on stderr, exit 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xdpgen.h"
#include "xdpgen.skel.h"

#define MAX_PIDS 16
#define MS 1000000ull
#define SETTLE_NS 100000000ull
#define SETTLE_MAX_NS 2000000000ull

struct opts {
	const char *iface, *streams, *dmac, *smac;
	uint32_t src, ssrc;
	uint64_t rate, dur_ns, warm_ns, win_ns;
	uint32_t batch, burst, repeat, rounds, map_id;
	uint16_t port; /* net */
	int npids;
	pid_t pid[MAX_PIDS];
};

struct gen {
	struct xdpgen *skel;
	struct xdpgen_flow *fl;
	uint32_t n;
	uint8_t frame[XDPGEN_FRAME_LEN];
	int ifindex;
};

static void usage(void)
{
	fprintf(stderr,
		"usage: xdpgen send -i IFACE -M DSTMAC -s SRC -f STREAMS [-S SSRC]\n"
		"                   [-r PPS] [-B BURST] [-t SECONDS] [-w WARMUP_MS]\n"
		"                   [-m WINDOW_MS] [-b BATCH] [-c SINK_MAP_ID] [-p PID]...\n"
		"       xdpgen sink -i IFACE [-P PORT]\n"
		"       xdpgen count -c SINK_MAP_ID\n"
		"       xdpgen time -i IFACE -M DSTMAC -A SRCMAC -s SRC -f STREAMS\n"
		"                   [-S SSRC] [-n REPEAT] [-k ROUNDS]\n");
	exit(2);
}

static void fail(const char *what, int err)
{
	fprintf(stderr, "xdpgen: %s: %s\n", what,
		strerror(err < 0 ? -err : err));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { t / 1000000000ull, t % 1000000000ull };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

/* --- the frame --- */

/* RFC 1071, 16-bit words as they lie in memory, unfolded */
static uint32_t sum16(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	uint16_t w;

	for (size_t i = 0; i + 1 < len; i += 2) {
		memcpy(&w, b + i, 2);
		sum += w;
	}
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static void mac_parse(const char *s, uint8_t *mac)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5]) != 6) {
		fprintf(stderr, "xdpgen: bad MAC address: %s\n", s);
		exit(2);
	}
}

static void mac_of(const char *iface, uint8_t *mac)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", iface);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr))
		fail(iface, errno);
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
}

/* Flow 0's whole frame, the template every packet starts from. */
static void frame_make(struct gen *g, const struct opts *o)
{
	uint8_t *f = g->frame, *ip = f + XDPGEN_OFF_IP;
	uint8_t *udp = f + XDPGEN_OFF_UDP, *rtp = f + XDPGEN_OFF_RTP;
	uint16_t w;

	memset(f, 0, sizeof(g->frame));
	mac_parse(o->dmac, f);
	if (o->smac)
		mac_parse(o->smac, f + 6);
	else
		mac_of(o->iface, f + 6);
	f[12] = 0x08; /* IPv4 */
	ip[0] = 0x45;
	w = htons(XDPGEN_FRAME_LEN - XDPGEN_OFF_IP);
	memcpy(ip + 2, &w, 2);
	ip[6] = 0x40; /* DF: no fragment, so no ID to pick */
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &o->src, 4);
	memcpy(ip + 16, &g->fl[0].daddr, 4);
	memcpy(ip + 10, &g->fl[0].ip_check, 2);
	memcpy(udp, &g->fl[0].sport, 2);
	memcpy(udp + 2, &g->fl[0].dport, 2);
	w = htons(XDPGEN_FRAME_LEN - XDPGEN_OFF_UDP);
	memcpy(udp + 4, &w, 2);
	rtp[0] = 0x80; /* V=2; PT 0, PCMU (RFC 3551) */
	memset(rtp + XDPGEN_RTP_HDR, 0xff, XDPGEN_PAYLOAD); /* silence */
}

/* The stream's checksums, sequence and timestamp left as 0. */
static void flow_sums(struct xdpgen_flow *fl, const struct opts *o,
		      uint32_t ssrc)
{
	uint8_t ip[20] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, IPPROTO_UDP };
	uint8_t seg[XDPGEN_FRAME_LEN - XDPGEN_OFF_UDP] = { 0 };
	uint16_t len = htons(sizeof(seg)), tot = htons(sizeof(seg) + 20);
	uint8_t ph[4] = { 0, IPPROTO_UDP };

	memcpy(ip + 2, &tot, 2);
	memcpy(ip + 12, &o->src, 4);
	memcpy(ip + 16, &fl->daddr, 4);
	fl->ip_check = ~fold(sum16(ip, sizeof(ip), 0));
	memcpy(seg, &fl->sport, 2);
	memcpy(seg + 2, &fl->dport, 2);
	memcpy(seg + 4, &len, 2);
	seg[8] = 0x80;
	ssrc = htonl(ssrc);
	memcpy(seg + 16, &ssrc, 4);
	memset(seg + 8 + XDPGEN_RTP_HDR, 0xff, XDPGEN_PAYLOAD);
	memcpy(ph + 2, &len, 2);
	fl->udp_sum = sum16(ip + 12, 8, sum16(ph, 4, sum16(seg, sizeof(seg),
							   0)));
}

static int flow_parse(struct gen *g, const struct opts *o, const char *line)
{
	struct xdpgen_flow *fl = &g->fl[g->n];
	unsigned int sport, dport;
	char addr[64];

	if (sscanf(line, "%u %63s %u", &sport, addr, &dport) != 3 || !sport ||
	    sport > 65535 || !dport || dport > 65535 ||
	    inet_pton(AF_INET, addr, &fl->daddr) != 1)
		return -1;
	fl->sport = htons(sport);
	fl->dport = htons(dport);
	/* streams start apart, as independent phones would */
	fl->ts0 = g->n * 104729u;
	fl->pad = 0;
	flow_sums(fl, o, o->ssrc + g->n);
	return 0;
}

static void streams_load(struct gen *g, const struct opts *o)
{
	FILE *f = fopen(o->streams, "r");
	char line[256];
	uint32_t cap = 1024;

	if (!f)
		fail(o->streams, errno);
	g->fl = malloc(cap * sizeof(*g->fl));
	while (g->fl && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (g->n == cap)
			g->fl = realloc(g->fl, (cap *= 2) * sizeof(*g->fl));
		if (!g->fl)
			break;
		if (flow_parse(g, o, line)) {
			fprintf(stderr, "xdpgen: %s: bad line %u: %s",
				o->streams, g->n + 1, line);
			exit(1);
		}
		g->n++;
	}
	if (!g->fl)
		fail("streams", ENOMEM);
	fclose(f);
	if (!g->n) {
		fprintf(stderr, "xdpgen: %s: no streams\n", o->streams);
		exit(1);
	}
}

/* --- the programs --- */

static void flows_fill(struct gen *g)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	uint32_t *keys = malloc(g->n * sizeof(*keys)), count = g->n;
	int err;

	if (!keys)
		fail("flows", ENOMEM);
	for (uint32_t i = 0; i < g->n; i++)
		keys[i] = i;
	err = bpf_map_update_batch(bpf_map__fd(g->skel->maps.flows), keys,
				   g->fl, &count, &bo);
	if (err)
		fail("flows: update", err);
	free(keys);
}

/* Opens and loads the programs for the streams of @o (none: for a sink). */
static void gen_load(struct gen *g, const struct opts *o)
{
	int err;

	g->skel = xdpgen__open();
	if (!g->skel)
		fail("xdpgen.bpf.o: open", errno);
	if (g->n) {
		memcpy((void *)g->skel->rodata->tmpl, g->frame,
		       XDPGEN_TMPL_LEN);
		g->skel->rodata->nflows = g->n;
		g->skel->rodata->ssrc_base = o->ssrc;
		g->skel->rodata->rate = o->rate;
		g->skel->rodata->burst = o->burst;
		bpf_map__set_max_entries(g->skel->maps.flows, g->n);
	}
	g->skel->rodata->sink_port = o->port;
	err = xdpgen__load(g->skel);
	if (err)
		fail("xdpgen.bpf.o: load", err);
	if (g->n)
		flows_fill(g);
}

static void gen_prepare(struct gen *g, const struct opts *o)
{
	if (!o->iface || !o->streams || !o->dmac || !o->src)
		usage();
	g->ifindex = if_nametoindex(o->iface);
	if (!g->ifindex)
		fail(o->iface, errno);
	streams_load(g, o);
	frame_make(g, o);
	gen_load(g, o);
}

static uint64_t count_read(int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t v[ncpu > 0 ? ncpu : 1], sum = 0;
	uint32_t zero = 0;

	if (ncpu <= 0 || bpf_map_lookup_elem(fd, &zero, v))
		fail("sink count", errno);
	for (int i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static int count_open(uint32_t id)
{
	int fd = bpf_map_get_fd_by_id(id);

	if (fd < 0)
		fail("sink map id", errno);
	return fd;
}

/* --- send --- */

/* A window's end: what was sent and received, when, and the CPU used. */
struct mark {
	uint64_t sent, recv, ns, busy_ns;
	int64_t cpu_ns[MAX_PIDS], self_ns;
};

struct run {
	struct gen g;
	const struct opts *o;
	int count_fd; /* -1: no sink to read */
	uint64_t recv0, t0;
	struct mark a, b;
	pthread_t runner;
	volatile pid_t runner_tid;
	volatile sig_atomic_t done;
};

/* nanoseconds on the CPU of a task, its threads included; -1 if gone */
static int64_t cpu_ns(const char *who)
{
	char path[64], buf[128];
	unsigned long long ns;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/schedstat", who);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return sscanf(buf, "%llu", &ns) == 1 ? (int64_t)ns : -1;
}

/* The machine's busy time, all CPUs, from /proc/stat, in ns. */
static uint64_t busy_ns(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	long hz = sysconf(_SC_CLK_TCK);

	if (!f)
		return 0;
	/* user nice system idle iowait irq softirq steal */
	if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) != 8)
		v[0] = v[1] = v[2] = v[5] = v[6] = v[7] = 0;
	fclose(f);
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * 1000000000ull /
	       (hz > 0 ? hz : 100);
}

/* the generator's count, as the program keeps it, read while it runs */
static uint64_t sent(const struct run *r)
{
	return *(volatile __u64 *)&r->g.skel->bss->made;
}

static void mark_take(struct run *r, struct mark *m)
{
	char name[32];

	m->ns = now_ns();
	m->sent = sent(r);
	m->recv = r->count_fd < 0 ? 0 : count_read(r->count_fd);
	m->busy_ns = busy_ns();
	for (int i = 0; i < r->o->npids; i++) {
		snprintf(name, sizeof(name), "%d", (int)r->o->pid[i]);
		m->cpu_ns[i] = cpu_ns(name);
	}
	snprintf(name, sizeof(name), "%d/task/%d", (int)getpid(),
		 (int)r->runner_tid);
	m->self_ns = cpu_ns(name);
}

/*
 * One test run for the whole trial, ended by a signal: each run with
 * repeat puts the program into the kernel's XDP dispatcher and takes it
 * out again (an RCU grace period each way), and sets up and tears down
 * a page pool, milliseconds a run; a run stops when a signal is pending.
 */
static void *runner(void *arg)
{
	struct run *r = arg;
	struct xdp_md ctx = { .data_end = sizeof(r->g.frame),
			       .ingress_ifindex = r->g.ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = r->g.frame,
		    .data_size_in = sizeof(r->g.frame), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = INT32_MAX,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
		    .batch_size = r->o->batch);
	int err;

	r->runner_tid = gettid();
	while (!r->done) {
		err = bpf_prog_test_run_opts(
			bpf_program__fd(r->g.skel->progs.gen), &t);
		if (err && err != -EINTR)
			fail("BPF_PROG_TEST_RUN (live frames)", err);
	}
	return NULL;
}

static void on_stop(int sig)
{
}

/* The trial: the runner sends while this thread marks the window. */
static void blast(struct run *r)
{
	struct sigaction sa = { .sa_handler = on_stop };
	uint64_t t0 = now_ns();

	/* no SA_RESTART: the signal must end the run */
	sigaction(SIGUSR1, &sa, NULL);
	prctl(PR_SET_TIMERSLACK, 1000UL);
	if (pthread_create(&r->runner, NULL, runner, r))
		fail("thread", errno);
	sleep_until(t0 + r->o->warm_ns);
	mark_take(r, &r->a);
	sleep_until(r->a.ns + r->o->win_ns);
	mark_take(r, &r->b);
	sleep_until(t0 + r->o->dur_ns);
	r->done = 1;
	while (pthread_tryjoin_np(r->runner, NULL) == EBUSY) {
		pthread_kill(r->runner, SIGUSR1);
		sleep_until(now_ns() + 1000000);
	}
}

/* What the sink got of the whole run, once nothing more comes. */
static uint64_t settle(struct run *r)
{
	uint64_t t0 = now_ns(), last, n;

	n = count_read(r->count_fd);
	do {
		last = n;
		sleep_until(now_ns() + SETTLE_NS);
		n = count_read(r->count_fd);
	} while (n != last && now_ns() - t0 < SETTLE_MAX_NS);
	return n - r->recv0;
}

static void send_report(struct run *r, uint64_t elapsed_ns)
{
	const struct mark *a = &r->a, *b = &r->b;

	printf("sent=%llu\nskipped=%llu\nelapsed_us=%llu\nstreams=%u\n",
	       (unsigned long long)sent(r),
	       (unsigned long long)r->g.skel->bss->skipped,
	       (unsigned long long)(elapsed_ns / 1000), r->g.n);
	printf("window_sent=%llu\nwindow_recv=%llu\nwindow_us=%llu\n",
	       (unsigned long long)(b->sent - a->sent),
	       (unsigned long long)(b->recv - a->recv),
	       (unsigned long long)((b->ns - a->ns) / 1000));
	printf("window_busy_ns=%llu\nwindow_gen_ns=%lld\n",
	       (unsigned long long)(b->busy_ns - a->busy_ns),
	       (long long)(b->self_ns - a->self_ns));
	/* -1: the task was gone before the window ended */
	for (int i = 0; i < r->o->npids; i++)
		printf("window_cpu_ns_%d=%lld\n", i,
		       a->cpu_ns[i] < 0 || b->cpu_ns[i] < 0 ?
			       -1LL : (long long)(b->cpu_ns[i] - a->cpu_ns[i]));
	if (r->count_fd >= 0)
		printf("recv=%llu\n", (unsigned long long)settle(r));
}

static int cmd_send(const struct opts *o)
{
	static struct run r;
	uint64_t t0;

	r.o = o;
	r.count_fd = o->map_id ? count_open(o->map_id) : -1;
	gen_prepare(&r.g, o);
	if (r.count_fd >= 0)
		r.recv0 = count_read(r.count_fd);
	t0 = now_ns();
	blast(&r);
	send_report(&r, now_ns() - t0);
	return 0;
}

/* --- sink, count --- */

static int cmd_sink(const struct opts *o)
{
	struct gen g = { 0 };
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	int ifindex, err;

	if (!o->iface)
		usage();
	ifindex = if_nametoindex(o->iface);
	if (!ifindex)
		fail(o->iface, errno);
	gen_load(&g, o);
	err = bpf_xdp_attach(ifindex, bpf_program__fd(g.skel->progs.sink),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fail("native XDP attach", err);
	err = bpf_obj_get_info_by_fd(bpf_map__fd(g.skel->maps.sink_count),
				     &info, &len);
	if (err)
		fail("sink map info", err);
	printf("map_id=%u\n", info.id);
	return 0;
}

static int cmd_count(const struct opts *o)
{
	if (!o->map_id)
		usage();
	printf("count=%llu\n",
	       (unsigned long long)count_read(count_open(o->map_id)));
	return 0;
}

/* --- time --- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* One round of the harness over @target: ns a packet; the verdict. */
static uint32_t time_round(struct gen *g, const struct opts *o, int target,
			   uint32_t *verdict)
{
	struct xdp_md ctx = { .data_end = sizeof(g->frame),
			       .ingress_ifindex = g->ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = g->frame,
		    .data_size_in = sizeof(g->frame), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = o->repeat);
	uint32_t zero = 0;
	int err;

	err = bpf_map_update_elem(bpf_map__fd(g->skel->maps.target), &zero,
				  &target, BPF_ANY);
	if (err)
		fail("tail call slot", err);
	err = bpf_prog_test_run_opts(bpf_program__fd(g->skel->progs.harness),
				     &t);
	if (err)
		fail("BPF_PROG_TEST_RUN", err);
	*verdict = t.retval;
	return t.duration;
}

static int attached(int ifindex)
{
	uint32_t id = 0;
	int err, fd;

	err = bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &id);
	if (err || !id) {
		fprintf(stderr, "xdpgen: no native XDP program on ifindex %d\n",
			ifindex);
		exit(1);
	}
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		fail("the attached program", errno);
	return fd;
}

static int cmd_time(const struct opts *o)
{
	static struct gen g;
	uint32_t k = o->rounds, prog[k], base[k], v, vbase;
	int fd, drop;

	gen_prepare(&g, o);
	fd = attached(g.ifindex);
	drop = bpf_program__fd(g.skel->progs.drop);
	for (uint32_t i = 0; i < k; i++) {
		base[i] = time_round(&g, o, drop, &vbase);
		prog[i] = time_round(&g, o, fd, &v);
	}
	qsort(prog, k, sizeof(prog[0]), cmp_u32);
	qsort(base, k, sizeof(base[0]), cmp_u32);
	printf("ns_per_pkt=%u\nbase_ns_per_pkt=%u\nverdict=%u\n"
	       "base_verdict=%u\nrepeat=%u\nrounds=%u\nstreams=%u\n",
	       prog[k / 2], base[k / 2], v, vbase, o->repeat, k, g.n);
	return 0;
}

/* --- main --- */

static void opts_parse(struct opts *o, int argc, char **argv)
{
	int c;

	while ((c = getopt(argc, argv, "i:M:A:s:f:S:r:B:t:w:m:b:c:p:P:n:k:")) !=
	       -1) {
		switch (c) {
		case 'i': o->iface = optarg; break;
		case 'M': o->dmac = optarg; break;
		case 'A': o->smac = optarg; break;
		case 's':
			if (inet_pton(AF_INET, optarg, &o->src) != 1)
				usage();
			break;
		case 'f': o->streams = optarg; break;
		case 'S': o->ssrc = strtoul(optarg, NULL, 0); break;
		case 'r': o->rate = strtoull(optarg, NULL, 10); break;
		case 't': o->dur_ns = strtod(optarg, NULL) * 1e9; break;
		case 'w': o->warm_ns = strtoull(optarg, NULL, 10) * MS; break;
		case 'm': o->win_ns = strtoull(optarg, NULL, 10) * MS; break;
		case 'b': o->batch = strtoul(optarg, NULL, 10); break;
		case 'B': o->burst = strtoul(optarg, NULL, 10); break;
		case 'c': o->map_id = strtoul(optarg, NULL, 10); break;
		case 'P': o->port = htons(atoi(optarg)); break;
		case 'n': o->repeat = strtoul(optarg, NULL, 10); break;
		case 'k': o->rounds = strtoul(optarg, NULL, 10); break;
		case 'p':
			if (o->npids == MAX_PIDS)
				usage();
			o->pid[o->npids++] = atoi(optarg);
			break;
		default: usage();
		}
	}
	if (!o->batch || o->batch > 256 || !o->burst || !o->repeat ||
	    !o->rounds ||
	    o->rounds > 99 || o->warm_ns + o->win_ns > o->dur_ns)
		usage();
}

int main(int argc, char **argv)
{
	struct opts o = { .dur_ns = 5000000000ull, .warm_ns = 1000000000ull,
			  .win_ns = 3000000000ull, .batch = 64, .burst = 16,
			  .repeat = 1000000, .rounds = 5 };

	if (argc < 2)
		usage();
	opts_parse(&o, argc - 1, argv + 1);
	if (!strcmp(argv[1], "send"))
		return cmd_send(&o);
	if (!strcmp(argv[1], "sink"))
		return cmd_sink(&o);
	if (!strcmp(argv[1], "count"))
		return cmd_count(&o);
	if (!strcmp(argv[1], "time"))
		return cmd_time(&o);
	usage();
	return 2;
}
