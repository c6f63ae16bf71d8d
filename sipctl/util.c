// SPDX-License-Identifier: GPL-2.0
/*
 * Messages, usage lines and opening a backend: what every subcommand
 * does the same way, so that errors read alike whichever failed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void vmsg(const struct cli *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", c->prog);
	vfprintf(stderr, fmt, ap);
}

void cli_err(const struct cli *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(c, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage_line(const struct cli *c, const char *cmd, FILE *f)
{
	fprintf(f, "Usage: %s [OPTIONS] %s\n", c->prog, cmd);
}

/* A usage error: what was wrong (if @fmt), then the command's usage. */
int cli_usage(const struct cli *c, const char *cmd, const char *fmt, ...)
{
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vmsg(c, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	usage_line(c, cmd, stderr);
	return EXIT_USAGE;
}

/* `sipctl CMD -h`: the usage on stdout, exit 0; -1 when not asked. */
int cli_help(const struct cli *c, int argc, char **argv, const char *cmd)
{
	if (argc < 2 || (strcmp(argv[1], "-h") && strcmp(argv[1], "--help")))
		return -1;
	usage_line(c, cmd, stdout);
	return EXIT_OK;
}

/* The socket sipctl_open_daemon() will use, to name it in errors. */
const char *cli_sock_path(const struct cli *c)
{
	const char *env = getenv("SIPCTL_SOCKET");

	if (c->sock)
		return c->sock;
	return env && *env ? env : SIPCTL_DAEMON_SOCKET;
}

static int vfail(const struct cli *c, const struct sipctl *h, int err,
		 const char *fmt, va_list ap)
{
	vmsg(c, fmt, ap);
	fprintf(stderr, ": %s\n", sipctl_strerror(h, err));
	return EXIT_FAIL;
}

int cli_fail(const struct cli *c, const struct sipctl *h, int err,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(c, h, err, fmt, ap);
	va_end(ap);
	return EXIT_FAIL;
}

int cli_open_daemon(const struct cli *c, struct sipctl **hp)
{
	int err = sipctl_open_daemon(hp, c->sock);

	if (err < 0)
		return cli_fail(c, NULL, err, "cannot talk to sipfpd at %s",
				cli_sock_path(c));
	return EXIT_OK;
}

/*
 * The start of a subcommand of sipfpd's that takes no words: its -h, a
 * usage error for any word, else a handle in *@hp.  *@hp is NULL when
 * the subcommand is done, with the exit code returned.
 */
int cli_start(const struct cli *c, int argc, char **argv, const char *use,
	      struct sipctl **hp)
{
	int rc = cli_help(c, argc, argv, use);

	*hp = NULL;
	if (rc >= 0)
		return rc;
	if (argc > 1)
		return cli_usage(c, use, "%s: unexpected '%s'", argv[0],
				 argv[1]);
	return cli_open_daemon(c, hp);
}

/* As cli_start(), for a subcommand that takes one CALL-ID. */
int cli_start_call(const struct cli *c, int argc, char **argv, const char *use,
		   struct sipctl **hp)
{
	int rc = cli_help(c, argc, argv, use);

	*hp = NULL;
	if (rc >= 0)
		return rc;
	if (argc != 2 || !argv[1][0])
		return cli_usage(c, use,
				 argc < 2 ? "%s: which CALL-ID?" :
				 argc > 2 ? "%s: one CALL-ID only" :
					    "%s: empty CALL-ID",
				 argv[0]);
	return cli_open_daemon(c, hp);
}

/*
 * The end of a dump from sipfpd into @l: the error for @n < 0, else the
 * JSON array or the table; then @l and @h are freed.
 */
int cli_list_end(const struct cli *c, struct sipctl *h, struct cli_list *l,
		 int n, const char *fmt, ...)
{
	int rc = EXIT_OK;
	va_list ap;

	if (n < 0) {
		va_start(ap, fmt);
		rc = vfail(c, h, n, fmt, ap);
		va_end(ap);
	} else if (l->a) {
		rc = json_put(json_object_get(l->a));
	} else if (l->t) {
		table_print(l->t, stdout);
	}
	json_object_put(l->a);
	table_free(l->t);
	sipctl_close(h);
	return rc;
}

static int open_auto_read(const struct cli *c, struct sipctl **hp)
{
	char why[256];
	int err, err2;

	err = sipctl_open_auto(hp);
	if (!err)
		return EXIT_OK;
	snprintf(why, sizeof(why), "%s", sipctl_strerror(NULL, err));
	/* the relay's flows live in sipfpd only */
	err2 = sipctl_open_daemon(hp, c->sock);
	if (!err2)
		return EXIT_OK;
	cli_err(c, "no flow table to read: %s; and sipfpd at %s: %s", why,
		cli_sock_path(c), sipctl_strerror(NULL, err2));
	return EXIT_FAIL;
}

/*
 * A handle for `flows` (@write false) or `flow add|del` (@write true):
 * the backend -b names, else the kernel module's table, else the XDP
 * path's pinned maps, else sipfpd.  Only the module's table takes
 * changes: XDP's maps belong to the sipfpd that loaded them.
 */
int cli_open_flows(const struct cli *c, struct sipctl **hp, bool write)
{
	int err;

	switch (c->backend) {
	case CLI_BE_AUTO:
		if (!write)
			return open_auto_read(c, hp);
		/* fall through */
	case CLI_BE_KERNEL:
		err = sipctl_open_kernel(hp);
		if (err < 0)
			return cli_fail(c, NULL, err, "kernel flow table");
		return EXIT_OK;
	case CLI_BE_XDP:
		err = sipctl_open_xdp(hp);
		if (err < 0)
			return cli_fail(c, NULL, err, "XDP maps");
		return EXIT_OK;
	case CLI_BE_DAEMON:
		return cli_open_daemon(c, hp);
	}
	return EXIT_FAIL;
}
