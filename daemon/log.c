// SPDX-License-Identifier: GPL-2.0
/*
 * sipfpd logging: syslog (LOG_DAEMON, ident "sipfpd"), or stderr with a
 * timestamp when running in the foreground.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int foreground = 1;
static enum log_level cur_level = LOG_LVL_INFO;

/* log_warnx_rl(): lines printed in the current second, and the rest */
static time_t rl_sec = -1;
static unsigned long rl_suppressed;

static const int prio[] = {
	[LOG_LVL_ERR] = LOG_ERR,
	[LOG_LVL_WARN] = LOG_WARNING,
	[LOG_LVL_INFO] = LOG_INFO,
	[LOG_LVL_DEBUG] = LOG_DEBUG,
};

void log_init(int fg, enum log_level level)
{
	foreground = fg;
	cur_level = level;
	if (!fg)
		openlog("sipfpd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(enum log_level level)
{
	cur_level = level;
}

enum log_level log_get_level(void)
{
	return cur_level;
}

static void stamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, size - n, ".%03ld", ts.tv_nsec / 1000000);
}

/* @err: an errno to append as ": strerror", or 0 */
static void vlog(enum log_level level, int err, const char *fmt, va_list ap)
{
	char msg[1024], ts[40];

	if (level > cur_level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (!foreground) {
		if (err)
			syslog(prio[level], "%s: %s", msg, strerror(err));
		else
			syslog(prio[level], "%s", msg);
		return;
	}
	stamp(ts, sizeof(ts));
	if (err)
		fprintf(stderr, "%s %s: %s\n", ts, msg, strerror(err));
	else
		fprintf(stderr, "%s %s\n", ts, msg);
}

void log_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, err, fmt, ap);
	va_end(ap);
	errno = err;
}

void log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, 0, fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_INFO, 0, fmt, ap);
	va_end(ap);
}

void log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_DEBUG, 0, fmt, ap);
	va_end(ap);
}

void fatal(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, err, fmt, ap);
	va_end(ap);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_LVL_ERR, 0, fmt, ap);
	va_end(ap);
	exit(1);
}

/*
 * A peer decides how often these fire, so at most one line per second
 * reaches the log; the first line of the next second says how many were
 * dropped.  The monotonic clock keeps a wall-clock step from muting it.
 */
void log_warnx_rl(const char *fmt, ...)
{
	struct timespec ts;
	va_list ap;

	if (LOG_LVL_WARN > cur_level)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ts.tv_sec == rl_sec) {
		rl_suppressed++;
		return;
	}
	rl_sec = ts.tv_sec;
	if (rl_suppressed)
		log_warnx("%lu similar lines suppressed", rl_suppressed);
	rl_suppressed = 0;
	va_start(ap, fmt);
	vlog(LOG_LVL_WARN, 0, fmt, ap);
	va_end(ap);
}
