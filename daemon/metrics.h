/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Prometheus listener: `[general] metrics = 127.0.0.1:9477` starts a
 * minimal HTTP/1.0 server on the event loop that answers GET /metrics
 * with sipfpd's counters in the text exposition format (version 0.0.4),
 * and closes each connection after its answer.
 */
#ifndef SIPFP_METRICS_H
#define SIPFP_METRICS_H

#include <stddef.h>

#include "config.h"

/* a request head, request line and headers, at most */
#define METRICS_REQ_MAX 2048

/**
 * metrics_http_parse() - judge a request head as far as it has come
 * @buf: the bytes read so far (need not be NUL-terminated)
 * @len: how many
 *
 * Pure, for the fuzzer.  A bad request line is refused as soon as it is
 * whole; otherwise the answer waits for the blank line ending the head.
 *
 * Return: 0 while more is needed, else the status to answer: 200 for
 * GET /metrics, 404 another path, 405 another method, 400 anything not
 * HTTP/1.x or a head over METRICS_REQ_MAX.
 */
int metrics_http_parse(const char *buf, size_t len);

/**
 * metrics_render() - the exposition, NUL-terminated
 * @len: set to its length
 *
 * Return: a buffer the caller frees, or NULL (out of memory).
 */
char *metrics_render(size_t *len);

/* Listens on @cfg->metrics if set: 0, or -1 logged. */
int metrics_init(const struct config *cfg);
void metrics_exit(void);

#endif
