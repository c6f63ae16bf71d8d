// SPDX-License-Identifier: GPL-2.0
/*
 * TLS over tcp.c's connections.  tcp.c owns the socket, the buffers and
 * the event registration; here OpenSSL reads and writes the socket, and
 * every "try again" becomes -EAGAIN with want_read or want_write set, so
 * the handshake is driven by the same readiness events as the data.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "stream.h"
#include "tls.h"

/*
 * TLS 1.2: ECDHE only (forward secrecy), AEAD only; TLS 1.3 keeps
 * OpenSSL's suites, which are all both.
 */
#define CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"
#define GROUPS "X25519:P-256:P-384"
#define SID_CTX "sipfpd"

struct tls_conn {
	SSL *ssl;
	bool up; /* handshake done */
	bool failed; /* fatal error: no close_notify after it */
	bool kick; /* want_write set only to come back for buffered input */
};

struct tls_name {
	union tp_addr addr;
	char host[CFG_NAME_MAX];
};

struct tls_stats tls_stats;

static SSL_CTX *srv_ctx, *cli_ctx;
static struct tls_name names[TLS_NAMES_MAX];
static unsigned int nnames, names_next;

/* The reason of the latest OpenSSL error, and a clean queue after. */
static const char *ssl_reason(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());

	ERR_clear_error();
	return r ? r : "unknown error";
}

/* OpenSSL's own errors for a missing file are vague: ask first. */
static int readable(const char *path, const char *what)
{
	FILE *f = fopen(path, "re");

	if (!f) {
		int err = errno;

		log_warn("%s: cannot read the %s", path, what);
		return -err;
	}
	fclose(f);
	return 0;
}

static int no_passphrase(char *buf, int size, int rw, void *arg)
{
	*(bool *)arg = true;
	return -1;
}

static void warn_expiry(SSL_CTX *ctx, const char *path)
{
	X509 *x = SSL_CTX_get0_certificate(ctx);
	const ASN1_TIME *end = x ? X509_get0_notAfter(x) : NULL;
	struct tm tm;
	char when[32] = "?";

	if (!end)
		return;
	if (ASN1_TIME_to_tm(end, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d", &tm);
	if (X509_cmp_current_time(end) < 0)
		log_warnx("%s: the certificate expired on %s", path, when);
	else if (X509_cmp_current_time(X509_get0_notBefore(x)) > 0)
		log_warnx("%s: the certificate is not valid yet", path);
	else
		log_debug("%s: certificate valid until %s", path, when);
}

static int load_key(SSL_CTX *ctx, const char *key, const char *cert)
{
	bool encrypted = false;
	struct stat st;
	EVP_PKEY *pk;
	BIO *b;
	int ret;

	ret = readable(key, "private key");
	if (ret)
		return ret;
	if (!stat(key, &st) && (st.st_mode & S_IROTH))
		log_warnx("%s: the private key is readable to every user", key);
	b = BIO_new_file(key, "r");
	pk = b ? PEM_read_bio_PrivateKey(b, NULL, no_passphrase, &encrypted) :
		 NULL;
	BIO_free(b);
	if (!pk) {
		log_warnx("%s: %s", key,
			  encrypted ? "the private key is encrypted" :
				      "not a PEM private key");
		ERR_clear_error();
		return -EINVAL;
	}
	ret = SSL_CTX_use_PrivateKey(ctx, pk) && SSL_CTX_check_private_key(ctx);
	EVP_PKEY_free(pk);
	if (!ret) {
		log_warnx("%s: not the key of the certificate in %s (%s)", key,
			  cert, ssl_reason());
		return -EINVAL;
	}
	return 0;
}

/* The certificate chain and its key, checked to belong together. */
static int load_pair(SSL_CTX *ctx, const struct config *cfg)
{
	int ret = readable(cfg->tls_cert, "certificate");

	if (ret)
		return ret;
	if (!SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert)) {
		log_warnx("%s: not a PEM certificate (%s)", cfg->tls_cert,
			  ssl_reason());
		return -EINVAL;
	}
	ret = load_key(ctx, cfg->tls_key, cfg->tls_cert);
	if (!ret)
		warn_expiry(ctx, cfg->tls_cert);
	return ret;
}

static int load_cas(SSL_CTX *ctx, const struct config *cfg)
{
	int ret;

	if (!*cfg->tls_ca_file) {
		SSL_CTX_set_default_verify_paths(ctx);
		ERR_clear_error();
		return 0;
	}
	ret = readable(cfg->tls_ca_file, "CA file");
	if (ret)
		return ret;
	if (!SSL_CTX_load_verify_locations(ctx, cfg->tls_ca_file, NULL)) {
		log_warnx("%s: not a PEM CA file (%s)", cfg->tls_ca_file,
			  ssl_reason());
		return -EINVAL;
	}
	return 0;
}

static SSL_CTX *ctx_new(const struct config *cfg, bool server)
{
	SSL_CTX *ctx =
		SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	int min = cfg->tls_min_version == 13 ? TLS1_3_VERSION : TLS1_2_VERSION;

	if (!ctx)
		return NULL;
	/*
	 * SIP frames by Content-Length, so a peer that closes without
	 * close_notify truncates nothing unnoticed; renegotiation only
	 * costs us CPU at a client's request.  tcp.c retries a write from
	 * its backlog buffer, which moves and may have grown since.
	 */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF |
					 SSL_OP_NO_RENEGOTIATION |
					 SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
				      SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
				      SSL_MODE_RELEASE_BUFFERS);
	if (!SSL_CTX_set_min_proto_version(ctx, min) ||
	    !SSL_CTX_set_cipher_list(ctx, CIPHERS) ||
	    !SSL_CTX_set1_groups_list(ctx, GROUPS) ||
	    !SSL_CTX_set_session_id_context(ctx, (const uint8_t *)SID_CTX,
					    sizeof(SID_CTX) - 1)) {
		log_warnx("TLS: %s", ssl_reason());
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static int server_new(const struct config *cfg, SSL_CTX **out)
{
	SSL_CTX *ctx = ctx_new(cfg, true);
	int ret;

	if (!ctx)
		return -ENOMEM;
	ret = load_pair(ctx, cfg);
	if (!ret && cfg->tls_verify_clients)
		ret = load_cas(ctx, cfg);
	if (ret) {
		SSL_CTX_free(ctx);
		return ret;
	}
	if (cfg->tls_verify_clients) {
		/* the CAs a client may pick its certificate by */
		SSL_CTX_set_client_CA_list(
			ctx, SSL_load_client_CA_file(cfg->tls_ca_file));
		SSL_CTX_set_verify(
			ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
			NULL);
	}
	*out = ctx;
	return 0;
}

/* The server's pair, for a server that asks for a client certificate. */
static int share_pair(SSL_CTX *ctx, SSL_CTX *srv)
{
	STACK_OF(X509) *chain = NULL;

	if (!srv)
		return 0;
	SSL_CTX_get0_chain_certs(srv, &chain);
	if (!SSL_CTX_use_cert_and_key(ctx, SSL_CTX_get0_certificate(srv),
				      SSL_CTX_get0_privatekey(srv), chain, 1)) {
		log_warnx("TLS: client certificate: %s", ssl_reason());
		return -ENOMEM;
	}
	return 0;
}

static int client_new(const struct config *cfg, SSL_CTX *srv, SSL_CTX **out)
{
	SSL_CTX *ctx = ctx_new(cfg, false);
	int ret;

	if (!ctx)
		return -ENOMEM;
	ret = load_cas(ctx, cfg);
	if (!ret)
		ret = share_pair(ctx, srv);
	if (ret) {
		SSL_CTX_free(ctx);
		return ret;
	}
	SSL_CTX_set_verify(
		ctx, cfg->tls_verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
	*out = ctx;
	return 0;
}

static struct tls_name *name_of(const union tp_addr *a)
{
	for (unsigned int i = 0; i < nnames; i++)
		if (tp_addr_eq(&names[i].addr, a))
			return &names[i];
	return NULL;
}

int tls_peer_name(const union tp_addr *addr, const char *host)
{
	struct tls_name *n = name_of(addr);

	if (!host) {
		/* no family matches no address */
		if (n)
			n->addr.sa.sa_family = AF_UNSPEC;
		return 0;
	}
	if (!*host || strlen(host) >= sizeof(n->host))
		return -EINVAL;
	if (!n) {
		n = &names[names_next];
		names_next = (names_next + 1) % TLS_NAMES_MAX;
		if (nnames < TLS_NAMES_MAX)
			nnames++;
	}
	n->addr = *addr;
	strcpy(n->host, host);
	return 0;
}

static struct sip_peer conn_peer(const struct conn *c)
{
	struct sip_peer p = {
		.proto = c->proto,
		.conn_id = c->id,
		.addr = c->peer,
	};

	return p;
}

/* Client side: the name to send and to find in the certificate. */
static bool expect_name(SSL *ssl, const struct conn *c)
{
	const struct tls_name *n = name_of(&c->peer);
	X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);

	if (n)
		return SSL_set_tlsext_host_name(ssl, n->host) &&
		       SSL_set1_host(ssl, n->host);
	if (c->peer.sa.sa_family == AF_INET6)
		return X509_VERIFY_PARAM_set1_ip(
			vp, c->peer.sin6.sin6_addr.s6_addr, 16);
	return X509_VERIFY_PARAM_set1_ip(
		vp, (const uint8_t *)&c->peer.sin.sin_addr, 4);
}

static int tls_open(struct conn *c, bool server)
{
	SSL_CTX *ctx = server ? srv_ctx : cli_ctx;
	struct tls_conn *t;

	if (!ctx)
		return -EPROTONOSUPPORT;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	c->priv = t;
	t->ssl = SSL_new(ctx);
	if (!t->ssl || !SSL_set_fd(t->ssl, c->fd) ||
	    (!server && !expect_name(t->ssl, c))) {
		ERR_clear_error();
		return -ENOMEM;
	}
	if (server)
		SSL_set_accept_state(t->ssl);
	else
		SSL_set_connect_state(t->ssl);
	return 0;
}

static void handshake_done(struct conn *c, struct tls_conn *t)
{
	struct sip_peer p = conn_peer(c);
	char name[64];

	t->up = true;
	tls_stats.handshakes++;
	log_debug("%s: %s %s", tp_peer_str(&p, name, sizeof(name)),
		  SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
}

/*
 * A peer can make a handshake fail at will: every failure at debug
 * level, else rate-limited.
 */
static void handshake_failed(struct conn *c, struct tls_conn *t)
{
	long v = SSL_get_verify_result(t->ssl);
	struct sip_peer p = conn_peer(c);
	const char *why;
	char name[64];

	tls_stats.failed++;
	why = v != X509_V_OK ? X509_verify_cert_error_string(v) : ssl_reason();
	tp_peer_str(&p, name, sizeof(name));
	if (log_get_level() >= LOG_LVL_DEBUG)
		log_debug("%s: TLS handshake failed: %s", name, why);
	else
		log_warnx_rl("%s: TLS handshake failed: %s", name, why);
}

static ssize_t ssl_error(struct conn *c, struct tls_conn *t, int n)
{
	int err = errno;

	switch (SSL_get_error(t->ssl, n)) {
	case SSL_ERROR_WANT_READ:
		c->want_read = true;
		return -EAGAIN;
	case SSL_ERROR_WANT_WRITE:
		c->want_write = true;
		t->kick = false;
		return -EAGAIN;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	case SSL_ERROR_SYSCALL:
		t->failed = true;
		ERR_clear_error();
		return err ? -err : -ECONNRESET;
	default:
		t->failed = true;
		if (!t->up)
			handshake_failed(c, t);
		ERR_clear_error();
		return -EPROTO;
	}
}

/*
 * Input OpenSSL has decrypted but not handed over makes no socket
 * readable: if tcp.c stops reading (it reads a few times per wake-up),
 * only a writable socket brings it back.  Checked after every call, as
 * tcp.c may clear the flag before a write.
 */
static void want_more(struct conn *c, struct tls_conn *t)
{
	if (SSL_pending(t->ssl) && !c->want_write) {
		c->want_write = true;
		t->kick = true;
	}
}

static ssize_t tls_read(struct conn *c, void *buf, size_t len)
{
	struct tls_conn *t = c->priv;
	int n;

	if (t->kick) {
		t->kick = false;
		c->want_write = false;
	}
	ERR_clear_error();
	errno = 0;
	n = SSL_read(t->ssl, buf, len > INT_MAX ? INT_MAX : len);
	if (!t->up && SSL_is_init_finished(t->ssl))
		handshake_done(c, t);
	if (n <= 0)
		return ssl_error(c, t, n);
	want_more(c, t);
	return n;
}

static ssize_t tls_write(struct conn *c, const void *buf, size_t len)
{
	struct tls_conn *t = c->priv;
	ssize_t ret;
	int n;

	if (!len)
		return 0;
	ERR_clear_error();
	errno = 0;
	n = SSL_write(t->ssl, buf, len > INT_MAX ? INT_MAX : len);
	if (!t->up && SSL_is_init_finished(t->ssl))
		handshake_done(c, t);
	if (n > 0) {
		want_more(c, t);
		return n;
	}
	ret = ssl_error(c, t, n);
	if (ret == -EAGAIN)
		want_more(c, t);
	/* tcp.c takes 0 as "nothing written yet" and would spin */
	return ret ? ret : -EPIPE;
}

static void tls_close(struct conn *c)
{
	struct tls_conn *t = c->priv;

	if (!t)
		return;
	/* best effort: the socket closes right after, whatever happens */
	if (t->ssl && t->up && !t->failed) {
		ERR_clear_error();
		SSL_shutdown(t->ssl);
		ERR_clear_error();
	}
	SSL_free(t->ssl);
	free(t);
	c->priv = NULL;
}

static const struct stream_ops ops = {
	.open = tls_open,
	.read = tls_read,
	.write = tls_write,
	.close = tls_close,
};

/* Both contexts, or neither: a half-built pair never replaces a whole. */
static int build(const struct config *cfg, SSL_CTX **srv, SSL_CTX **cli)
{
	int ret;

	*srv = NULL;
	if (*cfg->tls_cert && *cfg->tls_key) {
		ret = server_new(cfg, srv);
		if (ret)
			return ret;
	}
	ret = client_new(cfg, *srv, cli);
	if (ret) {
		SSL_CTX_free(*srv);
		*srv = NULL;
	}
	return ret;
}

static void log_ready(const struct config *cfg, const char *verb)
{
	if (srv_ctx)
		log_info("TLS: %s %s", verb, cfg->tls_cert);
	if (!cfg->tls_verify)
		log_warnx("TLS: [tls] verify = no: servers are not checked");
}

int tls_init(const struct config *cfg)
{
	int ret = build(cfg, &srv_ctx, &cli_ctx);

	if (ret)
		return ret;
	tls_stream_ops = &ops;
	log_ready(cfg, "serving");
	return 0;
}

int tls_reload(const struct config *cfg)
{
	SSL_CTX *srv, *cli;
	int ret = build(cfg, &srv, &cli);

	if (ret) {
		log_warnx("TLS: keeping the running certificate and CAs");
		return ret;
	}
	if (srv) {
		SSL_CTX_free(srv_ctx);
		srv_ctx = srv;
	}
	SSL_CTX_free(cli_ctx);
	cli_ctx = cli;
	log_ready(cfg, "reloaded");
	return 0;
}

void tls_exit(void)
{
	SSL_CTX_free(srv_ctx);
	SSL_CTX_free(cli_ctx);
	srv_ctx = cli_ctx = NULL;
	tls_stream_ops = NULL;
	nnames = names_next = 0;
}

void tls_stats_log(void)
{
	log_info("tls: handshakes=%llu failed=%llu",
		 (unsigned long long)tls_stats.handshakes,
		 (unsigned long long)tls_stats.failed);
}
