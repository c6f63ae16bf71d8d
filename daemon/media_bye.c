// SPDX-License-Identifier: GPL-2.0
/*
 * The BYEs of the media timeout and of a hangup from the control socket:
 * a call whose media stopped both ways, or that the operator ended, is
 * over, and each phone hears so from us as if the other had hung up
 * (RFC 3261 §15.1.1, with an RFC 3326 Reason).  To say it we keep what
 * each side's BYE would carry: the dialog's From and To, each side's
 * remote target (its Contact, after our NAT fix-up), the highest CSeq
 * each side has used, and the route set toward each, which is the
 * Record-Route entries on that side of ours (§12.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "media_int.h"
#include "proxy.h"
#include "sip/uri.h"

#define HDR_MAX 512
#define ROUTE_MAX 2048

struct media_dialog {
	char from[HDR_MAX]; /* the caller's From, tag included */
	char to[HDR_MAX]; /* the callee's To, its tag once answered */
	char target[2][HDR_MAX]; /* each side's Contact URI */
	char route[2][ROUTE_MAX]; /* Route toward each side, may be empty */
	uint32_t cseq[2];
	bool cseq_set[2];
	bool confirmed; /* a 2xx gave the callee's tag and target */
};

static void copy(char *dst, size_t size, struct sip_str v)
{
	if (v.len >= size)
		v.len = 0; /* too long to keep: the BYE will not be sent */
	sip_str_copy(dst, size, v);
}

static void target_of(const struct sip_msg *m, char *dst)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;

	if (sip_contact_next(m, &it, &c) == 1 && !c.star)
		copy(dst, HDR_MAX, c.na.uri.raw);
}

static bool ours(const struct sip_nameaddr *na)
{
	struct sip_str v;

	return sip_uri_param(&na->uri, "sfp", &v);
}

/* Appends one Record-Route entry to a Route value. */
static void add(char *route, const struct sip_nameaddr *na)
{
	size_t n = strlen(route);

	if (n + na->raw.len + 3 >= ROUTE_MAX)
		return;
	snprintf(route + n, ROUTE_MAX - n, "%s%.*s", n ? ", " : "",
		 SIP_STR_FMT(na->raw));
}

/*
 * Entries above ours lead to the callee, nearest first from the bottom;
 * entries below ours lead to the caller, nearest first from the top.
 */
static void routes_of(struct media_dialog *d, const struct sip_msg *m)
{
	struct sip_nameaddr e[32];
	struct sip_iter it = SIP_ITER_INIT;
	int n = 0, first = -1, last = -1;

	while (n < 32 && sip_nameaddr_next(m, SIP_H_RECORD_ROUTE, &it,
					   &e[n]) == 1) {
		if (ours(&e[n])) {
			if (first < 0)
				first = n;
			last = n;
		}
		n++;
	}
	d->route[0][0] = d->route[1][0] = '\0';
	if (first < 0)
		return;
	for (int i = last + 1; i < n; i++)
		add(d->route[0], &e[i]);
	for (int i = first - 1; i >= 0; i--)
		add(d->route[1], &e[i]);
}

static void note_cseq(struct media_dialog *d, const struct sip_msg *m,
		      int side)
{
	if (!d->cseq_set[side] || m->cseq.num > d->cseq[side]) {
		d->cseq[side] = m->cseq.num;
		d->cseq_set[side] = true;
	}
}

void media_dialog_request(struct media_session *s, const struct sip_msg *m,
			  int side)
{
	struct media_dialog *d = s->dlg;

	if (!d && m->method == SIP_INVITE && !m->to.tag.len && side == 0) {
		d = s->dlg = calloc(1, sizeof(*d));
		if (!d)
			return;
		copy(d->from, HDR_MAX, m->hdr[m->first[SIP_H_FROM]].value);
		copy(d->to, HDR_MAX, m->hdr[m->first[SIP_H_TO]].value);
		target_of(m, d->target[0]);
	}
	if (!d || m->method == SIP_ACK || m->method == SIP_CANCEL)
		return;
	note_cseq(d, m, side);
	/* a target refresh (§12.2): re-INVITE and UPDATE carry the new one */
	if (m->method == SIP_INVITE || m->method == SIP_UPDATE)
		target_of(m, d->target[side]);
}

void media_dialog_response(struct media_session *s, const struct sip_msg *m,
			   int side)
{
	struct media_dialog *d = s->dlg;

	if (!d || m->method != SIP_INVITE || m->status < 200 ||
	    m->status >= 300 || d->confirmed || side != 1)
		return;
	copy(d->to, HDR_MAX, m->hdr[m->first[SIP_H_TO]].value);
	target_of(m, d->target[1]);
	routes_of(d, m);
	d->confirmed = true;
}

static unsigned int bye(struct media_session *s, int to, const char *reason)
{
	static char buf[8192];
	struct media_dialog *d = s->dlg;
	struct sip_msg m;
	struct sip_err err;
	uint32_t cseq;
	int n, ret;

	/* the side we stand in for speaks with its next CSeq (§12.2.1.1) */
	cseq = d->cseq_set[!to] ? d->cseq[!to] + 1 : 1;
	d->cseq[!to] = cseq;
	d->cseq_set[!to] = true;
	n = snprintf(buf, sizeof(buf),
		     "BYE %s SIP/2.0\r\n"
		     "Via: SIP/2.0/UDP invalid;branch=z9hG4bK-placeholder\r\n"
		     "%s%s%s"
		     "Max-Forwards: 70\r\nFrom: %s\r\nTo: %s\r\n"
		     "Call-ID: %s\r\nCSeq: %u BYE\r\n"
		     "Reason: %s\r\n"
		     "Content-Length: 0\r\n\r\n",
		     d->target[to], *d->route[to] ? "Route: " : "",
		     d->route[to], *d->route[to] ? "\r\n" : "",
		     to ? d->from : d->to, to ? d->to : d->from, s->call_id,
		     cseq, reason);
	if (n <= 0 || (size_t)n >= sizeof(buf) ||
	    sip_msg_parse(&m, buf, n, 0, &err)) {
		log_warnx("media: call=%s: cannot build a BYE to the %s",
			  s->call_id, media_side_name(to));
		return 0;
	}
	ret = proxy_originate(&m);
	if (ret)
		log_warnx("media: call=%s: BYE to the %s not sent: %s",
			  s->call_id, media_side_name(to), strerror(-ret));
	return !ret;
}

unsigned int media_bye(struct media_session *s, const char *reason)
{
	struct media_dialog *d = s->dlg;

	if (!d || !d->confirmed || !*d->target[0] || !*d->target[1]) {
		log_info("media: call=%s ends before it was answered: no BYE",
			 s->call_id);
		return 0;
	}
	return bye(s, 0, reason) + bye(s, 1, reason);
}
