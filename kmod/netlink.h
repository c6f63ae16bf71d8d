/* SPDX-License-Identifier: GPL-2.0 */
/* The "sipfp" generic netlink family: requests in, events out. */
#ifndef _SIPFP_NETLINK_H
#define _SIPFP_NETLINK_H

struct sipfp_ep;
struct sipfp_flow;

int sipfp_nl_init(void);
void sipfp_nl_exit(void);

/*
 * Multicasts one SIPFP_CMD_EVENT about f to the "events" group of f's
 * namespace, if anyone listens. src is for LATCHED and SOURCE_MISMATCH,
 * reason (enum sipfp_removed) for REMOVED. Any context.
 */
void sipfp_nl_event(struct sipfp_flow *f, u8 event,
		    const struct sipfp_ep *src, int reason);

#endif /* _SIPFP_NETLINK_H */
