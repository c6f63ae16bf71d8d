// SPDX-License-Identifier: GPL-2.0
/*
 * The users file: parsed into a table of HA1s with two kinds of index,
 * by (username, realm) and by userhash.  See users.h for the format.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "users.h"

#define USERS_MAX_FILE (64u << 20)

/* Per user, beside struct user: the hash chains and where it came from. */
struct link {
	int32_t next;
	int32_t hnext[DIGEST__NALG];
	uint32_t line;
	uint32_t name_off; /* in the arena, until the pointers are set */
	uint32_t realm_off;
	uint8_t uhash[DIGEST__NALG][DIGEST_MAX_LEN];
};

struct users {
	struct user *u;
	struct link *link;
	uint32_t n;
	uint32_t cap;
	int32_t *bucket; /* by (name, realm) */
	uint32_t nbucket; /* a power of two */
	int32_t *hbucket[DIGEST__NALG]; /* by userhash, nbucket each */
	char *arena; /* "name\0realm\0" per user */
	size_t arena_len;
	size_t arena_cap;
	mode_t mode;
};

/* One line being parsed. */
struct line {
	const char *file;
	uint32_t no;
	char *errbuf;
	size_t errlen;
};

static int line_err(const struct line *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int line_err(const struct line *l, const char *fmt, ...)
{
	int n;
	va_list ap;

	if (!l->errlen)
		return -EBADMSG;
	n = snprintf(l->errbuf, l->errlen, "%s:%u: ", l->file, l->no);
	if (n >= 0 && (size_t)n < l->errlen) {
		va_start(ap, fmt);
		vsnprintf(l->errbuf + n, l->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

/* FNV-1a: the keys come from the administrator, not from the network. */
static uint32_t key_hash(struct sip_str name, struct sip_str realm)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (uint32_t i = 0; i < name.len; i++)
		h = (h ^ (uint8_t)name.s[i]) * 0x100000001b3ull;
	h = (h ^ 0xff) * 0x100000001b3ull;
	for (uint32_t i = 0; i < realm.len; i++)
		h = (h ^ (uint8_t)realm.s[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

static struct sip_str name_of(const struct users *db, uint32_t i)
{
	return sip_str_make(db->arena + db->link[i].name_off,
			    db->u[i].name_len);
}

static struct sip_str realm_of(const struct users *db, uint32_t i)
{
	return sip_str_make(db->arena + db->link[i].realm_off,
			    db->u[i].realm_len);
}

static int32_t find_idx(const struct users *db, struct sip_str name,
			struct sip_str realm)
{
	int32_t i;

	if (!db->nbucket)
		return -1;
	i = db->bucket[key_hash(name, realm) & (db->nbucket - 1)];
	for (; i >= 0; i = db->link[i].next)
		if (sip_str_eq(name_of(db, i), name) &&
		    sip_str_eq(realm_of(db, i), realm))
			return i;
	return -1;
}

static void chain(struct users *db, uint32_t i)
{
	uint32_t b = key_hash(name_of(db, i), realm_of(db, i)) &
		     (db->nbucket - 1);

	db->link[i].next = db->bucket[b];
	db->bucket[b] = (int32_t)i;
}

/* Keeps the load factor at most 1/2 as users are added. */
static int rehash(struct users *db)
{
	uint32_t nb = db->nbucket ? db->nbucket * 2 : 64;
	int32_t *b = malloc(nb * sizeof(*b));

	if (!b)
		return -ENOMEM;
	memset(b, 0xff, nb * sizeof(*b));
	free(db->bucket);
	db->bucket = b;
	db->nbucket = nb;
	for (uint32_t i = 0; i < db->n; i++)
		chain(db, i);
	return 0;
}

static int grow(struct users *db)
{
	uint32_t cap = db->cap ? db->cap * 2 : 64;
	struct user *u;
	struct link *l;

	u = realloc(db->u, cap * sizeof(*u));
	if (!u)
		return -ENOMEM;
	db->u = u;
	l = realloc(db->link, cap * sizeof(*l));
	if (!l)
		return -ENOMEM;
	db->link = l;
	db->cap = cap;
	return 0;
}

static int arena_put(struct users *db, const char *s, size_t len, uint32_t *off)
{
	size_t cap = db->arena_cap ? db->arena_cap : 4096;
	char *a;

	while (cap - db->arena_len < len + 1)
		cap *= 2;
	if (cap != db->arena_cap) {
		a = realloc(db->arena, cap);
		if (!a)
			return -ENOMEM;
		db->arena = a;
		db->arena_cap = cap;
	}
	memcpy(db->arena + db->arena_len, s, len);
	db->arena[db->arena_len + len] = '\0';
	*off = (uint32_t)db->arena_len;
	db->arena_len += len + 1;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* %HH decoding into @dst (at most @size octets); -1 on a bad escape. */
static ssize_t pct_decode(char *dst, size_t size, struct sip_str f)
{
	size_t n = 0;
	int hi, lo;

	for (uint32_t i = 0; i < f.len; i++) {
		char c = f.s[i];

		if (c == '%') {
			if (f.len - i < 3)
				return -1;
			hi = hexval(f.s[i + 1]);
			lo = hexval(f.s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			c = (char)(hi << 4 | lo);
			i += 2;
		}
		if (n == size)
			return -2;
		dst[n++] = c;
	}
	return (ssize_t)n;
}

static int decode_name(const struct line *l, struct sip_str f, char *dst,
		       uint32_t *len, const char *what)
{
	ssize_t n = pct_decode(dst, USERS_MAX_NAME, f);

	if (n == -1)
		return line_err(l, "bad %%-escape in %s", what);
	if (n == -2)
		return line_err(l, "%s longer than %d octets", what,
				USERS_MAX_NAME);
	if (memchr(dst, '\0', n))
		return line_err(l, "NUL in %s", what);
	*len = (uint32_t)n;
	return 0;
}

static int hex_ha1(const struct line *l, struct sip_str v, uint8_t *out,
		   size_t len)
{
	if (v.len != 2 * len)
		return line_err(l, "bad HA1 length");
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(v.s[2 * i]), lo = hexval(v.s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return line_err(l, "bad HA1 hex digit");
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int plain_ha1(const struct line *l, struct user *u, struct sip_str v)
{
	char pw[USERS_MAX_LINE];
	ssize_t n = pct_decode(pw, sizeof(pw), v);
	struct sip_str parts[3];
	int ret = 0;

	if (n == -1)
		ret = line_err(l, "bad %%-escape in password");
	else if (n == 0)
		ret = line_err(l, "empty password");
	parts[0] = sip_str_make(u->name, u->name_len);
	parts[1] = sip_str_make(u->realm, u->realm_len);
	parts[2] = sip_str_make(pw, n > 0 ? (size_t)n : 0);
	for (int a = 0; !ret && a < DIGEST__NALG; a++) {
		if (digest_hash(a, parts, 3, u->ha1[a]))
			ret = -EIO;
		u->algs |= DIGEST_ALG(a);
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	return ret;
}

static const char *const secret_type[DIGEST__NALG] = {
	[DIGEST_SHA512_256] = "sha512-256",
	[DIGEST_SHA256] = "sha256",
	[DIGEST_MD5] = "md5",
};

static int secret(const struct line *l, struct user *u, struct sip_str f,
		  bool *plain)
{
	const char *colon = memchr(f.s, ':', f.len);
	struct sip_str type, v;

	if (!colon)
		return line_err(l, "secret must start plain:, md5:, sha256: "
				   "or sha512-256:");
	type = sip_str_make(f.s, colon - f.s);
	v = sip_str_make(colon + 1, f.len - (colon + 1 - f.s));
	if (*plain || (u->algs && sip_str_eq(type, SIP_STR("plain"))))
		return line_err(l, "plain: excludes other secrets");
	if (sip_str_eq(type, SIP_STR("plain"))) {
		*plain = true;
		return plain_ha1(l, u, v);
	}
	for (int a = 0; a < DIGEST__NALG; a++) {
		if (!sip_str_eq(type, sip_str_cstr(secret_type[a])))
			continue;
		if (u->algs & DIGEST_ALG(a))
			return line_err(l, "two %s secrets", secret_type[a]);
		u->algs |= DIGEST_ALG(a);
		return hex_ha1(l, v, u->ha1[a], digest_alg_len(a));
	}
	return line_err(l, "unknown secret type");
}

/* Splits the next blank-separated field off *p; empty at the end. */
static struct sip_str field(const char **p, const char *end)
{
	const char *s = *p, *e;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	for (e = s; e < end && *e != ' ' && *e != '\t'; e++)
		;
	*p = e;
	return sip_str_make(s, e - s);
}

static int add_user(struct users *db, const struct line *l, const char *name,
		    uint32_t nlen, const char *realm, uint32_t rlen)
{
	struct sip_str n = sip_str_make(name, nlen);
	struct sip_str r = sip_str_make(realm, rlen);
	int32_t dup = find_idx(db, n, r);
	struct link *lk;
	int ret;

	if (dup >= 0)
		return line_err(l,
				"duplicate user \"%s\" in realm \"%s\" "
				"(first on line %u)",
				name, realm, db->link[dup].line);
	if (db->n == db->cap && (ret = grow(db)))
		return ret;
	lk = &db->link[db->n];
	memset(&db->u[db->n], 0, sizeof(db->u[0]));
	memset(lk, 0, sizeof(*lk));
	lk->line = l->no;
	if ((ret = arena_put(db, name, nlen, &lk->name_off)) ||
	    (ret = arena_put(db, realm, rlen, &lk->realm_off)))
		return ret;
	db->u[db->n].name_len = nlen;
	db->u[db->n].realm_len = rlen;
	db->n++;
	if (db->n > db->nbucket / 2)
		return rehash(db);
	chain(db, db->n - 1);
	return 0;
}

static int parse_line(struct users *db, const struct line *l, const char *p,
		      const char *end)
{
	char name[USERS_MAX_NAME + 1], realm[USERS_MAX_NAME + 1];
	uint32_t nlen, rlen;
	struct sip_str f = field(&p, end), r;
	struct user *u;
	bool plain = false;
	int ret;

	if (!f.len || f.s[0] == '#')
		return 0;
	r = field(&p, end);
	if (!r.len || r.s[0] == '#')
		return line_err(l, "missing realm");
	if ((ret = decode_name(l, f, name, &nlen, "username")) ||
	    (ret = decode_name(l, r, realm, &rlen, "realm")))
		return ret;
	name[nlen] = realm[rlen] = '\0';
	if (!nlen || !rlen)
		return line_err(l, "empty %s", nlen ? "realm" : "username");
	if ((ret = add_user(db, l, name, nlen, realm, rlen)))
		return ret;
	u = &db->u[db->n - 1];
	/* the arena may move later: point at the stack copies for now */
	u->name = name;
	u->realm = realm;
	while ((f = field(&p, end)).len && f.s[0] != '#')
		if ((ret = secret(l, u, f, &plain)))
			return ret;
	u->name = u->realm = NULL;
	if (!u->algs)
		return line_err(l, "missing secret");
	return 0;
}

static int parse_text(struct users *db, const char *file, const char *text,
		      size_t len, char *errbuf, size_t errlen)
{
	struct line l = { file, 0, errbuf, errlen };
	const char *p = text, *end = text + len, *nl, *e;
	int ret;

	while (p < end) {
		l.no++;
		nl = memchr(p, '\n', end - p);
		e = nl ? nl : end;
		if (e > p && e[-1] == '\r')
			e--;
		if (e - p > USERS_MAX_LINE)
			return line_err(&l, "line longer than %d octets",
					USERS_MAX_LINE);
		if (memchr(p, '\0', e - p))
			return line_err(&l, "NUL octet");
		if ((ret = parse_line(db, &l, p, e)))
			return ret;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

/* The arena is final: point the users at it, and index the userhashes. */
static int finish(struct users *db)
{
	struct sip_str parts[2];

	for (int a = 0; a < DIGEST__NALG; a++) {
		db->hbucket[a] = malloc(db->nbucket * sizeof(int32_t));
		if (!db->hbucket[a])
			return -ENOMEM;
		memset(db->hbucket[a], 0xff, db->nbucket * sizeof(int32_t));
	}
	for (uint32_t i = 0; i < db->n; i++) {
		struct user *u = &db->u[i];
		struct link *lk = &db->link[i];

		u->name = db->arena + lk->name_off;
		u->realm = db->arena + lk->realm_off;
		parts[0] = sip_str_make(u->name, u->name_len);
		parts[1] = sip_str_make(u->realm, u->realm_len);
		for (int a = 0; a < DIGEST__NALG; a++) {
			uint32_t b;

			if (digest_hash(a, parts, 2, lk->uhash[a]))
				return -EIO;
			memcpy(&b, lk->uhash[a], sizeof(b));
			b &= db->nbucket - 1;
			lk->hnext[a] = db->hbucket[a][b];
			db->hbucket[a][b] = (int32_t)i;
		}
	}
	return 0;
}

int users_parse(const char *name, const char *text, size_t len,
		struct users **out, char *errbuf, size_t errlen)
{
	struct users *db = calloc(1, sizeof(*db));
	int ret;

	if (errlen)
		errbuf[0] = '\0';
	if (!db)
		return -ENOMEM;
	ret = rehash(db);
	if (!ret)
		ret = parse_text(db, name, text, len, errbuf, errlen);
	if (!ret)
		ret = finish(db);
	if (ret) {
		if (errlen && !errbuf[0])
			snprintf(errbuf, errlen, "%s: %s", name,
				 strerror(-ret));
		users_free(db);
		return ret;
	}
	*out = db;
	return 0;
}

static int read_all(int fd, const struct stat *st, char **buf, size_t *len)
{
	size_t cap = (size_t)st->st_size + 1, n = 0;
	ssize_t r;

	*len = 0;
	if (st->st_size > (off_t)USERS_MAX_FILE)
		return -EFBIG;
	*buf = malloc(cap);
	if (!*buf)
		return -ENOMEM;
	/* a file that grows while read is cut at its size from fstat() */
	while (n < cap - 1 && (r = read(fd, *buf + n, cap - 1 - n)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		n += (size_t)r;
		*len = n;
	}
	return 0;
}

int users_load(const char *path, struct users **db, char *errbuf, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	struct stat st;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		ret = -errno;
	else if (fstat(fd, &st))
		ret = -errno;
	else if (!S_ISREG(st.st_mode))
		ret = -EINVAL;
	else
		ret = read_all(fd, &st, &buf, &len);
	if (fd >= 0)
		close(fd);
	if (ret) {
		if (errlen)
			snprintf(errbuf, errlen, "%s: %s", path,
				 strerror(-ret));
	} else {
		ret = users_parse(path, buf, len, db, errbuf, errlen);
	}
	if (buf) {
		/* the text may hold plain passwords */
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	if (!ret)
		(*db)->mode = st.st_mode & 07777;
	return ret;
}

void users_free(struct users *db)
{
	if (!db)
		return;
	if (db->u)
		OPENSSL_cleanse(db->u, db->cap * sizeof(*db->u));
	free(db->u);
	free(db->link);
	free(db->bucket);
	for (int a = 0; a < DIGEST__NALG; a++)
		free(db->hbucket[a]);
	free(db->arena);
	free(db);
}

const struct user *users_find(const struct users *db, struct sip_str name,
			      struct sip_str realm)
{
	int32_t i = find_idx(db, name, realm);

	return i < 0 ? NULL : &db->u[i];
}

const struct user *users_find_hash(const struct users *db, enum digest_alg alg,
				   const uint8_t *hash, struct sip_str realm)
{
	size_t len;
	uint32_t b;
	int32_t i;

	if ((unsigned)alg >= DIGEST__NALG || !db->hbucket[alg])
		return NULL;
	len = digest_alg_len(alg);
	memcpy(&b, hash, sizeof(b));
	i = db->hbucket[alg][b & (db->nbucket - 1)];
	for (; i >= 0; i = db->link[i].hnext[alg])
		if (!memcmp(db->link[i].uhash[alg], hash, len) &&
		    sip_str_eq(realm_of(db, i), realm))
			return &db->u[i];
	return NULL;
}

size_t users_count(const struct users *db)
{
	return db->n;
}

mode_t users_mode_warning(const struct users *db)
{
	mode_t perm = db->mode & 0777;

	return (perm & ~(mode_t)0640) ? perm : 0;
}
