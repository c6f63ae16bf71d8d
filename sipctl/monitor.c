// SPDX-License-Identifier: GPL-2.0
/*
 * sipctl monitor [COUNT]: events as they happen, a line each (with -j a
 * JSON object a line), until COUNT events, SIGINT or SIGTERM.  sipfpd's
 * by default: calls starting and ending, and its flows latching, going
 * idle and refusing a source; with -b kernel the module's flow events.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <string.h>

#include "cli.h"

static const char use[] = "monitor [COUNT]";

static volatile sig_atomic_t stop;

struct mon {
	uint64_t count, seen; /* count 0: forever */
	bool json;
	int rc;
};

static const char *event_name(uint8_t type)
{
	static const char *const names[] = {
		[SIPCTL_EVENT_LATCHED] = "latched",
		[SIPCTL_EVENT_IDLE] = "idle",
		[SIPCTL_EVENT_SOURCE_MISMATCH] = "source_mismatch",
		[SIPCTL_EVENT_REMOVED] = "removed",
		[SIPCTL_EVENT_CALL_START] = "call_start",
		[SIPCTL_EVENT_CALL_END] = "call_end",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ?
		       names[type] :
		       "unknown";
}

static const char *removed_name(uint8_t reason)
{
	return reason == SIPCTL_REMOVED_DELETED ? "deleted" :
	       reason == SIPCTL_REMOVED_FLUSHED ? "flushed" :
	       reason == SIPCTL_REMOVED_EXPIRED ? "expired" :
						  "?";
}

#define EHAS(ev, bit) ((ev)->has & SIPCTL_EVENT_HAS_##bit)

static json_object *event_json(const struct sipctl_event *ev)
{
	json_object *o = json_object_new_object();

	json_add(o, "event", json_object_new_string(event_name(ev->type)));
	if (EHAS(ev, CALL_ID))
		json_add(o, "call", json_object_new_string(ev->call_id));
	if (EHAS(ev, WHY))
		json_add(o, "why", json_object_new_string(ev->why));
	if (EHAS(ev, STREAM)) {
		json_add(o, "stream", json_object_new_uint64(ev->stream));
		json_add(o, "from", json_object_new_string(cli_side(ev->side)));
		json_add(o, "kind", json_object_new_string(cli_kind(ev->kind)));
	}
	if (EHAS(ev, LOCAL))
		json_add(o, "local", json_ep(&ev->local));
	if (EHAS(ev, SOURCE))
		json_add(o, "source", json_ep(&ev->source));
	if (EHAS(ev, REASON))
		json_add(o, "reason",
			 json_object_new_string(removed_name(ev->reason)));
	if (EHAS(ev, COOKIE))
		json_add(o, "cookie", json_object_new_uint64(ev->cookie));
	return o;
}

/* NAME key=value ...: the same keys as JSON's, for grep and awk */
static void event_text(const struct sipctl_event *ev)
{
	char ep[CLI_EP_MAX];

	printf("%s", event_name(ev->type));
	if (EHAS(ev, CALL_ID))
		printf(" call=%s", ev->call_id);
	if (EHAS(ev, WHY))
		printf(" why=%s", ev->why);
	if (EHAS(ev, STREAM))
		printf(" stream=%" PRIu32 " from=%s kind=%s", ev->stream,
		       cli_side(ev->side), cli_kind(ev->kind));
	if (EHAS(ev, LOCAL))
		printf(" local=%s", cli_ep(&ev->local, ep, sizeof(ep)));
	if (EHAS(ev, SOURCE))
		printf(" source=%s", cli_ep(&ev->source, ep, sizeof(ep)));
	if (EHAS(ev, REASON))
		printf(" reason=%s", removed_name(ev->reason));
	if (EHAS(ev, COOKIE))
		printf(" cookie=0x%016" PRIx64, ev->cookie);
	putchar('\n');
	fflush(stdout);
}

static void on_event(const struct sipctl_event *ev, void *arg)
{
	struct mon *m = arg;

	if (m->count && m->seen >= m->count)
		return;
	m->seen++;
	if (m->json)
		m->rc |= json_line(event_json(ev));
	else
		event_text(ev);
}

static void on_signal(int sig)
{
	stop = 1;
}

/* No SA_RESTART: a signal wakes poll() up. */
static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int open_events(const struct cli *c, struct sipctl **hp)
{
	int err;

	if (c->backend == CLI_BE_XDP)
		return cli_usage(c, use,
				 "monitor: the XDP maps have no events "
				 "(sipfpd's are the XDP path's)");
	if (c->backend != CLI_BE_KERNEL)
		return cli_open_daemon(c, hp);
	err = sipctl_open_kernel(hp);
	return err < 0 ? cli_fail(c, NULL, err, "kernel flow table") : 0;
}

static int watch(const struct cli *c, struct sipctl *h, int fd, struct mon *m)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	while (!stop && (!m->count || m->seen < m->count) && !m->rc) {
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return cli_fail(c, h, -errno, "monitor: poll");
		}
		n = sipctl_event_read(h, on_event, m);
		if (n == -ENOBUFS) {
			cli_err(c,
				"monitor: events were lost (too many at once)");
			continue;
		}
		if (n < 0)
			return cli_fail(c, h, n, "monitor (%s)",
					sipctl_backend(h));
	}
	return m->rc ? EXIT_FAIL : EXIT_OK;
}

int cmd_monitor(struct cli *c, int argc, char **argv)
{
	struct mon m = { .json = c->json };
	struct sipctl *h;
	int rc, fd;

	rc = cli_help(c, argc, argv, use);
	if (rc >= 0)
		return rc;
	if (argc > 2)
		return cli_usage(c, use, "monitor: unexpected '%s'", argv[2]);
	if (argc == 2 && (cli_parse_u64(argv[1], &m.count) < 0 || !m.count))
		return cli_usage(c, use,
				 "monitor: COUNT is a number over 0, "
				 "not '%s'",
				 argv[1]);
	rc = open_events(c, &h);
	if (rc)
		return rc;
	fd = sipctl_event_fd(h);
	if (fd < 0) {
		rc = cli_fail(c, h, fd, "monitor: subscribing to %s's events",
			      sipctl_backend(h));
	} else {
		catch_signals();
		rc = watch(c, h, fd, &m);
	}
	sipctl_close(h);
	return rc;
}
