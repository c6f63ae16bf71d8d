// SPDX-License-Identifier: GPL-2.0
/* sipctl reg: the registrar's live bindings, a line each. */
#include <inttypes.h>

#include "cli.h"

#define RHAS(r, bit) ((r)->has & SIPCTL_REG_HAS_##bit)

static const char use[] = "reg";

static void reg_row(struct table *t, const struct sipctl_reg *r)
{
	char ex[24], src[CLI_EP_MAX];

	table_add(t, r->aor, r->contact,
		  RHAS(r, EXPIRES) ?
			  cli_duration(r->expires_s, ex, sizeof(ex)) :
			  NULL,
		  RHAS(r, TRANSPORT) ? r->transport : NULL,
		  cli_ep(&r->source, src, sizeof(src)),
		  RHAS(r, NAT) ? (r->nat ? "yes" : "no") : NULL,
		  RHAS(r, USER_AGENT) ? r->user_agent : NULL);
}

#define STR(o, r, bit, key, v)                                       \
	do {                                                         \
		if (RHAS(r, bit))                                    \
			json_add(o, key, json_object_new_string(v)); \
	} while (0)

static json_object *reg_json(const struct sipctl_reg *r)
{
	json_object *o = json_object_new_object();

	STR(o, r, AOR, "aor", r->aor);
	STR(o, r, CONTACT, "contact", r->contact);
	if (RHAS(r, EXPIRES))
		json_add(o, "expires_s", json_object_new_uint64(r->expires_s));
	if (RHAS(r, Q))
		json_add(o, "q", json_object_new_double(r->q / 1000.0));
	STR(o, r, TRANSPORT, "transport", r->transport);
	if (RHAS(r, SOURCE))
		json_add(o, "source", json_ep(&r->source));
	if (RHAS(r, NAT))
		json_add(o, "nat", json_object_new_boolean(r->nat));
	STR(o, r, USER_AGENT, "user_agent", r->user_agent);
	STR(o, r, INSTANCE, "instance", r->instance);
	if (RHAS(r, REG_ID))
		json_add(o, "reg_id", json_object_new_uint64(r->reg_id));
	STR(o, r, PATH, "path", r->path);
	STR(o, r, CALL_ID, "call_id", r->call_id);
	if (RHAS(r, CSEQ))
		json_add(o, "cseq", json_object_new_uint64(r->cseq));
	return o;
}

static int each(const struct sipctl_reg *r, void *arg)
{
	struct cli_list *o = arg;

	if (o->a)
		json_object_array_add(o->a, reg_json(r));
	else
		reg_row(o->t, r);
	return 0;
}

int cmd_reg(struct cli *c, int argc, char **argv)
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
		o.t = table_new(7, "AOR", "CONTACT", "EXPIRES", "TRANSPORT",
				"SOURCE", "NAT", "USER-AGENT");
	return cli_list_end(c, h, &o, sipctl_reg_dump(h, each, &o),
			    "listing registrations");
}
