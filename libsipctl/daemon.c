// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon backend: sipfpd's control socket (daemon/README.md, "The
 * control socket").  Being written; every call refuses until it is.
 */
#include <errno.h>

#include "internal.h"

int sipctl_open_daemon(struct sipctl **hp, const char *sock_path)
{
	*hp = NULL;
	return -EOPNOTSUPP;
}
