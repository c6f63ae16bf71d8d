// SPDX-License-Identifier: GPL-2.0
/*
 * NAT keep-alives over a real location store, with the event loop's
 * clock and timer and the transport's tp_send() replaced by fakes defined
 * here: keepalive.o needs nothing else from event.o or transport.o, so
 * the linker takes these and never pulls those objects in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "event.h"
#include "keepalive.h"
#include "location.h"
#include "sip/reply.h"
#include "transport.h"

#define MAX_SENDS 4096
#define T0 1000000

/* --- fakes: the clock, the one timer, the transport --- */

struct sent_msg {
	struct sip_peer peer;
	char buf[1536];
	size_t len;
	uint64_t at_ms;
};

static uint64_t now_ms = T0;
static struct ev_timer *timer;
static struct sent_msg sends[MAX_SENDS];
static int nsends;
static bool dialled; /* a stream send that could open a connection */
/* stream peers with no open connection: tp_send() says -ENOTCONN */
static const char *no_conn_ip;

uint64_t ev_now_ms(void)
{
	return now_ms;
}

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	t->cb = cb;
	t->arg = arg;
	t->when_ms = 0;
	t->heap_idx = -1;
	timer = t;
}

void ev_timer_add(struct ev_timer *t, uint64_t ms)
{
	t->when_ms = now_ms + ms;
	t->heap_idx = 0;
	timer = t;
}

void ev_timer_del(struct ev_timer *t)
{
	t->heap_idx = -1;
}

int tp_send(const struct sip_peer *peer, const void *buf, size_t len)
{
	struct sent_msg *s = &sends[nsends];
	char ip[INET6_ADDRSTRLEN];

	if (peer->proto != TP_UDP && !peer->conn_id)
		dialled = true;
	if (peer->proto != TP_UDP && no_conn_ip &&
	    !strcmp(inet_ntop(peer->addr.sa.sa_family,
			      peer->addr.sa.sa_family == AF_INET6 ?
				      (const void *)&peer->addr.sin6.sin6_addr :
				      (const void *)&peer->addr.sin.sin_addr,
			      ip, sizeof(ip)),
		    no_conn_ip))
		return -ENOTCONN;
	if (nsends == MAX_SENDS || len >= sizeof(s->buf))
		return -ENOBUFS;
	s->peer = *peer;
	memcpy(s->buf, buf, len);
	s->buf[len] = '\0';
	s->len = len;
	s->at_ms = now_ms;
	nsends++;
	return 0;
}

/* Moves the clock, firing the timer each time it comes due on the way. */
static void advance(uint64_t ms)
{
	uint64_t end = now_ms + ms;

	while (timer && ev_timer_armed(timer) && timer->when_ms <= end) {
		now_ms = timer->when_ms;
		timer->heap_idx = -1;
		timer->cb(timer, timer->arg);
	}
	now_ms = end;
}

/* --- the store and the configuration --- */

static char dir[64];
static char dbfile[128];
static struct location *loc;
static struct config cfg;
static char domain[] = "example.com";

static void listen_on(uint8_t proto, const char *ip, uint16_t port)
{
	struct cfg_listen *l = &cfg.listen[cfg.nlisten++];
	union tp_addr *a = (union tp_addr *)&l->addr;

	l->proto = proto;
	if (inet_pton(AF_INET, ip, &a->sin.sin_addr) == 1) {
		a->sin.sin_family = AF_INET;
		a->sin.sin_port = htons(port);
		l->addrlen = sizeof(a->sin);
	} else {
		CU_ASSERT_FATAL(inet_pton(AF_INET6, ip, &a->sin6.sin6_addr) ==
				1);
		a->sin6.sin6_family = AF_INET6;
		a->sin6.sin6_port = htons(port);
		l->addrlen = sizeof(a->sin6);
	}
}

struct bspec {
	const char *aor;
	const char *contact;
	uint8_t transport;
	const char *ip;
	uint16_t port;
	bool nated;
	uint64_t conn_id;
	const char *path;
	bool expired;
};

static void add(const struct bspec *s)
{
	time_t now = time(NULL);
	struct binding b = {
		.contact = s->contact,
		.q = -1,
		.expires_at = s->expired ? 100 : now + 3600,
		.call_id = "reg-1@ua",
		.cseq = 1,
		.reg_id = -1,
		.path = s->path,
		.received.transport = s->transport,
		.received.port = s->port,
		.nated = s->nated,
		.conn_id = s->conn_id,
	};
	struct loc_change ch = { NULL, &b };

	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	snprintf(b.received.ip, sizeof(b.received.ip), "%s", s->ip);
	/* an expired binding goes in at a time it was still live */
	CU_ASSERT_EQUAL_FATAL(
		loc_apply(loc, s->aor, s->expired ? 50 : now, &ch, 1), 0);
}

static const struct bspec alice = {
	"sip:alice@example.com", "sip:alice@10.0.0.5:5060", LOC_UDP,
	"192.0.2.10", 40000, true, 0, NULL, false,
};
static const struct bspec bob = {
	"sip:bob@example.com", "sip:bob@192.0.2.11:5060", LOC_UDP,
	"192.0.2.11", 5060, false, 0, NULL, false,
};
static const struct bspec carol = {
	"sip:carol@example.com", "sip:carol@10.0.0.7:5060;transport=tcp",
	LOC_TCP, "198.51.100.7", 50001, true, 77, NULL, false,
};
static const struct bspec dave = {
	"sip:dave@example.com", "sip:dave@10.0.0.8:5060;transport=tcp",
	LOC_TCP, "198.51.100.8", 50002, true, 0, NULL, false,
};
static const struct bspec erin = {
	"sip:erin@example.com", "sip:erin@10.0.0.9:5060", LOC_UDP,
	"192.0.2.12", 40001, true, 0, NULL, true,
};
static const struct bspec frank = {
	"sip:frank@example.com", "sip:frank@[fd00::5]:5060", LOC_UDP,
	"2001:db8::5", 5062, true, 0, NULL, false,
};
static const struct bspec gina = {
	"sip:gina@example.com", "sip:gina@10.0.0.10:5060", LOC_UDP,
	"203.0.113.5", 5060, true, 0, "<sip:edge.example.com;lr>", false,
};
static const struct bspec hank = {
	"sip:hank@example.com", "sips:hank@10.0.0.11:5061", LOC_TLS,
	"198.51.100.9", 50003, true, 91, NULL, false,
};

static void setup(void)
{
	char err[600];

	memset(&cfg, 0, sizeof(cfg));
	listen_on(TP_UDP, "192.0.2.1", 5060);
	listen_on(TP_TCP, "192.0.2.1", 5060);
	listen_on(TP_TLS, "192.0.2.1", 5061);
	listen_on(TP_UDP, "2001:db8::1", 5060);
	cfg.domains[0] = domain;
	cfg.ndomains = 1;
	cfg.keepalive_interval = 30;
	cfg.keepalive_method = KA_OPTIONS;
	loc = loc_open(dbfile, time(NULL), err, sizeof(err));
	if (!loc)
		fprintf(stderr, "%s\n", err);
	nsends = 0;
	dialled = false;
	no_conn_ip = NULL;
	now_ms = T0;
	timer = NULL;
}

static void rm_db(void)
{
	char p[160];

	unlink(dbfile);
	snprintf(p, sizeof(p), "%s-wal", dbfile);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbfile);
	unlink(p);
}

static void teardown(void)
{
	keepalive_exit();
	loc_close(loc);
	loc = NULL;
	rm_db();
}

static int suite_init(void)
{
	strcpy(dir, "/tmp/sipfp-ka-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(dbfile, sizeof(dbfile), "%s/location.db", dir);
	return 0;
}

static int suite_clean(void)
{
	return rmdir(dir);
}

/* --- helpers --- */

static int count_to(const char *ip, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];
	int n = 0;

	for (int i = 0; i < nsends; i++) {
		const union tp_addr *p = &sends[i].peer.addr;
		int fam = p->sa.sa_family;
		uint16_t pp = ntohs(fam == AF_INET6 ? p->sin6.sin6_port :
						      p->sin.sin_port);

		inet_ntop(fam,
			  fam == AF_INET6 ? (const void *)&p->sin6.sin6_addr :
					    (const void *)&p->sin.sin_addr,
			  a, sizeof(a));
		n += !strcmp(a, ip) && pp == port;
	}
	return n;
}

static const struct sent_msg *sent_to(const char *ip, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	for (int i = 0; i < nsends; i++) {
		const union tp_addr *p = &sends[i].peer.addr;
		int fam = p->sa.sa_family;

		inet_ntop(fam,
			  fam == AF_INET6 ? (const void *)&p->sin6.sin6_addr :
					    (const void *)&p->sin.sin_addr,
			  a, sizeof(a));
		if (!strcmp(a, ip) &&
		    ntohs(fam == AF_INET6 ? p->sin6.sin6_port :
					    p->sin.sin_port) == port)
			return &sends[i];
	}
	return NULL;
}

static struct sip_msg *parse(const struct sent_msg *s, int flags)
{
	static struct sip_msg m;
	struct sip_err err;

	if (sip_msg_parse(&m, s->buf, s->len, flags, &err)) {
		fprintf(stderr, "unparsable keep-alive: %s\n%s", err.what,
			s->buf);
		return NULL;
	}
	return &m;
}

/*
 * The whole request, byte for byte, with the parts that are random per
 * process (branch salt none: it is seq and CSeq; tag, Call-ID) taken
 * from what was sent.
 */
static void expect_options(const struct sent_msg *s, const char *via,
			   const char *contact)
{
	struct sip_msg *m = parse(s, s->peer.proto == TP_UDP ? 0 :
							       SIP_PARSE_STREAM);
	char want[4096], branch[64], tag[64], cid[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_TRUE(m->is_request);
	CU_ASSERT_EQUAL(m->method, SIP_OPTIONS);
	CU_ASSERT_EQUAL(m->max_forwards, 1);
	CU_ASSERT_EQUAL(m->content_length, 0);
	CU_ASSERT_TRUE(m->via.rport);
	CU_ASSERT_EQUAL(m->via.branch.len, 36);
	CU_ASSERT_EQUAL(strncmp(m->via.branch.s, "z9hG4bK-ka-", 11), 0);
	CU_ASSERT_EQUAL(m->from.tag.len, 16);
	CU_ASSERT_EQUAL(m->call_id.len, 27);
	sip_str_copy(branch, sizeof(branch), m->via.branch);
	sip_str_copy(tag, sizeof(tag), m->from.tag);
	sip_str_copy(cid, sizeof(cid), m->call_id);
	snprintf(want, sizeof(want),
		 "OPTIONS %s SIP/2.0\r\n"
		 "Via: SIP/2.0/%s;branch=%s;rport\r\n"
		 "Max-Forwards: 1\r\n"
		 "From: <sip:keepalive@example.com>;tag=%s\r\n"
		 "To: <%s>\r\n"
		 "Call-ID: %s\r\n"
		 "CSeq: %u OPTIONS\r\n"
		 "Content-Length: 0\r\n"
		 "\r\n",
		 contact, via, branch, tag, contact, cid, m->cseq.num);
	CU_ASSERT_STRING_EQUAL(s->buf, want);
	/* the branch carries the CSeq: one branch per request */
	CU_ASSERT_EQUAL(strtoul(branch + 28, NULL, 16), m->cseq.num);
}

/* Answers @s with @status as the phone would; the response, parsed. */
static struct sip_msg *answer(const struct sent_msg *s, int status,
			      char *buf, size_t size)
{
	static struct sip_msg r;
	struct sip_reply rep = { .status = status, .to_tag = SIP_STR("ph1") };
	struct sip_msg *m = parse(s, 0);
	struct sip_err err;
	ssize_t n;

	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL_FATAL(sip_via_stamp(m, "192.0.2.1", 5060), 0);
	n = sip_reply_write(m, &rep, buf, size);
	CU_ASSERT_FATAL(n > 0);
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&r, buf, n, 0, &err), 0);
	return &r;
}

/* --- tests --- */

static void test_udp_options(void)
{
	add(&alice);
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(29999);
	CU_ASSERT_TRUE(nsends <= 1);
	advance(1);
	CU_ASSERT_EQUAL_FATAL(nsends, 1);
	CU_ASSERT_EQUAL(sends[0].peer.proto, TP_UDP);
	CU_ASSERT_EQUAL(sends[0].peer.sock, 0);
	CU_ASSERT_EQUAL(sends[0].peer.conn_id, 0);
	CU_ASSERT_EQUAL(sends[0].peer.local.sa.sa_family, 0);
	CU_ASSERT_EQUAL(count_to("192.0.2.10", 40000), 1);
	expect_options(&sends[0], "UDP 192.0.2.1:5060", alice.contact);
	CU_ASSERT_EQUAL(keepalive_stats.sent, 1);
	CU_ASSERT_EQUAL(keepalive_stats.skipped, 0);
	CU_ASSERT_EQUAL(keepalive_stats.send_errors, 0);
}

/* Not nated, expired, behind a Path: no keep-alive; nated: one per interval. */
static void test_only_nated_live(void)
{
	add(&alice);
	add(&bob);
	add(&erin);
	add(&gina);
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(90000);
	CU_ASSERT_EQUAL(nsends, 3);
	CU_ASSERT_EQUAL(count_to("192.0.2.10", 40000), 3);
	/* the same phase every round */
	CU_ASSERT_EQUAL(sends[1].at_ms - sends[0].at_ms, 30000);
	CU_ASSERT_EQUAL(sends[2].at_ms - sends[1].at_ms, 30000);
	CU_ASSERT_EQUAL(keepalive_stats.sent, 3);
	CU_ASSERT_EQUAL(loc_count(loc), 4);
}

/* A stream keep-alive takes an open connection or is skipped. */
static void test_streams_never_dial(void)
{
	const struct sent_msg *s;

	add(&carol);
	add(&dave);
	add(&hank);
	no_conn_ip = "198.51.100.8";
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(30000);
	CU_ASSERT_EQUAL_FATAL(nsends, 2);
	CU_ASSERT_FALSE(dialled);
	s = sent_to("198.51.100.7", 50001);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->peer.proto, TP_TCP);
	CU_ASSERT_EQUAL(s->peer.conn_id, 77);
	expect_options(s, "TCP 192.0.2.1:5060", carol.contact);
	s = sent_to("198.51.100.9", 50003);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->peer.proto, TP_TLS);
	CU_ASSERT_EQUAL(s->peer.conn_id, 91);
	expect_options(s, "TLS 192.0.2.1:5061", hank.contact);
	CU_ASSERT_EQUAL(count_to("198.51.100.8", 50002), 0);
	CU_ASSERT_EQUAL(keepalive_stats.sent, 2);
	CU_ASSERT_EQUAL(keepalive_stats.skipped, 1);
	CU_ASSERT_EQUAL(keepalive_stats.send_errors, 0);
	/* skipped is not a miss: nothing was sent to miss */
	advance(30000);
	CU_ASSERT_EQUAL(keepalive_stats.skipped, 2);
	CU_ASSERT_EQUAL(keepalive_stats.missed, 2);
}

static void test_ipv6(void)
{
	const struct sent_msg *s;

	add(&frank);
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(30000);
	CU_ASSERT_EQUAL_FATAL(nsends, 1);
	s = sent_to("2001:db8::5", 5062);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->peer.addr.sa.sa_family, AF_INET6);
	expect_options(s, "UDP [2001:db8::1]:5060", frank.contact);
}

/* A wildcard listener: the Via names the address the route leaves from. */
static void test_wildcard_via(void)
{
	static const struct bspec lo = {
		"sip:lo@example.com", "sip:lo@10.0.0.12:5060", LOC_UDP,
		"127.0.0.1", 40002, true, 0, NULL, false,
	};

	cfg.nlisten = 0;
	listen_on(TP_UDP, "0.0.0.0", 5070);
	add(&lo);
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(30000);
	CU_ASSERT_EQUAL_FATAL(nsends, 1);
	expect_options(&sends[0], "UDP 127.0.0.1:5070", lo.contact);
}

static void test_crlf(void)
{
	const struct sent_msg *s;

	add(&alice);
	add(&carol);
	add(&dave);
	no_conn_ip = "198.51.100.8";
	cfg.keepalive_method = KA_CRLF;
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(30000);
	CU_ASSERT_EQUAL_FATAL(nsends, 2);
	CU_ASSERT_FALSE(dialled);
	s = sent_to("192.0.2.10", 40000);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->len, 2);
	CU_ASSERT_STRING_EQUAL(s->buf, "\r\n");
	s = sent_to("198.51.100.7", 50001);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->peer.conn_id, 77);
	CU_ASSERT_EQUAL(s->len, 4);
	CU_ASSERT_STRING_EQUAL(s->buf, "\r\n\r\n");
	CU_ASSERT_EQUAL(keepalive_stats.sent, 2);
	CU_ASSERT_EQUAL(keepalive_stats.skipped, 1);
	/* nothing to answer: no misses */
	advance(60000);
	CU_ASSERT_EQUAL(keepalive_stats.sent, 6);
	CU_ASSERT_EQUAL(keepalive_stats.missed, 0);
}

static void test_response(void)
{
	char buf[4096], other[4096];
	struct sip_msg *r;

	add(&alice);
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(30000);
	CU_ASSERT_EQUAL_FATAL(nsends, 1);

	/* another Call-ID with our branch: someone else's */
	memcpy(other, sends[0].buf, sends[0].len + 1);
	memcpy(strstr(other, "Call-ID: ka-") + 9, "kb", 2);
	sends[1] = sends[0];
	memcpy(sends[1].buf, other, sends[0].len + 1);
	r = answer(&sends[1], 200, other, sizeof(other));
	CU_ASSERT_FALSE(keepalive_response(r));

	r = answer(&sends[0], 200, buf, sizeof(buf));
	CU_ASSERT_TRUE(keepalive_response(r));
	CU_ASSERT_EQUAL(keepalive_stats.answered, 1);
	CU_ASSERT_EQUAL(keepalive_stats.stray, 0);
	/* a retransmitted 200 is ours but answers nothing new */
	r = answer(&sends[0], 200, buf, sizeof(buf));
	CU_ASSERT_TRUE(keepalive_response(r));
	CU_ASSERT_EQUAL(keepalive_stats.answered, 1);
	CU_ASSERT_EQUAL(keepalive_stats.stray, 1);
}

static void test_foreign_response(void)
{
	static const char resp[] =
		"SIP/2.0 200 OK\r\n"
		"Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabcdef123\r\n"
		"From: <sip:a@example.com>;tag=1\r\n"
		"To: <sip:b@example.com>;tag=2\r\n"
		"Call-ID: x@y\r\n"
		"CSeq: 1 INVITE\r\n"
		"Content-Length: 0\r\n\r\n";
	struct sip_msg m;
	struct sip_err err;

	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	CU_ASSERT_EQUAL_FATAL(
		sip_msg_parse(&m, resp, sizeof(resp) - 1, 0, &err), 0);
	CU_ASSERT_FALSE(keepalive_response(&m));
	CU_ASSERT_EQUAL(keepalive_stats.stray, 0);
	keepalive_exit();
	/* after exit nothing is ours */
	CU_ASSERT_FALSE(keepalive_response(&m));
}

/* Misses are counted in a row, reset by an answer; the binding stays. */
static void test_misses(void)
{
	char buf[4096];

	add(&alice);
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(30000 * KA_MAX_MISSES);
	CU_ASSERT_EQUAL(nsends, KA_MAX_MISSES);
	CU_ASSERT_EQUAL(keepalive_stats.missed, KA_MAX_MISSES - 1);
	CU_ASSERT_EQUAL(keepalive_stats.unresponsive, 0);
	advance(30000);
	CU_ASSERT_EQUAL(keepalive_stats.missed, KA_MAX_MISSES);
	CU_ASSERT_EQUAL(keepalive_stats.unresponsive, 1);
	advance(30000);
	CU_ASSERT_EQUAL(keepalive_stats.missed, KA_MAX_MISSES + 1);
	CU_ASSERT_EQUAL(keepalive_stats.unresponsive, 1);
	CU_ASSERT_EQUAL(loc_count(loc), 1);
	CU_ASSERT_EQUAL_FATAL(nsends, KA_MAX_MISSES + 2);

	/* a late answer to an earlier one counts nothing */
	CU_ASSERT_TRUE(keepalive_response(answer(&sends[0], 200, buf,
						 sizeof(buf))));
	CU_ASSERT_EQUAL(keepalive_stats.answered, 0);
	CU_ASSERT_EQUAL(keepalive_stats.stray, 1);
	/* any final answer, even an error, shows the NAT path works */
	CU_ASSERT_TRUE(keepalive_response(answer(&sends[nsends - 1], 405, buf,
						 sizeof(buf))));
	CU_ASSERT_EQUAL(keepalive_stats.answered, 1);
	advance(30000);
	CU_ASSERT_EQUAL(keepalive_stats.missed, KA_MAX_MISSES + 1);
	advance(30000 * (KA_MAX_MISSES - 1));
	/* the run starts over after an answer */
	CU_ASSERT_EQUAL(keepalive_stats.unresponsive, 1);
	advance(30000);
	CU_ASSERT_EQUAL(keepalive_stats.unresponsive, 2);
}

/* 300 bindings: each once per interval, spread over the ticks. */
static void test_spread(void)
{
	static char aors[300][40], contacts[300][48], ips[300][16];
	int per_tick[31] = { 0 }, busiest = 0, ticks = 0;

	for (int i = 0; i < 300; i++) {
		struct bspec s = {
			.aor = aors[i],
			.contact = contacts[i],
			.transport = LOC_UDP,
			.ip = ips[i],
			.port = 40000 + i,
			.nated = true,
		};

		snprintf(aors[i], sizeof(aors[i]), "sip:u%d@example.com", i);
		snprintf(contacts[i], sizeof(contacts[i]),
			 "sip:u%d@10.0.%d.%d:5060", i, i / 256, i % 256);
		snprintf(ips[i], sizeof(ips[i]), "198.51.100.%d", i % 250);
		add(&s);
	}
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(30000);
	CU_ASSERT_EQUAL_FATAL(nsends, 300);
	for (int i = 0; i < 300; i++)
		CU_ASSERT_EQUAL(count_to(ips[i], 40000 + i), 1);
	for (int i = 0; i < nsends; i++) {
		uint64_t t = (sends[i].at_ms - T0) / 1000;

		CU_ASSERT_FATAL(t >= 1 && t <= 30);
		per_tick[t]++;
	}
	for (int t = 1; t <= 30; t++) {
		ticks += per_tick[t] > 0;
		if (per_tick[t] > busiest)
			busiest = per_tick[t];
	}
	/* ten per tick on average; these bounds are six deviations out */
	CU_ASSERT(busiest <= 30);
	CU_ASSERT(ticks >= 20);
	advance(30000);
	CU_ASSERT_EQUAL(nsends, 600);
}

/*
 * The edges of a tick's window: with a 1 s interval a phase lands on a
 * tick (100 ms) one time in a hundred, so among 1000 bindings some do,
 * and each must still get exactly one keep-alive per round.
 */
static void test_window_edges(void)
{
	static char aors[1000][40];
	static int got[1000];
	int bad = 0;

	memset(got, 0, sizeof(got));
	for (int i = 0; i < 1000; i++) {
		struct bspec s = {
			.aor = aors[i],
			.contact = "sip:u@10.0.0.1:5060",
			.transport = LOC_UDP,
			.ip = "203.0.113.9",
			.port = 10000 + i,
			.nated = true,
		};

		snprintf(aors[i], sizeof(aors[i]), "sip:e%d@example.com", i);
		add(&s);
	}
	cfg.keepalive_interval = 1;
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	advance(3000);
	for (int i = 0; i < nsends; i++) {
		uint16_t port = ntohs(sends[i].peer.addr.sin.sin_port);

		CU_ASSERT_FATAL(port >= 10000 && port < 11000);
		got[port - 10000]++;
	}
	CU_ASSERT_EQUAL(nsends, 3000);
	for (int i = 0; i < 1000; i++)
		bad += got[i] != 3;
	CU_ASSERT_EQUAL(bad, 0);
}

/* Interval 0 stops the timer; a new interval starts a new round. */
static void test_reload(void)
{
	struct config c2;

	add(&alice);
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	CU_ASSERT_TRUE(ev_timer_armed(timer));
	c2 = cfg;
	c2.keepalive_interval = 0;
	keepalive_configure(&c2);
	CU_ASSERT_FALSE(ev_timer_armed(timer));
	advance(100000);
	CU_ASSERT_EQUAL(nsends, 0);
	c2.keepalive_interval = 10;
	keepalive_configure(&c2);
	CU_ASSERT_TRUE(ev_timer_armed(timer));
	advance(10000);
	CU_ASSERT_EQUAL(nsends, 1);
	c2.keepalive_method = KA_CRLF;
	keepalive_configure(&c2);
	advance(10000);
	CU_ASSERT_EQUAL_FATAL(nsends, 2);
	CU_ASSERT_STRING_EQUAL(sends[1].buf, "\r\n");
}

static void test_off(void)
{
	add(&alice);
	cfg.keepalive_interval = 0;
	CU_ASSERT_EQUAL_FATAL(keepalive_init(loc, &cfg), 0);
	CU_ASSERT_FALSE(timer && ev_timer_armed(timer));
	advance(3600000);
	CU_ASSERT_EQUAL(nsends, 0);
	CU_ASSERT_EQUAL(keepalive_init(NULL, &cfg), -EINVAL);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "UDP OPTIONS, byte for byte", test_udp_options },
		{ "only live NATed bindings", test_only_nated_live },
		{ "streams reuse, never dial", test_streams_never_dial },
		{ "IPv6", test_ipv6 },
		{ "wildcard listener Via", test_wildcard_via },
		{ "CRLF keep-alives", test_crlf },
		{ "responses consumed", test_response },
		{ "foreign responses left", test_foreign_response },
		{ "misses in a row", test_misses },
		{ "spread over the interval", test_spread },
		{ "window edges", test_window_edges },
		{ "reload", test_reload },
		{ "interval 0", test_off },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "keepalive", suite_init, suite_clean, setup, teardown,
		  tests },
		CU_SUITE_INFO_NULL,
	};

	return tu_run(suites);
}
