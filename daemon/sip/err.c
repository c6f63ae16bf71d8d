// SPDX-License-Identifier: GPL-2.0
#include <errno.h>

#include "err.h"

int sip_fail(struct sip_err *err, const char *base, const char *at,
	     int status, const char *what)
{
	if (err && !err->what) {
		err->what = what;
		err->offset = (base && at) ? (uint32_t)(at - base) : 0;
		err->status = status;
	}
	return -EBADMSG;
}
