// SPDX-License-Identifier: GPL-2.0
/*
 * sipfp: forwards the RTP and RTCP of SIP calls in the kernel, on flows that
 * sipfpd sets up over generic netlink.
 *
 * Only module init and exit live here. Each part of the module adds one step
 * to sipfp_init() and undoes it in sipfp_exit() in the reverse order, so a
 * failed load leaves nothing behind.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "flow.h"
#include "netlink.h"

#define SIPFP_VERSION "0.1.0"

/*
 * The tables (and, with them, the hooks) exist in every namespace before
 * the family lets a request reach them, and outlive it at exit.
 */
static int __init sipfp_init(void)
{
	int err;

	err = sipfp_flow_init();
	if (err)
		goto err_flow;
	err = sipfp_nl_init();
	if (err)
		goto err_nl;
	pr_info("version " SIPFP_VERSION " loaded\n");
	return 0;

err_nl:
	sipfp_flow_exit();
err_flow:
	return err;
}

static void __exit sipfp_exit(void)
{
	sipfp_nl_exit();
	sipfp_flow_exit();
}

module_init(sipfp_init);
module_exit(sipfp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("RTP fast path for SIP calls");
MODULE_AUTHOR("The sipfp authors");
MODULE_VERSION(SIPFP_VERSION);
MODULE_ALIAS_GENL_FAMILY(SIPFP_GENL_NAME);
