// SPDX-License-Identifier: GPL-2.0
/*
 * Stream transports: TCP listeners and connections, accepted or opened
 * here, with TLS as another stream_ops over the same connection.
 *
 * A connection has an input buffer framed by sip_msg_frame() (RFC 3261
 * §18.3: Content-Length delimits messages; RFC 5626 §3.5.1: a CRLFCRLF
 * ping is answered with CRLF), an output backlog for what the socket
 * would not take at once, and a lazily re-armed idle timer.  It is found
 * by id (the low bits are the descriptor, so the lookup is an index) and
 * by peer address, so a request to a phone reuses the connection the
 * phone opened (RFC 3261 §18.1.1, RFC 5626).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "sip/msg.h"
#include "stream.h"
#include "tp.h"

#define FD_BITS 24
#define FD_MASK ((1u << FD_BITS) - 1)
#define HASH_SIZE 4096
#define IN_FIRST 4096
#define IN_MAX (TP_MAX_MSG + 1)
#define OUT_MAX (1u << 20) /* a peer that reads nothing loses its connection */
#define ACCEPT_BATCH 64
#define ACCEPT_PAUSE_MS 100
#define DRAIN_MS 2000

struct listener {
	int fd;
	uint8_t proto;
	const struct stream_ops *ops;
	struct ev_timer resume; /* after running out of descriptors */
};

const struct stream_ops *tls_stream_ops;

static struct listener lsns[CFG_MAX_LISTEN];
static unsigned int nlsns;
static tp_recv_fn recv_cb;
static struct conn **by_fd;
static unsigned int by_fd_len;
static struct conn *hash[HASH_SIZE];
static uint32_t hash_seed;
static uint64_t next_seq = 1;
static uint64_t idle_ms = 600000;
static uint32_t max_conns = 4096;

static void conn_free(struct conn *c);
static bool flush(struct conn *c);

static ssize_t plain_read(struct conn *c, void *buf, size_t len)
{
	ssize_t n = read(c->fd, buf, len);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR) {
		c->want_read = true;
		return -EAGAIN;
	}
	return -errno;
}

static ssize_t plain_write(struct conn *c, const void *buf, size_t len)
{
	ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR) {
		c->want_write = true;
		return -EAGAIN;
	}
	return -errno;
}

static const struct stream_ops tcp_ops = {
	.read = plain_read,
	.write = plain_write,
};

static struct sip_peer conn_peer(const struct conn *c)
{
	struct sip_peer p = {
		.proto = c->proto,
		.conn_id = c->id,
		.addr = c->peer,
		.local = c->local,
	};

	return p;
}

static const char *conn_str(const struct conn *c, char *buf, size_t size)
{
	struct sip_peer p = conn_peer(c);

	return tp_peer_str(&p, buf, size);
}

/* FNV-1a, seeded so a peer cannot aim its ports at one chain. */
static unsigned int addr_hash(uint8_t proto, const union tp_addr *a)
{
	uint32_t h = 2166136261u ^ hash_seed;
	const uint8_t *p;
	size_t n;
	uint16_t port = tp_addr_port(a);

	if (a->sa.sa_family == AF_INET6) {
		p = a->sin6.sin6_addr.s6_addr;
		n = 16;
	} else {
		p = (const uint8_t *)&a->sin.sin_addr;
		n = 4;
	}
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	h = (h ^ (port & 0xff)) * 16777619u;
	h = (h ^ (port >> 8)) * 16777619u;
	h = (h ^ proto) * 16777619u;
	return h & (HASH_SIZE - 1);
}

static void hash_del(struct conn *c)
{
	struct conn **pp = &hash[addr_hash(c->proto, &c->peer)];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == c) {
			*pp = c->hnext;
			return;
		}
	}
}

static bool usable(const struct conn *c)
{
	return !c->dead && !c->closing;
}

static struct conn *by_addr(uint8_t proto, const union tp_addr *a)
{
	struct conn *c = hash[addr_hash(proto, a)];

	for (; c; c = c->hnext)
		if (c->proto == proto && usable(c) && tp_addr_eq(&c->peer, a))
			return c;
	return NULL;
}

static struct conn *by_id(uint64_t id)
{
	unsigned int fd = id & FD_MASK;
	struct conn *c = fd < by_fd_len ? by_fd[fd] : NULL;

	return c && c->id == id && usable(c) ? c : NULL;
}

static int fd_slot(int fd)
{
	unsigned int n = by_fd_len ? by_fd_len : 256;
	struct conn **p;

	if ((unsigned int)fd < by_fd_len)
		return 0;
	if (fd > (int)FD_MASK)
		return -EMFILE;
	while (n <= (unsigned int)fd)
		n *= 2;
	p = realloc(by_fd, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + by_fd_len, 0, (n - by_fd_len) * sizeof(*p));
	by_fd = p;
	by_fd_len = n;
	return 0;
}

static void update_events(struct conn *c)
{
	uint32_t ev = EPOLLIN;

	if (c->connecting || c->want_write ||
	    (c->outoff < c->outlen && !c->out_waits_read))
		ev |= EPOLLOUT;
	if (ev != c->events && !ev_fd_mod(c->fd, ev))
		c->events = ev;
}

static void conn_close(struct conn *c)
{
	if (c->busy)
		c->dead = true;
	else
		conn_free(c);
}

static void idle_cb(struct ev_timer *t, void *arg)
{
	struct conn *c = arg;
	uint64_t quiet = ev_now_ms() - c->last_ms;
	char name[64];

	if (c->closing) {
		conn_close(c);
		return;
	}
	if (quiet < idle_ms) {
		ev_timer_add(t, idle_ms - quiet);
		return;
	}
	tp_stats.tcp_idle_closed++;
	log_debug("%s: idle for %llu s, closing",
		  conn_str(c, name, sizeof(name)),
		  (unsigned long long)quiet / 1000);
	conn_close(c);
}

static void conn_event(int fd, uint32_t events, void *arg);

static struct conn *conn_new(int fd, uint8_t proto,
			     const struct stream_ops *ops,
			     const union tp_addr *peer)
{
	struct conn *c;
	int one = 1;

	if (fd_slot(fd))
		return NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	c->id = (next_seq++ << FD_BITS) | (unsigned int)fd;
	c->proto = proto;
	c->ops = ops;
	c->peer = *peer;
	c->last_ms = ev_now_ms();
	c->events = EPOLLIN;
	if (ev_fd_add(fd, EPOLLIN, conn_event, c)) {
		free(c);
		return NULL;
	}
	/* a response is one write: Nagle would only delay the next */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	by_fd[fd] = c;
	c->hnext = hash[addr_hash(proto, peer)];
	hash[addr_hash(proto, peer)] = c;
	ev_timer_init(&c->idle, idle_cb, c);
	ev_timer_add(&c->idle, idle_ms);
	tp_stats.tcp_conns++;
	return c;
}

static void conn_free(struct conn *c)
{
	ev_timer_del(&c->idle);
	ev_fd_del(c->fd);
	if (c->ops->close)
		c->ops->close(c);
	close(c->fd);
	hash_del(c);
	by_fd[c->fd] = NULL;
	free(c->in);
	free(c->out);
	free(c);
	tp_stats.tcp_conns--;
}

static int queue(struct conn *c, const char *buf, size_t len)
{
	size_t pending = c->outlen - c->outoff;
	size_t cap = c->outcap;
	char *p;

	if (pending + len > OUT_MAX)
		return -ENOBUFS;
	if (c->outoff) {
		memmove(c->out, c->out + c->outoff, pending);
		c->outoff = 0;
		c->outlen = pending;
	}
	if (pending + len > cap) {
		cap = cap ? cap : 4096;
		while (cap < pending + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	return 0;
}

/*
 * A session layer's write can wait for input rather than for room (a TLS
 * handshake in progress): polling for room then would spin until the
 * input comes, so the retry is left to the input.
 */
static ssize_t try_write(struct conn *c, const char *buf, size_t len)
{
	ssize_t n;

	c->want_read = c->want_write = false;
	n = c->ops->write(c, buf, len);
	c->out_waits_read = n == -EAGAIN && c->want_read && !c->want_write;
	return n;
}

static int conn_write(struct conn *c, const char *buf, size_t len)
{
	char name[64];
	ssize_t n;
	int ret;

	if (!usable(c))
		return -EPIPE;
	c->last_ms = ev_now_ms();
	if (c->outoff == c->outlen && !c->connecting) {
		n = try_write(c, buf, len);
		if (n < 0 && n != -EAGAIN) {
			log_debug("%s: write: %s",
				  conn_str(c, name, sizeof(name)),
				  strerror(-n));
			conn_close(c);
			return n;
		}
		if (n > 0) {
			buf += n;
			len -= n;
		}
	}
	ret = len ? queue(c, buf, len) : 0;
	if (ret) {
		tp_stats.tcp_overflows++;
		log_warnx_rl("%s: peer not reading, %u bytes pending, closing",
			     conn_str(c, name, sizeof(name)),
			     c->outlen - c->outoff);
		conn_close(c);
		return ret;
	}
	update_events(c);
	return 0;
}

/*
 * Closing after an error answer: close() with unread input would send a
 * reset that can destroy the answer in flight, so shut the write side
 * and read until the peer closes too, for a bounded time.
 */
static bool drain(struct conn *c)
{
	if (c->ops != &tcp_ops) {
		conn_free(c);
		return false;
	}
	if (!c->shut) {
		shutdown(c->fd, SHUT_WR);
		c->shut = true;
		ev_timer_add(&c->idle, DRAIN_MS);
	}
	update_events(c);
	return true;
}

/* Returns false when the connection is gone. */
static bool flush(struct conn *c)
{
	char name[64];
	ssize_t n;

	c->want_write = false;
	while (c->outoff < c->outlen) {
		n = try_write(c, c->out + c->outoff, c->outlen - c->outoff);
		if (n == -EAGAIN)
			break;
		if (n < 0) {
			log_debug("%s: write: %s",
				  conn_str(c, name, sizeof(name)),
				  strerror(-n));
			conn_free(c);
			return false;
		}
		c->outoff += n;
		c->last_ms = ev_now_ms();
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->closing)
			return drain(c);
	}
	update_events(c);
	return true;
}

static void deliver(struct conn *c, const char *buf, size_t len)
{
	struct sip_peer p = conn_peer(c);

	recv_cb(buf, len, &p);
}

/* RFC 5626 §3.5.1: every CRLFCRLF between messages is a ping */
static void keepalive(struct conn *c, size_t n)
{
	c->crlf = n + c->crlf > 255 ? 255 : c->crlf + n;
	while (c->crlf >= 4 && usable(c)) {
		c->crlf -= 4;
		tp_stats.tcp_pings++;
		conn_write(c, "\r\n", 2);
	}
}

/*
 * No Content-Length, or more than a message can hold: the stream cannot
 * be resynchronised (§18.3).  The rest still goes up, so the request can
 * be answered 400 naming the fault, and the connection closes after it.
 */
static void unframeable(struct conn *c, uint32_t off, const struct sip_err *err)
{
	char name[64];

	tp_stats.tcp_framing_errors++;
	log_warnx_rl("%s: cannot frame a message (%s), closing",
		     conn_str(c, name, sizeof(name)), err->what);
	deliver(c, c->in + off, c->inlen - off);
	c->closing = true;
}

/* Hands up every complete message; false when the connection is gone. */
static bool frame(struct conn *c)
{
	struct sip_err err = { 0 };
	uint32_t off = 0;
	ssize_t n;

	c->busy = true;
	while (off < c->inlen && usable(c)) {
		n = sip_msg_frame(c->in + off, c->inlen - off, &err);
		if (n == 0)
			break;
		if (n < 0) {
			unframeable(c, off, &err);
			off = c->inlen;
			break;
		}
		if (c->in[off] == '\r' || c->in[off] == '\n') {
			keepalive(c, n);
		} else {
			c->crlf = 0;
			tp_stats.tcp_rx++;
			deliver(c, c->in + off, n);
		}
		off += n;
	}
	c->busy = false;
	if (c->dead) {
		conn_free(c);
		return false;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	if (c->inlen == IN_MAX && !c->closing) {
		err.what = "message over 65535 bytes";
		c->busy = true;
		unframeable(c, 0, &err);
		c->busy = false;
		if (c->dead) {
			conn_free(c);
			return false;
		}
	}
	if (c->closing)
		return flush(c);
	return true;
}

static bool grow_in(struct conn *c)
{
	uint32_t cap = c->incap ? c->incap * 2 : IN_FIRST;
	char *p;

	if (cap > IN_MAX)
		cap = IN_MAX;
	p = realloc(c->in, cap);
	if (!p)
		return false;
	c->in = p;
	c->incap = cap;
	return true;
}

static bool discard_input(struct conn *c)
{
	char buf[4096];
	ssize_t n;

	for (int round = 0; round < 8; round++) {
		n = c->ops->read(c, buf, sizeof(buf));
		if (n == -EAGAIN)
			return true;
		if (n <= 0) {
			conn_free(c);
			return false;
		}
	}
	return true;
}

/* Returns false when the connection is gone. */
static bool conn_input(struct conn *c)
{
	char name[64];
	ssize_t n;

	if (c->closing)
		return discard_input(c);
	/* a few reads per wake-up, so one busy peer cannot starve others */
	for (int round = 0; round < 8; round++) {
		if (c->inlen == c->incap && !grow_in(c)) {
			conn_free(c);
			return false;
		}
		n = c->ops->read(c, c->in + c->inlen, c->incap - c->inlen);
		if (n == -EAGAIN)
			break;
		if (n <= 0) {
			log_debug("%s: %s", conn_str(c, name, sizeof(name)),
				  n ? strerror(-n) : "closed by peer");
			conn_free(c);
			return false;
		}
		c->inlen += n;
		c->last_ms = ev_now_ms();
		if (!frame(c))
			return false;
		if (c->closing)
			return true;
	}
	update_events(c);
	return true;
}

static void connect_done(struct conn *c)
{
	socklen_t len = sizeof(int), alen = sizeof(c->local);
	char name[64];
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err) {
		tp_stats.tcp_connect_failed++;
		log_warnx_rl("%s: connect: %s", conn_str(c, name, sizeof(name)),
			     strerror(err ? err : errno));
		conn_free(c);
		return;
	}
	c->connecting = false;
	getsockname(c->fd, &c->local.sa, &alen);
	tp_stats.tcp_connected++;
	if (c->ops->open && c->ops->open(c, false)) {
		conn_free(c);
		return;
	}
	flush(c);
}

static void conn_event(int fd, uint32_t events, void *arg)
{
	struct conn *c = arg;

	if (c->connecting) {
		connect_done(c);
		return;
	}
	/* a session layer may need to write before it can read again */
	if ((events & EPOLLOUT) && !flush(c))
		return;
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLOUT)) &&
	    !conn_input(c))
		return;
	/* ... or read before it can write again (try_write) */
	if (c->out_waits_read && c->outoff < c->outlen)
		flush(c);
}

static struct conn *conn_connect(const struct sip_peer *peer, int *ret)
{
	const struct stream_ops *ops = peer->proto == TP_TLS ? tls_stream_ops :
							       &tcp_ops;
	socklen_t len = peer->addr.sa.sa_family == AF_INET6 ?
				sizeof(peer->addr.sin6) :
				sizeof(peer->addr.sin);
	struct conn *c;
	int fd;

	*ret = -EPROTONOSUPPORT;
	if (!ops)
		return NULL;
	*ret = -ENOBUFS;
	if (tp_stats.tcp_conns >= max_conns)
		return NULL;
	fd = socket(peer->addr.sa.sa_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*ret = -errno;
		return NULL;
	}
	if (connect(fd, &peer->addr.sa, len) && errno != EINPROGRESS) {
		*ret = -errno;
		close(fd);
		return NULL;
	}
	c = conn_new(fd, peer->proto, ops, &peer->addr);
	if (!c) {
		*ret = -ENOMEM;
		close(fd);
		return NULL;
	}
	/* even an immediate connect reports through EPOLLOUT */
	c->connecting = true;
	update_events(c);
	return c;
}

int tcp_send(const struct sip_peer *peer, const void *buf, size_t len)
{
	struct conn *c = NULL;
	int ret;

	if (peer->conn_id)
		c = by_id(peer->conn_id);
	if (!c)
		c = by_addr(peer->proto, &peer->addr);
	if (!c && peer->conn_id)
		return -ENOTCONN;
	if (!c)
		c = conn_connect(peer, &ret);
	if (!c)
		return ret;
	ret = conn_write(c, buf, len);
	if (!ret)
		tp_stats.tcp_tx++;
	return ret;
}

static void resume_cb(struct ev_timer *t, void *arg)
{
	struct listener *l = arg;

	ev_fd_mod(l->fd, EPOLLIN);
}

static bool accept_one(struct listener *l)
{
	union tp_addr a;
	socklen_t alen = sizeof(a);
	struct conn *c;
	char name[64];
	int fd;

	fd = accept4(l->fd, &a.sa, &alen, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
		    errno == ENOBUFS) {
			/* level-triggered: without a pause this would spin */
			log_warnx_rl("accept: %s; pausing", strerror(errno));
			ev_fd_mod(l->fd, 0);
			ev_timer_add(&l->resume, ACCEPT_PAUSE_MS);
		}
		return false;
	}
	if (tp_stats.tcp_conns >= max_conns) {
		struct sip_peer p = { .proto = l->proto, .addr = a };

		tp_stats.tcp_refused++;
		log_warnx_rl("%s: over %u connections, refused",
			     tp_peer_str(&p, name, sizeof(name)), max_conns);
		close(fd);
		return true;
	}
	c = conn_new(fd, l->proto, l->ops, &a);
	if (!c) {
		close(fd);
		return true;
	}
	alen = sizeof(c->local);
	getsockname(fd, &c->local.sa, &alen);
	tp_stats.tcp_accepted++;
	if (c->ops->open && c->ops->open(c, true))
		conn_free(c);
	return true;
}

static void tcp_accept(int fd, uint32_t events, void *arg)
{
	for (int i = 0; i < ACCEPT_BATCH; i++)
		if (!accept_one(arg))
			return;
}

int tcp_listen(const struct cfg_listen *l, tp_recv_fn recv)
{
	struct listener *ln = &lsns[nlsns];
	int fd, one = 1, ret = 0;

	if (nlsns == CFG_MAX_LISTEN)
		return -ENOSPC;
	if (!hash_seed && getrandom(&hash_seed, sizeof(hash_seed), 0) < 0)
		hash_seed = (uint32_t)ev_now_ms() | 1;
	fd = socket(l->addr.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a restart must not wait for TIME_WAIT connections to expire */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (l->addr.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (const struct sockaddr *)&l->addr, l->addrlen) ||
	    listen(fd, 1024))
		ret = -errno;
	if (!ret)
		ret = ev_fd_add(fd, EPOLLIN, tcp_accept, ln);
	if (ret) {
		close(fd);
		return ret;
	}
	ln->fd = fd;
	ln->proto = l->proto;
	ln->ops = l->proto == TP_TLS ? tls_stream_ops : &tcp_ops;
	ev_timer_init(&ln->resume, resume_cb, ln);
	recv_cb = recv;
	nlsns++;
	return 0;
}

void tcp_set_limits(uint32_t idle_s, uint32_t max)
{
	idle_ms = (uint64_t)idle_s * 1000;
	max_conns = max;
}

void tcp_exit(void)
{
	for (unsigned int i = 0; i < by_fd_len; i++)
		if (by_fd[i])
			conn_free(by_fd[i]);
	free(by_fd);
	by_fd = NULL;
	by_fd_len = 0;
	for (unsigned int i = 0; i < nlsns; i++) {
		ev_timer_del(&lsns[i].resume);
		ev_fd_del(lsns[i].fd);
		close(lsns[i].fd);
	}
	nlsns = 0;
}
