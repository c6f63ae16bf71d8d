// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics listener's request parser: just enough HTTP/1.x to tell
 * GET /metrics from anything else.  Headers are skipped, not read: no
 * answer depends on one.
 */
#include <string.h>

#include "metrics.h"

static const char *line_end(const char *s, size_t len)
{
	return memchr(s, '\n', len);
}

/* "GET /metrics HTTP/1.1" (a CR before the LF is the caller's to drop) */
static int request_line(const char *s, size_t n)
{
	const char *sp1 = memchr(s, ' ', n), *sp2, *t;
	size_t tlen;

	if (!sp1 || sp1 == s)
		return 400;
	sp2 = memchr(sp1 + 1, ' ', n - (sp1 + 1 - s));
	if (!sp2 || sp2 == sp1 + 1)
		return 400;
	if (n - (sp2 + 1 - s) != 8 || memcmp(sp2 + 1, "HTTP/1.", 7) ||
	    (sp2[8] != '0' && sp2[8] != '1'))
		return 400;
	for (t = s; t < sp1; t++)
		if (*t < 'A' || *t > 'Z')
			return 400;
	for (t = sp1 + 1; t < sp2; t++)
		if (*t <= ' ' || *t >= 0x7f)
			return 400;
	if (sp1 - s != 3 || memcmp(s, "GET", 3))
		return 405;
	t = sp1 + 1;
	tlen = sp2 - t;
	/* a query string changes nothing here */
	if ((tlen == 8 || (tlen > 8 && t[8] == '?')) &&
	    !memcmp(t, "/metrics", 8))
		return 200;
	return 404;
}

/* The offset just past the blank line ending the head, 0 if none yet. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

int metrics_http_parse(const char *buf, size_t len)
{
	const char *nl =
		line_end(buf, len < METRICS_REQ_MAX ? len : METRICS_REQ_MAX);
	size_t n, end;
	int status;

	if (!nl)
		return len >= METRICS_REQ_MAX ? 400 : 0;
	n = nl - buf;
	if (n && buf[n - 1] == '\r')
		n--;
	status = request_line(buf, n);
	if (status != 200 && status != 404 && status != 405)
		return status;
	end = head_end(buf, len < METRICS_REQ_MAX ? len : METRICS_REQ_MAX);
	/* what follows the head (a body) is never read */
	if (end)
		return memchr(buf, '\0', end) ? 400 : status;
	return len >= METRICS_REQ_MAX ? 400 : 0;
}
