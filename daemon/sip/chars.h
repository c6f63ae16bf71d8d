/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Character classes of the RFC 3261 §25.1 grammar, one table lookup each.
 */
#ifndef SIPFP_SIP_CHARS_H
#define SIPFP_SIP_CHARS_H

#include <stdbool.h>
#include <stdint.h>

#define SIP_C_TOKEN 0x01	/* token: alphanum and -.!%*_+`'~ */
#define SIP_C_ALNUM 0x02
#define SIP_C_DIGIT 0x04
#define SIP_C_HEX 0x08
#define SIP_C_UNRESERVED 0x10	/* alphanum and mark -_.!~*'() */
#define SIP_C_USER 0x20		/* user-unreserved &=+$,;?/ */
#define SIP_C_PARAM 0x40	/* param-unreserved []/:&+$ */
#define SIP_C_HNV 0x80		/* hnv-unreserved []/?:+$ */

extern const uint8_t sip_ctype[256];

static inline bool sip_is(unsigned char c, uint8_t cls)
{
	return sip_ctype[c] & cls;
}

static inline bool sip_is_token(unsigned char c)
{
	return sip_ctype[c] & SIP_C_TOKEN;
}

static inline bool sip_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* SP, HTAB, and CR/LF: inside a header value a folded line end is LWS. */
static inline bool sip_is_lws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline int sip_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
