/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SDP fixture shared by test_sdp.c and test_sdp_write.c; see tsdp.c.
 */
#ifndef SIPFP_SELFTESTS_TSDP_H
#define SIPFP_SELFTESTS_TSDP_H

#include "sip/sdp.h"
#include "tutil.h"

/* What the last tsdp_parse() or tsdp_parse_n() parsed, and its fault. */
extern struct sdp_session tsdp;
extern struct sip_err tsdp_err;

int tsdp_parse(const char *body);
int tsdp_parse_n(const char *body, size_t len);

/*
 * Sample offers: audio only; audio and video; IPv6; SRTP with ICE; a
 * WebRTC offer; bare LF line ends.
 */
extern const char tsdp_audio[], tsdp_av[], tsdp_v6[], tsdp_srtp[],
	tsdp_webrtc[], tsdp_lf[];

#endif
