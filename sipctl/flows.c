// SPDX-License-Identifier: GPL-2.0
/*
 * sipctl flows [FIELD]: every flow of this network namespace, read from
 * the kernel module's table, the XDP path's maps or sipfpd (-b), sorted
 * by local endpoint so that two runs compare line by line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct flows {
	struct cli_flow *v;
	size_t n, cap;
};

static struct cli_flow *next(struct flows *fl)
{
	struct cli_flow *v;

	if (fl->n == fl->cap) {
		fl->cap = fl->cap ? 2 * fl->cap : 64;
		v = realloc(fl->v, fl->cap * sizeof(*v));
		if (!v)
			return NULL;
		fl->v = v;
	}
	v = &fl->v[fl->n++];
	memset(v, 0, sizeof(*v));
	return v;
}

static int collect(const struct sipctl_flow *f, void *arg)
{
	struct cli_flow *v = next(arg);

	if (!v)
		return -ENOMEM;
	v->sf.flow = *f;
	return 0;
}

/* sipfpd's flows come with their calls */
static int collect_placed(const char *call_id,
			  const struct sipctl_stream_flow *sf, void *arg)
{
	struct cli_flow *v = next(arg);

	if (!v)
		return -ENOMEM;
	v->sf = *sf;
	snprintf(v->call_id, sizeof(v->call_id), "%s", call_id);
	return 0;
}

static int ep_cmp(const union sipctl_addr *a, const union sipctl_addr *b)
{
	int d = a->sa.sa_family - b->sa.sa_family;

	if (d)
		return d;
	if (a->sa.sa_family == AF_INET)
		d = memcmp(&a->sin.sin_addr, &b->sin.sin_addr,
			   sizeof(a->sin.sin_addr));
	else if (a->sa.sa_family == AF_INET6)
		d = memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr,
			   sizeof(a->sin6.sin6_addr));
	if (d)
		return d;
	return ntohs(a->sin.sin_port) - ntohs(b->sin.sin_port);
}

static int flow_cmp(const void *a, const void *b)
{
	return ep_cmp(&((const struct cli_flow *)a)->sf.flow.local,
		      &((const struct cli_flow *)b)->sf.flow.local);
}

/* The table changing under a dump is no failure: read it again. */
static int dump(struct sipctl *h, struct flows *fl)
{
	bool daemon = !strcmp(sipctl_backend(h), "daemon");
	int err, tries = 3;

	do {
		fl->n = 0;
		if (daemon)
			err = sipctl_call_flow_dump(h, collect_placed, fl);
		else
			err = sipctl_flow_dump(h, collect, fl);
	} while (err == -EINTR && --tries);
	if (err >= 0)
		qsort(fl->v, fl->n, sizeof(*fl->v), flow_cmp);
	return err;
}

static int print(const struct cli *c, const struct flows *fl, const char *field,
		 enum flow_style st)
{
	json_object *a;
	struct table *t;
	size_t i;

	if (field) {
		for (i = 0; i < fl->n; i++)
			flow_field_print(&fl->v[i], field);
		return EXIT_OK;
	}
	if (c->json) {
		a = json_object_new_array();
		for (i = 0; i < fl->n; i++)
			json_object_array_add(a, flow_json(&fl->v[i]));
		return json_put(a);
	}
	t = flow_table(st);
	for (i = 0; i < fl->n; i++)
		flow_row(t, &fl->v[i], st);
	table_print(t, stdout);
	table_free(t);
	return EXIT_OK;
}

int cmd_flows(struct cli *c, int argc, char **argv)
{
	char use[600];
	struct flows fl = {};
	struct sipctl *h;
	const char *field = argc > 1 ? argv[1] : NULL;
	int rc, err;

	snprintf(use, sizeof(use), "flows [%s]", flow_field_names());
	rc = cli_help(c, argc, argv, use);
	if (rc >= 0)
		return rc;
	if (argc > 2)
		return cli_usage(c, use, "flows: too many arguments");
	if (field && !flow_field_known(field))
		return cli_usage(c, use, "flows: unknown field '%s'", field);
	if (field && c->json)
		return cli_usage(c, use, "flows: -j prints every field");
	rc = cli_open_flows(c, &h, false);
	if (rc)
		return rc;
	err = dump(h, &fl);
	if (err < 0)
		rc = cli_fail(c, h, err, "reading the flows (%s)",
			      sipctl_backend(h));
	else
		rc = print(c, &fl, field,
			   strcmp(sipctl_backend(h), "daemon") ? FLOWS_PLAIN :
								 FLOWS_CALLS);
	free(fl.v);
	sipctl_close(h);
	return rc;
}
