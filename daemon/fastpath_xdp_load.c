// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP program's life: its maps pinned per network namespace under
 * SIPFP_XDP_PIN_DIR (an earlier sipfpd's are reused, so its flows go on
 * forwarding while we start), the program attached to the configured
 * devices, the devmap and VLAN maps filled from rtnetlink, and at exit
 * either everything left for the next sipfpd (fp_leave()) or detached
 * and unpinned.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "sipfp_xdp.skel.h"

#include "fastpath_xdp.h"
#include "log.h"

#define BPFFS "/sys/fs/bpf"
#define MIN_FLOWS 1024

/* libbpf's own chatter is for debugging; we say what failed ourselves. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	char buf[512];
	size_t n;

	if (level == LIBBPF_DEBUG)
		return 0;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	log_debug("xdp: libbpf: %s", buf);
	return 0;
}

/* --- the pin directory --- */

static int bpffs_ready(void)
{
	struct statfs st;

	if (!statfs(BPFFS, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700")) {
		log_warn("xdp: mounting bpffs at %s", BPFFS);
		return -errno;
	}
	log_info("xdp: mounted bpffs at %s", BPFFS);
	return 0;
}

/*
 * The user sipfpd drops to owns its pin directories: at exit it unpins
 * as that user, and unlinking needs write access to the directory.
 */
static const char *pin_owner;

static void own(const char *dir)
{
	struct passwd *pw;

	if (!pin_owner || !*pin_owner || geteuid())
		return;
	pw = getpwnam(pin_owner);
	if (pw && chown(dir, pw->pw_uid, pw->pw_gid))
		log_warn("xdp: chown %s to %s", dir, pin_owner);
}

static int pin_dir(void)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st)) {
		log_warn("xdp: /proc/self/ns/net");
		return -errno;
	}
	if (mkdir(SIPFP_XDP_PIN_DIR, 0700) && errno != EEXIST)
		goto fail;
	snprintf(xdp.pin_dir, sizeof(xdp.pin_dir), "%s/%lu", SIPFP_XDP_PIN_DIR,
		 (unsigned long)st.st_ino);
	if (mkdir(xdp.pin_dir, 0700) && errno != EEXIST)
		goto fail;
	own(SIPFP_XDP_PIN_DIR);
	own(xdp.pin_dir);
	return 0;
fail:
	log_warn("xdp: creating the pin directory under %s", SIPFP_XDP_PIN_DIR);
	return -errno;
}

static void pin_path(char *buf, size_t len, const char *map)
{
	snprintf(buf, len, "%s/%s", xdp.pin_dir, map);
}

/* Removes every pin of ours, and the directory once empty. */
static void unpin_all(void)
{
	DIR *d = opendir(xdp.pin_dir);
	struct dirent *de;
	char path[384];

	while (d && (de = readdir(d)))
		if (!strncmp(de->d_name, "sipfp_", 6)) {
			snprintf(path, sizeof(path), "%s/%s", xdp.pin_dir,
				 de->d_name);
			if (unlink(path) && errno != ENOENT)
				log_warn("xdp: unpinning %s", path);
		}
	if (d)
		closedir(d);
	rmdir(xdp.pin_dir);
	rmdir(SIPFP_XDP_PIN_DIR);
}

/* --- the program and its maps --- */

/*
 * An earlier sipfpd's maps, by name: from their pins, or through its
 * program when no pin is seen (a pin lives in a mount namespace, and
 * `ip netns exec` makes a new one each time).  We reuse them ourselves:
 * libbpf 1.1's own check of a pinned map refuses a devmap, whose
 * flags the kernel changes (BPF_F_RDONLY_PROG).
 */
struct prev_maps {
	char name[16];
	int fd;
	bool pinned;
};

#define PREV_MAX 16

static int map_info(int fd, struct bpf_map_info *info)
{
	uint32_t len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return bpf_obj_get_info_by_fd(fd, info, &len);
}

static int pinned_maps(struct prev_maps *pm)
{
	struct bpf_map *m;
	char path[128];
	int n = 0, fd;

	bpf_object__for_each_map(m, xdp.skel->obj) {
		pin_path(path, sizeof(path), bpf_map__name(m));
		fd = bpf_obj_get(path);
		if (fd < 0 || n == PREV_MAX) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		snprintf(pm[n].name, sizeof(pm[n].name), "%s",
			 bpf_map__name(m));
		pm[n].pinned = true;
		pm[n++].fd = fd;
	}
	return n;
}

static int prog_maps(uint32_t prog_id, struct prev_maps *pm)
{
	uint32_t ids[PREV_MAX], len = sizeof(struct bpf_prog_info), n = 0;
	struct bpf_prog_info info = { .nr_map_ids = PREV_MAX,
				      .map_ids = (uintptr_t)ids };
	struct bpf_map_info mi;
	int fd = bpf_prog_get_fd_by_id(prog_id);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		info.nr_map_ids = 0;
	if (fd >= 0)
		close(fd);
	for (uint32_t i = 0; i < info.nr_map_ids && i < PREV_MAX; i++) {
		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		if (map_info(fd, &mi)) {
			close(fd);
			continue;
		}
		memcpy(pm[n].name, mi.name, sizeof(pm[n].name));
		pm[n].pinned = false;
		pm[n++].fd = fd;
	}
	return n;
}

static const struct prev_maps *prev_find(const struct prev_maps *pm, int n,
					 const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(pm[i].name, name))
			return &pm[i];
	return NULL;
}

/* A flow per relay port per address; an earlier sipfpd's size stands. */
static uint32_t max_flows(const struct config *cfg, const struct prev_maps *pm,
			  int npm)
{
	const struct prev_maps *p = prev_find(pm, npm, "sipfp_flows");
	struct bpf_map_info mi;
	uint32_t n;

	if (p && !map_info(p->fd, &mi) && mi.max_entries)
		return mi.max_entries;
	n = (uint32_t)(cfg->port_max - cfg->port_min + 1) *
	    (cfg->nmedia_ifs > 2 ? cfg->nmedia_ifs : 2);
	if (n > SIPFP_XDP_MAX_FLOWS)
		n = SIPFP_XDP_MAX_FLOWS;
	return n < MIN_FLOWS ? MIN_FLOWS : n;
}

/* @m takes @p's map if its layout is the one this program was built for. */
static int reuse(struct bpf_map *m, const struct prev_maps *p)
{
	struct bpf_map_info mi;

	if (map_info(p->fd, &mi))
		return -errno;
	if (mi.type != bpf_map__type(m) ||
	    mi.key_size != bpf_map__key_size(m) ||
	    mi.value_size != bpf_map__value_size(m))
		return -EINVAL;
	return bpf_map__reuse_fd(m, p->fd);
}

/* Maps with no pin yet are pinned by libbpf once loaded. */
static int prepare(const struct prev_maps *pm, int npm)
{
	const struct prev_maps *p;
	struct bpf_map *m;
	char path[128];
	int ret = 0;

	bpf_object__for_each_map(m, xdp.skel->obj) {
		p = prev_find(pm, npm, bpf_map__name(m));
		if (p)
			ret = reuse(m, p);
		if (!ret && !(p && p->pinned)) {
			pin_path(path, sizeof(path), bpf_map__name(m));
			ret = bpf_map__set_pin_path(m, path);
		}
		if (ret)
			return ret;
	}
	return 0;
}

static void skel_free(void)
{
	sipfp_xdp__destroy(xdp.skel);
	xdp.skel = NULL;
}

static int try_load(const struct config *cfg, const struct xdp_links *ls)
{
	struct prev_maps pm[PREV_MAX];
	uint32_t prog = 0;
	int npm, ret;

	xdp.skel = sipfp_xdp__open();
	if (!xdp.skel)
		return -errno;
	npm = ls ? pinned_maps(pm) : 0;
	xdp.fresh = !npm;
	if (!npm && ls)
		prog = xdp_prev_prog(ls);
	if (prog)
		npm = prog_maps(prog, pm);
	xdp.max_flows = max_flows(cfg, pm, npm);
	ret = bpf_map__set_max_entries(xdp.skel->maps.sipfp_flows,
				       xdp.max_flows);
	if (!ret)
		ret = bpf_map__set_max_entries(xdp.skel->maps.sipfp_stats,
					       xdp.max_flows);
	if (!ret)
		ret = prepare(pm, npm);
	if (!ret)
		ret = sipfp_xdp__load(xdp.skel);
	for (int i = 0; i < npm; i++)
		close(pm[i].fd);
	if (!ret && prog)
		log_info("xdp: reusing the maps of the program an earlier "
			 "sipfpd left attached");
	return ret;
}

/*
 * Maps that do not fit this program (another version's layout) are
 * dropped and the load tried once more: without the flows they held.
 */
static int load(const struct config *cfg, const struct xdp_links *ls)
{
	int ret = try_load(cfg, ls);

	if (ret) {
		log_warnx("xdp: the maps an earlier sipfpd left do not fit "
			  "this program (%s); starting afresh, without their "
			  "flows",
			  strerror(-ret));
		skel_free();
		unpin_all();
		ret = pin_dir();
		if (!ret)
			ret = try_load(cfg, NULL);
	}
	if (ret)
		log_warnx("xdp: loading sipfp_xdp: %s", strerror(-ret));
	return ret;
}

static void map_fds(void)
{
	struct sipfp_xdp *s = xdp.skel;

	xdp.prog_fd = bpf_program__fd(s->progs.sipfp_xdp);
	xdp.flows_fd = bpf_map__fd(s->maps.sipfp_flows);
	xdp.stats_fd = bpf_map__fd(s->maps.sipfp_stats);
	xdp.tx_fd = bpf_map__fd(s->maps.sipfp_tx);
	xdp.vlans_fd = bpf_map__fd(s->maps.sipfp_vlans);
	xdp.vlan_dev_fd = bpf_map__fd(s->maps.sipfp_vlan_dev);
	xdp.ctl_fd = bpf_map__fd(s->maps.sipfp_ctl);
}

/* bpf_ktime_get_ns() is CLOCK_MONOTONIC. */
void xdp_heartbeat(void)
{
	struct sipfp_xdp_ctl ctl;
	struct timespec ts;
	uint32_t zero = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ctl.alive_until_ns = (uint64_t)ts.tv_sec * 1000000000ULL +
			     (uint64_t)ts.tv_nsec + xdp.alive_ms * 1000000ULL;
	ctl.flags = xdp.vlans ? SIPFP_XDP_CTL_VLANS : 0;
	ctl.pad = 0;
	if (bpf_map_update_elem(xdp.ctl_fd, &zero, &ctl, BPF_ANY))
		log_warnx_rl("xdp: heartbeat: %s", strerror(errno));
}

/*
 * Before sipfp_vlan_dev gets an entry the program must know to look
 * there; the heartbeat's reach stays what it was (a start that fails
 * must not extend an earlier program's life).
 */
int xdp_ctl_vlans(void)
{
	struct sipfp_xdp_ctl ctl;
	uint32_t zero = 0;

	xdp.vlans = true;
	if (bpf_map_lookup_elem(xdp.ctl_fd, &zero, &ctl))
		return -errno;
	ctl.flags |= SIPFP_XDP_CTL_VLANS;
	if (bpf_map_update_elem(xdp.ctl_fd, &zero, &ctl, BPF_ANY))
		return -errno;
	return 0;
}

int xdp_load(const struct config *cfg)
{
	struct xdp_links ls = { 0 };
	int ret;

	libbpf_set_print(libbpf_log);
	pin_owner = cfg->user;
	ret = xdp_links_dump(&ls);
	if (!ret)
		ret = bpffs_ready();
	if (!ret)
		ret = pin_dir();
	if (!ret)
		ret = load(cfg, &ls);
	if (ret)
		goto fail;
	map_fds();
	ret = xdp_attach_all(cfg, &ls);
	if (ret)
		goto fail;
	/*
	 * Not before: a start that fails must not extend the life of the
	 * program an earlier sipfpd left on a device we do not take.
	 */
	xdp_heartbeat();
	free(ls.v);
	return 0;
fail:
	xdp_detach_all();
	skel_free();
	if (xdp.fresh)
		unpin_all();
	free(ls.v);
	return ret;
}

void xdp_unload(bool keep)
{
	if (!keep) {
		xdp_detach_all();
		unpin_all();
	}
	skel_free();
	xdp.ndevs = 0;
}
