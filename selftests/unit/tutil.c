// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers for every CUnit program here; see tutil.h for why this file
 * keeps no state.
 */
#include <stdio.h>
#include <stdlib.h>

#include <CUnit/Basic.h>

#include "tutil.h"

bool tu_same(struct sip_str got, struct sip_str want)
{
	if (sip_str_eq(got, want))
		return true;
	fprintf(stderr, "\n  got \"");
	for (uint32_t i = 0; i < got.len; i++) {
		unsigned char c = got.s[i];

		fprintf(stderr, c < 0x20 ? "\\x%02x" : "%c", c);
	}
	fprintf(stderr, "\" (%u), want %u octets \"%.*s\"\n", got.len,
		want.len, SIP_STR_FMT(want));
	return false;
}

int tu_load(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	long n;

	*buf = NULL;
	*len = 0;
	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) <= 0 ||
	    fseek(f, 0, SEEK_SET) || !(b = malloc(n)) ||
	    fread(b, 1, n, f) != (size_t)n) {
		fclose(f);
		free(b);
		return -1;
	}
	fclose(f);
	*buf = b;
	*len = n;
	return 0;
}

int tu_run_registered(void)
{
	int failed;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failed = CU_get_number_of_tests_failed() || CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

int tu_run(CU_SuiteInfo *suites)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	if (CU_register_suites(suites) != CUE_SUCCESS) {
		CU_cleanup_registry();
		return 1;
	}
	return tu_run_registered();
}
