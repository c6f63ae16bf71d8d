/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SDP (RFC 8866) as an offer/answer (RFC 3264) body: just what a media
 * anchor reads and rewrites.  Parsing is zero-copy; the writer replaces
 * connection addresses, ports and a=rtcp lines, bumps the o= version and
 * drops ICE attributes, and copies every other line byte for byte.
 */
#ifndef SIPFP_SIP_SDP_H
#define SIPFP_SIP_SDP_H

#include <sys/types.h>

#include "err.h"
#include "str.h"

#define SDP_MAX_MEDIA 16

enum sdp_dir {
	SDP_DIR_UNSPEC, /* no direction attribute at this level */
	SDP_DIR_SENDRECV,
	SDP_DIR_SENDONLY,
	SDP_DIR_RECVONLY,
	SDP_DIR_INACTIVE,
};

enum sdp_proto {
	SDP_PROTO_OTHER,
	SDP_PROTO_RTP_AVP,
	SDP_PROTO_RTP_SAVP,
	SDP_PROTO_RTP_AVPF,
	SDP_PROTO_RTP_SAVPF,
	SDP_PROTO_UDP_TLS_RTP_SAVPF,
	SDP_PROTO_UDP,
};

/* A c= line, or the optional address of an a=rtcp line (RFC 3605). */
struct sdp_conn {
	bool present;
	/* "c=0.0.0.0" or "::": the RFC 2543 way of putting a stream on hold */
	bool null_addr;
	uint8_t af; /* AF_INET or AF_INET6 */
	struct sip_str addr; /* as written, without "/ttl" */
	struct sip_str line; /* the whole line, "c=" up to (excluding) EOL */
};

struct sdp_media {
	struct sip_str type; /* audio, video, image, application, ... */
	uint16_t port;
	uint16_t nports; /* the "/count" of m=, 1 when absent */
	uint8_t proto; /* enum sdp_proto */
	uint8_t dir; /* enum sdp_dir, at media level */
	bool rtcp_mux;
	bool has_rtcp; /* a=rtcp present */
	bool has_ice; /* any ICE attribute at media level */
	uint8_t ncrypto; /* a=crypto lines (RFC 4568), passed through */
	uint16_t rtcp_port;
	struct sdp_conn rtcp_conn; /* address in a=rtcp, when given */
	struct sip_str proto_s;
	struct sip_str fmts; /* "0 8 101" */
	struct sdp_conn conn; /* media-level c= */
	struct sip_str line; /* the m= line, "m=" up to (excluding) EOL */
	struct sip_str section; /* from "m=" to the next m= or the end */
};

struct sdp_session {
	struct sip_str origin_user;
	struct sip_str sess_id;
	uint64_t sess_version;
	uint8_t origin_af;
	struct sip_str origin_addr;
	struct sip_str origin_line; /* whole o= line */
	struct sdp_conn conn; /* session-level c= */
	uint8_t dir; /* session-level direction */
	bool has_ice; /* any ICE attribute at session level */
	unsigned int nmedia;
	struct sdp_media media[SDP_MAX_MEDIA];
	struct sip_str raw; /* the whole body */
};

/**
 * sdp_parse() - parse an SDP body
 * @sdp: result, fully overwritten
 * @buf: the body; lines end in CRLF or a lone LF
 * @len: its length
 * @err: filled on failure (status 400; offset within @buf)
 *
 * Requires v=0 first, then o=, s=, and a c= for every media (session or
 * media level) whose port is not 0.  Unknown lines and attributes are kept.
 *
 * Return: 0, or -EBADMSG with @err set.
 */
int sdp_parse(struct sdp_session *sdp, const char *buf, size_t len,
	      struct sip_err *err);

/* The direction that applies to a stream: media level, else session level. */
enum sdp_dir sdp_media_dir(const struct sdp_session *sdp, unsigned int i);

/* The c= that applies to a stream: media level, else session level. */
const struct sdp_conn *sdp_media_conn(const struct sdp_session *sdp,
				      unsigned int i);

struct sdp_rewrite_media {
	/* leave the stream untouched when false */
	bool set;
	/* new c= address for the stream ("198.51.100.7", "2001:db8::7") */
	const char *addr;
	uint8_t af; /* AF_INET or AF_INET6 */
	/* new m= port; 0 rejects the stream */
	uint16_t port;
	/*
	 * RTCP port: an existing a=rtcp line gets this port (and @addr if it
	 * carried an address); without one, an a=rtcp line is added when it
	 * differs from port + 1.  0 leaves RTCP lines alone.
	 */
	uint16_t rtcp_port;
};

struct sdp_rewrite {
	/* session-level c= address; NULL leaves it */
	const char *addr;
	uint8_t af;
	/* o= sess-version to write; used when set_version */
	bool set_version;
	uint64_t version;
	/* remove a=candidate, a=ice-*, a=remote-candidates, a=end-of-candidates */
	bool strip_ice;
	struct sdp_rewrite_media media[SDP_MAX_MEDIA];
};

/**
 * sdp_write() - write a rewritten copy of a parsed body
 * @sdp: the parsed original (its buffer must still be valid)
 * @rw: the changes
 * @out: output buffer
 * @size: its size
 *
 * Lines not named by @rw are copied byte for byte, with their original
 * line ends.  A media-level c= is rewritten when the stream is set; the
 * session-level c= when @rw->addr is set.
 *
 * Return: bytes written, or -ENOSPC.
 */
ssize_t sdp_write(const struct sdp_session *sdp, const struct sdp_rewrite *rw,
		  char *out, size_t size);

#endif
