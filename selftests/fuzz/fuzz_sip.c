// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the SIP message layer: parse as a datagram and as
 * a stream, walk every iterator, apply a proxy's edits, serialize, and
 * require that what we wrote parses again.
 */
#include <stdlib.h>
#include <string.h>

#include "sip/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void walk(const struct sip_msg *m)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;
	struct sip_nameaddr na;
	struct sip_via v;
	struct sip_str tok;
	struct sip_auth a;

	while (sip_via_next(m, &it, &v) == 1)
		;
	it = (struct sip_iter)SIP_ITER_INIT;
	while (sip_contact_next(m, &it, &c) == 1)
		;
	it = (struct sip_iter)SIP_ITER_INIT;
	while (sip_nameaddr_next(m, SIP_H_ROUTE, &it, &na) == 1)
		;
	it = (struct sip_iter)SIP_ITER_INIT;
	while (sip_token_next(m, SIP_H_SUPPORTED, &it, &tok) == 1)
		;
	for (int i = m->first[SIP_H_AUTHORIZATION]; i >= 0; i = m->hdr[i].next)
		sip_auth_parse(&a, m->hdr[i].value, NULL);
}

static void edit_and_reparse(struct sip_msg *m)
{
	static char out[1 << 17];
	static struct sip_msg again;
	struct sip_err err;
	ssize_t n;

	if (m->is_request) {
		sip_route_pop(m);
		sip_via_push(m, SIP_STR("SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKfuzz"));
		sip_rr_push(m, SIP_STR("<sip:192.0.2.1;lr>"));
		sip_set_ruri(m, SIP_STR("sip:bob@192.0.2.2:5062"));
	} else {
		sip_via_pop(m);
	}
	n = sip_msg_write(m, out, sizeof(out));
	if (n < 0)
		return;
	/* a response whose only Via we removed is legitimately incomplete */
	if (sip_msg_parse(&again, out, n, 0, &err) && m->is_request &&
	    m->nhdrs + 3 <= SIP_MAX_HDRS)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sip_msg m;
	struct sip_err err;
	char *buf = malloc(size ? size : 1);

	/* a private copy of exactly @size bytes: ASan sees any over-read */
	memcpy(buf, data, size);
	sip_msg_frame(buf, size, &err);
	if (!sip_msg_parse(&m, buf, size, SIP_PARSE_STREAM, &err))
		walk(&m);
	if (!sip_msg_parse(&m, buf, size, 0, &err)) {
		walk(&m);
		edit_and_reparse(&m);
	}
	free(buf);
	return 0;
}
