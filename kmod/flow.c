// SPDX-License-Identifier: GPL-2.0
/*
 * The per-namespace flow table: lookup for the hook, insertion and
 * removal for netlink, latching, idle events and expiry. flow.h says who
 * may touch what under which lock.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/moduleparam.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "flow.h"
#include "hook.h"
#include "netlink.h"

unsigned int sipfp_max_flows = 65536;
module_param_named(max_flows, sipfp_max_flows, uint, 0644);
MODULE_PARM_DESC(max_flows, "flows per network namespace (default 65536)");

unsigned int sipfp_net_id __read_mostly;

/* The whole endpoint is the key, so its padding must be zero. */
static const struct rhashtable_params sipfp_table_params = {
	.key_len = sizeof(struct sipfp_ep),
	.key_offset = offsetof(struct sipfp_flow, local),
	.head_offset = offsetof(struct sipfp_flow, node),
	.automatic_shrinking = true,
};

void sipfp_ep_set(struct sipfp_ep *ep, int family,
		  const union nf_inet_addr *addr, __be16 port)
{
	memset(ep, 0, sizeof(*ep));
	ep->family = family;
	ep->port = port;
	if (family == AF_INET)
		ep->addr.ip = addr->ip;
	else
		ep->addr.in6 = addr->in6;
}

struct sipfp_flow *sipfp_flow_lookup(struct net *net, int family,
				     const union nf_inet_addr *daddr,
				     __be16 dport)
{
	struct sipfp_ep key;

	sipfp_ep_set(&key, family, daddr, dport);
	return rhashtable_lookup(&sipfp_net(net)->table, &key,
				 sipfp_table_params);
}

struct sipfp_flow *sipfp_flow_find(struct sipfp_net *sn,
				   const struct sipfp_ep *local)
{
	lockdep_assert_held(&sn->lock);
	return rhashtable_lookup_fast(&sn->table, local, sipfp_table_params);
}

struct sipfp_flow_cfg *sipfp_flow_cfg_locked(struct sipfp_net *sn,
					     struct sipfp_flow *f)
{
	return rcu_dereference_protected(f->cfg, lockdep_is_held(&sn->lock));
}

static void sipfp_flow_free(struct sipfp_flow *f)
{
	kfree(rcu_dereference_raw(f->cfg));
	sipfp_rtp_free(f->rtp);
	free_percpu(f->pcpu);
	kfree(f);
}

static void sipfp_flow_free_rcu(struct rcu_head *head)
{
	struct sipfp_flow *f = container_of(head, struct sipfp_flow, rcu);

	pr_debug("flow %016llx destroyed\n", f->cookie);
	sipfp_flow_free(f);
}

struct sipfp_flow *sipfp_flow_alloc(struct net *net,
				    const struct sipfp_ep *local, u64 cookie)
{
	struct sipfp_flow *f;

	f = kzalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		return NULL;
	f->pcpu = netdev_alloc_pcpu_stats(struct sipfp_flow_pcpu);
	f->rtp = sipfp_rtp_alloc(GFP_KERNEL);
	if (!f->pcpu || !f->rtp) {
		sipfp_flow_free(f);
		return NULL;
	}
	f->local = *local;
	f->cookie = cookie;
	f->net = net;
	spin_lock_init(&f->lock);
	f->last_rx = jiffies;
	f->mismatch_at = jiffies - HZ;
	INIT_LIST_HEAD(&f->list);
	return f;
}

/* Only for a flow that never made it into the table. */
void sipfp_flow_destroy(struct sipfp_flow *f)
{
	sipfp_flow_free(f);
}

static void sipfp_net_changed(struct sipfp_net *sn)
{
	/* 0 would read as "no generation" in a dump's consistency check */
	if (!++sn->gen)
		sn->gen = 1;
}

int sipfp_flow_insert(struct sipfp_net *sn, struct sipfp_flow *f)
{
	int err;

	lockdep_assert_held(&sn->lock);
	if (sn->nflows >= READ_ONCE(sipfp_max_flows))
		return -ENOSPC;
	err = rhashtable_lookup_insert_fast(&sn->table, &f->node,
					    sipfp_table_params);
	if (err)
		return err;
	list_add_tail(&f->list, &sn->flows);
	sn->nflows++;
	sipfp_net_changed(sn);
	schedule_delayed_work(&sn->scan, HZ);
	pr_debug("flow %016llx created\n", f->cookie);
	return 0;
}

void sipfp_flow_sum(const struct sipfp_flow *f, u64 sum[SIPFP_FC_NUM])
{
	const struct sipfp_flow_pcpu *c;
	u64 v[SIPFP_FC_NUM];
	unsigned int start;
	int cpu, i;

	memset(sum, 0, sizeof(u64) * SIPFP_FC_NUM);
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(f->pcpu, cpu);
		do {
			start = u64_stats_fetch_begin(&c->syncp);
			for (i = 0; i < SIPFP_FC_NUM; i++)
				v[i] = u64_stats_read(&c->cnt[i]);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		for (i = 0; i < SIPFP_FC_NUM; i++)
			sum[i] += v[i];
	}
}

/* The counters of every flow the namespace has had, summed. */
void sipfp_net_totals(struct sipfp_net *sn, u64 sum[SIPFP_FC_NUM])
{
	struct sipfp_flow *f;
	u64 one[SIPFP_FC_NUM];
	int i;

	lockdep_assert_held(&sn->lock);
	memcpy(sum, sn->retired, sizeof(sn->retired));
	list_for_each_entry(f, &sn->flows, list) {
		sipfp_flow_sum(f, one);
		for (i = 0; i < SIPFP_FC_NUM; i++)
			sum[i] += one[i];
	}
}

u64 sipfp_net_passed_sum(const struct sipfp_net *sn)
{
	const struct sipfp_net_pcpu *c;
	unsigned int start;
	u64 v, sum = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(sn->pcpu, cpu);
		do {
			start = u64_stats_fetch_begin(&c->syncp);
			v = u64_stats_read(&c->passed);
		} while (u64_stats_fetch_retry(&c->syncp, start));
		sum += v;
	}
	return sum;
}

/*
 * Unlinks f and frees it after a grace period. Its counters join the
 * namespace's totals now: a packet the hook is counting on another CPU
 * at this very moment is the only one they can miss. reason < 0 removes
 * silently, for a namespace going away.
 */
void sipfp_flow_remove(struct sipfp_net *sn, struct sipfp_flow *f,
		       int reason)
{
	u64 sum[SIPFP_FC_NUM];
	int i;

	lockdep_assert_held(&sn->lock);
	rhashtable_remove_fast(&sn->table, &f->node, sipfp_table_params);
	list_del(&f->list);
	sn->nflows--;
	sipfp_net_changed(sn);
	sipfp_flow_sum(f, sum);
	for (i = 0; i < SIPFP_FC_NUM; i++)
		sn->retired[i] += sum[i];
	if (reason >= 0)
		sipfp_nl_event(f, SIPFP_EVENT_REMOVED, NULL, reason);
	call_rcu(&f->rcu, sipfp_flow_free_rcu);
}

/*
 * Publishes cfg as f's config. Unless reset, the latch state carries
 * over, taken under the lock so that a latch racing with this is either
 * copied or refused by sipfp_flow_latched() seeing the new config.
 */
void sipfp_flow_publish(struct sipfp_net *sn, struct sipfp_flow *f,
			struct sipfp_flow_cfg *cfg, bool reset)
{
	struct sipfp_flow_cfg *old;

	lockdep_assert_held(&sn->lock);
	spin_lock_bh(&f->lock);
	old = rcu_dereference_protected(f->cfg, lockdep_is_held(&f->lock));
	cfg->latched = false;
	if (old && !reset && old->latched) {
		cfg->latched_src = old->latched_src;
		cfg->latched = true;
	}
	rcu_assign_pointer(f->cfg, cfg);
	spin_unlock_bh(&f->lock);
	if (old)
		kfree_rcu(old, rcu);
	sipfp_net_changed(sn);
}

bool sipfp_flow_latched(struct sipfp_flow *f, const union nf_inet_addr *saddr,
			__be16 sport)
{
	int family = f->local.family;
	enum sipfp_judgement j;
	struct sipfp_flow_cfg *c;
	struct sipfp_ep src;

	spin_lock_bh(&f->lock);
	c = rcu_dereference_protected(f->cfg, lockdep_is_held(&f->lock));
	j = sipfp_flow_judge(c, family, saddr, sport);
	if (j == SIPFP_J_LATCH) {
		sipfp_ep_set(&c->latched_src, family, saddr, sport);
		smp_store_release(&c->latched, true);
	}
	spin_unlock_bh(&f->lock);
	if (j == SIPFP_J_LATCH) {
		sipfp_ep_set(&src, family, saddr, sport);
		sipfp_nl_event(f, SIPFP_EVENT_LATCHED, &src, -1);
	}
	return j != SIPFP_J_DROP;
}

void sipfp_flow_mismatch(struct sipfp_flow *f, const union nf_inet_addr *saddr,
			 __be16 sport)
{
	unsigned long last = READ_ONCE(f->mismatch_at);
	unsigned long now = jiffies;
	struct sipfp_ep src;

	if (time_before(now, last + HZ))
		return;
	/* of the CPUs that saw the second pass, one sends */
	if (cmpxchg(&f->mismatch_at, last, now) != last)
		return;
	sipfp_ep_set(&src, f->local.family, saddr, sport);
	sipfp_nl_event(f, SIPFP_EVENT_SOURCE_MISMATCH, &src, -1);
}

static bool sipfp_after_ms(unsigned long since, unsigned long now, u32 ms)
{
	return ms && time_after_eq(now, since + msecs_to_jiffies(ms));
}

/* One flow's idle and expiry check; true if it expired and is gone. */
static bool sipfp_flow_scan_one(struct sipfp_net *sn, struct sipfp_flow *f,
				unsigned long now)
{
	struct sipfp_flow_cfg *c = sipfp_flow_cfg_locked(sn, f);
	unsigned long last = READ_ONCE(f->last_rx);

	if (sipfp_after_ms(last, now, c->timeout_ms)) {
		sn->expired++;
		sipfp_flow_remove(sn, f, SIPFP_REMOVED_EXPIRED);
		return true;
	}
	if (f->idle_sent && last != f->idle_mark)
		f->idle_sent = false;	/* a packet ended the spell */
	if (!f->idle_sent && sipfp_after_ms(last, now, c->idle_ms)) {
		f->idle_sent = true;
		f->idle_mark = last;
		sipfp_nl_event(f, SIPFP_EVENT_IDLE, NULL, -1);
	}
	return false;
}

static void sipfp_net_scan(struct work_struct *work)
{
	struct sipfp_net *sn = container_of(to_delayed_work(work),
					    struct sipfp_net, scan);
	struct sipfp_flow *f, *tmp;
	unsigned long now = jiffies;

	mutex_lock(&sn->lock);
	list_for_each_entry_safe(f, tmp, &sn->flows, list)
		sipfp_flow_scan_one(sn, f, now);
	if (sn->nflows)
		schedule_delayed_work(&sn->scan, HZ);
	mutex_unlock(&sn->lock);
}

unsigned int sipfp_flow_flush(struct sipfp_net *sn, u64 cookie, u64 mask,
			      int reason)
{
	struct sipfp_flow *f, *tmp;
	unsigned int n = 0;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry_safe(f, tmp, &sn->flows, list) {
		if ((f->cookie & mask) != (cookie & mask))
			continue;
		sipfp_flow_remove(sn, f, reason);
		n++;
	}
	return n;
}

static int __net_init sipfp_net_init(struct net *net)
{
	struct sipfp_net *sn = sipfp_net(net);
	int err;

	sn->net = net;
	mutex_init(&sn->lock);
	INIT_LIST_HEAD(&sn->flows);
	INIT_DELAYED_WORK(&sn->scan, sipfp_net_scan);
	sn->gen = 1;
	sn->pcpu = netdev_alloc_pcpu_stats(struct sipfp_net_pcpu);
	if (!sn->pcpu)
		return -ENOMEM;
	err = rhashtable_init(&sn->table, &sipfp_table_params);
	if (err)
		goto err_table;
	err = sipfp_hook_net_init(net);
	if (err)
		goto err_hook;
	return 0;

err_hook:
	rhashtable_destroy(&sn->table);
err_table:
	free_percpu(sn->pcpu);
	return err;
}

/*
 * The hooks go first (nf_unregister_net_hooks waits for packets in
 * flight), so nothing can find a flow while the table is emptied.
 */
static void __net_exit sipfp_net_exit(struct net *net)
{
	struct sipfp_net *sn = sipfp_net(net);

	sipfp_hook_net_exit(net);
	cancel_delayed_work_sync(&sn->scan);
	mutex_lock(&sn->lock);
	sipfp_flow_flush(sn, 0, 0, -1);
	mutex_unlock(&sn->lock);
	rhashtable_destroy(&sn->table);
	free_percpu(sn->pcpu);
}

/*
 * The flows' RCU callbacks run module code, so the module may not go
 * before they ran; they touch nothing of the namespace.
 */
static void __net_exit sipfp_net_exit_batch(struct list_head *net_exit_list)
{
	rcu_barrier();
}

static struct pernet_operations sipfp_net_ops = {
	.init = sipfp_net_init,
	.exit = sipfp_net_exit,
	.exit_batch = sipfp_net_exit_batch,
	.id = &sipfp_net_id,
	.size = sizeof(struct sipfp_net),
};

int sipfp_flow_init(void)
{
	return register_pernet_subsys(&sipfp_net_ops);
}

void sipfp_flow_exit(void)
{
	unregister_pernet_subsys(&sipfp_net_ops);
}
