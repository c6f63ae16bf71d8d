/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Responses built from a request (RFC 3261 §8.2.6) and the server
 * transport's Via stamp (§18.2.1, RFC 3581).
 */
#ifndef SIPFP_SIP_REPLY_H
#define SIPFP_SIP_REPLY_H

#include "msg.h"

/* The standard reason phrase of a status code, "Unknown" otherwise. */
const char *sip_reason(int status);

struct sip_reply {
	int status;
	const char *reason;	/* NULL: sip_reason(status) */
	struct sip_str to_tag;	/* added to To when the request's has none */
	const char *extra;	/* header lines, each ending in CRLF, or NULL */
	struct sip_str ctype;	/* Content-Type when there is a body */
	struct sip_str body;
};

/**
 * sip_reply_write() - write a response to @req
 * @req: the parsed request (with any Via stamp applied)
 * @r: what to answer
 * @out: output buffer
 * @size: its size
 *
 * Copies every Via, From, To, Call-ID and CSeq line of the request (§8.2.6.2),
 * adds the To tag unless the status is 100, then @r->extra, Content-Type
 * and Content-Length, and the body.  A request whose parse failed can be
 * answered too, with whatever of those headers it had.
 *
 * Return: length written, or -ENOSPC.
 */
ssize_t sip_reply_write(const struct sip_msg *req, const struct sip_reply *r,
			char *out, size_t size);

/**
 * sip_via_stamp() - record where a request really came from
 * @m: the received request
 * @ip: the packet's source address, printed ("192.0.2.1", "2001:db8::1")
 * @port: its source port
 *
 * Adds ";received=@ip" to the top Via when its sent-by differs from @ip or
 * when it asked for rport, and fills ";rport=@port" when the UA asked for
 * it (RFC 3581 §4).  Other parameters keep their order and spelling.
 *
 * Return: 0, -ENOSPC when the scratch arena is full, -ENOENT with no Via.
 */
int sip_via_stamp(struct sip_msg *m, const char *ip, uint16_t port);

#endif
