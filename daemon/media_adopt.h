/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calls a previous sipfpd left forwarding in the kernel (fp_leave()),
 * adopted at start so their media runs on through a restart.  No SDP or
 * dialog state survives, so an adopted call is only its flows, grouped
 * by the Call-ID hash their cookies carry (fp_cookie()), and its relay
 * ports, bound again so no other process takes them.  It ends on a BYE
 * or CANCEL of that Call-ID that no session claims, or once all its
 * flows were quiet for the media timeout (an hour with none set).
 */
#ifndef SIPFP_MEDIA_ADOPT_H
#define SIPFP_MEDIA_ADOPT_H

#include <stdbool.h>

#include "config.h"
#include "sip/str.h"

struct media_adopt_stats {
	uint64_t calls, flows; /* alive now */
	uint64_t left; /* flows whose ports another process holds: untouched */
	uint64_t dropped; /* ours but not adoptable (ports gone): deleted */
	uint64_t ended; /* calls ended since start */
};

extern struct media_adopt_stats media_adopt_stats;

/**
 * media_adopt_init() - adopt what the fast path kept of an earlier life
 * @cfg: [media] media_timeout
 *
 * After ports_init() and fp_init(), before any call is handled.  Flows
 * of other owners (another cookie magic) are left alone.  Logs "media:
 * adopted N flows of M calls from the kernel" when there were any.
 *
 * Return: the number of calls adopted (0 with a path that keeps no
 * flows, such as the relay), or -errno when the kernel's table could
 * not be read (nothing adopted; start anyway).
 */
int media_adopt_init(const struct config *cfg);

/**
 * media_adopt_end() - a BYE or CANCEL for a call no session knows
 * @call_id: its Call-ID
 * @reason: "bye" or "cancel", for the log
 *
 * Return: true when it was an adopted call, now ended.
 */
bool media_adopt_end(struct sip_str call_id, const char *reason);

/* At shutdown, after fp_leave(): lets go of every adopted call. */
void media_adopt_exit(void);

#endif
