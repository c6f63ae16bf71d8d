/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for every CUnit program here.  Each .c file in this folder that
 * is not a test_*.c is linked into all of them (UNIT_LIB_SRCS in the
 * Makefile), so tutil.c keeps no state, registers nothing by itself and
 * exports only tu_-prefixed names.
 */
#ifndef SIPFP_SELFTESTS_TUTIL_H
#define SIPFP_SELFTESTS_TUTIL_H

#include <stddef.h>

#include <CUnit/CUnit.h>

#include "sip/str.h"

/* Whether @got is @want; when not, both go to stderr, octets escaped. */
bool tu_same(struct sip_str got, struct sip_str want);

/* Literals may hold NUL octets (intmeth), hence sizeof, not strlen. */
#define EQ(s, lit) CU_ASSERT_TRUE(tu_same((s), SIP_STR(lit)))
#define EQS(s, cstr) CU_ASSERT_TRUE(tu_same((s), sip_str_cstr(cstr)))

/*
 * All of @path in a buffer of exactly its size, which the caller frees:
 * with no slack after the last octet, ASan flags any read past it.
 * Return: 0, or -1 (and *@buf NULL) for a missing, empty or short file.
 */
int tu_load(const char *path, char **buf, size_t *len);

/*
 * A program's main(): registers @suites, runs them verbose.  Return: the
 * exit status, 1 if any test or assertion failed.
 */
int tu_run(CU_SuiteInfo *suites);

/* The same for a program that registered its suites itself. */
int tu_run_registered(void);

#endif
