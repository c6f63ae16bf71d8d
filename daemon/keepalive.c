// SPDX-License-Identifier: GPL-2.0
/*
 * NAT keep-alives: a timer ticks a few dozen times per interval; each tick
 * walks the location store and pings the NATed bindings whose phase (a
 * hash of the binding) fell in the time since the last tick.  Walking
 * every binding on every tick costs O(bindings) per tick but needs no
 * hook in the store and cannot lose a binding that changed between
 * ticks; 100 000 bindings walk in about a millisecond.
 *
 * OPTIONS keep-alives are stateless (no transaction, no retransmission:
 * the next is due one interval later anyway).  A small table keyed by the
 * binding's store sequence number remembers the one outstanding per
 * binding, so answers and runs of misses can be counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "keepalive.h"
#include "log.h"
#include "transport.h"

#define KA_BRANCH "z9hG4bK-ka-"
#define KA_BRANCH_LEN (sizeof(KA_BRANCH) - 1 + 16 + 1 + 8)
#define TICKS_PER_INTERVAL 30
#define TICK_MIN_MS 100
#define TICK_MAX_MS 1000
#define MSG_MAX 4096
#define CSEQ_MAX 0x7fffffffu /* §8.1.1.5: below 2**31 */
/*
 * A connection id tcp.c never gives (it counts ids up from 1 << 24 and
 * never wraps): tp_send() then reuses an open connection to the address
 * or fails with -ENOTCONN, and never dials the phone.
 */
#define NO_CONN TP_CONN_EXISTING

/* The keep-alive outstanding to one binding. */
struct ka_ent {
	uint64_t seq; /* struct binding.seq */
	uint64_t last_ms; /* last keep-alive due */
	uint32_t cseq; /* of the outstanding OPTIONS */
	uint16_t misses; /* in a row */
	bool outstanding;
	struct ka_ent *next;
};

/* The part of the interval a tick covers: phases in [from, from + span). */
struct round {
	uint64_t from, span;
	uint64_t now_ms;
	time_t now;
};

struct keepalive_stats keepalive_stats;

static struct location *loc;
static const struct config *cfg;
static struct ev_timer timer;
static uint64_t interval_ms, tick_ms;
static uint64_t epoch_ms, done_ms, prune_ms;
static uint64_t seed;
static uint32_t cseq;
static char call_id[40];
static char from_tag[20];

static struct ka_ent **tab;
static uint32_t tab_size, tab_count;

/* splitmix64's finaliser: a store's consecutive seqs spread uniformly */
static uint64_t mix(uint64_t x)
{
	x ^= seed;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* --- the outstanding table --- */

static struct ka_ent **slot(uint64_t seq)
{
	struct ka_ent **pp = &tab[mix(seq) & (tab_size - 1)];

	while (*pp && (*pp)->seq != seq)
		pp = &(*pp)->next;
	return pp;
}

static void tab_grow(void)
{
	uint32_t old = tab_size, n = tab_size ? tab_size * 2 : 256;
	struct ka_ent **otab = tab, *e, *next;

	tab = calloc(n, sizeof(*tab));
	if (!tab) {
		tab = otab;
		return;
	}
	tab_size = n;
	for (uint32_t i = 0; i < old; i++)
		for (e = otab[i]; e; e = next) {
			next = e->next;
			e->next = tab[mix(e->seq) & (n - 1)];
			tab[mix(e->seq) & (n - 1)] = e;
		}
	free(otab);
}

static struct ka_ent *ent_find(uint64_t seq)
{
	return tab_size ? *slot(seq) : NULL;
}

static struct ka_ent *ent_get(uint64_t seq)
{
	struct ka_ent *e = ent_find(seq);

	if (e)
		return e;
	if (tab_count >= tab_size)
		tab_grow();
	if (!tab_size)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->seq = seq;
	e->next = *slot(seq);
	*slot(seq) = e;
	tab_count++;
	return e;
}

/* Bindings gone for two intervals (expired, removed, re-registered). */
static void prune(uint64_t now_ms)
{
	struct ka_ent **pp, *e;

	for (uint32_t i = 0; i < tab_size; i++)
		for (pp = &tab[i]; (e = *pp);) {
			if (e->last_ms + 2 * interval_ms > now_ms) {
				pp = &e->next;
				continue;
			}
			*pp = e->next;
			free(e);
			tab_count--;
		}
}

static void tab_free(void)
{
	struct ka_ent *e, *next;

	for (uint32_t i = 0; i < tab_size; i++)
		for (e = tab[i]; e; e = next) {
			next = e->next;
			free(e);
		}
	free(tab);
	tab = NULL;
	tab_size = tab_count = 0;
}

/* --- addresses --- */

static int peer_of(const struct binding *b, struct sip_peer *p)
{
	static const uint8_t proto[LOC__NTRANSPORT] = {
		[LOC_UDP] = TP_UDP,
		[LOC_TCP] = TP_TCP,
		[LOC_TLS] = TP_TLS,
	};
	const struct loc_addr *r = &b->received;

	memset(p, 0, sizeof(*p));
	if (r->transport >= LOC__NTRANSPORT)
		return -EINVAL;
	p->proto = proto[r->transport];
	if (p->proto != TP_UDP)
		p->conn_id = b->conn_id ? b->conn_id : NO_CONN;
	if (inet_pton(AF_INET, r->ip, &p->addr.sin.sin_addr) == 1) {
		p->addr.sin.sin_family = AF_INET;
		p->addr.sin.sin_port = htons(r->port);
		return 0;
	}
	if (inet_pton(AF_INET6, r->ip, &p->addr.sin6.sin6_addr) == 1) {
		p->addr.sin6.sin6_family = AF_INET6;
		p->addr.sin6.sin6_port = htons(r->port);
		return 0;
	}
	return -EINVAL;
}

/* --- sending --- */

static int options_build(const struct binding *b, const struct sip_peer *p,
			 uint32_t n, char *buf, size_t size)
{
	static const char *const tpname[] = { "UDP", "TCP", "TLS" };
	char host[INET6_ADDRSTRLEN + 2];
	uint16_t port;
	int ret, len;

	ret = tp_sent_by(cfg, p, host, sizeof(host), &port);
	if (ret)
		return ret;
	/*
	 * Max-Forwards 1: the contact itself answers (a UA ignores it; a
	 * proxy registered as a contact may forward one hop), and RFC 3261
	 * §16.3 step 3 lets an element answer an OPTIONS it cannot forward.
	 * From is the proxy; To is the target, as §8.1.1.2 wants.
	 */
	len = snprintf(buf, size,
		       "OPTIONS %s SIP/2.0\r\n"
		       "Via: SIP/2.0/%s %s:%u;branch=" KA_BRANCH
		       "%016llx-%08x;rport\r\n"
		       "Max-Forwards: 1\r\n"
		       "From: <sip:keepalive@%s>;tag=%s\r\n"
		       "To: <%s>\r\n"
		       "Call-ID: %s\r\n"
		       "CSeq: %u OPTIONS\r\n"
		       "Content-Length: 0\r\n"
		       "\r\n",
		       b->contact, tpname[p->proto], host, port,
		       (unsigned long long)b->seq, n,
		       cfg->ndomains ? cfg->domains[0] : host, from_tag,
		       b->contact, call_id, n);
	if (len < 0 || (size_t)len >= size)
		return -EMSGSIZE;
	return len;
}

static uint32_t cseq_next(void)
{
	if (++cseq >= CSEQ_MAX)
		cseq = 1;
	return cseq;
}

static void sent(int ret)
{
	if (!ret)
		keepalive_stats.sent++;
	else if (ret == -ENOTCONN)
		keepalive_stats.skipped++;
	else
		keepalive_stats.send_errors++;
}

/*
 * A binding that stops answering is only counted, never removed: a
 * phone may drop OPTIONS from the registrar (a firewall rule, a busy
 * UA) and still take calls, and its registration's expiry removes it
 * if it is really gone.
 */
static void miss(struct ka_ent *e, const struct binding *b)
{
	if (!e->outstanding)
		return;
	e->outstanding = false;
	keepalive_stats.missed++;
	if (++e->misses == KA_MAX_MISSES) {
		keepalive_stats.unresponsive++;
		log_debug("keepalive: %s (%s) answered none of %u OPTIONS",
			  b->contact, b->aor, KA_MAX_MISSES);
	}
}

static void ping_options(const struct binding *b, const struct sip_peer *p,
			 uint64_t now_ms)
{
	struct ka_ent *e = ent_get(b->seq);
	uint32_t n = cseq_next();
	char buf[MSG_MAX];
	int len, ret;

	if (e) {
		e->last_ms = now_ms;
		miss(e, b);
	}
	len = options_build(b, p, n, buf, sizeof(buf));
	ret = len < 0 ? len : tp_send(p, buf, len);
	sent(ret);
	if (!ret && e) {
		e->outstanding = true;
		e->cseq = n;
	}
}

static void ping(const struct binding *b, uint64_t now_ms)
{
	struct sip_peer p;

	if (peer_of(b, &p)) {
		keepalive_stats.send_errors++;
		return;
	}
	if (cfg->keepalive_method == KA_OPTIONS)
		ping_options(b, &p, now_ms);
	else if (p.proto == TP_UDP)
		sent(tp_send(&p, "\r\n", 2));
	else
		sent(tp_send(&p, "\r\n\r\n", 4));
}

/* --- the round --- */

static int visit(const struct binding *b, void *arg)
{
	const struct round *r = arg;
	uint64_t phase;

	/* with a Path, received is the edge proxy, which keeps the NAT */
	if (!b->nated || b->path || b->expires_at <= r->now)
		return 0;
	phase = mix(b->seq) % interval_ms;
	if (r->span < interval_ms &&
	    (phase + interval_ms - r->from) % interval_ms >= r->span)
		return 0;
	ping(b, r->now_ms);
	return 0;
}

static void run(uint64_t now_ms, time_t now)
{
	uint64_t cur = now_ms - epoch_ms;
	struct round r = {
		.from = done_ms % interval_ms,
		.span = cur - done_ms,
		.now_ms = now_ms,
		.now = now,
	};

	if (!r.span)
		return;
	done_ms = cur;
	loc_foreach(loc, visit, &r);
	if (now_ms >= prune_ms) {
		prune(now_ms);
		prune_ms = now_ms + interval_ms;
	}
}

static void tick(struct ev_timer *t, void *arg)
{
	run(ev_now_ms(), time(NULL));
	ev_timer_add(t, tick_ms);
}

static void restart(void)
{
	ev_timer_del(&timer);
	if (!interval_ms)
		return;
	tick_ms = interval_ms / TICKS_PER_INTERVAL;
	if (tick_ms < TICK_MIN_MS)
		tick_ms = TICK_MIN_MS;
	if (tick_ms > TICK_MAX_MS)
		tick_ms = TICK_MAX_MS;
	epoch_ms = ev_now_ms();
	done_ms = 0;
	prune_ms = epoch_ms + interval_ms;
	ev_timer_add(&timer, tick_ms);
}

/* --- responses --- */

static int hex(const char *s, unsigned int n, uint64_t *out)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return -EINVAL;
	}
	*out = v;
	return 0;
}

bool keepalive_response(const struct sip_msg *resp)
{
	const struct sip_str br = resp->via.branch;
	const size_t pre = sizeof(KA_BRANCH) - 1;
	struct ka_ent *e;
	uint64_t seq;

	if (!call_id[0] || resp->is_request || br.len != KA_BRANCH_LEN ||
	    memcmp(br.s, KA_BRANCH, pre) ||
	    !sip_str_eq(resp->call_id, sip_str_cstr(call_id)))
		return false;
	e = hex(br.s + pre, 16, &seq) ? NULL : ent_find(seq);
	if (e && e->outstanding && e->cseq == resp->cseq.num &&
	    resp->cseq.method == SIP_OPTIONS) {
		e->outstanding = false;
		e->misses = 0;
		keepalive_stats.answered++;
	} else {
		/* a second response, or one after the next was due */
		keepalive_stats.stray++;
	}
	return true;
}

/* --- life cycle --- */

static void identity(void)
{
	uint8_t r[32];

	if (getrandom(r, sizeof(r), 0) != sizeof(r)) {
		uint64_t t = ev_now_ms() ^ ((uint64_t)getpid() << 32);

		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (uint8_t)(mix(t + i) >> 24);
	}
	memcpy(&seed, r, sizeof(seed));
	memcpy(&cseq, r + 8, sizeof(cseq));
	/* room for a long run before the wrap, and unlike the last run's */
	cseq &= 0x3fffffff;
	snprintf(from_tag, sizeof(from_tag), "%02x%02x%02x%02x%02x%02x%02x%02x",
		 r[12], r[13], r[14], r[15], r[16], r[17], r[18], r[19]);
	snprintf(call_id, sizeof(call_id),
		 "ka-%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x%02x",
		 r[20], r[21], r[22], r[23], r[24], r[25], r[26], r[27], r[28],
		 r[29], r[30], r[31]);
}

int keepalive_init(struct location *l, const struct config *c)
{
	if (!l || !c)
		return -EINVAL;
	memset(&keepalive_stats, 0, sizeof(keepalive_stats));
	identity();
	loc = l;
	interval_ms = 0;
	ev_timer_init(&timer, tick, NULL);
	keepalive_configure(c);
	return 0;
}

void keepalive_configure(const struct config *c)
{
	uint64_t ms = (uint64_t)c->keepalive_interval * 1000;

	cfg = c;
	if (!loc || ms == interval_ms)
		return;
	interval_ms = ms;
	restart();
}

void keepalive_exit(void)
{
	if (!loc)
		return;
	ev_timer_del(&timer);
	tab_free();
	loc = NULL;
	cfg = NULL;
	interval_ms = 0;
	call_id[0] = '\0';
}

void keepalive_stats_log(void)
{
	const struct keepalive_stats *s = &keepalive_stats;

	log_info("keepalive: sent=%llu answered=%llu skipped=%llu "
		 "send_errors=%llu missed=%llu unresponsive=%llu stray=%llu",
		 (unsigned long long)s->sent, (unsigned long long)s->answered,
		 (unsigned long long)s->skipped,
		 (unsigned long long)s->send_errors,
		 (unsigned long long)s->missed,
		 (unsigned long long)s->unresponsive,
		 (unsigned long long)s->stray);
}
