// SPDX-License-Identifier: GPL-2.0
/*
 * sipctl call CALL-ID: one call with its streams, legs and flows.  A
 * forked INVITE has a session per early dialog: each is shown.
 */
#include "cli.h"

static const char use[] = "call CALL-ID";

static int each(const struct sipctl_call *call, void *arg)
{
	struct cli_list *o = arg;

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
	struct cli_list o = {};
	struct sipctl *h;
	int rc;

	rc = cli_start_call(c, argc, argv, use, &h);
	if (!h)
		return rc;
	if (c->json)
		o.a = json_object_new_array();
	return cli_list_end(c, h, &o, sipctl_call_get(h, argv[1], each, &o),
			    "call '%s'", argv[1]);
}
