/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the SDP code: the line and field splitting shared by the
 * parser (sdp.c) and the writer (sdp_write.c); not part of the API.  The
 * writer re-splits lines the parser accepted and trusts that they split
 * the same way, so there is one copy of each rule.
 */
#ifndef SIPFP_SIP_SDP_LEX_H
#define SIPFP_SIP_SDP_LEX_H

#include "str.h"

/* One past the last octet of @s: where the next field or line starts. */
static inline const char *sdp_end(struct sip_str s)
{
	return s.s + s.len;
}

/*
 * Returns the start of the next line; @line excludes the CRLF or LF (RFC
 * 8866 §5 asks parsers to take a bare LF as a line end too).
 */
static inline const char *sdp_line_next(const char *p, const char *end,
					struct sip_str *line)
{
	const char *nl = memchr(p, '\n', end - p);
	const char *e = nl ? nl : end;

	if (nl && e > p && e[-1] == '\r')
		e--;
	*line = sip_str_make(p, e - p);
	return nl ? nl + 1 : end;
}

static inline const char *sdp_skip_sp(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/*
 * The next SP-separated field at or after @p; empty at @end.  RFC 8866 §9
 * separates fields with one SP; runs of SP (and trailing SP) are
 * tolerated because real user agents write them.
 */
static inline struct sip_str sdp_field(const char *p, const char *end)
{
	const char *s = sdp_skip_sp(p, end);

	p = s;
	while (p < end && *p != ' ')
		p++;
	return sip_str_make(s, p - s);
}

/*
 * "a=<name>[:<value>]" (RFC 8866 §5.13): the name; @val (may be NULL)
 * gets what follows the first ':', or an empty string at the line end.
 */
static inline struct sip_str sdp_attr_name(struct sip_str line,
					   struct sip_str *val)
{
	struct sip_str name = sip_str_make(line.s + 2, line.len - 2);
	const char *end = sdp_end(line);
	const char *colon = memchr(name.s, ':', name.len);

	if (colon)
		name.len = colon - name.s;
	if (val)
		*val = colon ? sip_str_make(colon + 1, end - colon - 1)
			     : sip_str_make(end, 0);
	return name;
}

/* RFC 8839 §5 and RFC 8840 §4: everything ICE puts into SDP. */
static inline bool sdp_is_ice(struct sip_str name)
{
	return (name.len > 4 && !memcmp(name.s, "ice-", 4)) ||
	       sip_str_eq(name, SIP_STR("candidate")) ||
	       sip_str_eq(name, SIP_STR("remote-candidates")) ||
	       sip_str_eq(name, SIP_STR("end-of-candidates"));
}

#endif
