// SPDX-License-Identifier: GPL-2.0
/*
 * Media counters that only grow, for the metrics: a flow's packets stay
 * counted after it ends, under the path that carried its last packet and
 * the [media] interface its address belongs to.
 */
#include <string.h>

#include "media.h"
#include "media_int.h"

static struct media_totals ended;

/* The [media] interface @a is an address of; MEDIA_TOTAL_IFS - 1: none. */
static unsigned int iface_of(const union tp_addr *a)
{
	union tp_addr l;

	for (unsigned int i = 0; media_cfg && i < media_cfg->nmedia_ifs; i++) {
		memcpy(&l, &media_cfg->media_ifs[i].local, sizeof(l));
		if (tp_addr_ip_eq(&l, a))
			return i;
	}
	return MEDIA_TOTAL_IFS - 1;
}

static void add(struct media_totals *t, const struct fp_flow *f,
		const struct fp_counters *c, bool over)
{
	struct media_total *x;
	uint64_t drops = 0;

	x = &t->t[c->path < MEDIA_NPATHS ? c->path : 0]
		 [iface_of(&f->spec.local)];
	for (int i = 0; i < FP_DROP_MAX; i++)
		drops += c->drops[i];
	x->flows += over;
	x->packets += c->packets;
	x->bytes += c->bytes;
	x->drops += drops;
}

void media_flow_ended(const struct fp_flow *f, const struct fp_counters *c)
{
	add(&ended, f, c, true);
}

static void add_flow(struct media_totals *t, struct fp_flow *f)
{
	struct fp_counters c;

	if (f && !fp_flow_counters(f, &c))
		add(t, f, &c, false);
}

static int add_live(const struct media_session *s, void *arg)
{
	for (unsigned int i = 0; i < s->nstreams; i++)
		for (int x = 0; x < 2; x++) {
			add_flow(arg, s->st[i].rtp[x]);
			add_flow(arg, s->st[i].rtcp[x]);
		}
	return 0;
}

void media_totals(struct media_totals *out)
{
	*out = ended;
	media_walk(add_live, out);
}
