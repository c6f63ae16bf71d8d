// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for digest authentication: arbitrary bytes as the
 * value of an Authorization or Proxy-Authorization header of a parsed
 * REGISTER, through sip_auth_parse() and digest_verify().
 *
 * Input: byte 0 picks the header and the check (bit 0: check as a proxy,
 * bit 1: put the bytes in Proxy-Authorization), byte 1 how many seconds
 * after the challenge the check happens; the rest is the header value.
 * So the fuzzer gets past the nonce and response checks, "@N" in the
 * value becomes a nonce the context issued, and "@S" (SHA-256, SHA-512-256)
 * or "@s" (MD5) a placeholder that is overwritten with alice's correct
 * response once the value parses.  Beyond "no crash, no overread" it
 * checks that the result is consistent with the outcome.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "sip/msg.h"
#include "users.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CRLF "\r\n"
#define T0 5000000u

static const char request[] =
	"REGISTER sip:example.org SIP/2.0" CRLF
	"Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1" CRLF
	"Max-Forwards: 70" CRLF
	"From: <sip:alice@example.org>;tag=1" CRLF
	"To: <sip:alice@example.org>" CRLF
	"Call-ID: fuzz@192.0.2.1" CRLF
	"CSeq: 1 REGISTER" CRLF
	"Authorization: Digest realm=\"x\"" CRLF
	"Proxy-Authorization: Digest realm=\"x\"" CRLF
	"Content-Length: 0" CRLF CRLF;

static const char users_text[] = "alice example.org plain:secret\n"
				 "bob example.org md5:"
				 "ab2c0f6cfd5c3af30450d4729d97bf17\n";

static struct digest_ctx *ctx;
static struct users *db;
static struct sip_msg base, msg;
static char nonce[64];

static void init(void)
{
	char err[128], chal[1024];
	struct sip_err e = { 0 };
	const char *p;

	ctx = digest_ctx_new("example.org", 60, DIGEST_ALGS_ALL, 256);
	if (!ctx || digest_ctx_set_key(ctx, "fuzz-key-0123456789", 19) ||
	    users_parse("fuzz", users_text, sizeof(users_text) - 1, &db, err,
			sizeof(err)) ||
	    sip_msg_parse(&base, request, sizeof(request) - 1, 0, &e) ||
	    digest_challenge(ctx, T0, false, false, chal, sizeof(chal)) <= 0)
		abort();
	p = strstr(chal, "nonce=\"") + 7;
	memcpy(nonce, p, strchr(p, '"') - p);
}

/* Expands @N and @S/@s; returns the length, at most @size. */
static size_t expand(char *out, size_t size, const uint8_t *in, size_t len)
{
	size_t n = 0, add;
	const char *rep;

	for (size_t i = 0; i < len; i++) {
		rep = NULL;
		if (in[i] == '@' && i + 1 < len) {
			if (in[i + 1] == 'N')
				rep = nonce;
			else if (in[i + 1] == 'S')
				rep = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"
				      "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
			else if (in[i + 1] == 's')
				rep = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
		}
		if (rep) {
			add = strlen(rep);
			i++;
		} else {
			rep = (const char *)&in[i];
			add = 1;
		}
		if (size - n < add)
			break;
		memcpy(out + n, rep, add);
		n += add;
	}
	return n;
}

/* Writes alice's response over a placeholder that became the response. */
static void fill_response(char *buf, size_t len)
{
	static const struct sip_str parts[3] = {
		SIP_STR("alice"), SIP_STR("example.org"), SIP_STR("secret")
	};
	struct sip_auth a;
	struct digest_input in = { 0 };
	uint8_t ha1[DIGEST_MAX_LEN];
	char resp[2 * DIGEST_MAX_LEN + 1];
	size_t hl;

	if (sip_auth_parse(&a, sip_str_make(buf, len), NULL) ||
	    !a.response.len || a.response.s[0] != '@' ||
	    digest_alg_parse(a.algorithm, &in.alg, &in.sess))
		return;
	hl = digest_alg_len(in.alg);
	if (a.response.len != 2 * hl || digest_hash(in.alg, parts, 3, ha1))
		return;
	in.ha1 = ha1;
	in.method = base.method_s;
	in.uri = a.uri;
	in.nonce = a.nonce;
	in.nc = a.nc;
	in.cnonce = a.cnonce;
	in.qop = a.qop;
	if (digest_response(&in, resp))
		abort();
	/* the view is into buf: the bytes are ours to overwrite */
	memcpy((char *)a.response.s, resp, 2 * hl);
}

static void check(const struct digest_result *r, enum digest_outcome o,
		  bool proxy)
{
	enum sip_hdr_id id = proxy ? SIP_H_PROXY_AUTHORIZATION :
				     SIP_H_AUTHORIZATION;
	bool stale;
	int st;

	if (o >= DIGEST__NOUTCOME || r->outcome != o)
		abort();
	if (r->hdr != -1 && (r->hdr < 0 || r->hdr >= msg.nhdrs ||
			     msg.hdr[r->hdr].id != id))
		abort();
	if (o == DIGEST_NO_CREDENTIALS && r->hdr != -1)
		abort();
	/* -1 otherwise only when no header parsed at all */
	if (r->hdr == -1 && o != DIGEST_NO_CREDENTIALS &&
	    o != DIGEST_BAD_REQUEST)
		abort();
	if (o == DIGEST_OK &&
	    (!r->user || !r->username || strcmp(r->user->realm, "example.org")))
		abort();
	if (o != DIGEST_OK && !r->why)
		abort();
	if (r->username && (!r->user || r->username != r->user->name))
		abort();
	st = digest_status(o, proxy, &stale);
	if ((o == DIGEST_OK) != (st == 0) ||
	    (o == DIGEST_BAD_REQUEST) != (st == 400))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096];
	struct digest_result res;
	enum digest_outcome o;
	bool proxy, in_proxy;
	size_t len;
	int idx;

	if (!ctx)
		init();
	if (size < 2)
		return 0;
	proxy = data[0] & 1;
	in_proxy = data[0] & 2;
	len = expand(buf, sizeof(buf), data + 2, size - 2);
	fill_response(buf, len);

	memcpy(&msg, &base, sizeof(msg));
	idx = msg.first[in_proxy ? SIP_H_PROXY_AUTHORIZATION :
				   SIP_H_AUTHORIZATION];
	msg.hdr[idx].value = sip_str_make(buf, len);
	o = digest_verify(ctx, db, &msg, proxy, T0 + data[1] * 1000u, &res);
	check(&res, o, proxy);
	return 0;
}
