// SPDX-License-Identifier: GPL-2.0
/* sipctl calls: sipfpd's media sessions, a line each. */
#include "cli.h"

static const char use[] = "calls";

static int each(const struct sipctl_call *call, void *arg)
{
	struct cli_list *o = arg;

	if (o->a)
		json_object_array_add(o->a, call_json(call));
	else
		call_row(o->t, call);
	return 0;
}

int cmd_calls(struct cli *c, int argc, char **argv)
{
	struct cli_list o = {};
	struct sipctl *h;
	int rc;

	rc = cli_start(c, argc, argv, use, &h);
	if (!h)
		return rc;
	if (c->json)
		o.a = json_object_new_array();
	else
		o.t = call_table();
	return cli_list_end(c, h, &o, sipctl_call_dump(h, each, &o),
			    "listing calls");
}
