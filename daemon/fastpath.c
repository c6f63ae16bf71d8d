// SPDX-License-Identifier: GPL-2.0
/*
 * The fast-path façade: picks one backend at start-up and routes every
 * flow call to it, so the session layer never knows which path carries
 * its media.  Flows are allocated here; a backend keeps its own state
 * in @priv.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fastpath.h"
#include "log.h"

static const struct fp_backend *backend;
static fp_event_fn event_cb;
static bool leaving;

static const char *const fp_cfg_names[] = {
	[CFG_FP_AUTO] = "auto",
	[CFG_FP_KMOD] = "kmod",
	[CFG_FP_XDP] = "xdp",
	[CFG_FP_RELAY] = "relay",
};

/*
 * `auto`, best first; the first whose init() succeeds is used.  XDP
 * stacks on the module itself when the module is there.
 */
static const struct fp_backend *const fp_auto_order[] = {
	&fp_xdp,
	&fp_kmod,
	&fp_relay,
};

static int start(const struct fp_backend *be, const struct config *cfg)
{
	int ret = be->init ? be->init(cfg) : 0;

	if (ret)
		return ret;
	backend = be;
	/* "xdp+kmod": XDP first, the module for what it passes up */
	if (be == &fp_xdp && strcmp(fp_xdp_lower(), "relay"))
		log_info("fast path: %s+%s", be->name, fp_xdp_lower());
	else
		log_info("fast path: %s", be->name);
	return 0;
}

static int start_auto(const struct config *cfg)
{
	size_t n = sizeof(fp_auto_order) / sizeof(fp_auto_order[0]);
	int ret = -ENOENT;

	for (size_t i = 0; i < n; i++) {
		ret = start(fp_auto_order[i], cfg);
		if (!ret)
			return 0;
		log_info("fast path %s unavailable: %s", fp_auto_order[i]->name,
			 strerror(-ret));
	}
	return ret;
}

int fp_init(const struct config *cfg, fp_event_fn cb)
{
	int ret;

	event_cb = cb;
	switch (cfg->fastpath) {
	case CFG_FP_AUTO:
		ret = start_auto(cfg);
		break;
	case CFG_FP_RELAY:
		ret = start(&fp_relay, cfg);
		break;
	case CFG_FP_KMOD:
		ret = start(&fp_kmod, cfg);
		break;
	case CFG_FP_XDP:
		ret = start(&fp_xdp, cfg);
		break;
	default:
		log_warnx("fastpath: unknown value %u", cfg->fastpath);
		return -EINVAL;
	}
	if (ret)
		log_warnx("fastpath = %s: %s", fp_cfg_names[cfg->fastpath],
			  strerror(-ret));
	return ret;
}

/* Flows still alive are let go of by the backend, which clears their @be. */
void fp_exit(void)
{
	if (backend && backend->exit)
		backend->exit();
	backend = NULL;
	event_cb = NULL;
	leaving = false;
}

const char *fp_name(void)
{
	return backend ? backend->name : "none";
}

void fp_event(struct fp_flow *f, enum fp_event ev, const union tp_addr *addr)
{
	fp_event_fn cb = f->cb ? f->cb : event_cb;

	if (cb)
		cb(f, ev, addr, f->user);
}

static bool spec_ok(const struct fp_flow_spec *spec)
{
	return spec->fd >= 0 && spec->out_fd >= 0 &&
	       spec->src_mode <= FP_SRC_LATCH && spec->dscp <= 63;
}

/* A flow the backend takes on through @op (add, or adopt). */
static struct fp_flow *flow_new(const struct fp_flow_spec *spec,
				fp_event_fn cb, void *user,
				int (*op)(struct fp_flow *f))
{
	struct fp_flow *f;
	int ret;

	if (!backend || !op || !spec_ok(spec)) {
		errno = !backend ? ENODEV : !op ? EOPNOTSUPP : EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->spec = *spec;
	f->user = user;
	f->cb = cb;
	f->be = backend;
	ret = op(f);
	if (ret) {
		free(f);
		errno = -ret;
		return NULL;
	}
	return f;
}

struct fp_flow *fp_flow_add(const struct fp_flow_spec *spec, void *user)
{
	return flow_new(spec, NULL, user, backend ? backend->add : NULL);
}

int fp_flow_update(struct fp_flow *f, const struct fp_flow_spec *spec)
{
	struct fp_flow_spec old = f->spec;
	int ret;

	if (!f->be)
		return -ENODEV;
	if (!spec_ok(spec))
		return -EINVAL;
	f->spec = *spec;
	ret = f->be->update(f, &old);
	/* a backend that refuses leaves the flow as it was */
	if (ret)
		f->spec = old;
	return ret;
}

void fp_flow_del(struct fp_flow *f)
{
	if (!f)
		return;
	/* after fp_exit() the backend has let go of it (@be NULL) */
	if (f->be && leaving && f->be->detach)
		f->be->detach(f);
	else if (f->be)
		f->be->del(f);
	free(f);
}

int fp_flow_counters(struct fp_flow *f, struct fp_counters *c)
{
	if (!f->be)
		return -ENODEV;
	return f->be->counters(f, c);
}

/* FNV-1a, 64 bits, folded to 40: the low bits alone mix poorly. */
uint64_t fp_cookie_call(const char *call_id)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *call_id; call_id++)
		h = (h ^ (uint8_t)*call_id) * 0x100000001b3ULL;
	h = (h ^ (h >> 40)) & ((1ULL << 40) - 1);
	return FP_COOKIE_MAGIC << 48 | h << 8;
}

/* Low byte: stream (6 bits, modulo 64), side, RTCP. */
uint64_t fp_cookie(const char *call_id, unsigned int stream, int side,
		   bool rtcp)
{
	return fp_cookie_call(call_id) | (stream & 0x3f) << 2 |
	       (side ? 2 : 0) | rtcp;
}

void fp_leave(void)
{
	leaving = true;
}

bool fp_leaving(void)
{
	return leaving;
}

int fp_orphans(fp_orphan_fn fn, void *arg)
{
	if (!backend)
		return -ENODEV;
	return backend->orphans ? backend->orphans(fn, arg) : -EOPNOTSUPP;
}

struct fp_flow *fp_flow_adopt(const struct fp_flow_spec *spec, fp_event_fn cb,
			      void *user)
{
	return flow_new(spec, cb, user, backend ? backend->adopt : NULL);
}

int fp_orphan_del(const struct fp_flow_spec *spec)
{
	if (!backend)
		return -ENODEV;
	return backend->orphan_del ? backend->orphan_del(spec) : -EOPNOTSUPP;
}
