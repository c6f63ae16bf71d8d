/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Zero-copy string views into a received SIP/SDP buffer.
 *
 * A sip_str never owns memory: it points into the datagram (or stream
 * buffer) the message was parsed from, or into a message's scratch arena.
 * It is not NUL-terminated.
 */
#ifndef SIPFP_SIP_STR_H
#define SIPFP_SIP_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

struct sip_str {
	const char *s;
	uint32_t len;
};

#define SIP_STR(lit) ((struct sip_str){ (lit), sizeof(lit) - 1 })
#define SIP_STR_NULL ((struct sip_str){ NULL, 0 })
/* printf("%.*s", SIP_STR_FMT(x)) */
#define SIP_STR_FMT(x) (int)(x).len, (x).s

static inline struct sip_str sip_str_make(const char *s, size_t len)
{
	return (struct sip_str){ s, (uint32_t)len };
}

static inline struct sip_str sip_str_cstr(const char *s)
{
	return sip_str_make(s, strlen(s));
}

static inline bool sip_str_empty(struct sip_str a)
{
	return a.len == 0;
}

static inline bool sip_str_eq(struct sip_str a, struct sip_str b)
{
	return a.len == b.len && (a.len == 0 || !memcmp(a.s, b.s, a.len));
}

/* ASCII case-insensitive: SIP tokens, header names, parameter names. */
static inline bool sip_str_caseeq(struct sip_str a, struct sip_str b)
{
	return a.len == b.len && (a.len == 0 || !strncasecmp(a.s, b.s, a.len));
}

static inline bool sip_str_caseeq_lit(struct sip_str a, const char *lit)
{
	size_t n = strlen(lit);

	return a.len == n && !strncasecmp(a.s, lit, n);
}

/* Copies at most size - 1 bytes and NUL-terminates; returns a.len. */
static inline size_t sip_str_copy(char *dst, size_t size, struct sip_str a)
{
	size_t n = a.len < size ? a.len : size - 1;

	if (size) {
		memcpy(dst, a.s, n);
		dst[n] = '\0';
	}
	return a.len;
}

#endif
