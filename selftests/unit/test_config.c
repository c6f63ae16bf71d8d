// SPDX-License-Identifier: GPL-2.0
/*
 * The configuration file: every key, the defaults (and that the annotated
 * example documents the same ones), and each kind of error with the exact
 * file:line message.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "config.h"
#include "config_media.h"
#include "digest.h"

static char path[64];
static char err[512];
static struct config cfg;

static const char *write_conf(const char *text)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/sipfpd-test-XXXXXX");
	fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

static int load(const char *text)
{
	int ret;

	err[0] = '\0';
	ret = config_load(write_conf(text), &cfg, err, sizeof(err));
	unlink(path);
	return ret;
}

/* Loads @text, expects failure with "PATH:@line: @msg". */
static void expect_err(const char *text, int line, const char *msg)
{
	char want[512];

	CU_ASSERT_EQUAL(load(text), -1);
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, msg);
	CU_ASSERT_STRING_EQUAL(err, want);
	if (strcmp(err, want))
		fprintf(stderr, "\n  got  %s\n  want %s\n", err, want);
}

static void expect_listen(unsigned int i, enum tp_proto proto, const char *ip,
			  uint16_t port)
{
	const struct cfg_listen *l = &cfg.listen[i];
	char buf[INET6_ADDRSTRLEN];

	CU_ASSERT_EQUAL_FATAL(i < cfg.nlisten, 1);
	CU_ASSERT_EQUAL(l->proto, proto);
	if (l->addr.ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)&l->addr;

		inet_ntop(AF_INET6, &s->sin6_addr, buf, sizeof(buf));
		CU_ASSERT_EQUAL(ntohs(s->sin6_port), port);
		CU_ASSERT_EQUAL(l->addrlen, sizeof(*s));
	} else {
		const struct sockaddr_in *s = (const void *)&l->addr;

		CU_ASSERT_EQUAL(l->addr.ss_family, AF_INET);
		inet_ntop(AF_INET, &s->sin_addr, buf, sizeof(buf));
		CU_ASSERT_EQUAL(ntohs(s->sin_port), port);
		CU_ASSERT_EQUAL(l->addrlen, sizeof(*s));
	}
	CU_ASSERT_STRING_EQUAL(buf, ip);
}

static void addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET6 ?
				(const void *)&((const struct sockaddr_in6 *)ss)
					->sin6_addr :
				(const void *)&((const struct sockaddr_in *)ss)
					->sin_addr;

	CU_ASSERT(ss->ss_family == AF_INET || ss->ss_family == AF_INET6);
	inet_ntop(ss->ss_family, a, buf, len);
	/* the port is the relay's to choose */
	CU_ASSERT_EQUAL(((const struct sockaddr_in *)ss)->sin_port, 0);
}

/* media_ifs[@i]: @name, @local, @adv (NULL: none) */
static void expect_media_if(unsigned int i, const char *name, const char *local,
			    const char *adv)
{
	const struct cfg_media_if *m = &cfg.media_ifs[i];
	char buf[INET6_ADDRSTRLEN];

	CU_ASSERT_EQUAL_FATAL(i < cfg.nmedia_ifs, 1);
	CU_ASSERT_STRING_EQUAL(m->name, name);
	addr_str(&m->local, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, local);
	if (!adv) {
		CU_ASSERT_EQUAL(m->advertised.ss_family, 0);
		return;
	}
	CU_ASSERT_EQUAL(m->advertised.ss_family, m->local.ss_family);
	addr_str(&m->advertised, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, adv);
}

static void check_defaults(const struct config *c)
{
	char host[256];

	CU_ASSERT_STRING_EQUAL(c->user, "sipfp");
	CU_ASSERT_STRING_EQUAL(c->state_dir, "/var/lib/sipfp");
	CU_ASSERT_STRING_EQUAL(c->run_dir, "/run/sipfp");
	CU_ASSERT_EQUAL(c->log_level, LOG_LVL_INFO);
	CU_ASSERT_EQUAL(c->nlisten, 2);
	expect_listen(0, TP_UDP, "0.0.0.0", 5060);
	expect_listen(1, TP_TCP, "0.0.0.0", 5060);
	CU_ASSERT_EQUAL(c->t1_ms, 500);
	CU_ASSERT_EQUAL(c->t2_ms, 4000);
	CU_ASSERT_EQUAL(c->t4_ms, 5000);
	CU_ASSERT_EQUAL(c->max_forwards, 70);
	CU_ASSERT_EQUAL(c->rate_limit, 50);
	CU_ASSERT_EQUAL(c->rate_burst, 100);
	CU_ASSERT_EQUAL(c->tcp_idle_timeout, 600);
	CU_ASSERT_EQUAL(c->tcp_max_connections, 4096);
	CU_ASSERT_STRING_EQUAL(c->tls_cert, "");
	CU_ASSERT_STRING_EQUAL(c->tls_key, "");
	CU_ASSERT_STRING_EQUAL(c->tls_ca_file, "");
	CU_ASSERT_EQUAL(c->tls_verify, true);
	CU_ASSERT_EQUAL(c->tls_verify_clients, false);
	CU_ASSERT_EQUAL(c->tls_min_version, 12);
	CU_ASSERT_STRING_EQUAL(c->users_file, "/etc/sipfp/users");
	CU_ASSERT_EQUAL(c->nonce_ttl, 300);
	CU_ASSERT_EQUAL(c->auth_require, true);
	CU_ASSERT_EQUAL(c->min_expires, 60);
	CU_ASSERT_EQUAL(c->max_expires, 3600);
	CU_ASSERT_EQUAL(c->default_expires, 3600);
	CU_ASSERT_EQUAL(c->keepalive_interval, 30);
	CU_ASSERT_EQUAL(c->keepalive_method, KA_OPTIONS);
	CU_ASSERT_EQUAL(c->nroutes, 0);
	CU_ASSERT_EQUAL(c->media_anchor, true);
	CU_ASSERT_EQUAL(c->fastpath, CFG_FP_AUTO);
	CU_ASSERT_EQUAL(c->nmedia_ifs, 0);
	CU_ASSERT_EQUAL(c->port_min, 16384);
	CU_ASSERT_EQUAL(c->port_max, 32767);
	CU_ASSERT_EQUAL(c->port_quarantine, 5);
	CU_ASSERT_EQUAL(c->media_timeout, 60);
	CU_ASSERT_EQUAL(c->latch_window, 10);
	CU_ASSERT_EQUAL(c->max_sessions, 10000);
	CU_ASSERT_EQUAL(c->dscp, 46);
	CU_ASSERT_EQUAL(c->nxdp_ifs, 0);
	CU_ASSERT_EQUAL(c->xdp_mode, CFG_XDP_AUTO);
	/* the domain defaults to the host name, the realm to the domain */
	CU_ASSERT_EQUAL_FATAL(gethostname(host, sizeof(host)), 0);
	for (char *p = host; *p; p++)
		*p = tolower((unsigned char)*p);
	CU_ASSERT_EQUAL_FATAL(c->ndomains, 1);
	CU_ASSERT_STRING_EQUAL(c->domains[0], host);
	CU_ASSERT_PTR_NULL(c->domains[1]);
	CU_ASSERT_STRING_EQUAL(c->realm, host);
}

static void test_defaults(void)
{
	CU_ASSERT_EQUAL_FATAL(load("; nothing but a comment\n"), 0);
	check_defaults(&cfg);
	config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(load(""), 0);
	check_defaults(&cfg);
	config_free(&cfg);
}

static const char full[] =
	"[general]\n"
	"user = nobody\n"
	"state_dir = /tmp/state\n"
	"run_dir = /tmp/run\n"
	"log_level = debug\n"
	"[sip]\n"
	"listen = udp:192.0.2.1:5070 udp:[2001:db8::1]:5080\n"
	"  tcp:[::] tls:198.51.100.7\n"
	"domain = Example.ORG example.net\n"
	"domain = [2001:db8::1]\n"
	"t1_ms = 250\n"
	"t2_ms = 2000\n"
	"t4_ms = 2500\n"
	"max_forwards = 20\n"
	"rate_limit = 0 ; off\n"
	"rate_burst = 7\n"
	"tcp_idle_timeout = 90\n"
	"tcp_max_connections = 10\n"
	"[tls]\n"
	"cert = /tmp/c.pem\n"
	"key = /tmp/k.pem\n"
	"ca_file = /tmp/ca.pem\n"
	"verify = no\n"
	"verify_clients = yes\n"
	"min_version = 1.3\n"
	"[auth]\n"
	"users_file = /tmp/users\n"
	"realm = sip.example.org\n"
	"nonce_ttl = 60\n"
	"require = no\n"
	"[registrar]\n"
	"min_expires = 30\n"
	"max_expires = 600\n"
	"default_expires = 120\n"
	"[nat]\n"
	"keepalive_interval = 0\n"
	"keepalive_method = crlf\n"
	"[media]\n"
	"anchor = no\n"
	"fastpath = XDP\n"
	"interfaces = in=192.0.2.1 in=[2001:db8::1]\n"
	"  out=198.51.100.1/203.0.113.7 v6-out_2=2001:db8:1::1/[2001:db8:2::2]\n"
	"port_min = 1024\n"
	"port_max = 65535\n"
	"port_quarantine = 0\n"
	"media_timeout = 0\n"
	"latch_window = 300\n"
	"max_sessions = 1\n"
	"dscp = 0\n"
	"[routes]\n"
	"+44 = sip:trunk.example.net:5060;transport=udp\n"
	"0049 = sip:[2001:db8::9];transport=tcp ; comment\n"
	"* = sips:gw.example.com\n";

static void test_every_key(void)
{
	CU_ASSERT_EQUAL_FATAL(load(full), 0);
	CU_ASSERT_STRING_EQUAL(cfg.user, "nobody");
	CU_ASSERT_STRING_EQUAL(cfg.state_dir, "/tmp/state");
	CU_ASSERT_STRING_EQUAL(cfg.run_dir, "/tmp/run");
	CU_ASSERT_EQUAL(cfg.log_level, LOG_LVL_DEBUG);
	CU_ASSERT_EQUAL(cfg.nlisten, 4);
	expect_listen(0, TP_UDP, "192.0.2.1", 5070);
	expect_listen(1, TP_UDP, "2001:db8::1", 5080);
	expect_listen(2, TP_TCP, "::", 5060);
	expect_listen(3, TP_TLS, "198.51.100.7", 5061);
	CU_ASSERT_EQUAL_FATAL(cfg.ndomains, 3);
	CU_ASSERT_STRING_EQUAL(cfg.domains[0], "example.org");
	CU_ASSERT_STRING_EQUAL(cfg.domains[1], "example.net");
	CU_ASSERT_STRING_EQUAL(cfg.domains[2], "[2001:db8::1]");
	CU_ASSERT_PTR_NULL(cfg.domains[3]);
	CU_ASSERT_EQUAL(cfg.t1_ms, 250);
	CU_ASSERT_EQUAL(cfg.t2_ms, 2000);
	CU_ASSERT_EQUAL(cfg.t4_ms, 2500);
	CU_ASSERT_EQUAL(cfg.max_forwards, 20);
	CU_ASSERT_EQUAL(cfg.rate_limit, 0);
	CU_ASSERT_EQUAL(cfg.rate_burst, 7);
	CU_ASSERT_EQUAL(cfg.tcp_idle_timeout, 90);
	CU_ASSERT_EQUAL(cfg.tcp_max_connections, 10);
	CU_ASSERT_STRING_EQUAL(cfg.tls_cert, "/tmp/c.pem");
	CU_ASSERT_STRING_EQUAL(cfg.tls_key, "/tmp/k.pem");
	CU_ASSERT_STRING_EQUAL(cfg.tls_ca_file, "/tmp/ca.pem");
	CU_ASSERT_EQUAL(cfg.tls_verify, false);
	CU_ASSERT_EQUAL(cfg.tls_verify_clients, true);
	CU_ASSERT_EQUAL(cfg.tls_min_version, 13);
	CU_ASSERT_STRING_EQUAL(cfg.users_file, "/tmp/users");
	CU_ASSERT_STRING_EQUAL(cfg.realm, "sip.example.org");
	CU_ASSERT_EQUAL(cfg.nonce_ttl, 60);
	CU_ASSERT_EQUAL(cfg.auth_require, false);
	CU_ASSERT_EQUAL(cfg.min_expires, 30);
	CU_ASSERT_EQUAL(cfg.max_expires, 600);
	CU_ASSERT_EQUAL(cfg.default_expires, 120);
	CU_ASSERT_EQUAL(cfg.keepalive_interval, 0);
	CU_ASSERT_EQUAL(cfg.keepalive_method, KA_CRLF);
	CU_ASSERT_EQUAL(cfg.media_anchor, false);
	CU_ASSERT_EQUAL(cfg.fastpath, CFG_FP_XDP);
	CU_ASSERT_EQUAL(cfg.nmedia_ifs, 4);
	expect_media_if(0, "in", "192.0.2.1", NULL);
	expect_media_if(1, "in", "2001:db8::1", NULL);
	expect_media_if(2, "out", "198.51.100.1", "203.0.113.7");
	expect_media_if(3, "v6-out_2", "2001:db8:1::1", "2001:db8:2::2");
	CU_ASSERT_EQUAL(cfg.port_min, 1024);
	CU_ASSERT_EQUAL(cfg.port_max, 65535);
	CU_ASSERT_EQUAL(cfg.port_quarantine, 0);
	CU_ASSERT_EQUAL(cfg.media_timeout, 0);
	CU_ASSERT_EQUAL(cfg.latch_window, 300);
	CU_ASSERT_EQUAL(cfg.max_sessions, 1);
	CU_ASSERT_EQUAL(cfg.dscp, 0);
	CU_ASSERT_EQUAL_FATAL(cfg.nroutes, 3);
	CU_ASSERT_STRING_EQUAL(cfg.routes[0].prefix, "+44");
	CU_ASSERT_STRING_EQUAL(cfg.routes[0].next_hop,
			       "sip:trunk.example.net:5060;transport=udp");
	CU_ASSERT_STRING_EQUAL(cfg.routes[1].prefix, "0049");
	CU_ASSERT_STRING_EQUAL(cfg.routes[1].next_hop,
			       "sip:[2001:db8::9];transport=tcp");
	CU_ASSERT_STRING_EQUAL(cfg.routes[2].prefix, "*");
	CU_ASSERT_STRING_EQUAL(cfg.routes[2].next_hop, "sips:gw.example.com");
	config_free(&cfg);
	CU_ASSERT_EQUAL(cfg.nroutes, 0);
	CU_ASSERT_PTR_NULL(cfg.routes);
	CU_ASSERT_PTR_NULL(cfg.domains[0]);
}

static bool trusted(const char *ip)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} a = { 0 };

	if (inet_pton(AF_INET, ip, &a.sin.sin_addr) == 1)
		a.sa.sa_family = AF_INET;
	else if (inet_pton(AF_INET6, ip, &a.sin6.sin6_addr) == 1)
		a.sa.sa_family = AF_INET6;
	return config_trusted(&cfg, &a.sa);
}

static void test_values(void)
{
	CU_ASSERT_EQUAL_FATAL(load("[auth]\nrequire = TRUE\n"
				   "[general]\nlog_level = warn\nuser =\n"),
			      0);
	CU_ASSERT_EQUAL(cfg.auth_require, true);
	CU_ASSERT_EQUAL(cfg.log_level, LOG_LVL_WARN);
	CU_ASSERT_STRING_EQUAL(cfg.user, "");
	CU_ASSERT_EQUAL(cfg.auth_algs, DIGEST_ALGS_DEFAULT);
	config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(
		load("[auth]\ntrusted = 192.0.2.10 198.51.100.0/23\n"
		     " 2001:db8:5::/48\n"),
		0);
	CU_ASSERT_EQUAL(cfg.ntrusted, 3);
	CU_ASSERT(trusted("192.0.2.10"));
	CU_ASSERT(!trusted("192.0.2.11"));
	CU_ASSERT(trusted("198.51.101.255"));
	CU_ASSERT(!trusted("203.0.113.1"));
	CU_ASSERT(trusted("2001:db8:5:ffff::1"));
	CU_ASSERT(!trusted("2001:db8:6::1"));
	config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(
		load("[auth]\ntrusted = 198.51.100.128/25 ::/0\n"), 0);
	CU_ASSERT(trusted("2001:db8:6::1"));
	CU_ASSERT(!trusted("198.51.100.127"));
	CU_ASSERT(trusted("198.51.100.128"));
	config_free(&cfg);
	/* a list line replaces the default; a continuation adds */
	CU_ASSERT_EQUAL_FATAL(load("[auth]\nalgorithms = MD5\n sha-512-256\n"),
			      0);
	CU_ASSERT_EQUAL(cfg.auth_algs,
			DIGEST_ALG(DIGEST_MD5) | DIGEST_ALG(DIGEST_SHA512_256));
	config_free(&cfg);
	/* bounds are inclusive */
	CU_ASSERT_EQUAL_FATAL(load("[sip]\nmax_forwards = 255\nt1_ms = 1\n"),
			      0);
	CU_ASSERT_EQUAL(cfg.max_forwards, 255);
	CU_ASSERT_EQUAL(cfg.t1_ms, 1);
	config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(load("[sip]\nmax_transactions = 1000\n"), 0);
	CU_ASSERT_EQUAL(cfg.max_transactions, 1000);
	config_free(&cfg);
}

static void test_errors(void)
{
	char line[300];

	expect_err("[general]\nuser = x\n\n[sip]\nfoo = 1\n", 5,
		   "unknown key 'foo' in [sip]");
	expect_err("\n[bogus]\na = b\n", 3, "unknown section [bogus]");
	expect_err("user = x\n", 1, "key 'user' outside a section");
	expect_err("[sip]\nt1_ms = 0\n", 2,
		   "bad value '0' for t1_ms (expected 1 to 60000)");
	expect_err("[sip]\nt1_ms = 12x\n", 2,
		   "bad value '12x' for t1_ms (expected 1 to 60000)");
	expect_err("[sip]\nrate_limit = -1\n", 2,
		   "bad value '-1' for rate_limit (expected 0 to 1000000)");
	expect_err(
		"[sip]\nmax_forwards = 99999999999999999999\n", 2,
		"bad value '99999999999999999999' for max_forwards (expected 1 to 255)");
	expect_err("[auth]\nrequire = maybe\n", 2,
		   "bad value 'maybe' for require (expected yes or no)");
	expect_err(
		"[general]\nlog_level = loud\n", 2,
		"bad value 'loud' for log_level (expected err, warn, info or debug)");
	expect_err(
		"[nat]\nkeepalive_method = ping\n", 2,
		"bad value 'ping' for keepalive_method (expected options or crlf)");
	expect_err("[sip]\nt4_ms = 1\nt4_ms = 2\n", 3,
		   "duplicate key 't4_ms' in [sip] (first set on line 2)");
	expect_err(
		"[sip]\nlisten = udp:0.0.0.0\n[general]\nthis line is junk\n",
		4, "syntax error (expected [section] or key = value)");
	/* the first fault wins, whatever kind it is */
	expect_err("[sip]\njunk\nfoo = 1\n", 2,
		   "syntax error (expected [section] or key = value)");
	expect_err("[sip]\nfoo = 1\njunk\n", 2, "unknown key 'foo' in [sip]");
	expect_err("[sip]\nt1_ms = 700\nt2_ms = 600\n", 3,
		   "t2_ms (600) is less than t1_ms (700)");
	expect_err("[registrar]\nmax_expires = 30\n", 2,
		   "min_expires (60) is more than max_expires (30)");
	expect_err(
		"[registrar]\ndefault_expires = 30\n", 2,
		"default_expires (30) is outside min_expires..max_expires (60..3600)");
	expect_err("[registrar]\nmin_expires = 3601\n", 2,
		   "bad value '3601' for min_expires (expected 1 to 3600)");
	memset(line, 'a', sizeof(line));
	memcpy(line, "[general]\nuser = ", 17);
	strcpy(line + 250, "\n");
	expect_err(line, 2, "line longer than 199 bytes");
}

static void test_list_errors(void)
{
	char text[1024];
	int n;

	expect_err("[sip]\nlisten = udp:0.0.0.0:5060 sctp:0.0.0.0\n", 2,
		   "bad listen entry 'sctp:0.0.0.0'");
	expect_err("[sip]\nlisten = udp:0.0.0.0:0\n", 2,
		   "bad listen entry 'udp:0.0.0.0:0'");
	expect_err("[sip]\nlisten = udp:0.0.0.0:65536\n", 2,
		   "bad listen entry 'udp:0.0.0.0:65536'");
	expect_err("[sip]\nlisten = udp:2001:db8::1\n", 2,
		   "bad listen entry 'udp:2001:db8::1'");
	expect_err("[sip]\nlisten = udp:[192.0.2.1]\n", 2,
		   "bad listen entry 'udp:[192.0.2.1]'");
	expect_err("[sip]\nlisten = tcp:proxy.example.org\n", 2,
		   "bad listen entry 'tcp:proxy.example.org'");
	expect_err("[sip]\ndomain = example.org bad_name\n", 2,
		   "bad domain entry 'bad_name'");
	expect_err("[auth]\nalgorithms = sha-256 md5-sess\n", 2,
		   "bad algorithms entry 'md5-sess'");
	expect_err("[auth]\nalgorithms = sha-1\n", 2,
		   "bad algorithms entry 'sha-1'");
	expect_err("[auth]\ntrusted = 192.0.2.1/24\n", 2,
		   "bad trusted entry '192.0.2.1/24'");
	expect_err("[auth]\ntrusted = 192.0.2.0/33\n", 2,
		   "bad trusted entry '192.0.2.0/33'");
	expect_err("[auth]\ntrusted = trunk.example.net\n", 2,
		   "bad trusted entry 'trunk.example.net'");
	expect_err("[sip]\nlisten = udp:0.0.0.0\n  tls:0.0.0.0\n", 3,
		   "a tls listen address needs [tls] cert and key");
	expect_err("[tls]\nverify = yes\nverify_clients = yes\n", 3,
		   "verify_clients needs [tls] ca_file");
	expect_err("[tls]\nmin_version = 1.1\n", 2,
		   "bad value '1.1' for min_version (expected 1.2 or 1.3)");
	n = snprintf(text, sizeof(text), "[sip]\nlisten =");
	for (int i = 0; i < CFG_MAX_LISTEN + 1; i++)
		n += snprintf(text + n, sizeof(text) - n, "\n udp:192.0.2.%d",
			      i + 1);
	snprintf(text + n, sizeof(text) - n, "\n");
	expect_err(text, 3 + CFG_MAX_LISTEN, "more than 16 listen addresses");
}

static void test_route_errors(void)
{
	expect_err("[routes]\n+44 = sip:a.example\n+44 = sip:b.example\n", 3,
		   "duplicate route for +44");
	expect_err(
		"[routes]\n44a = sip:a.example\n", 2,
		"bad route prefix '44a' (expected digits, an optional leading '+', or '*')");
	expect_err(
		"[routes]\n+ = sip:a.example\n", 2,
		"bad route prefix '+' (expected digits, an optional leading '+', or '*')");
	expect_err(
		"[routes]\n1 = http://a.example/\n", 2,
		"bad next hop 'http://a.example/' for 1 (expected sip:host[:port][;params])");
	expect_err(
		"[routes]\n1 = sip:bob@a.example\n", 2,
		"bad next hop 'sip:bob@a.example' for 1 (expected sip:host[:port][;params])");
}

static void test_media_values(void)
{
	const struct cfg_media_if *m;

	/* a later line adds interfaces; a name takes one address per family */
	CU_ASSERT_EQUAL_FATAL(load("[media]\ninterfaces = a=127.0.0.1\n"
				   "fastpath = relay\nanchor = on\n"
				   "interfaces = b=::1 a=::1/2001:db8::7\n"),
			      0);
	CU_ASSERT_EQUAL(cfg.fastpath, CFG_FP_RELAY);
	CU_ASSERT_EQUAL(cfg.media_anchor, true);
	CU_ASSERT_EQUAL_FATAL(cfg.nmedia_ifs, 3);
	expect_media_if(0, "a", "127.0.0.1", NULL);
	expect_media_if(1, "b", "::1", NULL);
	expect_media_if(2, "a", "::1", "2001:db8::7");
	CU_ASSERT_PTR_EQUAL(config_media_if(&cfg, "a", AF_INET6),
			    &cfg.media_ifs[2]);
	CU_ASSERT_PTR_EQUAL(config_media_if(&cfg, "a", AF_UNSPEC),
			    &cfg.media_ifs[0]);
	CU_ASSERT_PTR_NULL(config_media_if(&cfg, "b", AF_INET));
	CU_ASSERT_PTR_NULL(config_media_if(&cfg, "c", AF_UNSPEC));
	m = config_media_if(&cfg, "b", AF_INET6);
	CU_ASSERT_PTR_EQUAL(m, &cfg.media_ifs[1]);
	config_free(&cfg);
	CU_ASSERT_EQUAL_FATAL(load("[media]\nfastpath = kmod\n"), 0);
	CU_ASSERT_EQUAL(cfg.fastpath, CFG_FP_KMOD);
	CU_ASSERT_STRING_EQUAL(config_fastpath_name(cfg.fastpath), "kmod");
	CU_ASSERT_STRING_EQUAL(config_fastpath_name(CFG_FP_AUTO), "auto");
	config_free(&cfg);
	/* the smallest range: one pair */
	CU_ASSERT_EQUAL_FATAL(
		load("[media]\nport_min = 40000\nport_max = 40001\n"), 0);
	CU_ASSERT_EQUAL(cfg.port_min, 40000);
	CU_ASSERT_EQUAL(cfg.port_max, 40001);
	config_free(&cfg);
}

static void test_media_errors(void)
{
	char text[1024];
	int n;

	expect_err("[media]\nanchor = maybe\n", 2,
		   "bad value 'maybe' for anchor (expected yes or no)");
	expect_err(
		"[media]\nfastpath = dpdk\n", 2,
		"bad value 'dpdk' for fastpath (expected auto, kmod, xdp or relay)");
	expect_err("[media]\nport_min = 1022\n", 2,
		   "bad value '1022' for port_min (expected 1024 to 65535)");
	expect_err("[media]\nport_max = 65537\n", 2,
		   "bad value '65537' for port_max (expected 1024 to 65535)");
	expect_err("[media]\nport_min = 30001\n", 2,
		   "port_min (30001) is odd (expected an even port)");
	expect_err("[media]\nport_max = 40000\n", 2,
		   "port_max (40000) is even (expected an odd port)");
	expect_err("[media]\nport_min = 40000\n", 2,
		   "port_min (40000) is more than port_max (32767)");
	expect_err("[media]\nport_min = 20000\nport_max = 10001\n", 3,
		   "port_min (20000) is more than port_max (10001)");
	expect_err("[media]\nport_max = 10001\n\nport_min = 20000\n", 4,
		   "port_min (20000) is more than port_max (10001)");
	expect_err("[media]\nport_max = 20001\nport_max = 20003\n", 3,
		   "duplicate key 'port_max' in [media] (first set on line 2)");
	expect_err("[media]\nport_quarantine = 3601\n", 2,
		   "bad value '3601' for port_quarantine (expected 0 to 3600)");
	expect_err("[media]\nmedia_timeout = -1\n", 2,
		   "bad value '-1' for media_timeout (expected 0 to 86400)");
	expect_err("[media]\nlatch_window = 301\n", 2,
		   "bad value '301' for latch_window (expected 0 to 300)");
	expect_err("[media]\nmax_sessions = 0\n", 2,
		   "bad value '0' for max_sessions (expected 1 to 1000000)");
	expect_err("[media]\ndscp = 64\n", 2,
		   "bad value '64' for dscp (expected 0 to 63)");
	expect_err("[media]\ndscp = ef\n", 2,
		   "bad value 'ef' for dscp (expected 0 to 63)");
	expect_err("[media]\nrtp_proxy = yes\n", 2,
		   "unknown key 'rtp_proxy' in [media]");
	n = snprintf(text, sizeof(text), "[media]\ninterfaces =");
	for (int i = 0; i < CFG_MAX_MEDIA_IFS + 1; i++)
		n += snprintf(text + n, sizeof(text) - n, "\n i%d=192.0.2.%d",
			      i, i + 1);
	snprintf(text + n, sizeof(text) - n, "\n");
	expect_err(text, 3 + CFG_MAX_MEDIA_IFS, "more than 16 interfaces");
}

/* Each bad interfaces entry, with why. */
static void test_media_if_errors(void)
{
	static const struct {
		const char *item, *why;
	} bad[] = {
		{ "in", "expected NAME=ADDRESS[/ADVERTISED]" },
		{ "=192.0.2.1",
		  "a name is 1 to 31 letters, digits, '_' or '-'" },
		{ "a.b=192.0.2.1",
		  "a name is 1 to 31 letters, digits, '_' or '-'" },
		{ "abcdefghijklmnopqrstuvwxyz012345=192.0.2.1",
		  "a name is 1 to 31 letters, digits, '_' or '-'" },
		{ "in=",
		  "expected NAME=ADDRESS[/ADVERTISED], numeric addresses" },
		{ "in=192.0.2.256",
		  "expected NAME=ADDRESS[/ADVERTISED], numeric addresses" },
		{ "in=media.example.net",
		  "expected NAME=ADDRESS[/ADVERTISED], numeric addresses" },
		{ "in=[192.0.2.1]",
		  "expected NAME=ADDRESS[/ADVERTISED], numeric addresses" },
		{ "in=[2001:db8::1",
		  "expected NAME=ADDRESS[/ADVERTISED], numeric addresses" },
		{ "in=192.0.2.1:5060",
		  "expected NAME=ADDRESS[/ADVERTISED], numeric addresses" },
		{ "in=192.0.2.1/",
		  "expected NAME=ADDRESS[/ADVERTISED], numeric addresses" },
		{ "in=192.0.2.1/24",
		  "expected NAME=ADDRESS[/ADVERTISED], numeric addresses" },
		{ "in=192.0.2.1/203.0.113.1/198.51.100.1",
		  "expected NAME=ADDRESS[/ADVERTISED], numeric addresses" },
		{ "in=0.0.0.0", "not a unicast address a peer can send to" },
		{ "in=[::]", "not a unicast address a peer can send to" },
		{ "in=224.0.0.1", "not a unicast address a peer can send to" },
		{ "in=255.255.255.255",
		  "not a unicast address a peer can send to" },
		{ "in=ff02::1", "not a unicast address a peer can send to" },
		{ "in=fe80::1", "not a unicast address a peer can send to" },
		{ "in=::ffff:192.0.2.1",
		  "not a unicast address a peer can send to" },
		{ "in=192.0.2.1/0.0.0.0",
		  "not a unicast address a peer can send to" },
		{ "in=192.0.2.1/2001:db8::1",
		  "the advertised address is of another family" },
		{ "in=[2001:db8::1]/203.0.113.1",
		  "the advertised address is of another family" },
	};
	char text[256], msg[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
			 "[media]\ninterfaces = ok=192.0.2.9 %s\n",
			 bad[i].item);
		snprintf(msg, sizeof(msg), "bad interfaces entry '%s' (%s)",
			 bad[i].item, bad[i].why);
		expect_err(text, 2, msg);
	}
	expect_err("[media]\ninterfaces = in=192.0.2.1\n in=192.0.2.2\n", 3,
		   "bad interfaces entry 'in=192.0.2.2' "
		   "(the name already has an IPv4 address)");
	expect_err("[media]\ninterfaces = in=::1 in=[2001:db8::1]\n", 2,
		   "bad interfaces entry 'in=[2001:db8::1]' "
		   "(the name already has an IPv6 address)");
}

/* xdp_interfaces adds up over lines; xdp_mode takes three words. */
static void test_media_xdp(void)
{
	char text[512];
	int n;

	CU_ASSERT_EQUAL_FATAL(load("[media]\nxdp_interfaces = eth0 eth1\n"
				   "xdp_interfaces = eth1.7\n"
				   "xdp_mode = Native\n"),
			      0);
	CU_ASSERT_EQUAL_FATAL(cfg.nxdp_ifs, 3);
	CU_ASSERT_STRING_EQUAL(cfg.xdp_ifs[0], "eth0");
	CU_ASSERT_STRING_EQUAL(cfg.xdp_ifs[2], "eth1.7");
	CU_ASSERT_EQUAL(cfg.xdp_mode, CFG_XDP_NATIVE);
	config_free(&cfg);
	expect_err("[media]\nxdp_mode = fast\n", 2,
		   "bad value 'fast' for xdp_mode (expected auto, native or "
		   "generic)");
	expect_err("[media]\nxdp_interfaces = abcdefghijklmnop\n", 2,
		   "bad xdp_interfaces entry 'abcdefghijklmnop' (not a "
		   "device name)");
	n = snprintf(text, sizeof(text), "[media]\nxdp_interfaces =");
	for (int i = 0; i <= CFG_MAX_XDP_IFS; i++)
		n += snprintf(text + n, sizeof(text) - n, " e%d", i);
	snprintf(text + n, sizeof(text) - n, "\n");
	expect_err(text, 2, "more than 32 xdp_interfaces");
}

static void test_missing_file(void)
{
	CU_ASSERT_EQUAL(config_load("/nonexistent/sipfpd.conf", &cfg, err,
				    sizeof(err)),
			-1);
	CU_ASSERT_STRING_EQUAL(
		err, "/nonexistent/sipfpd.conf: No such file or directory");
}

/*
 * The annotated example: with every commented-out key of the sections
 * whose defaults are fixed switched on, it must load to the defaults, so
 * the documentation cannot drift from the code.
 */
static void test_example_documents_defaults(void)
{
	static const char *const skip[] = {
		"domain",     "realm",		"cert", "key", "ca_file",
		"interfaces", "xdp_interfaces", "control_group", NULL
	};
	FILE *f = fopen("daemon/sipfpd.conf", "r");
	char text[16384], line[256], key[64];
	size_t n = 0;
	int keys = 0;
	bool on = true;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	while (fgets(line, sizeof(line), f)) {
		const char *const *s;

		if (line[0] == '[')
			on = strcmp(line, "[routes]\n");
		if (on && line[0] == ';' &&
		    sscanf(line + 1, "%63[a-z_0-9] =", key) == 1) {
			for (s = skip; *s && strcmp(*s, key); s++)
				;
			if (!*s) {
				keys++;
				n += snprintf(text + n, sizeof(text) - n, "%s",
					      line + 1);
				continue;
			}
		}
		n += snprintf(text + n, sizeof(text) - n, "%s", line);
	}
	fclose(f);
	CU_ASSERT_FATAL(n < sizeof(text));
	/*
	 * every key but domain, realm, cert, key, ca_file, interfaces,
	 * xdp_interfaces and control_group: no fixed default
	 */
	CU_ASSERT_EQUAL(keys, 38);
	CU_ASSERT_EQUAL_FATAL(load(text), 0);
	if (*err)
		fprintf(stderr, "\n  %s\n", err);
	check_defaults(&cfg);
	config_free(&cfg);
}

/* [general] control_group and metrics (config_ctl.c) */
static void test_control_keys(void)
{
	const struct sockaddr_in *s4 = (const void *)&cfg.metrics;
	const struct sockaddr_in6 *s6 = (const void *)&cfg.metrics;
	static const char *const bad[] = { "0", "65536", "x", "1.2.3.4:",
					   "[::1", "[::1]x", "1.2.3.4:5:6" };
	char text[128];

	CU_ASSERT_EQUAL(load("[general]\ncontrol_group = root\nmetrics = 9\n"),
			0);
	CU_ASSERT_STRING_EQUAL(cfg.control_group, "root");
	CU_ASSERT_EQUAL(s4->sin_family, AF_INET);
	CU_ASSERT_EQUAL(s4->sin_addr.s_addr, htonl(INADDR_LOOPBACK));
	CU_ASSERT_EQUAL(ntohs(s4->sin_port), 9);
	config_free(&cfg);
	CU_ASSERT_EQUAL(load("[general]\nmetrics = [::1]:9477\n"), 0);
	CU_ASSERT_EQUAL(s6->sin6_family, AF_INET6);
	CU_ASSERT_EQUAL(cfg.metrics_len, sizeof(*s6));
	config_free(&cfg);
	CU_ASSERT_EQUAL(load("[general]\nmetrics = 0.0.0.0\n"), 0);
	CU_ASSERT_EQUAL(ntohs(s4->sin_port), 9477);
	config_free(&cfg);
	CU_ASSERT_EQUAL(load("[general]\nmetrics = off\n"), 0);
	CU_ASSERT_EQUAL(cfg.metrics_len, 0);
	config_free(&cfg);
	expect_err("[general]\n\ncontrol_group = no-such-group-here\n", 3,
		   "control_group 'no-such-group-here': no such group");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char want[128];

		snprintf(text, sizeof(text), "[general]\nmetrics = %s\n", bad[i]);
		snprintf(want, sizeof(want),
			 "bad value '%s' for metrics (expected PORT, "
			 "ADDRESS:PORT, [IPV6]:PORT or off)",
			 bad[i]);
		expect_err(text, 2, want);
	}
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("config", NULL, NULL);
	CU_add_test(s, "defaults", test_defaults);
	CU_add_test(s, "every key", test_every_key);
	CU_add_test(s, "value forms", test_values);
	CU_add_test(s, "errors name the line", test_errors);
	CU_add_test(s, "listen and domain errors", test_list_errors);
	CU_add_test(s, "route errors", test_route_errors);
	CU_add_test(s, "media values", test_media_values);
	CU_add_test(s, "control_group and metrics", test_control_keys);
	CU_add_test(s, "media errors", test_media_errors);
	CU_add_test(s, "media interfaces errors", test_media_if_errors);
	CU_add_test(s, "media xdp", test_media_xdp);
	CU_add_test(s, "missing file", test_missing_file);
	CU_add_test(s, "example documents defaults",
		    test_example_documents_defaults);
	return tu_run_registered();
}
