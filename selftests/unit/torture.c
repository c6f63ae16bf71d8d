// SPDX-License-Identifier: GPL-2.0
/*
 * The RFC 4475 programs' fixture: one message under test, read byte for
 * byte from selftests/unit/rfc4475/ and parsed as a UDP datagram, and the
 * field checks both programs make on it.  Linked into every unit program
 * (see tutil.h), hence the tt_ prefix on all it exports.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/CUnit.h>

#include "torture.h"

#define DAT_DIR "selftests/unit/rfc4475/"

char *tt_buf;
size_t tt_len;
struct sip_msg tt_msg;
struct sip_err tt_err;

/* Option tags this proxy supports, for the Proxy-Require check. */
static const char *const proxy_opts[] = { "path", "outbound", "gruu", NULL };

void tt_unload(void)
{
	free(tt_buf);
	tt_buf = NULL;
	tt_len = 0;
}

static int load(const char *name)
{
	char path[128];

	tt_unload();
	snprintf(path, sizeof(path), DAT_DIR "%s.dat", name);
	return tu_load(path, &tt_buf, &tt_len);
}

static int parse_buf(void)
{
	memset(&tt_err, 0, sizeof(tt_err));
	return sip_msg_parse(&tt_msg, tt_buf, tt_len, 0, &tt_err);
}

void tt_accept(const char *name)
{
	int rc;

	CU_ASSERT_EQUAL_FATAL(load(name), 0);
	rc = parse_buf();
	if (rc)
		fprintf(stderr, "\n  %s refused: %s (status %d, offset %u)\n",
			name, tt_err.what ? tt_err.what : "-", tt_err.status,
			tt_err.offset);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
}

/* @hdr: the header blamed, "" for the start line, NULL not checked. */
void tt_refuse_buf(int status, const char *hdr)
{
	int rc = parse_buf();

	if (rc != -EBADMSG || tt_err.status != status)
		fprintf(stderr, "\n  got %d, status %d: %s\n", rc,
			tt_err.status, tt_err.what ? tt_err.what : "-");
	CU_ASSERT_EQUAL(rc, -EBADMSG);
	CU_ASSERT_EQUAL(tt_err.status, status);
	CU_ASSERT_PTR_NOT_NULL(tt_err.what);
	if (hdr)
		CU_ASSERT_TRUE(tu_same(tt_err.hdr, sip_str_cstr(hdr)));
}

void tt_refuse(const char *name, int status, const char *hdr)
{
	CU_ASSERT_EQUAL_FATAL(load(name), 0);
	tt_refuse_buf(status, hdr);
}

/* The RFC's <repeat count=n> notation: @pre, @n times @unit, @post. */
const char *tt_rep(char *dst, size_t size, const char *pre, const char *unit,
		   int n, const char *post)
{
	size_t len = snprintf(dst, size, "%s", pre);

	while (n-- > 0 && len < size)
		len += snprintf(dst + len, size - len, "%s", unit);
	if (len < size)
		snprintf(dst + len, size - len, "%s", post);
	return dst;
}

void tt_check_req(enum sip_method method, const char *method_s)
{
	CU_ASSERT_TRUE(tt_msg.is_request);
	CU_ASSERT_EQUAL(tt_msg.method, method);
	EQS(tt_msg.method_s, method_s);
	EQ(tt_msg.version, "SIP/2.0");
}

void tt_check_resp(uint16_t status, struct sip_str reason)
{
	CU_ASSERT_FALSE(tt_msg.is_request);
	CU_ASSERT_EQUAL(tt_msg.status, status);
	CU_ASSERT_TRUE(tu_same(tt_msg.reason, reason));
	EQ(tt_msg.version, "SIP/2.0");
}

/* A sip: URI; the user part stays escaped as received. */
void tt_check_uri(const struct sip_uri *u, const char *user, const char *host,
		  uint16_t port, const char *params)
{
	CU_ASSERT_EQUAL(u->scheme, SIP_URI_SIP);
	EQ(u->scheme_s, "sip");
	EQS(u->user, user);
	EQS(u->host, host);
	CU_ASSERT_EQUAL(u->port, port);
	EQS(u->params, params);
}

void tt_check_addr(const struct sip_nameaddr *na, const char *display,
		   const char *user, const char *host, const char *tag)
{
	EQS(na->display, display);
	CU_ASSERT_EQUAL(na->uri.scheme, SIP_URI_SIP);
	EQS(na->uri.user, user);
	EQS(na->uri.host, host);
	EQS(na->tag, tag);
}

void tt_check_ids(const char *call_id, uint32_t cseq, const char *cseq_method,
		  int max_forwards)
{
	EQS(tt_msg.call_id, call_id);
	CU_ASSERT_EQUAL(tt_msg.cseq.num, cseq);
	EQS(tt_msg.cseq.method_s, cseq_method);
	CU_ASSERT_EQUAL(tt_msg.max_forwards, max_forwards);
}

/* Content-Length and the body it frames; the datagram holds nothing else. */
void tt_check_body(int64_t content_length, uint32_t body_len)
{
	CU_ASSERT_EQUAL(tt_msg.content_length, content_length);
	CU_ASSERT_EQUAL(tt_msg.body.len, body_len);
	CU_ASSERT_EQUAL(tt_msg.len, tt_len);
}

void tt_check_via(const struct sip_via *v, const struct via_want *w)
{
	EQ(v->proto, "SIP");
	EQ(v->version, "2.0");
	EQS(v->transport, w->transport);
	EQS(v->host, w->host);
	CU_ASSERT_EQUAL(v->port, w->port);
	EQS(v->branch, w->branch);
	EQS(v->received, w->received);
}

/* tt_msg.via is the top one; the iterator walks all Via lines in order. */
void tt_check_vias(const struct via_want *w, int n)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_via v;
	int i = 0, rc;

	CU_ASSERT_EQUAL(tt_msg.nvia, n);
	tt_check_via(&tt_msg.via, &w[0]);
	while ((rc = sip_via_next(&tt_msg, &it, &v)) == 1 && i < n)
		tt_check_via(&v, &w[i++]);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(i, n);
}

void tt_check_contacts(const struct contact_want *w, int n)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;
	int i = 0, rc;

	while ((rc = sip_contact_next(&tt_msg, &it, &c)) == 1 && i < n) {
		CU_ASSERT_FALSE(c.star);
		tt_check_uri(&c.na.uri, w[i].user, w[i].host, w[i].port,
			     w[i].uri_params ? w[i].uri_params : "");
		CU_ASSERT_EQUAL(c.q, w[i].q);
		CU_ASSERT_EQUAL(c.expires, w[i].expires);
		EQS(c.na.display, w[i].display ? w[i].display : "");
		i++;
	}
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(i, n);
}

void tt_check_tokens(enum sip_hdr_id id, const char *const *want)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_str tok;
	int rc;

	while ((rc = sip_token_next(&tt_msg, id, &it, &tok)) == 1 && *want)
		EQS(tok, *want++);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NULL(*want);
}

/* The header as received, name spelled as in the message. */
void tt_check_hdr(const char *name, enum sip_hdr_id id, struct sip_str value)
{
	const struct sip_hdr *h = NULL;

	for (int i = 0; i < tt_msg.nhdrs && !h; i++)
		if (sip_str_eq(tt_msg.hdr[i].name, sip_str_cstr(name)))
			h = &tt_msg.hdr[i];
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->id, id);
	CU_ASSERT_TRUE(tu_same(h->value, value));
}

/* A proxy forwarding the request (not one addressed to itself). */
int tt_proxy_check(struct sip_str *unsupported)
{
	memset(&tt_err, 0, sizeof(tt_err));
	return sip_req_check(&tt_msg, proxy_opts, unsupported, &tt_err);
}

void tt_check_unescaped(struct sip_str s, struct sip_str want)
{
	char out[64];
	int n = sip_unescape(out, sizeof(out), s);

	CU_ASSERT_EQUAL(n, (int)want.len);
	if (n == (int)want.len)
		CU_ASSERT_EQUAL(memcmp(out, want.s, n), 0);
}
