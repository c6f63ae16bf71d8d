/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SIP messages (RFC 3261 §7, §20, §25): a zero-copy parser, structured
 * access to the headers a proxy and a registrar need, and a serializer
 * that writes a message back after a proxy's edits without reformatting
 * the headers it did not touch.
 *
 * The parser indexes every header line, then parses the ones it knows.
 * All strings point into the caller's buffer, which must outlive the
 * message; edits copy their text into the message's scratch arena.
 */
#ifndef SIPFP_SIP_MSG_H
#define SIPFP_SIP_MSG_H

#include <sys/types.h>

#include "err.h"
#include "str.h"
#include "uri.h"

#define SIP_MAX_HDRS 128
#define SIP_MAX_ADDS 16
#define SIP_SCRATCH 2048

enum sip_method {
	SIP_METHOD_UNKNOWN,
	SIP_INVITE,
	SIP_ACK,
	SIP_BYE,
	SIP_CANCEL,
	SIP_REGISTER,
	SIP_OPTIONS,
	SIP_INFO,
	SIP_UPDATE,
	SIP_PRACK,
	SIP_SUBSCRIBE,
	SIP_NOTIFY,
	SIP_REFER,
	SIP_MESSAGE,
	SIP_PUBLISH,
};

enum sip_hdr_id {
	SIP_H_OTHER, /* unknown: kept verbatim */
	SIP_H_VIA,
	SIP_H_FROM,
	SIP_H_TO,
	SIP_H_CALL_ID,
	SIP_H_CSEQ,
	SIP_H_MAX_FORWARDS,
	SIP_H_CONTACT,
	SIP_H_ROUTE,
	SIP_H_RECORD_ROUTE,
	SIP_H_PATH,
	SIP_H_CONTENT_LENGTH,
	SIP_H_CONTENT_TYPE,
	SIP_H_CONTENT_ENCODING,
	SIP_H_EXPIRES,
	SIP_H_MIN_EXPIRES,
	SIP_H_AUTHORIZATION,
	SIP_H_PROXY_AUTHORIZATION,
	SIP_H_WWW_AUTHENTICATE,
	SIP_H_PROXY_AUTHENTICATE,
	SIP_H_SUPPORTED,
	SIP_H_REQUIRE,
	SIP_H_PROXY_REQUIRE,
	SIP_H_UNSUPPORTED,
	SIP_H_ALLOW,
	SIP_H_USER_AGENT,
	SIP_H_SERVER,
	SIP_H_SUBJECT,
	SIP_H_EVENT,
	SIP_H_ALLOW_EVENTS,
	SIP_H_ACCEPT,
	SIP_H_DATE,
	SIP_H_TIMESTAMP,
	SIP_H_WARNING,
	SIP_H_RETRY_AFTER,
	SIP_H__COUNT,
};

/* struct sip_hdr.flags */
#define SIP_HDR_DELETED 0x01
#define SIP_HDR_REPLACED 0x02

struct sip_hdr {
	uint8_t id; /* enum sip_hdr_id */
	uint8_t flags;
	int16_t next; /* next header with the same id, or -1 */
	struct sip_str name; /* as written: "Via", "v", "NewFangledHeader" */
	/* after ':' and LWS, up to trailing LWS; may hold folded CRLF SP */
	struct sip_str value;
	/* name through the line end (CRLF or LF) of the last folded line */
	struct sip_str raw;
	/* the value written instead when SIP_HDR_REPLACED */
	struct sip_str newval;
};

struct sip_via {
	struct sip_str proto; /* "SIP" */
	struct sip_str version; /* "2.0" */
	struct sip_str transport; /* "UDP", "TCP", "TLS", "SCTP", "WS", ... */
	struct sip_str host; /* IPv6 with brackets */
	uint16_t port; /* 0 when absent */
	uint8_t host_type; /* enum sip_host_type */
	bool rport; /* ;rport present (RFC 3581) */
	uint16_t rport_val; /* its value, 0 when empty */
	bool has_ttl;
	uint8_t ttl;
	struct sip_str branch;
	struct sip_str received;
	struct sip_str maddr;
	/* raw "branch=z9hG4bK..;rport" after the sent-by, no leading ';' */
	struct sip_str params;
	struct sip_str raw; /* this via-parm */
};

/* From, To, Contact, Route, Record-Route, Path values */
struct sip_nameaddr {
	struct sip_str display; /* without quotes; backslash escapes kept */
	bool quoted; /* display name was a quoted-string */
	bool angle; /* URI was enclosed in <> */
	struct sip_uri uri;
	/* raw header parameters after the URI, no leading ';' */
	struct sip_str params;
	struct sip_str tag;
	struct sip_str raw;
};

struct sip_contact {
	bool star; /* "Contact: *" */
	struct sip_nameaddr na;
	int64_t expires; /* ;expires=, -1 when absent */
	int16_t q; /* ;q= in thousandths, -1 when absent */
	int32_t reg_id; /* ;reg-id= (RFC 5626), -1 when absent */
	struct sip_str instance; /* ;+sip.instance= without its quotes */
};

struct sip_cseq {
	uint32_t num;
	uint8_t method; /* enum sip_method */
	struct sip_str method_s;
};

/* Authorization, Proxy-Authorization, WWW-Authenticate, Proxy-Authenticate */
struct sip_auth {
	struct sip_str scheme; /* "Digest", or any other token */
	/* parameter values without quotes */
	struct sip_str username;
	struct sip_str realm;
	struct sip_str nonce;
	struct sip_str uri;
	struct sip_str response;
	struct sip_str algorithm;
	struct sip_str cnonce;
	struct sip_str opaque;
	struct sip_str qop;
	struct sip_str nc;
	struct sip_str stale;
	struct sip_str domain;
	bool userhash; /* RFC 7616 userhash=true */
	struct sip_str params; /* everything after the scheme */
};

/* Walks the values of a multi-valued header across all its lines. */
struct sip_iter {
	int16_t hdr; /* current header index; -1 before the first call */
	uint32_t pos; /* offset in that header's value */
};

#define SIP_ITER_INIT { .hdr = -1, .pos = 0 }

/* sip_msg_parse() flags */
#define SIP_PARSE_STREAM 0x01 /* TCP/TLS: Content-Length is mandatory */

struct sip_add {
	int16_t before; /* header index, or -1 for the end of the headers */
	uint8_t id;
	struct sip_str name;
	struct sip_str value;
};

struct sip_msg {
	const char *buf;
	uint32_t len; /* the message, body included (not trailing datagram junk) */

	bool is_request;
	uint8_t method; /* request method, or the CSeq method of a response */
	struct sip_str method_s;
	struct sip_str ruri_s;
	struct sip_uri ruri;
	struct sip_str version; /* "SIP/2.0" */
	uint16_t status;
	struct sip_str reason;
	struct sip_str start_line; /* without its line end */

	uint16_t nhdrs;
	int16_t first[SIP_H__COUNT]; /* first header of each id, or -1 */
	struct sip_hdr hdr[SIP_MAX_HDRS];

	/* parsed at sip_msg_parse(); others through the iterators below */
	uint16_t nvia; /* via-parms in all Via lines */
	struct sip_via via; /* the top one */
	struct sip_nameaddr from;
	struct sip_nameaddr to;
	struct sip_str call_id;
	struct sip_cseq cseq;
	int max_forwards; /* -1 when absent */
	int64_t expires; /* Expires header, -1 when absent */
	int64_t min_expires; /* -1 when absent */
	int64_t content_length; /* -1 when absent */
	struct sip_str content_type;
	struct sip_str body;

	/* edits, applied by sip_msg_write() */
	struct sip_str new_ruri;
	bool body_set;
	struct sip_str new_body;
	uint16_t nadds;
	struct sip_add adds[SIP_MAX_ADDS];
	uint32_t scratch_used;
	char scratch[SIP_SCRATCH];
};

/**
 * sip_msg_parse() - parse one SIP message
 * @m: result
 * @buf: the message; for a datagram, octets after Content-Length are
 *	 ignored (RFC 3261 §18.3)
 * @len: bytes in @buf
 * @flags: SIP_PARSE_*
 * @err: filled on failure
 *
 * On failure @m still holds what was parsed before the fault (the header
 * index and, when they parsed, the top Via, From, To, Call-ID and CSeq), so
 * a server can build the error response @err->status names.
 *
 * Return: 0, or -EBADMSG with @err set.
 */
int sip_msg_parse(struct sip_msg *m, const char *buf, size_t len, int flags,
		  struct sip_err *err);

/**
 * sip_msg_frame() - find the end of one message in a stream (TCP, TLS)
 * @buf: received bytes
 * @len: how many
 * @err: filled on failure
 *
 * CRLFs before a message (RFC 5626 keep-alives) are returned as a unit of
 * their own: when the buffer starts with them, the return value is their
 * count, and the caller skips them (answering a CRLFCRLF ping) and calls
 * again.
 *
 * Return: the message length, 0 when more bytes are needed, or -EBADMSG
 * (no or bad Content-Length: the stream cannot be resynchronised).
 */
ssize_t sip_msg_frame(const char *buf, size_t len, struct sip_err *err);

/**
 * sip_req_check() - application checks a proxy makes before routing
 * @m: a parsed request
 * @supported: NULL-terminated option tags this element supports
 * @unsupported: set to the first Proxy-Require/Require value not
 *		 supported (for the Unsupported header of a 420); may be NULL
 * @err: filled on failure
 *
 * Checks, in RFC 3261 §16.3 order: URI scheme (416), Max-Forwards (483),
 * Proxy-Require (420).  Require is the UAS's business; call with a
 * NULL @supported to skip the extension check.
 *
 * Return: 0, or -EBADMSG with @err->status set.
 */
int sip_req_check(const struct sip_msg *m, const char *const *supported,
		  struct sip_str *unsupported, struct sip_err *err);

const char *sip_method_name(enum sip_method method);
enum sip_method sip_method_parse(struct sip_str s);
const char *sip_hdr_name(enum sip_hdr_id id); /* canonical long name */
enum sip_hdr_id sip_hdr_lookup(struct sip_str name);

/* Index of the first header with @id, or -1. */
static inline int sip_hdr_find(const struct sip_msg *m, enum sip_hdr_id id)
{
	return m->first[id];
}

/**
 * sip_via_next() - the next via-parm, across all Via lines in order
 * Return: 1 with @v set, 0 at the end, -EBADMSG.
 */
int sip_via_next(const struct sip_msg *m, struct sip_iter *it,
		 struct sip_via *v);

/**
 * sip_contact_next() - the next Contact value (Contact: * included)
 * Return: 1 with @c set, 0 at the end, -EBADMSG.
 */
int sip_contact_next(const struct sip_msg *m, struct sip_iter *it,
		     struct sip_contact *c);

/**
 * sip_nameaddr_next() - the next value of Route, Record-Route or Path
 * Return: 1 with @na set, 0 at the end, -EBADMSG.
 */
int sip_nameaddr_next(const struct sip_msg *m, enum sip_hdr_id id,
		      struct sip_iter *it, struct sip_nameaddr *na);

/**
 * sip_token_next() - the next token of a comma list (Require, Supported,
 * Proxy-Require, Unsupported, Allow)
 * Return: 1 with @tok set, 0 at the end, -EBADMSG.
 */
int sip_token_next(const struct sip_msg *m, enum sip_hdr_id id,
		   struct sip_iter *it, struct sip_str *tok);

/* Value parsers, for a single header value or via-parm (zero-copy). */
int sip_via_parse(struct sip_via *v, const char *s, size_t len,
		  struct sip_err *err);
int sip_nameaddr_parse(struct sip_nameaddr *na, const char *s, size_t len,
		       struct sip_err *err);
int sip_contact_parse(struct sip_contact *c, const char *s, size_t len,
		      struct sip_err *err);
int sip_auth_parse(struct sip_auth *a, struct sip_str value,
		   struct sip_err *err);

/**
 * sip_param_find() - look a parameter up in a raw ";a=b;c" list
 * @params: the list (with or without leading ';')
 * @name: parameter name, case-insensitive
 * @val: its value (quotes kept), empty for a flag; may be NULL
 *
 * Return: true when present.
 */
bool sip_param_find(struct sip_str params, const char *name,
		    struct sip_str *val);

/* Edits: text is copied into the scratch arena; -ENOSPC when it is full. */
int sip_set_ruri(struct sip_msg *m, struct sip_str uri);
int sip_hdr_add(struct sip_msg *m, int before, enum sip_hdr_id id,
		struct sip_str value);
int sip_hdr_add_named(struct sip_msg *m, int before, struct sip_str name,
		      struct sip_str value);
int sip_hdr_del(struct sip_msg *m, int idx);
int sip_hdr_set(struct sip_msg *m, int idx, struct sip_str value);
/* Via on top of all Vias; Record-Route on top of all Record-Routes. */
int sip_via_push(struct sip_msg *m, struct sip_str value);
int sip_rr_push(struct sip_msg *m, struct sip_str value);
/* Remove the first value of the first Via (or Route) line. */
int sip_via_pop(struct sip_msg *m);
int sip_route_pop(struct sip_msg *m);
/* Replaces the body; Content-Length follows it when written. */
int sip_set_body(struct sip_msg *m, struct sip_str body);

/**
 * sip_msg_write() - serialize a message with its edits
 * @m: parsed and possibly edited message
 * @out: output buffer
 * @size: its size
 *
 * Untouched header lines are copied byte for byte, folding included.
 * Content-Length is rewritten when the body changed and added when it was
 * absent.
 *
 * Return: length written, or -ENOSPC.
 */
ssize_t sip_msg_write(const struct sip_msg *m, char *out, size_t size);

#endif
