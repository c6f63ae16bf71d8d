// SPDX-License-Identifier: GPL-2.0
/*
 * The daemon backend: sipfpd's control socket (daemon/README.md, "The
 * control socket"), one JSON object a line each way.  daemon_json.c
 * reads the lines; this file moves them.
 *
 * Every request carries a tag, a number that grows with each, and only
 * lines with the last request's tag are taken: a listing a caller
 * stopped early, or one that could not be read, leaves lines behind
 * that the next request skips, so the connection never needs resetting
 * after a bad line.  It is dropped only when it broke (the daemon went
 * away, a line over SCTL_LINE_MAX, no answer in DAEMON_TIMEOUT_S), and
 * made again by the next call.
 *
 * Events come on a second connection that asked for {"cmd":"monitor"}.
 */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "internal.h"

/* an answer that takes longer: the daemon is stuck, or not sipfpd */
#define DAEMON_TIMEOUT_S 10
#define LINES_INITIAL (64u << 10)
/* the monitor's answer, before any event: a short line */
#define ACK_MAX 4096

/* What a socket sent, up to SCTL_LINE_MAX a line. */
struct sctl_lines {
	char *buf;
	size_t cap, len, start; /* @start: of the next line */
};

static struct sctl_lines *lines_new(void)
{
	struct sctl_lines *l = calloc(1, sizeof(*l));

	if (l)
		l->buf = malloc(LINES_INITIAL);
	if (l && !l->buf) {
		free(l);
		return NULL;
	}
	if (l)
		l->cap = LINES_INITIAL;
	return l;
}

static void lines_free(struct sctl_lines *l)
{
	if (l)
		free(l->buf);
	free(l);
}

/* 1: a line (without its newline) at *@s; 0: none yet; -EMSGSIZE. */
static int line_next(struct sctl_lines *l, char **s, size_t *n)
{
	char *nl = memchr(l->buf + l->start, '\n', l->len - l->start);

	if (nl) {
		*s = l->buf + l->start;
		*n = nl - *s;
		l->start += *n + 1;
		return 1;
	}
	memmove(l->buf, l->buf + l->start, l->len - l->start);
	l->len -= l->start;
	l->start = 0;
	return l->len >= SCTL_LINE_MAX ? -EMSGSIZE : 0;
}

/* Reads what @fd has: the bytes read, 0 at its end, or -errno. */
static ssize_t line_fill(struct sctl_lines *l, int fd)
{
	char *p;
	ssize_t r;

	if (l->len == l->cap) {
		p = realloc(l->buf, l->cap * 2);
		if (!p)
			return -ENOMEM;
		l->buf = p;
		l->cap *= 2;
	}
	do
		r = read(fd, l->buf + l->len, l->cap - l->len);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	l->len += r;
	return r;
}

static void lines_reset(struct sctl_lines *l)
{
	l->len = l->start = 0;
}

static int dial(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = DAEMON_TIMEOUT_S };
	int fd, err;

	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = errno;
		close(fd);
		return -err;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	*out = fd;
	return 0;
}

static void hang_up(struct sipctl *h)
{
	if (h->d.fd >= 0)
		close(h->d.fd);
	h->d.fd = -1;
	lines_reset(h->d.in);
}

static int send_all(int fd, const char *s, size_t n)
{
	ssize_t r;

	while (n) {
		r = send(fd, s, n, MSG_NOSIGNAL);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		s += r;
		n -= r;
	}
	return 0;
}

/* {"cmd":@cmd,"id":@id,"tag":@tag} and its newline, on @fd. */
static int send_req(int fd, const char *cmd, const char *id, uint64_t tag)
{
	json_object *o = json_object_new_object();
	const char *s;
	size_t n;
	int ret = -ENOMEM;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "cmd", json_object_new_string(cmd));
	if (id)
		json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "tag", json_object_new_uint64(tag));
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &n);
	if (s) {
		ret = send_all(fd, s, n);
		if (!ret)
			ret = send_all(fd, "\n", 1);
	}
	json_object_put(o);
	return ret;
}

/*
 * Sends a request.  A connection the daemon closed since the last call
 * (it restarted) fails at once: made again, once, and sent again, since
 * nothing of it reached the daemon.
 */
static int request(struct sipctl *h, const char *cmd, const char *id)
{
	int ret = -EPIPE;

	h->d.tag++;
	for (int i = 0; i < 2 && ret == -EPIPE; i++) {
		if (h->d.fd < 0) {
			ret = dial(h->d.path, &h->d.fd);
			if (ret)
				return sctl_fail(h, ret,
						 "cannot reach sipfpd at %s",
						 h->d.path);
		}
		ret = send_req(h->d.fd, cmd, id, h->d.tag);
		if (ret)
			hang_up(h);
	}
	return ret ? sctl_fail(h, ret, "sending to sipfpd at %s", h->d.path) :
		     0;
}

static int broken(struct sipctl *h, int err, const char *why)
{
	hang_up(h);
	return sctl_fail(h, err, "sipfpd at %s: %s", h->d.path, why);
}

/* The next complete line of the request socket, reading as needed. */
static int next_line(struct sipctl *h, char **s, size_t *n)
{
	ssize_t r;
	int ret;

	while (!(ret = line_next(h->d.in, s, n))) {
		r = line_fill(h->d.in, h->d.fd);
		if (r == -EAGAIN || r == -EWOULDBLOCK)
			return broken(h, -ETIMEDOUT, "no answer in time");
		if (r < 0)
			return broken(h, r, "reading its answer failed");
		if (!r)
			return broken(h, -EPIPE, "it closed the connection");
	}
	if (ret < 0)
		return broken(h, ret, "an answer line over 1 MiB");
	return 0;
}

/*
 * The next line that answers the last request: *@o and what it is, or
 * its refusal (-errno, the daemon's words in h->err).  A refusal without
 * a tag is the daemon's for the whole connection ("too many clients"),
 * which it closes.
 */
static int next(struct sipctl *h, json_object **o, struct sctl_answer *a)
{
	char err[SCTL_ERR_MAX], *s;
	size_t n;
	int ret;

	for (;;) {
		ret = next_line(h, &s, &n);
		if (ret)
			return ret;
		ret = sctl_json_parse(s, n, o, err);
		if (ret)
			return sctl_fail(h, ret, "%s", err);
		ret = sctl_json_answer(*o, a, err);
		if ((a->tagged && a->tag == h->d.tag) || (!a->tagged && ret))
			break;
		json_object_put(*o);
	}
	if (!ret)
		return 0;
	json_object_put(*o);
	*o = NULL;
	if (!a->tagged)
		hang_up(h);
	return sctl_fail(h, ret, "%s", err);
}

/* A request answered by one object: *@o. */
static int single(struct sipctl *h, const char *cmd, const char *id,
		  json_object **o)
{
	struct sctl_answer a;
	int ret = request(h, cmd, id);

	if (!ret)
		ret = next(h, o, &a);
	if (ret || a.kind == SCTL_ANS_OK)
		return ret;
	json_object_put(*o);
	return sctl_fail(h, -EPROTO, "sipfpd answered '%s' with a listing",
			 cmd);
}

/* Reads one record of a listing into the model; 0 or -EPROTO. */
typedef int (*record_fn)(struct sipctl *h, json_object *o, void *arg,
			 int *cb_ret);

/*
 * A request answered by a listing: @rec per record, until the end
 * record, even after @rec failed or its callback stopped; @count: the
 * records read.
 * Return: 0, the first failure, or what the callback stopped with.
 */
static int listing(struct sipctl *h, const char *cmd, const char *id,
		   record_fn rec, void *arg, int *count)
{
	int ret = request(h, cmd, id), fail = 0, stop = 0, n = 0;
	struct sctl_answer a;
	json_object *o;

	while (!ret) {
		ret = next(h, &o, &a);
		if (ret)
			break;
		if (a.kind == SCTL_ANS_END) {
			json_object_put(o);
			if (a.count != (uint64_t)n && !fail)
				fail = sctl_fail(h, -EPROTO,
						 "sipfpd's '%s' listing counts "
						 "%llu records; %d came",
						 cmd,
						 (unsigned long long)a.count, n);
			break;
		}
		n++;
		if (a.kind != SCTL_ANS_RECORD && !fail)
			fail = sctl_fail(h, -EPROTO,
					 "sipfpd's '%s' listing holds an "
					 "answer or an event",
					 cmd);
		if (!fail && !stop) {
			h->busy = true;
			fail = rec(h, o, arg, &stop);
			h->busy = false;
		}
		json_object_put(o);
	}
	*count = n;
	return ret ? ret : fail ? fail : stop;
}

static int d_status_get(struct sipctl *h, struct sipctl_status *st)
{
	json_object *o;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = single(h, "status", NULL, &o);
	if (ret)
		return ret;
	ret = sctl_json_status(o, st, h->err);
	json_object_put(o);
	if (ret)
		return ret;
	ret = single(h, "counters", NULL, &o);
	if (ret)
		return ret;
	ret = sctl_json_counters(o, st, h->err);
	json_object_put(o);
	return ret;
}

struct walk {
	union {
		sipctl_reg_cb reg;
		sipctl_call_cb call;
		sipctl_stream_flow_cb sflow;
		sipctl_flow_cb flow;
	} cb;
	bool placed; /* a flow's callback is cb.sflow, not cb.flow */
	void *arg;
	struct sipctl_call *call; /* big: on the heap */
	const union sipctl_addr *want; /* flow_get's */
	struct sipctl_flow *found;
};

static int reg_rec(struct sipctl *h, json_object *o, void *arg, int *cb_ret)
{
	struct walk *w = arg;
	struct sipctl_reg r;
	int ret = sctl_json_reg(o, &r, h->err);

	if (!ret)
		*cb_ret = w->cb.reg(&r, w->arg);
	return ret;
}

static int d_reg_dump(struct sipctl *h, sipctl_reg_cb cb, void *arg)
{
	struct walk w = { .cb.reg = cb, .arg = arg };
	int n, ret = listing(h, "reg", NULL, reg_rec, &w, &n);

	return ret ? ret : n;
}

static int call_rec(struct sipctl *h, json_object *o, void *arg, int *cb_ret)
{
	struct walk *w = arg;
	int ret = sctl_json_call(o, w->call, h->err);

	if (!ret)
		*cb_ret = w->cb.call(w->call, w->arg);
	return ret;
}

static int d_call_dump(struct sipctl *h, const char *call_id,
		       sipctl_call_cb cb, void *arg)
{
	struct walk w = { .cb.call = cb, .arg = arg };
	int n, ret;

	w.call = malloc(sizeof(*w.call));
	if (!w.call)
		return -ENOMEM;
	ret = listing(h, call_id ? "call" : "calls", call_id, call_rec, &w,
		      &n);
	free(w.call);
	return ret ? ret : n;
}

/* A flow of sipfpd's listing, to cb.sflow with its call or to cb.flow. */
static int flow_rec(struct sipctl *h, json_object *o, void *arg, int *cb_ret)
{
	struct walk *w = arg;
	char call_id[SIPCTL_CALL_ID_MAX];
	struct sipctl_stream_flow sf;
	int ret = sctl_json_flow(o, &sf, call_id, h->err);

	if (ret)
		return ret;
	*cb_ret = w->placed ? w->cb.sflow(call_id, &sf, w->arg) :
			      w->cb.flow(&sf.flow, w->arg);
	return 0;
}

static int d_call_flow_dump(struct sipctl *h, sipctl_stream_flow_cb cb,
			    void *arg)
{
	struct walk w = { .cb.sflow = cb, .arg = arg, .placed = true };
	int n, ret = listing(h, "flows", NULL, flow_rec, &w, &n);

	return ret ? ret : n;
}

static int d_flow_dump(struct sipctl *h, sipctl_flow_cb cb, void *arg)
{
	struct walk w = { .cb.flow = cb, .arg = arg };
	int n;

	return listing(h, "flows", NULL, flow_rec, &w, &n);
}

static bool same_addr(const union sipctl_addr *a, const union sipctl_addr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b->sin.sin_port &&
		       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	return a->sa.sa_family == AF_INET6 &&
	       a->sin6.sin6_port == b->sin6.sin6_port &&
	       !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16);
}

static int find_one(const struct sipctl_flow *f, void *arg)
{
	struct walk *w = arg;

	if (!(f->has & SIPCTL_FLOW_HAS_LOCAL) || !same_addr(&f->local, w->want))
		return 0;
	*w->found = *f;
	return 1;
}

/* The daemon has no request for one flow: its listing, searched. */
static int d_flow_get(struct sipctl *h, const union sipctl_addr *local,
		      struct sipctl_flow *f)
{
	struct walk w = { .cb.flow = find_one, .want = local, .found = f };
	int n, ret;

	memset(f, 0, sizeof(*f));
	w.arg = &w;
	ret = listing(h, "flows", NULL, flow_rec, &w, &n);
	if (ret < 0)
		return ret;
	return ret == 1 ? 0 : -ENOENT;
}

static int d_hangup(struct sipctl *h, const char *call_id)
{
	json_object *o, *v;
	int64_t n = 0;
	int ret = single(h, "hangup", call_id, &o);

	if (ret)
		return ret;
	if (json_object_object_get_ex(o, "sessions", &v) &&
	    json_object_is_type(v, json_type_int))
		n = json_object_get_int64(v);
	json_object_put(o);
	if (n < 1 || n > INT32_MAX)
		return sctl_fail(h, -EPROTO,
				 "sipfpd's hangup answer has no 'sessions'");
	return n;
}

static int d_reload(struct sipctl *h)
{
	json_object *o;
	int ret = single(h, "reload", NULL, &o);

	if (!ret)
		json_object_put(o);
	return ret;
}

/*
 * The monitor's answer, read without taking a byte of the events after
 * it: they must wait in the socket, where poll() sees them.
 */
static int monitor_ack(struct sipctl *h, int fd)
{
	char buf[ACK_MAX], err[SCTL_ERR_MAX], *nl;
	struct sctl_answer a;
	json_object *o;
	ssize_t r;
	int ret;

	for (;;) {
		r = recv(fd, buf, sizeof(buf), MSG_PEEK);
		nl = r > 0 ? memchr(buf, '\n', r) : NULL;
		if (nl || r == sizeof(buf))
			break;
		/* no newline yet: wait for one byte more than we saw */
		if (r > 0)
			r = recv(fd, buf, r + 1, MSG_PEEK | MSG_WAITALL);
		if (r <= 0)
			return sctl_fail(h, r ? -errno : -EPIPE,
					 "sipfpd at %s did not answer "
					 "'monitor'",
					 h->d.path);
	}
	if (!nl)
		return sctl_fail(h, -EPROTO, "sipfpd's 'monitor' answer is "
					     "too long");
	(void)!recv(fd, buf, nl + 1 - buf, 0);
	ret = sctl_json_parse(buf, nl - buf, &o, err);
	if (!ret) {
		ret = sctl_json_answer(o, &a, err);
		json_object_put(o);
		if (!ret && a.kind != SCTL_ANS_OK)
			ret = -EPROTO;
	}
	return ret ? sctl_fail(h, ret, "monitor: %s", err) : 0;
}

static int d_event_fd(struct sipctl *h)
{
	int fd, ret;

	if (h->d.ev_fd >= 0)
		return h->d.ev_fd;
	ret = dial(h->d.path, &fd);
	if (ret)
		return sctl_fail(h, ret, "cannot reach sipfpd at %s",
				 h->d.path);
	ret = send_req(fd, "monitor", NULL, 0);
	if (!ret)
		ret = monitor_ack(h, fd);
	if (!ret && fcntl(fd, F_SETFL, O_NONBLOCK))
		ret = -errno;
	if (ret) {
		close(fd);
		return ret;
	}
	lines_reset(h->d.ev);
	h->d.ev_fd = fd;
	return fd;
}

/* The complete lines waiting: each event passed to @cb. */
static int event_lines(struct sipctl *h, sipctl_event_cb cb, void *arg)
{
	char err[SCTL_ERR_MAX], *s;
	struct sctl_answer a;
	struct sipctl_event ev;
	json_object *o;
	size_t len;
	int n = 0, ret;

	while ((ret = line_next(h->d.ev, &s, &len)) > 0) {
		if (sctl_json_parse(s, len, &o, err))
			continue;
		if (!sctl_json_answer(o, &a, err) &&
		    a.kind == SCTL_ANS_EVENT && !sctl_json_event(o, &ev, err)) {
			cb(&ev, arg);
			n++;
		}
		json_object_put(o);
	}
	return ret < 0 ? ret : n;
}

static void event_close(struct sipctl *h)
{
	close(h->d.ev_fd);
	h->d.ev_fd = -1;
	lines_reset(h->d.ev);
}

static int d_event_read(struct sipctl *h, sipctl_event_cb cb, void *arg)
{
	int n = 0, ret;
	ssize_t r;

	if (h->d.ev_fd < 0)
		return -EINVAL;
	for (;;) {
		r = line_fill(h->d.ev, h->d.ev_fd);
		if (r == -EAGAIN || r == -EWOULDBLOCK)
			return n;
		ret = r > 0 ? event_lines(h, cb, arg) : 0;
		if (ret >= 0)
			n += ret;
		if (r > 0 && ret >= 0)
			continue;
		event_close(h);
		return sctl_fail(h, r < 0 ? r : ret < 0 ? -EPROTO : -EPIPE,
				 "sipfpd at %s %s", h->d.path,
				 r < 0	 ? "broke the event stream" :
				 ret < 0 ? "sent an event over 1 MiB" :
					   "closed the event stream");
	}
}

static int d_refuse(struct sipctl *h)
{
	return sctl_fail(h, -EOPNOTSUPP,
			 "sipfpd's flows are its calls': it makes and ends "
			 "them; manual flows go to the kernel module");
}

static int d_flow_change(struct sipctl *h, const struct sipctl_flow *f)
{
	return d_refuse(h);
}

static int d_flow_batch(struct sipctl *h, const struct sipctl_flow *f,
			size_t n, int *errs)
{
	return d_refuse(h);
}

static int d_flush(struct sipctl *h, uint64_t cookie, uint64_t mask)
{
	return d_refuse(h);
}

static void d_close(struct sipctl *h)
{
	if (h->d.fd >= 0)
		close(h->d.fd);
	if (h->d.ev_fd >= 0)
		close(h->d.ev_fd);
	lines_free(h->d.in);
	lines_free(h->d.ev);
}

static const char *default_path(void)
{
	const char *p = secure_getenv("SIPCTL_SOCKET");

	return p && *p ? p : SIPCTL_DAEMON_SOCKET;
}

int sipctl_open_daemon(struct sipctl **hp, const char *sock_path)
{
	const char *path = sock_path ? sock_path : default_path();
	struct sipctl *h;
	int ret;

	*hp = NULL;
	if (strlen(path) >= sizeof(h->d.path))
		return sctl_open_fail(-ENAMETOOLONG,
				      "%.64s...: longer than a UNIX socket's "
				      "path may be",
				      path);
	h = calloc(1, sizeof(*h));
	if (!h)
		return sctl_open_fail(-ENOMEM, "%s", strerror(ENOMEM));
	h->ops = &sctl_daemon_ops;
	h->d.fd = h->d.ev_fd = -1;
	strcpy(h->d.path, path);
	h->d.in = lines_new();
	h->d.ev = lines_new();
	ret = h->d.in && h->d.ev ? dial(path, &h->d.fd) : -ENOMEM;
	if (ret == -ENOENT)
		ret = -ECONNREFUSED;
	if (ret) {
		d_close(h);
		free(h);
		return sctl_open_fail(ret, "%s: %s", path,
				      ret == -ECONNREFUSED ?
					      "no sipfpd answers there: is it "
					      "running? ($SIPCTL_SOCKET names "
					      "another socket)" :
				      ret == -EACCES ?
					      "permission denied (the socket's "
					      "group is [general] control_group)" :
					      strerror(-ret));
	}
	*hp = h;
	return 0;
}

const struct sctl_ops sctl_daemon_ops = {
	.name = "daemon",
	.flow_add = d_flow_change,
	.flow_add_batch = d_flow_batch,
	.flow_set = d_flow_change,
	.flow_del = d_flow_change,
	.flow_get = d_flow_get,
	.flow_dump = d_flow_dump,
	.flush = d_flush,
	.event_fd = d_event_fd,
	.event_read = d_event_read,
	.status_get = d_status_get,
	.reg_dump = d_reg_dump,
	.call_dump = d_call_dump,
	.call_flow_dump = d_call_flow_dump,
	.hangup = d_hangup,
	.reload = d_reload,
	.close = d_close,
};
