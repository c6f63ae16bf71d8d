// SPDX-License-Identifier: GPL-2.0
/*
 * sipctl call CALL-ID: one call with its streams, legs and flows.  A
 * forked INVITE has a session per early dialog: each is shown.
 */
#include "cli.h"

static const char use[] = "call CALL-ID";

struct out {
	json_object *a;
	unsigned int n;
};

static int each(const struct sipctl_call *call, void *arg)
{
	struct out *o = arg;

	if (o->a) {
		json_object_array_add(o->a, call_json(call));
		return 0;
	}
	if (o->n++)
		printf("\n");
	call_print(call);
	return 0;
}

int cmd_call(struct cli *c, int argc, char **argv)
{
	struct out o = {};
	struct sipctl *h;
	int rc, n;

	rc = cli_help(c, argc, argv, use);
	if (rc >= 0)
		return rc;
	if (argc != 2 || !argv[1][0])
		return cli_usage(c, use,
				 argc < 2 ? "call: which CALL-ID?" :
				 argc > 2 ? "call: one CALL-ID only" :
					    "call: empty CALL-ID");
	rc = cli_open_daemon(c, &h);
	if (rc)
		return rc;
	if (c->json)
		o.a = json_object_new_array();
	n = sipctl_call_get(h, argv[1], each, &o);
	if (n < 0)
		rc = cli_fail(c, h, n, "call '%s'", argv[1]);
	else if (o.a)
		rc = json_put(json_object_get(o.a));
	json_object_put(o.a);
	sipctl_close(h);
	return rc;
}
