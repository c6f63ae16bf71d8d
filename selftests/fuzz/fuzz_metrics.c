// SPDX-License-Identifier: GPL-2.0
/*
 * metrics_http_parse() on arbitrary bytes, as the metrics listener reads
 * them.  Beyond "no crash, no overread" it checks that the answer is one
 * the listener knows, that a verdict once given holds as more bytes come
 * (the listener answers on the first), and that 0 (wait) is never the
 * answer at the size bound.
 */
#include <stdint.h>
#include <stdlib.h>

#include "metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	int first = 0, st;

	for (size_t n = 0; n <= size; n++) {
		st = metrics_http_parse(s, n);
		if (st && st != 200 && st != 400 && st != 404 && st != 405)
			abort();
		if (n >= METRICS_REQ_MAX && !st)
			abort();
		if (first && st != first)
			abort();
		first = first ? first : st;
		/* quadratic over long inputs: the start is what matters */
		if (n > 64 && n < size - 1 && n + 256 < size)
			n = size - 2;
	}
	return 0;
}
