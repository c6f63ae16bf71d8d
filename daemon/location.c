// SPDX-License-Identifier: GPL-2.0
/*
 * The location service: an in-memory hash of AOR records, each holding its
 * bindings, written through to SQLite.
 *
 * Ordering: a change reaches the database (one transaction) before memory,
 * and everything that can fail in memory (allocations) is done before the
 * transaction, so memory never holds what the database does not.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "location.h"

#define SCHEMA_VERSION 1
#define INITIAL_BUCKETS 64

struct entry {
	struct binding b; /* first: a binding pointer is its entry's */
	struct entry *next;
	int64_t id; /* database rowid */
	char text[]; /* the strings b points to */
};

struct aor_rec {
	struct aor_rec *next;
	struct entry *head;
	uint32_t hash;
	char aor[];
};

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_INSERT,
	ST_UPDATE,
	ST_DELETE,
	ST_PURGE_AOR,
	ST_EXPIRE,
	ST__COUNT
};

struct location {
	sqlite3 *db;
	sqlite3_stmt *st[ST__COUNT];
	struct aor_rec **tab;
	uint32_t mask; /* buckets - 1; a power of two */
	size_t naors;
	size_t count;
	uint64_t seq;
	char *name; /* the file, for error messages */
	char err[512];
};

/* The binding columns, in the order bind_binding() and row_binding() use. */
#define COLS                                                     \
	"aor, contact, q, expires_at, call_id, cseq, instance, " \
	"reg_id, path, transport, ip, port, nated, user_agent, seq"
#define NCOLS 15

static const char *const sql[ST__COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_INSERT] =
		"INSERT INTO binding (" COLS ") VALUES "
		"(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
		"?14, ?15)",
	[ST_UPDATE] =
		"UPDATE binding SET aor = ?1, contact = ?2, q = ?3, "
		"expires_at = ?4, call_id = ?5, cseq = ?6, instance = ?7, "
		"reg_id = ?8, path = ?9, transport = ?10, ip = ?11, "
		"port = ?12, nated = ?13, user_agent = ?14, seq = ?15 "
		"WHERE id = ?16",
	[ST_DELETE] = "DELETE FROM binding WHERE id = ?1",
	[ST_PURGE_AOR] =
		"DELETE FROM binding WHERE aor = ?1 AND expires_at <= ?2",
	[ST_EXPIRE] = "DELETE FROM binding WHERE expires_at <= ?1",
};

static const char schema[] =
	"CREATE TABLE binding ("
	" id INTEGER PRIMARY KEY,"
	" aor TEXT NOT NULL, contact TEXT NOT NULL, q INTEGER NOT NULL,"
	" expires_at INTEGER NOT NULL, call_id TEXT NOT NULL,"
	" cseq INTEGER NOT NULL, instance TEXT, reg_id INTEGER NOT NULL,"
	" path TEXT, transport INTEGER NOT NULL, ip TEXT NOT NULL,"
	" port INTEGER NOT NULL, nated INTEGER NOT NULL, user_agent TEXT,"
	" seq INTEGER NOT NULL);"
	"CREATE INDEX binding_aor ON binding (aor);"
	"CREATE INDEX binding_expires ON binding (expires_at);"
	"PRAGMA user_version = 1;";

const char *loc_transport_name(int transport)
{
	static const char *const names[] = { "udp", "tcp", "tls" };

	if (transport < 0 || transport >= LOC__NTRANSPORT)
		return "?";
	return names[transport];
}

/* FNV-1a: AORs are short and attacker-chosen only after authentication. */
static uint32_t hash_aor(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h;
}

static struct aor_rec *aor_find(const struct location *loc, const char *aor,
				uint32_t h)
{
	struct aor_rec *ar = loc->tab[h & loc->mask];

	for (; ar; ar = ar->next)
		if (ar->hash == h && !strcmp(ar->aor, aor))
			return ar;
	return NULL;
}

static struct aor_rec *aor_alloc(const char *aor, uint32_t h)
{
	size_t len = strlen(aor) + 1;
	struct aor_rec *ar = malloc(sizeof(*ar) + len);

	if (!ar)
		return NULL;
	ar->next = NULL;
	ar->head = NULL;
	ar->hash = h;
	memcpy(ar->aor, aor, len);
	return ar;
}

/* A failed resize keeps the old table: chains just grow longer. */
static void tab_grow(struct location *loc)
{
	uint32_t n = (loc->mask + 1) * 2;
	struct aor_rec **tab = calloc(n, sizeof(*tab));

	if (!tab)
		return;
	for (uint32_t i = 0; i <= loc->mask; i++) {
		struct aor_rec *ar, *next;

		for (ar = loc->tab[i]; ar; ar = next) {
			next = ar->next;
			ar->next = tab[ar->hash & (n - 1)];
			tab[ar->hash & (n - 1)] = ar;
		}
	}
	free(loc->tab);
	loc->tab = tab;
	loc->mask = n - 1;
}

static void aor_link(struct location *loc, struct aor_rec *ar)
{
	struct aor_rec **slot = &loc->tab[ar->hash & loc->mask];

	ar->next = *slot;
	*slot = ar;
	if (++loc->naors > loc->mask + 1)
		tab_grow(loc);
}

static void aor_unlink(struct location *loc, struct aor_rec *ar)
{
	struct aor_rec **pp = &loc->tab[ar->hash & loc->mask];

	while (*pp != ar)
		pp = &(*pp)->next;
	*pp = ar->next;
	loc->naors--;
	free(ar);
}

static size_t opt_len(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *put_str(char **p, const char *s)
{
	const char *start = *p;
	size_t len;

	if (!s)
		return NULL;
	len = strlen(s) + 1;
	memcpy(*p, s, len);
	*p += len;
	return start;
}

/* One allocation per binding: the struct and all its strings. */
static struct entry *entry_new(const char *aor, const struct binding *src)
{
	size_t len = strlen(aor) + 1 + opt_len(src->contact) +
		     opt_len(src->call_id) + opt_len(src->instance) +
		     opt_len(src->path) + opt_len(src->user_agent);
	struct entry *e = malloc(sizeof(*e) + len);
	char *p;

	if (!e)
		return NULL;
	e->b = *src;
	e->next = NULL;
	e->id = 0;
	p = e->text;
	e->b.aor = put_str(&p, aor);
	e->b.contact = put_str(&p, src->contact ? src->contact : "");
	e->b.call_id = put_str(&p, src->call_id ? src->call_id : "");
	e->b.instance = put_str(&p, src->instance);
	e->b.path = put_str(&p, src->path);
	e->b.user_agent = put_str(&p, src->user_agent);
	return e;
}

static struct entry *entry_of(const struct binding *b)
{
	/* b is the first member of its entry */
	return (struct entry *)b;
}

static void set_err(struct location *loc, const char *what)
{
	snprintf(loc->err, sizeof(loc->err), "%s: %s", loc->name,
		 what ? what : sqlite3_errmsg(loc->db));
}

/* Runs a statement that returns no rows, then readies it for reuse. */
static int run(struct location *loc, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		set_err(loc, NULL);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void bind_binding(sqlite3_stmt *st, const struct binding *b)
{
	sqlite3_bind_text(st, 1, b->aor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b->contact, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, b->q);
	sqlite3_bind_int64(st, 4, b->expires_at);
	sqlite3_bind_text(st, 5, b->call_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, b->cseq);
	bind_opt(st, 7, b->instance);
	sqlite3_bind_int(st, 8, b->reg_id);
	bind_opt(st, 9, b->path);
	sqlite3_bind_int(st, 10, b->received.transport);
	sqlite3_bind_text(st, 11, b->received.ip, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, b->received.port);
	sqlite3_bind_int(st, 13, b->nated);
	bind_opt(st, 14, b->user_agent);
	sqlite3_bind_int64(st, 15, (sqlite3_int64)b->seq);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Column 0 is the rowid; the binding columns follow in COLS order. */
static int row_binding(sqlite3_stmt *st, struct binding *b)
{
	int q = sqlite3_column_int(st, 3), tp = sqlite3_column_int(st, 10);
	int port = sqlite3_column_int(st, 12);
	const char *ip = col_text(st, 11);

	memset(b, 0, sizeof(*b));
	b->aor = col_text(st, 1);
	b->contact = col_text(st, 2);
	b->call_id = col_text(st, 5);
	if (!b->aor || !b->contact || !b->call_id || !ip ||
	    strlen(ip) >= LOC_IP_LEN || q < -1 || q > 1000 || tp < 0 ||
	    tp >= LOC__NTRANSPORT || port < 0 || port > 65535)
		return -EINVAL;
	b->q = q;
	b->expires_at = sqlite3_column_int64(st, 4);
	b->cseq = (uint32_t)sqlite3_column_int64(st, 6);
	b->instance = col_text(st, 7);
	b->reg_id = sqlite3_column_int(st, 8);
	b->path = col_text(st, 9);
	b->received.transport = tp;
	strcpy(b->received.ip, ip);
	b->received.port = port;
	b->nated = sqlite3_column_int(st, 13);
	b->user_agent = col_text(st, 14);
	b->seq = (uint64_t)sqlite3_column_int64(st, 15);
	return 0;
}

static int add_loaded(struct location *loc, const struct binding *b, int64_t id)
{
	uint32_t h = hash_aor(b->aor);
	struct aor_rec *ar = aor_find(loc, b->aor, h);
	struct entry *e = entry_new(b->aor, b);

	if (!e)
		return -ENOMEM;
	if (!ar) {
		ar = aor_alloc(b->aor, h);
		if (!ar) {
			free(e);
			return -ENOMEM;
		}
		aor_link(loc, ar);
	}
	e->id = id;
	e->next = ar->head;
	ar->head = e;
	loc->count++;
	if (b->seq > loc->seq)
		loc->seq = b->seq;
	return 0;
}

static int load(struct location *loc, time_t now)
{
	sqlite3_stmt *st;
	struct binding b;
	int rc = SQLITE_DONE, ret = 0;

	if (sqlite3_prepare_v2(loc->db,
			       "SELECT id, " COLS " FROM binding "
			       "WHERE expires_at > ?1 ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK) {
		set_err(loc, NULL);
		return -EIO;
	}
	sqlite3_bind_int64(st, 1, now);
	while (!ret && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		if (row_binding(st, &b)) {
			snprintf(loc->err, sizeof(loc->err),
				 "%s: binding %lld: bad value", loc->name,
				 (long long)id);
			ret = -EINVAL;
		} else if (add_loaded(loc, &b, id)) {
			set_err(loc, "out of memory");
			ret = -ENOMEM;
		}
	}
	if (!ret && rc != SQLITE_DONE) {
		set_err(loc, NULL);
		ret = -EIO;
	}
	sqlite3_finalize(st);
	return ret;
}

static int user_version(struct location *loc)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(loc->db, "PRAGMA user_version", -1, &st, NULL) !=
	    SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int exec(struct location *loc, const char *text)
{
	if (sqlite3_exec(loc->db, text, NULL, NULL, NULL) != SQLITE_OK) {
		set_err(loc, NULL);
		return -EIO;
	}
	return 0;
}

static int db_setup(struct location *loc)
{
	int v;

	/*
	 * WAL: a REGISTER's commit appends to the log without an fsync (with
	 * synchronous=NORMAL); a crash of the daemon loses nothing, a power
	 * cut at worst the last registrations, which the UAs refresh.
	 */
	if (exec(loc, "PRAGMA journal_mode = WAL") ||
	    exec(loc, "PRAGMA synchronous = NORMAL"))
		return -EIO;
	v = user_version(loc);
	if (v < 0) {
		set_err(loc, NULL);
		return -EIO;
	}
	if (v == 0 && exec(loc, schema))
		return -EIO;
	if (v > SCHEMA_VERSION) {
		snprintf(loc->err, sizeof(loc->err),
			 "%s: schema version %d is newer than this sipfpd's %d",
			 loc->name, v, SCHEMA_VERSION);
		return -EINVAL;
	}
	for (int i = 0; i < ST__COUNT; i++)
		if (sqlite3_prepare_v3(loc->db, sql[i], -1,
				       SQLITE_PREPARE_PERSISTENT, &loc->st[i],
				       NULL) != SQLITE_OK) {
			set_err(loc, NULL);
			return -EIO;
		}
	return 0;
}

static int db_open(struct location *loc, time_t now)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
		    SQLITE_OPEN_NOMUTEX;

	if (sqlite3_open_v2(loc->name, &loc->db, flags, NULL) != SQLITE_OK) {
		set_err(loc, loc->db ? NULL : "out of memory");
		return -EIO;
	}
	sqlite3_extended_result_codes(loc->db, 1);
	sqlite3_busy_timeout(loc->db, 1000);
	if (db_setup(loc))
		return -EIO;
	sqlite3_bind_int64(loc->st[ST_EXPIRE], 1, now);
	if (run(loc, loc->st[ST_EXPIRE]))
		return -EIO;
	return load(loc, now);
}

struct location *loc_open(const char *path, time_t now, char *err,
			  size_t errsize)
{
	struct location *loc = calloc(1, sizeof(*loc));

	if (!loc || !(loc->name = strdup(path ? path : ":memory:")) ||
	    !(loc->tab = calloc(INITIAL_BUCKETS, sizeof(*loc->tab)))) {
		snprintf(err, errsize, "%s: out of memory",
			 path ? path : ":memory:");
		loc_close(loc);
		return NULL;
	}
	loc->mask = INITIAL_BUCKETS - 1;
	if (db_open(loc, now)) {
		snprintf(err, errsize, "%s", loc->err);
		loc_close(loc);
		return NULL;
	}
	return loc;
}

static void free_aor(struct aor_rec *ar)
{
	struct entry *e, *next;

	for (e = ar->head; e; e = next) {
		next = e->next;
		free(e);
	}
	free(ar);
}

void loc_close(struct location *loc)
{
	if (!loc)
		return;
	for (int i = 0; i < ST__COUNT; i++)
		sqlite3_finalize(loc->st[i]);
	sqlite3_close(loc->db);
	for (uint32_t i = 0; loc->tab && i <= loc->mask; i++) {
		struct aor_rec *ar, *next;

		for (ar = loc->tab[i]; ar; ar = next) {
			next = ar->next;
			free_aor(ar);
		}
	}
	free(loc->tab);
	free(loc->name);
	free(loc);
}

static int q_rank(const struct binding *b)
{
	return b->q < 0 ? 1000 : b->q;
}

/* §16.6: higher q first; among equals, the freshest registration first. */
static bool before(const struct binding *a, const struct binding *b)
{
	if (q_rank(a) != q_rank(b))
		return q_rank(a) > q_rank(b);
	return a->seq > b->seq;
}

int loc_lookup(struct location *loc, const char *aor, time_t now,
	       const struct binding **out, int max)
{
	struct aor_rec *ar = aor_find(loc, aor, hash_aor(aor));
	int n = 0, kept = 0;

	for (struct entry *e = ar ? ar->head : NULL; e; e = e->next) {
		int i;

		if (e->b.expires_at <= now)
			continue;
		n++;
		/* insertion into the best @max seen so far */
		for (i = kept; i > 0 && before(&e->b, out[i - 1]); i--)
			if (i < max)
				out[i] = out[i - 1];
		if (i < max) {
			out[i] = &e->b;
			if (kept < max)
				kept++;
		}
	}
	return n;
}

static bool in_rec(const struct aor_rec *ar, const struct binding *b)
{
	for (const struct entry *e = ar ? ar->head : NULL; e; e = e->next)
		if (&e->b == b)
			return true;
	return false;
}

static int check_changes(const struct aor_rec *ar, const struct loc_change *ch,
			 int n)
{
	for (int i = 0; i < n; i++) {
		if (!ch[i].old && !ch[i].set)
			return -EINVAL;
		if (ch[i].old && !in_rec(ar, ch[i].old))
			return -EINVAL;
		for (int j = 0; ch[i].old && j < i; j++)
			if (ch[j].old == ch[i].old)
				return -EINVAL;
	}
	return 0;
}

static int db_change(struct location *loc, const struct loc_change *c,
		     struct entry *fresh)
{
	sqlite3_stmt *st;
	int ret;

	if (!fresh) {
		st = loc->st[ST_DELETE];
		sqlite3_bind_int64(st, 1, entry_of(c->old)->id);
		return run(loc, st);
	}
	st = loc->st[c->old ? ST_UPDATE : ST_INSERT];
	bind_binding(st, &fresh->b);
	if (c->old)
		sqlite3_bind_int64(st, 16, entry_of(c->old)->id);
	ret = run(loc, st);
	fresh->id = c->old ? entry_of(c->old)->id :
			     sqlite3_last_insert_rowid(loc->db);
	return ret;
}

static int db_apply(struct location *loc, const char *aor, time_t now,
		    const struct loc_change *ch, struct entry **fresh, int n)
{
	sqlite3_stmt *purge = loc->st[ST_PURGE_AOR];
	int ret = run(loc, loc->st[ST_BEGIN]);

	if (ret)
		return ret;
	for (int i = 0; !ret && i < n; i++)
		ret = db_change(loc, &ch[i], fresh[i]);
	if (!ret) {
		sqlite3_bind_text(purge, 1, aor, -1, SQLITE_STATIC);
		sqlite3_bind_int64(purge, 2, now);
		ret = run(loc, purge);
	}
	if (!ret)
		ret = run(loc, loc->st[ST_COMMIT]);
	if (ret) {
		/* keeps the first error's text, not the rollback's */
		char keep[sizeof(loc->err)];

		memcpy(keep, loc->err, sizeof(keep));
		run(loc, loc->st[ST_ROLLBACK]);
		memcpy(loc->err, keep, sizeof(keep));
	}
	return ret;
}

static void unlink_entry(struct aor_rec *ar, struct entry *e)
{
	struct entry **pp = &ar->head;

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
}

static void mem_change(struct location *loc, struct aor_rec *ar,
		       const struct loc_change *c, struct entry *fresh)
{
	struct entry *old = c->old ? entry_of(c->old) : NULL;

	if (old) {
		unlink_entry(ar, old);
		free(old);
		loc->count--;
	}
	if (fresh) {
		fresh->next = ar->head;
		ar->head = fresh;
		loc->count++;
	}
}

/* Drops expired entries of @ar; returns how many. */
static int purge(struct location *loc, struct aor_rec *ar, time_t now)
{
	struct entry **pp = &ar->head;
	int n = 0;

	while (*pp) {
		struct entry *e = *pp;

		if (e->b.expires_at <= now) {
			*pp = e->next;
			free(e);
			n++;
		} else {
			pp = &e->next;
		}
	}
	loc->count -= n;
	return n;
}

static void free_fresh(struct entry **fresh, int n)
{
	for (int i = 0; i < n; i++)
		free(fresh[i]);
	free(fresh);
}

static int make_fresh(struct location *loc, const char *aor,
		      const struct loc_change *ch, int n, struct entry ***out)
{
	struct entry **fresh = calloc(n ? n : 1, sizeof(*fresh));

	if (!fresh)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		if (!ch[i].set)
			continue;
		fresh[i] = entry_new(aor, ch[i].set);
		if (!fresh[i]) {
			free_fresh(fresh, n);
			return -ENOMEM;
		}
		fresh[i]->b.seq = loc->seq + 1 + i;
	}
	*out = fresh;
	return 0;
}

int loc_apply(struct location *loc, const char *aor, time_t now,
	      const struct loc_change *ch, int n)
{
	uint32_t h = hash_aor(aor);
	struct aor_rec *ar = aor_find(loc, aor, h), *spare = NULL;
	struct entry **fresh;
	int ret = check_changes(ar, ch, n);

	if (ret)
		return ret;
	if (!ar && !(ar = spare = aor_alloc(aor, h)))
		return -ENOMEM;
	ret = make_fresh(loc, aor, ch, n, &fresh);
	if (ret) {
		free(spare);
		return ret;
	}
	ret = db_apply(loc, aor, now, ch, fresh, n);
	if (ret) {
		free_fresh(fresh, n);
		free(spare);
		return ret;
	}
	for (int i = 0; i < n; i++)
		mem_change(loc, ar, &ch[i], fresh[i]);
	free(fresh);
	loc->seq += n;
	purge(loc, ar, now);
	if (spare && ar->head)
		aor_link(loc, ar);
	else if (spare)
		free(ar);
	else if (!ar->head)
		aor_unlink(loc, ar);
	return 0;
}

int loc_expire(struct location *loc, time_t now)
{
	int n = 0;

	sqlite3_bind_int64(loc->st[ST_EXPIRE], 1, now);
	if (run(loc, loc->st[ST_EXPIRE]))
		return -EIO;
	for (uint32_t i = 0; i <= loc->mask; i++) {
		struct aor_rec *ar, *next;

		for (ar = loc->tab[i]; ar; ar = next) {
			next = ar->next;
			n += purge(loc, ar, now);
			if (!ar->head)
				aor_unlink(loc, ar);
		}
	}
	return n;
}

int loc_foreach(struct location *loc,
		int (*fn)(const struct binding *b, void *arg), void *arg)
{
	for (uint32_t i = 0; i <= loc->mask; i++)
		for (struct aor_rec *ar = loc->tab[i]; ar; ar = ar->next)
			for (struct entry *e = ar->head; e; e = e->next) {
				int ret = fn(&e->b, arg);

				if (ret)
					return ret;
			}
	return 0;
}

size_t loc_count(const struct location *loc)
{
	return loc->count;
}

const char *loc_error(const struct location *loc)
{
	return loc->err;
}

int loc_aor_make(const struct sip_uri *u, char *buf, size_t size)
{
	size_t n = 4;
	int len;

	if ((u->scheme != SIP_URI_SIP && u->scheme != SIP_URI_SIPS) ||
	    !u->user.len || !u->host.len)
		return -EINVAL;
	if (size < n + 1)
		return -ENOSPC;
	memcpy(buf, "sip:", 4);
	/* §10.3 step 5: escaped characters are compared unescaped */
	len = sip_unescape(buf + n, size - n, u->user);
	if (len < 0)
		return len;
	if (memchr(buf + n, '\0', len))
		return -EINVAL;
	n += len;
	if (n + 1 + u->host.len + 1 > size)
		return -ENOSPC;
	buf[n++] = '@';
	for (uint32_t i = 0; i < u->host.len; i++)
		buf[n++] = (char)tolower((unsigned char)u->host.s[i]);
	buf[n] = '\0';
	return (int)n;
}
