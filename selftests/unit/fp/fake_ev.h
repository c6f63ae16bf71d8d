/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event loop faked for the fast-path backends' unit programs
 * (test_fp_*.c, and linked only into them: every other one runs the
 * real loop).  ev_now_ms() is fake_now; descriptors and timers are
 * recorded here and run when a test says so, each program by its own
 * rule for timers that fall due.
 */
#ifndef SIPFP_SELFTESTS_FP_FAKE_EV_H
#define SIPFP_SELFTESTS_FP_FAKE_EV_H

#include <stdbool.h>
#include <stdint.h>

#include "event.h"

#define FAKE_EV_MAX 64

extern uint64_t fake_now;
extern struct ev_timer *fake_timers[FAKE_EV_MAX];

/* Whether @fd is watched; if so, its callback runs once. */
bool fake_fire(int fd);

#endif
