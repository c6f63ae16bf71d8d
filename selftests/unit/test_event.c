// SPDX-License-Identifier: GPL-2.0
/*
 * The event loop: timer order, re-arming, deletion anywhere in the heap,
 * and descriptor callbacks, on the real clock and a real epoll set.  Waits
 * are bounded by a guard timer; nothing sleeps.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "event.h"

#define NTIMERS 10000
#define GUARD_MS 2000

static struct ev_timer guard;
static int guard_fired;
static int fired[64];
static int nfired;

static void guard_cb(struct ev_timer *t, void *arg)
{
	guard_fired = 1;
	ev_break();
}

static void setup(void)
{
	CU_ASSERT_EQUAL_FATAL(ev_init(), 0);
	ev_timer_init(&guard, guard_cb, NULL);
	ev_timer_add(&guard, GUARD_MS);
	guard_fired = 0;
	nfired = 0;
}

static void record_cb(struct ev_timer *t, void *arg)
{
	fired[nfired++] = (int)(long)arg;
}

static void break_cb(struct ev_timer *t, void *arg)
{
	ev_break();
}

static void test_order(void)
{
	static const int ms[] = { 30, 10, 20, 5, 25, 15 };
	static const int want[] = { 5, 10, 15, 20, 25, 30 };
	struct ev_timer t[6], end;

	setup();
	for (int i = 0; i < 6; i++) {
		ev_timer_init(&t[i], record_cb, (void *)(long)ms[i]);
		ev_timer_add(&t[i], ms[i]);
		CU_ASSERT(ev_timer_armed(&t[i]));
	}
	ev_timer_init(&end, break_cb, NULL);
	ev_timer_add(&end, 40);
	ev_run(NULL);
	CU_ASSERT_EQUAL(guard_fired, 0);
	CU_ASSERT_EQUAL_FATAL(nfired, 6);
	for (int i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(fired[i], want[i]);
		CU_ASSERT(!ev_timer_armed(&t[i]));
	}
	ev_exit();
}

static int rearm_left;

static void rearm_cb(struct ev_timer *t, void *arg)
{
	uint64_t *last = arg;

	/* a re-armed timer fires no earlier than asked */
	CU_ASSERT(ev_now_ms() >= *last + 2);
	*last = ev_now_ms();
	if (--rearm_left)
		ev_timer_add(t, 2);
	else
		ev_break();
}

static void test_rearm(void)
{
	struct ev_timer t;
	uint64_t last;

	setup();
	rearm_left = 5;
	last = ev_now_ms();
	ev_timer_init(&t, rearm_cb, &last);
	ev_timer_add(&t, 2);
	ev_run(NULL);
	CU_ASSERT_EQUAL(rearm_left, 0);
	CU_ASSERT_EQUAL(guard_fired, 0);
	CU_ASSERT(!ev_timer_armed(&t));
	ev_exit();
}

/* Re-arming an armed timer moves it, both earlier and later. */
static void test_move(void)
{
	struct ev_timer a, b, c, end;

	setup();
	ev_timer_init(&a, record_cb, (void *)1L);
	ev_timer_init(&b, record_cb, (void *)2L);
	ev_timer_init(&c, record_cb, (void *)3L);
	ev_timer_add(&a, 50);
	ev_timer_add(&b, 10);
	ev_timer_add(&c, 1);
	ev_timer_add(&a, 1);
	ev_timer_add(&c, 20);
	ev_timer_init(&end, break_cb, NULL);
	ev_timer_add(&end, 30);
	ev_run(NULL);
	CU_ASSERT_EQUAL_FATAL(nfired, 3);
	CU_ASSERT_EQUAL(fired[0], 1);
	CU_ASSERT_EQUAL(fired[1], 2);
	CU_ASSERT_EQUAL(fired[2], 3);
	ev_exit();
}

static void test_del_middle(void)
{
	struct ev_timer t[15], end;

	setup();
	for (int i = 0; i < 15; i++) {
		ev_timer_init(&t[i], record_cb, (void *)(long)i);
		ev_timer_add(&t[i], 1 + i);
	}
	/* in heap order these are inner nodes and leaves, not the root */
	ev_timer_del(&t[4]);
	ev_timer_del(&t[9]);
	ev_timer_del(&t[13]);
	ev_timer_del(&t[9]);
	CU_ASSERT(!ev_timer_armed(&t[4]));
	CU_ASSERT(!ev_timer_armed(&t[9]));
	ev_timer_init(&end, break_cb, NULL);
	ev_timer_add(&end, 30);
	ev_run(NULL);
	CU_ASSERT_EQUAL_FATAL(nfired, 12);
	for (int i = 0, k = 0; i < 15; i++) {
		if (i == 4 || i == 9 || i == 13)
			continue;
		CU_ASSERT_EQUAL(fired[k], i);
		k++;
	}
	ev_exit();
}

static struct ev_timer many[NTIMERS];
static uint64_t last_when;
static int many_fired, many_bad, many_order;

static void many_cb(struct ev_timer *t, void *arg)
{
	if (arg)
		many_bad++;
	if (t->when_ms < last_when)
		many_order++;
	last_when = t->when_ms;
	if (++many_fired == NTIMERS - NTIMERS / 3)
		ev_break();
}

static void test_many_random(void)
{
	int i, deleted = 0;

	setup();
	srand(42);
	last_when = 0;
	many_fired = many_bad = many_order = 0;
	for (i = 0; i < NTIMERS; i++) {
		ev_timer_init(&many[i], many_cb, NULL);
		ev_timer_add(&many[i], rand() % 40);
	}
	/* move a third, then delete another third (arg marks the dead) */
	for (i = 0; i < NTIMERS; i += 3)
		ev_timer_add(&many[i], rand() % 40);
	for (i = 1; i < NTIMERS; i += 3) {
		many[i].arg = &many[i];
		ev_timer_del(&many[i]);
		deleted++;
	}
	CU_ASSERT_EQUAL(deleted, NTIMERS / 3);
	ev_run(NULL);
	CU_ASSERT_EQUAL(guard_fired, 0);
	CU_ASSERT_EQUAL(many_fired, NTIMERS - NTIMERS / 3);
	CU_ASSERT_EQUAL(many_bad, 0);
	CU_ASSERT_EQUAL(many_order, 0);
	ev_exit();
}

static int pipe_events;
static char pipe_byte;

static void pipe_cb(int fd, uint32_t events, void *arg)
{
	CU_ASSERT_PTR_EQUAL(arg, &pipe_byte);
	pipe_events = events;
	CU_ASSERT_EQUAL(read(fd, &pipe_byte, 1), 1);
	ev_break();
}

static void test_pipe(void)
{
	int p[2];

	setup();
	CU_ASSERT_EQUAL_FATAL(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	pipe_events = 0;
	pipe_byte = 0;
	CU_ASSERT_EQUAL(ev_fd_add(p[0], EPOLLIN, pipe_cb, &pipe_byte), 0);
	CU_ASSERT_EQUAL(ev_fd_add(p[0], EPOLLIN, pipe_cb, NULL), -EEXIST);
	CU_ASSERT_EQUAL(write(p[1], "x", 1), 1);
	ev_run(NULL);
	CU_ASSERT_EQUAL(guard_fired, 0);
	CU_ASSERT_EQUAL(pipe_events, EPOLLIN);
	CU_ASSERT_EQUAL(pipe_byte, 'x');

	/* a deleted descriptor is never called back */
	ev_fd_del(p[0]);
	pipe_events = 0;
	CU_ASSERT_EQUAL(write(p[1], "y", 1), 1);
	ev_timer_add(&guard, 20);
	ev_run(NULL);
	CU_ASSERT_EQUAL(guard_fired, 1);
	CU_ASSERT_EQUAL(pipe_events, 0);
	close(p[0]);
	close(p[1]);
	ev_exit();
}

static int ticks;

static void tick(void)
{
	if (++ticks == 3)
		ev_break();
}

/*
 * tick() runs once per iteration, before the timers: the first wait ends
 * at t[0], the second at t[1], whose callback the third tick pre-empts.
 */
static void test_tick(void)
{
	struct ev_timer t[2];

	setup();
	ticks = 0;
	ev_timer_init(&t[0], record_cb, (void *)1L);
	ev_timer_init(&t[1], record_cb, (void *)2L);
	ev_timer_add(&t[0], 1);
	ev_timer_add(&t[1], 3);
	ev_run(tick);
	CU_ASSERT_EQUAL(ticks, 3);
	CU_ASSERT_EQUAL(nfired, 1);
	CU_ASSERT_EQUAL(fired[0], 1);
	CU_ASSERT(ev_timer_armed(&t[1]));
	CU_ASSERT_EQUAL(guard_fired, 0);
	ev_exit();
}

int main(void)
{
	CU_pSuite s;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	s = CU_add_suite("event", NULL, NULL);
	CU_add_test(s, "timers fire in order", test_order);
	CU_add_test(s, "re-arm from the callback", test_rearm);
	CU_add_test(s, "re-arm an armed timer", test_move);
	CU_add_test(s, "delete from the middle", test_del_middle);
	CU_add_test(s, "10k random timers", test_many_random);
	CU_add_test(s, "pipe callback", test_pipe);
	CU_add_test(s, "tick per iteration", test_tick);
	return tu_run_registered();
}
