// SPDX-License-Identifier: GPL-2.0
/*
 * sipctl flow add|del: a flow by hand, in the kernel module's table, for
 * tests and for users who drive the fast path from another proxy.  The
 * words after LOCAL are keyword-value pairs, as ip(8) takes them; what
 * they mean together (families that must agree, a DSCP in range) is the
 * kernel's to judge, and its words are what a refusal prints.
 */
#include <string.h>

#include "cli.h"

static const char use_add[] =
	"flow add LOCAL out ADDR:PORT [peer ADDR:PORT] "
	"[src any|fixed ADDR:PORT|latch ADDR[:PORT]] [latch-ms MS] "
	"[cookie N] [rtp] [clock-rate HZ] [dscp N] [idle-ms MS] "
	"[timeout-ms MS]";
static const char use_del[] = "flow del LOCAL [cookie N]";
static const char use_flow[] = "flow add|del LOCAL [...]";

#define EP_FORMS "ADDR:PORT or [ADDR6]:PORT"

static int ep_arg(const struct cli *c, const char *what, const char *s,
		  union sipctl_addr *a)
{
	if (cli_parse_ep(s, a) == 0)
		return 0;
	return cli_usage(c, use_add, "flow: bad address '%s' for %s (%s)", s,
			 what, EP_FORMS);
}

static int src_arg(const struct cli *c, char **argv, int *i,
		   struct sipctl_flow *f)
{
	const char *mode = argv[*i];

	f->has |= SIPCTL_FLOW_HAS_SRC_MODE;
	if (!strcmp(mode, "any")) {
		f->src_mode = SIPCTL_SRC_ANY;
		return 0;
	}
	if (!strcmp(mode, "fixed"))
		f->src_mode = SIPCTL_SRC_FIXED;
	else if (!strcmp(mode, "latch"))
		f->src_mode = SIPCTL_SRC_LATCH;
	else
		return cli_usage(c, use_add,
				 "flow: src is any, fixed or latch, not '%s'",
				 mode);
	if (!argv[++*i])
		return cli_usage(c, use_add, "flow: src %s needs an address",
				 mode);
	f->has |= SIPCTL_FLOW_HAS_SRC;
	return ep_arg(c, "src", argv[*i], &f->src);
}

struct u32_key {
	const char *name;
	uint32_t bit, max;
	size_t off;
};

#define U32K(n, b, m, fld)                                                   \
	{                                                                    \
		n, SIPCTL_FLOW_HAS_##b, m, offsetof(struct sipctl_flow, fld) \
	}

static const struct u32_key u32_keys[] = {
	U32K("latch-ms", LATCH_MS, UINT32_MAX, latch_ms),
	U32K("clock-rate", CLOCK_RATE, UINT32_MAX, clock_rate),
	U32K("idle-ms", IDLE_MS, UINT32_MAX, idle_ms),
	U32K("timeout-ms", TIMEOUT_MS, UINT32_MAX, timeout_ms),
	/* the kernel says what range it takes; a byte is all we can send */
	U32K("dscp", DSCP, UINT8_MAX, dscp),
};

static int u32_arg(const struct cli *c, const struct u32_key *k, const char *s,
		   struct sipctl_flow *f)
{
	uint32_t v;

	if (cli_parse_u32(s, k->max, &v) < 0)
		return cli_usage(c, use_add,
				 "flow: %s takes a number up to %u, not '%s'",
				 k->name, k->max, s);
	if (k->max == UINT8_MAX)
		*((uint8_t *)f + k->off) = v;
	else
		memcpy((char *)f + k->off, &v, sizeof(v));
	f->has |= k->bit;
	return 0;
}

static int cookie_arg(const struct cli *c, const char *use, const char *s,
		      struct sipctl_flow *f)
{
	if (cli_parse_u64(s, &f->cookie) < 0)
		return cli_usage(c, use, "flow: bad cookie '%s'", s);
	f->has |= SIPCTL_FLOW_HAS_COOKIE;
	return 0;
}

/* One keyword of `flow add` at argv[*i], its value if it takes one. */
static int add_word(const struct cli *c, char **argv, int *i,
		    struct sipctl_flow *f)
{
	const char *w = argv[*i], *v = argv[*i + 1];
	size_t k;

	if (!strcmp(w, "rtp")) {
		f->flags |= SIPCTL_F_RTP;
		f->has |= SIPCTL_FLOW_HAS_FLAGS;
		return 0;
	}
	if (!v)
		return cli_usage(c, use_add, "flow: %s needs a value", w);
	++*i;
	if (!strcmp(w, "src"))
		return src_arg(c, argv, i, f);
	if (!strcmp(w, "out")) {
		f->has |= SIPCTL_FLOW_HAS_OUT;
		return ep_arg(c, "out", v, &f->out);
	}
	if (!strcmp(w, "peer")) {
		f->has |= SIPCTL_FLOW_HAS_PEER;
		return ep_arg(c, "peer", v, &f->peer);
	}
	if (!strcmp(w, "cookie"))
		return cookie_arg(c, use_add, v, f);
	for (k = 0; k < sizeof(u32_keys) / sizeof(u32_keys[0]); k++)
		if (!strcmp(w, u32_keys[k].name))
			return u32_arg(c, &u32_keys[k], v, f);
	return cli_usage(c, use_add, "flow: unknown keyword '%s'", w);
}

/* argv: add LOCAL WORDS...; cookie 0 and src any unless given */
static int parse_add(const struct cli *c, int argc, char **argv,
		     struct sipctl_flow *f)
{
	int i, rc;

	memset(f, 0, sizeof(*f));
	f->has = SIPCTL_FLOW_HAS_LOCAL | SIPCTL_FLOW_HAS_COOKIE |
		 SIPCTL_FLOW_HAS_SRC_MODE;
	f->src_mode = SIPCTL_SRC_ANY;
	if (argc < 2)
		return cli_usage(c, use_add, "flow add: LOCAL missing");
	rc = ep_arg(c, "local", argv[1], &f->local);
	for (i = 2; !rc && i < argc; i++)
		rc = add_word(c, argv, &i, f);
	if (!rc && !(f->has & SIPCTL_FLOW_HAS_OUT))
		rc = cli_usage(c, use_add, "flow add: out ADDR:PORT missing");
	return rc;
}

static int parse_del(const struct cli *c, int argc, char **argv,
		     struct sipctl_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->has = SIPCTL_FLOW_HAS_LOCAL;
	if (argc < 2)
		return cli_usage(c, use_del, "flow del: LOCAL missing");
	if (cli_parse_ep(argv[1], &f->local) < 0)
		return cli_usage(c, use_del,
				 "flow: bad address '%s' for local (%s)",
				 argv[1], EP_FORMS);
	if (argc == 2)
		return 0;
	if (argc == 4 && !strcmp(argv[2], "cookie"))
		return cookie_arg(c, use_del, argv[3], f);
	return cli_usage(c, use_del, "flow del: unexpected '%s'", argv[2]);
}

int cmd_flow(struct cli *c, int argc, char **argv)
{
	char ep[CLI_EP_MAX];
	struct sipctl_flow f;
	struct sipctl *h;
	bool add;
	int rc, err;

	rc = cli_help(c, argc, argv, use_flow);
	if (rc >= 0)
		return rc;
	if (argc < 2)
		return cli_usage(c, use_flow, "flow: add or del?");
	add = !strcmp(argv[1], "add");
	if (!add && strcmp(argv[1], "del"))
		return cli_usage(c, use_flow,
				 "flow: '%s' is neither add nor del", argv[1]);
	rc = add ? parse_add(c, argc - 1, argv + 1, &f) :
		   parse_del(c, argc - 1, argv + 1, &f);
	if (rc)
		return rc;
	rc = cli_open_flows(c, &h, true);
	if (rc)
		return rc;
	err = add ? sipctl_flow_add(h, &f) : sipctl_flow_del(h, &f);
	if (err < 0)
		rc = cli_fail(c, h, err, "flow %s %s", argv[1],
			      cli_ep(&f.local, ep, sizeof(ep)));
	sipctl_close(h);
	return rc;
}
