// SPDX-License-Identifier: GPL-2.0
/*
 * SDP parser (RFC 8866) for offer/answer bodies (RFC 3264).
 *
 * Strict where a media anchor must trust a value (ports, connection
 * addresses, the o= version it will bump), lenient elsewhere: unknown line
 * types and attributes are kept for the writer to copy, and the field order
 * of RFC 8866 §5 is not enforced beyond v= first.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "chars.h"
#include "sdp.h"
#include "sdp_lex.h"

struct sdp_parser {
	struct sdp_session *sdp;
	const char *base;
	struct sip_err *err;
	struct sdp_media *m; /* current media section; NULL at session level */
	struct sip_str line; /* current line, without its line end */
	bool seen_o;
	bool seen_s;
};

/* A cursor over the SP-separated fields of one line. */
struct span {
	const char *p;
	const char *end;
};

static int fail(struct sdp_parser *ps, const char *at, const char *what)
{
	bool first = ps->err && !ps->err->what;
	int ret = sip_fail(ps->err, ps->base, at, 400, what);

	if (first)
		ps->err->hdr = ps->line;
	return ret;
}

static struct span value_span(struct sip_str line, uint32_t skip)
{
	return (struct span){ line.s + skip, line.s + line.len };
}

static bool field(struct span *sp, struct sip_str *f)
{
	*f = sdp_field(sp->p, sp->end);
	sp->p = sdp_end(*f);
	return f->len > 0;
}

static bool span_done(struct span *sp)
{
	sp->p = sdp_skip_sp(sp->p, sp->end);
	return sp->p == sp->end;
}

static bool parse_uint(struct sip_str s, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;
	uint32_t i;

	if (!s.len)
		return false;
	for (i = 0; i < s.len; i++) {
		unsigned int d = (unsigned char)s.s[i] - '0';

		if (d > 9 || n > (max - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*v = n;
	return true;
}

static bool parse_u16(struct sip_str s, uint16_t *v)
{
	uint64_t n;

	if (!parse_uint(s, UINT16_MAX, &n))
		return false;
	*v = (uint16_t)n;
	return true;
}

/* Splits @s at the first @c: @s keeps the head, @tail gets what follows. */
static bool split_at(struct sip_str *s, char c, struct sip_str *tail)
{
	const char *p = memchr(s->s, c, s->len);

	if (!p) {
		*tail = SIP_STR_NULL;
		return false;
	}
	*tail = sip_str_make(p + 1, s->s + s->len - p - 1);
	s->len = p - s->s;
	return true;
}

static bool visible(struct sip_str s)
{
	uint32_t i;

	for (i = 0; i < s.len; i++)
		if ((unsigned char)s.s[i] <= ' ' || (unsigned char)s.s[i] > '~')
			return false;
	return s.len > 0;
}

static uint8_t addrtype_af(struct sip_str t)
{
	if (sip_str_caseeq_lit(t, "IP4"))
		return AF_INET;
	if (sip_str_caseeq_lit(t, "IP6"))
		return AF_INET6;
	return 0;
}

/* RFC 8866 §9: FQDN = 4*(alpha-numeric / "-" / ".") */
static bool fqdn_ok(struct sip_str h)
{
	uint32_t i;

	if (h.len < 4 || h.len > 255)
		return false;
	for (i = 0; i < h.len; i++) {
		unsigned char c = h.s[i];

		if (!sip_is(c, SIP_C_ALNUM) && c != '-' && c != '.')
			return false;
	}
	return true;
}

/*
 * Anything with a ':' or made only of digits and dots is meant as an
 * address literal and must be a valid one of the c= address type;
 * everything else must be a host name.
 */
static bool host_ok(struct sip_str h, int af, bool *null_addr)
{
	char tmp[INET6_ADDRSTRLEN];
	unsigned char bin[sizeof(struct in6_addr)] = { 0 };
	static const unsigned char zero[sizeof(struct in6_addr)];
	bool literal = true;
	uint32_t i;

	*null_addr = false;
	for (i = 0; i < h.len && literal; i++)
		literal = sip_is_digit(h.s[i]) || h.s[i] == '.';
	if (!literal && !memchr(h.s, ':', h.len))
		return fqdn_ok(h);
	if (!h.len || h.len >= sizeof(tmp))
		return false;
	memcpy(tmp, h.s, h.len);
	tmp[h.len] = '\0';
	if (inet_pton(af, tmp, bin) != 1)
		return false;
	*null_addr = !memcmp(bin, zero, af == AF_INET ? 4 : 16);
	return true;
}

/*
 * "/ttl[/count]" after an IP4 address, "/count" after an IP6 one
 * (RFC 8866 §5.7); only their syntax matters to a unicast relay.
 */
static bool suffix_ok(struct sip_str sfx, int af)
{
	struct sip_str count;
	uint64_t v;

	if (split_at(&sfx, '/', &count)) {
		if (af != AF_INET || !parse_uint(count, UINT16_MAX, &v) || !v)
			return false;
		return parse_uint(sfx, 255, &v);
	}
	return parse_uint(sfx, af == AF_INET ? 255 : UINT16_MAX, &v) &&
	       (af == AF_INET || v);
}

/* "<nettype> <addrtype> <connection-address>", for c= and a=rtcp. */
static int parse_conn(struct sdp_parser *ps, struct span *sp,
		      struct sdp_conn *c, bool rtcp)
{
	const char *bad = rtcp ? "bad a=rtcp address" : "bad c= address";
	struct sip_str net, type, host, sfx;
	const char *start = sp->p;

	if (!field(sp, &net) || !field(sp, &type) || !field(sp, &host) ||
	    !span_done(sp))
		return fail(ps, start,
			    rtcp ? "bad a=rtcp line" : "bad c= line");
	if (!sip_str_caseeq_lit(net, "IN") || !addrtype_af(type))
		return fail(ps, net.s, rtcp ? "unsupported a=rtcp address type"
					    : "unsupported c= address type");
	c->af = addrtype_af(type);
	if (split_at(&host, '/', &sfx) && !suffix_ok(sfx, c->af))
		return fail(ps, sfx.s, bad);
	if (!host_ok(host, c->af, &c->null_addr))
		return fail(ps, host.s, bad);
	c->present = true;
	c->addr = host;
	c->line = ps->line;
	return 0;
}

static int parse_c(struct sdp_parser *ps)
{
	struct span sp = value_span(ps->line, 2);
	struct sdp_conn extra = { 0 };

	if (!ps->m) {
		if (ps->sdp->conn.present)
			return fail(ps, ps->line.s, "duplicate c= line");
		return parse_conn(ps, &sp, &ps->sdp->conn, false);
	}
	/* RFC 8866 §5.7: several media c= lines are legal; the first counts */
	if (ps->m->conn.present)
		return parse_conn(ps, &sp, &extra, false);
	return parse_conn(ps, &sp, &ps->m->conn, false);
}

static int parse_o(struct sdp_parser *ps)
{
	struct sdp_session *sdp = ps->sdp;
	struct span sp = value_span(ps->line, 2);
	struct sip_str ver, net, type;

	if (ps->m)
		return fail(ps, ps->line.s, "o= line in media section");
	if (ps->seen_o)
		return fail(ps, ps->line.s, "duplicate o= line");
	ps->seen_o = true;
	if (!field(&sp, &sdp->origin_user) || !field(&sp, &sdp->sess_id) ||
	    !field(&sp, &ver) || !field(&sp, &net) || !field(&sp, &type) ||
	    !field(&sp, &sdp->origin_addr) || !span_done(&sp))
		return fail(ps, ps->line.s, "bad o= line");
	if (!parse_uint(ver, UINT64_MAX, &sdp->sess_version))
		return fail(ps, ver.s, "bad o= version");
	sdp->origin_af = addrtype_af(type);
	sdp->origin_line = ps->line;
	return 0;
}

static int parse_s(struct sdp_parser *ps)
{
	if (ps->m)
		return fail(ps, ps->line.s, "s= line in media section");
	if (ps->seen_s)
		return fail(ps, ps->line.s, "duplicate s= line");
	ps->seen_s = true;
	return 0;
}

/* RFC 8866 §5.14: proto names are case-sensitive. */
static uint8_t proto_of(struct sip_str p)
{
	static const struct {
		const char *name;
		uint8_t proto;
	} map[] = {
		{ "RTP/AVP", SDP_PROTO_RTP_AVP },
		{ "RTP/SAVP", SDP_PROTO_RTP_SAVP },
		{ "RTP/AVPF", SDP_PROTO_RTP_AVPF },
		{ "RTP/SAVPF", SDP_PROTO_RTP_SAVPF },
		{ "UDP/TLS/RTP/SAVPF", SDP_PROTO_UDP_TLS_RTP_SAVPF },
		{ "udp", SDP_PROTO_UDP },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (sip_str_eq(p, sip_str_cstr(map[i].name)))
			return map[i].proto;
	return SDP_PROTO_OTHER;
}

/* o= and s= are due before the first m= (RFC 8866 §5). */
static int session_done(struct sdp_parser *ps, const char *at)
{
	if (!ps->seen_o)
		return fail(ps, at, "missing o= line");
	if (!ps->seen_s)
		return fail(ps, at, "missing s= line");
	return 0;
}

static int parse_m_fields(struct sdp_parser *ps, struct sdp_media *m)
{
	struct span sp = value_span(ps->line, 2);
	struct sip_str port, count;

	if (!field(&sp, &m->type) || !visible(m->type))
		return fail(ps, ps->line.s, "bad m= line");
	if (!field(&sp, &port))
		return fail(ps, ps->line.s, "bad m= line");
	if (split_at(&port, '/', &count) &&
	    (!parse_u16(count, &m->nports) || !m->nports))
		return fail(ps, count.s, "bad m= port count");
	if (!parse_u16(port, &m->port))
		return fail(ps, port.s, "bad m= port");
	if (!field(&sp, &m->proto_s) || !visible(m->proto_s) || span_done(&sp))
		return fail(ps, ps->line.s, "bad m= line");
	m->proto = proto_of(m->proto_s);
	m->fmts = sip_str_make(sp.p, sp.end - sp.p);
	while (m->fmts.s[m->fmts.len - 1] == ' ')
		m->fmts.len--;
	return 0;
}

static int parse_m(struct sdp_parser *ps)
{
	struct sdp_session *sdp = ps->sdp;
	struct sdp_media *m;
	int ret;

	if (!sdp->nmedia) {
		ret = session_done(ps, ps->line.s);
		if (ret)
			return ret;
	}
	if (sdp->nmedia == SDP_MAX_MEDIA)
		return fail(ps, ps->line.s, "too many m= lines");
	if (ps->m)
		ps->m->section.len = ps->line.s - ps->m->section.s;
	m = &sdp->media[sdp->nmedia++];
	ps->m = m;
	m->line = ps->line;
	m->section = sip_str_make(ps->line.s, 0);
	m->nports = 1;
	return parse_m_fields(ps, m);
}

/* RFC 3605: "a=rtcp:<port> [<nettype> <addrtype> <connection-address>]" */
static int parse_rtcp(struct sdp_parser *ps, struct sip_str val)
{
	struct sdp_media *m = ps->m;
	struct span sp = { val.s, val.s + val.len };
	struct sip_str port;

	if (m->has_rtcp)
		return fail(ps, ps->line.s, "duplicate a=rtcp line");
	if (!field(&sp, &port) || !parse_u16(port, &m->rtcp_port))
		return fail(ps, port.len ? port.s : sp.p, "bad a=rtcp port");
	m->has_rtcp = true;
	if (span_done(&sp))
		return 0;
	return parse_conn(ps, &sp, &m->rtcp_conn, true);
}

static uint8_t dir_of(struct sip_str name)
{
	if (sip_str_eq(name, SIP_STR("sendrecv")))
		return SDP_DIR_SENDRECV;
	if (sip_str_eq(name, SIP_STR("sendonly")))
		return SDP_DIR_SENDONLY;
	if (sip_str_eq(name, SIP_STR("recvonly")))
		return SDP_DIR_RECVONLY;
	if (sip_str_eq(name, SIP_STR("inactive")))
		return SDP_DIR_INACTIVE;
	return SDP_DIR_UNSPEC;
}

/* Attribute names compare case-sensitively, as every common stack does. */
static int parse_a(struct sdp_parser *ps)
{
	struct sdp_media *m = ps->m;
	struct sip_str val;
	struct sip_str name = sdp_attr_name(ps->line, &val);
	uint8_t dir = dir_of(name);

	if (dir)
		*(m ? &m->dir : &ps->sdp->dir) = dir;
	if (sdp_is_ice(name))
		*(m ? &m->has_ice : &ps->sdp->has_ice) = true;
	/* a=rtcp, rtcp-mux, crypto: media level only (RFC 3605, 5761, 4568) */
	if (!m)
		return 0;
	if (sip_str_eq(name, SIP_STR("rtcp")))
		return parse_rtcp(ps, val);
	if (sip_str_eq(name, SIP_STR("rtcp-mux")))
		m->rtcp_mux = true;
	else if (sip_str_eq(name, SIP_STR("crypto")) && m->ncrypto < UINT8_MAX)
		m->ncrypto++;
	return 0;
}

/* RFC 8866 §5: <type> is one case-significant letter */
static bool is_alpha(unsigned char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

static int parse_line(struct sdp_parser *ps)
{
	struct sip_str l = ps->line;

	if (l.len < 2 || l.s[1] != '=' || !is_alpha(l.s[0]))
		return fail(ps, l.s, "line is not <type>=<value>");
	/* RFC 8866 §5: no NUL, CR or LF inside a value */
	if (memchr(l.s, '\0', l.len) || memchr(l.s, '\r', l.len))
		return fail(ps, l.s, "bad character in line");
	switch (l.s[0]) {
	case 'v':
		return fail(ps, l.s, "duplicate v= line");
	case 'o':
		return parse_o(ps);
	case 's':
		return parse_s(ps);
	case 'c':
		return parse_c(ps);
	case 'm':
		return parse_m(ps);
	case 'a':
		return parse_a(ps);
	}
	return 0;
}

/*
 * Some stacks end the body with an extra blank line; anywhere else a
 * blank line is malformed (RFC 8866 §5 has no empty lines).
 */
static bool only_blank(const char *p, const char *end)
{
	struct sip_str l;

	while (p < end) {
		p = sdp_line_next(p, end, &l);
		if (l.len)
			return false;
	}
	return true;
}

static int parse_v(struct sdp_parser *ps, const char *end,
		   const char **next)
{
	*next = sdp_line_next(ps->base, end, &ps->line);
	if (ps->line.len < 2 || memcmp(ps->line.s, "v=", 2))
		return fail(ps, ps->base, "missing v= line");
	if (!sip_str_eq(ps->line, SIP_STR("v=0")))
		return fail(ps, ps->line.s + 2, "bad v= version");
	return 0;
}

static int parse_finish(struct sdp_parser *ps, const char *end)
{
	struct sdp_session *sdp = ps->sdp;
	unsigned int i;
	int ret;

	ps->line = SIP_STR_NULL;
	if (!sdp->nmedia) {
		ret = session_done(ps, end);
		if (ret)
			return ret;
	} else {
		ps->m->section.len = end - ps->m->section.s;
	}
	for (i = 0; i < sdp->nmedia; i++) {
		struct sdp_media *m = &sdp->media[i];

		ps->line = m->line;
		if (m->port && !m->conn.present && !sdp->conn.present)
			return fail(ps, m->line.s, "missing c= line");
	}
	return 0;
}

int sdp_parse(struct sdp_session *sdp, const char *buf, size_t len,
	      struct sip_err *err)
{
	struct sdp_parser ps = { .sdp = sdp, .base = buf, .err = err };
	const char *end = buf + len;
	const char *p;
	int ret;

	memset(sdp, 0, sizeof(*sdp));
	if (len > UINT32_MAX)
		return sip_fail(err, buf, buf, 400, "SDP body too large");
	sdp->raw = sip_str_make(buf, len);
	ret = parse_v(&ps, end, &p);
	if (ret)
		return ret;
	while (p < end) {
		const char *next = sdp_line_next(p, end, &ps.line);

		if (!ps.line.len) {
			if (only_blank(next, end))
				break;
			return fail(&ps, p, "empty line");
		}
		ret = parse_line(&ps);
		if (ret)
			return ret;
		p = next;
	}
	return parse_finish(&ps, end);
}

enum sdp_dir sdp_media_dir(const struct sdp_session *sdp, unsigned int i)
{
	if (i >= sdp->nmedia)
		return SDP_DIR_UNSPEC;
	if (sdp->media[i].dir != SDP_DIR_UNSPEC)
		return sdp->media[i].dir;
	if (sdp->dir != SDP_DIR_UNSPEC)
		return sdp->dir;
	/* RFC 3264 §5.1: no direction attribute means sendrecv */
	return SDP_DIR_SENDRECV;
}

const struct sdp_conn *sdp_media_conn(const struct sdp_session *sdp,
				      unsigned int i)
{
	if (i >= sdp->nmedia)
		return NULL;
	if (sdp->media[i].conn.present)
		return &sdp->media[i].conn;
	if (sdp->conn.present)
		return &sdp->conn;
	return NULL;
}
