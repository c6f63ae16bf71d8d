// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket on the event loop.  Every client is non-blocking
 * and bounded both ways: a request line longer than CTL_LINE_MAX gets an
 * error and the client is closed; answers wait in a queue the client
 * drains at its own pace, no further request of its is read while more
 * than CTL_OUT_LOW is waiting, and a client that lets one answer pile
 * past CTL_OUT_MAX is dropped.  Nothing a client sends or fails to read
 * can stall the loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control_int.h"
#include "event.h"
#include "log.h"
#include "media.h"

/* below this much waiting, a client's next request is read */
#define CTL_OUT_LOW (64u << 10)

struct ctl_conn {
	struct ctl_conn *next;
	int fd;
	bool eof; /* the client will send no more */
	bool closing; /* close once the queue is out */
	bool overflow; /* an answer went past CTL_OUT_MAX */
	bool monitor; /* events go to it, with @mon's tag */
	struct ctl_req mon;
	uint32_t events; /* what epoll waits for */
	size_t inlen;
	char in[CTL_LINE_MAX];
	char *out;
	size_t outoff, outlen, outcap;
};

struct ctl_stats ctl_stats;
ctl_reload_fn ctl_reload;
uint64_t ctl_start_ms;
const struct config *ctl_cfg;

static struct {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* the socket file we made, removed only if still it */
	ino_t ino;
	struct ctl_conn *conns;
	unsigned int nconns;
} ctl = { .fd = -1 };

static size_t pending(const struct ctl_conn *c)
{
	return c->outlen - c->outoff;
}

static void append(struct ctl_conn *c, const char *s, size_t n)
{
	size_t want;
	char *p;

	if (c->overflow || pending(c) + n > CTL_OUT_MAX) {
		c->overflow = true;
		return;
	}
	if (c->outoff && c->outlen + n > c->outcap) {
		memmove(c->out, c->out + c->outoff, pending(c));
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	if (c->outlen + n > c->outcap) {
		want = c->outcap ? c->outcap : 4096;
		while (want < c->outlen + n)
			want *= 2;
		p = realloc(c->out, want);
		if (!p) {
			c->overflow = true;
			return;
		}
		c->out = p;
		c->outcap = want;
	}
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
}

static void add_tag(json_object *o, const struct ctl_req *req)
{
	if (req->tag_type == CTL_TAG_STR)
		json_object_object_add(
			o, "tag",
			json_object_new_string_len(req->tag, req->tag_len));
	else if (req->tag_type == CTL_TAG_INT)
		json_object_object_add(o, "tag",
				       json_object_new_int64(req->tag_int));
}

void ctl_send(struct ctl_conn *c, const struct ctl_req *req, json_object *o)
{
	const char *s;
	size_t n;

	if (!o) {
		c->overflow = true; /* out of memory: as good as lost */
		return;
	}
	add_tag(o, req);
	s = json_object_to_json_string_length(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
	if (s) {
		append(c, s, n);
		append(c, "\n", 1);
	}
	json_object_put(o);
}

json_object *ctl_answer(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(1));
	return o;
}

void ctl_error(struct ctl_conn *c, const struct ctl_req *req, const char *code,
	       const char *fmt, ...)
{
	json_object *o = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_object_object_add(o, "ok", json_object_new_boolean(0));
	json_object_object_add(o, "error", json_object_new_string(code));
	json_object_object_add(o, "message", ctl_str(msg));
	ctl_stats.errors++;
	ctl_send(c, req, o);
}

void ctl_end(struct ctl_conn *c, const struct ctl_req *req, unsigned int n)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "end", json_object_new_boolean(1));
	json_object_object_add(o, "count", json_object_new_int64(n));
	ctl_send(c, req, o);
}

static void conn_free(struct ctl_conn *c)
{
	struct ctl_conn **pp;

	for (pp = &ctl.conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	ev_fd_del(c->fd);
	close(c->fd);
	free(c->out);
	free(c);
	ctl.nconns--;
}

/* Writes what the socket takes now: 0, or -1 when the client is gone. */
static int flush(struct ctl_conn *c)
{
	ssize_t n;

	while (pending(c)) {
		n = send(c->fd, c->out + c->outoff, pending(c), MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		c->outoff += n;
	}
	c->outoff = c->outlen = 0;
	return 0;
}

static bool blank(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return !n;
}

static void request(struct ctl_conn *c, const char *buf, size_t len)
{
	struct ctl_req req;
	char msg[256];

	if (len && buf[len - 1] == '\r')
		len--;
	/* an empty line from a person at a shell asks for nothing */
	if (blank(buf, len))
		return;
	ctl_stats.requests++;
	if (ctl_parse(buf, len, &req, msg, sizeof(msg))) {
		ctl_error(c, &req, "EINVAL", "%s", msg);
		return;
	}
	ctl_dispatch(c, &req);
}

static bool has_line(const struct ctl_conn *c)
{
	return memchr(c->in, '\n', c->inlen);
}

/* The complete lines read so far, while the queue has room. */
static void lines(struct ctl_conn *c)
{
	char *nl;
	size_t used = 0;

	while (!c->closing && !c->overflow && pending(c) < CTL_OUT_LOW) {
		nl = memchr(c->in + used, '\n', c->inlen - used);
		if (!nl)
			break;
		request(c, c->in + used, nl - (c->in + used));
		used = nl + 1 - c->in;
	}
	memmove(c->in, c->in + used, c->inlen - used);
	c->inlen -= used;
	/* at the end of input a last unterminated line counts too */
	if (c->eof && !c->closing && !has_line(c) && pending(c) < CTL_OUT_LOW) {
		if (c->inlen)
			request(c, c->in, c->inlen);
		c->inlen = 0;
		c->closing = true;
	}
	if (c->inlen == sizeof(c->in) && !c->closing) {
		struct ctl_req none = { 0 };

		ctl_stats.too_long++;
		ctl_error(c, &none, "EMSGSIZE", "line longer than %d bytes",
			  CTL_LINE_MAX - 1);
		c->closing = true;
	}
}

static int input(struct ctl_conn *c)
{
	ssize_t n;

	while (!c->eof && !c->closing && c->inlen < sizeof(c->in) &&
	       pending(c) < CTL_OUT_LOW) {
		n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -1;
		if (!n)
			c->eof = true;
		c->inlen += n;
		lines(c);
	}
	return 0;
}

/* After each event: what to wait for next, or the end of the client. */
static void settle(struct ctl_conn *c)
{
	uint32_t ev = 0;

	if (c->overflow) {
		ctl_stats.overflows++;
		log_warnx("control: a client left %zu bytes unread; dropped",
			  pending(c));
		conn_free(c);
		return;
	}
	if (c->closing && !pending(c)) {
		conn_free(c);
		return;
	}
	if (!c->closing && pending(c) < CTL_OUT_LOW)
		ev |= EPOLLIN;
	if (pending(c))
		ev |= EPOLLOUT;
	if (ev != c->events && !ev_fd_mod(c->fd, ev))
		c->events = ev;
}

static void conn_cb(int fd, uint32_t events, void *arg)
{
	struct ctl_conn *c = arg;

	/* a monitor dropped between events: its shutdown woke us */
	if (c->overflow) {
		settle(c);
		return;
	}
	if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && flush(c)) {
		conn_free(c);
		return;
	}
	/*
	 * Lines left waiting for room in the queue, then new input; again
	 * while the socket took all and lines wait, since no event will
	 * come for bytes already read.
	 */
	do {
		lines(c);
		if (input(c) || flush(c)) {
			conn_free(c);
			return;
		}
	} while (!c->closing && !c->overflow && pending(c) < CTL_OUT_LOW &&
		 (has_line(c) || c->eof));
	settle(c);
}

void ctl_monitor(struct ctl_conn *c, const struct ctl_req *req)
{
	json_object *o = ctl_answer();

	c->monitor = true;
	c->mon = *req;
	json_object_object_add(o, "monitor", json_object_new_boolean(1));
	ctl_send(c, req, o);
}

/*
 * An event to every monitor.  Maybe from inside a request of one of
 * them (hangup), so none is freed here: one too far behind is shut
 * down, and conn_cb() drops it when that wakes it.
 */
static void notify(const struct media_note *n)
{
	for (struct ctl_conn *c = ctl.conns; c; c = c->next) {
		if (!c->monitor || c->closing || c->overflow)
			continue;
		if (pending(c) > CTL_MON_MAX) {
			c->overflow = true;
			shutdown(c->fd, SHUT_RDWR);
			continue;
		}
		ctl_send(c, &c->mon, ctl_note(n));
		if (!(c->events & EPOLLOUT) &&
		    !ev_fd_mod(c->fd, c->events | EPOLLOUT))
			c->events |= EPOLLOUT;
	}
}

static void refuse(int fd)
{
	static const char busy[] =
		"{\"ok\":false,\"error\":\"EBUSY\",\"message\":"
		"\"too many control clients\"}\n";

	ctl_stats.refused++;
	(void)!send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
	close(fd);
}

static void accept_cb(int fd, uint32_t events, void *arg)
{
	struct ctl_conn *c;
	int cfd;

	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	       0) {
		if (ctl.nconns >= CTL_MAX_CLIENTS) {
			refuse(cfd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c || ev_fd_add(cfd, EPOLLIN, conn_cb, c)) {
			free(c);
			refuse(cfd);
			continue;
		}
		c->fd = cfd;
		c->events = EPOLLIN;
		c->next = ctl.conns;
		ctl.conns = c;
		ctl.nconns++;
		ctl_stats.accepted++;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		log_warn("control: accept");
}

/* A run_dir we make is handed to [general] user, who removes the socket. */
static int run_dir(const struct config *cfg)
{
	struct passwd *pw;

	if (!mkdir(cfg->run_dir, 0755)) {
		pw = *cfg->user && !geteuid() ? getpwnam(cfg->user) : NULL;
		if (pw && chown(cfg->run_dir, pw->pw_uid, pw->pw_gid))
			log_warn("control: chown %s", cfg->run_dir);
		return 0;
	}
	if (errno == EEXIST)
		return 0;
	log_warn("control: %s", cfg->run_dir);
	return -1;
}

static gid_t group_of(const struct config *cfg)
{
	const char *name = *cfg->control_group ? cfg->control_group : "sipfp";
	struct group *gr = getgrnam(name);

	if (gr)
		return gr->gr_gid;
	/* a group named in the file was checked when it was read */
	if (*cfg->control_group)
		log_warnx("control: group %s has gone; using root's", name);
	return 0;
}

/*
 * A socket file left by a sipfpd that died is removed; one a live sipfpd
 * still answers on is taken over, with a warning, since two daemons on
 * one run_dir is a configuration mistake the later start should survive.
 */
static int clear_path(const struct sockaddr_un *sa)
{
	struct stat st;
	int fd, live;

	if (lstat(sa->sun_path, &st))
		return errno == ENOENT ?
			       0 :
			       (log_warn("control: %s", sa->sun_path), -1);
	if (!S_ISSOCK(st.st_mode)) {
		log_warnx("control: %s exists and is not a socket",
			  sa->sun_path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	live = fd >= 0 &&
	       !connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (fd >= 0)
		close(fd);
	if (live)
		log_warnx("control: another sipfpd answers on %s; taking over",
			  sa->sun_path);
	if (unlink(sa->sun_path) && errno != ENOENT) {
		log_warn("control: unlink %s", sa->sun_path);
		return -1;
	}
	return 0;
}

static int bind_socket(const struct sockaddr_un *sa, gid_t gid)
{
	struct stat st;
	mode_t old;
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_warn("control: socket");
		return -1;
	}
	/* no moment at which the file is open to others: 0660 from birth */
	old = umask(S_IXUSR | S_IXGRP | S_IRWXO);
	ret = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (ret || listen(fd, 16)) {
		log_warn("control: %s", sa->sun_path);
		close(fd);
		return -1;
	}
	if (chown(sa->sun_path, (uid_t)-1, gid) && errno != EPERM)
		log_warn("control: chown %s to group %u", sa->sun_path,
			 (unsigned int)gid);
	if (!stat(sa->sun_path, &st)) {
		ctl.dev = st.st_dev;
		ctl.ino = st.st_ino;
	}
	return fd;
}

int control_init(const struct config *cfg, ctl_reload_fn reload)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int n;

	ctl_reload = reload;
	ctl_cfg = cfg;
	ctl_start_ms = ev_now_ms();
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", cfg->run_dir,
		     CTL_SOCK_NAME);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		log_warnx("control: %s/%s: longer than a socket path may be",
			  cfg->run_dir, CTL_SOCK_NAME);
		return -1;
	}
	if (run_dir(cfg) || clear_path(&sa))
		return -1;
	ctl.fd = bind_socket(&sa, group_of(cfg));
	if (ctl.fd < 0)
		return -1;
	if (ev_fd_add(ctl.fd, EPOLLIN, accept_cb, NULL)) {
		log_warnx("control: cannot watch %s", sa.sun_path);
		close(ctl.fd);
		ctl.fd = -1;
		unlink(sa.sun_path);
		return -1;
	}
	strcpy(ctl.path, sa.sun_path);
	media_notify = notify;
	log_info("control: listening on %s", ctl.path);
	return 0;
}

void control_exit(void)
{
	struct stat st;

	if (media_notify == notify)
		media_notify = NULL;
	while (ctl.conns)
		conn_free(ctl.conns);
	if (ctl.fd < 0)
		return;
	ev_fd_del(ctl.fd);
	close(ctl.fd);
	ctl.fd = -1;
	/* a later sipfpd may have taken the path over: leave its socket */
	if (!stat(ctl.path, &st) && st.st_dev == ctl.dev &&
	    st.st_ino == ctl.ino && unlink(ctl.path))
		log_warn("control: unlink %s", ctl.path);
}
