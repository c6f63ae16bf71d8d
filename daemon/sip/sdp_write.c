// SPDX-License-Identifier: GPL-2.0
/*
 * SDP writer: a second pass over a body sdp_parse() accepted, copying each
 * line or writing its replacement.  Parsing succeeded, so the line and
 * field splitting (sdp_lex.h, the parser's own) never meets a malformed
 * line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/socket.h>

#include "sdp.h"
#include "sdp_lex.h"

struct wbuf {
	char *p;
	size_t size;
	size_t len;
	bool full;
};

struct writer {
	const struct sdp_session *sdp;
	const struct sdp_rewrite *rw;
	struct wbuf w;
	struct sip_str eol; /* the body's own line end, for added lines */
	bool open;	    /* the last line written had no line end */
	int mi;		    /* media section index; -1 at session level */
	bool want_c;	    /* media c= still to add to this section */
	bool want_rtcp;	    /* a=rtcp still to add to this section */
	bool c_done;	    /* this section's first c= is written */
};

static void put(struct wbuf *w, const char *s, size_t n)
{
	if (w->full || n > w->size - w->len) {
		w->full = true;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void put_str(struct wbuf *w, struct sip_str s)
{
	put(w, s.s, s.len);
}

static void put_cstr(struct wbuf *w, const char *s)
{
	put(w, s, strlen(s));
}

static void put_uint(struct wbuf *w, uint64_t v)
{
	char num[24];

	put(w, num, snprintf(num, sizeof(num), "%" PRIu64, v));
}

/* From @from up to the end of @line. */
static void put_tail(struct wbuf *w, struct sip_str line, const char *from)
{
	put(w, from, line.s + line.len - from);
}

/* A caller that leaves @af zero gets it from the address's spelling. */
static int af_of(const char *addr, uint8_t af)
{
	if (af == AF_INET || af == AF_INET6)
		return af;
	return strchr(addr, ':') ? AF_INET6 : AF_INET;
}

static void put_addr(struct wbuf *w, const char *addr, uint8_t af)
{
	put_cstr(w, af_of(addr, af) == AF_INET6 ? "IN IP6 " : "IN IP4 ");
	put_cstr(w, addr);
}

/*
 * A relay address is unicast: "/ttl" and "/count" of the original are
 * not carried over.
 */
static void put_conn(struct wbuf *w, const char *addr, uint8_t af)
{
	put_cstr(w, "c=");
	put_addr(w, addr, af);
}

static const struct sdp_media *cur_media(const struct writer *wr)
{
	return &wr->sdp->media[wr->mi];
}

static const struct sdp_rewrite_media *cur_rw(const struct writer *wr)
{
	return &wr->rw->media[wr->mi];
}

/* Rejected streams (port 0) keep everything but the port (RFC 3264 §6). */
static bool active(const struct writer *wr)
{
	return wr->mi >= 0 && cur_rw(wr)->set && cur_rw(wr)->port;
}

/* An added line goes after a last line that had no line end of its own. */
static void add_line_start(struct writer *wr)
{
	if (wr->open)
		put_str(&wr->w, wr->eol);
	wr->open = false;
}

static void add_line_end(struct writer *wr)
{
	put_str(&wr->w, wr->eol);
}

static void flush_c(struct writer *wr)
{
	if (!wr->want_c)
		return;
	wr->want_c = false;
	add_line_start(wr);
	put_conn(&wr->w, cur_rw(wr)->addr, cur_rw(wr)->af);
	add_line_end(wr);
}

/* The c= address already implies the port's address (RFC 3605 §2.1). */
static void flush_rtcp(struct writer *wr)
{
	if (!wr->want_rtcp)
		return;
	wr->want_rtcp = false;
	add_line_start(wr);
	put_cstr(&wr->w, "a=rtcp:");
	put_uint(&wr->w, cur_rw(wr)->rtcp_port);
	add_line_end(wr);
}

static void flush(struct writer *wr)
{
	flush_c(wr);
	flush_rtcp(wr);
}

/* Whether the session c= of the output already says what the stream needs. */
static bool session_has(const struct writer *wr,
			const struct sdp_rewrite_media *rm)
{
	const struct sdp_conn *c = &wr->sdp->conn;
	int af = af_of(rm->addr, rm->af);

	if (!c->present)
		return false;
	if (wr->rw->addr)
		return af_of(wr->rw->addr, wr->rw->af) == af &&
		       !strcmp(wr->rw->addr, rm->addr);
	return c->af == af && sip_str_eq(c->addr, sip_str_cstr(rm->addr));
}

static void begin_media(struct writer *wr)
{
	const struct sdp_media *m;
	const struct sdp_rewrite_media *rm;

	wr->mi++;
	wr->c_done = false;
	wr->want_c = wr->want_rtcp = false;
	if (!active(wr))
		return;
	m = cur_media(wr);
	rm = cur_rw(wr);
	wr->want_c = rm->addr && !m->conn.present && !session_has(wr, rm);
	/* RFC 3605 §2.1: RTCP on port + 1 needs no attribute */
	wr->want_rtcp = !m->has_rtcp && rm->rtcp_port &&
			rm->rtcp_port != (uint32_t)rm->port + 1;
}

/*
 * RFC 8866 §5 orders a media section m=, i=, c=, b=, k=, a=: an added c=
 * goes before the first b=, k= or a=, an added a=rtcp before the first a=.
 */
static void flush_before(struct writer *wr, struct sip_str line)
{
	if (wr->mi < 0)
		return;
	if (!line.len) {
		flush(wr);
		return;
	}
	if (line.s[0] == 'b' || line.s[0] == 'k')
		flush_c(wr);
	else if (line.s[0] == 'a')
		flush(wr);
}

static void write_origin(struct writer *wr, struct sip_str line)
{
	const char *end = sdp_end(line);
	struct sip_str user = sdp_field(line.s + 2, end);
	struct sip_str id = sdp_field(sdp_end(user), end);
	struct sip_str ver = sdp_field(sdp_end(id), end);

	put(&wr->w, line.s, ver.s - line.s);
	put_uint(&wr->w, wr->rw->version);
	put_tail(&wr->w, line, sdp_end(ver));
}

/* Only the port digits change; "/count" and the rest stay as written. */
static void write_mline(struct writer *wr, struct sip_str line)
{
	const char *end = sdp_end(line);
	struct sip_str type = sdp_field(line.s + 2, end);
	const char *port = sdp_skip_sp(sdp_end(type), end);
	const char *p = port;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	put(&wr->w, line.s, port - line.s);
	put_uint(&wr->w, cur_rw(wr)->port);
	put_tail(&wr->w, line, p);
}

static void write_rtcp(struct writer *wr, struct sip_str line)
{
	const struct sdp_rewrite_media *rm = cur_rw(wr);
	const char *end = sdp_end(line);
	struct sip_str port = sdp_field(line.s + sizeof("a=rtcp:") - 1, end);
	bool has_addr = sdp_skip_sp(sdp_end(port), end) < end;

	put_cstr(&wr->w, "a=rtcp:");
	put_uint(&wr->w, rm->rtcp_port);
	if (has_addr && rm->addr) {
		put_cstr(&wr->w, " ");
		put_addr(&wr->w, rm->addr, rm->af);
	} else if (has_addr) {
		put_tail(&wr->w, line, sdp_end(port));
	}
}

/* Returns false when the line is dropped. */
static bool write_session_line(struct writer *wr, struct sip_str line)
{
	const struct sdp_rewrite *rw = wr->rw;

	if (line.s[0] == 'o' && rw->set_version)
		write_origin(wr, line);
	else if (line.s[0] == 'c' && rw->addr)
		put_conn(&wr->w, rw->addr, rw->af);
	else if (line.s[0] == 'a' && rw->strip_ice &&
		 sdp_is_ice(sdp_attr_name(line, NULL)))
		return false;
	else
		put_str(&wr->w, line);
	return true;
}

static bool write_media_line(struct writer *wr, struct sip_str line)
{
	const struct sdp_rewrite_media *rm = cur_rw(wr);
	struct sip_str name;

	if (line.s[0] == 'm' && rm->set) {
		write_mline(wr, line);
	} else if (line.s[0] == 'c' && active(wr) && rm->addr) {
		/* one unicast relay address replaces all of them */
		if (wr->c_done)
			return false;
		wr->c_done = true;
		put_conn(&wr->w, rm->addr, rm->af);
	} else if (line.s[0] == 'a') {
		name = sdp_attr_name(line, NULL);
		if (wr->rw->strip_ice && sdp_is_ice(name))
			return false;
		if (sip_str_eq(name, SIP_STR("rtcp")) && active(wr) &&
		    rm->rtcp_port)
			write_rtcp(wr, line);
		else
			put_str(&wr->w, line);
	} else {
		put_str(&wr->w, line);
	}
	return true;
}

static void write_line(struct writer *wr, struct sip_str line,
		       struct sip_str eol)
{
	bool kept = true;

	/* only trailing blank lines get here empty; they stay as they are */
	if (line.len && wr->mi < 0)
		kept = write_session_line(wr, line);
	else if (line.len)
		kept = write_media_line(wr, line);
	if (!kept)
		return;
	put_str(&wr->w, eol);
	wr->open = !eol.len;
}

/* The first line's end: v=0 always has one in a body sdp_parse() took. */
static struct sip_str body_eol(struct sip_str raw)
{
	struct sip_str l;
	const char *next = sdp_line_next(raw.s, raw.s + raw.len, &l);

	if (next == sdp_end(l))
		return SIP_STR("\r\n");
	return sip_str_make(sdp_end(l), next - sdp_end(l));
}

ssize_t sdp_write(const struct sdp_session *sdp, const struct sdp_rewrite *rw,
		  char *out, size_t size)
{
	static const struct sdp_rewrite none;
	struct writer wr = {
		.sdp = sdp, .rw = rw ? rw : &none, .mi = -1,
		.w = { .p = out, .size = size },
	};
	const char *p = sdp->raw.s, *end = p + sdp->raw.len;
	struct sip_str line;

	wr.eol = body_eol(sdp->raw);
	while (p < end) {
		const char *next = sdp_line_next(p, end, &line);

		if (line.len && line.s[0] == 'm' &&
		    wr.mi + 1 < (int)sdp->nmedia) {
			flush(&wr);
			begin_media(&wr);
		} else {
			flush_before(&wr, line);
		}
		write_line(&wr, line, sip_str_make(sdp_end(line),
						   next - sdp_end(line)));
		p = next;
	}
	if (wr.mi >= 0)
		flush(&wr);
	return wr.w.full ? -ENOSPC : (ssize_t)wr.w.len;
}
