// SPDX-License-Identifier: GPL-2.0
/*
 * The XDP backend: sipfpd's pinned maps, read only.  Being written;
 * every call refuses until it is.
 */
#include <errno.h>

#include "internal.h"

int sipctl_open_xdp(struct sipctl **hp)
{
	*hp = NULL;
	return -EOPNOTSUPP;
}

int sipctl_open_auto(struct sipctl **hp)
{
	int ret = sipctl_open_kernel(hp);

	return ret == -ENOENT ? sipctl_open_xdp(hp) : ret;
}
