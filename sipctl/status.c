// SPDX-License-Identifier: GPL-2.0
/*
 * sipctl status: sipfpd's version, uptime and fast path, each media
 * interface's path, and its counters: what is alive now, and packets by
 * path since it started.
 */
#include <inttypes.h>

#include "cli.h"

#define SHAS(st, bit) ((st)->has & SIPCTL_STATUS_HAS_##bit)

static const char use[] = "status";

static void ifaces_print(const struct sipctl_status *st)
{
	char addr[CLI_EP_MAX];
	struct table *t;
	unsigned int i;

	t = table_new(3, "INTERFACE", "ADDRESS", "FASTPATH");
	for (i = 0; i < st->nifaces; i++)
		table_add(t, st->ifaces[i].name,
			  cli_host(&st->ifaces[i].address, addr, sizeof(addr)),
			  st->ifaces[i].fastpath[0] ? st->ifaces[i].fastpath :
						      NULL);
	putchar('\n');
	table_print(t, stdout);
	table_free(t);
}

static void paths_print(const struct sipctl_status *st)
{
	const struct sipctl_path_counters *p;
	char a[24], b[24], c[24], d[24];
	struct table *t;
	int i;

	t = table_new(5, "PATH", "PACKETS", "BYTES", "DROPS", "FLOWS-ENDED");
	for (i = 0; i < SIPCTL_PATH_MAX; i++) {
		p = &st->paths[i];
		table_add(t, cli_path(i), cli_u64(p->packets, a, sizeof(a)),
			  cli_u64(p->bytes, b, sizeof(b)),
			  cli_u64(p->drops, c, sizeof(c)),
			  cli_u64(p->flows_ended, d, sizeof(d)));
	}
	putchar('\n');
	table_print(t, stdout);
	table_free(t);
}

static void status_print(const struct sipctl_status *st)
{
	char up[24];

	cli_kv("sipfpd", "%s, pid %" PRIu32, st->version, st->pid);
	cli_kv("uptime", "%s", cli_duration(st->uptime_s, up, sizeof(up)));
	cli_kv("fast path", "%s", st->fastpath);
	if (SHAS(st, CALLS))
		cli_kv("calls",
		       "%" PRIu64 " (%" PRIu64 " answered), %" PRIu64
		       " since the start",
		       st->calls, st->calls_answered, st->calls_total);
	if (SHAS(st, REGISTRATIONS))
		cli_kv("registrations", "%" PRIu64, st->registrations);
	if (SHAS(st, TRANSACTIONS))
		cli_kv("transactions", "%" PRIu64, st->transactions);
	if (SHAS(st, IFACES) && st->nifaces)
		ifaces_print(st);
	if (SHAS(st, PATHS))
		paths_print(st);
}

static json_object *ifaces_json(const struct sipctl_status *st)
{
	json_object *a = json_object_new_array(), *o;
	char addr[CLI_EP_MAX];
	unsigned int i;

	for (i = 0; i < st->nifaces; i++) {
		o = json_object_new_object();
		json_add(o, "name", json_object_new_string(st->ifaces[i].name));
		if (st->ifaces[i].address.sa.sa_family)
			json_add(o, "address",
				 json_object_new_string(
					 cli_host(&st->ifaces[i].address, addr,
						  sizeof(addr))));
		json_add(o, "fastpath",
			 json_object_new_string(st->ifaces[i].fastpath));
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *paths_json(const struct sipctl_status *st)
{
	json_object *all = json_object_new_object(), *o;
	const struct sipctl_path_counters *p;
	int i;

	for (i = 0; i < SIPCTL_PATH_MAX; i++) {
		p = &st->paths[i];
		o = json_object_new_object();
		json_add(o, "packets", json_object_new_uint64(p->packets));
		json_add(o, "bytes", json_object_new_uint64(p->bytes));
		json_add(o, "drops", json_object_new_uint64(p->drops));
		json_add(o, "flows_ended",
			 json_object_new_uint64(p->flows_ended));
		json_add(all, cli_path(i), o);
	}
	return all;
}

#define U64(o, st, bit, k)                                                \
	do {                                                              \
		if (SHAS(st, bit))                                        \
			json_add(o, #k, json_object_new_uint64((st)->k)); \
	} while (0)

static json_object *status_json(const struct sipctl_status *st)
{
	json_object *o = json_object_new_object();

	if (SHAS(st, VERSION))
		json_add(o, "version", json_object_new_string(st->version));
	U64(o, st, PID, pid);
	U64(o, st, UPTIME, uptime_s);
	if (SHAS(st, FASTPATH))
		json_add(o, "fastpath", json_object_new_string(st->fastpath));
	U64(o, st, TRANSACTIONS, transactions);
	U64(o, st, REGISTRATIONS, registrations);
	U64(o, st, CALLS, calls);
	U64(o, st, CALLS, calls_answered);
	U64(o, st, CALLS_TOTAL, calls_total);
	if (SHAS(st, IFACES))
		json_add(o, "interfaces", ifaces_json(st));
	if (SHAS(st, PATHS))
		json_add(o, "paths", paths_json(st));
	return o;
}

int cmd_status(struct cli *c, int argc, char **argv)
{
	struct sipctl_status st;
	struct sipctl *h;
	int rc, err;

	rc = cli_start(c, argc, argv, use, &h);
	if (!h)
		return rc;
	err = sipctl_status_get(h, &st);
	if (err < 0)
		rc = cli_fail(c, h, err, "status of sipfpd at %s",
			      cli_sock_path(c));
	else if (c->json)
		rc = json_put(status_json(&st));
	else
		status_print(&st);
	sipctl_close(h);
	return rc;
}
