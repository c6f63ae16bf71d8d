// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stddef.h>
#include <sys/epoll.h>

#include "fake_ev.h"

uint64_t fake_now;
struct ev_timer *fake_timers[FAKE_EV_MAX];
static struct {
	int fd;
	ev_fd_cb cb;
	void *arg;
} fds[FAKE_EV_MAX];

uint64_t ev_now_ms(void)
{
	return fake_now;
}

int ev_init(void)
{
	return 0;
}

void ev_exit(void)
{
}

int ev_fd_add(int fd, uint32_t events, ev_fd_cb cb, void *arg)
{
	for (int i = 0; i < FAKE_EV_MAX; i++)
		if (!fds[i].cb) {
			fds[i].fd = fd;
			fds[i].cb = cb;
			fds[i].arg = arg;
			return 0;
		}
	return -ENOMEM;
}

int ev_fd_mod(int fd, uint32_t events)
{
	return 0;
}

void ev_fd_del(int fd)
{
	for (int i = 0; i < FAKE_EV_MAX; i++)
		if (fds[i].cb && fds[i].fd == fd)
			fds[i].cb = NULL;
}

bool fake_fire(int fd)
{
	for (int i = 0; i < FAKE_EV_MAX; i++)
		if (fds[i].cb && fds[i].fd == fd) {
			fds[i].cb(fd, EPOLLIN, fds[i].arg);
			return true;
		}
	return false;
}

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	t->cb = cb;
	t->arg = arg;
	t->heap_idx = -1;
}

void ev_timer_del(struct ev_timer *t)
{
	for (int i = 0; i < FAKE_EV_MAX; i++)
		if (fake_timers[i] == t)
			fake_timers[i] = NULL;
	t->heap_idx = -1;
}

void ev_timer_add(struct ev_timer *t, uint64_t ms)
{
	ev_timer_del(t);
	t->when_ms = fake_now + ms;
	t->heap_idx = 0;
	for (int i = 0; i < FAKE_EV_MAX; i++)
		if (!fake_timers[i]) {
			fake_timers[i] = t;
			return;
		}
}

void ev_run(void (*tick)(void))
{
}

void ev_break(void)
{
}
