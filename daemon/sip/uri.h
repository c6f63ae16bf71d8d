/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP, SIPS and tel URIs (RFC 3261 §19, §25.1; RFC 3966).
 *
 * Parsing is zero-copy: every field points into the input.  Escaped
 * octets (%HH) are left escaped in the fields; sip_unescape() decodes on
 * demand and sip_uri_cmp() compares as §19.1.4 requires.
 */
#ifndef SIPFP_SIP_URI_H
#define SIPFP_SIP_URI_H

#include "err.h"
#include "str.h"

enum sip_uri_scheme {
	SIP_URI_SIP,
	SIP_URI_SIPS,
	SIP_URI_TEL,
	/* any other absoluteURI: only scheme and opaque are set */
	SIP_URI_OTHER,
};

enum sip_host_type {
	SIP_HOST_NONE,
	SIP_HOST_NAME,
	SIP_HOST_IPV4,
	/* host is the IPv6reference with its brackets: "[2001:db8::1]" */
	SIP_HOST_IPV6,
};

struct sip_uri {
	uint8_t scheme;	   /* enum sip_uri_scheme */
	uint8_t host_type; /* enum sip_host_type */
	bool lr;	   /* ;lr present */
	uint16_t port;	   /* 0 when absent */
	uint8_t ttl;	   /* ;ttl=, valid when has_ttl */
	bool has_ttl;
	struct sip_str scheme_s; /* as written, without ':' */
	struct sip_str user;	 /* userinfo user part (tel: the number) */
	struct sip_str password; /* empty when absent */
	struct sip_str host;
	/* raw "a=b;c" after the first ';' of the URI (not header params) */
	struct sip_str params;
	/* raw "h=v&h2=v2" after '?' */
	struct sip_str headers;
	/* well-known parameters, values as written */
	struct sip_str transport;
	struct sip_str maddr;
	struct sip_str user_param;
	struct sip_str method;
	/* SIP_URI_OTHER: everything after "scheme:" */
	struct sip_str opaque;
	/* the whole URI as written */
	struct sip_str raw;
};

/**
 * sip_uri_parse() - parse a URI
 * @u: result, fully overwritten
 * @s: start of the URI (no surrounding '<' '>')
 * @len: its length; the whole span must be the URI
 * @err: filled on failure (status 400, or 416 is never set here: callers
 *	 decide whether an unknown scheme is acceptable)
 *
 * Return: 0, or -EBADMSG with @err set.
 */
int sip_uri_parse(struct sip_uri *u, const char *s, size_t len,
		  struct sip_err *err);

/**
 * sip_uri_param() - find a URI parameter by name (case-insensitive)
 * @u: parsed URI
 * @name: parameter name
 * @val: its value as written (empty for a flag parameter); may be NULL
 *
 * Return: true when present.
 */
bool sip_uri_param(const struct sip_uri *u, const char *name,
		   struct sip_str *val);

/**
 * sip_uri_cmp() - compare two URIs per RFC 3261 §19.1.4
 *
 * Return: 0 when equivalent, non-zero otherwise.
 */
int sip_uri_cmp(const struct sip_uri *a, const struct sip_uri *b);

/**
 * sip_unescape() - decode %HH escapes
 * @dst: output buffer, may be @src.s for in-place decoding of writable text
 * @size: its size
 * @src: escaped text
 *
 * Return: decoded length, or -EINVAL for a bad escape, -ENOSPC if @dst
 * is too small.  The output is not NUL-terminated and may contain NUL.
 */
int sip_unescape(char *dst, size_t size, struct sip_str src);

/**
 * sip_uri_print() - write a URI in canonical form (for logs and the demo)
 *
 * Return: like snprintf().
 */
int sip_uri_print(char *buf, size_t size, const struct sip_uri *u);

#endif
