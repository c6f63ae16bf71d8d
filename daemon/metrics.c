// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus listener and its exposition.  Each connection reads one
 * request head (bounded, with a deadline), gets one answer and is closed:
 * HTTP/1.0 without keep-alive, which is all a scraper needs and keeps
 * the state per client to a buffer and a timer.
 *
 * Counters only grow: media packets, bytes and drops sum the flows that
 * ended with the live ones (media_totals()), by the path that carried a
 * flow's last packet and the [media] interface of its address.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "control.h"
#include "control_int.h"
#include "event.h"
#include "fastpath.h"
#include "log.h"
#include "media.h"
#include "metrics.h"
#include "proxy.h"
#include "server.h"

#define METRICS_MAX_CLIENTS 16
#define METRICS_DEADLINE_MS 10000

struct mconn {
	struct mconn *next;
	int fd;
	struct ev_timer deadline;
	size_t inlen;
	char in[METRICS_REQ_MAX];
	char *out;
	size_t outoff, outlen;
};

static struct {
	int fd;
	const struct config *cfg;
	struct mconn *conns;
	unsigned int nconns;
} mx = { .fd = -1 };

/* --- the exposition --- */

struct buf {
	char *s;
	size_t len, cap;
	bool failed;
};

static void __attribute__((format(printf, 2, 3)))
put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (int tries = 0; tries < 2 && !b->failed; tries++) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += n;
			return;
		}
		b->cap = (b->cap + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		b->failed = !b->s || n < 0;
	}
}

static void head(struct buf *b, const char *name, const char *type,
		 const char *help)
{
	put(b, "# HELP sipfpd_%s %s\n# TYPE sipfpd_%s %s\n", name, help, name,
	    type);
}

static void one(struct buf *b, const char *name, const char *type,
		const char *help, uint64_t v)
{
	head(b, name, type, help);
	put(b, "sipfpd_%s %llu\n", name, (unsigned long long)v);
}

/* A label value: backslash, quote and newline escaped. */
static const char *label(const char *s, char *buf, size_t size)
{
	size_t i = 0;

	for (; *s && i + 3 < size; s++) {
		if (*s == '\\' || *s == '"' || *s == '\n')
			buf[i++] = '\\';
		buf[i++] = *s == '\n' ? 'n' : *s;
	}
	buf[i] = '\0';
	return buf;
}

static void sip(struct buf *b)
{
	const struct server_stats *s = &server_stats;
	static const char *const cls[] = { "",	  "1xx", "2xx", "3xx",
					   "4xx", "5xx", "6xx" };

	one(b, "sip_messages_received_total", "counter",
	    "SIP messages the transports delivered.", s->received);
	one(b, "sip_messages_malformed_total", "counter",
	    "SIP messages that did not parse.", s->malformed);
	head(b, "sip_responses_sent_total", "counter",
	     "Responses sipfpd itself sent, by class.");
	for (int i = 1; i < 7; i++)
		put(b, "sipfpd_sip_responses_sent_total{class=\"%s\"} %llu\n",
		    cls[i], (unsigned long long)s->answered[i]);
	one(b, "sip_requests_forwarded_total", "counter",
	    "Requests proxied on a branch.", proxy_stats.forwarded);
	one(b, "sip_rate_limited_total", "counter",
	    "Requests over the per-source rate limit.",
	    s->rate_limited + s->rate_dropped);
	one(b, "transactions", "gauge", "SIP transactions alive.",
	    proxy_transactions());
	one(b, "registers_total", "counter",
	    "REGISTER requests the registrar answered.", proxy_stats.registers);
	one(b, "registrations", "gauge",
	    "Registered contacts (bindings) in the location store.",
	    proxy_registrations());
}

static void calls(struct buf *b)
{
	unsigned int n, answered;

	ctl_count_calls(&n, &answered);
	one(b, "calls", "gauge", "Calls with media anchored now.", n);
	one(b, "calls_answered", "gauge",
	    "Calls with media anchored now that a 2xx answered.", answered);
	one(b, "calls_total", "counter",
	    "Calls whose media started (an offer was answered).",
	    media_stats.started);
	one(b, "calls_ended_total", "counter", "Calls whose media ended.",
	    media_stats.ended);
	one(b, "calls_refused_total", "counter",
	    "Calls refused over [media] max_sessions.", media_stats.refused);
	one(b, "media_timeouts_total", "counter",
	    "Calls ended by the media timeout.", media_stats.timeouts);
}

/* The interface name of totals slot @i, "default" for none. */
static const char *if_name(unsigned int i)
{
	if (i < MEDIA_TOTAL_IFS - 1 && mx.cfg && i < mx.cfg->nmedia_ifs)
		return mx.cfg->media_ifs[i].name;
	return "default";
}

/*
 * A row exists for each interface on the fast path in use, zero or not,
 * and for whatever else counted something (a flow kmod left to the relay).
 */
static bool shown(int path, unsigned int i, uint64_t v)
{
	static const char *const names[MEDIA_NPATHS] = { "none", "relay",
							 "kmod", "xdp" };
	unsigned int nifs = mx.cfg ? mx.cfg->nmedia_ifs : 0;

	if (v)
		return true;
	if (strcmp(names[path], media_fastpath()) &&
	    !(path == FP_PATH_RELAY && !strcmp(media_fastpath(), "off")))
		return false;
	return nifs ? i < nifs : i == MEDIA_TOTAL_IFS - 1;
}

/*
 * The value of slot @i of @t[@path] at @off, summed over the slots of
 * one interface name (a name may have an address per family); false for
 * a slot whose name an earlier slot already stood for.
 */
static bool value(const struct media_total *t, unsigned int i, size_t off,
		  uint64_t *v)
{
	unsigned int nifs = mx.cfg ? mx.cfg->nmedia_ifs : 0;

	*v = *(const uint64_t *)((const char *)&t[i] + off);
	if (i >= nifs)
		return true;
	for (unsigned int j = 0; j < nifs; j++) {
		if (j == i || strcmp(if_name(i), if_name(j)))
			continue;
		if (j < i)
			return false;
		*v += *(const uint64_t *)((const char *)&t[j] + off);
	}
	return true;
}

static void media_metric(struct buf *b, const struct media_totals *t,
			 const char *name, const char *help, size_t off)
{
	static const char *const paths[MEDIA_NPATHS] = { "none", "relay",
							 "kmod", "xdp" };
	char lbl[2 * CFG_MEDIA_IF_NAME + 1];
	uint64_t v;

	head(b, name, "counter", help);
	for (int p = 0; p < MEDIA_NPATHS; p++)
		for (unsigned int i = 0; i < MEDIA_TOTAL_IFS; i++) {
			if (!value(t->t[p], i, off, &v) || !shown(p, i, v))
				continue;
			put(b, "sipfpd_%s{path=\"%s\",interface=\"%s\"} %llu\n",
			    name, paths[p], label(if_name(i), lbl, sizeof(lbl)),
			    (unsigned long long)v);
		}
}

static void media(struct buf *b)
{
	struct media_totals t;

	media_totals(&t);
	media_metric(b, &t, "media_packets_total",
		     "Media packets forwarded, by fast path and interface.",
		     offsetof(struct media_total, packets));
	media_metric(b, &t, "media_bytes_total",
		     "Media UDP payload bytes forwarded.",
		     offsetof(struct media_total, bytes));
	media_metric(b, &t, "media_drops_total",
		     "Media packets dropped (wrong source, no peer, send).",
		     offsetof(struct media_total, drops));
	media_metric(b, &t, "media_flows_ended_total",
		     "Flows (one direction of a stream) that ended.",
		     offsetof(struct media_total, flows));
}

char *metrics_render(size_t *len)
{
	struct buf b = { 0 };

	head(&b, "info", "gauge",
	     "The version of sipfpd and the fast path in use.");
	put(&b, "sipfpd_info{version=\"%s\",fastpath=\"%s\"} 1\n",
	    SIPFPD_VERSION, media_fastpath());
	one(&b, "uptime_seconds", "gauge", "Seconds since sipfpd started.",
	    (ev_now_ms() - ctl_start_ms) / 1000);
	sip(&b);
	calls(&b);
	media(&b);
	one(&b, "control_requests_total", "counter",
	    "Requests on the control socket.", ctl_stats.requests);
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	*len = b.len;
	return b.s;
}

/* --- the listener --- */

static void conn_free(struct mconn *c)
{
	struct mconn **pp;

	for (pp = &mx.conns; *pp && *pp != c; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = c->next;
	ev_timer_del(&c->deadline);
	ev_fd_del(c->fd);
	close(c->fd);
	free(c->out);
	free(c);
	mx.nconns--;
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 503:
		return "Service Unavailable";
	default:
		return "Bad Request";
	}
}

static void answer(struct mconn *c, int status)
{
	char *body = status == 200 ? metrics_render(&c->outlen) : NULL;
	char hdr[256];
	int n;

	if (status == 200 && !body)
		status = 503; /* out of memory */
	if (!body) {
		body = strdup(reason(status));
		c->outlen = body ? strlen(body) : 0;
	}
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.0 %d %s\r\nContent-Type: %s\r\n"
		     "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
		     status, reason(status),
		     status == 200 ? "text/plain; version=0.0.4" : "text/plain",
		     c->outlen, status == 405 ? "Allow: GET\r\n" : "");
	c->out = malloc(n + c->outlen);
	if (c->out) {
		memcpy(c->out, hdr, n);
		memcpy(c->out + n, body ? body : "", c->outlen);
		c->outlen += n;
	} else {
		c->outlen = 0;
	}
	free(body);
}

static void conn_cb(int fd, uint32_t events, void *arg);

/* 0 while the answer is going out, -1 when done or gone. */
static int send_out(struct mconn *c)
{
	ssize_t n;

	while (c->outoff < c->outlen) {
		n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
			 MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		c->outoff += n;
	}
	return -1;
}

static void conn_cb(int fd, uint32_t events, void *arg)
{
	struct mconn *c = arg;
	ssize_t n;
	int status;

	if (!c->out) {
		n = read(fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			conn_free(c);
			return;
		}
		c->inlen += n;
		status = metrics_http_parse(c->in, c->inlen);
		if (!status)
			return;
		answer(c, status);
		ev_fd_mod(fd, EPOLLOUT);
	}
	if (send_out(c))
		conn_free(c);
}

static void deadline_cb(struct ev_timer *t, void *arg)
{
	conn_free(arg);
}

static void accept_cb(int fd, uint32_t events, void *arg)
{
	struct mconn *c;
	int cfd;

	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	       0) {
		c = mx.nconns < METRICS_MAX_CLIENTS ? calloc(1, sizeof(*c)) :
						      NULL;
		if (!c || ev_fd_add(cfd, EPOLLIN, conn_cb, c)) {
			free(c);
			close(cfd);
			continue;
		}
		c->fd = cfd;
		ev_timer_init(&c->deadline, deadline_cb, c);
		ev_timer_add(&c->deadline, METRICS_DEADLINE_MS);
		c->next = mx.conns;
		mx.conns = c;
		mx.nconns++;
	}
}

int metrics_init(const struct config *cfg)
{
	const struct sockaddr *sa = (const struct sockaddr *)&cfg->metrics;
	char ip[INET6_ADDRSTRLEN];
	union tp_addr a;
	int one = 1;

	mx.cfg = cfg;
	if (!cfg->metrics_len)
		return 0;
	memcpy(&a, &cfg->metrics, sizeof(a));
	tp_addr_ip(&a, ip, sizeof(ip));
	mx.fd = socket(sa->sa_family,
		       SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (mx.fd < 0 ||
	    setsockopt(mx.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(mx.fd, sa, cfg->metrics_len) || listen(mx.fd, 16) ||
	    ev_fd_add(mx.fd, EPOLLIN, accept_cb, NULL)) {
		log_warn("metrics: %s port %u", ip, tp_addr_port(&a));
		if (mx.fd >= 0)
			close(mx.fd);
		mx.fd = -1;
		return -1;
	}
	log_info("metrics: listening on %s port %u", ip, tp_addr_port(&a));
	return 0;
}

void metrics_exit(void)
{
	while (mx.conns)
		conn_free(mx.conns);
	if (mx.fd >= 0) {
		ev_fd_del(mx.fd);
		close(mx.fd);
	}
	mx.fd = -1;
}
