// SPDX-License-Identifier: GPL-2.0
/*
 * The location service: lookups and their order, changes all or nothing,
 * expiry by the given time, and persistence in SQLite across a reopen.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"
#include <sqlite3.h>

#include "location.h"

#define AOR "sip:alice@example.com"

static char dir[64];
static char dbfile[128];
static char err[600];

static struct binding mk(const char *contact, int q, time_t exp)
{
	struct binding b = {
		.contact = contact,
		.q = q,
		.expires_at = exp,
		.call_id = "c1@ua",
		.cseq = 1,
		.reg_id = -1,
		.received = { LOC_UDP, "192.0.2.1", 5060 },
	};

	return b;
}

static int add(struct location *loc, const struct binding *b, time_t now)
{
	struct loc_change ch = { NULL, b };

	return loc_apply(loc, AOR, now, &ch, 1);
}

static void test_aor_make(void)
{
	static const struct {
		const char *uri;
		int ret;
		const char *aor;
	} v[] = {
		{ "sip:Alice@EXAMPLE.com:5060;transport=tcp?x=y", 21,
		  "sip:Alice@example.com" },
		{ "sips:bob%40x@Example.org", 21, "sip:bob@x@example.org" },
		{ "sip:%61b@[2001:DB8::1]", 20, "sip:ab@[2001:db8::1]" },
		{ "sip:example.com", -EINVAL, NULL },
		{ "tel:+15551234", -EINVAL, NULL },
		{ "sip:a%00b@example.com", -EINVAL, NULL },
	};
	struct sip_uri u;
	struct sip_err e;
	char buf[64];

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		CU_ASSERT_EQUAL_FATAL(
			sip_uri_parse(&u, v[i].uri, strlen(v[i].uri), &e), 0);
		CU_ASSERT_EQUAL(loc_aor_make(&u, buf, sizeof(buf)), v[i].ret);
		if (v[i].aor)
			CU_ASSERT_STRING_EQUAL(buf, v[i].aor);
	}
	sip_uri_parse(&u, "sip:alice@example.com", 21, &e);
	CU_ASSERT_EQUAL(loc_aor_make(&u, buf, 21), -ENOSPC);
	CU_ASSERT_EQUAL(loc_aor_make(&u, buf, 22), 21);
}

static void test_insert_lookup(void)
{
	struct location *loc = loc_open(NULL, 1000, err, sizeof(err));
	struct binding b = mk("sip:alice@192.0.2.1", 500, 2000);
	const struct binding *out[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_EQUAL(loc_lookup(loc, AOR, 1000, out, 4), 0);
	b.aor = "ignored";
	CU_ASSERT_EQUAL(add(loc, &b, 1000), 0);
	CU_ASSERT_EQUAL(loc_count(loc), 1);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 1000, out, 4), 1);
	CU_ASSERT_STRING_EQUAL(out[0]->aor, AOR);
	CU_ASSERT_STRING_EQUAL(out[0]->contact, "sip:alice@192.0.2.1");
	CU_ASSERT_PTR_NOT_EQUAL(out[0]->contact, b.contact);
	CU_ASSERT_EQUAL(out[0]->q, 500);
	CU_ASSERT_EQUAL(out[0]->expires_at, 2000);
	CU_ASSERT_EQUAL(out[0]->seq, 1);
	CU_ASSERT_PTR_NULL(out[0]->instance);
	CU_ASSERT_EQUAL(loc_lookup(loc, "sip:bob@example.com", 1000, out, 4),
			0);
	/* an AOR is case-sensitive in its user part */
	CU_ASSERT_EQUAL(loc_lookup(loc, "sip:Alice@example.com", 1000, out, 4),
			0);
	loc_close(loc);
}

static void test_order(void)
{
	struct location *loc = loc_open(NULL, 0, err, sizeof(err));
	struct binding a = mk("sip:a@h", 500, 100);
	struct binding b = mk("sip:b@h", -1, 100);
	struct binding c = mk("sip:c@h", 1000, 100);
	struct binding d = mk("sip:d@h", 0, 100);
	const struct binding *out[4];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_EQUAL(add(loc, &a, 0), 0);
	CU_ASSERT_EQUAL(add(loc, &b, 0), 0);
	CU_ASSERT_EQUAL(add(loc, &c, 0), 0);
	CU_ASSERT_EQUAL(add(loc, &d, 0), 0);
	/* q 1.0 and absent q tie; the later registration comes first */
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 0, out, 4), 4);
	CU_ASSERT_STRING_EQUAL(out[0]->contact, "sip:c@h");
	CU_ASSERT_STRING_EQUAL(out[1]->contact, "sip:b@h");
	CU_ASSERT_STRING_EQUAL(out[2]->contact, "sip:a@h");
	CU_ASSERT_STRING_EQUAL(out[3]->contact, "sip:d@h");
	/* a short array gets the best ones, and the full count */
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 0, out, 2), 4);
	CU_ASSERT_STRING_EQUAL(out[0]->contact, "sip:c@h");
	CU_ASSERT_STRING_EQUAL(out[1]->contact, "sip:b@h");
	loc_close(loc);
}

static void test_update_delete(void)
{
	struct location *loc = loc_open(NULL, 0, err, sizeof(err));
	struct binding a = mk("sip:a@h", -1, 100), a2 = a;
	struct binding b = mk("sip:b@h", -1, 100);
	const struct binding *out[4];
	struct loc_change ch[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_EQUAL(add(loc, &a, 0), 0);
	CU_ASSERT_EQUAL(add(loc, &b, 0), 0);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 0, out, 4), 2);
	CU_ASSERT_STRING_EQUAL(out[1]->contact, "sip:a@h");
	a2.cseq = 2;
	a2.expires_at = 300;
	ch[0] = (struct loc_change){ out[1], &a2 };
	ch[1] = (struct loc_change){ out[0], NULL };
	CU_ASSERT_EQUAL(loc_apply(loc, AOR, 0, ch, 2), 0);
	CU_ASSERT_EQUAL(loc_count(loc), 1);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 0, out, 4), 1);
	CU_ASSERT_STRING_EQUAL(out[0]->contact, "sip:a@h");
	CU_ASSERT_EQUAL(out[0]->cseq, 2);
	CU_ASSERT_EQUAL(out[0]->expires_at, 300);
	CU_ASSERT_EQUAL(out[0]->seq, 3);
	/* the last binding gone: the AOR is gone */
	ch[0] = (struct loc_change){ out[0], NULL };
	CU_ASSERT_EQUAL(loc_apply(loc, AOR, 0, ch, 1), 0);
	CU_ASSERT_EQUAL(loc_count(loc), 0);
	CU_ASSERT_EQUAL(loc_lookup(loc, AOR, 0, out, 4), 0);
	loc_close(loc);
}

static void test_bad_changes(void)
{
	struct location *loc = loc_open(NULL, 0, err, sizeof(err));
	struct binding a = mk("sip:a@h", -1, 100);
	const struct binding *out[2];
	struct loc_change ch[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_EQUAL(add(loc, &a, 0), 0);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 0, out, 2), 1);
	/* a binding of another AOR */
	ch[0] = (struct loc_change){ out[0], NULL };
	CU_ASSERT_EQUAL(loc_apply(loc, "sip:bob@h", 0, ch, 1), -EINVAL);
	/* the same one twice */
	ch[1] = ch[0];
	CU_ASSERT_EQUAL(loc_apply(loc, AOR, 0, ch, 2), -EINVAL);
	ch[0] = (struct loc_change){ NULL, NULL };
	CU_ASSERT_EQUAL(loc_apply(loc, AOR, 0, ch, 1), -EINVAL);
	CU_ASSERT_EQUAL(loc_count(loc), 1);
	CU_ASSERT_EQUAL(loc_lookup(loc, AOR, 0, out, 2), 1);
	loc_close(loc);
}

static int count_cb(const struct binding *b, void *arg)
{
	int *n = arg;

	return ++*n == 2 && !strcmp(b->aor, AOR) ? 7 : 0;
}

static void test_expire(void)
{
	struct location *loc = loc_open(NULL, 0, err, sizeof(err));
	struct binding a = mk("sip:a@h", -1, 100);
	struct binding b = mk("sip:b@h", -1, 200);
	struct binding c = mk("sip:c@h", -1, 100);
	struct loc_change ch = { NULL, &c };
	const struct binding *out[4];
	int n = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_EQUAL(add(loc, &a, 0), 0);
	CU_ASSERT_EQUAL(add(loc, &b, 0), 0);
	CU_ASSERT_EQUAL(loc_apply(loc, "sip:bob@h", 0, &ch, 1), 0);
	CU_ASSERT_EQUAL(loc_foreach(loc, count_cb, &n), 7);
	CU_ASSERT_EQUAL(n, 2);
	/* expired at exactly expires_at */
	CU_ASSERT_EQUAL(loc_lookup(loc, AOR, 99, out, 4), 2);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 100, out, 4), 1);
	CU_ASSERT_STRING_EQUAL(out[0]->contact, "sip:b@h");
	CU_ASSERT_EQUAL(loc_count(loc), 3);
	CU_ASSERT_EQUAL(loc_expire(loc, 150), 2);
	CU_ASSERT_EQUAL(loc_count(loc), 1);
	CU_ASSERT_EQUAL(loc_expire(loc, 150), 0);
	CU_ASSERT_EQUAL(loc_lookup(loc, "sip:bob@h", 0, out, 4), 0);
	/* a change to an AOR drops its expired bindings too */
	CU_ASSERT_EQUAL(add(loc, &a, 0), 0);
	CU_ASSERT_EQUAL(loc_count(loc), 2);
	c.expires_at = 500;
	CU_ASSERT_EQUAL(add(loc, &c, 250), 0);
	CU_ASSERT_EQUAL(loc_count(loc), 1);
	CU_ASSERT_EQUAL(loc_expire(loc, 1000), 1);
	CU_ASSERT_EQUAL(loc_foreach(loc, count_cb, &n), 0);
	loc_close(loc);
}

static int setup_dir(void)
{
	strcpy(dir, "/tmp/sipfp-loc-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(dbfile, sizeof(dbfile), "%s/reg.db", dir);
	return 0;
}

static void rm_db(void)
{
	char p[160];

	unlink(dbfile);
	snprintf(p, sizeof(p), "%s-wal", dbfile);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", dbfile);
	unlink(p);
}

static int teardown_dir(void)
{
	rm_db();
	return rmdir(dir);
}

static void test_persist(void)
{
	struct binding b =
		mk("sip:alice@192.168.1.10:5060;transport=tcp", 250, 5000);
	const struct binding *out[4];
	struct binding x;
	struct location *loc;

	rm_db();
	loc = loc_open(dbfile, 1000, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	b.call_id = "843817637684230@998sdasdh09";
	b.cseq = 1826;
	b.instance = "<urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF>";
	b.reg_id = 2;
	b.path = "<sip:p1.example.net;lr>,<sip:p2.example.net;lr>";
	b.received = (struct loc_addr){ LOC_TCP, "203.0.113.5", 40000 };
	b.nated = true;
	b.user_agent = "SIPp/3.6";
	b.conn_id = 77;
	CU_ASSERT_EQUAL(add(loc, &b, 1000), 0);
	x = mk("sip:x@h", -1, 1500);
	CU_ASSERT_EQUAL(add(loc, &x, 1000), 0);
	loc_close(loc);

	loc = loc_open(dbfile, 2000, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	/* the binding that expired while closed is not loaded */
	CU_ASSERT_EQUAL(loc_count(loc), 1);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 2000, out, 4), 1);
	CU_ASSERT_STRING_EQUAL(out[0]->aor, AOR);
	CU_ASSERT_STRING_EQUAL(out[0]->contact, b.contact);
	CU_ASSERT_EQUAL(out[0]->q, 250);
	CU_ASSERT_EQUAL(out[0]->expires_at, 5000);
	CU_ASSERT_STRING_EQUAL(out[0]->call_id, b.call_id);
	CU_ASSERT_EQUAL(out[0]->cseq, 1826);
	CU_ASSERT_STRING_EQUAL(out[0]->instance, b.instance);
	CU_ASSERT_EQUAL(out[0]->reg_id, 2);
	CU_ASSERT_STRING_EQUAL(out[0]->path, b.path);
	CU_ASSERT_EQUAL(out[0]->received.transport, LOC_TCP);
	CU_ASSERT_STRING_EQUAL(out[0]->received.ip, "203.0.113.5");
	CU_ASSERT_EQUAL(out[0]->received.port, 40000);
	CU_ASSERT_EQUAL(out[0]->nated, true);
	CU_ASSERT_STRING_EQUAL(out[0]->user_agent, "SIPp/3.6");
	/* connections do not survive a restart */
	CU_ASSERT_EQUAL(out[0]->conn_id, 0);
	CU_ASSERT_EQUAL(out[0]->seq, 1);
	/* sequence numbers continue above the live ones */
	x = mk("sip:y@h", -1, 9000);
	CU_ASSERT_EQUAL(add(loc, &x, 2000), 0);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 2000, out, 4), 2);
	CU_ASSERT_STRING_EQUAL(out[0]->contact, "sip:y@h");
	CU_ASSERT_EQUAL(out[0]->seq, 2);
	loc_close(loc);

	/* and what was expired at the previous open is gone from the file */
	loc = loc_open(dbfile, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_EQUAL(loc_count(loc), 2);
	CU_ASSERT_EQUAL(loc_expire(loc, 6000), 1);
	loc_close(loc);
	loc = loc_open(dbfile, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_EQUAL(loc_count(loc), 1);
	loc_close(loc);
}

static void test_open_errors(void)
{
	const char *missing = "/nonexistent-sipfp-dir/reg.db";
	char want[256];
	FILE *f;

	CU_ASSERT_PTR_NULL(loc_open(missing, 0, err, sizeof(err)));
	CU_ASSERT_STRING_EQUAL(err, "/nonexistent-sipfp-dir/reg.db: "
				    "unable to open database file");

	rm_db();
	f = fopen(dbfile, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (int i = 0; i < 200; i++)
		fputs("this is not an SQLite database file\n", f);
	fclose(f);
	CU_ASSERT_PTR_NULL(loc_open(dbfile, 0, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: file is not a database", dbfile);
	CU_ASSERT_STRING_EQUAL(err, want);
	rm_db();
}

static void test_newer_schema(void)
{
	char want[256];
	sqlite3 *db;

	rm_db();
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(dbfile, &db), SQLITE_OK);
	CU_ASSERT_EQUAL(sqlite3_exec(db, "PRAGMA user_version = 9", NULL, NULL,
				     NULL),
			SQLITE_OK);
	sqlite3_close(db);
	CU_ASSERT_PTR_NULL(loc_open(dbfile, 0, err, sizeof(err)));
	snprintf(want, sizeof(want),
		 "%s: schema version 9 is newer than this sipfpd's 1", dbfile);
	CU_ASSERT_STRING_EQUAL(err, want);
	rm_db();
}

/* A write that fails (another process holds the lock) changes nothing. */
static void test_apply_fails(void)
{
	struct binding a = mk("sip:a@h", -1, 100), a2 = a;
	const struct binding *out[2];
	struct loc_change ch;
	struct location *loc;
	char want[256];
	sqlite3 *db;

	rm_db();
	loc = loc_open(dbfile, 0, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(loc);
	CU_ASSERT_EQUAL(add(loc, &a, 0), 0);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 0, out, 2), 1);
	CU_ASSERT_EQUAL_FATAL(sqlite3_open(dbfile, &db), SQLITE_OK);
	CU_ASSERT_EQUAL_FATAL(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL,
					   NULL),
			      SQLITE_OK);
	a2.cseq = 9;
	ch = (struct loc_change){ out[0], &a2 };
	/* waits out the 1 s busy timeout, then gives up */
	CU_ASSERT_EQUAL(loc_apply(loc, AOR, 0, &ch, 1), -EIO);
	snprintf(want, sizeof(want), "%s: database is locked", dbfile);
	CU_ASSERT_STRING_EQUAL(loc_error(loc), want);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 0, out, 2), 1);
	CU_ASSERT_EQUAL(out[0]->cseq, 1);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	CU_ASSERT_EQUAL(loc_apply(loc, AOR, 0, &ch, 1), 0);
	CU_ASSERT_EQUAL_FATAL(loc_lookup(loc, AOR, 0, out, 2), 1);
	CU_ASSERT_EQUAL(out[0]->cseq, 9);
	loc_close(loc);
	rm_db();
}

int main(void)
{
	CU_TestInfo mem_tests[] = {
		{ "canonical AOR", test_aor_make },
		{ "insert and lookup", test_insert_lookup },
		{ "q then recency order", test_order },
		{ "update and delete", test_update_delete },
		{ "bad changes change nothing", test_bad_changes },
		{ "expiry by time", test_expire },
		CU_TEST_INFO_NULL,
	};
	CU_TestInfo file_tests[] = {
		{ "persist across reopen", test_persist },
		{ "open errors name the file", test_open_errors },
		{ "newer schema refused", test_newer_schema },
		{ "failed write is all or nothing", test_apply_fails },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "location (memory)", NULL, NULL, NULL, NULL, mem_tests },
		{ "location (file)", setup_dir, teardown_dir, NULL, NULL,
		  file_tests },
		CU_SUITE_INFO_NULL,
	};
	return tu_run(suites);
}
