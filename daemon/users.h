/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The users file named by [auth] users_file: who may authenticate, in
 * which realm, with which secret.  One user per line:
 *
 *	username realm secret [secret...]
 *
 * where a secret is plain:<password>, md5:<32 hex HA1>,
 * sha256:<64 hex HA1> or sha512-256:<64 hex HA1>, HA1 being
 * H(username ":" realm ":" password) (RFC 7616 §3.4.2), so a site need not
 * store plaintext.  In all three fields %HH stands for an octet (a space
 * in a password is %20, a '%' is %25).  '#' starts a comment line; blank
 * lines are ignored.
 *
 * A plain password is hashed at load and then wiped: the table holds only
 * HA1s.  The table is read-only once loaded; a reload builds a new one
 * and the caller swaps them, so a bad file never replaces a good table.
 */
#ifndef SIPFP_USERS_H
#define SIPFP_USERS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "digest.h"
#include "sip/str.h"

#define USERS_MAX_NAME 255 /* octets in a username or realm, decoded */
#define USERS_MAX_LINE 4096

struct user {
	const char *name; /* NUL-terminated, decoded */
	const char *realm;
	uint32_t name_len;
	uint32_t realm_len;
	unsigned algs; /* DIGEST_ALG() bits with an HA1 below */
	uint8_t ha1[DIGEST__NALG][DIGEST_MAX_LEN];
};

struct users;

/**
 * users_load() - read a users file into a new table
 * @path: the file
 * @db: the new table, on success
 * @errbuf: on failure, "PATH:LINE: what" (or "PATH: strerror"); never
 *	    quotes a secret
 * @errlen: its size
 *
 * Return: 0, or a negative errno (-EBADMSG for a syntax error).
 */
int users_load(const char *path, struct users **db, char *errbuf,
	       size_t errlen);

/**
 * users_parse() - users_load() from text in memory
 * @name: the file name errors start with
 * @text: the file's contents (need not be NUL-terminated)
 * @len: its length
 * @db: the new table, on success
 * @errbuf: on failure, "NAME:LINE: what"
 * @errlen: its size
 *
 * Return: 0, or -EBADMSG, -ENOMEM, -EIO (OpenSSL failed).
 */
int users_parse(const char *name, const char *text, size_t len,
		struct users **db, char *errbuf, size_t errlen);

/**
 * users_free() - free a table (NULL is fine)
 * @db: the table
 */
void users_free(struct users *db);

/**
 * users_find() - look a user up, O(1) on average
 * @db: the table
 * @name: the username, decoded (no quotes or escapes), case-sensitive
 * @realm: the realm, case-sensitive
 *
 * Return: the user, or NULL.
 */
const struct user *users_find(const struct users *db, struct sip_str name,
			      struct sip_str realm);

/**
 * users_find_hash() - look a user up by userhash (RFC 7616 §3.4.4)
 * @db: the table
 * @alg: the hash the userhash was made with
 * @hash: H(username ":" realm), digest_alg_len(@alg) bytes
 * @realm: the realm the user must be in
 *
 * Return: the user, or NULL.
 */
const struct user *users_find_hash(const struct users *db, enum digest_alg alg,
				   const uint8_t *hash, struct sip_str realm);

/**
 * users_count() - users in a table
 * @db: the table
 *
 * Return: how many lines named a user.
 */
size_t users_count(const struct users *db);

/**
 * users_mode_warning() - whether the file was readable by too many
 * @db: a table from users_load()
 *
 * The file holds secrets: anything beyond 0640 (group write, any access
 * for others, execute) is worth a warning, which the caller logs.
 *
 * Return: the file's permission bits when they are wider than 0640, else 0.
 */
mode_t users_mode_warning(const struct users *db);

#endif
