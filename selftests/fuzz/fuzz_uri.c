// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the URI layer.  Beyond "no crash, no overread"
 * it checks three properties: a parsed URI equals itself, every field is
 * a view inside the input, and the printed form parses back to an equal
 * URI.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "sip/uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_inside(struct sip_str f, const char *s, size_t len)
{
	if (f.len && (f.s < s || f.s + f.len > s + len))
		abort();
}

static void check_fields(const struct sip_uri *u, const char *s, size_t len)
{
	const struct sip_str f[] = {
		u->scheme_s,   u->user,	   u->password,	 u->host,
		u->params,     u->headers, u->transport, u->maddr,
		u->user_param, u->method,  u->opaque,	 u->raw,
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		check_inside(f[i], s, len);
	if (u->raw.s != s || u->raw.len != len)
		abort();
}

static void check_print(const struct sip_uri *u)
{
	static char buf[8192];
	struct sip_uri v;
	struct sip_err err = { 0 };
	int n;

	n = sip_uri_print(buf, sizeof(buf), u);
	if (n < 0)
		abort();
	if ((size_t)n >= sizeof(buf))
		return;
	if (sip_uri_parse(&v, buf, (size_t)n, &err) || sip_uri_cmp(u, &v) ||
	    sip_uri_cmp(&v, u)) {
		fprintf(stderr, "print round trip: %s at %u: %.*s\n",
			err.what ? err.what : "unequal", err.offset, n, buf);
		abort();
	}
	/* a too-small buffer must still be terminated and report n */
	if (sip_uri_print(buf, 4, u) != n || buf[n < 3 ? n : 3] != '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct sip_err err = { 0 };
	struct sip_uri u;
	char out[256];

	if (sip_uri_parse(&u, s, size, &err)) {
		if (!err.what || err.status != 400 || err.offset > size)
			abort();
		return 0;
	}
	check_fields(&u, s, size);
	if (sip_uri_cmp(&u, &u))
		abort();
	if (sip_unescape(out, sizeof(out), u.user) == -EINVAL ||
	    sip_unescape(out, sizeof(out), u.headers) == -EINVAL)
		abort();
	sip_uri_param(&u, "transport", NULL);
	check_print(&u);
	return 0;
}
