// SPDX-License-Identifier: GPL-2.0
/*
 * sipfpd's answers, one JSON line each, to the model of <sipctl.h>.  No
 * socket and no state, so the unit tests and the fuzzer drive it with
 * bytes.
 *
 * Records are read through tables of fields: each names a key, how its
 * value is read and where it goes, and the has bit it sets.  A key that
 * is absent or null leaves its field unset; one of the wrong type or out
 * of range refuses the record (-EPROTO, naming it), since a daemon that
 * says "calls": "x" is not one this library understands.  Keys this
 * library does not know are ignored: a newer daemon may add some.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* an answer nests at most six deep: call, streams, flow, drops */
#define JSON_DEPTH 16

enum jtype {
	J_STR, /* char[]; cut at a character to fit */
	J_ID, /* char[]; refused if it does not fit */
	J_UINT, /* unsigned of 1, 2, 4 or 8 bytes */
	J_INT, /* int64_t */
	J_BOOL, /* bool */
	J_ADDR, /* union sipctl_addr */
	J_ENUM, /* uint8_t; a name not in @names leaves it unset */
	J_Q, /* a number 0..1 to thousandths in a uint16_t */
};

struct jfield {
	const char *key;
	uint8_t type; /* enum jtype */
	uint32_t has;
	size_t off, size;
	const char *const *names; /* J_ENUM, NULL-terminated */
};

#define FLD(t, key, type, member, bit)                               \
	{ key, type, bit, offsetof(t, member), sizeof(((t *)0)->member), \
	  NULL }
#define ENUM(t, key, member, bit, names)                                  \
	{ key, J_ENUM, bit, offsetof(t, member), sizeof(((t *)0)->member), \
	  names }
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const side_names[] = { "caller", "callee", NULL };
static const char *const kind_names[] = { "rtp", "rtcp", NULL };
static const char *const path_names[] = { "none", "relay", "kmod", "xdp",
					   NULL };
static const char *const state_names[] = { "early", "answered", NULL };

static int bad(char *err, const char *what, const char *key, const char *want)
{
	snprintf(err, SCTL_ERR_MAX, "sipfpd's answer: field '%s' of %s is %s",
		 key, what, want);
	return -EPROTO;
}

/* @s of @len into @buf, cut before a character that would not fit. */
static void copy_str(char *buf, size_t size, const char *s, size_t len)
{
	size_t n = len;

	if (n >= size) {
		n = size - 1;
		while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
}

int sctl_addr_parse(const char *s, union sipctl_addr *a)
{
	char ip[INET6_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : 0;
	struct in6_addr a6;
	char *end;
	unsigned long port;

	memset(a, 0, sizeof(*a));
	if (!colon || !colon[1] || colon[1] == '-' || colon[1] == '+')
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (*end || errno || port > 65535)
		return -EINVAL;
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		s++;
		n -= 2;
		if (n >= sizeof(ip))
			return -EINVAL;
		memcpy(ip, s, n);
		ip[n] = '\0';
		if (inet_pton(AF_INET6, ip, &a6) != 1)
			return -EINVAL;
		if (IN6_IS_ADDR_V4MAPPED(&a6)) {
			a->sin.sin_family = AF_INET;
			memcpy(&a->sin.sin_addr, &a6.s6_addr[12], 4);
			a->sin.sin_port = htons(port);
			return 0;
		}
		a->sin6.sin6_family = AF_INET6;
		a->sin6.sin6_addr = a6;
		a->sin6.sin6_port = htons(port);
		return 0;
	}
	if (n >= sizeof(ip))
		return -EINVAL;
	memcpy(ip, s, n);
	ip[n] = '\0';
	if (inet_pton(AF_INET, ip, &a->sin.sin_addr) != 1)
		return -EINVAL;
	a->sin.sin_family = AF_INET;
	a->sin.sin_port = htons(port);
	return 0;
}

static int get_uint(json_object *v, const struct jfield *f, void *p,
		    const char *what, char *err)
{
	uint64_t max = f->size == 8 ? UINT64_MAX : (1ULL << (8 * f->size)) - 1;
	uint64_t u;

	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return bad(err, what, f->key, "not a non-negative integer");
	u = json_object_get_uint64(v);
	if (u > max)
		return bad(err, what, f->key, "out of range");
	if (f->size == 1)
		*(uint8_t *)p = u;
	else if (f->size == 2)
		*(uint16_t *)p = u;
	else if (f->size == 4)
		*(uint32_t *)p = u;
	else
		*(uint64_t *)p = u;
	return 1;
}

static int get_str(json_object *v, const struct jfield *f, void *p,
		   const char *what, char *err)
{
	size_t n;

	if (!json_object_is_type(v, json_type_string))
		return bad(err, what, f->key, "not a string");
	n = json_object_get_string_len(v);
	if (f->type == J_ID && (n >= f->size || !n))
		return bad(err, what, f->key, "empty or too long");
	copy_str(p, f->size, json_object_get_string(v), n);
	return 1;
}

static int get_enum(json_object *v, const struct jfield *f, void *p,
		    const char *what, char *err)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return bad(err, what, f->key, "not a string");
	s = json_object_get_string(v);
	for (int i = 0; f->names[i]; i++)
		if (!strcmp(s, f->names[i])) {
			*(uint8_t *)p = i;
			return 1;
		}
	return 0;
}

static int get_q(json_object *v, const struct jfield *f, void *p,
		 const char *what, char *err)
{
	double q;

	if (!json_object_is_type(v, json_type_double) &&
	    !json_object_is_type(v, json_type_int))
		return bad(err, what, f->key, "not a number");
	q = json_object_get_double(v);
	if (!(q >= 0 && q <= 1))
		return bad(err, what, f->key, "not between 0 and 1");
	*(uint16_t *)p = (uint16_t)(q * 1000 + 0.5);
	return 1;
}

/* 1: read into @p; 0: absent, null or a name not known; or -EPROTO. */
static int get(json_object *v, const struct jfield *f, void *p,
	       const char *what, char *err)
{
	switch (f->type) {
	case J_STR:
	case J_ID:
		return get_str(v, f, p, what, err);
	case J_UINT:
		return get_uint(v, f, p, what, err);
	case J_INT:
		if (!json_object_is_type(v, json_type_int))
			return bad(err, what, f->key, "not an integer");
		*(int64_t *)p = json_object_get_int64(v);
		return 1;
	case J_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return bad(err, what, f->key, "not true or false");
		*(bool *)p = json_object_get_boolean(v);
		return 1;
	case J_ADDR:
		if (!json_object_is_type(v, json_type_string) ||
		    sctl_addr_parse(json_object_get_string(v), p))
			return bad(err, what, f->key, "not an address:port");
		return 1;
	case J_ENUM:
		return get_enum(v, f, p, what, err);
	default:
		return get_q(v, f, p, what, err);
	}
}

/* The fields of table @t from @o into @base; their has bits into @has. */
static int fields(json_object *o, const struct jfield *t, size_t n,
		  void *base, uint32_t *has, const char *what, char *err)
{
	json_object *v;
	int ret;

	for (size_t i = 0; i < n; i++) {
		if (!json_object_object_get_ex(o, t[i].key, &v) || !v)
			continue;
		ret = get(v, &t[i], (char *)base + t[i].off, what, err);
		if (ret < 0)
			return ret;
		if (ret)
			*has |= t[i].has;
	}
	return 0;
}

/* @o's @key: 1 with *@v an object or array (@type), 0 absent/null. */
static int member(json_object *o, const char *key, enum json_type type,
		  json_object **v, const char *what, char *err)
{
	if (!json_object_object_get_ex(o, key, v) || !*v)
		return 0;
	if (!json_object_is_type(*v, type))
		return bad(err, what, key,
			   type == json_type_array ? "not an array" :
						     "not an object");
	return 1;
}

int sctl_json_parse(const char *buf, size_t len, json_object **out, char *err)
{
	struct json_tokener *tok;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
	if (memchr(buf, '\0', len)) {
		snprintf(err, SCTL_ERR_MAX, "sipfpd's answer holds a NUL byte");
		return -EPROTO;
	}
	tok = json_tokener_new_ex(JSON_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	*out = json_tokener_parse_ex(tok, buf, len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	while (end < len && (buf[end] == ' ' || buf[end] == '\t' ||
			     buf[end] == '\r'))
		end++;
	if (*out && end == len && json_object_is_type(*out, json_type_object))
		return 0;
	json_object_put(*out);
	*out = NULL;
	snprintf(err, SCTL_ERR_MAX,
		 "sipfpd's answer is not one JSON object (at byte %zu: %s)",
		 end,
		 jerr == json_tokener_success && end == len ? "not an object" :
		 jerr == json_tokener_success		   ? "more after it" :
		 jerr == json_tokener_continue ? "the line ends inside it" :
						 json_tokener_error_desc(jerr));
	return -EPROTO;
}

static const struct {
	const char *name;
	int err;
} errnos[] = {
	{ "EINVAL", EINVAL },	    { "ENOENT", ENOENT },
	{ "EMSGSIZE", EMSGSIZE },   { "EBUSY", EBUSY },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "EPERM", EPERM },
	{ "EACCES", EACCES },	    { "ENOMEM", ENOMEM },
	{ "ENOSPC", ENOSPC },	    { "EEXIST", EEXIST },
	{ "EAGAIN", EAGAIN },	    { "ETIMEDOUT", ETIMEDOUT },
	{ "EIO", EIO },		    { "ENOBUFS", ENOBUFS },
};

/* A refusal: its errno, its message in @err. */
static int refusal(json_object *o, char *err)
{
	json_object *code, *msg;
	const char *name;

	if (!json_object_object_get_ex(o, "error", &code) ||
	    !json_object_is_type(code, json_type_string))
		return bad(err, "a refusal", "error", "missing or not a string");
	name = json_object_get_string(code);
	if (json_object_object_get_ex(o, "message", &msg) &&
	    json_object_is_type(msg, json_type_string))
		copy_str(err, SCTL_ERR_MAX, json_object_get_string(msg),
			 json_object_get_string_len(msg));
	else
		snprintf(err, SCTL_ERR_MAX, "sipfpd refused: %.32s", name);
	for (size_t i = 0; i < N(errnos); i++)
		if (!strcmp(name, errnos[i].name))
			return -errnos[i].err;
	return -EIO;
}

static int end_record(json_object *o, struct sctl_answer *a, char *err)
{
	static const struct jfield count = FLD(struct sctl_answer, "count",
					       J_UINT, count, 1);
	json_object *v;
	int ret;

	a->kind = SCTL_ANS_END;
	if (!json_object_object_get_ex(o, "count", &v) || !v)
		return bad(err, "an end record", "count", "missing");
	ret = get(v, &count, &a->count, "an end record", err);
	return ret < 0 ? ret : 0;
}

int sctl_json_answer(json_object *o, struct sctl_answer *a, char *err)
{
	json_object *v;

	memset(a, 0, sizeof(*a));
	if (json_object_object_get_ex(o, "tag", &v)) {
		a->tagged = true;
		/* a tag this library never sends: someone else's */
		a->tag = json_object_is_type(v, json_type_int) &&
					 json_object_get_int64(v) >= 0 ?
				 json_object_get_uint64(v) :
				 UINT64_MAX;
	}
	if (json_object_object_get_ex(o, "ok", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return bad(err, "an answer", "ok", "not true or false");
		a->kind = SCTL_ANS_OK;
		return json_object_get_boolean(v) ? 0 : refusal(o, err);
	}
	if (json_object_object_get_ex(o, "end", &v))
		return end_record(o, a, err);
	a->kind = json_object_object_get_ex(o, "event", &v) ? SCTL_ANS_EVENT :
							       SCTL_ANS_RECORD;
	return 0;
}

#define IF(key, type, member, bit) FLD(struct sipctl_iface, key, type, member, bit)
static const struct jfield iface_fields[] = {
	IF("name", J_STR, name, SIPCTL_IFACE_HAS_NAME),
	IF("address", J_ADDR, address, SIPCTL_IFACE_HAS_ADDRESS),
	IF("fastpath", J_STR, fastpath, SIPCTL_IFACE_HAS_FASTPATH),
};

#define ST(key, type, member, bit) FLD(struct sipctl_status, key, type, member, bit)
static const struct jfield status_fields[] = {
	ST("version", J_STR, version, SIPCTL_STATUS_HAS_VERSION),
	ST("pid", J_UINT, pid, SIPCTL_STATUS_HAS_PID),
	ST("uptime_s", J_UINT, uptime_s, SIPCTL_STATUS_HAS_UPTIME),
	ST("fastpath", J_STR, fastpath, SIPCTL_STATUS_HAS_FASTPATH),
	ST("transactions", J_UINT, transactions,
	   SIPCTL_STATUS_HAS_TRANSACTIONS),
	ST("registrations", J_UINT, registrations,
	   SIPCTL_STATUS_HAS_REGISTRATIONS),
	ST("calls", J_UINT, calls, SIPCTL_STATUS_HAS_CALLS),
	ST("calls_answered", J_UINT, calls_answered, SIPCTL_STATUS_HAS_CALLS),
	ST("calls_total", J_UINT, calls_total, SIPCTL_STATUS_HAS_CALLS_TOTAL),
};

int sctl_json_status(json_object *o, struct sipctl_status *st, char *err)
{
	json_object *a;
	size_t n;
	int ret;

	ret = fields(o, status_fields, N(status_fields), st, &st->has,
		     "the status", err);
	if (ret)
		return ret;
	ret = member(o, "interfaces", json_type_array, &a, "the status", err);
	if (ret <= 0)
		return ret;
	n = json_object_array_length(a);
	st->has |= SIPCTL_STATUS_HAS_IFACES;
	if (n > SIPCTL_IFACES_MAX)
		st->has |= SIPCTL_STATUS_HAS_MORE_IFACES;
	for (size_t i = 0; i < n && st->nifaces < SIPCTL_IFACES_MAX; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		struct sipctl_iface *f = &st->ifaces[st->nifaces++];

		if (!json_object_is_type(e, json_type_object))
			return bad(err, "the status", "interfaces",
				   "not an array of objects");
		ret = fields(e, iface_fields, N(iface_fields), f, &f->has,
			     "an interface", err);
		if (ret)
			return ret;
	}
	return 0;
}

#define PC(key, member) FLD(struct sipctl_path_counters, key, J_UINT, member, 1)
static const struct jfield path_fields[] = {
	PC("packets", packets),
	PC("bytes", bytes),
	PC("drops", drops),
	PC("flows_ended", flows_ended),
};

int sctl_json_counters(json_object *o, struct sipctl_status *st, char *err)
{
	json_object *paths, *p;
	uint32_t has = 0;
	int ret;

	ret = member(o, "paths", json_type_object, &paths, "the counters",
		     err);
	if (ret <= 0)
		return ret;
	for (int i = 0; i < SIPCTL_PATH_MAX; i++) {
		ret = member(paths, path_names[i], json_type_object, &p,
			     "the paths", err);
		if (ret < 0)
			return ret;
		if (ret)
			ret = fields(p, path_fields, N(path_fields),
				     &st->paths[i], &has, path_names[i], err);
		if (ret)
			return ret;
	}
	if (has)
		st->has |= SIPCTL_STATUS_HAS_PATHS;
	return 0;
}

#define RG(key, type, member, bit) FLD(struct sipctl_reg, key, type, member, bit)
static const struct jfield reg_fields[] = {
	RG("aor", J_STR, aor, SIPCTL_REG_HAS_AOR),
	RG("contact", J_STR, contact, SIPCTL_REG_HAS_CONTACT),
	RG("expires_s", J_UINT, expires_s, SIPCTL_REG_HAS_EXPIRES),
	RG("q", J_Q, q, SIPCTL_REG_HAS_Q),
	RG("transport", J_STR, transport, SIPCTL_REG_HAS_TRANSPORT),
	RG("source", J_ADDR, source, SIPCTL_REG_HAS_SOURCE),
	RG("nat", J_BOOL, nat, SIPCTL_REG_HAS_NAT),
	RG("user_agent", J_STR, user_agent, SIPCTL_REG_HAS_USER_AGENT),
	RG("instance", J_STR, instance, SIPCTL_REG_HAS_INSTANCE),
	RG("reg_id", J_UINT, reg_id, SIPCTL_REG_HAS_REG_ID),
	RG("path", J_STR, path, SIPCTL_REG_HAS_PATH),
	RG("call_id", J_STR, call_id, SIPCTL_REG_HAS_CALL_ID),
	RG("cseq", J_UINT, cseq, SIPCTL_REG_HAS_CSEQ),
};

int sctl_json_reg(json_object *o, struct sipctl_reg *r, char *err)
{
	memset(r, 0, sizeof(*r));
	return fields(o, reg_fields, N(reg_fields), r, &r->has,
		      "a registration", err);
}

#define SF(key, type, member, bit) \
	FLD(struct sipctl_stream_flow, key, type, member, bit)
static const struct jfield sflow_fields[] = {
	ENUM(struct sipctl_stream_flow, "from", from, SIPCTL_SFLOW_HAS_FROM,
	     side_names),
	ENUM(struct sipctl_stream_flow, "kind", kind, SIPCTL_SFLOW_HAS_KIND,
	     kind_names),
	ENUM(struct sipctl_stream_flow, "path", path, SIPCTL_SFLOW_HAS_PATH,
	     path_names),
	SF("stream", J_UINT, stream, SIPCTL_SFLOW_HAS_STREAM),
};

#define FL(key, type, member, bit) FLD(struct sipctl_flow, key, type, member, bit)
static const struct jfield flow_fields[] = {
	FL("cookie", J_UINT, cookie, SIPCTL_FLOW_HAS_COOKIE),
	FL("local", J_ADDR, local, SIPCTL_FLOW_HAS_LOCAL),
	FL("out_local", J_ADDR, out, SIPCTL_FLOW_HAS_OUT),
	FL("peer", J_ADDR, peer, SIPCTL_FLOW_HAS_PEER),
	FL("clock_rate", J_UINT, clock_rate, SIPCTL_FLOW_HAS_CLOCK_RATE),
	FL("packets", J_UINT, counters.packets, SIPCTL_FLOW_HAS_COUNTERS),
	FL("bytes", J_UINT, counters.bytes, SIPCTL_FLOW_HAS_COUNTERS),
	FL("idle_ms", J_UINT, counters.idle_ms, SIPCTL_FLOW_HAS_LAST),
};

/* read only once "rtp_seen" is true */
static const struct jfield rtp_fields[] = {
	FL("ssrc", J_UINT, counters.ssrc, SIPCTL_FLOW_HAS_RTP),
	FL("ext_max_seq", J_UINT, counters.ext_max_seq, SIPCTL_FLOW_HAS_RTP),
	FL("expected", J_UINT, counters.expected, SIPCTL_FLOW_HAS_RTP),
	FL("lost", J_INT, counters.lost, SIPCTL_FLOW_HAS_RTP),
	FL("jitter", J_UINT, counters.jitter, SIPCTL_FLOW_HAS_RTP),
};

static const struct jfield drop_fields[] = {
	FL("source", J_UINT, counters.drop_source, SIPCTL_FLOW_HAS_COUNTERS),
	FL("no_peer", J_UINT, counters.drop_no_peer, SIPCTL_FLOW_HAS_COUNTERS),
	FL("send", J_UINT, counters.drop_route, SIPCTL_FLOW_HAS_COUNTERS),
};

static const struct jfield truncated_field =
	SF("truncated", J_UINT, drop_truncated, SIPCTL_SFLOW_HAS_TRUNCATED);

/* "source" is what a flow latched to when "latched", else what it expects */
static int source(json_object *o, struct sipctl_flow *f, char *err)
{
	static const struct jfield fl[] = {
		{ "latched", J_BOOL, 0, 0, sizeof(bool), NULL },
		{ "source", J_ADDR, 0, 0, sizeof(union sipctl_addr), NULL },
	};
	bool latched = false;
	json_object *v;
	int ret;

	if (json_object_object_get_ex(o, "latched", &v) && v) {
		ret = get(v, &fl[0], &latched, "a flow", err);
		if (ret < 0)
			return ret;
	}
	if (!json_object_object_get_ex(o, "source", &v) || !v)
		return 0;
	ret = get(v, &fl[1], latched ? &f->latched : &f->src, "a flow", err);
	if (ret > 0)
		f->has |= latched ? SIPCTL_FLOW_HAS_LATCHED :
				    SIPCTL_FLOW_HAS_SRC;
	return ret < 0 ? ret : 0;
}

static int drops(json_object *o, struct sipctl_stream_flow *sf, char *err)
{
	json_object *d, *v;
	int ret = member(o, "drops", json_type_object, &d, "a flow", err);

	if (ret <= 0)
		return ret;
	ret = fields(d, drop_fields, N(drop_fields), &sf->flow, &sf->flow.has,
		     "a flow's drops", err);
	if (ret || !json_object_object_get_ex(d, "truncated", &v) || !v)
		return ret;
	ret = get(v, &truncated_field, &sf->drop_truncated, "a flow's drops",
		  err);
	if (ret > 0)
		sf->has |= SIPCTL_SFLOW_HAS_TRUNCATED;
	return ret < 0 ? ret : 0;
}

static int rtp(json_object *o, struct sipctl_flow *f, char *err)
{
	json_object *v;

	if (!json_object_object_get_ex(o, "rtp_seen", &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return bad(err, "a flow", "rtp_seen", "not true or false");
	if (!json_object_get_boolean(v))
		return 0;
	return fields(o, rtp_fields, N(rtp_fields), f, &f->has, "a flow", err);
}

/* A flow of a stream (@clock_rate its, 0 unknown) or of "flows". */
static int stream_flow(json_object *o, struct sipctl_stream_flow *sf,
		       uint32_t clock_rate, char *err)
{
	struct sipctl_flow *f = &sf->flow;
	int ret;

	memset(sf, 0, sizeof(*sf));
	ret = fields(o, sflow_fields, N(sflow_fields), sf, &sf->has, "a flow",
		     err);
	if (!ret)
		ret = fields(o, flow_fields, N(flow_fields), f, &f->has,
			     "a flow", err);
	if (!ret)
		ret = source(o, f, err);
	if (!ret)
		ret = drops(o, sf, err);
	if (!ret)
		ret = rtp(o, f, err);
	if (ret)
		return ret;
	if (sf->has & SIPCTL_SFLOW_HAS_KIND) {
		f->flags = sf->kind == SIPCTL_KIND_RTP ? SIPCTL_F_RTP : 0;
		f->has |= SIPCTL_FLOW_HAS_FLAGS;
	}
	if (clock_rate && !(f->has & SIPCTL_FLOW_HAS_CLOCK_RATE)) {
		f->clock_rate = clock_rate;
		f->has |= SIPCTL_FLOW_HAS_CLOCK_RATE;
	}
	return 0;
}

int sctl_json_flow(json_object *o, struct sipctl_stream_flow *sf,
		   char *call_id, char *err)
{
	static const struct jfield call = { "call", J_ID, 0, 0,
					    SIPCTL_CALL_ID_MAX, NULL };
	json_object *v;
	int ret = stream_flow(o, sf, 0, err);

	*call_id = '\0';
	if (ret || !json_object_object_get_ex(o, "call", &v) || !v)
		return ret;
	ret = get(v, &call, call_id, "a flow", err);
	return ret < 0 ? ret : 0;
}

#define LG(key, type, member, bit) FLD(struct sipctl_leg, key, type, member, bit)
static const struct jfield leg_fields[] = {
	ENUM(struct sipctl_leg, "side", side, SIPCTL_LEG_HAS_SIDE, side_names),
	LG("local", J_ADDR, local, SIPCTL_LEG_HAS_LOCAL),
	LG("advertised", J_STR, advertised, SIPCTL_LEG_HAS_ADVERTISED),
	LG("remote_rtp", J_ADDR, remote_rtp, SIPCTL_LEG_HAS_REMOTE_RTP),
	LG("remote_rtcp", J_ADDR, remote_rtcp, SIPCTL_LEG_HAS_REMOTE_RTCP),
	LG("rejected", J_BOOL, rejected, SIPCTL_LEG_HAS_STATE),
	LG("hold", J_BOOL, hold, SIPCTL_LEG_HAS_STATE),
};

#define SM(key, type, member, bit) FLD(struct sipctl_stream, key, type, member, bit)
static const struct jfield stream_fields[] = {
	SM("index", J_UINT, index, SIPCTL_STREAM_HAS_INDEX),
	SM("rtcp_mux", J_BOOL, rtcp_mux, SIPCTL_STREAM_HAS_RTCP_MUX),
	SM("clock_rate", J_UINT, clock_rate, SIPCTL_STREAM_HAS_CLOCK_RATE),
};

/* The objects of array @key of @o, at most @max, each read by @fn. */
static int each(json_object *o, const char *key, size_t max, bool *more,
		int (*fn)(json_object *e, size_t i, void *arg, char *err),
		void *arg, const char *what, char *err)
{
	json_object *a, *e;
	size_t n;
	int ret = member(o, key, json_type_array, &a, what, err);

	if (ret <= 0)
		return ret;
	n = json_object_array_length(a);
	*more = n > max;
	for (size_t i = 0; i < n && i < max; i++) {
		e = json_object_array_get_idx(a, i);
		if (!json_object_is_type(e, json_type_object))
			return bad(err, what, key, "not an array of objects");
		ret = fn(e, i, arg, err);
		if (ret)
			return ret;
	}
	return 1;
}

static int leg_one(json_object *e, size_t i, void *arg, char *err)
{
	struct sipctl_stream *st = arg;
	struct sipctl_leg *l = &st->legs[st->nlegs++];

	return fields(e, leg_fields, N(leg_fields), l, &l->has, "a leg", err);
}

static int flow_one(json_object *e, size_t i, void *arg, char *err)
{
	struct sipctl_stream *st = arg;
	uint32_t rate = st->has & SIPCTL_STREAM_HAS_CLOCK_RATE ?
				st->clock_rate :
				0;

	return stream_flow(e, &st->flows[st->nflows++], rate, err);
}

static int stream_one(json_object *e, size_t i, void *arg, char *err)
{
	struct sipctl_call *c = arg;
	struct sipctl_stream *st = &c->streams[c->nstreams++];
	bool more;
	int ret;

	ret = fields(e, stream_fields, N(stream_fields), st, &st->has,
		     "a stream", err);
	if (!ret)
		ret = each(e, "legs", 2, &more, leg_one, st, "a stream", err);
	if (ret >= 0)
		ret = each(e, "flows", SIPCTL_STREAM_FLOWS_MAX, &more,
			   flow_one, st, "a stream", err);
	return ret < 0 ? ret : 0;
}

#define CS(key, type, member, bit) \
	FLD(struct sipctl_call_side, key, type, member, bit)
static const struct jfield side_fields[] = {
	CS("signalling", J_ADDR, signalling, SIPCTL_CSIDE_HAS_SIGNALLING),
	CS("nat", J_BOOL, nat, SIPCTL_CSIDE_HAS_NAT),
};

#define CL(key, type, member, bit) FLD(struct sipctl_call, key, type, member, bit)
static const struct jfield call_fields[] = {
	CL("id", J_ID, call_id, SIPCTL_CALL_HAS_ID),
	CL("from_tag", J_STR, from_tag, SIPCTL_CALL_HAS_FROM_TAG),
	CL("to_tag", J_STR, to_tag, SIPCTL_CALL_HAS_TO_TAG),
	ENUM(struct sipctl_call, "state", state, SIPCTL_CALL_HAS_STATE,
	     state_names),
	CL("media", J_BOOL, media, SIPCTL_CALL_HAS_MEDIA),
	CL("duration_s", J_UINT, duration_s, SIPCTL_CALL_HAS_DURATION),
};

static int call_side(json_object *o, struct sipctl_call *c, int x, char *err)
{
	static const char *const keys[] = { "caller", "callee" };
	static const uint32_t bits[] = { SIPCTL_CALL_HAS_CALLER,
					 SIPCTL_CALL_HAS_CALLEE };
	struct sipctl_call_side *s = &c->sides[x];
	json_object *v;
	int ret = member(o, keys[x], json_type_object, &v, "a call", err);

	if (ret <= 0)
		return ret;
	c->has |= bits[x];
	return fields(v, side_fields, N(side_fields), s, &s->has, keys[x], err);
}

int sctl_json_call(json_object *o, struct sipctl_call *c, char *err)
{
	bool more = false;
	int ret;

	memset(c, 0, sizeof(*c));
	ret = fields(o, call_fields, N(call_fields), c, &c->has, "a call",
		     err);
	for (int x = 0; x < 2 && !ret; x++)
		ret = call_side(o, c, x, err);
	if (!ret)
		ret = each(o, "streams", SIPCTL_STREAMS_MAX, &more, stream_one,
			   c, "a call", err);
	if (ret < 0)
		return ret;
	if (ret)
		c->has |= SIPCTL_CALL_HAS_STREAMS;
	if (more)
		c->has |= SIPCTL_CALL_HAS_MORE_STREAMS;
	return 0;
}

static const char *const event_names[] = {
	[SIPCTL_EVENT_LATCHED] = "latched",
	[SIPCTL_EVENT_IDLE] = "idle",
	[SIPCTL_EVENT_SOURCE_MISMATCH] = "source_mismatch",
	[SIPCTL_EVENT_REMOVED] = "removed",
	[SIPCTL_EVENT_CALL_START] = "call_start",
	[SIPCTL_EVENT_CALL_END] = "call_end",
	NULL,
};

#define EV(key, type, member, bit) FLD(struct sipctl_event, key, type, member, bit)
static const struct jfield event_fields[] = {
	EV("call", J_ID, call_id, SIPCTL_EVENT_HAS_CALL_ID),
	EV("reason", J_STR, why, SIPCTL_EVENT_HAS_WHY),
	EV("cookie", J_UINT, cookie, SIPCTL_EVENT_HAS_COOKIE),
	EV("local", J_ADDR, local, SIPCTL_EVENT_HAS_LOCAL),
	EV("source", J_ADDR, source, SIPCTL_EVENT_HAS_SOURCE),
	EV("stream", J_UINT, stream, 0),
	ENUM(struct sipctl_event, "side", side, 0, side_names),
	ENUM(struct sipctl_event, "kind", kind, 0, kind_names),
};

/* An event's where: its stream, side and kind, all three or none. */
static int event_where(json_object *o, struct sipctl_event *ev, char *err)
{
	const struct jfield *f;
	json_object *v;
	int n = 0, ret;

	for (f = &event_fields[N(event_fields) - 3];
	     f < event_fields + N(event_fields); f++) {
		if (!json_object_object_get_ex(o, f->key, &v) || !v)
			continue;
		ret = get(v, f, (char *)ev + f->off, "an event", err);
		if (ret < 0)
			return ret;
		n += ret;
	}
	if (n == 3)
		ev->has |= SIPCTL_EVENT_HAS_STREAM;
	return 0;
}

int sctl_json_event(json_object *o, struct sipctl_event *ev, char *err)
{
	static const struct jfield type = ENUM(struct sipctl_event, "event",
					       type, 1, event_names);
	uint32_t known = 0;
	json_object *v;
	int ret;

	memset(ev, 0, sizeof(*ev));
	if (!json_object_object_get_ex(o, "event", &v) || !v)
		return bad(err, "an event", "event", "missing");
	ret = fields(o, &type, 1, ev, &known, "an event", err);
	if (ret)
		return ret;
	/* a kind of event a newer daemon has: not for this caller */
	if (!known)
		return -ENOENT;
	ret = fields(o, event_fields, N(event_fields) - 3, ev, &ev->has,
		     "an event", err);
	return ret ? ret : event_where(o, ev, err);
}
