// SPDX-License-Identifier: GPL-2.0
/*
 * sdp_parse() and sdp_write() on arbitrary bytes.  Every accepted body must
 * survive an empty rewrite byte for byte, and a rewrite derived from the
 * input must produce a body that parses again and says what was asked.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "sip/sdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sdp_session sdp, again;

/* xorshift64, seeded from the input so a crash reproduces from its file */
static uint64_t rnd_state;

static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void seed(const uint8_t *data, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 0x100000001b3ULL;
	rnd_state = h | 1;
}

static const struct {
	const char *addr;
	uint8_t af;
} addrs[] = {
	{ "198.51.100.7", AF_INET },  { "2001:db8::7", AF_INET6 },
	{ "203.0.113.255", AF_INET }, { "::", AF_INET6 },
	{ "0.0.0.0", AF_INET },	      { "relay.example.net", AF_INET },
	{ "::ffff:192.0.2.1", 0 },
};

#define NADDRS (sizeof(addrs) / sizeof(addrs[0]))

static void pick_addr(const char **addr, uint8_t *af)
{
	size_t i = rnd() % NADDRS;

	*addr = addrs[i].addr;
	*af = addrs[i].af;
}

static uint16_t pick_rtcp(uint16_t port)
{
	switch (rnd() % 4) {
	case 0:
		return 0;
	case 1:
		return port + 1;
	case 2:
		return port;
	}
	return rnd();
}

static void derive(struct sdp_rewrite *rw)
{
	unsigned int i;

	memset(rw, 0, sizeof(*rw));
	if (rnd() % 2)
		pick_addr(&rw->addr, &rw->af);
	rw->set_version = rnd() % 2;
	rw->version = rnd() % 3 ? rnd() % 1000 : rnd();
	rw->strip_ice = rnd() % 2;
	for (i = 0; i < sdp.nmedia; i++) {
		struct sdp_rewrite_media *rm = &rw->media[i];

		rm->set = rnd() % 4 != 0;
		rm->port = rnd() % 5 ? (uint16_t)rnd() : 0;
		rm->rtcp_port = pick_rtcp(rm->port);
		/* keeping the address needs one to keep (see sdp.h) */
		if (rnd() % 4 || (rm->port && !sdp_media_conn(&sdp, i)))
			pick_addr(&rm->addr, &rm->af);
	}
}

static void check_media(const struct sdp_rewrite *rw, unsigned int i)
{
	const struct sdp_rewrite_media *rm = &rw->media[i];
	const struct sdp_media *m = &sdp.media[i], *n = &again.media[i];
	const struct sdp_conn *c = sdp_media_conn(&again, i);

	if (!sip_str_eq(m->type, n->type) || m->nports != n->nports ||
	    !sip_str_eq(m->proto_s, n->proto_s) ||
	    !sip_str_eq(m->fmts, n->fmts))
		abort();
	if (rw->strip_ice && n->has_ice)
		abort();
	if (!rm->set) {
		if (n->port != m->port)
			abort();
		return;
	}
	if (n->port != rm->port)
		abort();
	if (!rm->port)
		return;
	if (rm->addr && (!c || !sip_str_eq(c->addr, sip_str_cstr(rm->addr))))
		abort();
	if (rm->rtcp_port && (m->has_rtcp || rm->rtcp_port != rm->port + 1) &&
	    (!n->has_rtcp || n->rtcp_port != rm->rtcp_port))
		abort();
}

static void check_rewrite(const struct sdp_rewrite *rw, const char *out,
			  size_t len)
{
	struct sip_err err = { 0 };
	unsigned int i;

	if (sdp_parse(&again, out, len, &err))
		abort();
	if (again.nmedia != sdp.nmedia)
		abort();
	if (again.sess_version !=
	    (rw->set_version ? rw->version : sdp.sess_version))
		abort();
	if (rw->strip_ice && again.has_ice)
		abort();
	for (i = 0; i < sdp.nmedia; i++)
		check_media(rw, i);
}

/* Exactly sized heap buffers, so ASan sees a write one byte too far. */
static ssize_t write_exact(const struct sdp_rewrite *rw, size_t size,
			   char **out)
{
	ssize_t n;

	*out = malloc(size ? size : 1);
	if (!*out)
		abort();
	n = sdp_write(&sdp, rw, *out, size);
	if (n >= 0 && (size_t)n > size)
		abort();
	return n;
}

static void round_trip(const uint8_t *data, size_t size)
{
	static const struct sdp_rewrite zero;
	char *out;
	ssize_t n = write_exact(&zero, size, &out);

	if (n != (ssize_t)size || memcmp(out, data, size))
		abort();
	free(out);
	if (write_exact(&zero, size - 1, &out) != -ENOSPC)
		abort();
	free(out);
}

static void rewrite(void)
{
	struct sdp_rewrite rw;
	/* each line grows by at most ~70 bytes, a line takes at least 3 */
	size_t cap = sdp.raw.len * 24 + SDP_MAX_MEDIA * 160;
	char *out;
	ssize_t n;

	derive(&rw);
	n = write_exact(&rw, cap, &out);
	if (n < 0)
		abort();
	check_rewrite(&rw, out, n);
	free(out);
	if (n && write_exact(&rw, n - 1, &out) != -ENOSPC)
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_err err = { 0 };

	if (sdp_parse(&sdp, (const char *)data, size, &err)) {
		if (!err.what || err.offset > size || err.status != 400)
			abort();
		return 0;
	}
	seed(data, size);
	round_trip(data, size);
	rewrite();
	return 0;
}
