// SPDX-License-Identifier: GPL-2.0
/*
 * sipctl reload: sipfpd reads its configuration again, as on SIGHUP; a
 * wrong file is refused with its file and line, the running one kept.
 */
#include "cli.h"

static const char use[] = "reload";

int cmd_reload(struct cli *c, int argc, char **argv)
{
	json_object *o;
	struct sipctl *h;
	int rc, err;

	rc = cli_start(c, argc, argv, use, &h);
	if (!h)
		return rc;
	err = sipctl_reload(h);
	if (err < 0) {
		rc = cli_fail(c, h, err, "reload");
	} else if (c->json) {
		o = json_object_new_object();
		json_add(o, "reloaded", json_object_new_boolean(true));
		rc = json_put(o);
	}
	sipctl_close(h);
	return rc;
}
