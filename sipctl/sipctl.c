// SPDX-License-Identifier: GPL-2.0
/*
 * sipctl: see and steer sipfpd and the sipfp fast path.  The global
 * options, then one subcommand from the table below, which parses the
 * rest of the line itself and returns the exit code: 0 done, 1 failed
 * (the error on stderr says what), 2 a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifndef SIPCTL_VERSION
#define SIPCTL_VERSION "unknown"
#endif

static const struct cli_cmd cmds[] = {
	{ "status", cmd_status, "",
	  "version, uptime, fast path per interface, counters" },
	{ "reg", cmd_reg, "", "registrations" },
	{ "calls", cmd_calls, "", "media sessions, one line each" },
	{ "call", cmd_call, "CALL-ID",
	  "one call: streams, legs, flows, packets, loss, jitter" },
	{ "flows", cmd_flows, "[FIELD]",
	  "the fast path's flows; with FIELD, LOCAL<TAB>VALUE lines" },
	{ "flow", cmd_flow, "add|del LOCAL [...]",
	  "add or remove a flow by hand" },
	{ "hangup", cmd_hangup, "CALL-ID", "end a call, BYE to each phone" },
	{ "reload", cmd_reload, "", "read the configuration again" },
	{ "monitor", cmd_monitor, "[COUNT]",
	  "live events: calls starting and ending, latching, idle" },
};

static void usage(const char *prog, FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: %s [-j] [-s SOCKET] [-b BACKEND] COMMAND [ARGS]\n"
		"       %s -h | --version\n\n"
		"Options:\n"
		"  -j, --json             JSON output\n"
		"  -s, --socket SOCKET    sipfpd's control socket\n"
		"  -b, --backend BACKEND  for flows and flow: kernel, "
		"xdp or daemon\n"
		"  -h, --help             this text\n"
		"      --version          sipctl's version\n\n"
		"Commands:\n",
		prog, prog);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %-20s %s\n", cmds[i].name, cmds[i].args,
			cmds[i].help);
}

static int parse_backend(const char *s, enum cli_backend *be)
{
	static const char *const names[] = {
		[CLI_BE_AUTO] = "auto",
		[CLI_BE_KERNEL] = "kernel",
		[CLI_BE_XDP] = "xdp",
		[CLI_BE_DAEMON] = "daemon",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i])) {
			*be = i;
			return 0;
		}
	}
	return -1;
}

static const struct option opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "socket", required_argument, NULL, 's' },
	{ "backend", required_argument, NULL, 'b' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* The global options; -1 on to the command, else the exit code. */
static int parse_opts(struct cli *c, int argc, char **argv)
{
	int o;

	while ((o = getopt_long(argc, argv, "+js:b:h", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			c->json = true;
			break;
		case 's':
			c->sock = optarg;
			break;
		case 'b':
			if (parse_backend(optarg, &c->backend) < 0) {
				cli_err(c,
					"unknown backend '%s' (kernel, xdp, daemon)",
					optarg);
				usage(c->prog, stderr);
				return EXIT_USAGE;
			}
			break;
		case 'h':
			usage(c->prog, stdout);
			return EXIT_OK;
		case 'V':
			printf("sipctl %s\n", SIPCTL_VERSION);
			return EXIT_OK;
		default:
			usage(c->prog, stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cli c = { .prog = "sipctl" };
	size_t i;
	int rc;

	opterr = 1;
	rc = parse_opts(&c, argc, argv);
	if (rc >= 0)
		return rc;
	if (optind >= argc) {
		cli_err(&c, "no command given");
		usage(c.prog, stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (!strcmp(argv[optind], cmds[i].name))
			return cmds[i].run(&c, argc - optind, argv + optind);
	}
	cli_err(&c, "unknown command '%s'", argv[optind]);
	usage(c.prog, stderr);
	return EXIT_USAGE;
}
