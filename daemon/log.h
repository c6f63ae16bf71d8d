/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sipfpd logging: syslog, or stderr in the foreground (-d).
 *
 * warn() adds strerror(errno), warnx() does not; fatal()/fatalx() log and
 * exit(1).  Nothing per packet or per message at the default level:
 * per-message lines are log_debug().
 */
#ifndef SIPFP_LOG_H
#define SIPFP_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

void log_init(int foreground, enum log_level level);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

/* Rate-limited warnx for things a peer can trigger (one line per second). */
void log_warnx_rl(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
