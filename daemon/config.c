// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file, read with libinih.  Keys are a table: section,
 * name, how to parse the value, where it goes and its bounds.  inih
 * reports only the line of a syntax error, so the line reader here
 * counts lines itself and every fault names the file and line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_ctl.h"
#include "config_media.h"
#include "digest.h"
#include "sip/uri.h"

struct parse;
struct key;
typedef int (*set_fn)(struct parse *p, const struct key *k, const char *v);

struct key {
	const char *sec;
	const char *name;
	set_fn set;
	size_t off;
	/* numbers: bounds; strings: the field's size */
	uint32_t min, max;
	bool list; /* may repeat (and continue on indented lines) */
};

struct parse {
	const char *path;
	FILE *f;
	struct config *cfg;
	int lineno;
	int err_line; /* first fault, 0 when none */
	char *err;
	size_t errlen;
	int *seen; /* line each key was set on, by table index */
	int tls_line; /* first tls: listen entry */
};

static const char *const level_names[] = {
	[LOG_LVL_ERR] = "err",
	[LOG_LVL_WARN] = "warn",
	[LOG_LVL_INFO] = "info",
	[LOG_LVL_DEBUG] = "debug",
};

static const char *const proto_names[] = {
	[TP_UDP] = "udp",
	[TP_TCP] = "tcp",
	[TP_TLS] = "tls",
};

const char *config_proto_name(enum tp_proto proto)
{
	return proto <= TP_TLS ? proto_names[proto] : "?";
}

const char *config_level_name(enum log_level level)
{
	return level <= LOG_LVL_DEBUG ? level_names[level] : "?";
}

/* Records the first fault at the current line; returns 0 for inih. */
static int __attribute__((format(printf, 3, 4)))
fail(struct parse *p, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (p->err_line && (line <= 0 || p->err_line <= line))
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(p->err, p->errlen, "%s:%d: %s", p->path, line, msg);
	else
		snprintf(p->err, p->errlen, "%s: %s", p->path, msg);
	p->err_line = line > 0 ? line : p->lineno + 1;
	return 0;
}

static void *field(struct parse *p, const struct key *k)
{
	return (char *)p->cfg + k->off;
}

static int set_str(struct parse *p, const struct key *k, const char *v)
{
	if (strlen(v) >= k->max)
		return fail(p, p->lineno, "%s is longer than %u bytes", k->name,
			    k->max - 1);
	strcpy(field(p, k), v);
	return 1;
}

static int set_uint(struct parse *p, const struct key *k, const char *v)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (!isdigit((unsigned char)*v) || *end || errno || n < k->min ||
	    n > k->max)
		return fail(p, p->lineno,
			    "bad value '%s' for %s (expected %u to %u)", v,
			    k->name, k->min, k->max);
	*(uint32_t *)field(p, k) = n;
	return 1;
}

/* [media] keys that are more than a 32-bit number: config_media.c */
static int set_media(struct parse *p, const struct key *k, const char *v)
{
	char msg[256];

	if (!config_media_set(p->cfg, k->name, v, msg, sizeof(msg)))
		return 1;
	return fail(p, p->lineno, "%s", msg);
}

/* [general] control_group and metrics: config_ctl.c */
static int set_ctl(struct parse *p, const struct key *k, const char *v)
{
	char msg[256];

	if (!config_ctl_set(p->cfg, k->name, v, msg, sizeof(msg)))
		return 1;
	return fail(p, p->lineno, "%s", msg);
}

static int pick(const char *v, const char *const *names, int n)
{
	for (int i = 0; i < n; i++)
		if (names[i] && !strcasecmp(v, names[i]))
			return i;
	return -1;
}

static int set_bool(struct parse *p, const struct key *k, const char *v)
{
	static const char *const names[] = { "no",  "yes", "false", "true",
					     "off", "on",  "0",	    "1" };
	int i = pick(v, names, 8);

	if (i < 0)
		return fail(p, p->lineno,
			    "bad value '%s' for %s (expected yes or no)", v,
			    k->name);
	*(bool *)field(p, k) = i & 1;
	return 1;
}

static int set_level(struct parse *p, const struct key *k, const char *v)
{
	int i = pick(v, level_names, 4);

	if (i < 0)
		return fail(
			p, p->lineno,
			"bad value '%s' for %s (expected err, warn, info or debug)",
			v, k->name);
	*(enum log_level *)field(p, k) = i;
	return 1;
}

static int set_tlsver(struct parse *p, const struct key *k, const char *v)
{
	static const char *const names[] = { "1.2", "1.3" };
	int i = pick(v, names, 2);

	if (i < 0)
		return fail(p, p->lineno,
			    "bad value '%s' for %s (expected 1.2 or 1.3)", v,
			    k->name);
	*(uint8_t *)field(p, k) = 12 + i;
	return 1;
}

static int set_ka(struct parse *p, const struct key *k, const char *v)
{
	static const char *const names[] = {
		[KA_OPTIONS] = "options", [KA_CRLF] = "crlf"
	};
	int i = pick(v, names, 2);

	if (i < 0)
		return fail(p, p->lineno,
			    "bad value '%s' for %s (expected options or crlf)",
			    v, k->name);
	*(uint8_t *)field(p, k) = i;
	return 1;
}

/* "[2001:db8::1]:5060", "192.0.2.1:5060", "0.0.0.0": numeric only */
static int parse_addr(const char *s, uint16_t dport, struct cfg_listen *l)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&l->addr;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&l->addr;
	char host[INET6_ADDRSTRLEN + 2];
	const char *port = NULL, *end;
	unsigned long n = dport;

	if (*s == '[') {
		end = strchr(s, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -1;
		port = end[1] ? end + 2 : NULL;
		s++;
	} else {
		end = strchr(s, ':');
		port = end ? end + 1 : NULL;
		end = end ? end : s + strlen(s);
	}
	if (end - s >= (long)sizeof(host))
		return -1;
	memcpy(host, s, end - s);
	host[end - s] = '\0';
	if (port) {
		char *e;

		n = strtoul(port, &e, 10);
		if (!isdigit((unsigned char)*port) || *e || !n || n > 65535)
			return -1;
	}
	memset(&l->addr, 0, sizeof(l->addr));
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1 && s[-1] == '[') {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(n);
		l->addrlen = sizeof(*s6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1 && s[-1] != '[') {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(n);
		l->addrlen = sizeof(*s4);
		return 0;
	}
	return -1;
}

static int add_listen(struct parse *p, const char *item)
{
	struct config *c = p->cfg;
	struct cfg_listen *l;
	const char *colon = strchr(item, ':');
	char proto[8];
	int i;

	if (!colon || colon - item >= (long)sizeof(proto))
		return -1;
	memcpy(proto, item, colon - item);
	proto[colon - item] = '\0';
	i = pick(proto, proto_names, 3);
	if (i < 0)
		return -1;
	if (c->nlisten == CFG_MAX_LISTEN)
		return fail(p, p->lineno, "more than %d listen addresses",
			    CFG_MAX_LISTEN),
		       -2;
	l = &c->listen[c->nlisten];
	l->proto = i;
	/* RFC 3261 §19.1.2: 5060, 5061 for TLS */
	if (parse_addr(colon + 1, i == TP_TLS ? 5061 : 5060, l))
		return -1;
	if (i == TP_TLS && !p->tls_line)
		p->tls_line = p->lineno;
	c->nlisten++;
	return 0;
}

/*
 * Calls @add for each space-separated item of @v.  The first line that
 * sets a list replaces the default; later ones (continuations) append.
 */
static int each_item(struct parse *p, const struct key *k, const char *v,
		     int (*add)(struct parse *, const char *))
{
	char buf[256], *save = NULL, *it;
	int ret;

	snprintf(buf, sizeof(buf), "%s", v);
	for (it = strtok_r(buf, " \t", &save); it;
	     it = strtok_r(NULL, " \t", &save)) {
		ret = add(p, it);
		if (ret == -1)
			return fail(p, p->lineno, "bad %s entry '%s'", k->name,
				    it);
		if (ret < 0)
			return 0;
	}
	return 1;
}

static int set_listen(struct parse *p, const struct key *k, const char *v)
{
	return each_item(p, k, v, add_listen);
}

static bool host_ok(const char *h)
{
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN + 2];
	size_t n = strlen(h);

	if (h[0] == '[') {
		if (n < 3 || n - 2 >= sizeof(buf) || h[n - 1] != ']')
			return false;
		memcpy(buf, h + 1, n - 2);
		buf[n - 2] = '\0';
		return inet_pton(AF_INET6, buf, &a6) == 1;
	}
	if (!n || h[0] == '.' || h[0] == '-' || h[n - 1] == '-')
		return false;
	for (; *h; h++)
		if (!isalnum((unsigned char)*h) && *h != '.' && *h != '-')
			return false;
	return true;
}

static int add_domain(struct parse *p, const char *item)
{
	struct config *c = p->cfg;
	char *d;

	if (strlen(item) >= CFG_NAME_MAX || !host_ok(item))
		return -1;
	if (c->ndomains == CFG_MAX_DOMAINS)
		return fail(p, p->lineno, "more than %d domains",
			    CFG_MAX_DOMAINS),
		       -2;
	d = strdup(item);
	if (!d)
		return fail(p, p->lineno, "out of memory"), -2;
	for (char *q = d; *q; q++)
		*q = tolower((unsigned char)*q);
	c->domains[c->ndomains++] = d;
	return 0;
}

static int set_domain(struct parse *p, const struct key *k, const char *v)
{
	return each_item(p, k, v, add_domain);
}

/* "sha-256 md5": a list of digest algorithms, any order */
static int add_alg(struct parse *p, const char *item)
{
	enum digest_alg alg;
	bool sess;

	if (digest_alg_parse(sip_str_cstr(item), &alg, &sess) || sess)
		return -1;
	p->cfg->auth_algs |= DIGEST_ALG(alg);
	return 0;
}

static int set_algs(struct parse *p, const struct key *k, const char *v)
{
	return each_item(p, k, v, add_alg);
}

/* "192.0.2.10", "198.51.100.0/24", "2001:db8::/32" */
static int add_trusted(struct parse *p, const char *item)
{
	struct config *c = p->cfg;
	struct cfg_net *n = &c->trusted[c->ntrusted];
	char buf[INET6_ADDRSTRLEN];
	const char *slash = strchr(item, '/');
	size_t len = slash ? (size_t)(slash - item) : strlen(item);
	unsigned long bits;
	char *end;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, item, len);
	buf[len] = '\0';
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, buf, n->addr) == 1)
		n->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, n->addr) == 1)
		n->family = AF_INET6;
	else
		return -1;
	bits = n->family == AF_INET ? 32 : 128;
	if (slash) {
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end ||
		    bits > (n->family == AF_INET ? 32u : 128u))
			return -1;
	}
	n->prefix = bits;
	/* host bits set: a typo more often than not, so refuse it */
	for (unsigned int i = bits; i < (n->family == AF_INET ? 32u : 128u); i++)
		if (n->addr[i / 8] & (0x80 >> (i % 8)))
			return -1;
	if (c->ntrusted == CFG_MAX_TRUSTED)
		return fail(p, p->lineno, "more than %d trusted networks",
			    CFG_MAX_TRUSTED),
		       -2;
	c->ntrusted++;
	return 0;
}

static int set_trusted(struct parse *p, const struct key *k, const char *v)
{
	return each_item(p, k, v, add_trusted);
}

bool config_trusted(const struct config *cfg, const struct sockaddr *sa)
{
	const uint8_t *a;

	if (sa->sa_family == AF_INET)
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	else
		return false;
	for (unsigned int i = 0; i < cfg->ntrusted; i++) {
		const struct cfg_net *n = &cfg->trusted[i];
		unsigned int full = n->prefix / 8, rest = n->prefix % 8;

		if (n->family != sa->sa_family || memcmp(a, n->addr, full))
			continue;
		if (!rest || !((a[full] ^ n->addr[full]) & (0xff00 >> rest)))
			return true;
	}
	return false;
}

#define F(x) offsetof(struct config, x)
#define STR(sec, name, x)                                                     \
	{                                                                     \
		sec, name, set_str, F(x), 0, sizeof(((struct config *)0)->x), \
			false                                                 \
	}
#define NUM(sec, name, x, lo, hi)                        \
	{                                                \
		sec, name, set_uint, F(x), lo, hi, false \
	}

static const struct key keys[] = {
	STR("general", "user", user),
	STR("general", "state_dir", state_dir),
	STR("general", "run_dir", run_dir),
	{ "general", "log_level", set_level, F(log_level), 0, 0, false },
	{ "general", "control_group", set_ctl, 0, 0, 0, false },
	{ "general", "metrics", set_ctl, 0, 0, 0, false },
	{ "sip", "listen", set_listen, 0, 0, 0, true },
	{ "sip", "domain", set_domain, 0, 0, 0, true },
	NUM("sip", "t1_ms", t1_ms, 1, 60000),
	NUM("sip", "t2_ms", t2_ms, 1, 600000),
	NUM("sip", "t4_ms", t4_ms, 1, 600000),
	NUM("sip", "max_forwards", max_forwards, 1, 255),
	NUM("sip", "max_transactions", max_transactions, 1000, 100000000),
	NUM("sip", "rate_limit", rate_limit, 0, 1000000),
	NUM("sip", "rate_burst", rate_burst, 1, 1000000),
	NUM("sip", "tcp_idle_timeout", tcp_idle_timeout, 1, 86400),
	NUM("sip", "tcp_max_connections", tcp_max_connections, 1, 1000000),
	STR("tls", "cert", tls_cert),
	STR("tls", "key", tls_key),
	STR("tls", "ca_file", tls_ca_file),
	{ "tls", "verify", set_bool, F(tls_verify), 0, 0, false },
	{ "tls", "verify_clients", set_bool, F(tls_verify_clients), 0, 0,
	  false },
	{ "tls", "min_version", set_tlsver, F(tls_min_version), 0, 0, false },
	STR("auth", "users_file", users_file),
	STR("auth", "realm", realm),
	NUM("auth", "nonce_ttl", nonce_ttl, 1, 86400),
	{ "auth", "require", set_bool, F(auth_require), 0, 0, false },
	{ "auth", "algorithms", set_algs, 0, 0, 0, true },
	{ "auth", "trusted", set_trusted, 0, 0, 0, true },
	NUM("registrar", "min_expires", min_expires, 1, 3600),
	NUM("registrar", "max_expires", max_expires, 1, 31536000),
	NUM("registrar", "default_expires", default_expires, 1, 31536000),
	NUM("nat", "keepalive_interval", keepalive_interval, 0, 3600),
	{ "nat", "keepalive_method", set_ka, F(keepalive_method), 0, 0, false },
	{ "media", "anchor", set_bool, F(media_anchor), 0, 0, false },
	{ "media", "fastpath", set_media, 0, 0, 0, false },
	{ "media", "interfaces", set_media, 0, 0, 0, true },
	{ "media", "port_min", set_media, 0, 0, 0, false },
	{ "media", "port_max", set_media, 0, 0, 0, false },
	NUM("media", "port_quarantine", port_quarantine, 0, 3600),
	NUM("media", "media_timeout", media_timeout, 0, 86400),
	NUM("media", "latch_window", latch_window, 0, 300),
	NUM("media", "max_sessions", max_sessions, 1, 1000000),
	{ "media", "dscp", set_media, 0, 0, 0, false },
	{ "media", "xdp_interfaces", set_media, 0, 0, 0, true },
	{ "media", "xdp_mode", set_media, 0, 0, 0, false },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static bool section_known(const char *sec)
{
	if (!strcmp(sec, "routes"))
		return true;
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].sec, sec))
			return true;
	return false;
}

/* "+44", "0044", "*": digits with an optional leading '+' */
static bool prefix_ok(const char *s)
{
	if (!strcmp(s, "*"))
		return true;
	if (*s == '+')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static bool next_hop_ok(const char *v)
{
	struct sip_err err = { 0 };
	struct sip_uri u;

	if (sip_uri_parse(&u, v, strlen(v), &err))
		return false;
	return (u.scheme == SIP_URI_SIP || u.scheme == SIP_URI_SIPS) &&
	       u.host.len && !u.user.len;
}

static int add_route(struct parse *p, const char *prefix, const char *v)
{
	struct config *c = p->cfg;
	struct cfg_route *r;

	if (!prefix_ok(prefix))
		return fail(
			p, p->lineno,
			"bad route prefix '%s' (expected digits, an optional leading '+', or '*')",
			prefix);
	if (!next_hop_ok(v))
		return fail(
			p, p->lineno,
			"bad next hop '%s' for %s (expected sip:host[:port][;params])",
			v, prefix);
	for (unsigned int i = 0; i < c->nroutes; i++)
		if (!strcmp(c->routes[i].prefix, prefix))
			return fail(p, p->lineno, "duplicate route for %s",
				    prefix);
	r = realloc(c->routes, (c->nroutes + 1) * sizeof(*r));
	if (!r)
		return fail(p, p->lineno, "out of memory");
	c->routes = r;
	r += c->nroutes;
	r->prefix = strdup(prefix);
	r->next_hop = strdup(v);
	c->nroutes++;
	if (!r->prefix || !r->next_hop)
		return fail(p, p->lineno, "out of memory");
	return 1;
}

static int handler(void *user, const char *sec, const char *name,
		   const char *value)
{
	struct parse *p = user;
	const struct key *k;

	if (!*sec)
		return fail(p, p->lineno, "key '%s' outside a section", name);
	if (!section_known(sec))
		return fail(p, p->lineno, "unknown section [%s]", sec);
	if (!strcmp(sec, "routes"))
		return add_route(p, name, value);
	for (k = keys; k < keys + NKEYS; k++)
		if (!strcmp(k->sec, sec) && !strcmp(k->name, name))
			break;
	if (k == keys + NKEYS)
		return fail(p, p->lineno, "unknown key '%s' in [%s]", name,
			    sec);
	if (p->seen[k - keys] && !k->list)
		return fail(p, p->lineno,
			    "duplicate key '%s' in [%s] (first set on line %d)",
			    name, sec, p->seen[k - keys]);
	/* the first line of a list replaces its default */
	if (!p->seen[k - keys] && k->set == set_listen)
		p->cfg->nlisten = 0;
	if (!p->seen[k - keys] && k->set == set_algs)
		p->cfg->auth_algs = 0;
	p->seen[k - keys] = p->lineno;
	return k->set(p, k, value);
}

/* fgets for inih that counts lines and refuses to split a long one. */
static char *reader(char *str, int num, void *stream)
{
	struct parse *p = stream;
	size_t n;
	int c;

	if (!fgets(str, num, p->f))
		return NULL;
	p->lineno++;
	n = strlen(str);
	if (n + 1 < (size_t)num || str[n - 1] == '\n')
		return str;
	/* a full buffer: fine if the line ends right here */
	c = fgetc(p->f);
	if (c == EOF || c == '\n')
		return str;
	while ((c = fgetc(p->f)) != EOF && c != '\n')
		;
	fail(p, p->lineno, "line longer than %d bytes", num - 1);
	str[0] = '\0';
	return str;
}

static void defaults(struct config *c)
{
	static const char *const listen[] = { "udp:0.0.0.0:5060",
					      "tcp:0.0.0.0:5060" };
	struct parse p = { .cfg = c };

	memset(c, 0, sizeof(*c));
	strcpy(c->user, "sipfp");
	strcpy(c->state_dir, "/var/lib/sipfp");
	strcpy(c->run_dir, "/run/sipfp");
	c->log_level = LOG_LVL_INFO;
	for (size_t i = 0; i < 2; i++)
		add_listen(&p, listen[i]);
	/* RFC 3261 §17.1.1.1 and table 4 */
	c->t1_ms = 500;
	c->t2_ms = 4000;
	c->t4_ms = 5000;
	c->max_forwards = 70;
	c->max_transactions = 1000000;
	c->rate_limit = 50;
	c->rate_burst = 100;
	c->tcp_idle_timeout = 600;
	c->tcp_max_connections = 4096;
	c->tls_verify = true;
	c->tls_min_version = 12;
	strcpy(c->users_file, "/etc/sipfp/users");
	c->nonce_ttl = 300;
	c->auth_require = true;
	c->auth_algs = DIGEST_ALGS_DEFAULT;
	c->min_expires = 60;
	c->max_expires = 3600;
	c->default_expires = 3600;
	c->keepalive_interval = 30;
	c->keepalive_method = KA_OPTIONS;
	config_media_defaults(c);
}

static int seen_line(struct parse *p, const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, name))
			return p->seen[i];
	return 0;
}

/* The later of two keys' lines: the one that made them disagree. */
static int later(struct parse *p, const char *a, const char *b)
{
	int la = seen_line(p, a), lb = seen_line(p, b);

	return la > lb ? la : lb;
}

static void fill_domain(struct parse *p)
{
	struct config *c = p->cfg;
	char host[CFG_NAME_MAX];

	if (c->ndomains)
		return;
	/* our own name: a fresh install answers for the box itself */
	if (gethostname(host, sizeof(host)) || !host_ok(host))
		strcpy(host, "localhost");
	add_domain(p, host);
}

static void check(struct parse *p)
{
	struct config *c = p->cfg;

	if (c->t2_ms < c->t1_ms)
		fail(p, later(p, "t1_ms", "t2_ms"),
		     "t2_ms (%u) is less than t1_ms (%u)", c->t2_ms, c->t1_ms);
	if (c->min_expires > c->max_expires)
		fail(p, later(p, "min_expires", "max_expires"),
		     "min_expires (%u) is more than max_expires (%u)",
		     c->min_expires, c->max_expires);
	if (c->default_expires < c->min_expires ||
	    c->default_expires > c->max_expires)
		fail(p,
		     seen_line(p, "default_expires") ?:
			     later(p, "min_expires", "max_expires"),
		     "default_expires (%u) is outside min_expires..max_expires (%u..%u)",
		     c->default_expires, c->min_expires, c->max_expires);
	if (c->port_min > c->port_max)
		fail(p, later(p, "port_min", "port_max"),
		     "port_min (%u) is more than port_max (%u)", c->port_min,
		     c->port_max);
	if (p->tls_line && (!*c->tls_cert || !*c->tls_key))
		fail(p, p->tls_line,
		     "a tls listen address needs [tls] cert and key");
	/* the system's store would let any public CA vouch for a phone */
	if (c->tls_verify_clients && !*c->tls_ca_file)
		fail(p, seen_line(p, "verify_clients"),
		     "verify_clients needs [tls] ca_file");
	if (!c->auth_algs)
		fail(p, seen_line(p, "algorithms"),
		     "no digest algorithm in [auth] algorithms");
	fill_domain(p);
	if (!*c->realm)
		snprintf(c->realm, sizeof(c->realm), "%s", c->domains[0]);
}

int config_load(const char *path, struct config *cfg, char *err, size_t errlen)
{
	int seen[NKEYS] = { 0 };
	struct parse p = {
		.path = path,
		.cfg = cfg,
		.err = err,
		.errlen = errlen,
		.seen = seen,
	};
	int ret;

	defaults(cfg);
	p.f = fopen(path, "re");
	if (!p.f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	ret = ini_parse_stream(reader, &p, handler, &p);
	fclose(p.f);
	if (ret > 0 && (!p.err_line || ret < p.err_line))
		fail(&p, ret,
		     "syntax error (expected [section] or key = value)");
	else if (ret < 0 && !p.err_line)
		fail(&p, 0, "out of memory");
	if (!p.err_line)
		check(&p);
	if (p.err_line) {
		config_free(cfg);
		return -1;
	}
	return 0;
}

void config_free(struct config *cfg)
{
	for (unsigned int i = 0; i < cfg->ndomains; i++)
		free(cfg->domains[i]);
	cfg->ndomains = 0;
	memset(cfg->domains, 0, sizeof(cfg->domains));
	for (unsigned int i = 0; i < cfg->nroutes; i++) {
		free(cfg->routes[i].prefix);
		free(cfg->routes[i].next_hop);
	}
	free(cfg->routes);
	cfg->routes = NULL;
	cfg->nroutes = 0;
}
