// SPDX-License-Identifier: GPL-2.0
/*
 * TLS over the stream transport, in one process: sipfpd's transport
 * listens on a loopback tls address and tp_send() opens a connection to
 * it, so the client and the server context meet in one event loop.
 * Certificates come from tools/gencert.sh at the start.  Covers
 * verification by name, by address, against the wrong CA and the wrong
 * name, client certificates, many messages in one record, a large
 * message, TLS 1.3 only, the errors of tls_init() and a failed reload
 * keeping the running pair.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "event.h"
#include "log.h"
#include "stream.h"
#include "tls.h"
#include "transport.h"

#define BIG_BODY 60000

static char dir[] = "/tmp/sipfp-tls-XXXXXX";
static char crt[128], key[128], other_crt[128], other_key[128];
static struct config cfg;
static union tp_addr srv;
static unsigned int requests, responses, big_seen;
static struct ev_timer deadline;
static bool (*until)(void);
static bool expired;

static void path(char *buf, const char *name)
{
	snprintf(buf, 128, "%s/%s", dir, name);
}

static int gen(const char *name)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd),
		 "tools/gencert.sh %s %s 127.0.0.1 ::1 >/dev/null", dir, name);
	return system(cmd);
}

static int write_file(const char *name, const char *text)
{
	char p[128];
	FILE *f;

	path(p, name);
	f = fopen(p, "w");
	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int suite_init(void)
{
	char cmd[512];

	signal(SIGPIPE, SIG_IGN);
	log_init(1, LOG_LVL_INFO);
	if (!mkdtemp(dir) || gen("localhost") || gen("other"))
		return -1;
	path(crt, "localhost.crt");
	path(key, "localhost.key");
	path(other_crt, "other.crt");
	path(other_key, "other.key");
	snprintf(cmd, sizeof(cmd),
		 "openssl pkey -in %s -aes256 -passout pass:x -out %s/enc.key",
		 key, dir);
	if (system(cmd) || write_file("junk.pem", "not a certificate\n"))
		return -1;
	return 0;
}

static int suite_clean(void)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* A free loopback port: the kernel's pick, released for tp_init(). */
static uint16_t free_port(void)
{
	union tp_addr a = { .sin = { .sin_family = AF_INET } };
	socklen_t len = sizeof(a.sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT_FATAL(!bind(fd, &a.sa, sizeof(a.sin)));
	CU_ASSERT_FATAL(!getsockname(fd, &a.sa, &len));
	close(fd);
	return ntohs(a.sin.sin_port);
}

static void base_conf(const char *ca, bool verify)
{
	struct sockaddr_in *l = (struct sockaddr_in *)&cfg.listen[0].addr;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", crt);
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", key);
	snprintf(cfg.tls_ca_file, sizeof(cfg.tls_ca_file), "%s", ca);
	cfg.tls_verify = verify;
	cfg.tls_min_version = 12;
	cfg.tcp_idle_timeout = 600;
	cfg.tcp_max_connections = 64;
	cfg.nlisten = 1;
	cfg.listen[0].proto = TP_TLS;
	cfg.listen[0].addrlen = sizeof(*l);
	l->sin_family = AF_INET;
	l->sin_port = htons(free_port());
	l->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memcpy(&srv, l, sizeof(*l));
}

static const char *message(char *buf, size_t size, unsigned int n, size_t body)
{
	size_t off = snprintf(buf, size,
			      "OPTIONS sip:127.0.0.1 SIP/2.0\r\n"
			      "Via: SIP/2.0/TLS 127.0.0.1;branch=z9hG4bK%u\r\n"
			      "Call-ID: %u@test\r\nCSeq: 1 OPTIONS\r\n"
			      "Content-Length: %zu\r\n\r\n",
			      n, n, body);

	memset(buf + off, 'x', body);
	buf[off + body] = '\0';
	return buf;
}

static void on_recv(const char *buf, size_t len, const struct sip_peer *peer)
{
	static const char ok[] = "SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n";

	if (len > BIG_BODY)
		big_seen++;
	if (!strncmp(buf, "SIP/2.0 ", 8)) {
		responses++;
		return;
	}
	requests++;
	CU_ASSERT_EQUAL(peer->proto, TP_TLS);
	CU_ASSERT_EQUAL(tp_send(peer, ok, sizeof(ok) - 1), 0);
}

static void tick(void)
{
	if (expired || until())
		ev_break();
}

static void on_deadline(struct ev_timer *t, void *arg)
{
	expired = true;
}

/* Runs the loop until @cond holds, at most 5 s; returns @cond. */
static bool run(bool (*cond)(void))
{
	until = cond;
	expired = false;
	ev_timer_init(&deadline, on_deadline, NULL);
	ev_timer_add(&deadline, 5000);
	ev_run(tick);
	ev_timer_del(&deadline);
	return cond();
}

static unsigned int want;

static bool answered(void)
{
	return responses >= want;
}

static bool all_closed(void)
{
	return tp_stats.tcp_conns == 0;
}

static int start(void)
{
	int ret;

	requests = responses = big_seen = 0;
	memset(&tls_stats, 0, sizeof(tls_stats));
	CU_ASSERT_EQUAL_FATAL(ev_init(), 0);
	ret = tls_init(&cfg);
	if (ret)
		return ret;
	CU_ASSERT_EQUAL_FATAL(tp_init(&cfg, on_recv), 0);
	return 0;
}

static void stop(void)
{
	tp_exit();
	tls_exit();
	ev_exit();
	CU_ASSERT_PTR_NULL(tls_stream_ops);
}

static void send_options(unsigned int n, size_t body)
{
	static char buf[BIG_BODY + 512];
	struct sip_peer p = { .proto = TP_TLS, .addr = srv };

	message(buf, sizeof(buf), n, body);
	CU_ASSERT_EQUAL(tp_send(&p, buf, strlen(buf)), 0);
}

/* One OPTIONS over a fresh connection: true when it was answered. */
static bool round_trip(void)
{
	want = 1;
	send_options(1, 0);
	return run(answered) && requests == 1 && responses == 1;
}

/*
 * The connection fails: no message either way, both sides count the
 * failure.  In TLS 1.3 a client is done before the server has checked
 * its certificate: @done handshakes completed.
 */
static void expect_refused(unsigned int done)
{
	send_options(1, 0);
	CU_ASSERT_TRUE(run(all_closed));
	CU_ASSERT_EQUAL(requests, 0);
	CU_ASSERT_EQUAL(responses, 0);
	CU_ASSERT_EQUAL(tls_stats.handshakes, done);
	CU_ASSERT_EQUAL(tls_stats.failed, 2 - done);
}

static void test_by_name(void)
{
	base_conf(crt, true);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_EQUAL(tls_peer_name(&srv, "localhost"), 0);
	CU_ASSERT_TRUE(round_trip());
	CU_ASSERT_EQUAL(tls_stats.handshakes, 2);
	CU_ASSERT_EQUAL(tls_stats.failed, 0);
	CU_ASSERT_EQUAL(tp_stats.tcp_conns, 2);
	stop();
	CU_ASSERT_EQUAL(tp_stats.tcp_conns, 0);
}

static void test_by_address(void)
{
	base_conf(crt, true);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_TRUE(round_trip());
	stop();
}

static void test_wrong_name(void)
{
	base_conf(crt, true);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_EQUAL(tls_peer_name(&srv, "sip.example.net"), 0);
	expect_refused(0);
	/* forgotten: the address is checked again, and matches */
	CU_ASSERT_EQUAL(tls_peer_name(&srv, NULL), 0);
	CU_ASSERT_TRUE(round_trip());
	stop();
}

static void test_untrusted(void)
{
	/* the system's CAs never signed a self-signed test certificate */
	base_conf("", true);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	expect_refused(0);
	stop();
	base_conf(other_crt, true);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	expect_refused(0);
	stop();
}

static void test_unverified(void)
{
	base_conf("", false);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_EQUAL(tls_peer_name(&srv, "sip.example.net"), 0);
	CU_ASSERT_TRUE(round_trip());
	stop();
}

static void test_client_cert(void)
{
	base_conf(crt, true);
	cfg.tls_verify_clients = true;
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_TRUE(round_trip());
	stop();
	/* a server that trusts only "other" for clients refuses ours */
	base_conf(other_crt, false);
	cfg.tls_verify_clients = true;
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	expect_refused(1);
	stop();
}

/*
 * Sent before the handshake, the messages leave in one write, so
 * records hold many of them and OpenSSL holds decrypted input that no
 * socket event announces.  Every count must be answered in full.
 */
static void test_pipelined(void)
{
	static const unsigned int counts[] = { 1, 7, 60, 150, 333, 1000 };

	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		base_conf(crt, true);
		CU_ASSERT_EQUAL_FATAL(start(), 0);
		want = counts[i];
		for (unsigned int n = 0; n < want; n++)
			send_options(n, n % 3 ? 0 : 100);
		CU_ASSERT_TRUE(run(answered));
		CU_ASSERT_EQUAL(requests, want);
		CU_ASSERT_EQUAL(responses, want);
		if (responses != want)
			fprintf(stderr, "\n  %u of %u answered\n", responses,
				want);
		stop();
	}
}

static void test_big_message(void)
{
	base_conf(crt, true);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	want = 2;
	send_options(1, BIG_BODY);
	send_options(2, 0);
	CU_ASSERT_TRUE(run(answered));
	CU_ASSERT_EQUAL(requests, 2);
	CU_ASSERT_EQUAL(big_seen, 1);
	stop();
}

static void test_tls13(void)
{
	base_conf(crt, true);
	cfg.tls_min_version = 13;
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	CU_ASSERT_TRUE(round_trip());
	stop();
}

static void expect_init(int err)
{
	CU_ASSERT_EQUAL(ev_init(), 0);
	CU_ASSERT_EQUAL(tls_init(&cfg), err);
	CU_ASSERT_PTR_NULL(tls_stream_ops);
	tls_exit();
	ev_exit();
}

static void test_init_errors(void)
{
	base_conf(crt, true);
	path(cfg.tls_cert, "missing.crt");
	expect_init(-ENOENT);
	base_conf(crt, true);
	path(cfg.tls_cert, "junk.pem");
	expect_init(-EINVAL);
	base_conf(crt, true);
	path(cfg.tls_key, "junk.pem");
	expect_init(-EINVAL);
	base_conf(crt, true);
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", other_key);
	expect_init(-EINVAL);
	base_conf(crt, true);
	path(cfg.tls_key, "enc.key");
	expect_init(-EINVAL);
	base_conf(crt, true);
	path(cfg.tls_ca_file, "missing.pem");
	expect_init(-ENOENT);
	base_conf(crt, true);
	path(cfg.tls_ca_file, "junk.pem");
	expect_init(-EINVAL);
	/* no pair at all: outgoing TLS only */
	base_conf("", true);
	cfg.tls_cert[0] = cfg.tls_key[0] = '\0';
	CU_ASSERT_EQUAL(tls_init(&cfg), 0);
	CU_ASSERT_PTR_NOT_NULL(tls_stream_ops);
	tls_exit();
}

static void test_reload(void)
{
	base_conf(crt, true);
	CU_ASSERT_EQUAL_FATAL(start(), 0);
	snprintf(cfg.tls_key, sizeof(cfg.tls_key), "%s", other_key);
	CU_ASSERT_EQUAL(tls_reload(&cfg), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(tls_stream_ops);
	CU_ASSERT_TRUE(round_trip());
	/* the new pair, and a CA file that trusts only it */
	snprintf(cfg.tls_cert, sizeof(cfg.tls_cert), "%s", other_crt);
	snprintf(cfg.tls_ca_file, sizeof(cfg.tls_ca_file), "%s", other_crt);
	CU_ASSERT_EQUAL(tls_reload(&cfg), 0);
	requests = responses = 0;
	tp_exit();
	CU_ASSERT_EQUAL(tp_init(&cfg, on_recv), 0);
	CU_ASSERT_TRUE(round_trip());
	stop();
}

static void test_peer_names(void)
{
	char longname[CFG_NAME_MAX + 1];
	union tp_addr a = { .sin = { .sin_family = AF_INET } };

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CU_ASSERT_EQUAL(tls_peer_name(&a, ""), -EINVAL);
	CU_ASSERT_EQUAL(tls_peer_name(&a, longname), -EINVAL);
	CU_ASSERT_EQUAL(tls_peer_name(&a, NULL), 0);
	/* more names than are kept: the oldest go */
	for (unsigned int i = 0; i < TLS_NAMES_MAX + 4; i++) {
		a.sin.sin_port = htons(1000 + i);
		CU_ASSERT_EQUAL(tls_peer_name(&a, "a.example"), 0);
	}
	tls_exit();
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("tls", suite_init, suite_clean);
	CU_add_test(s, "verified by name", test_by_name);
	CU_add_test(s, "verified by address", test_by_address);
	CU_add_test(s, "wrong name refused", test_wrong_name);
	CU_add_test(s, "untrusted certificate refused", test_untrusted);
	CU_add_test(s, "verify = no", test_unverified);
	CU_add_test(s, "client certificates", test_client_cert);
	CU_add_test(s, "many messages per record", test_pipelined);
	CU_add_test(s, "a 60 kB message", test_big_message);
	CU_add_test(s, "TLS 1.3 only", test_tls13);
	CU_add_test(s, "tls_init errors", test_init_errors);
	CU_add_test(s, "reload", test_reload);
	CU_add_test(s, "peer names", test_peer_names);
	return tu_run_registered();
}
