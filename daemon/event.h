/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one event loop of sipfpd: epoll for descriptors, a min-heap of
 * timers, and signals delivered as flags checked between iterations.
 * Single-threaded: callbacks never run concurrently.
 */
#ifndef SIPFP_EVENT_H
#define SIPFP_EVENT_H

#include <stdbool.h>
#include <stdint.h>

struct ev_fd;
typedef void (*ev_fd_cb)(int fd, uint32_t events, void *arg);

struct ev_timer;
typedef void (*ev_timer_cb)(struct ev_timer *t, void *arg);

struct ev_timer {
	uint64_t when_ms; /* absolute, ev_now_ms() clock */
	ev_timer_cb cb;
	void *arg;
	int32_t heap_idx; /* -1 when not armed */
};

int ev_init(void);
void ev_exit(void);

/* Monotonic milliseconds, cached per loop iteration. */
uint64_t ev_now_ms(void);

/* events: EPOLLIN | EPOLLOUT ...; returns 0 or -errno. */
int ev_fd_add(int fd, uint32_t events, ev_fd_cb cb, void *arg);
int ev_fd_mod(int fd, uint32_t events);
void ev_fd_del(int fd);

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg);
/* (Re)arm to fire @ms from now. */
void ev_timer_add(struct ev_timer *t, uint64_t ms);
void ev_timer_del(struct ev_timer *t);
static inline bool ev_timer_armed(const struct ev_timer *t)
{
	return t->heap_idx >= 0;
}

/*
 * Runs until ev_break().  Each iteration first calls @tick (for signal
 * flags: reload, stop), then waits for the earliest timer or descriptor.
 */
void ev_run(void (*tick)(void));
void ev_break(void);

#endif
