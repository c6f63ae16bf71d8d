// SPDX-License-Identifier: GPL-2.0
/*
 * The transaction layer (RFC 3261 §17, RFC 6026) on a virtual clock: this
 * file defines the event loop's timer functions itself, so time only moves
 * when a test says so, and every send is recorded with its time.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "event.h"
#include "sip/reply.h"
#include "txn.h"

#define CRLF "\r\n"

/* --- a fake event loop: timers on a virtual clock --- */

#define MAX_TIMERS 64

static uint64_t now;
static struct ev_timer *armed[MAX_TIMERS];
static int narmed;

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	t->when_ms = 0;
	t->cb = cb;
	t->arg = arg;
	t->heap_idx = -1;
}

void ev_timer_add(struct ev_timer *t, uint64_t ms)
{
	if (t->heap_idx < 0) {
		CU_ASSERT_FATAL(narmed < MAX_TIMERS);
		t->heap_idx = narmed;
		armed[narmed++] = t;
	}
	t->when_ms = now + ms;
}

void ev_timer_del(struct ev_timer *t)
{
	struct ev_timer *last;

	if (t->heap_idx < 0)
		return;
	last = armed[--narmed];
	armed[t->heap_idx] = last;
	last->heap_idx = t->heap_idx;
	t->heap_idx = -1;
}

uint64_t ev_now_ms(void)
{
	return now;
}

/* Fires every timer due up to @until, in time order, as the loop would. */
static void run_until(uint64_t until)
{
	struct ev_timer *t;
	int i;

	for (;;) {
		t = NULL;
		for (i = 0; i < narmed; i++)
			if (!t || armed[i]->when_ms < t->when_ms)
				t = armed[i];
		if (!t || t->when_ms > until)
			break;
		now = t->when_ms;
		ev_timer_del(t);
		t->cb(t, t->arg);
	}
	now = until;
}

static void advance(uint64_t ms)
{
	run_until(now + ms);
}

/* --- what the layer did: sends and callbacks --- */

#define MAX_SENT 64

struct sent {
	uint64_t at;
	bool reliable;
	char peer;
	char buf[2048];
	size_t len;
};

static struct sent sent[MAX_SENT];
static unsigned int nsent;
static unsigned int attempts;
static int fail_from = -1; /* attempt index from which send() fails */

static struct {
	unsigned int responses, timeouts, errors, terminated;
	int status; /* of the last on_response() */
	int method; /* its transaction's */
	void *user;
	uint64_t timeout_at, terminated_at;
} cb;

static int ctx_token;
static struct txn_table *tt;
static struct txn_dest udp = { .peer = "u", .reliable = false };
static struct txn_dest tcp = { .peer = "t", .reliable = true };

static int fake_send(void *ctx, const struct txn_dest *dst, const char *buf,
		     size_t len)
{
	CU_ASSERT_PTR_EQUAL(ctx, &ctx_token);
	if (fail_from >= 0 && attempts++ >= (unsigned int)fail_from)
		return -ECONNREFUSED;
	if (nsent < MAX_SENT && len < sizeof(sent[0].buf)) {
		sent[nsent].at = now;
		sent[nsent].reliable = dst->reliable;
		sent[nsent].peer = dst->peer[0];
		memcpy(sent[nsent].buf, buf, len);
		sent[nsent].buf[len] = '\0';
		sent[nsent].len = len;
	}
	nsent++;
	return 0;
}

static void on_response(struct txn *t, struct sip_msg *resp)
{
	cb.responses++;
	cb.status = resp->status;
	cb.method = txn_method(t);
	cb.user = txn_user(t);
	CU_ASSERT_EQUAL(txn_status(t), resp->status);
}

static void on_timeout(struct txn *t)
{
	cb.timeouts++;
	cb.timeout_at = now;
}

static void on_transport_error(struct txn *t)
{
	cb.errors++;
}

static bool create_on_end;
static int create_ret;

static void on_terminated(struct txn *t)
{
	static const char req[] = "OPTIONS sip:p SIP/2.0" CRLF
				  "Via: SIP/2.0/UDP h;branch=z9hG4bKe" CRLF
				  "CSeq: 1 OPTIONS" CRLF
				  "From: <sip:a@h>;tag=1" CRLF
				  "To: <sip:p>" CRLF "Call-ID: e" CRLF CRLF;
	struct txn *n;

	CU_ASSERT_EQUAL(txn_state(t), TXN_TERMINATED);
	cb.terminated++;
	cb.terminated_at = now;
	if (create_on_end)
		create_ret = txn_client_create(txn_table(t), req,
					       sizeof(req) - 1, txn_dest(t),
					       NULL, &n);
}

static const struct txn_ops ops = {
	.send = fake_send,
	.on_response = on_response,
	.on_timeout = on_timeout,
	.on_transport_error = on_transport_error,
	.on_terminated = on_terminated,
};

static void table_with(uint32_t t1, uint32_t t2, uint32_t max)
{
	struct txn_config cfg;

	txn_table_free(tt);
	txn_config_default(&cfg, max);
	cfg.t1_ms = t1;
	cfg.t2_ms = t2;
	CU_ASSERT_EQUAL_FATAL(txn_table_new(&tt, &cfg, &ops, &ctx_token), 0);
}

static void setup(void)
{
	now = 0;
	narmed = 0;
	nsent = attempts = 0;
	fail_from = -1;
	memset(&cb, 0, sizeof(cb));
	tt = NULL;
	table_with(TXN_T1_DEFAULT, TXN_T2_DEFAULT, 16);
}

static void teardown(void)
{
	txn_table_free(tt);
	tt = NULL;
}

/* Nothing left: no transaction, no armed timer. */
static void assert_empty(void)
{
	CU_ASSERT_EQUAL(txn_count(tt), 0);
	CU_ASSERT_EQUAL(narmed, 0);
}

static void assert_times(const uint64_t *want, unsigned int n)
{
	unsigned int i;

	CU_ASSERT_EQUAL_FATAL(nsent, n);
	for (i = 0; i < n; i++)
		CU_ASSERT_EQUAL(sent[i].at, want[i]);
}

/* --- messages --- */

static char txt[4096];
static struct sip_msg rx; /* the last message fed in */
static char rx_buf[4096];

static struct sip_msg *parse(struct sip_msg *m, char *buf, const char *text)
{
	struct sip_err err;
	size_t len = strlen(text);

	memcpy(buf, text, len + 1);
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(m, buf, len, 0, &err), 0);
	return m;
}

/* What the proxy sends downstream: its own Via on top of the caller's. */
static const char *client_req(const char *method, const char *branch)
{
	snprintf(txt, sizeof(txt),
		 "%s sip:bob@example.org SIP/2.0" CRLF
		 "Via: SIP/2.0/UDP p1.example.net;branch=%s" CRLF
		 "Via: SIP/2.0/UDP uac.example.com:5070;branch=z9hG4bKuac" CRLF
		 "Route: <sip:p2.example.net;lr>" CRLF
		 "Route: <sip:p3.example.net;lr>" CRLF "Max-Forwards: 69" CRLF
		 "From: Alice <sip:alice@example.com>;tag=a1" CRLF
		 "To: Bob <sip:bob@example.org>" CRLF
		 "Call-ID: c1@example.com" CRLF "CSeq: 7 %s" CRLF
		 "Content-Length: 0" CRLF CRLF,
		 method, branch, method);
	return txt;
}

static struct txn *client(const char *method, const char *branch,
			  const struct txn_dest *dst)
{
	const char *req = client_req(method, branch);
	struct txn *t = NULL;

	CU_ASSERT_EQUAL_FATAL(txn_client_create(tt, req, strlen(req), dst,
						&ctx_token, &t),
			      0);
	return t;
}

/* A response from downstream; returns txn_client_recv(). */
static int answer(int status, const char *branch, const char *method)
{
	snprintf(txt, sizeof(txt),
		 "SIP/2.0 %d %s" CRLF
		 "Via: SIP/2.0/UDP p1.example.net;branch=%s" CRLF
		 "Via: SIP/2.0/UDP uac.example.com:5070;branch=z9hG4bKuac" CRLF
		 "From: Alice <sip:alice@example.com>;tag=a1" CRLF
		 "To: Bob <sip:bob@example.org>%s" CRLF
		 "Call-ID: c1@example.com" CRLF "CSeq: 7 %s" CRLF
		 "Content-Length: 0" CRLF CRLF,
		 status, sip_reason(status), branch,
		 status > 100 ? ";tag=b2" : "", method);
	return txn_client_recv(tt, parse(&rx, rx_buf, txt));
}

/* A request from upstream. */
static struct sip_msg *upstream(const char *method, const char *sent_by,
				const char *branch, const char *to_tag)
{
	snprintf(txt, sizeof(txt),
		 "%s sip:bob@example.org SIP/2.0" CRLF
		 "Via: SIP/2.0/UDP %s;branch=%s" CRLF "Max-Forwards: 70" CRLF
		 "From: Alice <sip:alice@example.com>;tag=a1" CRLF
		 "To: Bob <sip:bob@example.org>%s%s" CRLF
		 "Call-ID: s1@example.com" CRLF "CSeq: 7 %s" CRLF
		 "Content-Length: 0" CRLF CRLF,
		 method, sent_by, branch, to_tag ? ";tag=" : "",
		 to_tag ? to_tag : "", method);
	return parse(&rx, rx_buf, txt);
}

static int again(const char *method, const char *sent_by, const char *branch,
		 const char *to_tag)
{
	return txn_server_recv(tt, upstream(method, sent_by, branch, to_tag));
}

static struct txn *server(const char *method, const char *branch,
			  const struct txn_dest *src)
{
	struct sip_msg *m =
		upstream(method, "uac.example.com:5070", branch, NULL);
	struct txn *t = NULL;

	CU_ASSERT_EQUAL(txn_server_recv(tt, m), 0);
	CU_ASSERT_EQUAL_FATAL(txn_server_create(tt, m, src, NULL, &t), 0);
	return t;
}

static struct sip_msg req_of; /* txn_req_parse() of the transaction */
static char reply_buf[4096];
static ssize_t reply_len;

/* The TU's response, built from the transaction's own request copy. */
static int respond(struct txn *t, int status)
{
	struct sip_reply r = { .status = status, .to_tag = SIP_STR("b2") };
	struct sip_err err;
	char code[4];

	if (txn_req_parse(t, &req_of, &err) == 0) {
		reply_len = sip_reply_write(&req_of, &r, reply_buf,
					    sizeof(reply_buf));
		CU_ASSERT_FATAL(reply_len > 0);
	} else {
		/* the copy is gone after a final: the last one, recoded */
		snprintf(code, sizeof(code), "%03d", status);
		memcpy(reply_buf + 8, code, 3);
	}
	return txn_respond(t, reply_buf, reply_len);
}

/* --- INVITE client (§17.1.1) --- */

static void test_ic_timer_a_b(void)
{
	static const uint64_t want[] = {
		0, 500, 1500, 3500, 7500, 15500, 31500
	};
	struct txn *t = client("INVITE", "z9hG4bKc1", &udp);
	unsigned int i;

	CU_ASSERT_EQUAL(txn_kind(t), TXN_INVITE_CLIENT);
	CU_ASSERT_EQUAL(txn_state(t), TXN_CALLING);
	advance(31999);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	advance(10000);
	/* A doubles from T1; B at 64*T1 = seven transmissions (§17.1.1.2) */
	assert_times(want, 7);
	for (i = 1; i < nsent; i++)
		CU_ASSERT_STRING_EQUAL(sent[i].buf, sent[0].buf);
	CU_ASSERT_EQUAL(sent[0].peer, 'u');
	CU_ASSERT_EQUAL(cb.timeouts, 1);
	CU_ASSERT_EQUAL(cb.timeout_at, 32000);
	CU_ASSERT_EQUAL(cb.terminated, 1);
	CU_ASSERT_EQUAL(cb.terminated_at, 32000);
	CU_ASSERT_EQUAL(cb.responses, 0);
	assert_empty();
}

static void test_ic_1xx_stops_retransmission(void)
{
	static const uint64_t want[] = { 0, 500 };
	struct txn *t = client("INVITE", "z9hG4bKc1", &udp);

	advance(700);
	CU_ASSERT_EQUAL(answer(180, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(txn_state(t), TXN_PROCEEDING);
	CU_ASSERT_EQUAL(cb.responses, 1);
	CU_ASSERT_EQUAL(cb.status, 180);
	CU_ASSERT_PTR_EQUAL(cb.user, &ctx_token);
	/* neither A nor B in Proceeding: timer C is the proxy's (§16.6) */
	advance(100000);
	assert_times(want, 2);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	CU_ASSERT_EQUAL(txn_count(tt), 1);
	CU_ASSERT_EQUAL(narmed, 0);
	CU_ASSERT_EQUAL(answer(183, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(cb.responses, 2);
}

static const char want_ack[] =
	"ACK sip:bob@example.org SIP/2.0" CRLF
	"Via: SIP/2.0/UDP p1.example.net;branch=z9hG4bKc1" CRLF
	"Route: <sip:p2.example.net;lr>" CRLF
	"Route: <sip:p3.example.net;lr>" CRLF
	"From: Alice <sip:alice@example.com>;tag=a1" CRLF
	"To: Bob <sip:bob@example.org>;tag=b2" CRLF
	"Call-ID: c1@example.com" CRLF "CSeq: 7 ACK" CRLF
	"Max-Forwards: 70" CRLF "Content-Length: 0" CRLF CRLF;

static void test_ic_non2xx_ack(void)
{
	struct txn *t = client("INVITE", "z9hG4bKc1", &udp);
	struct sip_err err;
	struct sip_msg ack;

	advance(100);
	CU_ASSERT_EQUAL(answer(100, "z9hG4bKc1", "INVITE"), 1);
	advance(100);
	CU_ASSERT_EQUAL(answer(486, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(txn_state(t), TXN_COMPLETED);
	CU_ASSERT_EQUAL(txn_status(t), 486);
	CU_ASSERT_EQUAL(cb.responses, 2);
	CU_ASSERT_EQUAL(cb.status, 486);
	/* one ACK per final response received, built per §17.1.1.3 */
	CU_ASSERT_EQUAL_FATAL(nsent, 2);
	CU_ASSERT_STRING_EQUAL(sent[1].buf, want_ack);
	CU_ASSERT_EQUAL(sip_msg_parse(&ack, sent[1].buf, sent[1].len,
				      SIP_PARSE_STREAM, &err),
			0);
	advance(800);
	CU_ASSERT_EQUAL(answer(486, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(answer(486, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL_FATAL(nsent, 4);
	CU_ASSERT_STRING_EQUAL(sent[2].buf, want_ack);
	CU_ASSERT_STRING_EQUAL(sent[3].buf, want_ack);
	CU_ASSERT_EQUAL(sent[3].at, 1000);
	/* retransmitted finals do not go up again */
	CU_ASSERT_EQUAL(cb.responses, 2);
	/* timer D: 32 s on UDP from the first final */
	run_until(200 + 32000 - 1);
	CU_ASSERT_EQUAL(cb.terminated, 0);
	advance(1);
	CU_ASSERT_EQUAL(cb.terminated, 1);
	CU_ASSERT_EQUAL(cb.terminated_at, 32200);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	CU_ASSERT_EQUAL(nsent, 4);
	CU_ASSERT_EQUAL(answer(486, "z9hG4bKc1", "INVITE"), 0);
	assert_empty();
}

static void test_ic_final_in_calling(void)
{
	client("INVITE", "z9hG4bKc1", &udp);
	advance(600);
	CU_ASSERT_EQUAL(answer(603, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL_FATAL(nsent, 3);
	CU_ASSERT_STRING_EQUAL(sent[2].buf, want_ack);
	advance(20000);
	CU_ASSERT_EQUAL(nsent, 3); /* timer A stopped */
	advance(12000);
	CU_ASSERT_EQUAL(cb.terminated_at, 32600);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	assert_empty();
}

static void test_ic_2xx_accepted(void)
{
	struct txn *t = client("INVITE", "z9hG4bKc1", &udp);
	struct sip_err err;
	struct sip_msg m;

	advance(300);
	CU_ASSERT_EQUAL(answer(200, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(txn_state(t), TXN_ACCEPTED);
	CU_ASSERT_EQUAL(cb.responses, 1);
	CU_ASSERT_EQUAL(txn_req_parse(t, &m, &err), -ENOENT);
	advance(10000);
	/* no ACK for a 2xx (the TU's, end to end) and no retransmission */
	CU_ASSERT_EQUAL(nsent, 1);
	/* RFC 6026 §8.4: retransmitted 2xx go up, nothing is re-created */
	CU_ASSERT_EQUAL(answer(200, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(cb.responses, 2);
	CU_ASSERT_EQUAL(answer(486, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(cb.responses, 2);
	CU_ASSERT_EQUAL(nsent, 1);
	/* timer M = 64*T1 */
	run_until(300 + 32000 - 1);
	CU_ASSERT_EQUAL(cb.terminated, 0);
	advance(1);
	CU_ASSERT_EQUAL(cb.terminated_at, 32300);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	CU_ASSERT_EQUAL(answer(200, "z9hG4bKc1", "INVITE"), 0);
	assert_empty();
}

static void test_ic_reliable(void)
{
	client("INVITE", "z9hG4bKc1", &tcp);
	advance(31999);
	/* no timer A on a reliable transport; B still runs */
	CU_ASSERT_EQUAL(nsent, 1);
	CU_ASSERT_TRUE(sent[0].reliable);
	advance(1);
	CU_ASSERT_EQUAL(cb.timeouts, 1);
	CU_ASSERT_EQUAL(cb.timeout_at, 32000);
	assert_empty();

	client("INVITE", "z9hG4bKc2", &tcp);
	CU_ASSERT_EQUAL(answer(100, "z9hG4bKc2", "INVITE"), 1);
	CU_ASSERT_EQUAL(answer(404, "z9hG4bKc2", "INVITE"), 1);
	/* the ACK, then timer D of zero: gone at once */
	CU_ASSERT_EQUAL(nsent, 3);
	CU_ASSERT_NSTRING_EQUAL(sent[2].buf, "ACK ", 4);
	CU_ASSERT_EQUAL(cb.responses, 2);
	CU_ASSERT_EQUAL(cb.terminated, 2);
	CU_ASSERT_EQUAL(cb.terminated_at, 32000);
	assert_empty();
}

/* --- non-INVITE client (§17.1.2) --- */

static void test_nic_timer_e_f(void)
{
	static const uint64_t want[] = { 0,	500,   1500,  3500,
					 7500,	11500, 15500, 19500,
					 23500, 27500, 31500 };
	struct txn *t = client("OPTIONS", "z9hG4bKn1", &udp);

	CU_ASSERT_EQUAL(txn_kind(t), TXN_NON_INVITE_CLIENT);
	CU_ASSERT_EQUAL(txn_state(t), TXN_TRYING);
	advance(40000);
	/* E doubles from T1 up to T2, F at 64*T1 */
	assert_times(want, 11);
	CU_ASSERT_EQUAL(cb.timeouts, 1);
	CU_ASSERT_EQUAL(cb.timeout_at, 32000);
	CU_ASSERT_EQUAL(cb.terminated_at, 32000);
	assert_empty();
}

static void test_nic_proceeding_then_k(void)
{
	static const uint64_t want[] = { 0, 500, 1500, 5500, 9500 };
	struct txn *t = client("BYE", "z9hG4bKn1", &udp);

	advance(600);
	CU_ASSERT_EQUAL(answer(180, "z9hG4bKn1", "BYE"), 1);
	CU_ASSERT_EQUAL(txn_state(t), TXN_PROCEEDING);
	/* §17.1.2.2: in Proceeding, E fires every T2 */
	run_until(10000);
	assert_times(want, 5);
	CU_ASSERT_EQUAL(answer(200, "z9hG4bKn1", "BYE"), 1);
	CU_ASSERT_EQUAL(txn_state(t), TXN_COMPLETED);
	CU_ASSERT_EQUAL(cb.responses, 2);
	CU_ASSERT_EQUAL(cb.status, 200);
	CU_ASSERT_EQUAL(cb.method, SIP_BYE);
	advance(4999);
	CU_ASSERT_EQUAL(answer(200, "z9hG4bKn1", "BYE"), 1);
	CU_ASSERT_EQUAL(cb.responses, 2);
	CU_ASSERT_EQUAL(nsent, 5);
	CU_ASSERT_EQUAL(cb.terminated, 0);
	/* timer K = T4 */
	advance(1);
	CU_ASSERT_EQUAL(cb.terminated_at, 15000);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	assert_empty();
}

static void test_nic_reliable(void)
{
	client("REGISTER", "z9hG4bKn1", &tcp);
	advance(31999);
	CU_ASSERT_EQUAL(nsent, 1);
	advance(1);
	CU_ASSERT_EQUAL(cb.timeouts, 1);
	assert_empty();

	client("REGISTER", "z9hG4bKn2", &tcp);
	advance(10);
	CU_ASSERT_EQUAL(answer(401, "z9hG4bKn2", "REGISTER"), 1);
	/* timer K of zero */
	CU_ASSERT_EQUAL(cb.responses, 1);
	CU_ASSERT_EQUAL(cb.terminated, 2);
	CU_ASSERT_EQUAL(cb.terminated_at, 32010);
	CU_ASSERT_EQUAL(nsent, 2);
	assert_empty();
}

static void test_custom_timers(void)
{
	static const uint64_t want_a[] = { 0, 100, 300, 700, 1500, 3100, 6300 };
	static const uint64_t want_e[] = { 0, 100, 300, 700, 1100, 1500 };

	table_with(100, 400, 16);
	client("INVITE", "z9hG4bKc1", &udp);
	advance(10000);
	assert_times(want_a, 7);
	CU_ASSERT_EQUAL(cb.timeout_at, 6400);
	assert_empty();

	nsent = 0;
	now = 0;
	client("OPTIONS", "z9hG4bKn1", &udp);
	advance(1600);
	assert_times(want_e, 6);
	/* timer D keeps its 32 s floor with a small T1 */
	client("INVITE", "z9hG4bKc2", &udp);
	CU_ASSERT_EQUAL(answer(500, "z9hG4bKc2", "INVITE"), 1);
	run_until(1600 + 32000 - 1);
	CU_ASSERT_EQUAL(txn_count(tt), 1);
	advance(1);
	assert_empty();

	/* ... and follows 64*T1 (timer H on the other side) above it */
	table_with(1000, 4000, 16);
	now = 0;
	client("INVITE", "z9hG4bKc3", &udp);
	CU_ASSERT_EQUAL(answer(500, "z9hG4bKc3", "INVITE"), 1);
	run_until(63999);
	CU_ASSERT_EQUAL(txn_count(tt), 1);
	advance(1);
	assert_empty();
}

/* --- INVITE server (§17.2.1, RFC 6026 §7.1) --- */

#define UAC "uac.example.com:5070"

static void test_is_retransmission_resends(void)
{
	struct txn *t = server("INVITE", "z9hG4bKs1", &udp);

	CU_ASSERT_EQUAL(txn_kind(t), TXN_INVITE_SERVER);
	CU_ASSERT_EQUAL(txn_state(t), TXN_PROCEEDING);
	/* before any response there is nothing to resend */
	CU_ASSERT_EQUAL(again("INVITE", UAC, "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL(nsent, 0);
	CU_ASSERT_EQUAL(respond(t, 100), 0);
	CU_ASSERT_EQUAL(again("INVITE", UAC, "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL_FATAL(nsent, 2);
	CU_ASSERT_NSTRING_EQUAL(sent[1].buf, "SIP/2.0 100 Trying" CRLF, 20);
	CU_ASSERT_STRING_EQUAL(sent[1].buf, sent[0].buf);
	CU_ASSERT_EQUAL(respond(t, 180), 0);
	CU_ASSERT_EQUAL(again("INVITE", UAC, "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL_FATAL(nsent, 4);
	CU_ASSERT_NSTRING_EQUAL(sent[3].buf, "SIP/2.0 180 Ringing" CRLF, 21);
	CU_ASSERT_EQUAL(sent[3].peer, 'u');
	/* no timer runs in Proceeding */
	CU_ASSERT_EQUAL(narmed, 0);
	CU_ASSERT_EQUAL(txn_status(t), 180);
}

static void test_is_timer_g_then_ack(void)
{
	static const uint64_t want[] = { 0, 0, 500, 1500, 3500, 7500, 9000 };
	struct txn *t = server("INVITE", "z9hG4bKs1", &udp);

	CU_ASSERT_EQUAL(respond(t, 100), 0);
	CU_ASSERT_EQUAL(respond(t, 486), 0);
	CU_ASSERT_EQUAL(txn_state(t), TXN_COMPLETED);
	CU_ASSERT_EQUAL(respond(t, 487), -EALREADY);
	run_until(9000);
	CU_ASSERT_EQUAL(again("INVITE", UAC, "z9hG4bKs1", NULL), 1);
	/* G doubles from T1 (T2 caps it at 4 s); the INVITE gets the final */
	assert_times(want, 7);
	CU_ASSERT_NSTRING_EQUAL(sent[6].buf, "SIP/2.0 486 Busy Here" CRLF, 23);
	CU_ASSERT_STRING_EQUAL(sent[2].buf, sent[1].buf);
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKs1", "b2"), 1);
	CU_ASSERT_EQUAL(txn_state(t), TXN_CONFIRMED);
	advance(1000);
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKs1", "b2"), 1);
	CU_ASSERT_EQUAL(again("INVITE", UAC, "z9hG4bKs1", NULL), 1);
	run_until(13999);
	CU_ASSERT_EQUAL(nsent, 7);
	CU_ASSERT_EQUAL(cb.terminated, 0);
	/* timer I = T4 from the first ACK */
	advance(1);
	CU_ASSERT_EQUAL(cb.terminated_at, 14000);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKs1", "b2"), 0);
	assert_empty();
}

static void test_is_timer_h(void)
{
	static const uint64_t want[] = { 0,	500,   1500,  3500,
					 7500,	11500, 15500, 19500,
					 23500, 27500, 31500 };
	struct txn *t = server("INVITE", "z9hG4bKs1", &udp);

	CU_ASSERT_EQUAL(respond(t, 404), 0);
	advance(40000);
	assert_times(want, 11);
	/* H = 64*T1 without an ACK: the TU hears of it */
	CU_ASSERT_EQUAL(cb.timeouts, 1);
	CU_ASSERT_EQUAL(cb.timeout_at, 32000);
	CU_ASSERT_EQUAL(cb.terminated_at, 32000);
	assert_empty();
}

static void test_is_accepted(void)
{
	struct txn *t = server("INVITE", "z9hG4bKs1", &udp);
	struct sip_err err;
	struct sip_msg m;

	CU_ASSERT_EQUAL(respond(t, 100), 0);
	advance(100);
	CU_ASSERT_EQUAL(respond(t, 200), 0);
	CU_ASSERT_EQUAL(txn_state(t), TXN_ACCEPTED);
	CU_ASSERT_EQUAL(txn_req_parse(t, &m, &err), -ENOENT);
	advance(10000);
	/* the layer retransmits no 2xx, and absorbs the INVITE */
	CU_ASSERT_EQUAL(nsent, 2);
	CU_ASSERT_EQUAL(again("INVITE", UAC, "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL(nsent, 2);
	/* the TU's 2xx retransmissions go out; nothing else does */
	CU_ASSERT_EQUAL(respond(t, 200), 0);
	CU_ASSERT_EQUAL_FATAL(nsent, 3);
	CU_ASSERT_STRING_EQUAL(sent[2].buf, sent[1].buf);
	CU_ASSERT_EQUAL(respond(t, 486), -EALREADY);
	/* an ACK in Accepted goes up to the TU */
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKs1", "b2"), 0);
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKa2", "b2"), 0);
	CU_ASSERT_EQUAL(txn_state(t), TXN_ACCEPTED);
	/* timer L = 64*T1 */
	run_until(100 + 32000 - 1);
	CU_ASSERT_EQUAL(cb.terminated, 0);
	advance(1);
	CU_ASSERT_EQUAL(cb.terminated_at, 32100);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	assert_empty();
}

static void test_is_reliable(void)
{
	struct txn *t = server("INVITE", "z9hG4bKs1", &tcp);

	CU_ASSERT_EQUAL(respond(t, 486), 0);
	advance(31000);
	/* no G on a reliable transport */
	CU_ASSERT_EQUAL(nsent, 1);
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKs1", "b2"), 1);
	/* I of zero */
	CU_ASSERT_EQUAL(cb.terminated, 1);
	CU_ASSERT_EQUAL(cb.terminated_at, 31000);
	assert_empty();

	t = server("INVITE", "z9hG4bKs2", &tcp);
	CU_ASSERT_EQUAL(respond(t, 480), 0);
	advance(31999);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	advance(1);
	/* H runs on every transport */
	CU_ASSERT_EQUAL(cb.timeouts, 1);
	CU_ASSERT_EQUAL(cb.timeout_at, 63000);
	CU_ASSERT_EQUAL(nsent, 2);
	assert_empty();
}

/* --- non-INVITE server (§17.2.2) --- */

static void test_nis_retransmission_and_j(void)
{
	struct txn *t = server("OPTIONS", "z9hG4bKs1", &udp);

	CU_ASSERT_EQUAL(txn_kind(t), TXN_NON_INVITE_SERVER);
	CU_ASSERT_EQUAL(txn_state(t), TXN_TRYING);
	/* Trying: the retransmission is absorbed, there is nothing to send */
	CU_ASSERT_EQUAL(again("OPTIONS", UAC, "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL(nsent, 0);
	CU_ASSERT_EQUAL(respond(t, 200), 0);
	CU_ASSERT_EQUAL(txn_state(t), TXN_COMPLETED);
	advance(1000);
	CU_ASSERT_EQUAL(again("OPTIONS", UAC, "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL_FATAL(nsent, 2);
	CU_ASSERT_STRING_EQUAL(sent[1].buf, sent[0].buf);
	CU_ASSERT_NSTRING_EQUAL(sent[1].buf, "SIP/2.0 200 OK" CRLF, 16);
	CU_ASSERT_EQUAL(respond(t, 500), -EALREADY);
	/* no retransmission on its own; J = 64*T1 */
	run_until(31999);
	CU_ASSERT_EQUAL(nsent, 2);
	CU_ASSERT_EQUAL(cb.terminated, 0);
	advance(1);
	CU_ASSERT_EQUAL(cb.terminated_at, 32000);
	CU_ASSERT_EQUAL(again("OPTIONS", UAC, "z9hG4bKs1", NULL), 0);
	assert_empty();
}

static void test_nis_proceeding_reliable(void)
{
	struct txn *t = server("REGISTER", "z9hG4bKs1", &tcp);

	CU_ASSERT_EQUAL(respond(t, 100), 0);
	CU_ASSERT_EQUAL(txn_state(t), TXN_PROCEEDING);
	CU_ASSERT_EQUAL(again("REGISTER", UAC, "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL(nsent, 2);
	CU_ASSERT_STRING_EQUAL(sent[1].buf, sent[0].buf);
	advance(500);
	CU_ASSERT_EQUAL(respond(t, 401), 0);
	/* J of zero */
	CU_ASSERT_EQUAL(cb.terminated, 1);
	CU_ASSERT_EQUAL(cb.terminated_at, 500);
	CU_ASSERT_EQUAL(nsent, 3);
	assert_empty();
}

/* --- matching (§17.1.3, §17.2.3, §9.2) --- */

static void test_match_branch_and_sent_by(void)
{
	struct txn *a = server("INVITE", "z9hG4bKs1", &udp);
	struct txn *b = server("INVITE", "z9hG4bKs2", &tcp);
	struct txn *c;

	CU_ASSERT_EQUAL(respond(a, 180), 0);
	CU_ASSERT_EQUAL(respond(b, 183), 0);
	CU_ASSERT_EQUAL(again("INVITE", UAC, "z9hG4bKs2", NULL), 1);
	CU_ASSERT_EQUAL_FATAL(nsent, 3);
	CU_ASSERT_EQUAL(sent[2].peer, 't');
	CU_ASSERT_NSTRING_EQUAL(sent[2].buf, "SIP/2.0 183 ", 12);
	/* the branch is compared as it is, the cookie included */
	CU_ASSERT_EQUAL(again("INVITE", UAC, "z9hG4bKS1", NULL), 0);
	CU_ASSERT_EQUAL(again("INVITE", UAC, "z9hG4bKs", NULL), 0);
	/* a duplicated branch from elsewhere is another transaction */
	CU_ASSERT_EQUAL(
		again("INVITE", "evil.example.com:5070", "z9hG4bKs1", NULL), 0);
	CU_ASSERT_EQUAL(
		again("INVITE", "uac.example.com:5071", "z9hG4bKs1", NULL), 0);
	CU_ASSERT_EQUAL(
		again("INVITE", "UAC.example.COM:5070", "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL(nsent, 4);
	CU_ASSERT_EQUAL(txn_server_create(tt,
					  upstream("INVITE", "evil.example.com",
						   "z9hG4bKs1", NULL),
					  &udp, NULL, &c),
			0);
	CU_ASSERT_EQUAL(txn_count(tt), 3);
	/* the same branch, another method: another transaction */
	CU_ASSERT_EQUAL(again("OPTIONS", UAC, "z9hG4bKs1", NULL), 0);
	/* ... and a matching one cannot be created twice */
	CU_ASSERT_EQUAL(txn_server_create(
				tt, upstream("INVITE", UAC, "z9hG4bKs1", NULL),
				&udp, NULL, &c),
			-EEXIST);
}

static void test_match_ack(void)
{
	struct txn *inv = server("INVITE", "z9hG4bKs1", &udp);
	struct txn *opt = server("OPTIONS", "z9hG4bKs2", &udp);

	CU_ASSERT_EQUAL(respond(opt, 200), 0);
	/* an ACK matches an INVITE transaction only */
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKs2", "b2"), 0);
	CU_ASSERT_EQUAL(respond(inv, 403), 0);
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKs9", "b2"), 0);
	CU_ASSERT_EQUAL(txn_state(inv), TXN_COMPLETED);
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKs1", "b2"), 1);
	CU_ASSERT_EQUAL(txn_state(inv), TXN_CONFIRMED);
	/* ACK never makes a transaction */
	CU_ASSERT_EQUAL(
		txn_server_create(tt, upstream("ACK", UAC, "z9hG4bKs7", "b2"),
				  &udp, NULL, &inv),
		-EINVAL);
}

static void test_match_cancel(void)
{
	struct txn *inv = server("INVITE", "z9hG4bKs1", &udp);
	struct txn *can;
	struct sip_msg *m;

	CU_ASSERT_EQUAL(respond(inv, 180), 0);
	m = upstream("CANCEL", UAC, "z9hG4bKs1", NULL);
	/* CANCEL is a transaction of its own (§9.2) ... */
	CU_ASSERT_EQUAL(txn_server_recv(tt, m), 0);
	CU_ASSERT_EQUAL(nsent, 1);
	/* ... that finds the INVITE it cancels */
	CU_ASSERT_PTR_EQUAL(txn_find_invite_for_cancel(tt, m), inv);
	CU_ASSERT_EQUAL_FATAL(txn_server_create(tt, m, &udp, NULL, &can), 0);
	CU_ASSERT_EQUAL(txn_method(can), SIP_CANCEL);
	CU_ASSERT_EQUAL(respond(can, 200), 0);
	CU_ASSERT_EQUAL(respond(inv, 487), 0);
	CU_ASSERT_EQUAL(again("CANCEL", UAC, "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL_FATAL(nsent, 4);
	CU_ASSERT_NSTRING_EQUAL(sent[3].buf, "SIP/2.0 200 OK" CRLF, 16);
	CU_ASSERT_PTR_NOT_NULL(strstr(sent[3].buf, "CSeq: 7 CANCEL" CRLF));
	CU_ASSERT_PTR_NULL(txn_find_invite_for_cancel(
		tt, upstream("CANCEL", "evil.example.com", "z9hG4bKs1", NULL)));
	CU_ASSERT_PTR_NULL(txn_find_invite_for_cancel(
		tt, upstream("CANCEL", UAC, "z9hG4bKs2", NULL)));
	/* a non-INVITE with that branch is no CANCEL target */
	server("OPTIONS", "z9hG4bKs3", &udp);
	CU_ASSERT_PTR_NULL(txn_find_invite_for_cancel(
		tt, upstream("CANCEL", UAC, "z9hG4bKs3", NULL)));
}

static void test_match_client(void)
{
	struct txn *t = client("INVITE", "z9hG4bKc1", &udp);

	/* §17.1.3: the branch and the CSeq method */
	CU_ASSERT_EQUAL(answer(180, "z9hG4bKc9", "INVITE"), 0);
	CU_ASSERT_EQUAL(answer(200, "z9hG4bKc1", "CANCEL"), 0);
	CU_ASSERT_EQUAL(answer(200, "z9hG4bKc1", "BYE"), 0);
	CU_ASSERT_EQUAL(cb.responses, 0);
	CU_ASSERT_EQUAL(answer(180, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(cb.responses, 1);
	/* a request never matches a client transaction */
	CU_ASSERT_EQUAL(txn_client_recv(tt, upstream("INVITE", "p1.example.net",
						     "z9hG4bKc1", NULL)),
			0);
	CU_ASSERT_EQUAL(txn_state(t), TXN_PROCEEDING);
	/* nor a response a server transaction */
	CU_ASSERT_EQUAL(txn_server_recv(tt, &rx), 0);
}

/* RFC 4475 §3.4.1: no branch, no tags. */
static void test_match_rfc2543(void)
{
	static const char ack[] =
		"ACK sip:UserB@example.com SIP/2.0" CRLF
		"Via: SIP/2.0/UDP iftgw.example.com" CRLF
		"From: <sip:+13035551111@ift.client.example.net;user=phone>" CRLF
		"To: sip:+16505552222@ss1.example.net;user=phone;tag=%s" CRLF
		"Call-ID: inv2543.1717@ift.client.example.com" CRLF
		"CSeq: %s" CRLF CRLF;
	static char inv[2048], buf[2048];
	static struct sip_msg m;
	struct txn *t, *c;
	size_t n;
	FILE *f;

	f = fopen("selftests/unit/rfc4475/inv2543.dat", "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(inv, 1, sizeof(inv) - 1, f);
	fclose(f);
	inv[n] = '\0';
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&m, buf, inv)), 0);
	CU_ASSERT_EQUAL_FATAL(txn_server_create(tt, &m, &udp, NULL, &t), 0);
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&rx, rx_buf, inv)), 1);
	/* Request-URI by §19.1.4: the host is case-insensitive, the user not */
	memcpy(strstr(inv, "example.com SIP"), "EXAMPLE", 7);
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&rx, rx_buf, inv)), 1);
	memcpy(strstr(inv, "UserB"), "userb", 5);
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&rx, rx_buf, inv)), 0);
	memcpy(strstr(inv, "userb"), "UserB", 5);
	memcpy(strstr(inv, "CSeq: 56"), "CSeq: 57", 8);
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&rx, rx_buf, inv)), 0);
	memcpy(strstr(inv, "CSeq: 57"), "CSeq: 56 CANCEL", 15);
	memcpy(inv, "CANCEL", 6);
	CU_ASSERT_PTR_EQUAL(
		txn_find_invite_for_cancel(tt, parse(&rx, rx_buf, inv)), t);
	CU_ASSERT_EQUAL(respond(t, 486), 0);
	/* the ACK carries the To tag of the response it acknowledges */
	snprintf(txt, sizeof(txt), ack, "xx", "56 ACK");
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&rx, rx_buf, txt)), 0);
	snprintf(txt, sizeof(txt), ack, "b2", "55 ACK");
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&rx, rx_buf, txt)), 0);
	CU_ASSERT_EQUAL(txn_state(t), TXN_COMPLETED);
	snprintf(txt, sizeof(txt), ack, "b2", "56 ACK");
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&rx, rx_buf, txt)), 1);
	CU_ASSERT_EQUAL(txn_state(t), TXN_CONFIRMED);
	CU_ASSERT_EQUAL(txn_server_create(tt, &m, &udp, NULL, &c), -EEXIST);
}

/* RFC 4475 §3.2.1: a branch that is only the cookie identifies nothing. */
static void test_match_badbranch(void)
{
	static char req[1024], buf[1024];
	static struct sip_msg m;
	struct txn *t;
	size_t n;
	FILE *f;

	f = fopen("selftests/unit/rfc4475/badbranch.dat", "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	n = fread(req, 1, sizeof(req) - 1, f);
	fclose(f);
	req[n] = '\0';
	CU_ASSERT_EQUAL_FATAL(
		txn_server_create(tt, parse(&m, buf, req), &udp, NULL, &t), 0);
	CU_ASSERT_EQUAL(respond(t, 200), 0);
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&rx, rx_buf, req)), 1);
	CU_ASSERT_EQUAL(nsent, 2);
	memcpy(strstr(req, "tag=33242"), "tag=33243", 9);
	CU_ASSERT_EQUAL(txn_server_recv(tt, parse(&rx, rx_buf, req)), 0);
	/* other requests that share the Call-ID bucket do not match it */
	CU_ASSERT_EQUAL(again("OPTIONS", "192.0.2.1", "z9hG4bK", NULL), 0);
}

/* --- CANCEL from the client side (§9.1) --- */

static const char want_cancel[] =
	"CANCEL sip:bob@example.org SIP/2.0" CRLF
	"Via: SIP/2.0/UDP p1.example.net;branch=z9hG4bKc1" CRLF
	"Route: <sip:p2.example.net;lr>" CRLF
	"Route: <sip:p3.example.net;lr>" CRLF
	"From: Alice <sip:alice@example.com>;tag=a1" CRLF
	"To: Bob <sip:bob@example.org>" CRLF "Call-ID: c1@example.com" CRLF
	"CSeq: 7 CANCEL" CRLF "Max-Forwards: 70" CRLF
	"Content-Length: 0" CRLF CRLF;

static void test_cancel_waits_for_1xx(void)
{
	struct txn *t = client("INVITE", "z9hG4bKc1", &udp);

	advance(200);
	/* not before a provisional response */
	CU_ASSERT_EQUAL(txn_client_cancel(t), 0);
	CU_ASSERT_EQUAL(txn_client_cancel(t), -EALREADY);
	CU_ASSERT_EQUAL(nsent, 1);
	CU_ASSERT_EQUAL(txn_count(tt), 1);
	advance(400);
	CU_ASSERT_EQUAL(answer(180, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL_FATAL(nsent, 3);
	CU_ASSERT_STRING_EQUAL(sent[2].buf, want_cancel);
	CU_ASSERT_EQUAL(sent[2].peer, 'u');
	CU_ASSERT_EQUAL(txn_count(tt), 2);
	/* the CANCEL is retransmitted as any non-INVITE */
	advance(500);
	CU_ASSERT_EQUAL_FATAL(nsent, 4);
	CU_ASSERT_STRING_EQUAL(sent[3].buf, want_cancel);
	CU_ASSERT_EQUAL(answer(200, "z9hG4bKc1", "CANCEL"), 1);
	CU_ASSERT_EQUAL(cb.method, SIP_CANCEL);
	CU_ASSERT_PTR_NULL(cb.user);
	CU_ASSERT_EQUAL(answer(487, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(cb.method, SIP_INVITE);
	CU_ASSERT_EQUAL(cb.status, 487);
	CU_ASSERT_EQUAL(nsent, 5); /* the ACK */
	advance(40000);
	CU_ASSERT_EQUAL(cb.terminated, 2);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	assert_empty();
}

static void test_cancel_now_or_never(void)
{
	struct txn *t = client("INVITE", "z9hG4bKc1", &udp);
	struct txn *n = client("OPTIONS", "z9hG4bKn1", &udp);

	CU_ASSERT_EQUAL(txn_client_cancel(n), -EINVAL);
	CU_ASSERT_EQUAL(txn_client_cancel(t), 0);
	/* a final response first: nothing left to cancel */
	CU_ASSERT_EQUAL(answer(486, "z9hG4bKc1", "INVITE"), 1);
	CU_ASSERT_EQUAL(nsent, 3);
	CU_ASSERT_NSTRING_EQUAL(sent[2].buf, "ACK ", 4);
	CU_ASSERT_EQUAL(txn_count(tt), 2);

	t = client("INVITE", "z9hG4bKc2", &udp);
	CU_ASSERT_EQUAL(answer(183, "z9hG4bKc2", "INVITE"), 1);
	CU_ASSERT_EQUAL(txn_client_cancel(t), 0);
	CU_ASSERT_EQUAL_FATAL(nsent, 5);
	CU_ASSERT_NSTRING_EQUAL(sent[4].buf, "CANCEL sip:bob@example.org", 26);
	CU_ASSERT_EQUAL(answer(200, "z9hG4bKc2", "INVITE"), 1);
	CU_ASSERT_EQUAL(txn_client_cancel(t), -EALREADY);
}

/* --- limits, errors, lifetime --- */

static void test_limit_enospc(void)
{
	const char *req;
	struct txn *t, *u;

	table_with(TXN_T1_DEFAULT, TXN_T2_DEFAULT, 2);
	t = server("INVITE", "z9hG4bKs1", &udp);
	client("INVITE", "z9hG4bKc1", &udp);
	CU_ASSERT_EQUAL(txn_server_create(
				tt, upstream("INVITE", UAC, "z9hG4bKs2", NULL),
				&udp, NULL, &u),
			-ENOSPC);
	req = client_req("OPTIONS", "z9hG4bKn1");
	CU_ASSERT_EQUAL(txn_client_create(tt, req, strlen(req), &udp, NULL, &u),
			-ENOSPC);
	CU_ASSERT_EQUAL(nsent, 1);
	/* a slot comes back when a transaction ends */
	CU_ASSERT_EQUAL(respond(t, 603), 0);
	CU_ASSERT_EQUAL(again("ACK", UAC, "z9hG4bKs1", "b2"), 1);
	advance(5000);
	CU_ASSERT_EQUAL(txn_count(tt), 1);
	CU_ASSERT_EQUAL(txn_server_create(
				tt, upstream("INVITE", UAC, "z9hG4bKs2", NULL),
				&udp, NULL, &u),
			0);
	CU_ASSERT_EQUAL(txn_count(tt), 2);
}

static void test_create_errors(void)
{
	static const char junk[] = "INVITE nonsense" CRLF CRLF;
	const char *req;
	struct txn *t;

	req = client_req("ACK", "z9hG4bKc1");
	CU_ASSERT_EQUAL(txn_client_create(tt, req, strlen(req), &udp, NULL, &t),
			-EINVAL);
	req = client_req("INVITE", "1234");
	CU_ASSERT_EQUAL(txn_client_create(tt, req, strlen(req), &udp, NULL, &t),
			-EINVAL);
	CU_ASSERT_EQUAL(txn_client_create(tt, junk, sizeof(junk) - 1, &udp,
					  NULL, &t),
			-EBADMSG);
	client("INVITE", "z9hG4bKc1", &udp);
	req = client_req("INVITE", "z9hG4bKc1");
	CU_ASSERT_EQUAL(txn_client_create(tt, req, strlen(req), &udp, NULL, &t),
			-EEXIST);
	/* the same branch for the CANCEL is what §9.1 asks for */
	t = client("CANCEL", "z9hG4bKc1", &udp);
	CU_ASSERT_EQUAL(txn_respond(t, "SIP/2.0 200 OK" CRLF CRLF, 18),
			-EINVAL);
	t = server("BYE", "z9hG4bKs1", &udp);
	CU_ASSERT_EQUAL(txn_respond(t, "SIP/2.0 2000 OK" CRLF CRLF, 19),
			-EINVAL);
	CU_ASSERT_EQUAL(txn_respond(t, "SIP/2.0 700 No" CRLF CRLF, 18),
			-EINVAL);
	CU_ASSERT_EQUAL(txn_respond(t, "HTTP/1.1 200 OK" CRLF CRLF, 19),
			-EINVAL);
	CU_ASSERT_EQUAL(txn_state(t), TXN_TRYING);
	CU_ASSERT_EQUAL(txn_count(tt), 3);
	CU_ASSERT_EQUAL(cb.terminated, 0);
	CU_ASSERT_EQUAL(nsent, 2);
}

static void test_transport_errors(void)
{
	const char *req;
	struct txn *t;

	/* the first send fails: no transaction, no callback */
	fail_from = 0;
	req = client_req("INVITE", "z9hG4bKc1");
	CU_ASSERT_EQUAL(txn_client_create(tt, req, strlen(req), &udp, NULL, &t),
			-ECONNREFUSED);
	CU_ASSERT_EQUAL(cb.terminated, 0);
	assert_empty();

	/* a retransmission fails (§17.1.4) */
	attempts = 0;
	fail_from = 1;
	client("INVITE", "z9hG4bKc1", &udp);
	advance(500);
	CU_ASSERT_EQUAL(cb.errors, 1);
	CU_ASSERT_EQUAL(cb.terminated, 1);
	CU_ASSERT_EQUAL(cb.terminated_at, 500);
	CU_ASSERT_EQUAL(cb.timeouts, 0);
	assert_empty();

	/* a response cannot be sent (§17.2.4) */
	attempts = 0;
	fail_from = 0;
	t = server("INVITE", "z9hG4bKs1", &udp);
	CU_ASSERT_EQUAL(respond(t, 100), -ECONNREFUSED);
	CU_ASSERT_EQUAL(cb.errors, 2);
	CU_ASSERT_EQUAL(cb.terminated, 2);
	assert_empty();
}

static void test_request_copy(void)
{
	struct sip_msg *m =
		upstream("INVITE", "10.0.0.2:5060", "z9hG4bKs1", NULL);
	struct sip_err err;
	struct txn *t;

	/* the copy is the request as stamped by the TU (RFC 3581) */
	CU_ASSERT_EQUAL_FATAL(sip_via_stamp(m, "192.0.2.7", 40000), 0);
	CU_ASSERT_EQUAL_FATAL(txn_server_create(tt, m, &udp, &ctx_token, &t),
			      0);
	memset(rx_buf, 'x', sizeof(rx_buf));
	CU_ASSERT_EQUAL_FATAL(txn_req_parse(t, &req_of, &err), 0);
	CU_ASSERT_TRUE(sip_str_eq(req_of.via.received, SIP_STR("192.0.2.7")));
	CU_ASSERT_TRUE(sip_str_eq(req_of.call_id, SIP_STR("s1@example.com")));
	CU_ASSERT_PTR_EQUAL(txn_user(t), &ctx_token);
	txn_set_user(t, NULL);
	CU_ASSERT_PTR_NULL(txn_user(t));
	CU_ASSERT_TRUE(sip_str_eq(txn_branch(t), SIP_STR("z9hG4bKs1")));
	CU_ASSERT_EQUAL(txn_dest(t)->peer[0], 'u');
	/* a retransmission still matches what was stamped */
	CU_ASSERT_EQUAL(again("INVITE", "10.0.0.2:5060", "z9hG4bKs1", NULL), 1);
	CU_ASSERT_EQUAL(respond(t, 404), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(sent[0].buf, ";received=192.0.2.7" CRLF));
	CU_ASSERT_EQUAL(txn_req_parse(t, &req_of, &err), -ENOENT);
}

static void test_table_free_ends_all(void)
{
	client("INVITE", "z9hG4bKc1", &udp);
	client("OPTIONS", "z9hG4bKn1", &tcp);
	server("INVITE", "z9hG4bKs1", &udp);
	server("BYE", "z9hG4bKs2", &udp);
	CU_ASSERT_EQUAL(txn_count(tt), 4);
	create_on_end = true;
	txn_table_free(tt);
	create_on_end = false;
	tt = NULL;
	CU_ASSERT_EQUAL(create_ret, -ESHUTDOWN);
	CU_ASSERT_EQUAL(cb.terminated, 4);
	CU_ASSERT_EQUAL(nsent, 2);
	CU_ASSERT_EQUAL(narmed, 0);
}

static void test_config(void)
{
	struct txn_config cfg;
	struct txn_table *t2;

	txn_config_default(&cfg, 10);
	CU_ASSERT_EQUAL(cfg.t1_ms, 500);
	CU_ASSERT_EQUAL(cfg.t2_ms, 4000);
	CU_ASSERT_EQUAL(cfg.t4_ms, 5000);
	cfg.t2_ms = 400;
	CU_ASSERT_EQUAL(txn_table_new(&t2, &cfg, &ops, NULL), -EINVAL);
	cfg.t2_ms = 4000;
	cfg.max_txns = 0;
	CU_ASSERT_EQUAL(txn_table_new(&t2, &cfg, &ops, NULL), -EINVAL);
	cfg.max_txns = 1;
	cfg.t1_ms = 0;
	CU_ASSERT_EQUAL(txn_table_new(&t2, &cfg, &ops, NULL), -EINVAL);
	/* 128*T1 must fit timer A's doubling */
	cfg.t1_ms = cfg.t2_ms = UINT32_MAX / 64;
	CU_ASSERT_EQUAL(txn_table_new(&t2, &cfg, &ops, NULL), -EINVAL);
	cfg.t1_ms = cfg.t2_ms = UINT32_MAX / 128;
	CU_ASSERT_EQUAL_FATAL(txn_table_new(&t2, &cfg, &ops, NULL), 0);
	txn_table_free(t2);
	CU_ASSERT_STRING_EQUAL(txn_state_name(TXN_ACCEPTED), "Accepted");
	CU_ASSERT_STRING_EQUAL(txn_state_name(TXN_CALLING), "Calling");
}

static int cmp_branch(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_branch_new(void)
{
	static char b[1000][TXN_BRANCH_SIZE];
	unsigned int i, dups = 0;
	char small[TXN_BRANCH_LEN];

	CU_ASSERT_EQUAL(txn_branch_new(small, sizeof(small)), -ENOSPC);
	for (i = 0; i < 1000; i++) {
		CU_ASSERT_EQUAL_FATAL(txn_branch_new(b[i], sizeof(b[i])),
				      TXN_BRANCH_LEN);
		CU_ASSERT_EQUAL(strlen(b[i]), TXN_BRANCH_LEN);
		CU_ASSERT_NSTRING_EQUAL(b[i], "z9hG4bK", 7);
		CU_ASSERT_EQUAL(
			strspn(b[i] + 7,
			       "abcdefghijklmnopqrstuvwxyz"
			       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"),
			16);
	}
	qsort(b, 1000, sizeof(b[0]), cmp_branch);
	for (i = 1; i < 1000; i++)
		dups += !strcmp(b[i - 1], b[i]);
	CU_ASSERT_EQUAL(dups, 0);
	/* and the layer takes them */
	client("INVITE", b[0], &udp);
	CU_ASSERT_EQUAL(answer(180, b[0], "INVITE"), 1);
}

int main(void)
{
	CU_TestInfo client_tests[] = {
		{ "INVITE: timers A and B", test_ic_timer_a_b },
		{ "INVITE: a 1xx stops retransmission",
		  test_ic_1xx_stops_retransmission },
		{ "INVITE: ACK per non-2xx, timer D", test_ic_non2xx_ack },
		{ "INVITE: final while Calling", test_ic_final_in_calling },
		{ "INVITE: 2xx, Accepted, timer M", test_ic_2xx_accepted },
		{ "INVITE: reliable transport", test_ic_reliable },
		{ "non-INVITE: timers E and F", test_nic_timer_e_f },
		{ "non-INVITE: Proceeding, timer K",
		  test_nic_proceeding_then_k },
		{ "non-INVITE: reliable transport", test_nic_reliable },
		{ "configured T1 and T2", test_custom_timers },
		{ "CANCEL waits for a 1xx", test_cancel_waits_for_1xx },
		{ "CANCEL now or never", test_cancel_now_or_never },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo server_tests[] = {
		{ "INVITE: retransmission resends",
		  test_is_retransmission_resends },
		{ "INVITE: timer G, ACK, timer I", test_is_timer_g_then_ack },
		{ "INVITE: timer H", test_is_timer_h },
		{ "INVITE: 2xx, Accepted, timer L", test_is_accepted },
		{ "INVITE: reliable transport", test_is_reliable },
		{ "non-INVITE: retransmission, timer J",
		  test_nis_retransmission_and_j },
		{ "non-INVITE: Proceeding, reliable",
		  test_nis_proceeding_reliable },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo match_tests[] = {
		{ "branch and sent-by", test_match_branch_and_sent_by },
		{ "ACK", test_match_ack },
		{ "CANCEL", test_match_cancel },
		{ "responses", test_match_client },
		{ "RFC 2543 fallback", test_match_rfc2543 },
		{ "RFC 4475 badbranch", test_match_badbranch },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo table_tests[] = {
		{ "limit: -ENOSPC", test_limit_enospc },
		{ "creation errors", test_create_errors },
		{ "transport errors", test_transport_errors },
		{ "the request copy", test_request_copy },
		{ "table free ends all", test_table_free_ends_all },
		{ "config", test_config },
		{ "branch generation", test_branch_new },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "txn client", NULL, NULL, setup, teardown, client_tests },
		{ "txn server", NULL, NULL, setup, teardown, server_tests },
		{ "txn matching", NULL, NULL, setup, teardown, match_tests },
		{ "txn table", NULL, NULL, setup, teardown, table_tests },
		CU_SUITE_INFO_NULL,
	};
	return tu_run(suites);
}
