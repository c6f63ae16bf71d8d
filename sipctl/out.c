// SPDX-License-Identifier: GPL-2.0
/*
 * Output: tables whose columns line up however wide a value turns out
 * (rows are kept until printed), and JSON, one document per command or,
 * for a stream, one object per line.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define TABLE_MAX_COLS 16

struct table {
	int ncols;
	size_t nrows, cap; /* rows, header included */
	char **cells; /* nrows * ncols */
	size_t width[TABLE_MAX_COLS];
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fputs("sipctl: out of memory\n", stderr);
		exit(EXIT_FAIL);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;

	return memcpy(xrealloc(NULL, n), s, n);
}

static void table_vadd(struct table *t, va_list ap)
{
	const char *s;
	int i;

	if (t->nrows == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 16;
		t->cells = xrealloc(t->cells,
				    t->cap * t->ncols * sizeof(*t->cells));
	}
	for (i = 0; i < t->ncols; i++) {
		s = va_arg(ap, const char *);
		s = s ? s : "-";
		t->cells[t->nrows * t->ncols + i] = xstrdup(s);
		if (strlen(s) > t->width[i])
			t->width[i] = strlen(s);
	}
	t->nrows++;
}

/* table_new(N, "HEAD1", ... "HEADN") */
struct table *table_new(int ncols, ...)
{
	struct table *t = xrealloc(NULL, sizeof(*t));
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->ncols = ncols < TABLE_MAX_COLS ? ncols : TABLE_MAX_COLS;
	va_start(ap, ncols);
	table_vadd(t, ap);
	va_end(ap);
	return t;
}

/* table_add(t, cell1, ... cellN): NULL cells print as "-" */
void table_add(struct table *t, ...)
{
	va_list ap;

	va_start(ap, t);
	table_vadd(t, ap);
	va_end(ap);
}

void table_print(struct table *t, FILE *f)
{
	const char *s;
	size_t r;
	int i;

	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			s = t->cells[r * t->ncols + i];
			if (i == t->ncols - 1)
				fprintf(f, "%s\n", s);
			else
				fprintf(f, "%-*s  ", (int)t->width[i], s);
		}
	}
}

void table_free(struct table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

const char *cli_u64(uint64_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* 42s, 3m05s, 2h03m, 4d02h: two units are enough to read at a glance. */
const char *cli_duration(uint64_t s, char *buf, size_t len)
{
	if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60,
			 s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			 s % 86400 / 3600);
	return buf;
}

/* "key:" padded, then the value: a status block's line */
void cli_kv(const char *key, const char *fmt, ...)
{
	int pad = 15 - (int)strlen(key);
	va_list ap;

	printf("%s:%*s", key, pad > 0 ? pad : 1, "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* Adds @v unless it is NULL (a field the backend did not give). */
void json_add(json_object *o, const char *key, json_object *v)
{
	if (v)
		json_object_object_add(o, key, v);
}

/* An endpoint as a string, or null when there is none. */
json_object *json_ep(const union sipctl_addr *a)
{
	char buf[CLI_EP_MAX];

	if (!a->sa.sa_family)
		return NULL;
	return json_object_new_string(cli_ep(a, buf, sizeof(buf)));
}

static int json_out(json_object *o, int flags)
{
	const char *s = json_object_to_json_string_ext(o, flags);
	int rc = EXIT_OK;

	if (!s || puts(s) == EOF || fflush(stdout) == EOF)
		rc = EXIT_FAIL;
	json_object_put(o);
	return rc;
}

/* One document, pretty; takes @o's reference. */
int json_put(json_object *o)
{
	return json_out(o, JSON_C_TO_STRING_PRETTY |
				   JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* One object on one line, flushed: a stream's element. */
int json_line(json_object *o)
{
	return json_out(o, JSON_C_TO_STRING_PLAIN |
				   JSON_C_TO_STRING_NOSLASHESCAPE);
}
