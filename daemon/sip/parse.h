/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal to the SIP message layer: shared between parse.c, hdr.c,
 * validate.c and write.c; not part of the API.
 */
#ifndef SIPFP_SIP_PARSE_H
#define SIPFP_SIP_PARSE_H

#include "msg.h"

/* Decimal digits only, no sign, no LWS; -ERANGE above @max. */
int sip_parse_uint(struct sip_str v, uint64_t max, uint64_t *out);

/* sip_fail() naming header @idx and pointing at its value. */
int sip_hdr_fail(struct sip_msg *m, int idx, struct sip_err *err, int status,
		 const char *what);

/* Structured checks of every known header, and §8.1.1 mandatory ones. */
int sip_msg_validate(struct sip_msg *m, struct sip_err *err);

/* After a failure: parse what can be parsed for an error response. */
void sip_msg_salvage(struct sip_msg *m, struct sip_err *err);

/* Next element of a comma-separated header value, from *pos; quote- and
 * angle-bracket-aware.  Return: 1, 0 at the end, -EBADMSG on an empty
 * element or unbalanced quotes. */
int sip_list_next(struct sip_str value, uint32_t *pos, struct sip_str *elem);

/* Skip white space, folded line ends included; and backwards from @p. */
const char *sip_skip_lws(const char *p, const char *end);
const char *sip_trim_lws(const char *start, const char *p);

/*
 * One ";name[=value]" at *pp, white space allowed around ';' and '='; the
 * value keeps its quotes and is empty for a flag.
 * Return: 1, 0 when *pp (after white space) is not at ';', -EBADMSG.
 */
int sip_param_next(const char **pp, const char *end, struct sip_str *name,
		   struct sip_str *value);

/* The closing quote of the quoted-string opening at @p, or NULL. */
const char *sip_quoted_end(const char *p, const char *end);

/* Strips one pair of surrounding double quotes. */
struct sip_str sip_unquote(struct sip_str v);

/* hostname / IPv4address / IPv6reference at @p: its end, or NULL. */
const char *sip_host_scan(const char *p, const char *end, uint8_t *type);

/* The value parsers, reporting offsets relative to @base. */
int sip_via_parse_at(struct sip_via *v, const char *s, size_t len,
		     const char *base, struct sip_err *err);
int sip_nameaddr_parse_at(struct sip_nameaddr *na, const char *s, size_t len,
			  const char *base, struct sip_err *err);
int sip_contact_parse_at(struct sip_contact *c, const char *s, size_t len,
			 const char *base, struct sip_err *err);

/* A bounded output cursor: writes stop, and full is set, at the end. */
struct out {
	char *p;
	char *end;
	bool full;
};

static inline void put(struct out *o, const char *s, size_t n)
{
	if (!n)
		return;
	if (o->full || (size_t)(o->end - o->p) < n) {
		o->full = true;
		return;
	}
	memcpy(o->p, s, n);
	o->p += n;
}

#endif
