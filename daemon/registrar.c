// SPDX-License-Identifier: GPL-2.0
/*
 * The registrar: §10.3 step by step.  A REGISTER is read and checked in
 * full, then turned into a plan (what happens to each current binding and
 * each Contact), and only a plan that passed every check reaches the store,
 * in one loc_apply(): a failing request changes nothing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "registrar.h"
#include "sip/reply.h"

/* What the plan does with a current binding. */
enum { KEEP, UPDATE, DELETE };

/* One Contact of the request. */
struct newc {
	struct binding b;
	struct sip_uri uri; /* points into the request */
	int match; /* index of the current binding it updates, or -1 */
	bool remove; /* expires 0 */
	bool skip; /* superseded by a later Contact of the same request */
};

struct registrar {
	struct location *loc;
	struct registrar_conf conf;
	char **domains;
	/* per-request space: current bindings, Contacts, changes, strings */
	int cap; /* room in cur/act; grows if an AOR holds more */
	const struct binding **cur;
	uint8_t *act;
	struct newc *nc; /* conf.max_per_aor of them */
	struct loc_change *ch; /* cap + max_per_aor */
	char *arena;
	size_t arena_size, arena_used;
	char *extra; /* the response's header lines, room for cap bindings */
	size_t extra_len, extra_cap;
	bool extra_full;
};

/* One request being handled. */
struct reg_req {
	struct sip_msg *m;
	const char *auth_user;
	const struct peer_info *src;
	time_t now;
	char aor[LOC_MAX_AOR];
	const char *call_id;
	const char *path;
	const char *ua;
	bool star;
	bool echo_path;
	int ncontacts; /* Contact values seen, "*" included */
	int nnew; /* stored in r->nc */
	int ncur;
	const char *reason; /* NULL: the standard phrase */
	char unsupported[256];
};

/* --- response header lines --- */

static void extra_add(struct registrar *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void extra_add(struct registrar *r, const char *fmt, ...)
{
	size_t room = r->extra_cap - r->extra_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->extra + r->extra_len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		r->extra_full = true;
	else
		r->extra_len += n;
}

/* --- per-request string copies (NUL-terminated, for the store) --- */

static const char *arena_dup(struct registrar *r, struct sip_str s)
{
	char *p;

	if (r->arena_used + s.len + 1 > r->arena_size)
		return NULL;
	p = r->arena + r->arena_used;
	memcpy(p, s.s, s.len);
	p[s.len] = '\0';
	r->arena_used += s.len + 1;
	return p;
}

/* --- §10.3 step 2: Require; "path" is the one extension we know --- */

static int check_require(struct reg_req *q)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_str tag;
	size_t len = 0;
	int ret;

	while ((ret = sip_token_next(q->m, SIP_H_REQUIRE, &it, &tag)) == 1) {
		if (sip_str_caseeq_lit(tag, "path"))
			continue;
		len += snprintf(q->unsupported + len,
				sizeof(q->unsupported) - len, "%s%.*s",
				len ? ", " : "", SIP_STR_FMT(tag));
		if (len >= sizeof(q->unsupported))
			break;
	}
	if (ret < 0) {
		q->reason = "Bad Require";
		return 400;
	}
	return len ? 420 : 0;
}

/* --- steps 4 and 5: the AOR, who may register it, and where --- */

static bool authorized(const struct reg_req *q)
{
	const char *user = q->aor + 4, *host = strrchr(q->aor, '@');
	size_t ulen = host - user;
	const char *a = q->auth_user, *at;

	if (!a)
		return true;
	at = strrchr(a, '@');
	if (!at)
		return strlen(a) == ulen && !memcmp(a, user, ulen);
	return (size_t)(at - a) == ulen && !memcmp(a, user, ulen) &&
	       !strcasecmp(at + 1, host + 1);
}

static bool served(const struct registrar *r, const char *aor)
{
	const char *host = strrchr(aor, '@') + 1;

	for (char **d = r->domains; *d; d++)
		if (!strcasecmp(*d, host))
			return true;
	return false;
}

static int take_aor(struct registrar *r, struct reg_req *q)
{
	int len = loc_aor_make(&q->m->to.uri, q->aor, sizeof(q->aor));

	if (len < 0) {
		q->reason = "Not A SIP Address Of Record";
		return 404;
	}
	if (!authorized(q))
		return 403;
	if (!served(r, q->aor)) {
		q->reason = "Domain Not Served Here";
		return 404;
	}
	return 0;
}

/* --- what every binding of the request shares --- */

static int take_path(struct registrar *r, struct reg_req *q)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_nameaddr na;
	char buf[LOC_MAX_PATH];
	size_t len = 0;
	int ret;

	while ((ret = sip_nameaddr_next(q->m, SIP_H_PATH, &it, &na)) == 1) {
		len += snprintf(buf + len, sizeof(buf) - len, "%s%.*s",
				len ? "," : "", SIP_STR_FMT(na.raw));
		if (len >= sizeof(buf)) {
			q->reason = "Path Too Long";
			return 400;
		}
	}
	if (ret < 0) {
		q->reason = "Bad Path";
		return 400;
	}
	if (len)
		q->path = arena_dup(r, sip_str_make(buf, len));
	return 0;
}

static bool ua_supports_path(const struct sip_msg *m)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_str tag;

	while (sip_token_next(m, SIP_H_SUPPORTED, &it, &tag) == 1)
		if (sip_str_caseeq_lit(tag, "path"))
			return true;
	return false;
}

static int take_common(struct registrar *r, struct reg_req *q)
{
	struct sip_msg *m = q->m;
	int ua = sip_hdr_find(m, SIP_H_USER_AGENT);
	int ret;

	if (m->cseq.method != SIP_REGISTER) {
		q->reason = "CSeq Method Is Not REGISTER";
		return 400;
	}
	if (!m->call_id.len || m->call_id.len >= LOC_MAX_CALLID) {
		q->reason = "Bad Call-ID";
		return 400;
	}
	q->call_id = arena_dup(r, m->call_id);
	ret = take_path(r, q);
	if (ret)
		return ret;
	q->echo_path = q->path && ua_supports_path(m);
	if (ua >= 0) {
		struct sip_str v = m->hdr[ua].value;

		if (v.len >= LOC_MAX_UA)
			v.len = LOC_MAX_UA - 1;
		q->ua = arena_dup(r, v);
	}
	return 0;
}

/* --- step 7: one Contact --- */

/* Binary address of @ip; an IPv4-mapped IPv6 address counts as IPv4. */
static int addr_of(const char *ip, uint8_t a[16])
{
	if (inet_pton(AF_INET, ip, a) == 1)
		return 4;
	if (inet_pton(AF_INET6, ip, a) != 1)
		return 0;
	if (!memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
		memmove(a, a + 12, 4);
		return 4;
	}
	return 16;
}

static uint16_t default_port(const struct sip_uri *u)
{
	bool tls = u->scheme == SIP_URI_SIPS ||
		   sip_str_caseeq_lit(u->transport, "tls");

	return tls ? 5061 : 5060;
}

/* RFC 3581: the UA sits behind a NAT when it is not where it says. */
static bool nated(const struct sip_uri *u, const struct peer_info *src)
{
	struct sip_str h = u->host;
	char host[LOC_IP_LEN];
	uint8_t a[16], b[16];
	int alen, blen;

	if (u->host_type == SIP_HOST_IPV6)
		h = sip_str_make(h.s + 1, h.len - 2); /* the brackets */
	if (h.len >= sizeof(host))
		return true;
	sip_str_copy(host, sizeof(host), h);
	alen = addr_of(host, a);
	blen = addr_of(src->ip, b);
	if (!alen || alen != blen || memcmp(a, b, alen))
		return true;
	if (src->transport != LOC_UDP)
		return false;
	return (u->port ? u->port : default_port(u)) != src->port;
}

static int64_t expiry(const struct registrar *r, const struct reg_req *q,
		      const struct sip_contact *c)
{
	if (c->expires >= 0)
		return c->expires;
	if (q->m->expires >= 0)
		return q->m->expires;
	return r->conf.default_expires;
}

/* A Contact equal to an earlier one of the same request supersedes it. */
static void supersede(struct registrar *r, struct reg_req *q,
		      const struct sip_uri *u)
{
	for (int i = 0; i < q->nnew; i++)
		if (!r->nc[i].skip && !sip_uri_cmp(&r->nc[i].uri, u))
			r->nc[i].skip = true;
}

static int take_contact(struct registrar *r, struct reg_req *q,
			const struct sip_contact *c)
{
	const struct sip_uri *u = &c->na.uri;
	struct newc *n = &r->nc[q->nnew];
	int64_t e = expiry(r, q, c);

	if (u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS) {
		q->reason = "Contact Is Not A SIP URI";
		return 400;
	}
	if (u->raw.len >= LOC_MAX_URI || c->instance.len >= LOC_MAX_INSTANCE) {
		q->reason = "Contact Too Long";
		return 400;
	}
	/* §10.3 step 7: only short nonzero requests below an hour */
	if (e > 0 && e < 3600 && e < r->conf.min_expires)
		return 423;
	if (e > r->conf.max_expires)
		e = r->conf.max_expires;
	supersede(r, q, u);
	memset(n, 0, sizeof(*n));
	n->uri = *u;
	n->match = -1;
	n->remove = e == 0;
	n->b.contact = arena_dup(r, u->raw);
	n->b.q = c->q;
	n->b.expires_at = q->now + e;
	n->b.call_id = q->call_id;
	n->b.cseq = q->m->cseq.num;
	n->b.instance = c->instance.len ? arena_dup(r, c->instance) : NULL;
	n->b.reg_id = c->reg_id;
	n->b.path = q->path;
	n->b.received.transport = q->src->transport;
	snprintf(n->b.received.ip, sizeof(n->b.received.ip), "%s", q->src->ip);
	n->b.received.port = q->src->port;
	n->b.nated = nated(u, q->src);
	n->b.user_agent = q->ua;
	n->b.conn_id = q->src->conn_id;
	q->nnew++;
	return 0;
}

/* --- step 6: the Contacts, and "*" --- */

static int take_contacts(struct registrar *r, struct reg_req *q)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;
	int ret, st = 0;

	while ((ret = sip_contact_next(q->m, &it, &c)) == 1) {
		q->ncontacts++;
		if (c.star)
			q->star = true;
		else if (!st && q->nnew < (int)r->conf.max_per_aor)
			st = take_contact(r, q, &c);
	}
	if (ret < 0) {
		q->reason = "Bad Contact";
		return 400;
	}
	if (q->star && q->ncontacts > 1) {
		q->reason = "Contact * Must Be Alone";
		return 400;
	}
	if (q->star && q->m->expires != 0) {
		q->reason = "Contact * Needs Expires: 0";
		return 400;
	}
	if (!st && q->ncontacts > (int)r->conf.max_per_aor) {
		q->reason = "Too Many Contacts";
		return 403;
	}
	return st;
}

/* --- the plan --- */

/* One Contact line of the 200 at most, and what else a 200 carries. */
#define CONTACT_LINE_MAX (LOC_MAX_URI + LOC_MAX_INSTANCE + 64)
#define EXTRA_MAX (LOC_MAX_PATH + 256)

static int grow(struct registrar *r, int n)
{
	void *p;

	if (!(p = realloc(r->cur, n * sizeof(*r->cur))))
		return -ENOMEM;
	r->cur = p;
	if (!(p = realloc(r->act, n)))
		return -ENOMEM;
	r->act = p;
	if (!(p = realloc(r->ch, (n + r->conf.max_per_aor) * sizeof(*r->ch))))
		return -ENOMEM;
	r->ch = p;
	if (!(p = realloc(r->extra, n * CONTACT_LINE_MAX + EXTRA_MAX)))
		return -ENOMEM;
	r->extra = p;
	r->extra_cap = n * CONTACT_LINE_MAX + EXTRA_MAX;
	r->cap = n;
	return 0;
}

static int load_current(struct registrar *r, struct reg_req *q)
{
	int n = loc_lookup(r->loc, q->aor, q->now, r->cur, r->cap);

	/* only when max_per_aor was lowered under existing bindings */
	if (n > r->cap) {
		if (grow(r, n))
			return -ENOMEM;
		n = loc_lookup(r->loc, q->aor, q->now, r->cur, r->cap);
	}
	q->ncur = n;
	memset(r->act, KEEP, n);
	return 0;
}

static bool same_instance(const struct binding *b, const struct newc *n)
{
	return n->b.instance && b->instance &&
	       !strcmp(b->instance, n->b.instance) && b->reg_id == n->b.reg_id;
}

static int find_match(struct registrar *r, const struct reg_req *q,
		      const struct newc *n)
{
	struct sip_uri u;

	for (int i = 0; i < q->ncur; i++)
		if (same_instance(r->cur[i], n))
			return i;
	for (int i = 0; i < q->ncur; i++) {
		const char *s = r->cur[i]->contact;

		if (!sip_uri_parse(&u, s, strlen(s), NULL) &&
		    !sip_uri_cmp(&u, &n->uri))
			return i;
	}
	return -1;
}

/*
 * §10.3 steps 6 and 7: the same Call-ID with a CSeq not above the stored
 * one is an old or replayed request, and fails the whole update.
 */
static bool in_order(const struct binding *b, const struct reg_req *q)
{
	return strcmp(b->call_id, q->call_id) || q->m->cseq.num > b->cseq;
}

static int plan_contacts(struct registrar *r, struct reg_req *q)
{
	for (int i = 0; i < q->nnew; i++) {
		struct newc *n = &r->nc[i];
		int m;

		if (n->skip)
			continue;
		m = find_match(r, q, n);
		if (m < 0)
			continue;
		if (!in_order(r->cur[m], q))
			return 500;
		/* two Contacts reaching one binding: the later one wins */
		for (int j = 0; j < i; j++)
			if (r->nc[j].match == m)
				r->nc[j].skip = true;
		n->match = m;
		r->act[m] = n->remove ? DELETE : UPDATE;
	}
	return 0;
}

static int plan_star(struct registrar *r, struct reg_req *q)
{
	for (int i = 0; i < q->ncur; i++) {
		if (!in_order(r->cur[i], q))
			return 500;
		r->act[i] = DELETE;
	}
	return 0;
}

static bool inserts(const struct newc *n)
{
	return !n->skip && !n->remove && n->match < 0;
}

/* Room for the new bindings: evict the stalest untouched ones. */
static int plan_limits(struct registrar *r, struct reg_req *q)
{
	int total = 0, added = 0, removed = 0;

	for (int i = 0; i < q->nnew; i++)
		added += inserts(&r->nc[i]);
	for (int i = 0; i < q->ncur; i++)
		total += r->act[i] != DELETE;
	total += added;
	while (total > (int)r->conf.max_per_aor) {
		int old = -1;

		for (int i = 0; i < q->ncur; i++)
			if (r->act[i] == KEEP &&
			    (old < 0 || r->cur[i]->seq < r->cur[old]->seq))
				old = i;
		if (old < 0) {
			q->reason = "Too Many Contacts";
			return 403;
		}
		r->act[old] = DELETE;
		total--;
	}
	for (int i = 0; i < q->ncur; i++)
		removed += r->act[i] == DELETE;
	if (added > removed &&
	    loc_count(r->loc) + added - removed > r->conf.max_total) {
		q->reason = "Registration Table Full";
		return 503;
	}
	return 0;
}

static int commit(struct registrar *r, struct reg_req *q)
{
	int n = 0, ret;

	for (int i = 0; i < q->ncur; i++)
		if (r->act[i] == DELETE)
			r->ch[n++] = (struct loc_change){ r->cur[i], NULL };
	for (int i = 0; i < q->nnew; i++) {
		const struct newc *c = &r->nc[i];

		if (c->skip || c->remove)
			continue;
		r->ch[n++] = (struct loc_change){
			c->match >= 0 ? r->cur[c->match] : NULL, &c->b
		};
	}
	if (!n)
		return 0;
	ret = loc_apply(r->loc, q->aor, q->now, r->ch, n);
	if (ret) {
		q->reason = "Registration Store Failed";
		return 500;
	}
	return 0;
}

static int process(struct registrar *r, struct reg_req *q)
{
	int st;

	if ((st = check_require(q)) || (st = take_aor(r, q)) ||
	    (st = take_common(r, q)) || (st = take_contacts(r, q)))
		return st;
	if (!q->ncontacts)
		return 200; /* §10.2.3: a query */
	if (load_current(r, q)) {
		q->reason = "Out Of Memory";
		return 500;
	}
	st = q->star ? plan_star(r, q) : plan_contacts(r, q);
	if (st == 500)
		q->reason = "Out-Of-Order REGISTER";
	if (st || (st = plan_limits(r, q)))
		return st;
	st = commit(r, q);
	return st ? st : 200;
}

/* --- step 8: the response --- */

static void put_q(struct registrar *r, int q)
{
	char frac[8];
	int len;

	if (q < 0)
		return;
	if (q >= 1000) {
		extra_add(r, ";q=1");
		return;
	}
	len = snprintf(frac, sizeof(frac), "%03d", q);
	while (len > 0 && frac[len - 1] == '0')
		frac[--len] = '\0';
	extra_add(r, ";q=0%s%s", len ? "." : "", frac);
}

static void put_binding(struct registrar *r, const struct binding *b,
			time_t now)
{
	extra_add(r, "Contact: <%s>;expires=%lld", b->contact,
		  (long long)(b->expires_at - now));
	put_q(r, b->q);
	if (b->instance)
		extra_add(r, ";+sip.instance=\"%s\"", b->instance);
	if (b->instance && b->reg_id >= 0)
		extra_add(r, ";reg-id=%d", b->reg_id);
	extra_add(r, "\r\n");
}

/* §20.17 Date, always GMT; written by hand to stay out of the locale. */
static void put_date(struct registrar *r, time_t now)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed",
					 "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr",
					    "May", "Jun", "Jul", "Aug",
					    "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (!gmtime_r(&now, &tm))
		return;
	extra_add(r, "Date: %s, %02d %s %04d %02d:%02d:%02d GMT\r\n",
		  days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void put_ok(struct registrar *r, const struct reg_req *q)
{
	int n = loc_lookup(r->loc, q->aor, q->now, r->cur, r->cap);

	if (n > r->cap && !grow(r, n))
		n = loc_lookup(r->loc, q->aor, q->now, r->cur, r->cap);
	for (int i = 0; i < n && i < r->cap; i++)
		put_binding(r, r->cur[i], q->now);
	if (q->echo_path)
		extra_add(r, "Path: %s\r\n", q->path);
	extra_add(r, "Supported: path\r\n");
	put_date(r, q->now);
}

static void put_extra(struct registrar *r, const struct reg_req *q, int st)
{
	r->extra_len = 0;
	r->extra_full = false;
	r->extra[0] = '\0';
	if (st == 200)
		put_ok(r, q);
	else if (st == 420)
		extra_add(r, "Unsupported: %s\r\n", q->unsupported);
	else if (st == 423)
		extra_add(r, "Min-Expires: %u\r\n", r->conf.min_expires);
	else if (st == 503)
		extra_add(r, "Retry-After: 300\r\n");
}

/* A To tag that a retransmission of the request gets again. */
static void make_tag(const struct sip_msg *m, char *buf, size_t size)
{
	uint64_t h = 14695981039346656037ull;
	const struct sip_str parts[2] = { m->call_id, m->via.branch };

	for (int i = 0; i < 2; i++)
		for (uint32_t j = 0; j < parts[i].len; j++)
			h = (h ^ (uint8_t)parts[i].s[j]) * 1099511628211ull;
	snprintf(buf, size, "%016llx", (unsigned long long)h);
}

ssize_t registrar_handle(struct registrar *r, struct sip_msg *req,
			 const char *auth_user, const struct peer_info *src,
			 time_t now, char *out, size_t size)
{
	struct reg_req q = {
		.m = req,
		.auth_user = auth_user,
		.src = src,
		.now = now,
	};
	struct sip_reply rep = { 0 };
	char tag[20];

	if (!req->is_request || req->method != SIP_REGISTER || !src)
		return -EINVAL;
	r->arena_used = 0;
	rep.status = process(r, &q);
	put_extra(r, &q, rep.status);
	if (r->extra_full) {
		rep.status = 500;
		q.reason = "Out Of Memory";
		put_extra(r, &q, 500);
	}
	make_tag(req, tag, sizeof(tag));
	rep.reason = q.reason;
	rep.to_tag = sip_str_cstr(tag);
	rep.extra = r->extra;
	return sip_reply_write(req, &rep, out, size);
}

/* --- set-up --- */

static int copy_domains(struct registrar *r, const char *const *src)
{
	int n = 0;

	while (src && src[n])
		n++;
	if (!n)
		return -EINVAL;
	r->domains = calloc(n + 1, sizeof(*r->domains));
	if (!r->domains)
		return -ENOMEM;
	for (int i = 0; i < n; i++)
		if (!(r->domains[i] = strdup(src[i])))
			return -ENOMEM;
	return 0;
}

static void conf_defaults(struct registrar_conf *c)
{
	if (!c->default_expires)
		c->default_expires = REG_DEFAULT_EXPIRES;
	if (!c->min_expires)
		c->min_expires = REG_MIN_EXPIRES;
	if (!c->max_expires)
		c->max_expires = REG_MAX_EXPIRES;
	if (!c->max_per_aor)
		c->max_per_aor = REG_MAX_PER_AOR;
	if (!c->max_total)
		c->max_total = REG_MAX_TOTAL;
}

static int conf_check(const struct registrar_conf *c)
{
	/* §10.3: 423 is only for requests under an hour */
	if (c->min_expires > 3600 || c->min_expires > c->max_expires ||
	    c->default_expires < c->min_expires ||
	    c->default_expires > c->max_expires || c->max_per_aor > 1000)
		return -EINVAL;
	return 0;
}

static int alloc_space(struct registrar *r)
{
	int per = r->conf.max_per_aor;

	r->nc = calloc(per, sizeof(*r->nc));
	r->arena_size = per * (LOC_MAX_URI + LOC_MAX_INSTANCE + 2) +
			LOC_MAX_CALLID + LOC_MAX_PATH + LOC_MAX_UA + 16;
	r->arena = malloc(r->arena_size);
	if (!r->nc || !r->arena)
		return -ENOMEM;
	return grow(r, per);
}

struct registrar *registrar_new(struct location *loc,
				const struct registrar_conf *conf)
{
	struct registrar *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return NULL;
	r->loc = loc;
	r->conf = *conf;
	conf_defaults(&r->conf);
	ret = conf_check(&r->conf);
	if (!ret)
		ret = copy_domains(r, conf->domains);
	if (!ret)
		ret = alloc_space(r);
	if (ret) {
		registrar_free(r);
		errno = -ret;
		return NULL;
	}
	r->conf.domains = NULL; /* r->domains holds the copies */
	return r;
}

void registrar_free(struct registrar *r)
{
	if (!r)
		return;
	for (char **d = r->domains; d && *d; d++)
		free(*d);
	free(r->domains);
	free(r->cur);
	free(r->act);
	free(r->nc);
	free(r->ch);
	free(r->arena);
	free(r->extra);
	free(r);
}
