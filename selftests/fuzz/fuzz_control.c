// SPDX-License-Identifier: GPL-2.0
/*
 * ctl_parse() on arbitrary bytes: the control socket hands it whatever a
 * client sends.  Beyond "no crash, no overread, no leak" it checks that
 * an accepted request is whole (a known command, an id exactly when the
 * command takes one, within its bounds) and a refused one says why, and
 * that the same bytes give the same answer twice.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_ok(const struct ctl_req *r)
{
	bool id = r->cmd == CTL_CALL || r->cmd == CTL_HANGUP;
	size_t n = strnlen(r->id, sizeof(r->id));

	if ((unsigned int)r->cmd >= CTL_NCMDS || n == sizeof(r->id))
		abort();
	if (id != (n > 0))
		abort();
	if (r->tag_type == CTL_TAG_STR && r->tag_len > CTL_TAG_MAX)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_req a, b;
	char ma[256], mb[256];
	int ra, rb;

	if (size > CTL_LINE_MAX)
		return 0;
	ra = ctl_parse((const char *)data, size, &a, ma, sizeof(ma));
	rb = ctl_parse((const char *)data, size, &b, mb, sizeof(mb));
	if (ra != rb || (ra && ra != -22))
		abort();
	if (!ra) {
		check_ok(&a);
		if (a.cmd != b.cmd || strcmp(a.id, b.id))
			abort();
		return 0;
	}
	if (!*ma || !memchr(ma, '\0', sizeof(ma)) || strcmp(ma, mb))
		abort();
	return 0;
}
