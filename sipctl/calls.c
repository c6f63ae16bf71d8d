// SPDX-License-Identifier: GPL-2.0
/* sipctl calls: sipfpd's media sessions, a line each. */
#include "cli.h"

static const char use[] = "calls";

struct out {
	struct table *t;
	json_object *a;
};

static int each(const struct sipctl_call *call, void *arg)
{
	struct out *o = arg;

	if (o->a)
		json_object_array_add(o->a, call_json(call));
	else
		call_row(o->t, call);
	return 0;
}

int cmd_calls(struct cli *c, int argc, char **argv)
{
	struct out o = {};
	struct sipctl *h;
	int rc, n;

	rc = cli_help(c, argc, argv, use);
	if (rc >= 0)
		return rc;
	if (argc > 1)
		return cli_usage(c, use, "calls: unexpected '%s'", argv[1]);
	rc = cli_open_daemon(c, &h);
	if (rc)
		return rc;
	if (c->json)
		o.a = json_object_new_array();
	else
		o.t = call_table();
	n = sipctl_call_dump(h, each, &o);
	if (n < 0)
		rc = cli_fail(c, h, n, "listing calls");
	else if (o.a)
		rc = json_put(json_object_get(o.a));
	else
		table_print(o.t, stdout);
	json_object_put(o.a);
	table_free(o.t);
	sipctl_close(h);
	return rc;
}
