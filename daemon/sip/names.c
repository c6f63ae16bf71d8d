// SPDX-License-Identifier: GPL-2.0
/*
 * Method and header names.  Lookups are on the hot path (every header of
 * every message), so they switch on the first letter before comparing.
 */
#include <ctype.h>

#include "msg.h"

struct name {
	const char *s;
	uint8_t len;
	uint8_t id;
};

#define N(str, val) { str, sizeof(str) - 1, val }

static const struct name methods[] = {
	N("INVITE", SIP_INVITE),   N("ACK", SIP_ACK),
	N("BYE", SIP_BYE),	   N("CANCEL", SIP_CANCEL),
	N("REGISTER", SIP_REGISTER), N("OPTIONS", SIP_OPTIONS),
	N("INFO", SIP_INFO),	   N("UPDATE", SIP_UPDATE),
	N("PRACK", SIP_PRACK),	   N("SUBSCRIBE", SIP_SUBSCRIBE),
	N("NOTIFY", SIP_NOTIFY),   N("REFER", SIP_REFER),
	N("MESSAGE", SIP_MESSAGE), N("PUBLISH", SIP_PUBLISH),
};

/* Long names, in enum order after SIP_H_OTHER. */
static const struct name headers[] = {
	N("Via", SIP_H_VIA),
	N("From", SIP_H_FROM),
	N("To", SIP_H_TO),
	N("Call-ID", SIP_H_CALL_ID),
	N("CSeq", SIP_H_CSEQ),
	N("Max-Forwards", SIP_H_MAX_FORWARDS),
	N("Contact", SIP_H_CONTACT),
	N("Route", SIP_H_ROUTE),
	N("Record-Route", SIP_H_RECORD_ROUTE),
	N("Path", SIP_H_PATH),
	N("Content-Length", SIP_H_CONTENT_LENGTH),
	N("Content-Type", SIP_H_CONTENT_TYPE),
	N("Content-Encoding", SIP_H_CONTENT_ENCODING),
	N("Expires", SIP_H_EXPIRES),
	N("Min-Expires", SIP_H_MIN_EXPIRES),
	N("Authorization", SIP_H_AUTHORIZATION),
	N("Proxy-Authorization", SIP_H_PROXY_AUTHORIZATION),
	N("WWW-Authenticate", SIP_H_WWW_AUTHENTICATE),
	N("Proxy-Authenticate", SIP_H_PROXY_AUTHENTICATE),
	N("Supported", SIP_H_SUPPORTED),
	N("Require", SIP_H_REQUIRE),
	N("Proxy-Require", SIP_H_PROXY_REQUIRE),
	N("Unsupported", SIP_H_UNSUPPORTED),
	N("Allow", SIP_H_ALLOW),
	N("User-Agent", SIP_H_USER_AGENT),
	N("Server", SIP_H_SERVER),
	N("Subject", SIP_H_SUBJECT),
	N("Event", SIP_H_EVENT),
	N("Allow-Events", SIP_H_ALLOW_EVENTS),
	N("Accept", SIP_H_ACCEPT),
	N("Date", SIP_H_DATE),
	N("Timestamp", SIP_H_TIMESTAMP),
	N("Warning", SIP_H_WARNING),
	N("Retry-After", SIP_H_RETRY_AFTER),
};

_Static_assert(sizeof(headers) / sizeof(headers[0]) == SIP_H__COUNT - 1,
	       "headers[] must name every enum sip_hdr_id");

/* RFC 3261 §7.3.3 and the IANA registry: the compact forms we know. */
static const uint8_t compact[26] = {
	['c' - 'a'] = SIP_H_CONTENT_TYPE,
	['e' - 'a'] = SIP_H_CONTENT_ENCODING,
	['f' - 'a'] = SIP_H_FROM,
	['i' - 'a'] = SIP_H_CALL_ID,
	['k' - 'a'] = SIP_H_SUPPORTED,
	['l' - 'a'] = SIP_H_CONTENT_LENGTH,
	['m' - 'a'] = SIP_H_CONTACT,
	['o' - 'a'] = SIP_H_EVENT,
	['s' - 'a'] = SIP_H_SUBJECT,
	['t' - 'a'] = SIP_H_TO,
	['u' - 'a'] = SIP_H_ALLOW_EVENTS,
	['v' - 'a'] = SIP_H_VIA,
};

const char *sip_method_name(enum sip_method method)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].id == method)
			return methods[i].s;
	return "UNKNOWN";
}

/* Methods are case-sensitive (RFC 3261 §7.1). */
enum sip_method sip_method_parse(struct sip_str s)
{
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (methods[i].len == s.len && !memcmp(methods[i].s, s.s, s.len))
			return methods[i].id;
	return SIP_METHOD_UNKNOWN;
}

const char *sip_hdr_name(enum sip_hdr_id id)
{
	if (id <= SIP_H_OTHER || id >= SIP_H__COUNT)
		return NULL;
	return headers[id - 1].s;
}

/* ASCII case-insensitive compare against a name table entry. */
static bool name_eq(const char *a, const char *b, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++)
		if ((a[i] | 0x20) != (b[i] | 0x20))
			return false;
	return true;
}

/* Header names bucketed by length: at most six share one (Call-ID...). */
#define BUCKET 8
static int8_t by_len[24][BUCKET];

static void __attribute__((constructor)) build_index(void)
{
	memset(by_len, -1, sizeof(by_len));
	for (size_t i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
		int8_t *b = by_len[headers[i].len];
		int k = 0;

		while (b[k] >= 0)
			k++;
		/* BUCKET - 1: the last slot stays -1 as the end mark */
		if (k < BUCKET - 1)
			b[k] = i;
	}
}

enum sip_hdr_id sip_hdr_lookup(struct sip_str name)
{
	unsigned char c;

	if (!name.len || name.len >= 24)
		return SIP_H_OTHER;
	c = name.s[0] | 0x20;
	if (name.len == 1)
		return (c >= 'a' && c <= 'z') ? compact[c - 'a'] : SIP_H_OTHER;
	for (const int8_t *b = by_len[name.len]; *b >= 0; b++) {
		const struct name *h = &headers[*b];

		/* '|0x20' folds letters; names hold only letters and '-' */
		if ((h->s[0] | 0x20) == c && name_eq(h->s, name.s, name.len))
			return h->id;
	}
	return SIP_H_OTHER;
}
