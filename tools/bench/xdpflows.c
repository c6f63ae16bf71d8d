// SPDX-License-Identifier: GPL-2.0
/*
 * xdpflows: sipfp_xdp as bench_xdp.sh runs it, without sipfpd.
 *
 *   xdpflows load -o OBJ -i IFACE -t IFACE[,IFACE...] -f STREAMS -s SRC
 *                 -O OUT_ADDR -P PEER_ADDR:PORT
 *   xdpflows stats -i IFACE
 *
 * load: a fresh sipfp_xdp from OBJ (build/daemon/bpf/sipfp_xdp.bpf.o),
 * its maps filled as sipfpd fills them for a call's RTP once the source
 * has latched: a flow per line of STREAMS ("SRC_PORT DST_ADDR DST_PORT",
 * rtpblast's and xdpgen's format) keyed by (DST_ADDR, DST_PORT), FIXED to
 * SRC:SRC_PORT, sent on from OUT_ADDR:DST_PORT to PEER_ADDR:PORT, DSCP
 * EF, RTP statistics on; all in one batch.  The -t interfaces go into
 * sipfp_tx, the heartbeat an hour ahead; then the program replaces
 * whatever IFACE ran (native mode).  Nothing is pinned: the attachment
 * holds the program and its maps, and the namespace's end frees them.
 *
 * stats: the program attached to IFACE, found by its id, and its maps by
 * name: every xstat and the flows' counters, summed over the CPUs.
 *
 * key=value lines on stdout; errors on stderr, exit 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/sipfp_xdp.h"

#define DSCP_EF 46
#define ALIVE_NS (3600 * 1000000000ull)
#define MAX_TX 8

struct opts {
	const char *obj, *iface, *tx, *streams;
	struct in_addr src, out, peer;
	uint16_t peer_port; /* net */
};

struct flows {
	struct sipfp_xdp_key *key;
	struct sipfp_xdp_flow *val;
	uint32_t n, cap;
};

static const char *const xstat_names[SIPFP_XDP_X_MAX] = {
	[SIPFP_XDP_X_FWD_TX] = "fwd_tx",
	[SIPFP_XDP_X_FWD_REDIRECT] = "fwd_redirect",
	[SIPFP_XDP_X_DROP_SOURCE] = "drop_source",
	[SIPFP_XDP_X_PASS_NO_FLOW] = "pass_no_flow",
	[SIPFP_XDP_X_PASS_LATCH] = "pass_latch",
	[SIPFP_XDP_X_PASS_NO_PEER] = "pass_no_peer",
	[SIPFP_XDP_X_PASS_FRAGMENT] = "pass_fragment",
	[SIPFP_XDP_X_PASS_OPTIONS] = "pass_options",
	[SIPFP_XDP_X_PASS_MALFORMED] = "pass_malformed",
	[SIPFP_XDP_X_PASS_TTL] = "pass_ttl",
	[SIPFP_XDP_X_PASS_FAMILY] = "pass_family",
	[SIPFP_XDP_X_PASS_NO_NEIGH] = "pass_no_neigh",
	[SIPFP_XDP_X_PASS_NO_ROUTE] = "pass_no_route",
	[SIPFP_XDP_X_PASS_NO_TX] = "pass_no_tx",
	[SIPFP_XDP_X_PASS_DORMANT] = "pass_dormant",
};

static void usage(void)
{
	fprintf(stderr,
		"usage: xdpflows load -o OBJ -i IFACE -t IFACE[,IFACE...] -f STREAMS\n"
		"                     -s SRC -O OUT_ADDR -P PEER_ADDR:PORT\n"
		"       xdpflows stats -i IFACE\n");
	exit(2);
}

static void fail(const char *what, int err)
{
	fprintf(stderr, "xdpflows: %s: %s\n", what,
		strerror(err < 0 ? -err : err));
	exit(1);
}

static int ifindex_of(const char *name)
{
	int i = if_nametoindex(name);

	if (!i)
		fail(name, errno);
	return i;
}

/* ::ffff:a.b.c.d, as the maps keep IPv4 */
static void mapped(uint8_t *a, struct in_addr v4)
{
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
	memcpy(a + 12, &v4, 4);
}

static void flow_make(struct flows *fs, const struct opts *o,
		      struct in_addr dst, uint16_t sport, uint16_t dport)
{
	struct sipfp_xdp_key *k = &fs->key[fs->n];
	struct sipfp_xdp_flow *f = &fs->val[fs->n];

	memset(k, 0, sizeof(*k));
	memset(f, 0, sizeof(*f));
	mapped(k->addr, dst);
	k->port = htons(dport);
	f->cookie = fs->n + 1;
	mapped(f->src_addr, o->src);
	mapped(f->out_addr, o->out);
	mapped(f->peer_addr, o->peer);
	f->src_port = htons(sport);
	f->out_port = htons(dport);
	f->peer_port = o->peer_port;
	f->src_mode = SIPFP_XDP_SRC_FIXED;
	f->dscp = DSCP_EF;
	f->flags = SIPFP_XDP_F_RTP;
	f->slot = fs->n;
	f->clock_rate = 8000;
	fs->n++;
}

static void flows_grow(struct flows *fs)
{
	fs->cap = fs->cap ? fs->cap * 2 : 1024;
	fs->key = realloc(fs->key, fs->cap * sizeof(*fs->key));
	fs->val = realloc(fs->val, fs->cap * sizeof(*fs->val));
	if (!fs->key || !fs->val)
		fail("flows", ENOMEM);
}

static void flows_load(struct flows *fs, const struct opts *o)
{
	FILE *f = fopen(o->streams, "r");
	unsigned int sport, dport;
	struct in_addr dst;
	char line[256], addr[64];

	if (!f)
		fail(o->streams, errno);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%u %63s %u", &sport, addr, &dport) != 3 ||
		    sport > 65535 || !dport || dport > 65535 ||
		    inet_pton(AF_INET, addr, &dst) != 1) {
			fprintf(stderr, "xdpflows: %s: bad line %u: %s",
				o->streams, fs->n + 1, line);
			exit(1);
		}
		if (fs->n == fs->cap)
			flows_grow(fs);
		flow_make(fs, o, dst, sport, dport);
	}
	fclose(f);
	if (!fs->n) {
		fprintf(stderr, "xdpflows: %s: no streams\n", o->streams);
		exit(1);
	}
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	if (!m) {
		fprintf(stderr, "xdpflows: no map %s in the object\n", name);
		exit(1);
	}
	return bpf_map__fd(m);
}

static void tx_fill(struct bpf_object *obj, const char *list)
{
	char buf[256], *save = NULL, *name;
	int fd = map_fd(obj, "sipfp_tx");
	uint32_t i;

	snprintf(buf, sizeof(buf), "%s", list);
	for (name = strtok_r(buf, ",", &save); name;
	     name = strtok_r(NULL, ",", &save)) {
		i = ifindex_of(name);
		if (bpf_map_update_elem(fd, &i, &i, BPF_ANY))
			fail("sipfp_tx", errno);
	}
}

static void heartbeat(struct bpf_object *obj)
{
	struct sipfp_xdp_ctl c = { 0 }; /* no VLAN devices */
	struct timespec t;
	uint32_t zero = 0;

	clock_gettime(CLOCK_MONOTONIC, &t);
	c.alive_until_ns = t.tv_sec * 1000000000ull + t.tv_nsec + ALIVE_NS;
	if (bpf_map_update_elem(map_fd(obj, "sipfp_ctl"), &zero, &c, BPF_ANY))
		fail("sipfp_ctl", errno);
}

static int cmd_load(const struct opts *o)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	struct flows fs = { 0 };
	struct bpf_object *obj;
	struct bpf_program *prog;
	uint32_t count;
	int err;

	if (!o->obj || !o->iface || !o->tx || !o->streams || !o->peer_port)
		usage();
	flows_load(&fs, o);
	obj = bpf_object__open_file(o->obj, NULL);
	if (!obj)
		fail(o->obj, errno);
	prog = bpf_object__find_program_by_name(obj, "sipfp_xdp");
	if (!prog)
		fail("program sipfp_xdp", ENOENT);
	err = bpf_object__load(obj);
	if (err)
		fail(o->obj, err);
	count = fs.n;
	err = bpf_map_update_batch(map_fd(obj, "sipfp_flows"), fs.key, fs.val,
				   &count, &bo);
	if (err)
		fail("sipfp_flows: batch update", err);
	tx_fill(obj, o->tx);
	heartbeat(obj);
	err = bpf_xdp_attach(ifindex_of(o->iface), bpf_program__fd(prog),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fail("native XDP attach", err);
	printf("flows=%u\n", fs.n);
	return 0;
}

/* --- stats --- */

/* The map of the program @prog_fd named @name, opened; -1 if none. */
static int prog_map(int prog_fd, const char *name)
{
	uint32_t ids[16], len;
	struct bpf_prog_info pi = { 0 };
	struct bpf_map_info mi;
	int fd;

	len = sizeof(pi);
	pi.nr_map_ids = 16;
	pi.map_ids = (uintptr_t)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &pi, &len))
		fail("program info", errno);
	for (uint32_t i = 0; i < pi.nr_map_ids && i < 16; i++) {
		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		len = sizeof(mi);
		if (!bpf_obj_get_info_by_fd(fd, &mi, &len) &&
		    !strcmp(mi.name, name))
			return fd;
		close(fd);
	}
	fprintf(stderr, "xdpflows: the program has no map %s\n", name);
	exit(1);
}

static void xstats_print(int fd, int ncpu)
{
	uint64_t v[ncpu], sum;

	for (uint32_t i = 0; i < SIPFP_XDP_X_MAX; i++) {
		if (bpf_map_lookup_elem(fd, &i, v))
			fail("sipfp_xstats", errno);
		sum = 0;
		for (int c = 0; c < ncpu; c++)
			sum += v[c];
		printf("xstat_%s=%llu\n", xstat_names[i],
		       (unsigned long long)sum);
	}
}

/* The flows' counters; every slot, as this tool does not know which. */
static void flow_stats_print(int fd, int ncpu)
{
	struct bpf_map_info mi = { 0 };
	uint32_t len = sizeof(mi);
	struct sipfp_xdp_stats *s = calloc(ncpu, sizeof(*s));
	uint64_t pk = 0, by = 0, ds = 0, ps = 0;

	if (!s || bpf_obj_get_info_by_fd(fd, &mi, &len))
		fail("sipfp_stats", errno ? errno : ENOMEM);
	for (uint32_t i = 0; i < mi.max_entries; i++) {
		if (bpf_map_lookup_elem(fd, &i, s))
			fail("sipfp_stats", errno);
		for (int c = 0; c < ncpu; c++) {
			pk += s[c].packets;
			by += s[c].bytes;
			ds += s[c].drop_source;
			ps += s[c].passed;
		}
	}
	printf("flow_packets=%llu\nflow_bytes=%llu\nflow_drop_source=%llu\n"
	       "flow_passed=%llu\n", (unsigned long long)pk,
	       (unsigned long long)by, (unsigned long long)ds,
	       (unsigned long long)ps);
	free(s);
}

static int cmd_stats(const struct opts *o)
{
	int ncpu = libbpf_num_possible_cpus(), prog_fd;
	uint32_t id = 0;

	if (!o->iface || ncpu <= 0)
		usage();
	if (bpf_xdp_query_id(ifindex_of(o->iface), XDP_FLAGS_DRV_MODE, &id) ||
	    !id) {
		fprintf(stderr, "xdpflows: no native XDP program on %s\n",
			o->iface);
		exit(1);
	}
	prog_fd = bpf_prog_get_fd_by_id(id);
	if (prog_fd < 0)
		fail("the attached program", errno);
	xstats_print(prog_map(prog_fd, "sipfp_xstats"), ncpu);
	flow_stats_print(prog_map(prog_fd, "sipfp_stats"), ncpu);
	return 0;
}

static void addr_parse(const char *s, struct in_addr *a)
{
	if (inet_pton(AF_INET, s, a) != 1)
		usage();
}

static void peer_parse(struct opts *o, const char *s)
{
	char buf[64], *colon;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strrchr(buf, ':');
	if (!colon)
		usage();
	*colon = 0;
	addr_parse(buf, &o->peer);
	o->peer_port = htons(atoi(colon + 1));
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int c;

	if (argc < 2)
		usage();
	while ((c = getopt(argc - 1, argv + 1, "o:i:t:f:s:O:P:")) != -1) {
		switch (c) {
		case 'o': o.obj = optarg; break;
		case 'i': o.iface = optarg; break;
		case 't': o.tx = optarg; break;
		case 'f': o.streams = optarg; break;
		case 's': addr_parse(optarg, &o.src); break;
		case 'O': addr_parse(optarg, &o.out); break;
		case 'P': peer_parse(&o, optarg); break;
		default: usage();
		}
	}
	if (!strcmp(argv[1], "load"))
		return cmd_load(&o);
	if (!strcmp(argv[1], "stats"))
		return cmd_stats(&o);
	usage();
	return 2;
}
