/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sipctl's subcommands and what they share: the global options, opening
 * a backend, addresses, aligned tables and JSON output.  Every
 * subcommand returns the program's exit code.
 */
#ifndef SIPCTL_CLI_H
#define SIPCTL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

#include "sipctl.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
};

/* -b: which backend `flows` and `flow` use */
enum cli_backend {
	CLI_BE_AUTO, /* the kernel's or XDP's tables, else the daemon */
	CLI_BE_KERNEL,
	CLI_BE_XDP,
	CLI_BE_DAEMON,
};

struct cli {
	const char *prog;
	const char *sock; /* -s, or NULL: the library's default */
	enum cli_backend backend;
	bool json;
};

struct cli_cmd {
	const char *name;
	int (*run)(struct cli *c, int argc, char **argv);
	const char *args; /* after the name, for usage lines */
	const char *help;
};

int cmd_status(struct cli *c, int argc, char **argv);
int cmd_reg(struct cli *c, int argc, char **argv);
int cmd_calls(struct cli *c, int argc, char **argv);
int cmd_call(struct cli *c, int argc, char **argv);
int cmd_flows(struct cli *c, int argc, char **argv);
int cmd_flow(struct cli *c, int argc, char **argv);
int cmd_hangup(struct cli *c, int argc, char **argv);
int cmd_reload(struct cli *c, int argc, char **argv);
int cmd_monitor(struct cli *c, int argc, char **argv);

/* util.c: messages, usage, opening a backend, a subcommand's start and end */
void cli_err(const struct cli *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_usage(const struct cli *c, const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int cli_help(const struct cli *c, int argc, char **argv, const char *cmd);
const char *cli_sock_path(const struct cli *c);
int cli_open_daemon(const struct cli *c, struct sipctl **hp);
int cli_open_flows(const struct cli *c, struct sipctl **hp, bool write);
int cli_fail(const struct cli *c, const struct sipctl *h, int err,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int cli_start(const struct cli *c, int argc, char **argv, const char *use,
	      struct sipctl **hp);
int cli_start_call(const struct cli *c, int argc, char **argv, const char *use,
		   struct sipctl **hp);

/*
 * A dump from sipfpd as its subcommand prints it: rows of @t, or with -j
 * elements of @a; @n counts what came.
 */
struct cli_list {
	struct table *t;
	json_object *a;
	unsigned int n;
};
int cli_list_end(const struct cli *c, struct sipctl *h, struct cli_list *l,
		 int n, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* addr.c: endpoints as text */
#define CLI_EP_MAX (INET6_ADDRSTRLEN + 8)
int cli_parse_ep(const char *s, union sipctl_addr *a);
int cli_parse_u32(const char *s, uint32_t max, uint32_t *v);
int cli_parse_u64(const char *s, uint64_t *v);
const char *cli_ep(const union sipctl_addr *a, char *buf, size_t len);
const char *cli_host(const union sipctl_addr *a, char *buf, size_t len);
const char *cli_src_mode(uint8_t mode);

/* out.c: aligned tables, JSON */
struct table;
struct table *table_new(int ncols, ...);
void table_add(struct table *t, ...);
void table_print(struct table *t, FILE *f);
void table_free(struct table *t);
const char *cli_u64(uint64_t v, char *buf, size_t len);
const char *cli_duration(uint64_t s, char *buf, size_t len);
void cli_kv(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
json_object *json_ep(const union sipctl_addr *a);
void json_add(json_object *o, const char *key, json_object *v);

/* callfmt.c: a call, for calls and call */
struct table *call_table(void);
void call_row(struct table *t, const struct sipctl_call *call);
void call_print(const struct sipctl_call *call);
json_object *call_json(const struct sipctl_call *call);
int json_put(json_object *o);
int json_line(json_object *o);

const char *cli_side(uint8_t side);
const char *cli_kind(uint8_t kind);
const char *cli_path(uint8_t path);

/*
 * A flow as sipctl shows it: from the kernel or XDP just @sf.flow
 * (@sf.has 0), from sipfpd also its call and its place there.
 */
struct cli_flow {
	struct sipctl_stream_flow sf;
	char call_id[SIPCTL_CALL_ID_MAX];
};

/* flowfmt.c: a flow, as a row, as fields and as JSON */
enum flow_style {
	FLOWS_PLAIN, /* the kernel's or XDP's: no call */
	FLOWS_CALLS, /* sipfpd's: side, kind, path and call */
	FLOWS_STREAM, /* in one call's stream: side, kind and path */
};
struct table *flow_table(enum flow_style st);
void flow_row(struct table *t, const struct cli_flow *f, enum flow_style st);
json_object *flow_json(const struct cli_flow *f);
int flow_field_print(const struct cli_flow *f, const char *field);
bool flow_field_known(const char *field);
const char *flow_field_names(void);

#endif
