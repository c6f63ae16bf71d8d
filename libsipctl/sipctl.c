// SPDX-License-Identifier: GPL-2.0
/*
 * The façade: every public call checks its handle, clears the last
 * error and routes to the handle's backend: kernel.c (sipfp.ko),
 * daemon.c (sipfpd's control socket) or xdp.c (the XDP maps' pins).
 * What a backend lacks is -EOPNOTSUPP, decided here, not in each.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Whether @h can take a call now; clears its last error. */
static int enter(struct sipctl *h)
{
	if (!h)
		return -EINVAL;
	h->err[0] = 0;
	/* a dump's callback calling back in would reuse the reply buffer */
	if (h->busy)
		return -EBUSY;
	return 0;
}

#define ROUTE(h, op, ...)                                                \
	({                                                               \
		int __r = enter(h);                                      \
		if (!__r)                                                \
			__r = (h)->ops->op ? (h)->ops->op(__VA_ARGS__) : \
					     -EOPNOTSUPP;                \
		__r;                                                     \
	})

/* the last failed open of this thread: sipctl_strerror(NULL, ...) */
static __thread char open_err[SCTL_ERR_MAX];
static __thread int open_errno;

int sctl_open_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(open_err, sizeof(open_err), fmt, ap);
	va_end(ap);
	open_errno = err;
	return err;
}

int sctl_fail(struct sipctl *h, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->err, sizeof(h->err), fmt, ap);
	va_end(ap);
	return err;
}

void sipctl_close(struct sipctl *h)
{
	if (!h)
		return;
	h->ops->close(h);
	free(h);
}

const char *sipctl_backend(const struct sipctl *h)
{
	return h ? h->ops->name : "none";
}

const char *sipctl_last_error(const struct sipctl *h)
{
	return h && h->err[0] ? h->err : NULL;
}

const char *sipctl_strerror(const struct sipctl *h, int err)
{
	static __thread char buf[SCTL_ERR_MAX];
	char *out = h ? ((struct sipctl *)h)->strerr : buf;

	if (h && h->err[0])
		return h->err;
	if (!h && err && err == open_errno && open_err[0])
		return open_err;
	if (!h && err == -ENOENT)
		return "the kernel has no sipfp netlink family: "
		       "is sipfp.ko loaded? (modprobe sipfp)";
	if (!h && err == -EPROTONOSUPPORT)
		return "this kernel has no generic netlink";
	if (err == -EPERM)
		return "Operation not permitted (changing flows and events "
		       "need CAP_NET_ADMIN)";
	if (err == -EINTR)
		return "the flow table changed during the dump; dump again";
	snprintf(out, SCTL_ERR_MAX, "%s", strerror(err < 0 ? -err : err));
	return out;
}

int sipctl_flow_add(struct sipctl *h, const struct sipctl_flow *f)
{
	return ROUTE(h, flow_add, h, f);
}

int sipctl_flow_add_batch(struct sipctl *h, const struct sipctl_flow *f,
			  size_t n, int *errs)
{
	return ROUTE(h, flow_add_batch, h, f, n, errs);
}

int sipctl_flow_set(struct sipctl *h, const struct sipctl_flow *f)
{
	return ROUTE(h, flow_set, h, f);
}

int sipctl_flow_del(struct sipctl *h, const struct sipctl_flow *f)
{
	return ROUTE(h, flow_del, h, f);
}

int sipctl_flow_get(struct sipctl *h, const union sipctl_addr *local,
		    struct sipctl_flow *f)
{
	return ROUTE(h, flow_get, h, local, f);
}

int sipctl_flow_dump(struct sipctl *h, sipctl_flow_cb cb, void *arg)
{
	return ROUTE(h, flow_dump, h, cb, arg);
}

int sipctl_flush(struct sipctl *h, uint64_t cookie, uint64_t mask)
{
	return ROUTE(h, flush, h, cookie, mask);
}

int sipctl_stats_get(struct sipctl *h, struct sipctl_stats *st)
{
	return ROUTE(h, stats_get, h, st);
}

int sipctl_event_fd(struct sipctl *h)
{
	return ROUTE(h, event_fd, h);
}

int sipctl_event_read(struct sipctl *h, sipctl_event_cb cb, void *arg)
{
	return ROUTE(h, event_read, h, cb, arg);
}

int sipctl_status_get(struct sipctl *h, struct sipctl_status *st)
{
	return ROUTE(h, status_get, h, st);
}

int sipctl_reg_dump(struct sipctl *h, sipctl_reg_cb cb, void *arg)
{
	return ROUTE(h, reg_dump, h, cb, arg);
}

int sipctl_call_dump(struct sipctl *h, sipctl_call_cb cb, void *arg)
{
	return ROUTE(h, call_dump, h, NULL, cb, arg);
}

/* What the daemon takes as a Call-ID: a non-empty string that fits. */
static int call_id_ok(const char *id)
{
	return id && *id && strnlen(id, SIPCTL_CALL_ID_MAX) < SIPCTL_CALL_ID_MAX;
}

int sipctl_call_get(struct sipctl *h, const char *call_id, sipctl_call_cb cb,
		    void *arg)
{
	if (!call_id_ok(call_id))
		return -EINVAL;
	return ROUTE(h, call_dump, h, call_id, cb, arg);
}

int sipctl_call_flow_dump(struct sipctl *h, sipctl_stream_flow_cb cb,
			  void *arg)
{
	return ROUTE(h, call_flow_dump, h, cb, arg);
}

int sipctl_hangup(struct sipctl *h, const char *call_id)
{
	if (!call_id_ok(call_id))
		return -EINVAL;
	return ROUTE(h, hangup, h, call_id);
}

int sipctl_reload(struct sipctl *h)
{
	return ROUTE(h, reload, h);
}
