// SPDX-License-Identifier: GPL-2.0
/*
 * sipdump: parse SIP message files and print what the parser saw.
 *
 *   sipdump [-s] FILE...     (- reads standard input)
 *
 * -s treats each file as a stream (TCP) message: Content-Length required.
 * Exit 0 when every file parsed, 1 when one did not, 2 on usage errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sip/msg.h"
#include "sip/sdp.h"

#define MAX_MSG 65536

static void usage(FILE *f)
{
	fprintf(f, "usage: sipdump [-s] FILE...\n"
		   "  parse SIP messages and print their structure\n"
		   "  -s  stream framing (Content-Length mandatory, as on TCP)\n");
}

static void print_uri(const char *label, const struct sip_uri *u)
{
	char buf[1024];

	sip_uri_print(buf, sizeof(buf), u);
	printf("  %-14s %s\n", label, buf);
}

static void print_nameaddr(const char *label, const struct sip_nameaddr *na)
{
	char buf[1024];

	sip_uri_print(buf, sizeof(buf), &na->uri);
	printf("  %-14s %s%.*s%s<%s>", label, na->quoted ? "\"" : "",
	       SIP_STR_FMT(na->display), na->quoted ? "\" " : na->display.len ? " " : "",
	       buf);
	if (na->tag.len)
		printf(" tag=%.*s", SIP_STR_FMT(na->tag));
	printf("\n");
}

static void print_vias(const struct sip_msg *m)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_via v;

	while (sip_via_next(m, &it, &v) == 1) {
		printf("  %-14s %.*s %.*s", "Via", SIP_STR_FMT(v.transport),
		       SIP_STR_FMT(v.host));
		if (v.port)
			printf(":%u", v.port);
		if (v.branch.len)
			printf(" branch=%.*s", SIP_STR_FMT(v.branch));
		if (v.received.len)
			printf(" received=%.*s", SIP_STR_FMT(v.received));
		if (v.rport && v.rport_val)
			printf(" rport=%u", v.rport_val);
		else if (v.rport)
			printf(" rport");
		printf("\n");
	}
}

static void print_contacts(const struct sip_msg *m)
{
	struct sip_iter it = SIP_ITER_INIT;
	struct sip_contact c;

	while (sip_contact_next(m, &it, &c) == 1) {
		if (c.star) {
			printf("  %-14s *\n", "Contact");
			continue;
		}
		print_nameaddr("Contact", &c.na);
		if (c.q >= 0)
			printf("  %-14s q=%d.%03d\n", "", c.q / 1000, c.q % 1000);
		if (c.expires >= 0)
			printf("  %-14s expires=%lld\n", "", (long long)c.expires);
	}
}

static void print_sdp(const struct sip_msg *m)
{
	struct sdp_session sdp;
	struct sip_err err = { 0 };

	if (sdp_parse(&sdp, m->body.s, m->body.len, &err)) {
		printf("  SDP            invalid: %s at body offset %u\n", err.what,
		       err.offset);
		return;
	}
	for (unsigned int i = 0; i < sdp.nmedia; i++) {
		const struct sdp_media *md = &sdp.media[i];
		const struct sdp_conn *c = sdp_media_conn(&sdp, i);

		printf("  %-14s %.*s %.*s:%u %.*s%s\n", "SDP media",
		       SIP_STR_FMT(md->type), c ? (int)c->addr.len : 1,
		       c ? c->addr.s : "-", md->port, SIP_STR_FMT(md->proto_s),
		       md->rtcp_mux ? " rtcp-mux" : "");
	}
}

/* An unknown header, verbatim but with folded lines joined. */
static void print_other(const struct sip_hdr *h)
{
	bool space = false;

	printf("  %-14s %.*s: ", "(other)", SIP_STR_FMT(h->name));
	for (uint32_t i = 0; i < h->value.len; i++) {
		char c = h->value.s[i];

		if (c == '\r' || c == '\n' || ((c == ' ' || c == '\t') && space)) {
			space = true;
			continue;
		}
		if (space)
			putchar(' ');
		space = false;
		putchar(c);
	}
	putchar('\n');
}

static void print_msg(const struct sip_msg *m)
{
	if (m->is_request) {
		printf("request %.*s\n", SIP_STR_FMT(m->method_s));
		print_uri("Request-URI", &m->ruri);
	} else {
		printf("response %u %.*s\n", m->status, SIP_STR_FMT(m->reason));
	}
	print_vias(m);
	print_nameaddr("From", &m->from);
	print_nameaddr("To", &m->to);
	printf("  %-14s %.*s\n", "Call-ID", SIP_STR_FMT(m->call_id));
	printf("  %-14s %u %.*s\n", "CSeq", m->cseq.num,
	       SIP_STR_FMT(m->cseq.method_s));
	if (m->max_forwards >= 0)
		printf("  %-14s %d\n", "Max-Forwards", m->max_forwards);
	print_contacts(m);
	for (int i = 0; i < m->nhdrs; i++)
		if (m->hdr[i].id == SIP_H_OTHER)
			print_other(&m->hdr[i]);
	printf("  %-14s %u bytes%s%.*s\n", "Body", m->body.len,
	       m->content_type.len ? ", " : "", SIP_STR_FMT(m->content_type));
	if (m->body.len && sip_str_caseeq_lit(m->content_type, "application/sdp"))
		print_sdp(m);
}

static int dump(const char *path, int flags)
{
	static char buf[MAX_MSG];
	static struct sip_msg m;
	struct sip_err err;
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	size_t n;

	if (!f) {
		fprintf(stderr, "sipdump: %s: %s\n", path, strerror(errno));
		return 1;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (f != stdin)
		fclose(f);
	printf("%s: ", path);
	if (sip_msg_parse(&m, buf, n, flags, &err)) {
		printf("invalid: %s", err.what);
		if (err.hdr.len)
			printf(" (header %.*s)", SIP_STR_FMT(err.hdr));
		printf(" at byte %u\n", err.offset);
		if (err.status)
			printf("  a server answers %d\n", err.status);
		else
			printf("  a server drops it silently\n");
		return 1;
	}
	print_msg(&m);
	return 0;
}

int main(int argc, char **argv)
{
	int opt, flags = 0, ret = 0;

	while ((opt = getopt(argc, argv, "sh")) != -1) {
		switch (opt) {
		case 's':
			flags |= SIP_PARSE_STREAM;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	for (; optind < argc; optind++)
		ret |= dump(argv[optind], flags);
	return ret;
}
