// SPDX-License-Identifier: GPL-2.0
/*
 * The event loop: one epoll set, a binary min-heap of timers ordered by
 * expiry, and a clock read once per iteration.
 *
 * Signals are blocked while callbacks run and unblocked only inside
 * epoll_pwait(), so a flag a handler sets just before the loop goes to
 * sleep still wakes it (EINTR) and reaches the next tick().
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"

#define EV_BATCH 64

struct fd_slot {
	ev_fd_cb cb;
	void *arg;
};

static int epfd = -1;
static struct fd_slot *fds; /* indexed by descriptor */
static int nfds;
static struct ev_timer **heap;
static uint32_t heap_len, heap_cap;
static uint64_t now_ms;
static volatile sig_atomic_t stop;

static uint64_t clock_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t ev_now_ms(void)
{
	return now_ms;
}

int ev_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		return -errno;
	now_ms = clock_ms();
	stop = 0;
	return 0;
}

void ev_exit(void)
{
	for (uint32_t i = 0; i < heap_len; i++)
		heap[i]->heap_idx = -1;
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
	free(fds);
	fds = NULL;
	nfds = 0;
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
}

static int fd_grow(int fd)
{
	int n = nfds ? nfds : 64;
	struct fd_slot *p;

	while (n <= fd)
		n *= 2;
	p = realloc(fds, n * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + nfds, 0, (n - nfds) * sizeof(*p));
	fds = p;
	nfds = n;
	return 0;
}

int ev_fd_add(int fd, uint32_t events, ev_fd_cb cb, void *arg)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (fd < 0)
		return -EBADF;
	if (fd >= nfds && fd_grow(fd))
		return -ENOMEM;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev))
		return -errno;
	fds[fd].cb = cb;
	fds[fd].arg = arg;
	return 0;
}

int ev_fd_mod(int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) ? -errno : 0;
}

void ev_fd_del(int fd)
{
	if (fd < 0 || fd >= nfds)
		return;
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
	/* events for it already fetched in this batch are skipped */
	fds[fd].cb = NULL;
	fds[fd].arg = NULL;
}

void ev_timer_init(struct ev_timer *t, ev_timer_cb cb, void *arg)
{
	t->when_ms = 0;
	t->cb = cb;
	t->arg = arg;
	t->heap_idx = -1;
}

static void heap_set(uint32_t i, struct ev_timer *t)
{
	heap[i] = t;
	t->heap_idx = (int32_t)i;
}

static void sift_up(uint32_t i)
{
	struct ev_timer *t = heap[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (heap[parent]->when_ms <= t->when_ms)
			break;
		heap_set(i, heap[parent]);
		i = parent;
	}
	heap_set(i, t);
}

static void sift_down(uint32_t i)
{
	struct ev_timer *t = heap[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= heap_len)
			break;
		if (c + 1 < heap_len && heap[c + 1]->when_ms < heap[c]->when_ms)
			c++;
		if (t->when_ms <= heap[c]->when_ms)
			break;
		heap_set(i, heap[c]);
		i = c;
	}
	heap_set(i, t);
}

/* Put the entry at @i where it belongs after its key changed either way. */
static void heap_fix(uint32_t i)
{
	if (i > 0 && heap[(i - 1) / 2]->when_ms > heap[i]->when_ms)
		sift_up(i);
	else
		sift_down(i);
}

static int heap_reserve(void)
{
	uint32_t cap = heap_cap ? heap_cap * 2 : 256;
	struct ev_timer **p;

	if (heap_len < heap_cap)
		return 0;
	p = realloc(heap, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	heap = p;
	heap_cap = cap;
	return 0;
}

void ev_timer_add(struct ev_timer *t, uint64_t ms)
{
	t->when_ms = now_ms + ms;
	if (t->heap_idx >= 0) {
		heap_fix(t->heap_idx);
		return;
	}
	/* a timer that cannot be armed would silently never fire */
	if (heap_reserve())
		abort();
	heap_set(heap_len++, t);
	sift_up(heap_len - 1);
}

void ev_timer_del(struct ev_timer *t)
{
	uint32_t i;

	if (t->heap_idx < 0)
		return;
	i = t->heap_idx;
	t->heap_idx = -1;
	if (i == --heap_len)
		return;
	heap_set(i, heap[heap_len]);
	heap_fix(i);
}

static void run_timers(void)
{
	while (heap_len && heap[0]->when_ms <= now_ms && !stop) {
		struct ev_timer *t = heap[0];

		/* disarmed before the callback, so it may re-arm itself */
		ev_timer_del(t);
		t->cb(t, t->arg);
	}
}

static int wait_ms(void)
{
	uint64_t d;

	if (!heap_len)
		return -1;
	if (heap[0]->when_ms <= now_ms)
		return 0;
	d = heap[0]->when_ms - now_ms;
	return d > 24 * 3600 * 1000 ? 24 * 3600 * 1000 : (int)d;
}

static void dispatch(const struct epoll_event *evs, int n)
{
	for (int i = 0; i < n && !stop; i++) {
		int fd = evs[i].data.fd;

		if (fd < nfds && fds[fd].cb)
			fds[fd].cb(fd, evs[i].events, fds[fd].arg);
	}
}

/* Signals that report a fault in this thread must never be blocked. */
static void block_signals(sigset_t *old)
{
	static const int sync_sigs[] = { SIGSEGV, SIGBUS,  SIGFPE, SIGILL,
					 SIGTRAP, SIGABRT, SIGSYS };
	sigset_t set;

	sigfillset(&set);
	for (size_t i = 0; i < sizeof(sync_sigs) / sizeof(sync_sigs[0]); i++)
		sigdelset(&set, sync_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

void ev_run(void (*tick)(void))
{
	struct epoll_event evs[EV_BATCH];
	sigset_t old;
	int n;

	block_signals(&old);
	stop = 0;
	while (!stop) {
		now_ms = clock_ms();
		if (tick)
			tick();
		if (stop)
			break;
		run_timers();
		if (stop)
			break;
		n = epoll_pwait(epfd, evs, EV_BATCH, wait_ms(), &old);
		now_ms = clock_ms();
		if (n > 0) {
			dispatch(evs, n);
		} else if (n < 0 && errno != EINTR) {
			log_warn("epoll_pwait");
			break;
		}
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void ev_break(void)
{
	stop = 1;
}
