// SPDX-License-Identifier: GPL-2.0
/*
 * Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): challenges,
 * stateless nonces, and the check of credentials.  See digest.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "digest.h"
#include "sip/msg.h"
#include "users.h"

#define KEY_LEN 32
#define TS_LEN 8
#define RAND_LEN 12
/* HMAC-SHA256 cut to 128 bits: enough against forgery (RFC 2104 §5) */
#define MAC_LEN 16
#define NONCE_RAW (TS_LEN + RAND_LEN + MAC_LEN)
#define NONCE_LEN (NONCE_RAW / 3 * 4) /* base64url, no padding */
#define MAX_REALM 255
#define MAX_CNONCE 256

struct nc_entry {
	uint8_t key[RAND_LEN];
	uint32_t nc;
	uint64_t ts;
	int32_t next;
};

/*
 * Highest nonce-count seen per nonce, for nonces first used most
 * recently.  A ring in order of first use (the oldest is evicted when it
 * is full) with hash chains over it.  A nonce issued no later than the
 * newest evicted one may have been evicted: it is not trusted as new.
 */
struct nc_table {
	struct nc_entry *e;
	int32_t *bucket;
	uint32_t cap;
	uint32_t mask; /* buckets - 1 */
	uint32_t head; /* oldest entry */
	uint32_t count;
	bool evicted;
	uint64_t evicted_ts;
};

struct digest_ctx {
	char realm[MAX_REALM + 1];
	uint32_t realm_len;
	uint8_t key[KEY_LEN];
	char opaque[17];
	uint64_t ttl_ms;
	unsigned algs;
	struct nc_table nc;
};

static const struct {
	const char *name; /* RFC 7616 §6.1 */
	const char *ossl; /* OpenSSL's */
	size_t len;
} algs[DIGEST__NALG] = {
	[DIGEST_SHA512_256] = { "SHA-512-256", "SHA2-512/256", 32 },
	[DIGEST_SHA256] = { "SHA-256", "SHA2-256", 32 },
	[DIGEST_MD5] = { "MD5", "MD5", 16 },
};

const char *digest_alg_name(enum digest_alg alg)
{
	return (unsigned)alg < DIGEST__NALG ? algs[alg].name : "?";
}

size_t digest_alg_len(enum digest_alg alg)
{
	return (unsigned)alg < DIGEST__NALG ? algs[alg].len : 0;
}

int digest_alg_parse(struct sip_str s, enum digest_alg *alg, bool *sess)
{
	static const char suffix[] = "-sess";
	size_t sl = sizeof(suffix) - 1;

	*sess = s.len > sl && !strncasecmp(s.s + s.len - sl, suffix, sl);
	if (*sess)
		s.len -= sl;
	if (!s.len && !*sess) {
		*alg = DIGEST_MD5;
		return 0;
	}
	for (int a = 0; a < DIGEST__NALG; a++) {
		if (sip_str_caseeq_lit(s, algs[a].name)) {
			*alg = a;
			return 0;
		}
	}
	return -EINVAL;
}

/*
 * Fetched once: an implicit fetch on every EVP_DigestInit_ex() costs more
 * than hashing a SIP digest's few dozen bytes.  sipfpd is single-threaded.
 */
static EVP_MD *md_cache[DIGEST__NALG];
static EVP_MD_CTX *md_ctx;

static const EVP_MD *md_get(enum digest_alg alg)
{
	if (!md_cache[alg])
		md_cache[alg] = EVP_MD_fetch(NULL, algs[alg].ossl, NULL);
	return md_cache[alg];
}

int digest_hash(enum digest_alg alg, const struct sip_str *parts,
		unsigned nparts, uint8_t *md)
{
	const EVP_MD *m;
	bool ok;

	if ((unsigned)alg >= DIGEST__NALG || !(m = md_get(alg)))
		return -EIO;
	if (!md_ctx && !(md_ctx = EVP_MD_CTX_new()))
		return -EIO;
	ok = EVP_DigestInit_ex(md_ctx, m, NULL);
	for (unsigned i = 0; ok && i < nparts; i++) {
		if (i)
			ok = EVP_DigestUpdate(md_ctx, ":", 1);
		if (ok && parts[i].len)
			ok = EVP_DigestUpdate(md_ctx, parts[i].s, parts[i].len);
	}
	if (ok)
		ok = EVP_DigestFinal_ex(md_ctx, md, NULL);
	return ok ? 0 : -EIO;
}

static void hex(char *out, const uint8_t *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* ---- base64url (RFC 4648 §5), whole 3-octet groups only ---- */

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64_encode(char *out, const uint8_t *in, size_t len)
{
	for (size_t i = 0; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | in[i + 1] << 8 | in[i + 2];

		*out++ = b64[v >> 18];
		*out++ = b64[(v >> 12) & 63];
		*out++ = b64[(v >> 6) & 63];
		*out++ = b64[v & 63];
	}
	*out = '\0';
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? (int)(p - b64) : -1;
}

static int b64_decode(uint8_t *out, const char *in, size_t len)
{
	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t v = 0;

		for (int j = 0; j < 4; j++) {
			int d = b64_val(in[i + j]);

			if (d < 0)
				return -EINVAL;
			v = v << 6 | (uint32_t)d;
		}
		*out++ = (uint8_t)(v >> 16);
		*out++ = (uint8_t)(v >> 8);
		*out++ = (uint8_t)v;
	}
	return 0;
}

/* ---- nonces ---- */

static int nonce_mac(const struct digest_ctx *ctx, const uint8_t *raw,
		     uint8_t *mac)
{
	uint8_t data[TS_LEN + RAND_LEN + MAX_REALM];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	memcpy(data, raw, TS_LEN + RAND_LEN);
	memcpy(data + TS_LEN + RAND_LEN, ctx->realm, ctx->realm_len);
	if (!HMAC(EVP_sha256(), ctx->key, KEY_LEN, data,
		  TS_LEN + RAND_LEN + ctx->realm_len, md, &mdlen) ||
	    mdlen < MAC_LEN)
		return -EIO;
	memcpy(mac, md, MAC_LEN);
	return 0;
}

static int nonce_make(const struct digest_ctx *ctx, uint64_t now_ms, char *out)
{
	uint8_t raw[NONCE_RAW];

	/* big-endian, so a nonce shows its age to anyone decoding it */
	for (int i = 0; i < TS_LEN; i++)
		raw[i] = (uint8_t)(now_ms >> (8 * (TS_LEN - 1 - i)));
	if (RAND_bytes(raw + TS_LEN, RAND_LEN) != 1 ||
	    nonce_mac(ctx, raw, raw + TS_LEN + RAND_LEN))
		return -EIO;
	b64_encode(out, raw, NONCE_RAW);
	return 0;
}

enum nonce_state { NONCE_VALID, NONCE_EXPIRED, NONCE_FORGED };

struct nonce {
	enum nonce_state state;
	uint64_t ts;
	uint8_t rand[RAND_LEN];
};

static void nonce_check(const struct digest_ctx *ctx, struct sip_str s,
			uint64_t now_ms, struct nonce *n)
{
	uint8_t raw[NONCE_RAW], mac[MAC_LEN];

	n->state = NONCE_FORGED;
	if (s.len != NONCE_LEN || b64_decode(raw, s.s, s.len) ||
	    nonce_mac(ctx, raw, mac) ||
	    CRYPTO_memcmp(mac, raw + TS_LEN + RAND_LEN, MAC_LEN))
		return;
	n->ts = 0;
	for (int i = 0; i < TS_LEN; i++)
		n->ts = n->ts << 8 | raw[i];
	memcpy(n->rand, raw + TS_LEN, RAND_LEN);
	/* from the future: the clock restarted under a kept key */
	if (n->ts > now_ms || now_ms - n->ts > ctx->ttl_ms)
		n->state = NONCE_EXPIRED;
	else
		n->state = NONCE_VALID;
}

/* ---- nonce-count table ---- */

static int nc_init(struct nc_table *t, size_t slots)
{
	uint32_t nb = 1;

	if (!slots || slots > (1u << 24))
		return -EINVAL;
	while (nb < slots)
		nb <<= 1;
	t->e = calloc(slots, sizeof(*t->e));
	t->bucket = malloc(nb * sizeof(*t->bucket));
	if (!t->e || !t->bucket)
		return -ENOMEM;
	memset(t->bucket, 0xff, nb * sizeof(*t->bucket));
	t->cap = (uint32_t)slots;
	t->mask = nb - 1;
	return 0;
}

static uint32_t nc_bucket(const struct nc_table *t, const uint8_t *key)
{
	uint32_t h;

	/* the key is RAND_bytes output under a MAC we checked */
	memcpy(&h, key, sizeof(h));
	return h & t->mask;
}

static int32_t nc_find(const struct nc_table *t, const uint8_t *key)
{
	int32_t i = t->bucket[nc_bucket(t, key)];

	for (; i >= 0; i = t->e[i].next)
		if (!memcmp(t->e[i].key, key, RAND_LEN))
			return i;
	return -1;
}

static void nc_unlink(struct nc_table *t, uint32_t slot)
{
	int32_t *pp = &t->bucket[nc_bucket(t, t->e[slot].key)];

	while (*pp >= 0 && *pp != (int32_t)slot)
		pp = &t->e[*pp].next;
	if (*pp >= 0)
		*pp = t->e[slot].next;
}

static void nc_insert(struct nc_table *t, const struct nonce *n, uint32_t nc)
{
	uint32_t slot, b;

	if (t->count == t->cap) {
		slot = t->head;
		nc_unlink(t, slot);
		if (!t->evicted || t->e[slot].ts > t->evicted_ts)
			t->evicted_ts = t->e[slot].ts;
		t->evicted = true;
		t->head = (t->head + 1) % t->cap;
	} else {
		slot = (t->head + t->count) % t->cap;
		t->count++;
	}
	memcpy(t->e[slot].key, n->rand, RAND_LEN);
	t->e[slot].nc = nc;
	t->e[slot].ts = n->ts;
	b = nc_bucket(t, n->rand);
	t->e[slot].next = t->bucket[b];
	t->bucket[b] = (int32_t)slot;
}

/* Return: DIGEST_OK (recorded), DIGEST_REPLAY or DIGEST_STALE_NONCE. */
static enum digest_outcome nc_use(struct nc_table *t, const struct nonce *n,
				  uint32_t nc)
{
	int32_t i = nc_find(t, n->rand);

	if (i >= 0) {
		if (nc <= t->e[i].nc)
			return DIGEST_REPLAY;
		t->e[i].nc = nc;
		return DIGEST_OK;
	}
	if (t->evicted && n->ts <= t->evicted_ts)
		return DIGEST_STALE_NONCE;
	nc_insert(t, n, nc);
	return DIGEST_OK;
}

/* ---- context ---- */

static bool realm_ok(const char *realm)
{
	size_t len = strlen(realm);

	if (!len || len > MAX_REALM)
		return false;
	for (size_t i = 0; i < len; i++)
		if (realm[i] < 0x20 || realm[i] == 0x7f || realm[i] == '"' ||
		    realm[i] == '\\')
			return false;
	return true;
}

static int set_opaque(struct digest_ctx *ctx)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	/* fixed per key; RFC 7616 §3.3 only asks that it come back as is */
	if (!HMAC(EVP_sha256(), ctx->key, KEY_LEN, (const uint8_t *)"opaque", 6,
		  md, &mdlen))
		return -EIO;
	hex(ctx->opaque, md, 8);
	return 0;
}

struct digest_ctx *digest_ctx_new(const char *realm, unsigned nonce_ttl,
				  unsigned algs_mask, size_t nc_slots)
{
	struct digest_ctx *ctx;
	int ret;

	if (!realm_ok(realm) || !nonce_ttl || !(algs_mask & DIGEST_ALGS_ALL) ||
	    (algs_mask & ~DIGEST_ALGS_ALL)) {
		errno = EINVAL;
		return NULL;
	}
	ctx = calloc(1, sizeof(*ctx));
	if (!ctx) {
		errno = ENOMEM;
		return NULL;
	}
	ctx->realm_len = (uint32_t)strlen(realm);
	memcpy(ctx->realm, realm, ctx->realm_len + 1);
	ctx->ttl_ms = (uint64_t)nonce_ttl * 1000;
	ctx->algs = algs_mask;
	ret = nc_init(&ctx->nc, nc_slots ? nc_slots : DIGEST_NC_SLOTS);
	if (!ret && RAND_bytes(ctx->key, KEY_LEN) != 1)
		ret = -EIO;
	if (!ret)
		ret = set_opaque(ctx);
	if (ret) {
		digest_ctx_free(ctx);
		errno = -ret;
		return NULL;
	}
	return ctx;
}

void digest_ctx_free(struct digest_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->nc.e);
	free(ctx->nc.bucket);
	OPENSSL_cleanse(ctx->key, KEY_LEN);
	free(ctx);
}

int digest_ctx_set_key(struct digest_ctx *ctx, const void *key, size_t len)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (len < 16)
		return -EINVAL;
	/* any length in, KEY_LEN out */
	if (!EVP_Digest(key, len, md, &mdlen, EVP_sha256(), NULL) ||
	    mdlen != KEY_LEN)
		return -EIO;
	memcpy(ctx->key, md, KEY_LEN);
	OPENSSL_cleanse(md, sizeof(md));
	return set_opaque(ctx);
}

const char *digest_ctx_realm(const struct digest_ctx *ctx)
{
	return ctx->realm;
}

/* ---- challenges ---- */

ssize_t digest_challenge_algs(struct digest_ctx *ctx, uint64_t now_ms,
			      bool proxy, bool stale, unsigned mask, char *out,
			      size_t size)
{
	char nonce[NONCE_LEN + 1];
	size_t len = 0;
	int n;

	if (!size)
		return -ENOSPC;
	out[0] = '\0';
	mask &= ctx->algs;
	if (!mask)
		mask = ctx->algs;
	if (nonce_make(ctx, now_ms, nonce))
		return -EIO;
	for (int a = 0; a < DIGEST__NALG; a++) {
		if (!(mask & DIGEST_ALG(a)))
			continue;
		n = snprintf(out + len, size - len,
			     "%s: Digest realm=\"%s\", nonce=\"%s\", "
			     "opaque=\"%s\", algorithm=%s, qop=\"auth\"%s\r\n",
			     proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
			     ctx->realm, nonce, ctx->opaque, algs[a].name,
			     stale ? ", stale=true" : "");
		if (n < 0 || (size_t)n >= size - len) {
			out[0] = '\0';
			return -ENOSPC;
		}
		len += (size_t)n;
	}
	return (ssize_t)len;
}

ssize_t digest_challenge(struct digest_ctx *ctx, uint64_t now_ms, bool proxy,
			 bool stale, char *out, size_t size)
{
	return digest_challenge_algs(ctx, now_ms, proxy, stale, ctx->algs, out,
				     size);
}

/* ---- verification ---- */

/* The credentials of one request, as the checks go along. */
struct creds {
	struct sip_auth a;
	enum digest_alg alg;
	bool sess;
	uint32_t nc;
};

static int find_creds(const struct digest_ctx *ctx, const struct sip_msg *req,
		      bool proxy, struct creds *c)
{
	enum sip_hdr_id id = proxy ? SIP_H_PROXY_AUTHORIZATION :
				     SIP_H_AUTHORIZATION;
	struct sip_str realm = sip_str_make(ctx->realm, ctx->realm_len);
	bool bad = false;

	for (int i = req->first[id]; i >= 0; i = req->hdr[i].next) {
		const struct sip_hdr *h = &req->hdr[i];

		if (h->flags & SIP_HDR_DELETED)
			continue;
		if (sip_auth_parse(&c->a,
				   (h->flags & SIP_HDR_REPLACED) ? h->newval :
								   h->value,
				   NULL)) {
			bad = true;
			continue;
		}
		if (sip_str_caseeq_lit(c->a.scheme, "Digest") &&
		    sip_str_eq(c->a.realm, realm))
			return i;
	}
	return bad ? -EBADMSG : -ENOENT;
}

/* A hex digit's value; callers check is_hex() first. */
static uint32_t xdigit(char c)
{
	return c <= '9' ? (uint32_t)(c - '0') :
			  (uint32_t)((c | 0x20) - 'a' + 10);
}

/* Exactly @len hex digits (either case: LHEX is lower, UAs vary). */
static bool is_hex(struct sip_str s, uint32_t len)
{
	if (s.len != len)
		return false;
	for (uint32_t i = 0; i < len; i++)
		if (!((s.s[i] >= '0' && s.s[i] <= '9') ||
		      ((s.s[i] | 0x20) >= 'a' && (s.s[i] | 0x20) <= 'f')))
			return false;
	return true;
}

static enum digest_outcome bad_request(struct digest_result *res,
				       const char *why)
{
	res->why = why;
	return DIGEST_BAD_REQUEST;
}

/* Directives present and well-formed (RFC 7616 §3.4, RFC 3261 §25.1). */
static enum digest_outcome check_syntax(struct creds *c,
					struct digest_result *res)
{
	const struct sip_auth *a = &c->a;

	if (!a->username.len)
		return bad_request(res, "credentials without username");
	if (!a->nonce.len)
		return bad_request(res, "credentials without nonce");
	if (!a->uri.len)
		return bad_request(res, "credentials without uri");
	if (!a->response.len)
		return bad_request(res, "credentials without response");
	if (!a->qop.len)
		return DIGEST_OK;
	if (!sip_str_caseeq_lit(a->qop, "auth"))
		return bad_request(res, "credentials with a qop not offered");
	if (!is_hex(a->nc, 8))
		return bad_request(res, "credentials with a bad nc");
	c->nc = 0;
	for (int i = 0; i < 8; i++)
		c->nc = c->nc << 4 | xdigit(a->nc.s[i]);
	if (!c->nc)
		return bad_request(res, "credentials with a bad nc");
	if (!a->cnonce.len || a->cnonce.len > MAX_CNONCE)
		return bad_request(res, "credentials with a bad cnonce");
	return DIGEST_OK;
}

static enum digest_outcome check_alg(const struct digest_ctx *ctx,
				     struct creds *c, struct digest_result *res)
{
	if (digest_alg_parse(c->a.algorithm, &c->alg, &c->sess) ||
	    !(ctx->algs & DIGEST_ALG(c->alg))) {
		res->algs = ctx->algs;
		res->why = "algorithm not offered";
		return DIGEST_BAD_ALGORITHM;
	}
	/* RFC 7616 §3.4.2: the -sess HA1 takes the client's cnonce */
	if (c->sess && !c->a.cnonce.len)
		return bad_request(res, "-sess credentials without cnonce");
	return DIGEST_OK;
}

static enum digest_outcome check_uri(const struct creds *c,
				     const struct sip_msg *req,
				     struct digest_result *res)
{
	struct sip_uri u;

	if (sip_uri_parse(&u, c->a.uri.s, c->a.uri.len, NULL))
		return bad_request(res, "credentials with a bad uri");
	/*
	 * §22.4 wants the digest for this request's Request-URI, so that a
	 * replay cannot be pointed elsewhere.  With qop the nonce-count
	 * already refuses every replay, and many UAs (SIPp among them) put
	 * the registrar's or proxy's address there: accept any SIP URI then.
	 * Without qop (RFC 2069) the uri is all that ties a replay down.
	 */
	if (c->a.qop.len)
		return DIGEST_OK;
	if (sip_uri_cmp(&u, &req->ruri))
		return bad_request(res, "credentials uri is not the "
					"Request-URI");
	return DIGEST_OK;
}

/* unq(username): drops the quoted-pair backslashes (RFC 3261 §25.1). */
static ssize_t unescape(char *out, size_t size, struct sip_str s)
{
	size_t n = 0;

	for (uint32_t i = 0; i < s.len; i++) {
		if (s.s[i] == '\\' && i + 1 < s.len)
			i++;
		if (n == size)
			return -1;
		out[n++] = s.s[i];
	}
	return (ssize_t)n;
}

static const struct user *lookup(const struct digest_ctx *ctx,
				 const struct users *users,
				 const struct creds *c)
{
	struct sip_str realm = sip_str_make(ctx->realm, ctx->realm_len);
	uint8_t hash[DIGEST_MAX_LEN];
	char name[USERS_MAX_NAME];
	size_t hl = digest_alg_len(c->alg);
	ssize_t n;

	if (!c->a.userhash) {
		n = unescape(name, sizeof(name), c->a.username);
		if (n < 0)
			return NULL;
		return users_find(users, sip_str_make(name, n), realm);
	}
	/* RFC 7616 §3.4.4: username is hex H(username ":" realm) */
	if (!is_hex(c->a.username, 2 * hl))
		return NULL;
	for (size_t i = 0; i < hl; i++)
		hash[i] = (uint8_t)(xdigit(c->a.username.s[2 * i]) << 4 |
				    xdigit(c->a.username.s[2 * i + 1]));
	return users_find_hash(users, c->alg, hash, realm);
}

int digest_response(const struct digest_input *in, char *out)
{
	size_t hl = digest_alg_len(in->alg);
	char ha1[2 * DIGEST_MAX_LEN + 1], ha2[2 * DIGEST_MAX_LEN + 1];
	uint8_t md[DIGEST_MAX_LEN];
	struct sip_str p[6];
	int ret;

	if (!hl)
		return -EINVAL;
	hex(ha1, in->ha1, hl);
	if (in->sess) {
		p[0] = sip_str_make(ha1, 2 * hl);
		p[1] = in->nonce;
		p[2] = in->cnonce;
		if ((ret = digest_hash(in->alg, p, 3, md)))
			goto out;
		hex(ha1, md, hl);
	}
	p[0] = in->method;
	p[1] = in->uri;
	if ((ret = digest_hash(in->alg, p, 2, md)))
		goto out;
	hex(ha2, md, hl);
	p[0] = sip_str_make(ha1, 2 * hl);
	p[1] = in->nonce;
	if (in->qop.len) {
		p[2] = in->nc;
		p[3] = in->cnonce;
		p[4] = in->qop;
		p[5] = sip_str_make(ha2, 2 * hl);
		ret = digest_hash(in->alg, p, 6, md);
	} else {
		p[2] = sip_str_make(ha2, 2 * hl);
		ret = digest_hash(in->alg, p, 3, md);
	}
	if (!ret)
		hex(out, md, hl);
out:
	/* HA1 opens every nonce of this realm: do not leave it around */
	OPENSSL_cleanse(ha1, sizeof(ha1));
	OPENSSL_cleanse(md, sizeof(md));
	return ret;
}

static int expected(const struct creds *c, const struct user *u,
		    const struct sip_msg *req, char *out)
{
	const struct digest_input in = {
		.alg = c->alg,
		.sess = c->sess,
		.ha1 = u->ha1[c->alg],
		.method = req->method_s,
		.uri = c->a.uri,
		.nonce = c->a.nonce,
		.nc = c->a.nc,
		.cnonce = c->a.cnonce,
		.qop = c->a.qop,
	};

	return digest_response(&in, out);
}

static bool response_ok(const struct creds *c, const char *want, size_t len)
{
	char got[2 * DIGEST_MAX_LEN];

	if (c->a.response.len != len)
		return false;
	for (size_t i = 0; i < len; i++)
		got[i] = (char)(c->a.response.s[i] | 0x20);
	return !CRYPTO_memcmp(got, want, len);
}

static enum digest_outcome
check_user(struct digest_ctx *ctx, const struct users *users, struct creds *c,
	   const struct sip_msg *req, uint64_t now_ms,
	   struct digest_result *res)
{
	char want[2 * DIGEST_MAX_LEN + 1];
	size_t hl = digest_alg_len(c->alg);
	const struct user *u = lookup(ctx, users, c);
	struct nonce n;
	bool ok;

	if (!u)
		return DIGEST_UNKNOWN_USER;
	res->user = u;
	res->username = u->name;
	if (!(u->algs & DIGEST_ALG(c->alg))) {
		res->algs = u->algs & ctx->algs;
		res->why = "no secret for this algorithm";
		return DIGEST_BAD_ALGORITHM;
	}
	if (!is_hex(c->a.response, 2 * hl))
		return bad_request(res, "credentials with a bad response");
	if (expected(c, u, req, want))
		return bad_request(res, "hash failed");
	ok = response_ok(c, want, 2 * hl);
	OPENSSL_cleanse(want, sizeof(want));
	nonce_check(ctx, c->a.nonce, now_ms, &n);
	if (!ok)
		return n.state == NONCE_FORGED ? DIGEST_BAD_NONCE :
						 DIGEST_BAD_RESPONSE;
	/* RFC 7616 §3.3: stale when the client shows it knows the secret */
	if (n.state != NONCE_VALID)
		return DIGEST_STALE_NONCE;
	if (!c->a.qop.len)
		return DIGEST_OK;
	return nc_use(&ctx->nc, &n, c->nc);
}

enum digest_outcome digest_verify(struct digest_ctx *ctx,
				  const struct users *users,
				  const struct sip_msg *req, bool proxy,
				  uint64_t now_ms, struct digest_result *res)
{
	struct creds c = { 0 };
	enum digest_outcome o;

	memset(res, 0, sizeof(*res));
	res->hdr = find_creds(ctx, req, proxy, &c);
	if (res->hdr == -ENOENT) {
		o = DIGEST_NO_CREDENTIALS;
	} else if (res->hdr < 0) {
		o = bad_request(res, "unparsable credentials");
	} else if ((o = check_syntax(&c, res)) != DIGEST_OK) {
		;
	} else if ((o = check_alg(ctx, &c, res)) != DIGEST_OK) {
		;
	} else if ((o = check_uri(&c, req, res)) == DIGEST_OK) {
		res->alg = c.alg;
		res->sess = c.sess;
		o = check_user(ctx, users, &c, req, now_ms, res);
	}
	if (res->hdr < 0)
		res->hdr = -1;
	if (o != DIGEST_OK && !res->why)
		res->why = digest_outcome_name(o);
	res->outcome = o;
	return o;
}

int digest_status(enum digest_outcome outcome, bool proxy, bool *stale)
{
	*stale = outcome == DIGEST_STALE_NONCE || outcome == DIGEST_REPLAY;
	if (outcome == DIGEST_OK)
		return 0;
	if (outcome == DIGEST_BAD_REQUEST)
		return 400;
	return proxy ? 407 : 401;
}

const char *digest_outcome_name(enum digest_outcome outcome)
{
	static const char *const names[DIGEST__NOUTCOME] = {
		[DIGEST_OK] = "ok",
		[DIGEST_NO_CREDENTIALS] = "no-credentials",
		[DIGEST_UNKNOWN_USER] = "unknown-user",
		[DIGEST_BAD_RESPONSE] = "bad-response",
		[DIGEST_STALE_NONCE] = "stale-nonce",
		[DIGEST_BAD_NONCE] = "bad-nonce",
		[DIGEST_REPLAY] = "replay",
		[DIGEST_BAD_ALGORITHM] = "bad-algorithm",
		[DIGEST_BAD_REQUEST] = "bad-request",
	};

	return (unsigned)outcome < DIGEST__NOUTCOME ? names[outcome] : "?";
}
