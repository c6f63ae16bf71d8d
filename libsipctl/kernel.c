// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel backend: generic netlink to sipfp.ko.  One blocking socket
 * carries requests, one at a time (a batch is many requests in one
 * send); a second, non-blocking one is opened only to join the events
 * group, so events never interleave with a request's replies.
 *
 * Every request asks for an ack, with extended acks on, so each ends in
 * exactly one NLMSG_ERROR (or a dump's NLMSG_DONE) that carries the
 * kernel's words when it refused.  Replies are matched by sequence
 * number; anything else (a late answer to an earlier request) is
 * skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/sipfp.h>

#include "internal.h"

/* Requests per send of a batch: their acks must fit the receive buffer. */
#define BATCH_MAX 64
/* The events socket's buffer: a burst of latching at call set-up. */
#define EV_RCVBUF (4 << 20)

/* Every field a request may carry; the kernel judges their values. */
#define FLOW_REQ_FIELDS                                      \
	(SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |    \
	 SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_PEER |        \
	 SIPCTL_FLOW_HAS_SRC_MODE | SIPCTL_FLOW_HAS_SRC |    \
	 SIPCTL_FLOW_HAS_LATCH_MS | SIPCTL_FLOW_HAS_FLAGS |  \
	 SIPCTL_FLOW_HAS_DSCP | SIPCTL_FLOW_HAS_CLOCK_RATE | \
	 SIPCTL_FLOW_HAS_IDLE_MS | SIPCTL_FLOW_HAS_TIMEOUT_MS)
#define FLOW_NEW_NEEDS                                    \
	(SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL | \
	 SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_SRC_MODE)

struct xfer {
	size_t len; /* of the request(s) in k.req */
	uint32_t seq, n;
	int (*cb)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
	int *errs;
	bool intr;
};

static int sock_open(struct mnl_socket **out, int flags, uint32_t *portid)
{
	struct mnl_socket *nl =
		mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC | flags);
	int one = 1, err;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(nl);
		return err;
	}
	/* older kernels lack either: errors then come without words */
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (portid)
		*portid = mnl_socket_get_portid(nl);
	*out = nl;
	return 0;
}

/* Sends k.req and feeds the replies through until every request is done. */
static int transact(struct sipctl *h, struct xfer *x)
{
	struct sctl_kernel *k = &h->k;
	struct sctl_rx rx = {
		.seq = x->seq,
		.n = x->n,
		.portid = k->portid,
		.req = (const struct nlmsghdr *)k->req,
		.req_len = x->len,
		.cb = x->cb,
		.arg = x->arg,
		.errs = x->errs,
		.msg = h->err,
		.msg_size = sizeof(h->err),
	};
	ssize_t r;

	if (mnl_socket_sendto(k->nl, k->req, x->len) < 0)
		return -errno;
	while (!rx.done) {
		r = mnl_socket_recvfrom(k->nl, k->rx, SCTL_RX_SIZE);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (sctl_rx_feed(&rx, k->rx, r))
			return -EPROTO;
	}
	x->intr = rx.intr;
	return rx.err ? rx.err : rx.cb_ret;
}

static struct nlmsghdr *start(struct sipctl *h, uint8_t cmd, uint16_t flags,
			      struct xfer *x)
{
	memset(x, 0, sizeof(*x));
	x->seq = ++h->k.seq;
	x->n = 1;
	return sctl_msg_start(h->k.req, SCTL_REQ_SIZE, h->k.family, cmd, flags,
			      x->seq);
}

/* One request with one flow in it, answered by an ack. */
static int flow_req(struct sipctl *h, uint8_t cmd, const struct sipctl_flow *f,
		    uint32_t allow, uint32_t need)
{
	struct xfer x;
	struct nlmsghdr *nlh = start(h, cmd, NLM_F_ACK, &x);
	int ret;

	ret = sctl_put_flow(nlh, SCTL_REQ_SIZE, f, allow, need, h->err,
			    sizeof(h->err));
	if (ret)
		return ret;
	x.len = nlh->nlmsg_len;
	return transact(h, &x);
}

static int k_flow_add(struct sipctl *h, const struct sipctl_flow *f)
{
	return flow_req(h, SIPFP_CMD_FLOW_NEW, f, FLOW_REQ_FIELDS,
			FLOW_NEW_NEEDS);
}

static int k_flow_set(struct sipctl *h, const struct sipctl_flow *f)
{
	return flow_req(h, SIPFP_CMD_FLOW_SET, f, FLOW_REQ_FIELDS,
			SIPCTL_FLOW_HAS_LOCAL);
}

static int k_flow_del(struct sipctl *h, const struct sipctl_flow *f)
{
	return flow_req(h, SIPFP_CMD_FLOW_DEL, f,
			SIPCTL_FLOW_HAS_LOCAL | SIPCTL_FLOW_HAS_COOKIE,
			SIPCTL_FLOW_HAS_LOCAL);
}

/*
 * One send of up to BATCH_MAX flows from @f; @done says how many of @f
 * it took (sent, or refused before sending).
 */
static int batch_once(struct sipctl *h, const struct sipctl_flow *f, size_t n,
		      int *errs, size_t *done)
{
	int idx[BATCH_MAX], res[BATCH_MAX];
	struct xfer x = { .seq = h->k.seq + 1, .errs = res };
	size_t i;
	int ret;

	for (i = 0; i < n && x.n < BATCH_MAX; i++) {
		struct nlmsghdr *nlh = sctl_msg_start(
			h->k.req + x.len, SCTL_BATCH_SIZE - x.len, h->k.family,
			SIPFP_CMD_FLOW_NEW, NLM_F_ACK, x.seq + x.n);

		ret = nlh ? sctl_put_flow(nlh, SCTL_BATCH_SIZE - x.len, &f[i],
					  FLOW_REQ_FIELDS, FLOW_NEW_NEEDS,
					  h->err, sizeof(h->err)) :
			    -EMSGSIZE;
		if (ret == -EMSGSIZE && x.n)
			break;
		errs[i] = ret;
		if (ret)
			continue;
		idx[x.n++] = i;
		x.len += MNL_ALIGN(nlh->nlmsg_len);
	}
	*done = i;
	if (!x.n)
		return 0;
	h->k.seq += x.n;
	/* an ack that never came leaves its positive mark */
	for (uint32_t j = 0; j < x.n; j++)
		res[j] = 1;
	ret = transact(h, &x);
	for (uint32_t j = 0; j < x.n; j++) {
		if (res[j] > 0)
			return ret < 0 ? ret : -EPROTO;
		errs[idx[j]] = res[j];
	}
	return 0;
}

static int k_flow_add_batch(struct sipctl *h, const struct sipctl_flow *f,
			    size_t n, int *errs)
{
	int *e = errs ? errs : calloc(n ? n : 1, sizeof(*e));
	int ret = 0;
	size_t done;

	if (!e)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		e[i] = -ECANCELED;
	for (size_t i = 0; i < n && !ret; i += done)
		ret = batch_once(h, f + i, n - i, e + i, &done);
	for (size_t i = 0; i < n && !ret; i++)
		ret = e[i];
	if (e != errs)
		free(e);
	return ret;
}

static int get_one(const struct nlmsghdr *nlh, void *arg)
{
	return sctl_parse_flow(nlh, arg);
}

static int k_flow_get(struct sipctl *h, const union sipctl_addr *local,
		      struct sipctl_flow *f)
{
	struct sipctl_flow key = { .has = SIPCTL_FLOW_HAS_LOCAL,
				   .local = *local };
	struct xfer x;
	struct nlmsghdr *nlh = start(h, SIPFP_CMD_FLOW_GET, NLM_F_ACK, &x);
	int ret;

	ret = sctl_put_flow(nlh, SCTL_REQ_SIZE, &key, SIPCTL_FLOW_HAS_LOCAL,
			    SIPCTL_FLOW_HAS_LOCAL, h->err, sizeof(h->err));
	if (ret)
		return ret;
	memset(f, 0, sizeof(*f));
	x.len = nlh->nlmsg_len;
	x.cb = get_one;
	x.arg = f;
	return transact(h, &x);
}

struct dump {
	sipctl_flow_cb cb;
	void *arg;
};

static int dump_one(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	struct sipctl_flow f;
	int ret = sctl_parse_flow(nlh, &f);

	return ret ? ret : d->cb(&f, d->arg);
}

static int k_flow_dump(struct sipctl *h, sipctl_flow_cb cb, void *arg)
{
	struct dump d = { cb, arg };
	struct xfer x;
	struct nlmsghdr *nlh = start(h, SIPFP_CMD_FLOW_GET, NLM_F_DUMP, &x);
	int ret;

	x.len = nlh->nlmsg_len;
	x.cb = dump_one;
	x.arg = &d;
	h->busy = true;
	ret = transact(h, &x);
	h->busy = false;
	return ret ? ret : x.intr ? -EINTR : 0;
}

static int k_flush(struct sipctl *h, uint64_t cookie, uint64_t mask)
{
	struct xfer x;
	struct nlmsghdr *nlh = start(h, SIPFP_CMD_FLUSH, NLM_F_ACK, &x);
	int ret = sctl_put_flush(nlh, SCTL_REQ_SIZE, cookie, mask);

	if (ret)
		return ret;
	x.len = nlh->nlmsg_len;
	return transact(h, &x);
}

static int stats_one(const struct nlmsghdr *nlh, void *arg)
{
	return sctl_parse_stats(nlh, arg);
}

static int k_stats_get(struct sipctl *h, struct sipctl_stats *st)
{
	struct xfer x;
	struct nlmsghdr *nlh = start(h, SIPFP_CMD_STATS_GET, NLM_F_ACK, &x);

	memset(st, 0, sizeof(*st));
	x.len = nlh->nlmsg_len;
	x.cb = stats_one;
	x.arg = st;
	return transact(h, &x);
}

static int k_event_fd(struct sipctl *h)
{
	struct sctl_kernel *k = &h->k;
	int size = EV_RCVBUF, fd, ret;

	if (k->ev)
		return mnl_socket_get_fd(k->ev);
	if (!k->group)
		return -EOPNOTSUPP;
	ret = sock_open(&k->ev, SOCK_NONBLOCK, NULL);
	if (ret)
		return ret;
	fd = mnl_socket_get_fd(k->ev);
	/* FORCE passes rmem_max with CAP_NET_ADMIN, which joining needs */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (mnl_socket_setsockopt(k->ev, NETLINK_ADD_MEMBERSHIP, &k->group,
				  sizeof(k->group)) < 0) {
		ret = -errno;
		mnl_socket_close(k->ev);
		k->ev = NULL;
		return ret;
	}
	return fd;
}

static int event_msgs(struct sipctl *h, size_t len, sipctl_event_cb cb,
		      void *arg)
{
	const struct nlmsghdr *nlh = (const void *)h->k.rx;
	struct sipctl_event ev;
	int n = 0;

	for (; sctl_msg_ok(nlh, len); nlh = sctl_msg_next(nlh, &len)) {
		if (nlh->nlmsg_type != h->k.family ||
		    sctl_parse_event(nlh, &ev))
			continue;
		cb(&ev, arg);
		n++;
	}
	return n;
}

static int k_event_read(struct sipctl *h, sipctl_event_cb cb, void *arg)
{
	int n = 0;
	ssize_t r;

	if (!h->k.ev)
		return -EINVAL;
	for (;;) {
		/*
		 * one from anyone but the kernel fails with ESRCH, one over
		 * the buffer with ENOSPC: either is gone, read on
		 */
		r = mnl_socket_recvfrom(h->k.ev, h->k.rx, SCTL_RX_SIZE);
		if (r < 0 &&
		    (errno == EINTR || errno == ESRCH || errno == ENOSPC))
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return n;
		if (r < 0)
			return -errno;
		n += event_msgs(h, r, cb, arg);
	}
}

static int family_one(const struct nlmsghdr *nlh, void *arg)
{
	struct sctl_kernel *k = arg;

	return sctl_parse_family(nlh, &k->family, &k->group);
}

static int resolve(struct sipctl *h)
{
	struct xfer x;
	struct nlmsghdr *nlh = start(h, CTRL_CMD_GETFAMILY, NLM_F_ACK, &x);
	int ret = sctl_put_family(nlh, SCTL_REQ_SIZE);

	if (ret)
		return ret;
	x.len = nlh->nlmsg_len;
	x.cb = family_one;
	x.arg = &h->k;
	ret = transact(h, &x);
	if (!ret && !h->k.family)
		ret = -EPROTO;
	return ret;
}

static void k_close(struct sipctl *h)
{
	if (h->k.ev)
		mnl_socket_close(h->k.ev);
	if (h->k.nl)
		mnl_socket_close(h->k.nl);
	free(h->k.req);
	free(h->k.rx);
}

int sipctl_open_kernel(struct sipctl **hp)
{
	struct sipctl *h = calloc(1, sizeof(*h));
	int ret = -ENOMEM;

	*hp = NULL;
	/* the words for a failure are sipctl_strerror()'s own */
	sctl_open_fail(0, "%s", "");
	if (!h)
		return -ENOMEM;
	h->ops = &sctl_kernel_ops;
	h->k.req = malloc(SCTL_BATCH_SIZE);
	h->k.rx = malloc(SCTL_RX_SIZE);
	if (h->k.req && h->k.rx)
		ret = sock_open(&h->k.nl, 0, &h->k.portid);
	if (!ret)
		ret = resolve(h);
	if (ret) {
		k_close(h);
		free(h);
		return ret;
	}
	h->err[0] = 0;
	*hp = h;
	return 0;
}

const struct sctl_ops sctl_kernel_ops = {
	.name = "kernel",
	.flow_add = k_flow_add,
	.flow_add_batch = k_flow_add_batch,
	.flow_set = k_flow_set,
	.flow_del = k_flow_del,
	.flow_get = k_flow_get,
	.flow_dump = k_flow_dump,
	.flush = k_flush,
	.stats_get = k_stats_get,
	.event_fd = k_event_fd,
	.event_read = k_event_read,
	.close = k_close,
};
