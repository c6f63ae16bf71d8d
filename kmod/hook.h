/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The data plane: the netfilter hooks that forward a flow's packets. They
 * are registered per network namespace, by the pernet init that made the
 * namespace's flow table, and gone before that table is flushed.
 */
#ifndef _SIPFP_HOOK_H
#define _SIPFP_HOOK_H

struct net;

int sipfp_hook_net_init(struct net *net);
void sipfp_hook_net_exit(struct net *net);

#endif /* _SIPFP_HOOK_H */
