/* SPDX-License-Identifier: GPL-2.0 */
/*
 * RFC 4475 (SIP Torture Test Messages) fixture shared by
 * test_rfc4475_valid.c and test_rfc4475_invalid.c; see torture.c.
 */
#ifndef SIPFP_SELFTESTS_TORTURE_H
#define SIPFP_SELFTESTS_TORTURE_H

#include "sip/msg.h"
#include "tutil.h"

/* The message under test, allocated to its exact size, and its parse. */
extern char *tt_buf;
extern size_t tt_len;
extern struct sip_msg tt_msg;
extern struct sip_err tt_err;

/* Suite cleanup: frees tt_buf. */
void tt_unload(void);

/* Loads rfc4475/@name.dat; it must parse, or be refused with @status. */
void tt_accept(const char *name);
void tt_refuse(const char *name, int status, const char *hdr);
void tt_refuse_buf(int status, const char *hdr);

const char *tt_rep(char *dst, size_t size, const char *pre, const char *unit,
		   int n, const char *post);

/* Field checks on tt_msg. */
struct via_want {
	const char *transport, *host;
	uint16_t port;
	const char *branch, *received; /* "" when absent */
};

struct contact_want {
	const char *user, *host;
	uint16_t port;
	int16_t q;	 /* thousandths, -1 when absent */
	int64_t expires; /* -1 when absent */
	const char *display, *uri_params;
};

void tt_check_req(enum sip_method method, const char *method_s);
void tt_check_resp(uint16_t status, struct sip_str reason);
void tt_check_uri(const struct sip_uri *u, const char *user, const char *host,
		  uint16_t port, const char *params);
void tt_check_addr(const struct sip_nameaddr *na, const char *display,
		   const char *user, const char *host, const char *tag);
void tt_check_ids(const char *call_id, uint32_t cseq, const char *cseq_method,
		  int max_forwards);
void tt_check_body(int64_t content_length, uint32_t body_len);
void tt_check_via(const struct sip_via *v, const struct via_want *w);
void tt_check_vias(const struct via_want *w, int n);
void tt_check_contacts(const struct contact_want *w, int n);
void tt_check_tokens(enum sip_hdr_id id, const char *const *want);
void tt_check_hdr(const char *name, enum sip_hdr_id id, struct sip_str value);
void tt_check_unescaped(struct sip_str s, struct sip_str want);

/* sip_req_check() as a proxy forwarding tt_msg (not addressed to it). */
int tt_proxy_check(struct sip_str *unsupported);

#endif
