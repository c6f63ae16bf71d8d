// SPDX-License-Identifier: GPL-2.0
/*
 * sipfpd: read the configuration, bind the listen sockets, drop root,
 * run the event loop.  Signal handlers only set flags; the loop's tick
 * acts on them between iterations.
 */
#include <cap-ng.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "config.h"
#include "control.h"
#include "event.h"
#include "keepalive.h"
#include "log.h"
#include "media.h"
#include "metrics.h"
#include "proxy.h"
#include "server.h"
#include "tls.h"
#include "transport.h"

static volatile sig_atomic_t got_stop, got_hup, got_usr1;
static struct config cfg;
static const char *conf_path = CONFIG_PATH;
static int verbose;

static void usage(void)
{
	fprintf(stderr, "usage: sipfpd [-dnv] [-f file]\n");
	exit(2);
}

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

static void signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL))
			fatal("sigaction");
	/* a peer closing its connection mid-write is an error, not a kill */
	signal(SIGPIPE, SIG_IGN);
}

static enum log_level level(void)
{
	int l = cfg.log_level + verbose;

	return l > LOG_LVL_DEBUG ? LOG_LVL_DEBUG : l;
}

static bool same_listen(const struct config *a, const struct config *b)
{
	if (a->nlisten != b->nlisten)
		return false;
	for (unsigned int i = 0; i < a->nlisten; i++)
		if (a->listen[i].proto != b->listen[i].proto ||
		    a->listen[i].addrlen != b->listen[i].addrlen ||
		    memcmp(&a->listen[i].addr, &b->listen[i].addr,
			   a->listen[i].addrlen))
			return false;
	return true;
}

/* Relay addresses, ports and the fast path are bound at start. */
static void keep_media(struct config *next)
{
	if (next->media_anchor != cfg.media_anchor ||
	    next->fastpath != cfg.fastpath ||
	    next->nmedia_ifs != cfg.nmedia_ifs ||
	    memcmp(next->media_ifs, cfg.media_ifs, sizeof(cfg.media_ifs)) ||
	    next->port_min != cfg.port_min || next->port_max != cfg.port_max ||
	    next->nxdp_ifs != cfg.nxdp_ifs || next->xdp_mode != cfg.xdp_mode ||
	    memcmp(next->xdp_ifs, cfg.xdp_ifs, sizeof(cfg.xdp_ifs)))
		log_warnx("%s: [media] anchor, fastpath, interfaces, ports and "
			  "xdp_ take effect at the next start", conf_path);
	next->media_anchor = cfg.media_anchor;
	next->fastpath = cfg.fastpath;
	memcpy(next->media_ifs, cfg.media_ifs, sizeof(cfg.media_ifs));
	next->nmedia_ifs = cfg.nmedia_ifs;
	next->port_min = cfg.port_min;
	next->port_max = cfg.port_max;
	memcpy(next->xdp_ifs, cfg.xdp_ifs, sizeof(cfg.xdp_ifs));
	next->nxdp_ifs = cfg.nxdp_ifs;
	next->xdp_mode = cfg.xdp_mode;
}

/*
 * Reload keeps the sockets and the user: both were set while root.  A
 * file that does not load leaves the running configuration in place.
 * SIGHUP and the control socket's reload both come here.
 */
static int reload(char *err, size_t errlen)
{
	struct config next;

	if (config_load(conf_path, &next, err, errlen)) {
		log_warnx("%s; keeping the running configuration", err);
		return -1;
	}
	if (!same_listen(&cfg, &next))
		log_warnx("%s: listen changes take effect at the next start",
			  conf_path);
	if (strcmp(cfg.user, next.user))
		log_warnx("%s: user changes take effect at the next start",
			  conf_path);
	memcpy(next.listen, cfg.listen, sizeof(next.listen));
	next.nlisten = cfg.nlisten;
	memcpy(next.user, cfg.user, sizeof(next.user));
	keep_media(&next);
	config_free(&cfg);
	cfg = next;
	log_set_level(level());
	server_configure(&cfg);
	proxy_configure(&cfg);
	media_configure(&cfg);
	tls_reload(&cfg);
	tp_set_limits(cfg.tcp_idle_timeout, cfg.tcp_max_connections);
	log_info("reloaded %s", conf_path);
	return 0;
}

static void stats(void)
{
	const struct tp_stats *t = &tp_stats;

	server_stats_log();
	proxy_stats_log();
	media_stats_log();
	keepalive_stats_log();
	tls_stats_log();
	log_info("transport: udp_rx=%llu udp_tx=%llu udp_keepalives=%llu "
		 "udp_truncated=%llu udp_tx_errors=%llu tcp_conns=%llu "
		 "tcp_accepted=%llu tcp_refused=%llu tcp_rx=%llu tcp_tx=%llu "
		 "tcp_pings=%llu tcp_idle_closed=%llu tcp_framing_errors=%llu",
		 (unsigned long long)t->udp_rx, (unsigned long long)t->udp_tx,
		 (unsigned long long)t->udp_keepalives,
		 (unsigned long long)t->udp_truncated,
		 (unsigned long long)t->udp_tx_errors,
		 (unsigned long long)t->tcp_conns,
		 (unsigned long long)t->tcp_accepted,
		 (unsigned long long)t->tcp_refused,
		 (unsigned long long)t->tcp_rx, (unsigned long long)t->tcp_tx,
		 (unsigned long long)t->tcp_pings,
		 (unsigned long long)t->tcp_idle_closed,
		 (unsigned long long)t->tcp_framing_errors);
}

static void tick(void)
{
	if (got_stop) {
		log_info("stopping");
		ev_break();
		return;
	}
	if (got_hup) {
		char err[512];

		got_hup = 0;
		reload(err, sizeof(err));
	}
	if (got_usr1) {
		got_usr1 = 0;
		stats();
	}
}

/*
 * After binding: nothing else needs root.  A kernel fast path changes
 * flows over netlink for as long as we run, which takes CAP_NET_ADMIN
 * (the kernel checks it on every request), so that one capability is
 * kept across the change of user; every other one, and the bounding
 * set, goes.  The XDP path also writes its maps every second: kernels
 * before 6.5 with unprivileged BPF disabled (Debian's default) check
 * CAP_BPF on every bpf() call, even on a map descriptor we hold.
 */
static void drop_privileges(void)
{
	bool net_admin = media_needs_net_admin(), bpf = media_needs_bpf();
	struct passwd *pw;

	if (!*cfg.user)
		return;
	if (geteuid()) {
		log_warnx("not started as root: running as uid %u, not %s",
			  (unsigned int)geteuid(), cfg.user);
		return;
	}
	errno = 0;
	pw = getpwnam(cfg.user);
	if (!pw) {
		log_warnx("user %s does not exist: staying root", cfg.user);
		return;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (net_admin && capng_update(CAPNG_ADD,
				      CAPNG_EFFECTIVE | CAPNG_PERMITTED,
				      CAP_NET_ADMIN))
		fatalx("keeping CAP_NET_ADMIN");
	if (bpf && capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
				CAP_BPF))
		fatalx("keeping CAP_BPF");
	if (capng_change_id(pw->pw_uid, pw->pw_gid,
			    CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING))
		fatalx("dropping privileges to %s failed", cfg.user);
	if (!setuid(0))
		fatalx("could regain root after dropping privileges");
	log_info("running as %s%s%s", cfg.user,
		 net_admin ? ", keeping CAP_NET_ADMIN" : "",
		 bpf ? " and CAP_BPF for the fast path" :
		 net_admin ? " for the fast path" : "");
}

/* One descriptor per connection, plus listeners and files. */
static void raise_nofile(void)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)cfg.tcp_max_connections + 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) || rl.rlim_cur < want)
		log_warnx("only %llu descriptors for %u connections",
			  (unsigned long long)rl.rlim_cur,
			  cfg.tcp_max_connections);
}

int main(int argc, char **argv)
{
	int ch, foreground = 0, check = 0;
	char err[512];

	while ((ch = getopt(argc, argv, "df:nv")) != -1) {
		switch (ch) {
		case 'd':
			foreground = 1;
			break;
		case 'f':
			conf_path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (config_load(conf_path, &cfg, err, sizeof(err))) {
		fprintf(stderr, "sipfpd: %s\n", err);
		return 1;
	}
	if (check) {
		/* the certificate and key too: a typo there stops a start */
		log_init(1, LOG_LVL_WARN);
		if (tls_init(&cfg)) {
			config_free(&cfg);
			return 1;
		}
		tls_exit();
		fprintf(stderr, "configuration OK\n");
		config_free(&cfg);
		return 0;
	}
	log_init(foreground, level());
	if (ev_init())
		fatal("epoll");
	signals();
	raise_nofile();
	server_configure(&cfg);
	if (proxy_init(&cfg))
		fatalx("cannot start the proxy; exiting");
	if (tls_init(&cfg))
		fatalx("cannot set up TLS; exiting");
	if (tp_init(&cfg, server_recv))
		fatalx("cannot listen; exiting");
	if (media_init(&cfg))
		fatalx("cannot start media anchoring; exiting");
	/* sipfpd without its control socket still carries calls */
	control_init(&cfg, reload);
	metrics_init(&cfg);
	drop_privileges();
	if (!foreground && daemon(0, 0))
		fatal("daemon");
	log_info("started");
	ev_run(tick);
	metrics_exit();
	control_exit();
	media_exit();
	proxy_exit();
	tp_exit();
	tls_exit();
	server_exit();
	ev_exit();
	config_free(&cfg);
	log_info("exited");
	return 0;
}
