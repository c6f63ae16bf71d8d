// SPDX-License-Identifier: GPL-2.0
/*
 * The media session layer (media.c, media_sdp.c, media_bye.c) as the
 * proxy drives it: SIP messages written as text, parsed, handed to
 * media_request() / media_response() / media_failed() where proxy_fwd.c
 * would, then written out and their SDP checked byte for byte.  Below it
 * run the real port pool, fast path front and userspace relay on the
 * real event loop, so the phones here are UDP sockets on 127.0.0.2
 * (caller) and 127.0.0.3 (callee) and RTP really crosses the relay on
 * 127.0.0.1, the source the kernel picks toward either.
 *
 * proxy_originate() is ours: it keeps the BYEs of a media timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "event.h"
#include "log.h"
#include "media.h"
#include "ports.h"
#include "proxy.h"
#include "sip/sdp.h"

#define PMIN 27200
#define PMAX 27219
#define NPAIRS ((PMAX - PMIN + 1) / 2)
/* loopback delivers at once: this only bounds a failing wait */
#define GUARD_MS 1000
#define IP_A "127.0.0.2"
#define IP_B "127.0.0.3"
#define IP_R "127.0.0.1"

static struct config cfg;

/* --- the fake proxy: BYEs of our own, kept as parsed copies --- */

#define MAX_BYES 4

struct smsg {
	char buf[8192];
	size_t len;
	struct sip_msg m;
};

static struct smsg byes[MAX_BYES];
static unsigned int nbyes;

int proxy_originate(struct sip_msg *m)
{
	struct smsg *s = &byes[nbyes < MAX_BYES ? nbyes : MAX_BYES - 1];
	struct sip_err err = { 0 };
	ssize_t n = sip_msg_write(m, s->buf, sizeof(s->buf));

	/* called from the loop: a fatal assertion would jump out of it */
	nbyes++;
	CU_ASSERT(n > 0);
	if (n <= 0)
		return -EIO;
	s->len = n;
	CU_ASSERT_EQUAL(sip_msg_parse(&s->m, s->buf, s->len, 0, &err), 0);
	if (getenv("V"))
		fprintf(stderr, "%.*s", (int)s->len, s->buf);
	return 0;
}

/* --- the loop, run until a condition holds (test_relay.c's way) --- */

static struct ev_timer guard;
static bool (*w_cond)(void);

static void check_want(void)
{
	if (w_cond && w_cond())
		ev_break();
}

static void guard_cb(struct ev_timer *t, void *arg)
{
	ev_break();
}

static bool run_until(bool (*cond)(void), uint64_t ms)
{
	w_cond = cond;
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_add(&guard, ms);
	ev_run(check_want);
	ev_timer_del(&guard);
	w_cond = NULL;
	return cond();
}

static bool never(void)
{
	return false;
}

/* Runs the loop @ms, for what must not happen. */
static void idle_ms(uint64_t ms)
{
	run_until(never, ms);
}

/* --- phones: an RTP socket on an even port, RTCP on the next --- */

struct sock {
	int fd;
	union tp_addr addr;
	unsigned int count; /* datagrams received */
	union tp_addr from; /* of the last */
	char last[256];
	size_t last_len;
};

struct phone {
	struct sock rtp, rtcp;
	uint16_t port;
};

static void sink_read(int fd, uint32_t events, void *arg)
{
	struct sock *s = arg;
	socklen_t alen;
	ssize_t n;

	for (;;) {
		alen = sizeof(s->from);
		n = recvfrom(fd, s->last, sizeof(s->last) - 1, MSG_DONTWAIT,
			     &s->from.sa, &alen);
		if (n < 0)
			break;
		s->last[n] = '\0';
		s->last_len = n;
		s->count++;
	}
	check_want();
}

static void set_addr(union tp_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (strchr(ip, ':')) {
		a->sin6.sin6_family = AF_INET6;
		CU_ASSERT_FATAL(inet_pton(AF_INET6, ip, &a->sin6.sin6_addr));
		a->sin6.sin6_port = htons(port);
	} else {
		a->sin.sin_family = AF_INET;
		CU_ASSERT_FATAL(inet_pton(AF_INET, ip, &a->sin.sin_addr));
		a->sin.sin_port = htons(port);
	}
}

static socklen_t alen(const union tp_addr *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(a->sin6) : sizeof(a->sin);
}

static int sock_bind(struct sock *s, const char *ip, uint16_t port)
{
	int one = 1;

	memset(s, 0, sizeof(*s));
	set_addr(&s->addr, ip, port);
	s->fd = socket(s->addr.sa.sa_family,
		       SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	CU_ASSERT_FATAL(s->fd >= 0);
	if (s->addr.sa.sa_family == AF_INET6)
		setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (!bind(s->fd, &s->addr.sa, alen(&s->addr)))
		return 0;
	close(s->fd);
	s->fd = -1;
	return -1;
}

/* A pair of 27300..27399 on @ip, both sockets sinks in the loop. */
static void phone_open(struct phone *p, const char *ip)
{
	for (p->port = 27300; p->port < 27400; p->port += 2) {
		if (sock_bind(&p->rtp, ip, p->port))
			continue;
		if (!sock_bind(&p->rtcp, ip, p->port + 1))
			break;
		close(p->rtp.fd);
	}
	CU_ASSERT_FATAL(p->port < 27400);
	CU_ASSERT_FATAL(!ev_fd_add(p->rtp.fd, EPOLLIN, sink_read, &p->rtp));
	CU_ASSERT_FATAL(!ev_fd_add(p->rtcp.fd, EPOLLIN, sink_read, &p->rtcp));
}

static void phone_close(struct phone *p)
{
	ev_fd_del(p->rtp.fd);
	ev_fd_del(p->rtcp.fd);
	close(p->rtp.fd);
	close(p->rtcp.fd);
}

static void send_to(struct sock *s, const char *ip, uint16_t port,
		    const char *payload)
{
	union tp_addr to;
	size_t n = strlen(payload);

	set_addr(&to, ip, port);
	CU_ASSERT_EQUAL(sendto(s->fd, payload, n, 0, &to.sa, alen(&to)),
			(ssize_t)n);
}

static struct sock *w_sock;
static unsigned int w_count;

static bool sock_has(void)
{
	return w_sock->count >= w_count;
}

/* Waits for @s's @count-th datagram: true when it came. */
static bool wait_for(struct sock *s, unsigned int count)
{
	w_sock = s;
	w_count = count;
	return run_until(sock_has, GUARD_MS);
}

static uint16_t port_of(const union tp_addr *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->sin6.sin6_port :
						   a->sin.sin_port);
}

static bool from_is(const struct sock *s, const char *ip, uint16_t port)
{
	union tp_addr want_addr;

	set_addr(&want_addr, ip, port);
	return !memcmp(&s->from, &want_addr, alen(&want_addr));
}

/*
 * @payload from @from to the relay's @ip:@port arrives at @to, from
 * @src_ip:@src_port, exactly once more.
 */
static void relayed(struct sock *from, const char *ip, uint16_t port,
		    struct sock *to, const char *src_ip, uint16_t src_port,
		    const char *payload)
{
	unsigned int before = to->count;

	send_to(from, ip, port, payload);
	if (!wait_for(to, before + 1))
		fprintf(stderr, "\n  \"%s\" never arrived\n", payload);
	CU_ASSERT(to->count == before + 1);
	CU_ASSERT_STRING_EQUAL(to->last, payload);
	CU_ASSERT(from_is(to, src_ip, src_port));
	if (!from_is(to, src_ip, src_port))
		fprintf(stderr, "\n  from port %u, want %s:%u\n",
			port_of(&to->from), src_ip, src_port);
}

/* --- set-up --- */

static void cfg_default(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.media_anchor = true;
	cfg.fastpath = CFG_FP_RELAY;
	cfg.port_min = PMIN;
	cfg.port_max = PMAX;
	cfg.port_quarantine = 1;
	cfg.media_timeout = 0;
	cfg.latch_window = 10;
	cfg.max_sessions = 4;
	cfg.dscp = 46;
}

static void start(void)
{
	CU_ASSERT_EQUAL_FATAL(ev_init(), 0);
	CU_ASSERT_EQUAL_FATAL(media_init(&cfg), 0);
	memset(&media_stats, 0, sizeof(media_stats));
	nbyes = 0;
}

static void stop(void)
{
	media_exit();
	ev_exit();
}

static struct ports_stats pstats(void)
{
	struct ports_stats st;

	memset(&st, 0xa5, sizeof(st));
	if (ports_stats(NULL, &st))
		memset(&st, 0, sizeof(st));
	return st;
}

/* --- SIP: a call between alice (caller) and bob (callee) --- */

struct call {
	const char *id;
	const char *atag, *btag; /* btag NULL before the callee answers */
	uint32_t acseq, bcseq; /* the last each side used */
	const char *rr; /* Record-Route lines of the dialog, or "" */
};

static struct sip_peer sig_a, sig_b; /* where each side's SIP comes from */

static void peers_init(void)
{
	memset(&sig_a, 0, sizeof(sig_a));
	memset(&sig_b, 0, sizeof(sig_b));
	sig_a.proto = sig_b.proto = TP_UDP;
	set_addr(&sig_a.addr, IP_A, 5060);
	set_addr(&sig_b.addr, IP_B, 5060);
}

/* Parses @fmt (start line, headers) with Content-Type, -Length, @body. */
static void mk(struct smsg *s, const char *ctype, const char *body,
	       const char *fmt, ...)
{
	struct sip_err err = { 0 };
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(s->buf, sizeof(s->buf), fmt, ap);
	va_end(ap);
	CU_ASSERT_FATAL(n > 0 && (size_t)n < sizeof(s->buf) / 2);
	if (*body)
		n += snprintf(s->buf + n, sizeof(s->buf) - n,
			      "Content-Type: %s\r\n", ctype);
	n += snprintf(s->buf + n, sizeof(s->buf) - n,
		      "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
	CU_ASSERT_FATAL((size_t)n < sizeof(s->buf));
	s->len = n;
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&s->m, s->buf, s->len, 0, &err),
			      0);
}

/* @src's text parsed again into @dst, as each branch does. */
static void reparse(struct smsg *dst, const struct smsg *src)
{
	struct sip_err err = { 0 };

	memcpy(dst->buf, src->buf, src->len);
	dst->len = src->len;
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&dst->m, dst->buf, dst->len, 0,
					    &err), 0);
}

static char to_tag[64];

static const char *tag_param(const char *tag)
{
	if (!tag)
		return "";
	snprintf(to_tag, sizeof(to_tag), ";tag=%s", tag);
	return to_tag;
}

/* A request from the caller (@from_b false) or the callee, CSeq counted. */
static void req(struct smsg *s, struct call *c, bool from_b,
		const char *method, const char *ctype, const char *body)
{
	uint32_t *cseq = from_b ? &c->bcseq : &c->acseq;

	if (strcmp(method, "ACK"))
		++*cseq;
	if (!from_b)
		mk(s, ctype, body,
		   "%s sip:bob@" IP_B " SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP " IP_A ";branch=z9hG4bK%s%u\r\n"
		   "Max-Forwards: 70\r\n"
		   "From: \"Alice\" <sip:alice@example.com>;tag=%s\r\n"
		   "To: <sip:bob@example.net>%s\r\n"
		   "Call-ID: %s\r\nCSeq: %u %s\r\n"
		   "Contact: <sip:alice@" IP_A ";transport=udp>\r\n",
		   method, method, *cseq, c->atag, tag_param(c->btag), c->id,
		   *cseq, method);
	else
		mk(s, ctype, body,
		   "%s sip:alice@" IP_A ";transport=udp SIP/2.0\r\n"
		   "Via: SIP/2.0/UDP " IP_B ";branch=z9hG4bKb%s%u\r\n"
		   "Max-Forwards: 70\r\n"
		   "From: <sip:bob@example.net>;tag=%s\r\n"
		   "To: \"Alice\" <sip:alice@example.com>;tag=%s\r\n"
		   "Call-ID: %s\r\nCSeq: %u %s\r\n"
		   "Contact: <sip:bob@" IP_B ">\r\n",
		   method, method, *cseq, c->btag, c->atag, c->id, *cseq,
		   method);
}

/* The response to the last request of the caller (@to_b false) or callee. */
static void resp(struct smsg *s, struct call *c, bool to_b, int status,
		 const char *method, const char *body)
{
	if (!to_b)
		mk(s, "application/sdp", body,
		   "SIP/2.0 %d Whatever\r\n"
		   "Via: SIP/2.0/UDP " IP_A ";branch=z9hG4bK%s%u\r\n"
		   "%s"
		   "From: \"Alice\" <sip:alice@example.com>;tag=%s\r\n"
		   "To: <sip:bob@example.net>%s\r\n"
		   "Call-ID: %s\r\nCSeq: %u %s\r\n"
		   "Contact: <sip:bob@" IP_B ">\r\n",
		   status, method, c->acseq, c->rr, c->atag,
		   tag_param(c->btag), c->id, c->acseq, method);
	else
		mk(s, "application/sdp", body,
		   "SIP/2.0 %d Whatever\r\n"
		   "Via: SIP/2.0/UDP " IP_B ";branch=z9hG4bKb%s%u\r\n"
		   "From: <sip:bob@example.net>;tag=%s\r\n"
		   "To: \"Alice\" <sip:alice@example.com>;tag=%s\r\n"
		   "Call-ID: %s\r\nCSeq: %u %s\r\n"
		   "Contact: <sip:alice@" IP_A ";transport=udp>\r\n",
		   status, method, c->bcseq, c->btag, c->atag, c->id,
		   c->bcseq, method);
}

/* --- what goes out --- */

struct out {
	char buf[8192];
	struct sip_str body;
	struct sdp_session sdp;
	bool sdp_ok;
};

static struct out o1, o2;

/* @s as the proxy sends it on; its body in @o, parsed when SDP. */
static void written(struct smsg *s, struct out *o)
{
	struct sip_err err = { 0 };
	ssize_t n = sip_msg_write(&s->m, o->buf, sizeof(o->buf) - 1);
	const char *b;

	CU_ASSERT_FATAL(n > 0);
	o->buf[n] = '\0';
	b = strstr(o->buf, "\r\n\r\n");
	CU_ASSERT_FATAL(b != NULL);
	b += 4;
	o->body = sip_str_make(b, o->buf + n - b);
	o->sdp_ok = !sdp_parse(&o->sdp, o->body.s, o->body.len, &err);
}

/* The proxy's branch for the next request, and its responses. */
static const char *branch = "z9hG4bKsfp.test.1";

/* Sends @s's request on to the callee (@from_b false) or the caller. */
static int fwd_req(struct smsg *s, bool from_b, struct out *o)
{
	int ret = media_request(&s->m, from_b ? &sig_b : &sig_a,
				from_b ? &sig_a : &sig_b, branch);

	if (!ret && o)
		written(s, o);
	return ret;
}

/* Passes @s's response back up, from the callee (@from_b) or caller. */
static void fwd_resp(struct smsg *s, bool from_b, struct out *o)
{
	media_response(&s->m, from_b ? &sig_b : &sig_a, false, branch);
	if (o)
		written(s, o);
}

/* The m= port of stream @i of what went out. */
static uint16_t mport(const struct out *o, unsigned int i)
{
	CU_ASSERT_FATAL(o->sdp_ok && i < o->sdp.nmedia);
	return o->sdp.media[i].port;
}

static bool relay_port(uint16_t p)
{
	return p >= PMIN && p < PMAX && !(p & 1);
}

/* --- SDP --- */

#define VER_A 2890844526ull
#define VER_B 2808844564ull
#define CRYPTO_A "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " \
	"inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n"
#define CRYPTO_B "a=crypto:1 AES_CM_128_HMAC_SHA1_80 " \
	"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\r\n"

static char sdp1[2048], sdp2[2048];

/*
 * The caller's offer: SRTP audio with its RTCP port named, ICE lines
 * when @ice (a relayed copy has none), @ip for c= and a=rtcp.
 */
static const char *offer_a(char *buf, uint64_t ver, const char *ip,
			   uint16_t port, bool ice)
{
	snprintf(buf, sizeof(sdp1),
		 "v=0\r\n"
		 "o=alice 2890844526 %llu IN IP4 " IP_A "\r\n"
		 "s=call\r\n"
		 "c=IN IP4 %s\r\n"
		 "t=0 0\r\n"
		 "%s"
		 "m=audio %u RTP/SAVP 0 8 101\r\n"
		 "b=AS:64\r\n"
		 "a=rtpmap:0 PCMU/8000\r\n"
		 "a=rtpmap:8 PCMA/8000\r\n"
		 "a=rtpmap:101 telephone-event/8000\r\n"
		 "a=fmtp:101 0-15\r\n"
		 "a=rtcp:%u IN IP4 %s\r\n"
		 CRYPTO_A
		 "%s"
		 "a=ptime:20\r\n"
		 "a=sendrecv\r\n",
		 (unsigned long long)ver, ip,
		 ice ? "a=ice-ufrag:F7gI\r\na=ice-pwd:x9cml/YzichV2+XlhiMu8g\r\n"
		     : "",
		 port, port ? port + 1 : 0, ip,
		 ice ? "a=candidate:1 1 UDP 2130706431 10.0.1.1 8998 typ host\r\n"
		       "a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ "
		       "srflx raddr 10.0.1.1 rport 8998\r\n"
		       "a=end-of-candidates\r\n"
		     : "");
	return buf;
}

/* The callee's answer: RTCP on port + 1, @dir its direction. */
static const char *answer_b(char *buf, uint64_t ver, const char *ip,
			    uint16_t port, const char *dir)
{
	snprintf(buf, sizeof(sdp1),
		 "v=0\r\n"
		 "o=bob 2808844564 %llu IN IP4 " IP_B "\r\n"
		 "s=-\r\n"
		 "c=IN IP4 %s\r\n"
		 "t=0 0\r\n"
		 "m=audio %u RTP/SAVP 0 101\r\n"
		 "a=rtpmap:0 PCMU/8000\r\n"
		 "a=rtpmap:101 telephone-event/8000\r\n"
		 CRYPTO_B
		 "a=%s\r\n",
		 (unsigned long long)ver, ip, port, dir);
	return buf;
}

/* Audio and video, plain RTP, session-level c=. */
static const char *offer_av(char *buf, const char *user, uint64_t ver,
			    const char *ip, uint16_t aport, uint16_t vport)
{
	snprintf(buf, sizeof(sdp1),
		 "v=0\r\n"
		 "o=%s 1 %llu IN IP4 %s\r\n"
		 "s=-\r\n"
		 "c=IN IP4 %s\r\n"
		 "t=0 0\r\n"
		 "m=audio %u RTP/AVP 0\r\n"
		 "a=rtpmap:0 PCMU/8000\r\n"
		 "m=video %u RTP/AVP 96\r\n"
		 "a=rtpmap:96 H264/90000\r\n",
		 user, (unsigned long long)ver,
		 strcmp(user, "alice") ? IP_B : IP_A, ip, aport, vport);
	return buf;
}

static const char *ipv(const char *ip)
{
	return strchr(ip, ':') ? "IP6" : "IP4";
}

/* One plain audio stream from @user at @origin, media at @ip:@port. */
static const char *plain(char *buf, const char *user, uint64_t ver,
			 const char *origin, const char *ip, uint16_t port)
{
	snprintf(buf, sizeof(sdp1),
		 "v=0\r\n"
		 "o=%s 5 %llu IN %s %s\r\n"
		 "s=-\r\n"
		 "c=IN %s %s\r\n"
		 "t=0 0\r\n"
		 "m=audio %u RTP/AVP 0\r\n"
		 "a=rtpmap:0 PCMU/8000\r\n",
		 user, (unsigned long long)ver, ipv(origin), origin, ipv(ip),
		 ip, port);
	return buf;
}

/* --- the call most tests start from --- */

static struct phone pa, pb;
static struct smsg sm;
static uint16_t r0, r1; /* the relay ports facing the caller and callee */

static bool quarantine_over(void)
{
	return pstats().quarantined == 0;
}

/* INVITE with the caller's offer, 200 with the callee's answer, ACK. */
static void call_up(struct call *c)
{
	req(&sm, c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A, IP_A, pa.port, true));
	CU_ASSERT_EQUAL_FATAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	c->btag = "b1";
	resp(&sm, c, false, 200, "INVITE",
	     answer_b(sdp2, VER_B, IP_B, pb.port, "sendrecv"));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	req(&sm, c, false, "ACK", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
}

static void both_ways(const char *what)
{
	char p[64];

	snprintf(p, sizeof(p), "%s a->b", what);
	relayed(&pa.rtp, IP_R, r0, &pb.rtp, IP_R, r1, p);
	snprintf(p, sizeof(p), "%s b->a", what);
	relayed(&pb.rtp, IP_R, r1, &pa.rtp, IP_R, r0, p);
}

/* With cfg as it is. */
static void go(void)
{
	start();
	peers_init();
	phone_open(&pa, IP_A);
	phone_open(&pb, IP_B);
}

static void begin(void)
{
	cfg_default();
	go();
}

static void end(void)
{
	phone_close(&pa);
	phone_close(&pb);
	stop();
}

/* --- tests --- */

static void test_offer_answer(void)
{
	struct call c = { "call-1@test", "a1", NULL, 0, 0, "" };
	struct ports_stats st;

	begin();
	req(&sm, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A, IP_A, pa.port, true));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	CU_ASSERT(relay_port(r1));
	/* c=, m=, a=rtcp to the relay; ICE gone; all else as it was */
	EQS(o1.body, offer_a(sdp2, VER_A, IP_R, r1, false));
	st = pstats();
	CU_ASSERT_EQUAL(st.in_use, 2);
	CU_ASSERT_EQUAL(st.allocs, 2);
	CU_ASSERT_EQUAL(media_stats.sessions, 1);
	CU_ASSERT_EQUAL(media_stats.started, 0);

	c.btag = "b1";
	resp(&sm, &c, false, 200, "INVITE",
	     answer_b(sdp1, VER_B, IP_B, pb.port, "sendrecv"));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	CU_ASSERT(relay_port(r0));
	CU_ASSERT_NOT_EQUAL(r0, r1);
	EQS(o2.body, answer_b(sdp2, VER_B, IP_R, r0, "sendrecv"));
	CU_ASSERT_EQUAL(media_stats.started, 1);
	CU_ASSERT_EQUAL(pstats().allocs, 2);
	req(&sm, &c, false, "ACK", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);

	/* RTP and RTCP, each way, from the other leg's port */
	both_ways("rtp 1");
	relayed(&pa.rtcp, IP_R, r0 + 1, &pb.rtcp, IP_R, r1 + 1, "rtcp a->b");
	relayed(&pb.rtcp, IP_R, r1 + 1, &pa.rtcp, IP_R, r0 + 1, "rtcp b->a");
	both_ways("rtp 2");
	CU_ASSERT_EQUAL(pa.rtp.count, 2);
	CU_ASSERT_EQUAL(pb.rtp.count, 2);

	/* BYE: the session ends, its ports go to quarantine, then free */
	req(&sm, &c, true, "BYE", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, true, &o1), 0);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);
	CU_ASSERT_EQUAL(media_stats.ended, 1);
	st = pstats();
	CU_ASSERT_EQUAL(st.in_use, 0);
	CU_ASSERT_EQUAL(st.quarantined, 2);
	/* no flow is left: a late packet lands on a quarantined socket */
	send_to(&pa.rtp, IP_R, r0, "late");
	idle_ms(100);
	CU_ASSERT_EQUAL(pb.rtp.count, 2);
	CU_ASSERT(run_until(quarantine_over, 3000));
	st = pstats();
	CU_ASSERT_EQUAL(st.quarantined, 0);
	CU_ASSERT_EQUAL(st.free, NPAIRS);
	CU_ASSERT_EQUAL(nbyes, 0);
	end();
}

/*
 * A 183 then a 200 with the same SDP: nothing new.  (Another branch of
 * the INVITE is another session: test_fork.)
 */
static void test_repeat(void)
{
	struct call c = { "call-2@test", "a2", NULL, 0, 0, "" };
	struct out first;

	begin();
	req(&sm, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A, IP_A, pa.port, true));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	CU_ASSERT_EQUAL(pstats().allocs, 2);
	CU_ASSERT_EQUAL(media_stats.sessions, 1);

	c.btag = "b2";
	resp(&sm, &c, false, 183, "INVITE",
	     answer_b(sdp2, VER_B, IP_B, pb.port, "sendrecv"));
	fwd_resp(&sm, true, &first);
	r0 = mport(&first, 0);
	EQS(first.body, answer_b(sdp1, VER_B, IP_R, r0, "sendrecv"));
	CU_ASSERT_EQUAL(media_stats.started, 1);
	resp(&sm, &c, false, 200, "INVITE",
	     answer_b(sdp2, VER_B, IP_B, pb.port, "sendrecv"));
	fwd_resp(&sm, true, &o2);
	CU_ASSERT(tu_same(o2.body, first.body));
	CU_ASSERT_EQUAL(pstats().allocs, 2);
	CU_ASSERT_EQUAL(media_stats.started, 1);
	both_ways("after 200");
	end();
}

/* RFC 2543 hold (c=0.0.0.0) and resume, both by the caller. */
static void test_hold(void)
{
	struct call c = { "call-3@test", "a3", NULL, 0, 0, "" };
	unsigned int before;

	begin();
	call_up(&c);
	both_ways("before hold");
	req(&sm, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A + 1, "0.0.0.0", pa.port, false));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	/* the version moves by one, the ports stay */
	EQS(o1.body, offer_a(sdp2, VER_A + 1, "0.0.0.0", r1, false));
	resp(&sm, &c, false, 200, "INVITE",
	     answer_b(sdp1, VER_B + 1, IP_B, pb.port, "recvonly"));
	fwd_resp(&sm, true, &o2);
	EQS(o2.body, answer_b(sdp2, VER_B + 1, IP_R, r0, "recvonly"));
	req(&sm, &c, false, "ACK", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	CU_ASSERT_EQUAL(pstats().allocs, 2);

	/* nothing goes to the held side; what it sends still goes on */
	before = pa.rtp.count;
	send_to(&pb.rtp, IP_R, r1, "to the held side");
	relayed(&pa.rtp, IP_R, r0, &pb.rtp, IP_R, r1, "music on hold");
	idle_ms(100);
	CU_ASSERT_EQUAL(pa.rtp.count, before);

	req(&sm, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A + 2, IP_A, pa.port, false));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	EQS(o1.body, offer_a(sdp2, VER_A + 2, IP_R, r1, false));
	resp(&sm, &c, false, 200, "INVITE",
	     answer_b(sdp1, VER_B + 2, IP_B, pb.port, "sendrecv"));
	fwd_resp(&sm, true, &o2);
	EQS(o2.body, answer_b(sdp2, VER_B + 2, IP_R, r0, "sendrecv"));
	both_ways("resumed");
	CU_ASSERT_EQUAL(pstats().allocs, 2);
	end();
}

/* A stream the answer rejects (port 0) hands its ports back. */
static void test_rejected_stream(void)
{
	struct call c = { "call-4@test", "a4", NULL, 0, 0, "" };
	struct ports_stats st;
	uint16_t v1;

	begin();
	req(&sm, &c, false, "INVITE", "application/sdp",
	    offer_av(sdp1, "alice", 7, IP_A, pa.port, 30000));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	v1 = mport(&o1, 1);
	CU_ASSERT(relay_port(r1) && relay_port(v1) && r1 != v1);
	EQS(o1.body, offer_av(sdp2, "alice", 7, IP_R, r1, v1));
	CU_ASSERT_EQUAL(pstats().in_use, 4);

	c.btag = "b4";
	resp(&sm, &c, false, 200, "INVITE",
	     offer_av(sdp1, "bob", 9, IP_B, pb.port, 0));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	CU_ASSERT(relay_port(r0));
	EQS(o2.body, offer_av(sdp2, "bob", 9, IP_R, r0, 0));
	st = pstats();
	CU_ASSERT_EQUAL(st.in_use, 2);
	CU_ASSERT_EQUAL(st.quarantined, 2);
	both_ways("audio");
	end();
}

/*
 * The callee re-INVITEs to move its media to another port; the caller's
 * answer is its SDP of before, o= version and all (RFC 3264 §8: nothing
 * of its own changed).  Media must then go to the new port.
 */
static void test_reinvite_callee_moves(void)
{
	struct call c = { "call-5@test", "a5", NULL, 0, 0, "" };
	struct phone pb2;

	begin();
	phone_open(&pb2, IP_B);
	call_up(&c);
	both_ways("before");
	req(&sm, &c, true, "INVITE", "application/sdp",
	    answer_b(sdp1, VER_B + 1, IP_B, pb2.port, "sendrecv"));
	CU_ASSERT_EQUAL(fwd_req(&sm, true, &o1), 0);
	EQS(o1.body, answer_b(sdp2, VER_B, IP_R, r0, "sendrecv"));
	resp(&sm, &c, true, 200, "INVITE",
	     offer_a(sdp1, VER_A, IP_A, pa.port, false));
	fwd_resp(&sm, false, &o2);
	/* the same SDP may keep its version or move it by one (§8) */
	if (!sip_str_eq(o2.body, sip_str_cstr(offer_a(sdp2, VER_A + 1, IP_R,
						      r1, false))))
		EQS(o2.body, offer_a(sdp2, VER_A, IP_R, r1, false));
	req(&sm, &c, true, "ACK", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, true, NULL), 0);
	CU_ASSERT_EQUAL(pstats().allocs, 2);
	relayed(&pa.rtp, IP_R, r0, &pb2.rtp, IP_R, r1, "to the new port");
	relayed(&pb2.rtp, IP_R, r1, &pa.rtp, IP_R, r0, "from the new port");
	CU_ASSERT_EQUAL(pb.rtp.count, 1);
	phone_close(&pb2);
	end();
}

/*
 * The caller re-INVITEs; the callee answers from another port.  Both
 * ends had latched: the caller's media must go to the new port at once,
 * before the callee sends from it.
 */
static void test_reinvite_answer_moves(void)
{
	struct call c = { "call-6@test", "a6", NULL, 0, 0, "" };
	struct phone pb2;

	begin();
	phone_open(&pb2, IP_B);
	call_up(&c);
	both_ways("before");
	req(&sm, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A + 1, IP_A, pa.port, false));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	EQS(o1.body, offer_a(sdp2, VER_A, IP_R, r1, false));
	resp(&sm, &c, false, 200, "INVITE",
	     answer_b(sdp1, VER_B + 1, IP_B, pb2.port, "sendrecv"));
	fwd_resp(&sm, true, &o2);
	EQS(o2.body, answer_b(sdp2, VER_B, IP_R, r0, "sendrecv"));
	req(&sm, &c, false, "ACK", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	relayed(&pa.rtp, IP_R, r0, &pb2.rtp, IP_R, r1, "to the new port");
	relayed(&pb2.rtp, IP_R, r1, &pa.rtp, IP_R, r0, "from the new port");
	relayed(&pa.rtp, IP_R, r0, &pb2.rtp, IP_R, r1, "to the new port 2");
	CU_ASSERT_EQUAL(pb.rtp.count, 1);
	phone_close(&pb2);
	end();
}

/* A final failure of the INVITE that made the session ends it. */
static void test_failed_initial(void)
{
	struct call c = { "call-7@test", "a7", NULL, 0, 0, "" };
	struct smsg inv;
	struct ports_stats st;

	begin();
	req(&inv, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A, IP_A, pa.port, true));
	CU_ASSERT_EQUAL(fwd_req(&inv, false, &o1), 0);
	c.btag = "b7";
	resp(&sm, &c, false, 183, "INVITE",
	     answer_b(sdp1, VER_B, IP_B, pb.port, "sendrecv"));
	fwd_resp(&sm, true, &o2);
	CU_ASSERT_EQUAL(media_stats.started, 1);
	/* send_best() hands media_failed() the request as forwarded */
	reparse(&sm, &inv);
	media_failed(&sm.m, 486, false);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);
	CU_ASSERT_EQUAL(media_stats.ended, 1);
	st = pstats();
	CU_ASSERT_EQUAL(st.in_use, 0);
	CU_ASSERT_EQUAL(st.quarantined, 2);
	/* a CANCEL's 487, before any answer */
	c.id = "call-7b@test";
	c.btag = NULL;
	req(&inv, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A, IP_A, pa.port, true));
	CU_ASSERT_EQUAL(fwd_req(&inv, false, &o1), 0);
	CU_ASSERT_EQUAL(pstats().in_use, 2);
	reparse(&sm, &inv);
	media_failed(&sm.m, 487, true);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);
	CU_ASSERT_EQUAL(pstats().in_use, 0);
	CU_ASSERT_EQUAL(nbyes, 0);
	end();
}

/* A refused re-INVITE leaves the call as it was (RFC 3261 §14.1). */
static void test_failed_reinvite(void)
{
	struct call c = { "call-8@test", "a8", NULL, 0, 0, "" };
	struct smsg inv;

	begin();
	call_up(&c);
	both_ways("before");
	req(&inv, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A + 1, "0.0.0.0", pa.port, false));
	CU_ASSERT_EQUAL(fwd_req(&inv, false, &o1), 0);
	reparse(&sm, &inv);
	media_failed(&sm.m, 491, false);
	CU_ASSERT_EQUAL(media_stats.sessions, 1);
	CU_ASSERT_EQUAL(media_stats.ended, 0);
	CU_ASSERT_EQUAL(pstats().in_use, 2);
	both_ways("after 491");
	/* the next offer is the callee's, and is taken as one */
	req(&sm, &c, true, "INVITE", "application/sdp",
	    answer_b(sdp1, VER_B + 1, IP_B, pb.port, "sendonly"));
	CU_ASSERT_EQUAL(fwd_req(&sm, true, &o1), 0);
	EQS(o1.body, answer_b(sdp2, VER_B + 1, IP_R, r0, "sendonly"));
	resp(&sm, &c, true, 200, "INVITE",
	     offer_a(sdp1, VER_A + 2, IP_A, pa.port, false));
	fwd_resp(&sm, false, &o2);
	EQS(o2.body, offer_a(sdp2, VER_A + 2, IP_R, r1, false));
	both_ways("after the callee's re-INVITE");
	end();
}

/* SDP we cannot read in an offer: 488, and nothing stays allocated. */
static void test_bad_offer(void)
{
	struct call c = { "call-9@test", "a9", NULL, 0, 0, "" };
	struct smsg inv;

	begin();
	req(&inv, &c, false, "INVITE", "application/sdp",
	    "v=0\r\ns=no origin\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n");
	CU_ASSERT_EQUAL(fwd_req(&inv, false, NULL), 488);
	CU_ASSERT_EQUAL(media_stats.bad_sdp, 1);
	CU_ASSERT_EQUAL(pstats().allocs, 0);
	reparse(&sm, &inv);
	media_failed(&sm.m, 488, false);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);

	/* readable, but a stream at a name: the relay takes addresses only */
	c.id = "call-9b@test";
	req(&inv, &c, false, "INVITE", "application/sdp",
	    "v=0\r\no=- 1 1 IN IP4 " IP_A "\r\ns=-\r\nt=0 0\r\n"
	    "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 " IP_A "\r\n"
	    "m=audio 4002 RTP/AVP 0\r\nc=IN IP4 media.example.com\r\n");
	CU_ASSERT_EQUAL(fwd_req(&inv, false, NULL), 488);
	/* stream 0's pairs may live until the proxy's media_failed() */
	reparse(&sm, &inv);
	media_failed(&sm.m, 488, false);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);
	CU_ASSERT_EQUAL(pstats().in_use, 0);
	end();
}

/* Past max_sessions a new call gets 503; its SDP is left alone. */
static void test_max_sessions(void)
{
	static struct smsg inv[3];
	struct call c[3] = {
		{ "call-10a@test", "a10", NULL, 0, 0, "" },
		{ "call-10b@test", "a10", NULL, 0, 0, "" },
		{ "call-10c@test", "a10", NULL, 0, 0, "" },
	};

	cfg_default();
	cfg.max_sessions = 2;
	go();
	for (int i = 0; i < 3; i++)
		req(&inv[i], &c[i], false, "INVITE", "application/sdp",
		    offer_a(sdp1, VER_A, IP_A, pa.port, true));
	for (int i = 0; i < 2; i++) {
		reparse(&sm, &inv[i]);
		CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	}
	reparse(&sm, &inv[2]);
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 503);
	written(&sm, &o1);
	EQS(o1.body, sdp1);
	CU_ASSERT_EQUAL(media_stats.refused, 1);
	CU_ASSERT_EQUAL(media_stats.sessions, 2);
	CU_ASSERT_EQUAL(pstats().allocs, 4);
	/* the proxy answers 503 (as 500) and tells media_failed() */
	media_failed(&sm.m, 503, false);
	CU_ASSERT_EQUAL(media_stats.sessions, 2);
	/* a call that ends makes room */
	reparse(&sm, &inv[0]);
	media_failed(&sm.m, 486, false);
	CU_ASSERT_EQUAL(media_stats.sessions, 1);
	reparse(&sm, &inv[2]);
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	CU_ASSERT(relay_port(mport(&o1, 0)));
	CU_ASSERT_EQUAL(media_stats.sessions, 2);
	CU_ASSERT_EQUAL(media_stats.refused, 1);
	end();
}

/* Record-Route of the 200: two proxies each side of ours (RFC 5658 pair) */
#define RR_200 "Record-Route: <sip:p4.example.net;lr>, <sip:p3.example.net;lr>\r\n" \
	"Record-Route: <sip:127.0.0.1:5060;lr;sfp=0123456789abcdef>\r\n" \
	"Record-Route: <sip:[::1]:5060;lr;sfp=0123456789abcdef>, " \
	"<sip:p2.example.org;lr>\r\n" \
	"Record-Route: <sip:p1.example.org;lr>\r\n"

static bool two_byes(void)
{
	return nbyes >= 2;
}

/* @m has one header @name, and its value is @want. */
static void check_hdr(const struct sip_msg *m, const char *name,
		      const char *want)
{
	int n = 0;

	for (int i = 0; i < m->nhdrs; i++) {
		if (!sip_str_caseeq_lit(m->hdr[i].name, name))
			continue;
		n++;
		EQS(m->hdr[i].value, want);
	}
	CU_ASSERT_EQUAL(n, 1);
}

/*
 * No packet either way for media_timeout: BYE to each side, as if the
 * other had hung up, along the route set the 200's Record-Route gives.
 */
static void test_timeout(void)
{
	struct call c = { "call-11@test", "a11", NULL, 100, 0, RR_200 };
	const struct sip_msg *m;
	struct ports_stats st;

	cfg_default();
	cfg.media_timeout = 1;
	go();
	call_up(&c);
	/* the callee's request (a session refresh) counts its CSeq */
	c.bcseq = 40;
	req(&sm, &c, true, "UPDATE", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, true, NULL), 0);
	CU_ASSERT_EQUAL(media_stats.sessions, 1);
	CU_ASSERT(run_until(two_byes, 3000));
	CU_ASSERT_EQUAL_FATAL(nbyes, 2);
	CU_ASSERT_EQUAL(media_stats.timeouts, 1);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);
	st = pstats();
	CU_ASSERT_EQUAL(st.in_use, 0);
	CU_ASSERT_EQUAL(st.quarantined, 2);

	/* to the caller, from the callee: its Contact, the routes below ours */
	m = &byes[0].m;
	CU_ASSERT(m->is_request && m->method == SIP_BYE);
	EQ(m->ruri_s, "sip:alice@" IP_A ";transport=udp");
	check_hdr(m, "Route",
		  "<sip:p2.example.org;lr>, <sip:p1.example.org;lr>");
	EQ(m->from.tag, "b1");
	EQ(m->to.tag, "a11");
	check_hdr(m, "From", "<sip:bob@example.net>;tag=b1");
	check_hdr(m, "To", "\"Alice\" <sip:alice@example.com>;tag=a11");
	EQ(m->call_id, "call-11@test");
	CU_ASSERT_EQUAL(m->cseq.num, 42);
	CU_ASSERT_EQUAL(m->cseq.method, SIP_BYE);
	check_hdr(m, "Reason", "SIP;cause=408;text=\"media timeout\"");
	CU_ASSERT_EQUAL(m->max_forwards, 70);
	/* a placeholder the parser wants, for proxy_originate() to replace */
	CU_ASSERT_EQUAL(m->nvia, 1);
	CU_ASSERT_EQUAL(m->body.len, 0);

	/* to the callee, from the caller: the routes above ours, nearest first */
	m = &byes[1].m;
	CU_ASSERT(m->is_request && m->method == SIP_BYE);
	EQ(m->ruri_s, "sip:bob@" IP_B);
	check_hdr(m, "Route",
		  "<sip:p3.example.net;lr>, <sip:p4.example.net;lr>");
	check_hdr(m, "From", "\"Alice\" <sip:alice@example.com>;tag=a11");
	check_hdr(m, "To", "<sip:bob@example.net>;tag=b1");
	EQ(m->call_id, "call-11@test");
	CU_ASSERT_EQUAL(m->cseq.num, 102);
	check_hdr(m, "Reason", "SIP;cause=408;text=\"media timeout\"");
	CU_ASSERT_EQUAL(m->nvia, 1);
	end();
}

/* Media keeps a call alive past media_timeout; silence then ends it. */
static void test_timeout_media_flows(void)
{
	struct call c = { "call-12@test", "a12", NULL, 0, 0, "" };
	uint64_t t0;

	cfg_default();
	cfg.media_timeout = 1;
	go();
	call_up(&c);
	t0 = ev_now_ms();
	for (int i = 0; i < 6; i++) {
		relayed(&pa.rtp, IP_R, r0, &pb.rtp, IP_R, r1, "keepalive");
		idle_ms(300);
	}
	CU_ASSERT(ev_now_ms() - t0 >= 1500);
	CU_ASSERT_EQUAL(nbyes, 0);
	CU_ASSERT_EQUAL(media_stats.sessions, 1);
	CU_ASSERT(run_until(two_byes, 3000));
	CU_ASSERT_EQUAL(media_stats.timeouts, 1);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);
	end();
}

/* @s goes out exactly as it came in. */
static void untouched(struct smsg *s)
{
	written(s, &o1);
	CU_ASSERT(tu_same(sip_str_cstr(o1.buf), sip_str_make(s->buf, s->len)));
}

/* Dialogs we do not know and bodies that are not SDP pass as they are. */
static void test_untouched(void)
{
	struct call c = { "call-13@test", "a13", "b13", 5, 9, "" };
	static const char multi[] =
		"--xyz\r\nContent-Type: application/sdp\r\n\r\n"
		"v=0\r\no=- 1 1 IN IP4 " IP_A "\r\ns=-\r\nc=IN IP4 " IP_A
		"\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n--xyz--\r\n";

	begin();
	offer_a(sdp1, VER_A, IP_A, pa.port, true);
	/* a re-INVITE, its 200, a BYE of a call that is not ours */
	req(&sm, &c, false, "INVITE", "application/sdp", sdp1);
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	untouched(&sm);
	resp(&sm, &c, false, 200, "INVITE", sdp1);
	media_response(&sm.m, &sig_b, false, branch);
	untouched(&sm);
	req(&sm, &c, true, "BYE", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, true, NULL), 0);
	req(&sm, &c, true, "UPDATE", "application/sdp", sdp1);
	CU_ASSERT_EQUAL(fwd_req(&sm, true, NULL), 0);
	untouched(&sm);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);

	/* a new call whose bodies are not application/sdp */
	c.id = "call-13b@test";
	c.btag = NULL;
	req(&sm, &c, false, "INVITE", "multipart/mixed;boundary=xyz", multi);
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	untouched(&sm);
	c.btag = "b13";
	resp(&sm, &c, false, 183, "INVITE", sdp1);
	sm.m.content_type = sip_str_cstr("application/sdpx");
	media_response(&sm.m, &sig_b, false, branch);
	untouched(&sm);
	req(&sm, &c, false, "INVITE", "text/plain", sdp1);
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	untouched(&sm);
	/* SDP in a request that carries no offer or answer (RFC 6086) */
	req(&sm, &c, false, "INFO", "application/sdp", sdp1);
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	untouched(&sm);
	CU_ASSERT_EQUAL(pstats().allocs, 0);
	CU_ASSERT_EQUAL(media_stats.started, 0);
	CU_ASSERT_EQUAL(media_stats.bad_sdp, 0);
	end();

	/* anchoring off: nothing is ever touched */
	cfg_default();
	cfg.media_anchor = false;
	go();
	c.id = "call-13c@test";
	c.btag = NULL;
	req(&sm, &c, false, "INVITE", "application/sdp", sdp1);
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	untouched(&sm);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);
	end();
}

/*
 * A call with plain SDP between a caller at @ip_a and a callee at @ip_b;
 * the relay shows @adv_a and @adv_b, from @rel_a and @rel_b.
 */
static void call_between(const char *ip_a, const char *ip_b,
			 const char *rel_a, const char *rel_b,
			 const char *adv_a, const char *adv_b)
{
	static char id[32];
	static unsigned int n;
	struct call c = { id, "a14", NULL, 0, 0, "" };

	snprintf(id, sizeof(id), "call-14.%u@test", n++);
	set_addr(&sig_a.addr, ip_a, 5060);
	set_addr(&sig_b.addr, ip_b, 5060);
	phone_open(&pa, ip_a);
	phone_open(&pb, ip_b);
	req(&sm, &c, false, "INVITE", "application/sdp",
	    plain(sdp1, "alice", 1, ip_a, ip_a, pa.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	EQS(o1.body, plain(sdp2, "alice", 1, ip_a, adv_b, r1));
	c.btag = "b14";
	resp(&sm, &c, false, 200, "INVITE",
	     plain(sdp1, "bob", 2, ip_b, ip_b, pb.port));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	EQS(o2.body, plain(sdp2, "bob", 2, ip_b, adv_a, r0));
	relayed(&pa.rtp, rel_a, r0, &pb.rtp, rel_b, r1, "a->b");
	relayed(&pb.rtp, rel_b, r1, &pa.rtp, rel_a, r0, "b->a");
	relayed(&pa.rtcp, rel_a, r0 + 1, &pb.rtcp, rel_b, r1 + 1, "rtcp");
	phone_close(&pa);
	phone_close(&pb);
}

/* IPv6 both sides; IPv6 caller, IPv4 callee; the reverse. */
static void test_families(void)
{
	struct ports_stats st;
	union tp_addr v6;

	cfg_default();
	start();
	peers_init();
	call_between("::1", "::1", "::1", "::1", "::1", "::1");
	call_between("::1", IP_B, "::1", IP_R, "::1", IP_R);
	call_between(IP_A, "::1", IP_R, "::1", IP_R, "::1");
	set_addr(&v6, "::1", 0);
	CU_ASSERT_EQUAL(ports_stats(&v6, &st), 0);
	CU_ASSERT_EQUAL(st.in_use, 4);
	CU_ASSERT_EQUAL(st.allocs, 4);
	stop();
}

/* A configured interface behind 1:1 NAT: SDP shows its public address. */
static void test_advertised(void)
{
	struct sockaddr_in *l, *a;

	cfg_default();
	cfg.nmedia_ifs = 1;
	strcpy(cfg.media_ifs[0].name, "ext");
	l = (struct sockaddr_in *)&cfg.media_ifs[0].local;
	a = (struct sockaddr_in *)&cfg.media_ifs[0].advertised;
	l->sin_family = a->sin_family = AF_INET;
	inet_pton(AF_INET, IP_R, &l->sin_addr);
	inet_pton(AF_INET, "203.0.113.7", &a->sin_addr);
	start();
	peers_init();
	call_between(IP_A, IP_B, IP_R, IP_R, "203.0.113.7", "203.0.113.7");
	stop();
}

/*
 * An INVITE forks: bob's early dialog answers first, carol's 200 wins.
 * Each branch has a session of its own (issue 4), so each early dialog
 * gets its own ports and its own answer (RFC 3261 §13.2.1); the call's
 * media goes where the 200's SDP says, and bob's ports go back when his
 * branch is cancelled.
 */
static void test_fork(void)
{
	struct call c = { "call-15@test", "a15", NULL, 0, 0, "" };
	struct smsg inv, r;
	struct phone pc;
	struct ports_stats st;
	uint16_t r0b, r1c;

	begin();
	phone_open(&pc, IP_B);
	req(&inv, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A, IP_A, pa.port, true));
	branch = "z9hG4bKsfp.fork.bob";
	CU_ASSERT_EQUAL(fwd_req(&inv, false, &o1), 0);
	r1 = mport(&o1, 0);
	reparse(&sm, &inv);
	branch = "z9hG4bKsfp.fork.carol";
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o2), 0);
	r1c = mport(&o2, 0);
	CU_ASSERT(relay_port(r1c) && r1c != r1);
	CU_ASSERT_EQUAL(media_stats.sessions, 2);
	c.btag = "bob";
	branch = "z9hG4bKsfp.fork.bob";
	resp(&r, &c, false, 183, "INVITE",
	     plain(sdp1, "bob", 300, IP_B, IP_B, pb.port));
	fwd_resp(&r, true, &o2);
	r0b = mport(&o2, 0);
	EQS(o2.body, plain(sdp2, "bob", 300, IP_B, IP_R, r0b));
	c.btag = "carol";
	branch = "z9hG4bKsfp.fork.carol";
	resp(&r, &c, false, 200, "INVITE",
	     plain(sdp1, "carol", 9, IP_B, IP_B, pc.port));
	fwd_resp(&r, true, &o2);
	r0 = mport(&o2, 0);
	CU_ASSERT(relay_port(r0) && r0 != r0b);
	relayed(&pa.rtp, IP_R, r0, &pc.rtp, IP_R, r1c, "to carol");
	relayed(&pc.rtp, IP_R, r1c, &pa.rtp, IP_R, r0, "from carol");
	CU_ASSERT_EQUAL(pb.rtp.count, 0);
	/* carol's 200 has the proxy cancel bob's branch: 487 */
	c.btag = "bob";
	resp(&r, &c, false, 487, "INVITE", "");
	media_branch_failed(&r.m, "z9hG4bKsfp.fork.bob");
	CU_ASSERT_EQUAL(media_stats.sessions, 1);
	CU_ASSERT_EQUAL(ports_stats(NULL, &st), 0);
	CU_ASSERT_EQUAL(st.quarantined, 2);
	/* the proxy's final word changes nothing for the confirmed call */
	media_failed(&inv.m, 487, true);
	CU_ASSERT_EQUAL(media_stats.sessions, 1);
	relayed(&pa.rtp, IP_R, r0, &pc.rtp, IP_R, r1c, "still carol");
	branch = "z9hG4bKsfp.test.1";
	phone_close(&pc);
	end();
}

/*
 * An early dialog answered in a 183 and ringing past media_timeout
 * without early media is not dead: the call is not up yet.
 */
static void test_timeout_early(void)
{
	struct call c = { "call-16@test", "a16", NULL, 0, 0, "" };

	cfg_default();
	cfg.media_timeout = 1;
	go();
	req(&sm, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A, IP_A, pa.port, true));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	c.btag = "b16";
	resp(&sm, &c, false, 183, "INVITE",
	     answer_b(sdp1, VER_B, IP_B, pb.port, "sendrecv"));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	idle_ms(2500);
	CU_ASSERT_EQUAL(media_stats.sessions, 1);
	CU_ASSERT_EQUAL(media_stats.timeouts, 0);
	CU_ASSERT_EQUAL(nbyes, 0);
	resp(&sm, &c, false, 200, "INVITE",
	     answer_b(sdp1, VER_B, IP_B, pb.port, "sendrecv"));
	fwd_resp(&sm, true, &o2);
	EQS(o2.body, answer_b(sdp2, VER_B, IP_R, r0, "sendrecv"));
	both_ways("answered");
	end();
}

/*
 * Our BYE speaks for a side with one more than the highest CSeq that
 * side used in the dialog, whatever the method (RFC 3261 §12.2.1.1):
 * a lower one gets 500 from the other side (§12.2.2).
 */
static void test_timeout_cseq(void)
{
	struct call c = { "call-17@test", "a17", NULL, 0, 0, "" };

	cfg_default();
	cfg.media_timeout = 1;
	go();
	call_up(&c);
	req(&sm, &c, false, "INFO", "application/dtmf-relay",
	    "Signal=5\r\nDuration=160\r\n");
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	c.bcseq = 7;
	req(&sm, &c, true, "NOTIFY", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, true, NULL), 0);
	CU_ASSERT(run_until(two_byes, 3000));
	CU_ASSERT_EQUAL_FATAL(nbyes, 2);
	/* to the caller, for the callee; to the callee, for the caller */
	CU_ASSERT_EQUAL(byes[0].m.cseq.num, 9);
	CU_ASSERT_EQUAL(byes[1].m.cseq.num, 3);
	end();
}

/* An answer we cannot read goes up as it came, counted once. */
static void test_bad_answer(void)
{
	struct call c = { "call-18@test", "a18", NULL, 0, 0, "" };

	begin();
	req(&sm, &c, false, "INVITE", "application/sdp",
	    offer_a(sdp1, VER_A, IP_A, pa.port, true));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	c.btag = "b18";
	resp(&sm, &c, false, 200, "INVITE", "v=0\r\ns=-\r\n");
	media_response(&sm.m, &sig_b, false, branch);
	untouched(&sm);
	CU_ASSERT_EQUAL(media_stats.bad_sdp, 1);
	CU_ASSERT_EQUAL(media_stats.started, 0);
	end();
}

/*
 * A body whose last line has no line end, at the very end of its
 * buffer: nothing may read past it (ASan says, under SAN=1).
 */
static void test_body_at_end(void)
{
	struct call c = { "call-19@test", "a19", NULL, 0, 0, "" };
	struct sip_err err = { 0 };
	char *buf;

	begin();
	plain(sdp1, "alice", 1, IP_A, IP_A, pa.port);
	sdp1[strlen(sdp1) - 2 - strlen("a=rtpmap:0 PCMU/8000\r\n")] = '\0';
	req(&sm, &c, false, "INVITE", "application/sdp", sdp1);
	buf = malloc(sm.len);
	CU_ASSERT_FATAL(buf != NULL);
	memcpy(buf, sm.buf, sm.len);
	CU_ASSERT_EQUAL_FATAL(sip_msg_parse(&sm.m, buf, sm.len, 0, &err), 0);
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	plain(sdp2, "alice", 1, IP_A, IP_R, r1);
	sdp2[strlen(sdp2) - 2 - strlen("a=rtpmap:0 PCMU/8000\r\n")] = '\0';
	EQS(o1.body, sdp2);
	free(buf);
	end();
}

/* No SDP in the INVITE: the offer comes in the 200, the answer in the ACK. */
static void test_late_offer(void)
{
	struct call c = { "call-20@test", "a20", NULL, 0, 0, "" };

	begin();
	req(&sm, &c, false, "INVITE", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	CU_ASSERT_EQUAL(media_stats.sessions, 1);
	CU_ASSERT_EQUAL(pstats().allocs, 0);
	c.btag = "b20";
	resp(&sm, &c, false, 200, "INVITE",
	     plain(sdp1, "bob", 2, IP_B, IP_B, pb.port));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	CU_ASSERT(relay_port(r0));
	EQS(o2.body, plain(sdp2, "bob", 2, IP_B, IP_R, r0));
	CU_ASSERT_EQUAL(media_stats.started, 0);
	req(&sm, &c, false, "ACK", "application/sdp",
	    plain(sdp1, "alice", 1, IP_A, IP_A, pa.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	CU_ASSERT(relay_port(r1) && r1 != r0);
	EQS(o1.body, plain(sdp2, "alice", 1, IP_A, IP_R, r1));
	CU_ASSERT_EQUAL(media_stats.started, 1);
	CU_ASSERT_EQUAL(pstats().allocs, 2);
	both_ways("late");
	/* the caller hangs up this time */
	req(&sm, &c, false, "BYE", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);
	CU_ASSERT_EQUAL(pstats().in_use, 0);
	end();
}

/*
 * A callee behind NAT (its SDP names an address it cannot be reached
 * at) gets its media by latching onto where its packets come from, the
 * address its signalling came from.  A third host gets nothing through,
 * before latching or after (RTP Bleed).
 */
static void test_nat_latch(void)
{
	struct call c = { "call-21@test", "a21", NULL, 0, 0, "" };
	struct phone px;

	begin();
	phone_open(&px, "127.0.0.5");
	req(&sm, &c, false, "INVITE", "application/sdp",
	    plain(sdp1, "alice", 1, IP_A, IP_A, pa.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	c.btag = "b21";
	resp(&sm, &c, false, 200, "INVITE",
	     plain(sdp1, "bob", 2, "127.0.0.4", "127.0.0.4", pb.port));
	media_response(&sm.m, &sig_b, true, branch);
	written(&sm, &o2);
	r0 = mport(&o2, 0);

	send_to(&px.rtp, IP_R, r1, "bleed to a");
	send_to(&px.rtp, IP_R, r0, "bleed to b");
	relayed(&pb.rtp, IP_R, r1, &pa.rtp, IP_R, r0, "b from behind NAT");
	relayed(&pa.rtp, IP_R, r0, &pb.rtp, IP_R, r1, "a to the latched b");
	send_to(&px.rtp, IP_R, r1, "bleed to a again");
	send_to(&px.rtp, IP_R, r0, "bleed to b again");
	idle_ms(100);
	CU_ASSERT_EQUAL(pa.rtp.count, 1);
	CU_ASSERT_EQUAL(pb.rtp.count, 1);
	CU_ASSERT_EQUAL(px.rtp.count, 0);
	both_ways("still");
	phone_close(&px);
	end();
}

/* Both sides multiplex RTCP on the RTP port (RFC 5761). */
static void test_rtcp_mux(void)
{
	struct call c = { "call-22@test", "a22", NULL, 0, 0, "" };
	unsigned int before;

	begin();
	plain(sdp1, "alice", 1, IP_A, IP_A, pa.port);
	strcat(sdp1, "a=rtcp-mux\r\n");
	req(&sm, &c, false, "INVITE", "application/sdp", sdp1);
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	plain(sdp2, "alice", 1, IP_A, IP_R, r1);
	strcat(sdp2, "a=rtcp-mux\r\n");
	EQS(o1.body, sdp2);
	c.btag = "b22";
	plain(sdp1, "bob", 2, IP_B, IP_B, pb.port);
	strcat(sdp1, "a=rtcp-mux\r\n");
	resp(&sm, &c, false, 200, "INVITE", sdp1);
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	CU_ASSERT(o2.sdp_ok && o2.sdp.media[0].rtcp_mux);
	/* no a=rtcp, or one naming the RTP port */
	CU_ASSERT(!o2.sdp.media[0].has_rtcp ||
		  o2.sdp.media[0].rtcp_port == r0);
	both_ways("rtp");
	relayed(&pa.rtp, IP_R, r0, &pb.rtp, IP_R, r1, "rtcp on the rtp port");
	before = pb.rtcp.count + pb.rtp.count;
	send_to(&pa.rtcp, IP_R, r0 + 1, "rtcp on the rtcp port");
	idle_ms(100);
	CU_ASSERT_EQUAL(pb.rtcp.count + pb.rtp.count, before);
	end();
}

/* A re-INVITE adds video: it gets ports and flows, audio carries on. */
static void test_add_stream(void)
{
	struct call c = { "call-23@test", "a23", NULL, 0, 0, "" };
	struct phone pav, pbv;
	uint16_t v0, v1;

	begin();
	phone_open(&pav, IP_A);
	phone_open(&pbv, IP_B);
	req(&sm, &c, false, "INVITE", "application/sdp",
	    plain(sdp1, "alice", 1, IP_A, IP_A, pa.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	c.btag = "b23";
	resp(&sm, &c, false, 200, "INVITE",
	     plain(sdp1, "bob", 1, IP_B, IP_B, pb.port));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	both_ways("audio");

	req(&sm, &c, false, "INVITE", "application/sdp",
	    offer_av(sdp1, "alice", 2, IP_A, pa.port, pav.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	CU_ASSERT_EQUAL(mport(&o1, 0), r1);
	v1 = mport(&o1, 1);
	CU_ASSERT(relay_port(v1));
	resp(&sm, &c, false, 200, "INVITE",
	     offer_av(sdp1, "bob", 2, IP_B, pb.port, pbv.port));
	fwd_resp(&sm, true, &o2);
	CU_ASSERT_EQUAL(mport(&o2, 0), r0);
	v0 = mport(&o2, 1);
	CU_ASSERT(relay_port(v0));
	EQS(o2.body, offer_av(sdp2, "bob", 2, IP_R, r0, v0));
	CU_ASSERT_EQUAL(pstats().in_use, 4);
	relayed(&pav.rtp, IP_R, v0, &pbv.rtp, IP_R, v1, "video a->b");
	relayed(&pbv.rtp, IP_R, v1, &pav.rtp, IP_R, v0, "video b->a");
	both_ways("audio again");
	phone_close(&pav);
	phone_close(&pbv);
	end();
}

/*
 * A re-INVITE without SDP asks the callee for an offer (RFC 3261
 * §14.1): it offers its unchanged SDP in the 200, the caller answers in
 * the ACK from a new port.  Media must go there.
 */
static void test_empty_reinvite(void)
{
	struct call c = { "call-24@test", "a24", NULL, 0, 0, "" };
	struct phone pa2;

	begin();
	phone_open(&pa2, IP_A);
	call_up(&c);
	both_ways("before");
	req(&sm, &c, false, "INVITE", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	resp(&sm, &c, false, 200, "INVITE",
	     answer_b(sdp1, VER_B, IP_B, pb.port, "sendrecv"));
	fwd_resp(&sm, true, &o2);
	CU_ASSERT_EQUAL(mport(&o2, 0), r0);
	req(&sm, &c, false, "ACK", "application/sdp",
	    offer_a(sdp1, VER_A + 1, IP_A, pa2.port, false));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	EQS(o1.body, offer_a(sdp2, VER_A, IP_R, r1, false));
	relayed(&pb.rtp, IP_R, r1, &pa2.rtp, IP_R, r0, "to the new port");
	relayed(&pa2.rtp, IP_R, r0, &pb.rtp, IP_R, r1, "from the new port");
	CU_ASSERT_EQUAL(pa.rtp.count, 1);
	phone_close(&pa2);
	end();
}

/* Out of relay ports: the stream is refused, nothing is left held. */
static void test_no_ports(void)
{
	struct call c1 = { "call-25a@test", "a25", NULL, 0, 0, "" };
	struct call c2 = { "call-25b@test", "a25", NULL, 0, 0, "" };
	struct ports_stats st;

	cfg_default();
	cfg.port_max = PMIN + 5; /* three pairs */
	go();
	call_up(&c1);
	req(&sm, &c2, false, "INVITE", "application/sdp",
	    plain(sdp1, "alice", 1, IP_A, IP_A, pa.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	CU_ASSERT_EQUAL(mport(&o1, 0), 0);
	CU_ASSERT_EQUAL(media_stats.no_ports, 1);
	st = pstats();
	CU_ASSERT_EQUAL(st.exhausted, 1);
	c2.btag = "b25";
	resp(&sm, &c2, false, 200, "INVITE",
	     plain(sdp1, "bob", 1, IP_B, IP_B, 0));
	fwd_resp(&sm, true, &o2);
	CU_ASSERT_EQUAL(mport(&o2, 0), 0);
	st = pstats();
	CU_ASSERT_EQUAL(st.in_use, 2);
	both_ways("the first call");
	end();
}

/*
 * A From without a tag (RFC 2543; §8.1.1.3 makes it a MUST, the parser
 * lets it through): whatever the session layer does with such an INVITE,
 * its failure must leave no session and no port behind, or anyone can
 * exhaust both.
 */
static void test_no_from_tag(void)
{
	struct smsg inv;

	begin();
	plain(sdp1, "alice", 1, IP_A, IP_A, pa.port);
	mk(&inv, "application/sdp", sdp1,
	   "INVITE sip:bob@" IP_B " SIP/2.0\r\n"
	   "Via: SIP/2.0/UDP " IP_A ";branch=z9hG4bKnotag\r\n"
	   "Max-Forwards: 70\r\n"
	   "From: <sip:alice@example.com>\r\n"
	   "To: <sip:bob@example.net>\r\n"
	   "Call-ID: call-26@test\r\nCSeq: 1 INVITE\r\n"
	   "Contact: <sip:alice@" IP_A ">\r\n");
	reparse(&sm, &inv);
	fwd_req(&sm, false, NULL);
	reparse(&sm, &inv);
	media_failed(&sm.m, 486, false);
	CU_ASSERT_EQUAL(media_stats.sessions, 0);
	CU_ASSERT_EQUAL(pstats().in_use, 0);
	end();
}

/*
 * The callee behind NAT again, then two re-INVITEs (hold and resume,
 * say) that change nothing of its SDP: its media must still go where
 * it latched, not to the address its SDP gives.
 */
static void test_nat_reinvites(void)
{
	struct call c = { "call-27@test", "a27", NULL, 0, 0, "" };

	begin();
	req(&sm, &c, false, "INVITE", "application/sdp",
	    plain(sdp1, "alice", 1, IP_A, IP_A, pa.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	c.btag = "b27";
	resp(&sm, &c, false, 200, "INVITE",
	     plain(sdp1, "bob", 2, "127.0.0.4", "127.0.0.4", pb.port));
	media_response(&sm.m, &sig_b, true, branch);
	written(&sm, &o2);
	r0 = mport(&o2, 0);
	/* the callee first: till then its media has nowhere to go */
	relayed(&pb.rtp, IP_R, r1, &pa.rtp, IP_R, r0, "latch b");
	relayed(&pa.rtp, IP_R, r0, &pb.rtp, IP_R, r1, "to the latched b");
	for (unsigned int i = 1; i <= 2; i++) {
		req(&sm, &c, false, "INVITE", "application/sdp",
		    plain(sdp1, "alice", 1 + i, IP_A, IP_A, pa.port));
		CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
		resp(&sm, &c, false, 200, "INVITE",
		     plain(sdp1, "bob", 2 + i, "127.0.0.4", "127.0.0.4",
			   pb.port));
		media_response(&sm.m, &sig_b, true, branch);
		written(&sm, &o2);
		CU_ASSERT_EQUAL(mport(&o2, 0), r0);
		relayed(&pa.rtp, IP_R, r0, &pb.rtp, IP_R, r1,
			i == 1 ? "after one re-INVITE" : "after two");
		relayed(&pb.rtp, IP_R, r1, &pa.rtp, IP_R, r0, "and back");
	}
	end();
}

/* An INVITE from the caller with @via as its one Via. */
static void invite_via(struct smsg *s, const char *id, const char *via,
		       const char *body)
{
	mk(s, "application/sdp", body,
	   "INVITE sip:bob@" IP_B " SIP/2.0\r\n"
	   "Via: %s\r\n"
	   "Max-Forwards: 70\r\n"
	   "From: <sip:alice@example.com>;tag=a28\r\n"
	   "To: <sip:bob@example.net>\r\n"
	   "Call-ID: %s\r\nCSeq: 1 INVITE\r\n"
	   "Contact: <sip:alice@" IP_A ">\r\n",
	   via, id);
}

/*
 * The caller's NAT, told by its Via: behind one (a private sent-by the
 * source contradicts), its media comes from its signalling address; a
 * Via naming a host (received= is then added whatever, §18.2.1) says
 * nothing of NAT, and media from the SDP's address must pass.
 */
static void test_caller_nat(void)
{
	struct call c = { "call-28@test", "a28", "b28", 1, 0, "" };
	struct phone pm;

	begin();
	phone_open(&pm, "127.0.0.6");
	invite_via(&sm, c.id, "SIP/2.0/UDP 10.0.0.5:5060;branch=z9hG4bK28"
			      ";received=" IP_A ";rport=5060",
		   plain(sdp1, "alice", 1, "10.0.0.5", "127.0.0.7", pa.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	resp(&sm, &c, false, 200, "INVITE",
	     plain(sdp1, "bob", 1, IP_B, IP_B, pb.port));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	relayed(&pa.rtp, IP_R, r0, &pb.rtp, IP_R, r1, "a behind NAT");
	relayed(&pb.rtp, IP_R, r1, &pa.rtp, IP_R, r0, "to a, latched");

	c.id = "call-28b@test";
	invite_via(&sm, c.id, "SIP/2.0/UDP sbc.example.com;branch=z9hG4bK28"
			      ";received=" IP_A,
		   plain(sdp1, "alice", 1, "127.0.0.6", "127.0.0.6", pm.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	resp(&sm, &c, false, 200, "INVITE",
	     plain(sdp1, "bob", 1, IP_B, IP_B, pb.port));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	relayed(&pm.rtp, IP_R, r0, &pb.rtp, IP_R, r1, "from the SDP address");
	relayed(&pb.rtp, IP_R, r1, &pm.rtp, IP_R, r0, "to the SDP address");
	phone_close(&pm);
	end();
}

/*
 * Early media renegotiated (RFC 3262, 3311): the answer in a reliable
 * 183, a PRACK, then an UPDATE moving the caller before the 200.
 */
static void test_early_update(void)
{
	struct call c = { "call-29@test", "a29", NULL, 0, 0, "" };
	struct phone pa2;

	begin();
	phone_open(&pa2, IP_A);
	req(&sm, &c, false, "INVITE", "application/sdp",
	    plain(sdp1, "alice", 1, IP_A, IP_A, pa.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	r1 = mport(&o1, 0);
	c.btag = "b29";
	resp(&sm, &c, false, 183, "INVITE",
	     plain(sdp1, "bob", 1, IP_B, IP_B, pb.port));
	fwd_resp(&sm, true, &o2);
	r0 = mport(&o2, 0);
	req(&sm, &c, false, "PRACK", "", "");
	CU_ASSERT_EQUAL(fwd_req(&sm, false, NULL), 0);
	req(&sm, &c, false, "UPDATE", "application/sdp",
	    plain(sdp1, "alice", 2, IP_A, IP_A, pa2.port));
	CU_ASSERT_EQUAL(fwd_req(&sm, false, &o1), 0);
	EQS(o1.body, plain(sdp2, "alice", 1, IP_A, IP_R, r1));
	resp(&sm, &c, false, 200, "UPDATE",
	     plain(sdp1, "bob", 2, IP_B, IP_B, pb.port));
	fwd_resp(&sm, true, &o2);
	EQS(o2.body, plain(sdp2, "bob", 1, IP_B, IP_R, r0));
	/* the INVITE's 200 repeats the last answer */
	c.acseq = 1;
	resp(&sm, &c, false, 200, "INVITE",
	     plain(sdp1, "bob", 2, IP_B, IP_B, pb.port));
	fwd_resp(&sm, true, &o2);
	EQS(o2.body, plain(sdp2, "bob", 1, IP_B, IP_R, r0));
	relayed(&pb.rtp, IP_R, r1, &pa2.rtp, IP_R, r0, "to the new port");
	relayed(&pa2.rtp, IP_R, r0, &pb.rtp, IP_R, r1, "from the new port");
	CU_ASSERT_EQUAL(pa.rtp.count, 0);
	CU_ASSERT_EQUAL(pstats().allocs, 2);
	phone_close(&pa2);
	end();
}

int main(void)
{
	CU_pSuite s;

	/* the session lines of every call are noise here; warnings are not */
	log_set_level(getenv("V") ? LOG_LVL_DEBUG : LOG_LVL_WARN);
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("media", NULL, NULL);
	CU_add_test(s, "offer, answer, RTP both ways, BYE", test_offer_answer);
	CU_add_test(s, "repeats change nothing", test_repeat);
	CU_add_test(s, "hold at 0.0.0.0 and resume", test_hold);
	CU_add_test(s, "a rejected stream frees its ports",
		    test_rejected_stream);
	CU_add_test(s, "callee re-INVITE to a new port",
		    test_reinvite_callee_moves);
	CU_add_test(s, "re-INVITE answered from a new port",
		    test_reinvite_answer_moves);
	CU_add_test(s, "failed initial INVITE ends the session",
		    test_failed_initial);
	CU_add_test(s, "failed re-INVITE keeps the session",
		    test_failed_reinvite);
	CU_add_test(s, "unreadable offer: 488", test_bad_offer);
	CU_add_test(s, "max_sessions: 503", test_max_sessions);
	CU_add_test(s, "media timeout: BYE both ways", test_timeout);
	CU_add_test(s, "media timeout: media keeps the call",
		    test_timeout_media_flows);
	CU_add_test(s, "unknown dialogs and other bodies pass untouched",
		    test_untouched);
	CU_add_test(s, "IPv6, and IPv4 to IPv6", test_families);
	CU_add_test(s, "an advertised address", test_advertised);
	CU_add_test(s, "a forked INVITE's 200 from another early dialog",
		    test_fork);
	CU_add_test(s, "media timeout: not in an early dialog",
		    test_timeout_early);
	CU_add_test(s, "media timeout: BYE CSeq after INFO and NOTIFY",
		    test_timeout_cseq);
	CU_add_test(s, "an unreadable answer", test_bad_answer);
	CU_add_test(s, "a late offer, answered in the ACK", test_late_offer);
	CU_add_test(s, "latching behind NAT, and no RTP Bleed",
		    test_nat_latch);
	CU_add_test(s, "rtcp-mux", test_rtcp_mux);
	CU_add_test(s, "a re-INVITE adds a stream", test_add_stream);
	CU_add_test(s, "a re-INVITE without SDP", test_empty_reinvite);
	CU_add_test(s, "out of relay ports", test_no_ports);
	CU_add_test(s, "re-INVITEs with a callee behind NAT",
		    test_nat_reinvites);
	CU_add_test(s, "the caller's NAT, by its Via", test_caller_nat);
	CU_add_test(s, "early media moved by UPDATE", test_early_update);
	/* last: under SAN=1 a fault in these stops the program */
	CU_add_test(s, "an INVITE whose From has no tag", test_no_from_tag);
	CU_add_test(s, "a body ending without a line end",
		    test_body_at_end);
	return tu_run_registered();
}
