// SPDX-License-Identifier: GPL-2.0
/* sipctl hangup CALL-ID: sipfpd ends the call, a BYE to each phone. */
#include "cli.h"

static const char use[] = "hangup CALL-ID";

int cmd_hangup(struct cli *c, int argc, char **argv)
{
	json_object *o;
	struct sipctl *h;
	int rc, n;

	rc = cli_start_call(c, argc, argv, use, &h);
	if (!h)
		return rc;
	n = sipctl_hangup(h, argv[1]);
	if (n < 0) {
		rc = cli_fail(c, h, n, "hangup '%s'", argv[1]);
	} else if (c->json) {
		o = json_object_new_object();
		json_add(o, "call", json_object_new_string(argv[1]));
		json_add(o, "sessions", json_object_new_int(n));
		rc = json_put(o);
	} else {
		printf("%s: %d session%s ended\n", argv[1], n,
		       n == 1 ? "" : "s");
	}
	sipctl_close(h);
	return rc;
}
