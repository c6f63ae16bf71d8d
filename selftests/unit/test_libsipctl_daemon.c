// SPDX-License-Identifier: GPL-2.0
/*
 * libsipctl's daemon backend against a fake sipfpd: a thread listening
 * on a UNIX socket in a temporary directory that answers each request
 * with canned lines (its tag put in), so every field of the model, every
 * has bit and every way an answer can go wrong is checked without a
 * daemon.  The real daemon answers the same lines in
 * selftests/net/control.sh.  Waits are bounded by the library's own
 * socket timeouts; nothing sleeps.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "internal.h"

/* What the fake answers to one command; "@T" is the request's tag. */
struct script {
	const char *cmd;
	const char *const *lines;
	bool close_after; /* then close the connection */
};

static const struct script *volatile scripts;
static char dir[64], sock_path[128];
static int listen_fd = -1;
static volatile int accepted;

static const struct script *find_script(const char *cmd)
{
	for (const struct script *s = scripts; s && s->cmd; s++)
		if (!strcmp(s->cmd, cmd))
			return s;
	return NULL;
}

/* @line with every "@T" replaced by @tag, and a newline. */
static void put_line(int fd, const char *line, long long tag)
{
	char out[8192], num[24];
	size_t n = 0, k;

	snprintf(num, sizeof(num), "%lld", tag);
	for (const char *p = line; *p && n + 30 < sizeof(out); p++) {
		if (p[0] == '@' && p[1] == 'T') {
			k = strlen(num);
			memcpy(out + n, num, k);
			n += k;
			p++;
			continue;
		}
		out[n++] = *p;
	}
	out[n++] = '\n';
	(void)!send(fd, out, n, MSG_NOSIGNAL);
}

static bool answer(int fd, const char *req)
{
	static const char *const unknown[] = {
		"{\"ok\":false,\"error\":\"EINVAL\",\"message\":\"unknown "
		"command\",\"tag\":@T}",
		NULL
	};
	json_object *o = json_tokener_parse(req), *v;
	const struct script *s;
	long long tag = -1;
	const char *cmd = "";

	if (o && json_object_object_get_ex(o, "tag", &v))
		tag = json_object_get_int64(v);
	if (o && json_object_object_get_ex(o, "cmd", &v))
		cmd = json_object_get_string(v);
	s = find_script(cmd);
	for (const char *const *l = s ? s->lines : unknown; *l; l++)
		put_line(fd, *l, tag);
	json_object_put(o);
	return s && s->close_after;
}

static void *conn_main(void *arg)
{
	int fd = (int)(long)arg;
	char buf[8192];
	size_t len = 0;
	ssize_t r;
	char *nl;

	while ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += r;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			if (answer(fd, buf))
				goto out;
			len -= nl + 1 - buf;
			memmove(buf, nl + 1, len);
		}
	}
out:
	close(fd);
	return NULL;
}

static void *accept_main(void *arg)
{
	pthread_t t;
	int fd;

	while ((fd = accept(listen_fd, NULL, NULL)) >= 0) {
		accepted++;
		if (pthread_create(&t, NULL, conn_main, (void *)(long)fd))
			close(fd);
		else
			pthread_detach(t);
	}
	return NULL;
}

static int fake_start(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	pthread_t t;

	strcpy(dir, "/tmp/sipctl-dXXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(sock_path, sizeof(sock_path), "%s/sipfpd.sock", dir);
	strcpy(sa.sun_path, sock_path);
	listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0 ||
	    bind(listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(listen_fd, 8) ||
	    pthread_create(&t, NULL, accept_main, NULL))
		return -1;
	pthread_detach(t);
	return 0;
}

static int fake_stop(void)
{
	unlink(sock_path);
	rmdir(dir);
	return 0;
}

static struct sipctl *open_fake(const struct script *s)
{
	struct sipctl *h = NULL;

	scripts = s;
	CU_ASSERT_EQUAL_FATAL(sipctl_open_daemon(&h, sock_path), 0);
	CU_ASSERT_STRING_EQUAL(sipctl_backend(h), "daemon");
	return h;
}

static void ep(union sipctl_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (strchr(ip, ':')) {
		a->sin6.sin6_family = AF_INET6;
		a->sin6.sin6_port = htons(port);
		inet_pton(AF_INET6, ip, &a->sin6.sin6_addr);
	} else {
		a->sin.sin_family = AF_INET;
		a->sin.sin_port = htons(port);
		inet_pton(AF_INET, ip, &a->sin.sin_addr);
	}
}

static bool is_ep(const union sipctl_addr *a, const char *ip, uint16_t port)
{
	union sipctl_addr b;

	ep(&b, ip, port);
	if (a->sa.sa_family != b.sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b.sin.sin_port &&
		       a->sin.sin_addr.s_addr == b.sin.sin_addr.s_addr;
	return a->sin6.sin6_port == b.sin6.sin6_port &&
	       !memcmp(&a->sin6.sin6_addr, &b.sin6.sin6_addr, 16);
}

static const char *const status_lines[] = {
	"{\"ok\":true,\"version\":\"0.1.0\",\"pid\":4242,\"uptime_s\":93,"
	"\"fastpath\":\"xdp\",\"interfaces\":[{\"name\":\"wan\","
	"\"address\":\"192.0.2.1:0\",\"fastpath\":\"xdp\"},{\"name\":\"lan\","
	"\"address\":\"[2001:db8::1]:0\",\"fastpath\":\"xdp\"}],"
	"\"transactions\":3,\"registrations\":2,\"calls\":5,"
	"\"calls_answered\":4,\"calls_total\":18446744073709551615,"
	"\"tag\":@T}",
	NULL
};

static const char *const counters_lines[] = {
	"{\"ok\":true,\"server\":{\"received\":1},\"paths\":{"
	"\"none\":{\"packets\":0,\"bytes\":0,\"drops\":7,\"flows_ended\":1},"
	"\"relay\":{\"packets\":10,\"bytes\":1600,\"drops\":1,"
	"\"flows_ended\":2},"
	"\"kmod\":{\"packets\":0,\"bytes\":0,\"drops\":0,\"flows_ended\":0},"
	"\"xdp\":{\"packets\":500,\"bytes\":80000,\"drops\":3,"
	"\"flows_ended\":4}},\"tag\":@T}",
	NULL
};

static const struct script status_script[] = {
	{ "status", status_lines, false },
	{ "counters", counters_lines, false },
	{ NULL, NULL, false },
};

static void test_status(void)
{
	struct sipctl *h = open_fake(status_script);
	struct sipctl_status st;

	CU_ASSERT_EQUAL(sipctl_status_get(h, &st), 0);
	CU_ASSERT_EQUAL(st.has,
			SIPCTL_STATUS_HAS_VERSION | SIPCTL_STATUS_HAS_PID |
				SIPCTL_STATUS_HAS_UPTIME |
				SIPCTL_STATUS_HAS_FASTPATH |
				SIPCTL_STATUS_HAS_TRANSACTIONS |
				SIPCTL_STATUS_HAS_REGISTRATIONS |
				SIPCTL_STATUS_HAS_CALLS |
				SIPCTL_STATUS_HAS_CALLS_TOTAL |
				SIPCTL_STATUS_HAS_IFACES |
				SIPCTL_STATUS_HAS_PATHS);
	CU_ASSERT_STRING_EQUAL(st.version, "0.1.0");
	CU_ASSERT_EQUAL(st.pid, 4242);
	CU_ASSERT_EQUAL(st.uptime_s, 93);
	CU_ASSERT_STRING_EQUAL(st.fastpath, "xdp");
	CU_ASSERT_EQUAL(st.transactions, 3);
	CU_ASSERT_EQUAL(st.registrations, 2);
	CU_ASSERT_EQUAL(st.calls, 5);
	CU_ASSERT_EQUAL(st.calls_answered, 4);
	CU_ASSERT_EQUAL(st.calls_total, UINT64_MAX);
	CU_ASSERT_EQUAL(st.nifaces, 2);
	CU_ASSERT_EQUAL(st.ifaces[0].has, SIPCTL_IFACE_HAS_NAME |
						  SIPCTL_IFACE_HAS_ADDRESS |
						  SIPCTL_IFACE_HAS_FASTPATH);
	CU_ASSERT_STRING_EQUAL(st.ifaces[0].name, "wan");
	CU_ASSERT_TRUE(is_ep(&st.ifaces[0].address, "192.0.2.1", 0));
	CU_ASSERT_TRUE(is_ep(&st.ifaces[1].address, "2001:db8::1", 0));
	CU_ASSERT_STRING_EQUAL(st.ifaces[1].fastpath, "xdp");
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_NONE].drops, 7);
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_NONE].flows_ended, 1);
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_RELAY].packets, 10);
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_RELAY].bytes, 1600);
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_RELAY].flows_ended, 2);
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_KMOD].packets, 0);
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_XDP].packets, 500);
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_XDP].bytes, 80000);
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_XDP].drops, 3);
	CU_ASSERT_EQUAL(st.paths[SIPCTL_PATH_XDP].flows_ended, 4);
	CU_ASSERT_PTR_NULL(sipctl_last_error(h));
	sipctl_close(h);
}

static const char *const status_min[] = {
	"{\"ok\":true,\"version\":\"0.1.0\",\"unknown\":[1,2],\"tag\":@T}",
	NULL
};
static const char *const counters_min[] = { "{\"ok\":true,\"tag\":@T}",
					    NULL };
static const struct script status_min_script[] = {
	{ "status", status_min, false },
	{ "counters", counters_min, false },
	{ NULL, NULL, false },
};

/* Fields a daemon leaves out leave their has bits clear, nothing else. */
static void test_status_partial(void)
{
	struct sipctl *h = open_fake(status_min_script);
	struct sipctl_status st;

	CU_ASSERT_EQUAL(sipctl_status_get(h, &st), 0);
	CU_ASSERT_EQUAL(st.has, SIPCTL_STATUS_HAS_VERSION);
	CU_ASSERT_EQUAL(st.nifaces, 0);
	sipctl_close(h);
}

static const char *const reg_lines[] = {
	"{\"aor\":\"sip:alice@example.com\",\"contact\":"
	"\"sip:alice@192.0.2.10:5060;transport=udp\",\"expires_s\":3599,"
	"\"q\":0.5,\"transport\":\"udp\",\"source\":\"192.0.2.10:5062\","
	"\"nat\":true,\"user_agent\":\"SIPp\",\"instance\":"
	"\"<urn:uuid:00000000-0000-1000-8000-000a95a0e128>\",\"reg_id\":1,"
	"\"path\":\"<sip:p1.example.com;lr>\",\"call_id\":\"r1@a\","
	"\"cseq\":7,\"tag\":@T}",
	"{\"aor\":\"sip:bob@example.com\",\"contact\":\"sip:bob@[2001:db8::2]\","
	"\"expires_s\":60,\"transport\":\"tcp\",\"source\":"
	"\"[2001:db8::2]:40000\",\"nat\":false,\"cseq\":1,\"tag\":@T}",
	"{\"end\":true,\"count\":2,\"tag\":@T}",
	NULL
};

static const struct script reg_script[] = {
	{ "reg", reg_lines, false },
	{ NULL, NULL, false },
};

static struct sipctl_reg regs[4];
static int nregs;

static int reg_cb(const struct sipctl_reg *r, void *arg)
{
	if (nregs < 4)
		regs[nregs] = *r;
	nregs++;
	return arg ? *(int *)arg : 0;
}

static void test_reg(void)
{
	struct sipctl *h = open_fake(reg_script);
	const struct sipctl_reg *r = &regs[0];

	nregs = 0;
	CU_ASSERT_EQUAL(sipctl_reg_dump(h, reg_cb, NULL), 2);
	CU_ASSERT_EQUAL_FATAL(nregs, 2);
	CU_ASSERT_EQUAL(r->has, (SIPCTL_REG_HAS_CSEQ << 1) - 1);
	CU_ASSERT_STRING_EQUAL(r->aor, "sip:alice@example.com");
	CU_ASSERT_STRING_EQUAL(r->contact,
			       "sip:alice@192.0.2.10:5060;transport=udp");
	CU_ASSERT_EQUAL(r->expires_s, 3599);
	CU_ASSERT_EQUAL(r->q, 500);
	CU_ASSERT_STRING_EQUAL(r->transport, "udp");
	CU_ASSERT_TRUE(is_ep(&r->source, "192.0.2.10", 5062));
	CU_ASSERT_TRUE(r->nat);
	CU_ASSERT_STRING_EQUAL(r->user_agent, "SIPp");
	CU_ASSERT_STRING_EQUAL(
		r->instance, "<urn:uuid:00000000-0000-1000-8000-000a95a0e128>");
	CU_ASSERT_EQUAL(r->reg_id, 1);
	CU_ASSERT_STRING_EQUAL(r->path, "<sip:p1.example.com;lr>");
	CU_ASSERT_STRING_EQUAL(r->call_id, "r1@a");
	CU_ASSERT_EQUAL(r->cseq, 7);
	r = &regs[1];
	CU_ASSERT_EQUAL(r->has,
			SIPCTL_REG_HAS_AOR | SIPCTL_REG_HAS_CONTACT |
				SIPCTL_REG_HAS_EXPIRES |
				SIPCTL_REG_HAS_TRANSPORT |
				SIPCTL_REG_HAS_SOURCE | SIPCTL_REG_HAS_NAT |
				SIPCTL_REG_HAS_CSEQ);
	CU_ASSERT_TRUE(is_ep(&r->source, "2001:db8::2", 40000));
	CU_ASSERT_FALSE(r->nat);
	CU_ASSERT_STRING_EQUAL(r->user_agent, "");
	sipctl_close(h);
}

/* A callback that stops: its value comes back, the rest is drained. */
static void test_reg_stop(void)
{
	struct sipctl *h = open_fake(reg_script);
	int stop = 7;

	nregs = 0;
	CU_ASSERT_EQUAL(sipctl_reg_dump(h, reg_cb, &stop), 7);
	CU_ASSERT_EQUAL(nregs, 1);
	nregs = 0;
	CU_ASSERT_EQUAL(sipctl_reg_dump(h, reg_cb, NULL), 2);
	CU_ASSERT_EQUAL(nregs, 2);
	sipctl_close(h);
}

#define FLOW_RTP                                                            \
	"{\"from\":\"caller\",\"kind\":\"rtp\",\"cookie\":6891135520510558208," \
	"\"local\":\"192.0.2.1:20000\",\"source\":\"192.0.2.10:4000\","     \
	"\"latched\":true,\"out_local\":\"192.0.2.1:20002\",\"peer\":"      \
	"\"192.0.2.20:6000\",\"path\":\"xdp\",\"packets\":250,\"bytes\":"   \
	"40000,\"drops\":{\"source\":2,\"no_peer\":3,\"send\":4,"          \
	"\"truncated\":5},\"idle_ms\":20,\"rtp_seen\":true,\"ssrc\":"       \
	"305419896,\"ext_max_seq\":65541,\"expected\":260,\"lost\":-2,"       \
	"\"jitter\":48,"                                                      \
	"\"jitter_ms\":6.0"
#define FLOW_RTCP                                                           \
	"{\"from\":\"callee\",\"kind\":\"rtcp\",\"local\":\"192.0.2.1:20003\"," \
	"\"source\":\"192.0.2.20:6001\",\"latched\":false,\"out_local\":"   \
	"\"192.0.2.1:20001\",\"peer\":null,\"path\":\"none\",\"packets\":0," \
	"\"bytes\":0,\"drops\":{\"source\":0,\"no_peer\":0,\"send\":0,"    \
	"\"truncated\":0}"

static const char *const calls_lines[] = {
	"{\"id\":\"c1@host\",\"from_tag\":\"ft\",\"to_tag\":\"tt\","
	"\"state\":\"answered\",\"media\":true,\"duration_s\":12,"
	"\"caller\":{\"signalling\":\"192.0.2.10:5060\",\"nat\":true},"
	"\"callee\":{\"signalling\":\"[2001:db8::20]:5060\",\"nat\":false},"
	"\"streams\":[{\"index\":0,\"rtcp_mux\":false,\"clock_rate\":8000,"
	"\"legs\":[{\"side\":\"caller\",\"local\":\"192.0.2.1:20000\","
	"\"advertised\":\"192.0.2.1\",\"remote_rtp\":\"192.0.2.10:4000\","
	"\"remote_rtcp\":\"192.0.2.10:4001\",\"rejected\":false,"
	"\"hold\":true},{\"side\":\"callee\"}],\"flows\":[" FLOW_RTP
	"}," FLOW_RTCP "}]},{\"index\":1,\"legs\":[],\"flows\":[]}],"
	"\"tag\":@T}",
	"{\"id\":\"c2@host\",\"from_tag\":\"f2\",\"state\":\"early\","
	"\"media\":false,\"duration_s\":0,\"streams\":[],\"tag\":@T}",
	"{\"end\":true,\"count\":2,\"tag\":@T}",
	NULL
};

static const char *const call_enoent[] = {
	"{\"ok\":false,\"error\":\"ENOENT\",\"message\":\"no call with "
	"Call-ID 'nope'\",\"tag\":@T}",
	NULL
};

static const struct script calls_script[] = {
	{ "calls", calls_lines, false },
	{ "call", call_enoent, false },
	{ NULL, NULL, false },
};

static struct sipctl_call *calls;
static int ncalls;

static int call_cb(const struct sipctl_call *c, void *arg)
{
	if (ncalls < 2)
		calls[ncalls] = *c;
	ncalls++;
	return 0;
}

static void check_rtp_flow(const struct sipctl_stream_flow *sf)
{
	const struct sipctl_flow *f = &sf->flow;

	CU_ASSERT_EQUAL(sf->has, SIPCTL_SFLOW_HAS_FROM | SIPCTL_SFLOW_HAS_KIND |
					 SIPCTL_SFLOW_HAS_PATH |
					 SIPCTL_SFLOW_HAS_TRUNCATED);
	CU_ASSERT_EQUAL(sf->from, SIPCTL_SIDE_CALLER);
	CU_ASSERT_EQUAL(sf->kind, SIPCTL_KIND_RTP);
	CU_ASSERT_EQUAL(sf->path, SIPCTL_PATH_XDP);
	CU_ASSERT_EQUAL(sf->drop_truncated, 5);
	CU_ASSERT_EQUAL(f->has,
			SIPCTL_FLOW_HAS_COOKIE | SIPCTL_FLOW_HAS_LOCAL |
				SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_PEER |
				SIPCTL_FLOW_HAS_LATCHED |
				SIPCTL_FLOW_HAS_FLAGS |
				SIPCTL_FLOW_HAS_CLOCK_RATE |
				SIPCTL_FLOW_HAS_COUNTERS |
				SIPCTL_FLOW_HAS_LAST | SIPCTL_FLOW_HAS_RTP);
	CU_ASSERT_EQUAL(f->cookie, 6891135520510558208ULL);
	CU_ASSERT_TRUE(is_ep(&f->local, "192.0.2.1", 20000));
	CU_ASSERT_TRUE(is_ep(&f->latched, "192.0.2.10", 4000));
	CU_ASSERT_TRUE(is_ep(&f->out, "192.0.2.1", 20002));
	CU_ASSERT_TRUE(is_ep(&f->peer, "192.0.2.20", 6000));
	CU_ASSERT_EQUAL(f->flags, SIPCTL_F_RTP);
	CU_ASSERT_EQUAL(f->clock_rate, 8000);
	CU_ASSERT_EQUAL(f->counters.packets, 250);
	CU_ASSERT_EQUAL(f->counters.bytes, 40000);
	CU_ASSERT_EQUAL(f->counters.drop_source, 2);
	CU_ASSERT_EQUAL(f->counters.drop_no_peer, 3);
	CU_ASSERT_EQUAL(f->counters.drop_route, 4);
	CU_ASSERT_EQUAL(f->counters.idle_ms, 20);
	CU_ASSERT_EQUAL(f->counters.ssrc, 0x12345678);
	CU_ASSERT_EQUAL(f->counters.ext_max_seq, 65541);
	CU_ASSERT_EQUAL(f->counters.expected, 260);
	CU_ASSERT_EQUAL(f->counters.lost, -2);
	CU_ASSERT_EQUAL(f->counters.jitter, 48);
}

static void check_rtcp_flow(const struct sipctl_stream_flow *sf)
{
	const struct sipctl_flow *f = &sf->flow;

	CU_ASSERT_EQUAL(sf->from, SIPCTL_SIDE_CALLEE);
	CU_ASSERT_EQUAL(sf->kind, SIPCTL_KIND_RTCP);
	CU_ASSERT_EQUAL(sf->path, SIPCTL_PATH_NONE);
	CU_ASSERT_EQUAL(f->has & ~SIPCTL_FLOW_HAS_CLOCK_RATE,
			SIPCTL_FLOW_HAS_LOCAL | SIPCTL_FLOW_HAS_SRC |
				SIPCTL_FLOW_HAS_OUT | SIPCTL_FLOW_HAS_FLAGS |
				SIPCTL_FLOW_HAS_COUNTERS);
	CU_ASSERT_TRUE(is_ep(&f->src, "192.0.2.20", 6001));
	CU_ASSERT_EQUAL(f->flags, 0);
	CU_ASSERT_EQUAL(f->peer.sa.sa_family, 0);
}

static void check_call(const struct sipctl_call *c)
{
	const struct sipctl_stream *st = &c->streams[0];
	const struct sipctl_leg *l = &st->legs[0];

	CU_ASSERT_EQUAL(c->has, (SIPCTL_CALL_HAS_STREAMS << 1) - 1);
	CU_ASSERT_STRING_EQUAL(c->call_id, "c1@host");
	CU_ASSERT_STRING_EQUAL(c->from_tag, "ft");
	CU_ASSERT_STRING_EQUAL(c->to_tag, "tt");
	CU_ASSERT_EQUAL(c->state, SIPCTL_CALL_ANSWERED);
	CU_ASSERT_TRUE(c->media);
	CU_ASSERT_EQUAL(c->duration_s, 12);
	CU_ASSERT_TRUE(is_ep(&c->sides[0].signalling, "192.0.2.10", 5060));
	CU_ASSERT_TRUE(c->sides[0].nat);
	CU_ASSERT_EQUAL(c->sides[1].has,
			SIPCTL_CSIDE_HAS_SIGNALLING | SIPCTL_CSIDE_HAS_NAT);
	CU_ASSERT_TRUE(is_ep(&c->sides[1].signalling, "2001:db8::20", 5060));
	CU_ASSERT_FALSE(c->sides[1].nat);
	CU_ASSERT_EQUAL_FATAL(c->nstreams, 2);
	CU_ASSERT_EQUAL(st->has, SIPCTL_STREAM_HAS_INDEX |
					 SIPCTL_STREAM_HAS_RTCP_MUX |
					 SIPCTL_STREAM_HAS_CLOCK_RATE);
	CU_ASSERT_EQUAL(st->index, 0);
	CU_ASSERT_FALSE(st->rtcp_mux);
	CU_ASSERT_EQUAL(st->clock_rate, 8000);
	CU_ASSERT_EQUAL_FATAL(st->nlegs, 2);
	CU_ASSERT_EQUAL(l->has, (SIPCTL_LEG_HAS_STATE << 1) - 1);
	CU_ASSERT_EQUAL(l->side, SIPCTL_SIDE_CALLER);
	CU_ASSERT_TRUE(is_ep(&l->local, "192.0.2.1", 20000));
	CU_ASSERT_STRING_EQUAL(l->advertised, "192.0.2.1");
	CU_ASSERT_TRUE(is_ep(&l->remote_rtp, "192.0.2.10", 4000));
	CU_ASSERT_TRUE(is_ep(&l->remote_rtcp, "192.0.2.10", 4001));
	CU_ASSERT_FALSE(l->rejected);
	CU_ASSERT_TRUE(l->hold);
	CU_ASSERT_EQUAL(st->legs[1].has, SIPCTL_LEG_HAS_SIDE);
	CU_ASSERT_EQUAL(st->legs[1].side, SIPCTL_SIDE_CALLEE);
	CU_ASSERT_EQUAL_FATAL(st->nflows, 2);
	check_rtp_flow(&st->flows[0]);
	check_rtcp_flow(&st->flows[1]);
	CU_ASSERT_EQUAL(c->streams[1].index, 1);
	CU_ASSERT_EQUAL(c->streams[1].nlegs, 0);
	CU_ASSERT_EQUAL(c->streams[1].nflows, 0);
}

static void test_calls(void)
{
	struct sipctl *h = open_fake(calls_script);

	calls = calloc(2, sizeof(*calls));
	CU_ASSERT_PTR_NOT_NULL_FATAL(calls);
	ncalls = 0;
	CU_ASSERT_EQUAL(sipctl_call_dump(h, call_cb, NULL), 2);
	CU_ASSERT_EQUAL_FATAL(ncalls, 2);
	check_call(&calls[0]);
	CU_ASSERT_EQUAL(calls[1].has,
			SIPCTL_CALL_HAS_ID | SIPCTL_CALL_HAS_FROM_TAG |
				SIPCTL_CALL_HAS_STATE | SIPCTL_CALL_HAS_MEDIA |
				SIPCTL_CALL_HAS_DURATION |
				SIPCTL_CALL_HAS_STREAMS);
	CU_ASSERT_EQUAL(calls[1].state, SIPCTL_CALL_EARLY);
	CU_ASSERT_EQUAL(calls[1].nstreams, 0);
	free(calls);

	/* the daemon's refusal, its words */
	CU_ASSERT_EQUAL(sipctl_call_get(h, "nope", call_cb, NULL), -ENOENT);
	CU_ASSERT_STRING_EQUAL(sipctl_last_error(h),
			       "no call with Call-ID 'nope'");
	CU_ASSERT_STRING_EQUAL(sipctl_strerror(h, -ENOENT),
			       "no call with Call-ID 'nope'");
	CU_ASSERT_EQUAL(sipctl_call_get(h, "", call_cb, NULL), -EINVAL);
	sipctl_close(h);
}

static const char *const flows_lines[] = {
	FLOW_RTP ",\"call\":\"c1@host\",\"stream\":0,\"tag\":@T}",
	FLOW_RTCP ",\"call\":\"c1@host\",\"stream\":3,\"tag\":@T}",
	"{\"end\":true,\"count\":2,\"tag\":@T}",
	NULL
};

static const struct script flows_script[] = {
	{ "flows", flows_lines, false },
	{ NULL, NULL, false },
};

static struct sipctl_stream_flow sflows[2];
static char sflow_calls[2][SIPCTL_CALL_ID_MAX];
static int nflows;

static int sflow_cb(const char *call_id, const struct sipctl_stream_flow *sf,
		    void *arg)
{
	if (nflows < 2) {
		sflows[nflows] = *sf;
		strcpy(sflow_calls[nflows], call_id);
	}
	nflows++;
	return 0;
}

static int flow_cb(const struct sipctl_flow *f, void *arg)
{
	if (nflows < 2)
		sflows[nflows].flow = *f;
	nflows++;
	return 0;
}

static void test_flows(void)
{
	struct sipctl *h = open_fake(flows_script);
	union sipctl_addr local;
	struct sipctl_flow f;

	nflows = 0;
	CU_ASSERT_EQUAL(sipctl_call_flow_dump(h, sflow_cb, NULL), 2);
	CU_ASSERT_EQUAL_FATAL(nflows, 2);
	CU_ASSERT_STRING_EQUAL(sflow_calls[0], "c1@host");
	CU_ASSERT_EQUAL(sflows[0].stream, 0);
	CU_ASSERT_EQUAL(sflows[1].stream, 3);
	sflows[0].has &= ~SIPCTL_SFLOW_HAS_STREAM;
	/* a listing's flows know no clock rate: the stream has it */
	sflows[0].flow.has |= SIPCTL_FLOW_HAS_CLOCK_RATE;
	sflows[0].flow.clock_rate = 8000;
	check_rtp_flow(&sflows[0]);
	check_rtcp_flow(&sflows[1]);

	nflows = 0;
	CU_ASSERT_EQUAL(sipctl_flow_dump(h, flow_cb, NULL), 0);
	CU_ASSERT_EQUAL(nflows, 2);
	CU_ASSERT_EQUAL(sflows[0].flow.counters.packets, 250);

	ep(&local, "192.0.2.1", 20003);
	CU_ASSERT_EQUAL(sipctl_flow_get(h, &local, &f), 0);
	CU_ASSERT_TRUE(is_ep(&f.src, "192.0.2.20", 6001));
	ep(&local, "192.0.2.1", 20004);
	CU_ASSERT_EQUAL(sipctl_flow_get(h, &local, &f), -ENOENT);

	/* the daemon makes its own flows */
	CU_ASSERT_EQUAL(sipctl_flow_add(h, &f), -EOPNOTSUPP);
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_last_error(h), "kernel module"));
	CU_ASSERT_EQUAL(sipctl_flush(h, 0, 0), -EOPNOTSUPP);
	CU_ASSERT_EQUAL(sipctl_stats_get(h, &(struct sipctl_stats){ 0 }),
			-EOPNOTSUPP);
	sipctl_close(h);
}

static const char *const hangup_lines[] = {
	"{\"ok\":true,\"sessions\":2,\"byes\":2,\"tag\":@T}", NULL
};
static const char *const reload_bad[] = {
	"{\"ok\":false,\"error\":\"EINVAL\",\"message\":\"/etc/sipfpd.conf:12:"
	" unknown key 'x'; kept the running configuration\",\"tag\":@T}",
	NULL
};
static const char *const reload_ok[] = {
	"{\"ok\":true,\"reloaded\":true,\"tag\":@T}", NULL
};

static const struct script hangup_script[] = {
	{ "hangup", hangup_lines, false },
	{ "reload", reload_bad, false },
	{ NULL, NULL, false },
};

static const struct script reload_script[] = {
	{ "reload", reload_ok, false },
	{ NULL, NULL, false },
};

static void test_hangup_reload(void)
{
	struct sipctl *h = open_fake(hangup_script);

	CU_ASSERT_EQUAL(sipctl_hangup(h, "c1@host"), 2);
	CU_ASSERT_EQUAL(sipctl_reload(h), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sipctl_last_error(h),
			       "/etc/sipfpd.conf:12: unknown key 'x'; kept "
			       "the running configuration");
	scripts = reload_script;
	CU_ASSERT_EQUAL(sipctl_reload(h), 0);
	CU_ASSERT_PTR_NULL(sipctl_last_error(h));
	CU_ASSERT_EQUAL(sipctl_hangup(h, NULL), -EINVAL);
	sipctl_close(h);
}

/*
 * Lines of an earlier request are skipped; a line that is not JSON, a
 * field of the wrong type, a listing whose count is off, or an answer of
 * the wrong shape fail that one call, and the next call works.
 */
static const char *const stale_status[] = {
	"{\"end\":true,\"count\":9,\"tag\":99999}",
	"{\"ok\":false,\"error\":\"EINVAL\",\"message\":\"x\",\"tag\":\"s\"}",
	"{\"ok\":true,\"version\":\"0.1.0\",\"tag\":@T}",
	NULL
};
static const char *const bad_json[] = { "{\"ok\":tru", NULL };
static const char *const bad_type[] = {
	"{\"aor\":5,\"tag\":@T}",
	"{\"aor\":\"sip:x@y\",\"tag\":@T}",
	"{\"end\":true,\"count\":2,\"tag\":@T}",
	NULL
};
static const char *const bad_count[] = {
	"{\"id\":\"a\",\"tag\":@T}",
	"{\"end\":true,\"count\":3,\"tag\":@T}",
	NULL
};
static const char *const bad_shape[] = {
	"{\"sessions\":1,\"tag\":@T}",
	"{\"end\":true,\"count\":1,\"tag\":@T}",
	NULL
};
static const char *const bad_errno[] = {
	"{\"ok\":false,\"error\":\"EWEIRD\",\"message\":\"odd\",\"tag\":@T}",
	NULL
};
static const char *const bad_flow[] = {
	"{\"local\":\"192.0.2.1\",\"tag\":@T}",
	"{\"end\":true,\"count\":1,\"tag\":@T}",
	NULL
};

static const struct script bad_script[] = {
	{ "status", stale_status, false },
	{ "counters", counters_min, false },
	{ "reload", bad_json, false },
	{ "reg", bad_type, false },
	{ "calls", bad_count, false },
	{ "hangup", bad_shape, false },
	{ "call", bad_errno, false },
	{ "flows", bad_flow, false },
	{ NULL, NULL, false },
};

static void test_bad_answers(void)
{
	struct sipctl *h = open_fake(bad_script);
	struct sipctl_status st;

	CU_ASSERT_EQUAL(sipctl_status_get(h, &st), 0);
	CU_ASSERT_STRING_EQUAL(st.version, "0.1.0");
	CU_ASSERT_EQUAL(sipctl_reload(h), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_last_error(h), "not one JSON"));
	nregs = 0;
	CU_ASSERT_EQUAL(sipctl_reg_dump(h, reg_cb, NULL), -EPROTO);
	CU_ASSERT_STRING_EQUAL(sipctl_last_error(h),
			       "sipfpd's answer: field 'aor' of a "
			       "registration is not a string");
	CU_ASSERT_EQUAL(nregs, 0);
	calls = calloc(2, sizeof(*calls));
	CU_ASSERT_EQUAL(sipctl_call_dump(h, call_cb, NULL), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_last_error(h), "counts 3"));
	free(calls);
	CU_ASSERT_EQUAL(sipctl_hangup(h, "a"), -EPROTO);
	CU_ASSERT_EQUAL(sipctl_call_get(h, "a", call_cb, NULL), -EIO);
	CU_ASSERT_STRING_EQUAL(sipctl_last_error(h), "odd");
	CU_ASSERT_EQUAL(sipctl_flow_dump(h, flow_cb, NULL), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_last_error(h), "'local'"));
	/* after all that, the connection still answers */
	CU_ASSERT_EQUAL(sipctl_status_get(h, &st), 0);
	sipctl_close(h);
}

static const char *const busy_lines[] = {
	"{\"ok\":false,\"error\":\"EBUSY\",\"message\":\"too many control "
	"clients\"}",
	NULL
};
static const char *const bye_lines[] = { NULL };

static const struct script busy_script[] = {
	{ "status", busy_lines, true },
	{ "reload", bye_lines, true },
	{ "counters", counters_min, false },
	{ NULL, NULL, false },
};

/*
 * A refusal without a tag is for the connection; a daemon that closes
 * fails the call with -EPIPE, and the next call dials again.
 */
static void test_connection(void)
{
	struct sipctl *h = open_fake(busy_script);
	struct sipctl_status st;
	int before;

	CU_ASSERT_EQUAL(sipctl_status_get(h, &st), -EBUSY);
	CU_ASSERT_STRING_EQUAL(sipctl_last_error(h),
			       "too many control clients");
	before = accepted;
	CU_ASSERT_EQUAL(sipctl_reload(h), -EPIPE);
	CU_ASSERT_EQUAL(accepted, before + 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_last_error(h), "closed"));
	/* dials again; no status answer: unknown command, its words */
	scripts = status_min_script;
	CU_ASSERT_EQUAL(sipctl_status_get(h, &st), 0);
	CU_ASSERT_EQUAL(accepted, before + 2);
	sipctl_close(h);
}

static struct sipctl *busy_h;

static int reenter_cb(const struct sipctl_reg *r, void *arg)
{
	*(int *)arg = sipctl_reload(busy_h);
	return 0;
}

static void test_reenter(void)
{
	int inner = 0;

	busy_h = open_fake(reg_script);
	CU_ASSERT_EQUAL(sipctl_reg_dump(busy_h, reenter_cb, &inner), 2);
	CU_ASSERT_EQUAL(inner, -EBUSY);
	sipctl_close(busy_h);
}

static const char *const monitor_lines[] = {
	"{\"ok\":true,\"monitor\":true,\"tag\":@T}",
	"{\"event\":\"call_start\",\"call\":\"c1@host\",\"streams\":1,"
	"\"tag\":@T}",
	"{\"event\":\"latched\",\"call\":\"c1@host\",\"stream\":0,"
	"\"side\":\"callee\",\"kind\":\"rtcp\",\"cookie\":42,\"local\":"
	"\"192.0.2.1:20003\",\"source\":\"[::ffff:192.0.2.20]:6001\","
	"\"tag\":@T}",
	"{\"event\":\"source_mismatch\",\"call\":\"c1@host\",\"stream\":0,"
	"\"side\":\"caller\",\"kind\":\"rtp\",\"cookie\":43,\"local\":"
	"\"[2001:db8::1]:20000\",\"source\":\"[2001:db8::66]:1\",\"tag\":@T}",
	"{\"event\":\"solar_flare\",\"tag\":@T}",
	"not json",
	"{\"event\":\"idle\",\"cookie\":44,\"local\":\"192.0.2.1:20000\","
	"\"tag\":@T}",
	"{\"event\":\"call_end\",\"call\":\"c1@host\",\"reason\":\"bye\","
	"\"duration_ms\":5000,\"tag\":@T}",
	NULL
};

static const char *const monitor_refused[] = {
	"{\"ok\":false,\"error\":\"EINVAL\",\"message\":\"unknown command "
	"'monitor'\",\"tag\":@T}",
	NULL
};

static const struct script monitor_script[] = {
	{ "monitor", monitor_lines, true },
	{ NULL, NULL, false },
};

static const struct script old_daemon_script[] = {
	{ "monitor", monitor_refused, false },
	{ NULL, NULL, false },
};

static struct sipctl_event evs[8];
static int nevs;

static void ev_cb(const struct sipctl_event *ev, void *arg)
{
	if (nevs < 8)
		evs[nevs] = *ev;
	nevs++;
}

/* Reads until the daemon closes the stream: the events' count. */
static int read_events(struct sipctl *h, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int ret = 0;

	nevs = 0;
	for (int i = 0; i < 100 && ret >= 0; i++) {
		if (poll(&p, 1, 3000) != 1)
			return -ETIMEDOUT;
		ret = sipctl_event_read(h, ev_cb, NULL);
	}
	return ret;
}

static void check_events(void)
{
	CU_ASSERT_EQUAL_FATAL(nevs, 5);
	CU_ASSERT_EQUAL(evs[0].type, SIPCTL_EVENT_CALL_START);
	CU_ASSERT_EQUAL(evs[0].has, SIPCTL_EVENT_HAS_CALL_ID);
	CU_ASSERT_STRING_EQUAL(evs[0].call_id, "c1@host");
	CU_ASSERT_EQUAL(evs[1].type, SIPCTL_EVENT_LATCHED);
	CU_ASSERT_EQUAL(evs[1].has,
			SIPCTL_EVENT_HAS_CALL_ID | SIPCTL_EVENT_HAS_COOKIE |
				SIPCTL_EVENT_HAS_LOCAL |
				SIPCTL_EVENT_HAS_SOURCE |
				SIPCTL_EVENT_HAS_STREAM);
	CU_ASSERT_EQUAL(evs[1].cookie, 42);
	CU_ASSERT_EQUAL(evs[1].stream, 0);
	CU_ASSERT_EQUAL(evs[1].side, SIPCTL_SIDE_CALLEE);
	CU_ASSERT_EQUAL(evs[1].kind, SIPCTL_KIND_RTCP);
	CU_ASSERT_TRUE(is_ep(&evs[1].local, "192.0.2.1", 20003));
	/* IPv4-mapped comes as IPv4 */
	CU_ASSERT_TRUE(is_ep(&evs[1].source, "192.0.2.20", 6001));
	CU_ASSERT_EQUAL(evs[2].type, SIPCTL_EVENT_SOURCE_MISMATCH);
	CU_ASSERT_EQUAL(evs[2].side, SIPCTL_SIDE_CALLER);
	CU_ASSERT_EQUAL(evs[2].kind, SIPCTL_KIND_RTP);
	CU_ASSERT_TRUE(is_ep(&evs[2].local, "2001:db8::1", 20000));
	CU_ASSERT_TRUE(is_ep(&evs[2].source, "2001:db8::66", 1));
	CU_ASSERT_EQUAL(evs[3].type, SIPCTL_EVENT_IDLE);
	CU_ASSERT_EQUAL(evs[3].has,
			SIPCTL_EVENT_HAS_COOKIE | SIPCTL_EVENT_HAS_LOCAL);
	CU_ASSERT_EQUAL(evs[4].type, SIPCTL_EVENT_CALL_END);
	CU_ASSERT_EQUAL(evs[4].has,
			SIPCTL_EVENT_HAS_CALL_ID | SIPCTL_EVENT_HAS_WHY);
	CU_ASSERT_STRING_EQUAL(evs[4].why, "bye");
}

static void test_events(void)
{
	struct sipctl *h = open_fake(monitor_script);
	int fd;

	CU_ASSERT_EQUAL(sipctl_event_read(h, ev_cb, NULL), -EINVAL);
	fd = sipctl_event_fd(h);
	CU_ASSERT_TRUE_FATAL(fd >= 0);
	CU_ASSERT_EQUAL(sipctl_event_fd(h), fd);
	CU_ASSERT_EQUAL(read_events(h, fd), -EPIPE);
	check_events();
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_last_error(h), "closed"));
	/* closed: a new stream on asking again */
	CU_ASSERT_EQUAL(sipctl_event_read(h, ev_cb, NULL), -EINVAL);
	fd = sipctl_event_fd(h);
	CU_ASSERT_TRUE(fd >= 0);
	CU_ASSERT_EQUAL(read_events(h, fd), -EPIPE);
	CU_ASSERT_EQUAL(nevs, 5);
	sipctl_close(h);

	h = open_fake(old_daemon_script);
	CU_ASSERT_EQUAL(sipctl_event_fd(h), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(sipctl_last_error(h), "'monitor'"));
	sipctl_close(h);
}

static void test_open(void)
{
	char path[200], msg[512];
	struct sipctl *h = (struct sipctl *)1;

	snprintf(path, sizeof(path), "%s/none.sock", dir);
	CU_ASSERT_EQUAL(sipctl_open_daemon(&h, path), -ECONNREFUSED);
	CU_ASSERT_PTR_NULL(h);
	snprintf(msg, sizeof(msg), "%s", sipctl_strerror(NULL, -ECONNREFUSED));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no sipfpd answers"));
	memset(path, 'x', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	CU_ASSERT_EQUAL(sipctl_open_daemon(&h, path), -ENAMETOOLONG);
	/* NULL: $SIPCTL_SOCKET */
	setenv("SIPCTL_SOCKET", sock_path, 1);
	scripts = status_min_script;
	CU_ASSERT_EQUAL_FATAL(sipctl_open_daemon(&h, NULL), 0);
	CU_ASSERT_EQUAL(sipctl_reload(h), -EINVAL);
	CU_ASSERT_STRING_EQUAL(sipctl_last_error(h), "unknown command");
	sipctl_close(h);
	unsetenv("SIPCTL_SOCKET");
}

static void test_addr_parse(void)
{
	static const char *const bad[] = {
		"",	       ":5",	      "1.2.3.4",    "1.2.3.4:",
		"1.2.3.4:-1",  "1.2.3.4:+1",  "1.2.3.4:65536", "[::1:5",
		"::1:5",       "[1.2.3.4]:5", "1.2.3.4:5x", "[]:1",
		"999.1.1.1:1",
	};
	union sipctl_addr a;

	CU_ASSERT_EQUAL(sctl_addr_parse("10.0.0.1:65535", &a), 0);
	CU_ASSERT_TRUE(is_ep(&a, "10.0.0.1", 65535));
	CU_ASSERT_EQUAL(sctl_addr_parse("[fe80::1]:0", &a), 0);
	CU_ASSERT_TRUE(is_ep(&a, "fe80::1", 0));
	CU_ASSERT_EQUAL(sctl_addr_parse("[::ffff:10.1.2.3]:9", &a), 0);
	CU_ASSERT_TRUE(is_ep(&a, "10.1.2.3", 9));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(sctl_addr_parse(bad[i], &a), -EINVAL);
		if (sctl_addr_parse(bad[i], &a) != -EINVAL)
			fprintf(stderr, "taken: '%s'\n", bad[i]);
	}
}

static void test_json_lines(void)
{
	static const char nul[] = "{\"a\":\"\0\"}";
	char err[SCTL_ERR_MAX], deep[64];
	struct sctl_answer a;
	json_object *o;

	CU_ASSERT_EQUAL(sctl_json_parse("{} \r", 4, &o, err), 0);
	json_object_put(o);
	CU_ASSERT_EQUAL(sctl_json_parse("[]", 2, &o, err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not an object"));
	CU_ASSERT_EQUAL(sctl_json_parse("{}{}", 4, &o, err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "at byte 2"));
	CU_ASSERT_EQUAL(sctl_json_parse("{} 5", 4, &o, err), -EPROTO);
	CU_ASSERT_EQUAL(sctl_json_parse(nul, sizeof(nul) - 1, &o, err),
			-EPROTO);
	CU_ASSERT_EQUAL(sctl_json_parse("{\"a\":\"\xc3\"}", 9, &o, err),
			-EPROTO);
	memset(deep, '[', sizeof(deep));
	deep[0] = '{';
	CU_ASSERT_EQUAL(sctl_json_parse(deep, sizeof(deep), &o, err), -EPROTO);
	CU_ASSERT_PTR_NULL(o);

	CU_ASSERT_EQUAL(sctl_json_parse("{\"ok\":false,\"tag\":3}", 20, &o,
					err),
			0);
	CU_ASSERT_EQUAL(sctl_json_answer(o, &a, err), -EPROTO);
	CU_ASSERT_TRUE(a.tagged);
	CU_ASSERT_EQUAL(a.tag, 3);
	json_object_put(o);
	CU_ASSERT_EQUAL(sctl_json_parse("{\"end\":true}", 12, &o, err), 0);
	CU_ASSERT_EQUAL(sctl_json_answer(o, &a, err), -EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'count'"));
	json_object_put(o);
}

/* A string over its field is cut before a character that would not fit. */
static void test_truncation(void)
{
	char line[1200], err[SCTL_ERR_MAX];
	struct sipctl_reg r;
	json_object *o;
	size_t n;

	n = snprintf(line, sizeof(line), "{\"user_agent\":\"");
	for (int i = 0; i < 300; i++)
		n += snprintf(line + n, sizeof(line) - n, "\xc3\xa9");
	n += snprintf(line + n, sizeof(line) - n, "\"}");
	CU_ASSERT_EQUAL_FATAL(sctl_json_parse(line, n, &o, err), 0);
	CU_ASSERT_EQUAL(sctl_json_reg(o, &r, err), 0);
	json_object_put(o);
	CU_ASSERT_EQUAL(strlen(r.user_agent), SIPCTL_TEXT_MAX - 2);
	CU_ASSERT_EQUAL((unsigned char)r.user_agent[SIPCTL_TEXT_MAX - 3],
			0xa9);
}

#define T(f) { #f, f }

static CU_TestInfo answer_tests[] = {
	T(test_status),	     T(test_status_partial), T(test_reg),
	T(test_reg_stop),    T(test_calls),	     T(test_flows),
	T(test_hangup_reload), T(test_bad_answers),  T(test_connection),
	T(test_reenter),     T(test_events),	     T(test_open),
	CU_TEST_INFO_NULL,
};

static CU_TestInfo parse_tests[] = {
	T(test_addr_parse),
	T(test_json_lines),
	T(test_truncation),
	CU_TEST_INFO_NULL,
};

static CU_SuiteInfo suites[] = {
	{ "libsipctl daemon backend", fake_start, fake_stop, NULL, NULL,
	  answer_tests },
	{ "libsipctl daemon answers", NULL, NULL, NULL, NULL, parse_tests },
	CU_SUITE_INFO_NULL,
};

int main(void)
{
	return tu_run(suites);
}
