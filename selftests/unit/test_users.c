// SPDX-License-Identifier: GPL-2.0
/*
 * The users file: secrets of every kind, every error with its line, the
 * file mode warning, and a site-sized table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/Basic.h>

#include "tutil.h"
#include <openssl/evp.h>

#include "users.h"

static char err[512];

/* Independent of digest_hash(): the hex digest of a C string. */
static void md_hex(const char *name, const char *in, char *out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	CU_ASSERT_FATAL(EVP_Digest(in, strlen(in), md, &len,
				   EVP_get_digestbyname(name), NULL) == 1);
	for (unsigned int i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void ha1_is(const struct user *u, enum digest_alg a, const char *hex)
{
	char got[2 * DIGEST_MAX_LEN + 1];

	for (size_t i = 0; i < digest_alg_len(a); i++)
		sprintf(got + 2 * i, "%02x", u->ha1[a][i]);
	CU_ASSERT_STRING_EQUAL(got, hex);
}

static const struct user *find(const struct users *db, const char *n,
			       const char *r)
{
	return users_find(db, sip_str_cstr(n), sip_str_cstr(r));
}

static const char good[] =
	"# sipfp users\n"
	"\n"
	"   # indented comment\n"
	"Mufasa testrealm@host.com plain:Circle%20Of%20Life\n"
	"bob\texample.org  md5:0123456789abcdef0123456789ABCDEF\r\n"
	"carol example.org sha256:"
	"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff "
	"md5:ffeeddccbbaa99887766554433221100 # two secrets, no plain\n"
	"bob other.org plain:x\n"
	"a%40b example.org plain:100%25\n"
	"dave example.org sha512-256:"
	"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

static void test_good(void)
{
	struct users *db = NULL;
	const struct user *u;
	char h[2 * DIGEST_MAX_LEN + 1];

	CU_ASSERT_EQUAL_FATAL(users_parse("t", good, sizeof(good) - 1, &db,
					  err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(users_count(db), 6);

	/* RFC 2617 §3.5's HA1, as md5sum prints it */
	u = find(db, "Mufasa", "testrealm@host.com");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_STRING_EQUAL(u->name, "Mufasa");
	CU_ASSERT_STRING_EQUAL(u->realm, "testrealm@host.com");
	CU_ASSERT_EQUAL(u->algs, DIGEST_ALGS_ALL);
	ha1_is(u, DIGEST_MD5, "939e7578ed9e3c518a452acee763bce9");
	md_hex("SHA256", "Mufasa:testrealm@host.com:Circle Of Life", h);
	ha1_is(u, DIGEST_SHA256, h);
	md_hex("SHA512-256", "Mufasa:testrealm@host.com:Circle Of Life", h);
	ha1_is(u, DIGEST_SHA512_256, h);

	u = find(db, "bob", "example.org");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL(u->algs, DIGEST_ALG(DIGEST_MD5));
	ha1_is(u, DIGEST_MD5, "0123456789abcdef0123456789abcdef");

	u = find(db, "carol", "example.org");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL(u->algs,
			DIGEST_ALG(DIGEST_MD5) | DIGEST_ALG(DIGEST_SHA256));
	ha1_is(u, DIGEST_SHA256, "00112233445566778899aabbccddeeff"
				 "00112233445566778899aabbccddeeff");
	ha1_is(u, DIGEST_MD5, "ffeeddccbbaa99887766554433221100");

	u = find(db, "bob", "other.org");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	md_hex("MD5", "bob:other.org:x", h);
	ha1_is(u, DIGEST_MD5, h);

	u = find(db, "a@b", "example.org");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	md_hex("MD5", "a@b:example.org:100%", h);
	ha1_is(u, DIGEST_MD5, h);

	u = find(db, "dave", "example.org");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL(u->algs, DIGEST_ALG(DIGEST_SHA512_256));

	/* case-sensitive, realm-bound, no prefixes */
	CU_ASSERT_PTR_NULL(find(db, "mufasa", "testrealm@host.com"));
	CU_ASSERT_PTR_NULL(find(db, "Mufasa", "example.org"));
	CU_ASSERT_PTR_NULL(find(db, "bo", "example.org"));
	CU_ASSERT_PTR_NULL(find(db, "", ""));
	users_free(db);
}

static void test_userhash(void)
{
	static const char text[] = "alice example.org plain:pw\n"
				   "bob example.org md5:"
				   "0123456789abcdef0123456789abcdef\n";
	struct users *db = NULL;
	uint8_t hash[EVP_MAX_MD_SIZE];
	unsigned int len;
	const struct user *u;

	CU_ASSERT_EQUAL_FATAL(users_parse("t", text, sizeof(text) - 1, &db,
					  err, sizeof(err)), 0);
	CU_ASSERT_FATAL(EVP_Digest("alice:example.org", 17, hash, &len,
				   EVP_sha256(), NULL) == 1);
	u = users_find_hash(db, DIGEST_SHA256, hash,
			    SIP_STR("example.org"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_STRING_EQUAL(u->name, "alice");
	CU_ASSERT_PTR_NULL(users_find_hash(db, DIGEST_SHA256, hash,
					   SIP_STR("other.org")));
	/* an MD5 userhash is a different table */
	CU_ASSERT_PTR_NULL(users_find_hash(db, DIGEST_MD5, hash,
					   SIP_STR("example.org")));
	CU_ASSERT_FATAL(EVP_Digest("bob:example.org", 15, hash, &len,
				   EVP_md5(), NULL) == 1);
	u = users_find_hash(db, DIGEST_MD5, hash, SIP_STR("example.org"));
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_STRING_EQUAL(u->name, "bob");
	users_free(db);
}

struct bad {
	const char *text;
	const char *err;
};

static const char hex32[] = "0123456789abcdef0123456789abcdef";

static void test_errors(void)
{
	static char longline[USERS_MAX_LINE + 40];
	static char longname[400];
	const struct bad bad[] = {
		{ "# c\nalice\n", "t:2: missing realm" },
		{ "alice # realm\n", "t:1: missing realm" },
		{ "\n\nalice example.org\n", "t:3: missing secret" },
		{ "alice example.org # none\n", "t:1: missing secret" },
		{ "alice example.org md5:0123\n", "t:1: bad HA1 length" },
		{ "a r plain:x\n\n\n\n\n\nb r sha256:abcd\n",
		  "t:7: bad HA1 length" },
		{ "alice r md5:0123456789abcdef0123456789abcdeg\n",
		  "t:1: bad HA1 hex digit" },
		{ "alice r sha1:00\n", "t:1: unknown secret type" },
		{ "alice r hunter2\n",
		  "t:1: secret must start plain:, md5:, sha256: or "
		  "sha512-256:" },
		{ "alice r plain:\n", "t:1: empty password" },
		{ "alice r plain:a md5:0123456789abcdef0123456789abcdef\n",
		  "t:1: plain: excludes other secrets" },
		{ "alice r md5:0123456789abcdef0123456789abcdef plain:a\n",
		  "t:1: plain: excludes other secrets" },
		{ "alice r md5:0123456789abcdef0123456789abcdef "
		  "md5:0123456789abcdef0123456789abcdef\n",
		  "t:1: two md5 secrets" },
		{ "alice r plain:a\nbob r plain:b\nalice r plain:c\n",
		  "t:3: duplicate user \"alice\" in realm \"r\" "
		  "(first on line 1)" },
		{ "al%4 r plain:a\n", "t:1: bad %-escape in username" },
		{ "alice r%zz plain:a\n", "t:1: bad %-escape in realm" },
		{ "alice r plain:a%\n", "t:1: bad %-escape in password" },
		{ "al%00ice r plain:a\n", "t:1: NUL in username" },
		{ longname, "t:1: username longer than 255 octets" },
		{ longline, "t:2: line longer than 4096 octets" },
	};
	struct users *db;

	memset(longname, 'x', 300);
	strcpy(longname + 300, " r plain:a\n");
	strcpy(longline, "ok r plain:a\n");
	memset(longline + 13, 'y', USERS_MAX_LINE + 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		db = (struct users *)1;
		CU_ASSERT_EQUAL(users_parse("t", bad[i].text,
					    strlen(bad[i].text), &db, err,
					    sizeof(err)), -EBADMSG);
		CU_ASSERT_PTR_EQUAL(db, (struct users *)1);
		CU_ASSERT_STRING_EQUAL(err, bad[i].err);
		if (strcmp(err, bad[i].err))
			fprintf(stderr, "\n  case %zu: got \"%s\"\n", i, err);
		/* a secret is never quoted back */
		CU_ASSERT_PTR_NULL(strstr(err, "hunter2"));
		CU_ASSERT_PTR_NULL(strstr(err, hex32));
	}
	/* an embedded NUL octet */
	CU_ASSERT_EQUAL(users_parse("t", "a r plain:x\0y\n", 14, &db, err,
				    sizeof(err)), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "t:1: NUL octet");
	/* a small error buffer is cut, still terminated */
	CU_ASSERT_EQUAL(users_parse("users", "a\n", 2, &db, err, 8), -EBADMSG);
	CU_ASSERT_STRING_EQUAL(err, "users:1");
}

static void test_empty(void)
{
	struct users *db = NULL;

	CU_ASSERT_EQUAL_FATAL(users_parse("t", "# nobody\n\n", 10, &db, err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(users_count(db), 0);
	CU_ASSERT_PTR_NULL(find(db, "a", "r"));
	users_free(db);
	users_free(NULL);
}

static void tmpname(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/test_users.%d.%ld", (int)getpid(),
		 (long)time(NULL));
}

static void test_load_file(void)
{
	static const char text[] = "alice example.org plain:pw\n";
	char path[128], want[256];
	struct users *db = NULL;
	FILE *f;

	tmpname(path, sizeof(path));
	f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);

	CU_ASSERT_EQUAL_FATAL(chmod(path, 0600), 0);
	CU_ASSERT_EQUAL_FATAL(users_load(path, &db, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(users_count(db), 1);
	CU_ASSERT_PTR_NOT_NULL(find(db, "alice", "example.org"));
	CU_ASSERT_EQUAL(users_mode_warning(db), 0);
	users_free(db);

	CU_ASSERT_EQUAL_FATAL(chmod(path, 0640), 0);
	CU_ASSERT_EQUAL_FATAL(users_load(path, &db, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(users_mode_warning(db), 0);
	users_free(db);

	CU_ASSERT_EQUAL_FATAL(chmod(path, 0644), 0);
	CU_ASSERT_EQUAL_FATAL(users_load(path, &db, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(users_mode_warning(db), 0644);
	users_free(db);

	CU_ASSERT_EQUAL_FATAL(chmod(path, 0660), 0);
	CU_ASSERT_EQUAL_FATAL(users_load(path, &db, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(users_mode_warning(db), 0660);
	users_free(db);

	/* errors name the file */
	f = fopen(path, "a");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("bob example.org md5:00\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(users_load(path, &db, err, sizeof(err)), -EBADMSG);
	snprintf(want, sizeof(want), "%s:2: bad HA1 length", path);
	CU_ASSERT_STRING_EQUAL(err, want);

	unlink(path);
	CU_ASSERT_EQUAL(users_load(path, &db, err, sizeof(err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	CU_ASSERT_STRING_EQUAL(err, want);
	CU_ASSERT_EQUAL(users_load("/tmp", &db, err, sizeof(err)), -EINVAL);
}

/* The annotated example in the tree loads, and says what it claims. */
static void test_example(void)
{
	struct users *db = NULL;
	const struct user *u;
	char h[2 * DIGEST_MAX_LEN + 1];

	CU_ASSERT_EQUAL_FATAL(users_load("daemon/users.example", &db, err,
					 sizeof(err)), 0);
	CU_ASSERT_EQUAL(users_count(db), 4);
	u = find(db, "alice", "sip.example.org");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	CU_ASSERT_EQUAL(u->algs,
			DIGEST_ALG(DIGEST_MD5) | DIGEST_ALG(DIGEST_SHA256));
	md_hex("MD5", "alice:sip.example.org:alice-secret", h);
	ha1_is(u, DIGEST_MD5, h);
	md_hex("SHA256", "alice:sip.example.org:alice-secret", h);
	ha1_is(u, DIGEST_SHA256, h);
	u = find(db, "bob", "sip.example.org");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	md_hex("MD5", "bob:sip.example.org:correct horse battery", h);
	ha1_is(u, DIGEST_MD5, h);
	CU_ASSERT_PTR_NOT_NULL(find(db, "1001", "sip.example.org"));
	users_free(db);
}

#define MANY 10000

static void test_many(void)
{
	size_t size = MANY * 64;
	char *text = malloc(size), name[32], realm[32], want[80], h[65];
	struct users *db = NULL;
	const struct user *u;
	size_t len = 0;
	int found = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (int i = 0; i < MANY; i++)
		len += (size_t)snprintf(text + len, size - len,
					"user%d realm%d.example plain:pw%d\n",
					i, i % 7, i * 31);
	CU_ASSERT_EQUAL_FATAL(users_parse("many", text, len, &db, err,
					  sizeof(err)), 0);
	free(text);
	CU_ASSERT_EQUAL(users_count(db), MANY);
	for (int i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "user%d", i);
		snprintf(realm, sizeof(realm), "realm%d.example", i % 7);
		u = find(db, name, realm);
		found += u && !strcmp(u->name, name) &&
			 !strcmp(u->realm, realm);
		/* the same user in another realm is another user */
		snprintf(realm, sizeof(realm), "realm%d.example", (i + 1) % 7);
		CU_ASSERT_PTR_NULL(find(db, name, realm));
	}
	CU_ASSERT_EQUAL(found, MANY);
	CU_ASSERT_PTR_NULL(find(db, "user10000", "realm4.example"));

	u = find(db, "user9999", "realm3.example");
	CU_ASSERT_PTR_NOT_NULL_FATAL(u);
	snprintf(want, sizeof(want), "user9999:realm3.example:pw%d",
		 9999 * 31);
	md_hex("SHA256", want, h);
	ha1_is(u, DIGEST_SHA256, h);
	users_free(db);
}

int main(void)
{
	CU_TestInfo tests[] = {
		{ "plain and HA1 secrets", test_good },
		{ "userhash index", test_userhash },
		{ "every error names its line", test_errors },
		{ "empty file", test_empty },
		{ "load a file, mode warning", test_load_file },
		{ "the example file", test_example },
		{ "10k users load and look up", test_many },
		CU_TEST_INFO_NULL,
	};
	CU_SuiteInfo suites[] = {
		{ "users", NULL, NULL, NULL, NULL, tests },
		CU_SUITE_INFO_NULL,
	};
	return tu_run(suites);
}
