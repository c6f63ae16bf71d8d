// SPDX-License-Identifier: GPL-2.0
/*
 * The devices the XDP program runs on: listed from rtnetlink (with their
 * VLAN sub-devices), the program attached to the configured ones (native
 * where the driver has it, else generic when allowed), the devmap and the
 * VLAN maps filled to match, and an earlier sipfpd's leftovers (its
 * program on devices no longer configured, its map entries) cleared.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fastpath_xdp.h"
#include "log.h"

#define XDP_MAX_LINKS 1024

/* --- devices, from rtnetlink --- */

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type < 64)
		tb[type] = a;
	return MNL_CB_OK;
}

static void link_vlan(struct xlink *l, const struct nlattr *info)
{
	const struct nlattr *li[64] = { 0 }, *vd[64] = { 0 };

	mnl_attr_parse_nested(info, attr_cb, li);
	if (!li[IFLA_INFO_KIND] ||
	    strcmp(mnl_attr_get_str(li[IFLA_INFO_KIND]), "vlan") ||
	    !li[IFLA_INFO_DATA])
		return;
	mnl_attr_parse_nested(li[IFLA_INFO_DATA], attr_cb, vd);
	if (!vd[IFLA_VLAN_ID])
		return;
	l->vlan = true;
	l->vid = mnl_attr_get_u16(vd[IFLA_VLAN_ID]);
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { 0 };
	struct xdp_links *ls = data;
	struct xlink *l;

	if (ls->n == XDP_MAX_LINKS)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifm), attr_cb, tb);
	l = &ls->v[ls->n++];
	memset(l, 0, sizeof(*l));
	l->ifindex = ifm->ifi_index;
	l->flags = ifm->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s",
			 mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_LINKINFO])
		link_vlan(l, tb[IFLA_LINKINFO]);
	if (l->vlan && tb[IFLA_LINK])
		l->lower = mnl_attr_get_u32(tb[IFLA_LINK]);
	return MNL_CB_OK;
}

static int dump_send(struct mnl_socket *nl, unsigned int seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifm;

	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

int xdp_links_dump(struct xdp_links *ls)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	unsigned int seq = time(NULL);
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	int ret = nl ? mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) : -1;
	ssize_t n;

	ls->n = 0;
	ls->v = calloc(XDP_MAX_LINKS, sizeof(*ls->v));
	ret = ret || !ls->v ? -errno : dump_send(nl, seq);
	while (!ret) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n <= 0) {
			ret = n ? -errno : -EIO;
			break;
		}
		ret = mnl_cb_run(buf, n, seq, mnl_socket_get_portid(nl),
				 link_cb, ls);
		ret = ret < 0 ? -errno : ret == MNL_CB_STOP ? 1 : 0;
	}
	if (nl)
		mnl_socket_close(nl);
	if (ret < 0)
		log_warnx("xdp: listing the network devices: %s",
			  strerror(-ret));
	return ret < 0 ? ret : 0;
}

static const struct xlink *link_by_index(const struct xdp_links *ls,
					 int ifindex)
{
	for (unsigned int i = 0; i < ls->n; i++)
		if (ls->v[i].ifindex == ifindex)
			return &ls->v[i];
	return NULL;
}

static const struct xlink *link_by_name(const struct xdp_links *ls,
					const char *name)
{
	for (unsigned int i = 0; i < ls->n; i++)
		if (!strcmp(ls->v[i].name, name))
			return &ls->v[i];
	return NULL;
}

/* --- attaching --- */

static const char *mode_name(uint32_t mode)
{
	return mode == XDP_FLAGS_DRV_MODE ? "native" : "generic";
}

static bool sysctl_on(const char *fmt, const char *dev)
{
	char path[128];
	FILE *f;
	int v = 0;

	snprintf(path, sizeof(path), fmt, dev);
	f = fopen(path, "r");
	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

/* bpf_fib_lookup() answers only for a device that forwards. */
static bool forwards(const char *dev)
{
	return sysctl_on("/proc/sys/net/ipv4/conf/%s/forwarding", dev) ||
	       sysctl_on("/proc/sys/net/ipv6/conf/%s/forwarding", dev);
}

static int attach_one(const struct xlink *l, uint8_t cfg_mode)
{
	struct xdp_dev *d = &xdp.devs[xdp.ndevs];
	int ret = -EOPNOTSUPP;

	if (cfg_mode != CFG_XDP_GENERIC) {
		d->mode = XDP_FLAGS_DRV_MODE;
		ret = bpf_xdp_attach(l->ifindex, xdp.prog_fd, d->mode, NULL);
	}
	if (ret && cfg_mode != CFG_XDP_NATIVE) {
		d->mode = XDP_FLAGS_SKB_MODE;
		ret = bpf_xdp_attach(l->ifindex, xdp.prog_fd, d->mode, NULL);
	}
	if (ret) {
		log_warnx("xdp: attaching to %s: %s", l->name, strerror(-ret));
		return ret;
	}
	d->ifindex = l->ifindex;
	snprintf(d->name, sizeof(d->name), "%s", l->name);
	xdp.ndevs++;
	log_info("xdp: attached to %s (%s)", l->name, mode_name(d->mode));
	return 0;
}

static void attach_named(const struct config *cfg, const struct xdp_links *ls)
{
	const struct xlink *l;

	for (unsigned int i = 0; i < cfg->nxdp_ifs; i++) {
		l = link_by_name(ls, cfg->xdp_ifs[i]);
		if (!l)
			log_warnx("xdp: xdp_interfaces: no device %s",
				  cfg->xdp_ifs[i]);
		else
			attach_one(l, cfg->xdp_mode);
	}
}

/*
 * Every device up, but loopback and VLANs: their lower carries them.
 * With `auto`, only those that forward: the program would pass every
 * packet of the others up, and attaching can reset a NIC's link for
 * nothing.
 */
static void attach_default(const struct config *cfg, const struct xdp_links *ls)
{
	bool any = cfg->fastpath != CFG_FP_AUTO;
	const struct xlink *l;

	for (unsigned int i = 0; i < ls->n && xdp.ndevs < CFG_MAX_XDP_IFS;
	     i++) {
		l = &ls->v[i];
		if (!(l->flags & IFF_UP) || (l->flags & IFF_LOOPBACK) ||
		    l->vlan)
			continue;
		if (any || forwards(l->name))
			attach_one(l, cfg->xdp_mode);
		else
			log_info("xdp: %s does not forward: not attached",
				 l->name);
	}
}

static bool ours(int ifindex)
{
	for (unsigned int i = 0; i < xdp.ndevs; i++)
		if (xdp.devs[i].ifindex == ifindex)
			return true;
	return false;
}

bool xdp_is_sipfp(uint32_t id)
{
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(id);
	bool ret;

	if (fd < 0)
		return false;
	ret = !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	      !strcmp(info.name, "sipfp_xdp");
	close(fd);
	return ret;
}

/* An earlier sipfpd's device that is not ours now loses its program. */
static void detach_stale(int ifindex)
{
	static const uint32_t modes[] = { XDP_FLAGS_DRV_MODE,
					  XDP_FLAGS_SKB_MODE };
	uint32_t id;

	for (int i = 0; i < 2; i++)
		if (!bpf_xdp_query_id(ifindex, modes[i], &id) && id &&
		    xdp_is_sipfp(id)) {
			bpf_xdp_detach(ifindex, modes[i], NULL);
			log_info("xdp: detached an earlier sipfpd's program "
				 "from ifindex %d",
				 ifindex);
		}
}

static void prune_tx(void)
{
	uint32_t k, next;
	int ret = bpf_map_get_next_key(xdp.tx_fd, NULL, &next);

	while (!ret) {
		k = next;
		ret = bpf_map_get_next_key(xdp.tx_fd, &k, &next);
		if (ours(k))
			continue;
		detach_stale(k);
		bpf_map_delete_elem(xdp.tx_fd, &k);
	}
}

/* The VLAN device on @lower with @vid, if we forward for it. */
static const struct xlink *vlan_of(const struct xdp_links *ls, int lower,
				   uint16_t vid)
{
	for (unsigned int i = 0; i < ls->n; i++)
		if (ls->v[i].vlan && ls->v[i].lower == lower &&
		    ls->v[i].vid == vid && ours(lower))
			return &ls->v[i];
	return NULL;
}

/* An earlier sipfpd's VLAN entries that no longer hold. */
static void prune_vlans(const struct xdp_links *ls)
{
	struct sipfp_xdp_vlan_key k, next;
	const struct xlink *l;
	uint32_t dev, ndev;
	int ret = bpf_map_get_next_key(xdp.vlans_fd, NULL, &next);

	while (!ret) {
		k = next;
		ret = bpf_map_get_next_key(xdp.vlans_fd, &k, &next);
		if (!vlan_of(ls, k.ifindex, k.vid))
			bpf_map_delete_elem(xdp.vlans_fd, &k);
	}
	ret = bpf_map_get_next_key(xdp.vlan_dev_fd, NULL, &ndev);
	while (!ret) {
		dev = ndev;
		ret = bpf_map_get_next_key(xdp.vlan_dev_fd, &dev, &ndev);
		l = link_by_index(ls, dev);
		if (!l || !l->vlan || !ours(l->lower))
			bpf_map_delete_elem(xdp.vlan_dev_fd, &dev);
	}
	/* the heartbeat's SIPFP_XDP_CTL_VLANS from now on: what is left */
	xdp.vlans = !bpf_map_get_next_key(xdp.vlan_dev_fd, NULL, &ndev);
}

static int fill_tx(void)
{
	for (unsigned int i = 0; i < xdp.ndevs; i++) {
		uint32_t k = xdp.devs[i].ifindex;

		if (bpf_map_update_elem(xdp.tx_fd, &k, &k, BPF_ANY)) {
			log_warnx("xdp: sipfp_tx: adding %s: %s",
				  xdp.devs[i].name, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* The VLAN sub-devices of the devices we are attached to. */
static void fill_vlans(const struct xdp_links *ls)
{
	struct sipfp_xdp_vlan_key k;
	const struct xlink *l;
	uint32_t dev;
	int ret;

	for (unsigned int i = 0; i < ls->n; i++) {
		l = &ls->v[i];
		if (!l->vlan || !ours(l->lower))
			continue;
		/* without the flag the program would not look them up */
		ret = xdp.vlans ? 0 : xdp_ctl_vlans();
		if (ret) {
			log_warnx("xdp: sipfp_ctl: %s; VLAN devices left to "
				  "the stack",
				  strerror(-ret));
			return;
		}
		memset(&k, 0, sizeof(k));
		k.ifindex = l->lower;
		k.vid = l->vid;
		dev = l->ifindex;
		if (bpf_map_update_elem(xdp.vlans_fd, &k, &dev, BPF_ANY) ||
		    bpf_map_update_elem(xdp.vlan_dev_fd, &dev, &k, BPF_ANY))
			log_warnx("xdp: VLAN %s: %s", l->name, strerror(errno));
	}
}

/*
 * bpf_fib_lookup() answers only for a device that forwards: on the
 * others the program passes every packet up.  `auto` then takes the next
 * path rather than one that forwards nothing.
 */
static int check_forwarding(const struct config *cfg)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < xdp.ndevs; i++) {
		const char *d = xdp.devs[i].name;

		if (forwards(d))
			n++;
		else
			log_warnx("xdp: forwarding is off on %s "
				  "(net.ipv4.conf.%s.forwarding): the program "
				  "passes its packets up",
				  d, d);
	}
	if (n || cfg->fastpath != CFG_FP_AUTO)
		return 0;
	return -ENETUNREACH;
}

int xdp_attach_all(const struct config *cfg, const struct xdp_links *ls)
{
	int ret;

	if (cfg->nxdp_ifs)
		attach_named(cfg, ls);
	else
		attach_default(cfg, ls);
	if (!xdp.ndevs && cfg->fastpath == CFG_FP_AUTO && !cfg->nxdp_ifs) {
		log_info("xdp: no device that is up forwards");
		return -ENETUNREACH;
	}
	if (!xdp.ndevs) {
		log_warnx("xdp: attached to no device");
		return -ENODEV;
	}
	ret = check_forwarding(cfg);
	if (ret)
		return ret;
	prune_tx();
	ret = fill_tx();
	fill_vlans(ls);
	prune_vlans(ls);
	return ret;
}

/*
 * The program an earlier sipfpd left on one of @ls's devices: its maps
 * are still ours to reuse when no pin says where they are (a pin lives
 * in a mount namespace, and `ip netns exec` makes a new one each time).
 * Return: its id, or 0.
 */
uint32_t xdp_prev_prog(const struct xdp_links *ls)
{
	static const uint32_t modes[] = { XDP_FLAGS_DRV_MODE,
					  XDP_FLAGS_SKB_MODE };
	uint32_t id;

	for (unsigned int i = 0; i < ls->n; i++)
		for (int m = 0; m < 2; m++)
			if (!bpf_xdp_query_id(ls->v[i].ifindex, modes[m],
					      &id) &&
			    id && xdp_is_sipfp(id))
				return id;
	return 0;
}

void xdp_detach_all(void)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o, .old_prog_fd = xdp.prog_fd);
	int ret;

	/* only ours: another program attached since stays */
	for (unsigned int i = 0; i < xdp.ndevs; i++) {
		ret = bpf_xdp_detach(xdp.devs[i].ifindex,
				     xdp.devs[i].mode | XDP_FLAGS_REPLACE, &o);
		if (ret && ret != -ENODEV)
			log_warnx("xdp: detaching from %s: %s",
				  xdp.devs[i].name, strerror(-ret));
	}
	xdp.ndevs = 0;
}
