// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP backend: the maps sipfpd pinned for its XDP fast path
 * (daemon/bpf/sipfp_xdp.h), read only, so flows and counters can be
 * seen with the daemon stopped or stuck.  The flows map is the daemon's
 * to write: a flow changed behind its back would be undone or, worse,
 * kept while the daemon's sockets and ports say otherwise.
 *
 * Per-flow counters are per CPU and summed here.  The RTP figures are
 * those of one CPU's view, the one that saw the most packets of the
 * SSRC that came last: exact when one CPU sees the flow (one receive
 * queue, the usual case for one 5-tuple).  sipfpd merges the views and
 * its lower path's more finely ("sipctl calls").
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/sipfp_xdp.h"
#include "internal.h"

#define NS_PER_MS 1000000ULL

static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

/* A map's 16-byte address (IPv4-mapped for IPv4) and port. */
static void addr_from16(union sipctl_addr *a, const uint8_t *ip,
			uint16_t port_be)
{
	memset(a, 0, sizeof(*a));
	if (!memcmp(ip, v4mapped, sizeof(v4mapped))) {
		a->sin.sin_family = AF_INET;
		memcpy(&a->sin.sin_addr, ip + 12, 4);
		a->sin.sin_port = port_be;
		return;
	}
	a->sin6.sin6_family = AF_INET6;
	memcpy(&a->sin6.sin6_addr, ip, 16);
	a->sin6.sin6_port = port_be;
}

static int key_of(const union sipctl_addr *a, struct sipfp_xdp_key *k)
{
	memset(k, 0, sizeof(*k));
	if (a->sa.sa_family == AF_INET) {
		memcpy(k->addr, v4mapped, sizeof(v4mapped));
		memcpy(k->addr + 12, &a->sin.sin_addr, 4);
		k->port = a->sin.sin_port;
		return 0;
	}
	if (a->sa.sa_family != AF_INET6)
		return -EINVAL;
	memcpy(k->addr, &a->sin6.sin6_addr, 16);
	k->port = a->sin6.sin6_port;
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* The flow's rules, as the model has them. */
static void flow_rules(const struct sipfp_xdp_key *k,
		       const struct sipfp_xdp_flow *v, struct sipctl_flow *f)
{
	static const uint8_t modes[] = {
		[SIPFP_XDP_SRC_ANY] = SIPCTL_SRC_ANY,
		[SIPFP_XDP_SRC_FIXED] = SIPCTL_SRC_FIXED,
		[SIPFP_XDP_SRC_LATCH] = SIPCTL_SRC_LATCH,
	};

	memset(f, 0, sizeof(*f));
	f->has = SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |
		 SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_FLAGS |
		 SIPCTL_FLOW_HAS_DSCP | SIPCTL_FLOW_HAS_CLOCK_RATE;
	f->cookie = v->cookie;
	addr_from16(&f->local, k->addr, k->port);
	addr_from16(&f->out, v->out_addr, v->out_port);
	if (!(v->flags & SIPFP_XDP_F_NO_PEER)) {
		addr_from16(&f->peer, v->peer_addr, v->peer_port);
		f->has |= SIPCTL_FLOW_HAS_PEER;
	}
	if (v->src_mode < sizeof(modes)) {
		f->src_mode = modes[v->src_mode];
		f->has |= SIPCTL_FLOW_HAS_SRC_MODE;
	}
	if (v->src_mode != SIPFP_XDP_SRC_ANY) {
		addr_from16(&f->src, v->src_addr, v->src_port);
		f->has |= SIPCTL_FLOW_HAS_SRC;
	}
	f->dscp = v->dscp;
	f->flags = v->flags & SIPFP_XDP_F_RTP ? SIPCTL_F_RTP : 0;
	f->clock_rate = v->clock_rate ? v->clock_rate : 8000;
}

/* The CPU whose RTP view is taken (see the top), or -1. */
static int rtp_view(const struct sipfp_xdp_stats *p, int ncpus)
{
	int last = -1, best = -1;

	for (int i = 0; i < ncpus; i++)
		if (p[i].rtp_seen && (last < 0 || p[i].last_ns > p[last].last_ns))
			last = i;
	for (int i = 0; last >= 0 && i < ncpus; i++)
		if (p[i].rtp_seen && p[i].ssrc == p[last].ssrc &&
		    (best < 0 || p[i].received > p[best].received))
			best = i;
	return best;
}

static void flow_counters(const struct sipfp_xdp_stats *p, int ncpus,
			  struct sipctl_flow *f)
{
	struct sipctl_counters *c = &f->counters;
	uint64_t last = 0, now;
	int r = rtp_view(p, ncpus);

	for (int i = 0; i < ncpus; i++) {
		c->packets += p[i].packets;
		c->bytes += p[i].bytes;
		c->drop_source += p[i].drop_source;
		if (p[i].last_ns > last)
			last = p[i].last_ns;
	}
	f->has |= SIPCTL_FLOW_HAS_COUNTERS;
	now = now_ns();
	if (last) {
		c->idle_ms = now > last ? (now - last) / NS_PER_MS : 0;
		f->has |= SIPCTL_FLOW_HAS_LAST;
	}
	if (r < 0)
		return;
	c->ssrc = p[r].ssrc;
	c->ext_max_seq = p[r].cycles | (p[r].max_seq & 0xffff);
	c->expected = (uint64_t)c->ext_max_seq - p[r].base_seq + 1;
	c->lost = (int64_t)c->expected - p[r].received;
	c->jitter = p[r].jitter >> 4;
	f->has |= SIPCTL_FLOW_HAS_RTP;
}

/* The flow at @k with its counters: 0, or -ENOENT when it went. */
static int read_flow(struct sipctl *h, const struct sipfp_xdp_key *k,
		     struct sipctl_flow *f, struct sipfp_xdp_stats *pcpu)
{
	struct sipfp_xdp_flow v;

	if (bpf_map_lookup_elem(h->x.flows_fd, k, &v))
		return -errno;
	flow_rules(k, &v, f);
	memset(pcpu, 0, sizeof(*pcpu) * h->x.ncpus);
	if (!bpf_map_lookup_elem(h->x.stats_fd, &v.slot, pcpu))
		flow_counters(pcpu, h->x.ncpus, f);
	return 0;
}

static struct sipfp_xdp_stats *pcpu_new(struct sipctl *h)
{
	return calloc(h->x.ncpus, sizeof(struct sipfp_xdp_stats));
}

static int x_flow_get(struct sipctl *h, const union sipctl_addr *local,
		      struct sipctl_flow *f)
{
	struct sipfp_xdp_stats *pcpu;
	struct sipfp_xdp_key k;
	int ret;

	if (key_of(local, &k))
		return -EINVAL;
	pcpu = pcpu_new(h);
	if (!pcpu)
		return -ENOMEM;
	ret = read_flow(h, &k, f, pcpu);
	free(pcpu);
	return ret;
}

/*
 * Walks the keys; a key removed between reading it and its value is
 * skipped (-EINTR at the end), one removed while it was the cursor
 * restarts the walk from the top, which the kernel does by itself.
 */
static int x_flow_dump(struct sipctl *h, sipctl_flow_cb cb, void *arg)
{
	struct sipfp_xdp_key k, next, *prev = NULL;
	struct sipfp_xdp_stats *pcpu = pcpu_new(h);
	struct sipctl_flow f;
	bool intr = false;
	int ret = 0;

	if (!pcpu)
		return -ENOMEM;
	h->busy = true;
	while (!ret && !bpf_map_get_next_key(h->x.flows_fd, prev, &next)) {
		k = next;
		prev = &k;
		if (read_flow(h, &k, &f, pcpu)) {
			intr = true;
			continue;
		}
		ret = cb(&f, arg);
	}
	h->busy = false;
	free(pcpu);
	return ret ? ret : intr ? -EINTR : 0;
}

static uint32_t count_flows(struct sipctl *h)
{
	struct sipfp_xdp_key k, next, *prev = NULL;
	uint32_t n = 0;

	while (!bpf_map_get_next_key(h->x.flows_fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* What the program did with every UDP packet, summed over the CPUs. */
static int xstats(struct sipctl *h, uint64_t sum[SIPFP_XDP_X_MAX])
{
	uint64_t *v = calloc(h->x.ncpus, sizeof(*v));

	if (!v)
		return -ENOMEM;
	memset(sum, 0, sizeof(uint64_t) * SIPFP_XDP_X_MAX);
	for (uint32_t i = 0; i < SIPFP_XDP_X_MAX; i++) {
		if (bpf_map_lookup_elem(h->x.xstats_fd, &i, v))
			continue;
		for (int c = 0; c < h->x.ncpus; c++)
			sum[i] += v[c];
	}
	free(v);
	return 0;
}

static int x_stats_get(struct sipctl *h, struct sipctl_stats *st)
{
	uint64_t x[SIPFP_XDP_X_MAX];
	int ret;

	memset(st, 0, sizeof(*st));
	st->flows = count_flows(h);
	st->max_flows = h->x.max_flows;
	st->has = SIPCTL_STATS_HAS_FLOWS | SIPCTL_STATS_HAS_MAX_FLOWS;
	if (h->x.xstats_fd < 0)
		return 0;
	ret = xstats(h, x);
	if (ret)
		return ret;
	st->packets = x[SIPFP_XDP_X_FWD_TX] + x[SIPFP_XDP_X_FWD_REDIRECT];
	st->drop_source = x[SIPFP_XDP_X_DROP_SOURCE];
	/* packets to a flow the program left to the stack */
	for (int i = SIPFP_XDP_X_PASS_LATCH; i < SIPFP_XDP_X_MAX; i++)
		st->passed += x[i];
	st->has |= SIPCTL_STATS_HAS_PACKETS | SIPCTL_STATS_HAS_DROP_SOURCE |
		   SIPCTL_STATS_HAS_PASSED;
	return 0;
}

static int x_refuse(struct sipctl *h)
{
	return sctl_fail(h, -EOPNOTSUPP,
			 "the XDP maps are sipfpd's to change: it owns the "
			 "XDP fast path (manual flows go to the kernel "
			 "module, sipfp.ko)");
}

static int x_flow_change(struct sipctl *h, const struct sipctl_flow *f)
{
	return x_refuse(h);
}

static int x_flow_batch(struct sipctl *h, const struct sipctl_flow *f,
			size_t n, int *errs)
{
	return x_refuse(h);
}

static int x_flush(struct sipctl *h, uint64_t cookie, uint64_t mask)
{
	return x_refuse(h);
}

static int x_event_fd(struct sipctl *h)
{
	return sctl_fail(h, -EOPNOTSUPP,
			 "the XDP maps carry no events: sipfpd's control "
			 "socket has them");
}

static void x_close(struct sipctl *h)
{
	if (h->x.flows_fd >= 0)
		close(h->x.flows_fd);
	if (h->x.stats_fd >= 0)
		close(h->x.stats_fd);
	if (h->x.xstats_fd >= 0)
		close(h->x.xstats_fd);
}

/* Opens a pinned map and checks it has the layout of sipfp_xdp.h. */
static int pin_open(const char *dir, const char *name, uint32_t key,
		    uint32_t value, uint32_t *max)
{
	struct bpf_map_info info = { 0 };
	uint32_t len = sizeof(info);
	char path[PATH_MAX];
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = bpf_obj_get(path);
	if (fd < 0)
		return sctl_open_fail(-errno, "%s: %s", path, strerror(errno));
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = -errno;
		close(fd);
		return sctl_open_fail(err, "%s: %s", path, strerror(-err));
	}
	if (info.key_size != key || info.value_size != value) {
		close(fd);
		return sctl_open_fail(-EPROTO,
				      "%s: key of %u bytes and value of %u, "
				      "not %u and %u: another sipfpd's layout",
				      path, info.key_size, info.value_size,
				      key, value);
	}
	if (max)
		*max = info.max_entries;
	return fd;
}

static int pin_dir(char *dir, size_t size)
{
	const char *env = secure_getenv("SIPCTL_XDP_PIN_DIR");
	struct stat st;

	if (env && *env) {
		snprintf(dir, size, "%s", env);
		return 0;
	}
	if (stat("/proc/self/ns/net", &st))
		return sctl_open_fail(-errno, "/proc/self/ns/net: %s",
				      strerror(errno));
	snprintf(dir, size, "%s/%lu", SIPFP_XDP_PIN_DIR,
		 (unsigned long)st.st_ino);
	return 0;
}

static int open_maps(struct sipctl *h, const char *dir)
{
	int fd;

	fd = pin_open(dir, "sipfp_flows", sizeof(struct sipfp_xdp_key),
		      sizeof(struct sipfp_xdp_flow), &h->x.max_flows);
	if (fd < 0)
		return fd;
	h->x.flows_fd = fd;
	fd = pin_open(dir, "sipfp_stats", sizeof(uint32_t),
		      sizeof(struct sipfp_xdp_stats), NULL);
	if (fd < 0)
		return fd;
	h->x.stats_fd = fd;
	/* the program's own counters: only sipctl_stats_get() misses them */
	fd = pin_open(dir, "sipfp_xstats", sizeof(uint32_t), sizeof(uint64_t),
		      NULL);
	h->x.xstats_fd = fd < 0 ? -1 : fd;
	return 0;
}

int sipctl_open_xdp(struct sipctl **hp)
{
	char dir[PATH_MAX - 32];
	struct sipctl *h;
	int ret;

	*hp = NULL;
	ret = pin_dir(dir, sizeof(dir));
	if (ret)
		return ret;
	h = calloc(1, sizeof(*h));
	if (!h)
		return sctl_open_fail(-ENOMEM, "%s", strerror(ENOMEM));
	h->ops = &sctl_xdp_ops;
	h->x.flows_fd = h->x.stats_fd = h->x.xstats_fd = -1;
	h->x.ncpus = libbpf_num_possible_cpus();
	ret = h->x.ncpus > 0 ? open_maps(h, dir) :
			       sctl_open_fail(-EIO, "cannot count the CPUs");
	if (ret == -ENOENT)
		sctl_open_fail(ret,
			       "%s: no XDP maps pinned: sipfpd runs no XDP "
			       "fast path in this network namespace",
			       dir);
	if (ret) {
		x_close(h);
		free(h);
		return ret;
	}
	*hp = h;
	return 0;
}

int sipctl_open_auto(struct sipctl **hp)
{
	int ret = sipctl_open_kernel(hp);

	if (ret != -ENOENT)
		return ret;
	ret = sipctl_open_xdp(hp);
	if (ret == -ENOENT)
		sctl_open_fail(ret,
			       "no fast path to read here: sipfp.ko is not "
			       "loaded (modprobe sipfp) and no XDP maps are "
			       "pinned for this network namespace");
	return ret;
}

const struct sctl_ops sctl_xdp_ops = {
	.name = "xdp",
	.flow_add = x_flow_change,
	.flow_add_batch = x_flow_batch,
	.flow_set = x_flow_change,
	.flow_del = x_flow_change,
	.flow_get = x_flow_get,
	.flow_dump = x_flow_dump,
	.flush = x_flush,
	.stats_get = x_stats_get,
	.event_fd = x_event_fd,
	.close = x_close,
};
