// SPDX-License-Identifier: GPL-2.0
/*
 * rtpblast: the RTP source and sink of bench_rtp.sh.
 *
 *   rtpblast send -s SRC -f STREAMS [-r PPS] [-t SECONDS] [-b BATCH]
 *                 [-d DELAY_MS] [-S SSRC]
 *   rtpblast sink -l ADDR:PORT [-n STREAMS] [-S SSRC] [-w WARMUP_MS]
 *                 [-m WINDOW_MS] [-i IDLE_MS] [-T WAIT_MS] [-p PID]...
 *
 * send: RTP-shaped UDP from SRC, one stream per line of STREAMS
 * ("SRC_PORT DST_ADDR DST_PORT", IPv4), a packet of each in turn: a
 * 12-byte RTP header (version 2, PCMU, sequence +1 and timestamp +160 a
 * packet, SSRC the stream's index plus SSRC) and 160 bytes of payload.
 * Streams interleave as real calls do, so a relay sees a packet per
 * socket at a time, yet a whole batch goes out in one sendmmsg(): the
 * packets are built whole and sent on a raw socket, which can send from
 * any port without a socket per stream.  PPS 0 (the default) sends as
 * fast as the machine lets for SECONDS; else paced to PPS.
 *
 * sink: counts what arrives at ADDR:PORT.  The window of WINDOW_MS
 * starts WARMUP_MS after the first packet, and keeps its length if
 * packets stop inside it.  The CPU time of each PID (utime+stime, all
 * its threads) and the sink's own is read at both ends of the window,
 * so packets and CPU cover the same span.  The sink exits once nothing
 * has come for IDLE_MS, or WAIT_MS after start if nothing came at all.
 *
 * Both print key=value lines on stdout when done; errors on stderr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RTP_HDR 12
#define PAYLOAD 160
#define UDP_LEN (sizeof(struct udphdr) + RTP_HDR + PAYLOAD)
#define PKT_LEN (sizeof(struct iphdr) + UDP_LEN)
#define MAX_BATCH 256
/* a relay split over processes, each watched, and the sender */
#define MAX_PIDS 16
#define SINK_BUF 512
/* PCMU silence, so the payload looks like what a phone sends */
#define PCMU_SILENCE 0xff

struct stream {
	struct sockaddr_in dst; /* port 0: raw sockets take no port */
	uint16_t sport, dport; /* network order */
	uint32_t sum; /* one's complement sum of all but sequence, timestamp */
	uint16_t seq;
	uint32_t ts;
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "rtpblast: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: rtpblast send -s SRC -f STREAMS [-r PPS] [-t SECONDS]\n"
		"                     [-b BATCH] [-d DELAY_MS] [-S SSRC]\n"
		"       rtpblast sink -l ADDR:PORT [-n STREAMS] [-S SSRC]\n"
		"                     [-w WARMUP_MS] [-m WINDOW_MS] [-i IDLE_MS]\n"
		"                     [-T WAIT_MS] [-p PID]...\n");
	exit(2);
}

/* RFC 1071: the sum is the same in either byte order, so words are
 * summed as they lie in memory and the result stored as it comes. */
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

/* --- send --- */

struct sender {
	struct stream *st;
	unsigned int n, next;
	uint32_t src; /* network order */
	uint32_t ssrc;
	uint8_t pkt[MAX_BATCH][PKT_LEN];
	struct iovec iov[MAX_BATCH];
	struct mmsghdr msg[MAX_BATCH];
};

static void rtp_fixed(uint8_t *rtp, uint32_t ssrc)
{
	memset(rtp, 0, RTP_HDR);
	rtp[0] = 0x80; /* V=2, no padding, extension or CSRC */
	rtp[1] = 0; /* M=0, PT=0 PCMU (RFC 3551) */
	ssrc = htonl(ssrc);
	memcpy(rtp + 8, &ssrc, 4);
}

/* The stream's checksum with sequence and timestamp 0 (RFC 768). */
static uint32_t stream_sum(const struct sender *s, const struct stream *st,
			   uint32_t ssrc)
{
	uint8_t seg[UDP_LEN];
	struct udphdr *u = (struct udphdr *)seg;
	struct {
		uint32_t src, dst;
		uint8_t zero, proto;
		uint16_t len;
	} __attribute__((packed)) ph = {
		s->src, st->dst.sin_addr.s_addr, 0, IPPROTO_UDP, htons(UDP_LEN)
	};

	u->source = st->sport;
	u->dest = st->dport;
	u->len = htons(UDP_LEN);
	u->check = 0;
	rtp_fixed(seg + sizeof(*u), ssrc);
	memset(seg + sizeof(*u) + RTP_HDR, PCMU_SILENCE, PAYLOAD);
	return sum16(seg, sizeof(seg), sum16(&ph, sizeof(ph), 0));
}

static int stream_parse(struct sender *s, const char *line, unsigned int i)
{
	struct stream *st = &s->st[i];
	unsigned int sport, dport;
	char addr[64];

	if (sscanf(line, "%u %63s %u", &sport, addr, &dport) != 3 ||
	    !sport || sport > 65535 || !dport || dport > 65535)
		return -1;
	memset(st, 0, sizeof(*st));
	st->dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &st->dst.sin_addr) != 1)
		return -1;
	st->sport = htons(sport);
	st->dport = htons(dport);
	/* streams start apart, as independent phones would */
	st->seq = (i * 7919) & 0xffff;
	st->ts = i * 104729u;
	st->sum = stream_sum(s, st, s->ssrc + i);
	return 0;
}

static void streams_load(struct sender *s, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[256];
	unsigned int cap = 1024;

	if (!f)
		die(path);
	s->st = malloc(cap * sizeof(*s->st));
	while (s->st && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (s->n == cap)
			s->st = realloc(s->st, (cap *= 2) * sizeof(*s->st));
		if (!s->st)
			break;
		if (stream_parse(s, line, s->n)) {
			fprintf(stderr, "rtpblast: %s: bad line %u: %s", path,
				s->n + 1, line);
			exit(1);
		}
		s->n++;
	}
	if (!s->st)
		die("streams");
	fclose(f);
	if (!s->n) {
		fprintf(stderr, "rtpblast: %s: no streams\n", path);
		exit(1);
	}
}

/* The parts of every packet that never change. */
static void sender_prepare(struct sender *s)
{
	for (int k = 0; k < MAX_BATCH; k++) {
		struct iphdr *ip = (struct iphdr *)s->pkt[k];
		uint8_t *udp = s->pkt[k] + sizeof(*ip);

		memset(ip, 0, sizeof(*ip));
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(PKT_LEN);
		/* DF: no fragment, so the kernel need not pick an ID */
		ip->frag_off = htons(IP_DF);
		ip->ttl = 64;
		ip->protocol = IPPROTO_UDP;
		ip->saddr = s->src;
		memset(udp + sizeof(struct udphdr) + RTP_HDR, PCMU_SILENCE,
		       PAYLOAD);
		s->iov[k].iov_base = s->pkt[k];
		s->iov[k].iov_len = PKT_LEN;
		s->msg[k].msg_hdr.msg_iov = &s->iov[k];
		s->msg[k].msg_hdr.msg_iovlen = 1;
		s->msg[k].msg_hdr.msg_namelen = sizeof(struct sockaddr_in);
	}
}

/* Slot @k gets the next packet of the next stream. */
static void build(struct sender *s, int k)
{
	struct stream *st = &s->st[s->next];
	struct iphdr *ip = (struct iphdr *)s->pkt[k];
	struct udphdr *u = (struct udphdr *)(ip + 1);
	uint8_t *rtp = (uint8_t *)(u + 1);
	uint16_t seq = htons(st->seq);
	uint32_t ts = htonl(st->ts);
	uint16_t ck;

	ip->daddr = st->dst.sin_addr.s_addr;
	u->source = st->sport;
	u->dest = st->dport;
	u->len = htons(UDP_LEN);
	rtp_fixed(rtp, s->ssrc + s->next);
	memcpy(rtp + 2, &seq, 2);
	memcpy(rtp + 4, &ts, 4);
	ck = ~fold(sum16(rtp + 2, 6, st->sum));
	/* 0 means "no checksum" in UDP over IPv4 (RFC 768) */
	u->check = ck ? ck : 0xffff;
	s->msg[k].msg_hdr.msg_name = &st->dst;
	st->seq++;
	st->ts += PAYLOAD;
	if (++s->next == s->n)
		s->next = 0;
}

struct send_opts {
	uint64_t rate, dur_ns, delay_ms;
	int batch;
};

/* Returns how many of @n went; counts failures in @errs. */
static int send_batch(int fd, struct sender *s, int n, uint64_t *errs)
{
	int done = 0, r;

	for (int k = 0; k < n; k++)
		build(s, k);
	while (done < n) {
		r = sendmmsg(fd, s->msg + done, n - done, 0);
		if (r > 0) {
			done += r;
			continue;
		}
		if (!*errs)
			fprintf(stderr, "rtpblast: sendmmsg: %s\n",
				strerror(errno));
		(*errs)++;
		done++;
	}
	return n;
}

/* Paced: batches at least every 0.5 ms, each due when the count is. */
static int pace_batch(const struct send_opts *o)
{
	uint64_t b = o->rate / 2000;

	if (b < 1)
		b = 1;
	return b < (uint64_t)o->batch ? (int)b : o->batch;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { t / 1000000000ull, t % 1000000000ull };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

static int raw_socket(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	int sz = 4 << 20;

	if (fd < 0)
		die("raw socket (needs CAP_NET_RAW)");
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

static void blast(struct sender *s, const struct send_opts *o)
{
	int fd = raw_socket(), b = o->rate ? pace_batch(o) : o->batch;
	uint64_t sent = 0, errs = 0, t0, end, now, due;

	/* paced sleeps end on time, not up to 50 us late */
	prctl(PR_SET_TIMERSLACK, 1000UL);
	if (o->delay_ms)
		usleep(o->delay_ms * 1000);
	t0 = now_ns();
	end = t0 + o->dur_ns;
	while ((now = now_ns()) < end) {
		if (o->rate) {
			due = t0 + sent * 1000000000ull / o->rate;
			if (due > now) {
				sleep_until(due < end ? due : end);
				continue;
			}
		}
		sent += send_batch(fd, s, b, &errs);
	}
	printf("sent=%llu\nsend_errors=%llu\nelapsed_us=%llu\nstreams=%u\n",
	       (unsigned long long)sent, (unsigned long long)errs,
	       (unsigned long long)((now_ns() - t0) / 1000), s->n);
	close(fd);
}

static int cmd_send(int argc, char **argv)
{
	static struct sender s;
	struct send_opts o = { .dur_ns = 5000000000ull, .batch = 64 };
	const char *file = NULL, *src = NULL;
	int c;

	while ((c = getopt(argc, argv, "s:f:r:t:b:d:S:")) != -1) {
		switch (c) {
		case 's': src = optarg; break;
		case 'f': file = optarg; break;
		case 'r': o.rate = strtoull(optarg, NULL, 10); break;
		case 't': o.dur_ns = strtod(optarg, NULL) * 1e9; break;
		case 'b': o.batch = atoi(optarg); break;
		case 'd': o.delay_ms = strtoull(optarg, NULL, 10); break;
		case 'S': s.ssrc = strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!src || !file || o.batch < 1 || o.batch > MAX_BATCH)
		usage();
	if (inet_pton(AF_INET, src, &s.src) != 1)
		usage();
	streams_load(&s, file);
	sender_prepare(&s);
	blast(&s, &o);
	return 0;
}

/* --- sink --- */

struct sink {
	int fd;
	uint32_t ssrc, nstreams;
	uint8_t *seen; /* a bit per stream index */
	uint64_t total, bad, streams_seen;
	int npids;
	pid_t pid[MAX_PIDS];
	uint8_t buf[MAX_BATCH][SINK_BUF];
	struct iovec iov[MAX_BATCH];
	struct mmsghdr msg[MAX_BATCH];
};

/* A span's start or end: packets so far, when, and each PID's CPU. */
struct mark {
	uint64_t packets, ns;
	int64_t cpu_us[MAX_PIDS], self_us;
};

/* utime + stime of every thread of @pid, live and gone, in us; -1 if
 * it is gone. */
static int64_t cpu_us(pid_t pid)
{
	static long hz;
	unsigned long long ut, st;
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	if (!hz)
		hz = sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	/* the command name may hold spaces and ')': count from the last */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%llu %llu", &ut, &st) != 2)
		return -1;
	return (ut + st) * 1000000ll / hz;
}

static void mark_take(const struct sink *k, struct mark *m, uint64_t ns)
{
	m->packets = k->total;
	m->ns = ns;
	for (int i = 0; i < k->npids; i++)
		m->cpu_us[i] = cpu_us(k->pid[i]);
	m->self_us = cpu_us(getpid());
}

static void sink_open(struct sink *k, const char *where)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	char addr[64], *colon;
	int sz = 32 << 20;

	snprintf(addr, sizeof(addr), "%s", where);
	colon = strrchr(addr, ':');
	if (!colon)
		usage();
	*colon = 0;
	a.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1)
		usage();
	k->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (k->fd < 0)
		die("socket");
	/* room for a burst while the sink waits for a core */
	if (setsockopt(k->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)))
		setsockopt(k->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (bind(k->fd, (struct sockaddr *)&a, sizeof(a)))
		die(where);
	for (int i = 0; i < MAX_BATCH; i++) {
		k->iov[i].iov_base = k->buf[i];
		k->iov[i].iov_len = SINK_BUF;
		k->msg[i].msg_hdr.msg_iov = &k->iov[i];
		k->msg[i].msg_hdr.msg_iovlen = 1;
	}
}

/* RTP version 2 and our size, else bad; marks the stream seen. */
static void judge(struct sink *k, const uint8_t *p, unsigned int len,
		  int flags)
{
	uint32_t ssrc, i;

	if ((flags & MSG_TRUNC) || len != RTP_HDR + PAYLOAD ||
	    (p[0] >> 6) != 2) {
		k->bad++;
		return;
	}
	memcpy(&ssrc, p + 8, 4);
	i = ntohl(ssrc) - k->ssrc;
	if (i >= k->nstreams || (k->seen[i / 8] & (1 << (i % 8))))
		return;
	k->seen[i / 8] |= 1 << (i % 8);
	k->streams_seen++;
}

/* Everything queued; false when the socket is dry. */
static bool sink_read(struct sink *k)
{
	int n = recvmmsg(k->fd, k->msg, MAX_BATCH, MSG_DONTWAIT, NULL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			die("recvmmsg");
		return false;
	}
	for (int i = 0; i < n; i++)
		judge(k, k->buf[i], k->msg[i].msg_len,
		      k->msg[i].msg_hdr.msg_flags);
	k->total += n;
	return n == MAX_BATCH;
}

struct sink_opts {
	uint64_t warmup_ns, window_ns, idle_ns, wait_ns;
};

static void sink_report(const struct sink *k, const struct mark *a,
			const struct mark *b, bool done)
{
	printf("window_packets=%llu\nwindow_us=%llu\nwindow_done=%d\n",
	       (unsigned long long)(b->packets - a->packets),
	       (unsigned long long)((b->ns - a->ns) / 1000), done);
	/* -1: the process was gone before the window ended */
	for (int i = 0; i < k->npids; i++)
		printf("cpu_us_%d=%lld\n", i,
		       a->cpu_us[i] < 0 || b->cpu_us[i] < 0 ?
			       -1LL : (long long)(b->cpu_us[i] - a->cpu_us[i]));
	printf("cpu_us_sink=%lld\n", (long long)(b->self_us - a->self_us));
	printf("total_packets=%llu\nbad_packets=%llu\nstreams_seen=%llu\n",
	       (unsigned long long)k->total, (unsigned long long)k->bad,
	       (unsigned long long)k->streams_seen);
}

static void sink_run(struct sink *k, const struct sink_opts *o)
{
	struct pollfd pfd = { .fd = k->fd, .events = POLLIN };
	uint64_t start = now_ns(), first = 0, last = 0, now, had;
	struct mark a = { 0 }, b = { 0 };
	int phase = 0; /* 0 warm-up, 1 window, 2 after it */

	for (;;) {
		poll(&pfd, 1, 20);
		had = k->total;
		while (sink_read(k))
			;
		now = now_ns();
		if (k->total != had) {
			last = now;
			if (!first)
				first = now;
		}
		if (!first && now - start > o->wait_ns)
			break;
		if (phase == 0 && first && now - first >= o->warmup_ns) {
			mark_take(k, &a, now);
			phase = 1;
		} else if (phase == 1 && now - a.ns >= o->window_ns) {
			mark_take(k, &b, now);
			phase = 2;
		}
		if (first && now - last > o->idle_ns)
			break;
	}
	/*
	 * Packets stopped inside the window (a relay gave up, or the source
	 * ended early): the window still has its length, so its rate counts
	 * the silence too.
	 */
	if (phase == 1)
		mark_take(k, &b, a.ns + o->window_ns);
	if (phase == 0) {
		mark_take(k, &a, now);
		b = a;
	}
	sink_report(k, &a, &b, phase == 2);
}

static int cmd_sink(int argc, char **argv)
{
	static struct sink k;
	struct sink_opts o = { 1000000000ull, 5000000000ull, 500000000ull,
			       10000000000ull };
	const char *where = NULL;
	int c;

	while ((c = getopt(argc, argv, "l:n:S:w:m:i:T:p:")) != -1) {
		switch (c) {
		case 'l': where = optarg; break;
		case 'n': k.nstreams = strtoul(optarg, NULL, 10); break;
		case 'S': k.ssrc = strtoul(optarg, NULL, 0); break;
		case 'w': o.warmup_ns = strtoull(optarg, NULL, 10) * 1000000; break;
		case 'm': o.window_ns = strtoull(optarg, NULL, 10) * 1000000; break;
		case 'i': o.idle_ns = strtoull(optarg, NULL, 10) * 1000000; break;
		case 'T': o.wait_ns = strtoull(optarg, NULL, 10) * 1000000; break;
		case 'p':
			if (k.npids == MAX_PIDS)
				usage();
			k.pid[k.npids++] = atoi(optarg);
			break;
		default: usage();
		}
	}
	if (!where)
		usage();
	k.seen = calloc(k.nstreams / 8 + 1, 1);
	if (!k.seen)
		die("calloc");
	sink_open(&k, where);
	sink_run(&k, &o);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sink"))
		return cmd_sink(argc - 1, argv + 1);
	usage();
	return 2;
}
