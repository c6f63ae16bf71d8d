// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics listener: its request parser over a table (complete or
 * not, good or bad), and the exposition's format: every sample follows
 * its HELP and TYPE, counters end in _total, names and labels are what
 * Prometheus accepts, and a value set in a counter shows up as set.
 */
#include <regex.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "tutil.h"

#include "event.h"
#include "media.h"
#include "metrics.h"
#include "proxy.h"

static const struct {
	const char *req;
	int status;
} table[] = {
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200 },
	{ "GET /metrics HTTP/1.0\n\n", 200 },
	{ "GET /metrics?x=1 HTTP/1.0\r\n\r\n", 200 },
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n", 0 },
	{ "GET /metr", 0 },
	{ "", 0 },
	{ "GET /metricsx HTTP/1.0\r\n\r\n", 404 },
	{ "GET / HTTP/1.0\r\n\r\n", 404 },
	{ "POST /metrics HTTP/1.0\r\n\r\n", 405 },
	{ "HEAD /metrics HTTP/1.0\r\n\r\n", 405 },
	{ "get /metrics HTTP/1.0\r\n", 400 },
	{ "GET /metrics HTTP/2.0\r\n", 400 },
	{ "GET /metrics\r\n", 400 },
	{ "GET  /metrics HTTP/1.0\r\n", 400 },
	{ "GET /me trics HTTP/1.0\r\n", 400 },
	{ "\r\n", 400 },
	{ "\x16\x03\x01\x02\x05\x01\x02\x01\xfc\x03\x03\n", 400 },
	{ "GET /metrics HTTP/1.0\r\nX: \0\r\n\r\n", 0 },
};

static void test_parse_table(void)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int got =
			metrics_http_parse(table[i].req, strlen(table[i].req));

		if (got != table[i].status)
			fprintf(stderr, "# %zu: %d, want %d\n", i, got,
				table[i].status);
		CU_ASSERT_EQUAL(got, table[i].status);
	}
}

static void test_parse_bounds(void)
{
	static char big[METRICS_REQ_MAX + 16];
	static const char nul[] = "GET /metrics HTTP/1.0\r\nX: \0\r\n\r\n";
	size_t n;

	/* a NUL in a header is refused once the head is whole */
	CU_ASSERT_EQUAL(metrics_http_parse(nul, sizeof(nul) - 1), 400);
	/* headers that never end: refused at the bound, not waited for */
	n = snprintf(big, sizeof(big), "GET /metrics HTTP/1.0\r\n");
	memset(big + n, 'h', sizeof(big) - n);
	CU_ASSERT_EQUAL(metrics_http_parse(big, METRICS_REQ_MAX - 1), 0);
	CU_ASSERT_EQUAL(metrics_http_parse(big, METRICS_REQ_MAX), 400);
	CU_ASSERT_EQUAL(metrics_http_parse(big, sizeof(big)), 400);
	/* and a request line as long */
	memset(big, 'A', sizeof(big));
	CU_ASSERT_EQUAL(metrics_http_parse(big, METRICS_REQ_MAX), 400);
}

/* Every line of @text: a HELP, a TYPE, or a sample of the last TYPE. */
static void check_format(const char *text)
{
	regex_t sample, help, type;
	char *copy = strdup(text), *save = NULL, *l;
	char typed[128] = "", kind[16] = "";
	int nsamples = 0;

	CU_ASSERT_EQUAL_FATAL(
		regcomp(&sample,
			"^(sipfpd_[a-z_]+)(\\{[a-z_]+=\"[^\"]*\"(,[a-z_]+=\"[^\"]*\")*\\})? [0-9]+$",
			REG_EXTENDED),
		0);
	regcomp(&help, "^# HELP sipfpd_[a-z_]+ [A-Z].*\\.$", REG_EXTENDED);
	regcomp(&type, "^# TYPE (sipfpd_[a-z_]+) (counter|gauge)$",
		REG_EXTENDED);
	for (l = strtok_r(copy, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		regmatch_t m[2];

		if (!strncmp(l, "# HELP ", 7)) {
			CU_ASSERT_EQUAL(regexec(&help, l, 0, NULL, 0), 0);
			continue;
		}
		if (!regexec(&type, l, 2, m, 0)) {
			snprintf(typed, sizeof(typed), "%.*s",
				 (int)(m[1].rm_eo - m[1].rm_so),
				 l + m[1].rm_so);
			snprintf(kind, sizeof(kind), "%s", strrchr(l, ' ') + 1);
			/* counters, and only counters, end in _total */
			CU_ASSERT_EQUAL(
				!strcmp(kind, "counter"),
				strlen(typed) > 6 &&
					!strcmp(typed + strlen(typed) - 6,
						"_total"));
			continue;
		}
		if (regexec(&sample, l, 2, m, 0)) {
			fprintf(stderr, "# bad line: %s\n", l);
			CU_FAIL("a line that is no sample");
			continue;
		}
		nsamples++;
		CU_ASSERT_EQUAL((size_t)(m[1].rm_eo - m[1].rm_so),
				strlen(typed));
		CU_ASSERT_EQUAL(strncmp(l, typed, strlen(typed)), 0);
	}
	CU_ASSERT(nsamples >= 20);
	regfree(&sample);
	regfree(&help);
	regfree(&type);
	free(copy);
}

static void test_render(void)
{
	size_t len;
	char *text;

	CU_ASSERT_EQUAL_FATAL(ev_init(), 0);
	media_stats.started = 7;
	media_stats.ended = 5;
	proxy_stats.forwarded = 12;
	text = metrics_render(&len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_EQUAL(strlen(text), len);
	CU_ASSERT_EQUAL(text[len - 1], '\n');
	check_format(text);
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nsipfpd_calls_total 7\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, "\nsipfpd_calls_ended_total 5\n"));
	CU_ASSERT_PTR_NOT_NULL(
		strstr(text, "\nsipfpd_sip_requests_forwarded_total 12\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(
		text,
		"\nsipfpd_media_packets_total{path=\"relay\",interface=\"default\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(
		text, "sipfpd_info{version=\"0.1.0\",fastpath=\"off\"} 1\n"));
	free(text);
	ev_exit();
}

int main(void)
{
	CU_TestInfo http[] = {
		{ "request table", test_parse_table },
		{ "bounds and NULs", test_parse_bounds },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo text[] = {
		{ "exposition format and values", test_render },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "metrics http", NULL, NULL, NULL, NULL, http },
		{ "metrics text", NULL, NULL, NULL, NULL, text },
		CU_SUITE_INFO_NULL,
	};

	return tu_run(suites);
}
