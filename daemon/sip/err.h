/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parse errors: what went wrong, where, and what a server should answer.
 */
#ifndef SIPFP_SIP_ERR_H
#define SIPFP_SIP_ERR_H

#include <stdint.h>

#include "str.h"

struct sip_err {
	/* static text: "bad Via sent-by", "Content-Length exceeds datagram" */
	const char *what;
	/* offset in the parsed buffer where the fault was found */
	uint32_t offset;
	/* header at fault, as written in the message; empty for the start line */
	struct sip_str hdr;
	/*
	 * Status a server answers a request with (400, 416, 420, 505, 513);
	 * 0 when the message must be dropped silently (any malformed response,
	 * or a request too broken to answer: no Via, no CSeq).
	 */
	int status;
};

/*
 * Records the first fault only, so the caller sees the earliest cause.
 * Always returns -EBADMSG for convenient "return sip_fail(...)".
 */
int sip_fail(struct sip_err *err, const char *base, const char *at,
	     int status, const char *what);

#endif
