// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: the request parser over a table of good and bad
 * lines, then the socket itself in-process on a temporary run_dir, with
 * clients on the same event loop: its mode, answers and end records, a
 * bad line between good ones, an over-long line, several clients at
 * once, a client that does not read, and reload.  Waits are bounded by
 * a guard timer; nothing sleeps.
 */
#include <errno.h>
#include <signal.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "config.h"
#include "control.h"
#include "control_int.h"
#include "event.h"
#include "fastpath.h"
#include "media.h"

#define GUARD_MS 3000

static const struct {
	const char *line;
	int cmd; /* -1: refused */
	const char *id;
	const char *msg; /* a part of the refusal */
} table[] = {
	{ "{\"cmd\":\"status\"}", CTL_STATUS, "", NULL },
	{ " {\"cmd\" : \"reg\"} \t", CTL_REG, "", NULL },
	{ "{\"cmd\":\"calls\",\"tag\":\"x\"}", CTL_CALLS, "", NULL },
	{ "{\"id\":\"a@b\",\"cmd\":\"call\"}", CTL_CALL, "a@b", NULL },
	{ "{\"cmd\":\"flows\",\"tag\":-5}", CTL_FLOWS, "", NULL },
	{ "{\"cmd\":\"hangup\",\"id\":\"c1\"}", CTL_HANGUP, "c1", NULL },
	{ "{\"cmd\":\"reload\"}", CTL_RELOAD, "", NULL },
	{ "{\"cmd\":\"counters\"}", CTL_COUNTERS, "", NULL },
	{ "{\"cmd\":\"monitor\",\"tag\":1}", CTL_MONITOR, "", NULL },
	{ "{\"cmd\":\"monitor\",\"id\":\"x\"}", -1, NULL,
	  "'id' does not apply to 'monitor'" },
	{ "", -1, NULL, "empty" },
	{ "{", -1, NULL, "byte 1: the line ends" },
	{ "{\"cmd\":\"status\"", -1, NULL, "the line ends inside it" },
	{ "{\"cmd\":\"status\"}x", -1, NULL, "byte 16" },
	{ "{cmd:\"status\"}", -1, NULL, "at byte 1" },
	{ "{'cmd':'status'}", -1, NULL, "malformed JSON" },
	{ "[\"status\"]", -1, NULL, "a request is a JSON object" },
	{ "\"status\"", -1, NULL, "a request is a JSON object" },
	{ "{}", -1, NULL, "missing field 'cmd'" },
	{ "{\"cmd\":\"stat\"}", -1, NULL, "unknown command 'stat'" },
	{ "{\"cmd\":7}", -1, NULL, "'cmd' is not a string" },
	{ "{\"cmd\":\"call\"}", -1, NULL, "missing field 'id'" },
	{ "{\"cmd\":\"hangup\",\"id\":\"\"}", -1, NULL, "'id' is empty" },
	{ "{\"cmd\":\"call\",\"id\":5}", -1, NULL, "'id' is not a string" },
	{ "{\"cmd\":\"status\",\"id\":\"x\"}", -1, NULL,
	  "'id' does not apply to 'status'" },
	{ "{\"cmd\":\"status\",\"verbose\":1}", -1, NULL,
	  "unknown field 'verbose'" },
	{ "{\"cmd\":\"status\",\"tag\":[1]}", -1, NULL,
	  "'tag' is not a string or integer" },
	{ "{\"cmd\":\"status\",\"tag\":{\"a\":{\"b\":1}}}", -1, NULL,
	  "nesting too deep" },
	{ "{\"cmd\":\"st\\u0000atus\"}", -1, NULL,
	  "unknown command 'st?atus'" },
	{ "{\"cmd\":\"\xff\"}", -1, NULL, "malformed JSON" },
};

static void test_parse_table(void)
{
	struct ctl_req r;
	char msg[256];
	int ret;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		ret = ctl_parse(table[i].line, strlen(table[i].line), &r, msg,
				sizeof(msg));
		if (table[i].cmd < 0) {
			CU_ASSERT_EQUAL(ret, -EINVAL);
			if (!ret || !strstr(msg, table[i].msg))
				fprintf(stderr, "# %s: '%s'\n", table[i].line,
					ret ? msg : "accepted");
			CU_ASSERT_PTR_NOT_NULL(strstr(msg, table[i].msg));
			continue;
		}
		if (ret)
			fprintf(stderr, "# %s: %s\n", table[i].line, msg);
		CU_ASSERT_EQUAL_FATAL(ret, 0);
		CU_ASSERT_EQUAL(r.cmd, table[i].cmd);
		CU_ASSERT_STRING_EQUAL(r.id, table[i].id);
	}
}

static void test_parse_bounds(void)
{
	char line[CTL_ID_MAX + 64], msg[256];
	struct ctl_req r;
	int n;

	/* the longest id fits, one more byte does not */
	n = snprintf(line, sizeof(line), "{\"cmd\":\"call\",\"id\":\"%0*d\"}",
		     CTL_ID_MAX - 1, 0);
	CU_ASSERT_EQUAL(ctl_parse(line, n, &r, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(strlen(r.id), CTL_ID_MAX - 1);
	n = snprintf(line, sizeof(line), "{\"cmd\":\"call\",\"id\":\"%0*d\"}",
		     CTL_ID_MAX, 0);
	CU_ASSERT_EQUAL(ctl_parse(line, n, &r, msg, sizeof(msg)), -EINVAL);
	/* a tag is kept even when the request is refused, NULs and all */
	n = snprintf(line, sizeof(line), "{\"tag\":\"a\\u0000b\",\"cmd\":1}");
	CU_ASSERT_EQUAL(ctl_parse(line, n, &r, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_EQUAL(r.tag_type, CTL_TAG_STR);
	CU_ASSERT_EQUAL(r.tag_len, 3);
	CU_ASSERT_EQUAL(memcmp(r.tag, "a\0b", 3), 0);
	/* a NUL byte in the line itself, not in a JSON string */
	CU_ASSERT_EQUAL(ctl_parse("{\"cmd\":\0}", 9, &r, msg, sizeof(msg)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "byte 7: a NUL"));
	n = snprintf(line, sizeof(line), "{\"cmd\":\"reg\",\"tag\":\"%0*d\"}",
		     CTL_TAG_MAX + 1, 0);
	CU_ASSERT_EQUAL(ctl_parse(line, n, &r, msg, sizeof(msg)), -EINVAL);
}

/* --- the socket, live --- */

static char run_dir[64], sock_path[128];
static struct config cfg;
static struct ev_timer guard;
static int guard_fired, reloads;

struct client {
	int fd;
	char buf[1 << 20];
	size_t len;
	bool eof;
	int want; /* lines, 0: until EOF */
};

static void guard_cb(struct ev_timer *t, void *arg)
{
	guard_fired = 1;
	ev_break();
}

static int fake_reload(char *err, size_t len)
{
	reloads++;
	if (reloads > 1) {
		snprintf(err, len, "/nowhere.conf:3: bad thing");
		return -1;
	}
	return 0;
}

static int lines_in(const struct client *c)
{
	int n = 0;

	for (size_t i = 0; i < c->len; i++)
		n += c->buf[i] == '\n';
	return n;
}

static void client_cb(int fd, uint32_t events, void *arg)
{
	struct client *c = arg;
	ssize_t n;

	while ((n = read(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len)) > 0)
		c->len += n;
	c->buf[c->len] = '\0';
	if (!n) {
		c->eof = true;
		ev_fd_del(fd);
	}
	if (c->eof || (c->want && lines_in(c) >= c->want))
		ev_break();
}

static struct client *client_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct client *c = calloc(1, sizeof(*c));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	strcpy(sa.sun_path, sock_path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	CU_ASSERT_EQUAL_FATAL(
		connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return c;
}

static void client_close(struct client *c)
{
	if (!c->eof)
		ev_fd_del(c->fd);
	close(c->fd);
	free(c);
}

/* Sends @req, then runs the loop until @want lines (0: EOF) came back. */
static void exchange(struct client *c, const char *req, int want, bool eof)
{
	size_t n = strlen(req);

	if (n)
		CU_ASSERT_EQUAL(write(c->fd, req, n), (ssize_t)n);
	if (eof)
		shutdown(c->fd, SHUT_WR);
	c->want = want;
	if (!c->len && !c->eof)
		ev_fd_add(c->fd, EPOLLIN, client_cb, c);
	ev_timer_add(&guard, GUARD_MS);
	ev_run(NULL);
	CU_ASSERT_EQUAL(guard_fired, 0);
}

/* Line @i of what @c got, parsed. */
static json_object *line_of(const struct client *c, int i)
{
	const char *s = c->buf, *nl;

	while (i-- > 0 && (nl = strchr(s, '\n')))
		s = nl + 1;
	nl = strchr(s, '\n');
	CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
	return json_tokener_parse(strndupa(s, nl - s));
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_string(v) :
		       "(none)";
}

static int64_t int_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ?
		       json_object_get_int64(v) :
		       -1;
}

static void start(void)
{
	strcpy(run_dir, "/tmp/sipfp-ctl-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(run_dir));
	memset(&cfg, 0, sizeof(cfg));
	strcpy(cfg.run_dir, run_dir);
	snprintf(sock_path, sizeof(sock_path), "%s/%s", run_dir, CTL_SOCK_NAME);
	CU_ASSERT_EQUAL_FATAL(ev_init(), 0);
	ev_timer_init(&guard, guard_cb, NULL);
	guard_fired = 0;
	reloads = 0;
	CU_ASSERT_EQUAL_FATAL(control_init(&cfg, fake_reload), 0);
}

static void stop(void)
{
	struct stat st;

	control_exit();
	ev_timer_del(&guard);
	ev_exit();
	CU_ASSERT_EQUAL(stat(sock_path, &st), -1);
	rmdir(run_dir);
}

static void test_live_mode(void)
{
	struct stat st;

	start();
	CU_ASSERT_EQUAL_FATAL(stat(sock_path, &st), 0);
	CU_ASSERT(S_ISSOCK(st.st_mode));
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0660);
	stop();
}

static void test_live_exchange(void)
{
	struct client *c;
	json_object *o;

	start();
	c = client_open();
	exchange(c,
		 "{\"cmd\":\"status\",\"tag\":\"s1\"}\n"
		 "\n"
		 "{\"cmd\":\"calls\",\"tag\":2}\r\n"
		 "{\"cmd\":\"nope\",\"tag\":3}\n"
		 "{\"cmd\":\"call\",\"id\":\"none@x\"}\n"
		 "{\"cmd\":\"reg\"}",
		 0, true);
	CU_ASSERT_EQUAL_FATAL(lines_in(c), 5);
	o = line_of(c, 0);
	CU_ASSERT_EQUAL(
		json_object_get_boolean(json_object_object_get(o, "ok")), 1);
	CU_ASSERT_STRING_EQUAL(str_of(o, "version"), SIPFPD_VERSION);
	CU_ASSERT_EQUAL(int_of(o, "pid"), getpid());
	CU_ASSERT_STRING_EQUAL(str_of(o, "fastpath"), "off");
	CU_ASSERT_EQUAL(int_of(o, "calls"), 0);
	CU_ASSERT_STRING_EQUAL(str_of(o, "tag"), "s1");
	json_object_put(o);
	o = line_of(c, 1);
	CU_ASSERT_EQUAL(
		json_object_get_boolean(json_object_object_get(o, "end")), 1);
	CU_ASSERT_EQUAL(int_of(o, "count"), 0);
	CU_ASSERT_EQUAL(int_of(o, "tag"), 2);
	json_object_put(o);
	o = line_of(c, 2);
	CU_ASSERT_STRING_EQUAL(str_of(o, "error"), "EINVAL");
	CU_ASSERT_STRING_EQUAL(str_of(o, "message"), "unknown command 'nope'");
	CU_ASSERT_EQUAL(int_of(o, "tag"), 3);
	json_object_put(o);
	o = line_of(c, 3);
	CU_ASSERT_STRING_EQUAL(str_of(o, "error"), "ENOENT");
	json_object_put(o);
	/* the last line had no newline: end of input ends it */
	o = line_of(c, 4);
	CU_ASSERT_EQUAL(int_of(o, "count"), 0);
	json_object_put(o);
	client_close(c);
	stop();
}

static void test_live_too_long(void)
{
	static char big[CTL_LINE_MAX + 2];
	struct client *c, *d;
	json_object *o;

	start();
	c = client_open();
	d = client_open();
	memset(big, 'x', sizeof(big) - 1);
	exchange(c, big, 0, false);
	CU_ASSERT(c->eof);
	CU_ASSERT_EQUAL_FATAL(lines_in(c), 1);
	o = line_of(c, 0);
	CU_ASSERT_STRING_EQUAL(str_of(o, "error"), "EMSGSIZE");
	json_object_put(o);
	/* the other client goes on */
	exchange(d, "{\"cmd\":\"flows\"}\n", 1, false);
	CU_ASSERT_EQUAL(lines_in(d), 1);
	client_close(c);
	client_close(d);
	stop();
}

static void test_live_reload(void)
{
	struct client *c;
	json_object *o;

	start();
	c = client_open();
	exchange(c, "{\"cmd\":\"reload\"}\n{\"cmd\":\"reload\"}\n", 2, false);
	CU_ASSERT_EQUAL(reloads, 2);
	o = line_of(c, 0);
	CU_ASSERT_EQUAL(
		json_object_get_boolean(json_object_object_get(o, "reloaded")),
		1);
	json_object_put(o);
	o = line_of(c, 1);
	CU_ASSERT_STRING_EQUAL(str_of(o, "error"), "EINVAL");
	CU_ASSERT_PTR_NOT_NULL(
		strstr(str_of(o, "message"), "/nowhere.conf:3: bad thing"));
	json_object_put(o);
	client_close(c);
	stop();
}

static void quit_cb(struct ev_timer *t, void *arg)
{
	ev_break();
}

/*
 * A client that asks a lot and reads nothing: the loop goes on, its
 * requests wait, and once it reads every answer comes.
 */
static void test_live_slow_reader(void)
{
	static const char req[] = "{\"cmd\":\"counters\"}\n";
	static char all[400 * sizeof(req)];
	struct client *c = NULL;
	struct ev_timer quit;
	int n = 400;

	start();
	c = client_open();
	for (int i = 0; i < n; i++)
		strcat(all, req);
	CU_ASSERT_EQUAL(write(c->fd, all, strlen(all)), (ssize_t)strlen(all));
	/* and the end of its input, which must not cut the queue short */
	shutdown(c->fd, SHUT_WR);
	ev_timer_init(&quit, quit_cb, NULL);
	ev_timer_add(&quit, 200);
	ev_timer_add(&guard, GUARD_MS);
	ev_run(NULL);
	CU_ASSERT_EQUAL(guard_fired, 0);
	exchange(c, "", 0, false);
	CU_ASSERT(c->eof);
	if (lines_in(c) != n)
		fprintf(stderr, "# %d of %d answers, eof %d\n", lines_in(c), n,
			c->eof);
	CU_ASSERT_EQUAL(lines_in(c), n);
	client_close(c);
	stop();
}

static void ep4(union tp_addr *a, const char *ip, uint16_t port)
{
	CU_ASSERT_EQUAL_FATAL(tp_addr_set(a, ip, port), 0);
}

/*
 * A monitor gets the media layer's notes as event lines with its tag,
 * and its other requests are still answered; a client that is no
 * monitor gets none.
 */
static void test_live_monitor(void)
{
	struct fp_flow f = { .spec.cookie = 77 };
	struct media_note n = { .event = "call_start", .call_id = "c1@h",
				.streams = 2 };
	struct client *m, *other;
	union tp_addr src;
	json_object *o;

	start();
	m = client_open();
	other = client_open();
	CU_ASSERT_PTR_NOT_NULL_FATAL(media_notify);
	exchange(m, "{\"cmd\":\"monitor\",\"tag\":9}\n", 1, false);
	o = line_of(m, 0);
	CU_ASSERT_EQUAL(int_of(o, "tag"), 9);
	CU_ASSERT_STRING_EQUAL(str_of(o, "monitor"), "true");
	json_object_put(o);

	media_notify(&n);
	ep4(&f.spec.local, "192.0.2.1", 20000);
	ep4(&src, "2001:db8::9", 4000);
	n = (struct media_note){ .event = "latched", .call_id = "c1@h",
				 .flow = &f, .stream = 1, .side = 1,
				 .rtcp = true, .addr = &src };
	media_notify(&n);
	n = (struct media_note){ .event = "call_end", .call_id = "c1@h",
				 .reason = "bye", .duration_ms = 5000 };
	media_notify(&n);
	exchange(m, "{\"cmd\":\"reload\",\"tag\":10}\n", 5, false);

	o = line_of(m, 1);
	CU_ASSERT_STRING_EQUAL(str_of(o, "event"), "call_start");
	CU_ASSERT_STRING_EQUAL(str_of(o, "call"), "c1@h");
	CU_ASSERT_EQUAL(int_of(o, "streams"), 2);
	CU_ASSERT_EQUAL(int_of(o, "tag"), 9);
	json_object_put(o);
	o = line_of(m, 2);
	CU_ASSERT_STRING_EQUAL(str_of(o, "event"), "latched");
	CU_ASSERT_EQUAL(int_of(o, "stream"), 1);
	CU_ASSERT_STRING_EQUAL(str_of(o, "side"), "callee");
	CU_ASSERT_STRING_EQUAL(str_of(o, "kind"), "rtcp");
	CU_ASSERT_EQUAL(int_of(o, "cookie"), 77);
	CU_ASSERT_STRING_EQUAL(str_of(o, "local"), "192.0.2.1:20000");
	CU_ASSERT_STRING_EQUAL(str_of(o, "source"), "[2001:db8::9]:4000");
	json_object_put(o);
	o = line_of(m, 3);
	CU_ASSERT_STRING_EQUAL(str_of(o, "event"), "call_end");
	CU_ASSERT_STRING_EQUAL(str_of(o, "reason"), "bye");
	CU_ASSERT_EQUAL(int_of(o, "duration_ms"), 5000);
	CU_ASSERT_STRING_EQUAL(str_of(o, "stream"), "(none)");
	json_object_put(o);
	o = line_of(m, 4);
	CU_ASSERT_EQUAL(int_of(o, "tag"), 10);
	CU_ASSERT_STRING_EQUAL(str_of(o, "reloaded"), "true");
	json_object_put(o);

	exchange(other, "{\"cmd\":\"status\"}\n", 1, false);
	CU_ASSERT_EQUAL(lines_in(other), 1);
	client_close(other);
	client_close(m);
	stop();
	CU_ASSERT_PTR_NULL(media_notify);
}

/* A monitor that reads nothing is dropped past CTL_MON_MAX, alone. */
static void test_live_monitor_slow(void)
{
	struct media_note n = { .event = "call_start", .call_id = "c1@h" };
	uint64_t before = ctl_stats.overflows;
	struct client *m;
	struct ev_timer quit;
	int sent;

	start();
	m = client_open();
	exchange(m, "{\"cmd\":\"monitor\"}\n", 1, false);
	ev_fd_del(m->fd);
	/* far past the bound and any socket buffer */
	for (sent = 0; sent < 40000; sent++)
		media_notify(&n);
	/* the loop's turns until the drop, bounded */
	ev_timer_init(&quit, quit_cb, NULL);
	for (int i = 0; i < 100 && ctl_stats.overflows == before; i++) {
		ev_timer_add(&quit, 20);
		ev_run(NULL);
	}
	CU_ASSERT_EQUAL(ctl_stats.overflows, before + 1);
	m->len = 0;
	exchange(m, "", 0, false);
	CU_ASSERT(m->eof);
	/* what the loop had sent before the drop, and no more */
	CU_ASSERT(lines_in(m) < sent);
	client_close(m);
	stop();
}

int main(void)
{
	CU_TestInfo parse[] = {
		{ "request table", test_parse_table },
		{ "bounds, tags, NULs", test_parse_bounds },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo live[] = {
		{ "socket mode 0660, removed at exit", test_live_mode },
		{ "answers, end records, errors", test_live_exchange },
		{ "over-long line closes that client only",
		  test_live_too_long },
		{ "reload, and a failed one", test_live_reload },
		{ "a client that does not read", test_live_slow_reader },
		{ "monitor: events with its tag", test_live_monitor },
		{ "monitor that does not read is dropped",
		  test_live_monitor_slow },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "control parser", NULL, NULL, NULL, NULL, parse },
		{ "control socket", NULL, NULL, NULL, NULL, live },
		CU_SUITE_INFO_NULL,
	};

	/* a test gone wrong writes to a closed socket: a failure, not a kill */
	signal(SIGPIPE, SIG_IGN);
	return tu_run(suites);
}
