// SPDX-License-Identifier: GPL-2.0
/*
 * The request checks of RFC 3261 §16.3 that need no routing state.
 */
#include <errno.h>

#include "msg.h"

static bool supported(const char *const *list, struct sip_str tok)
{
	for (; *list; list++)
		if (sip_str_caseeq_lit(tok, *list))
			return true;
	return false;
}

int sip_req_check(const struct sip_msg *m, const char *const *sup,
		  struct sip_str *unsupported, struct sip_err *err)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_str tok;
	int ret;

	/* §16.3 step 2: a scheme we cannot route is 416 */
	if (m->ruri.scheme == SIP_URI_OTHER)
		return sip_fail(err, m->buf, m->ruri_s.s, 416,
				"unsupported URI scheme");
	/* §16.3 step 3; OPTIONS to the proxy itself is the caller's case */
	if (m->max_forwards == 0 && m->method != SIP_ACK)
		return sip_fail(err, m->buf, m->start_line.s, 483,
				"Max-Forwards exhausted");
	if (!sup)
		return 0;
	/* §16.3 step 5 */
	while ((ret = sip_token_next(m, SIP_H_PROXY_REQUIRE, &it, &tok)) == 1) {
		if (!supported(sup, tok)) {
			if (unsupported)
				*unsupported = tok;
			return sip_fail(err, m->buf, tok.s, 420,
					"unsupported Proxy-Require extension");
		}
	}
	return ret < 0 ? sip_fail(err, m->buf, m->start_line.s, 400,
				  "bad Proxy-Require") : 0;
}
