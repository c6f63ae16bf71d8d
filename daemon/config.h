/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sipfpd's configuration: one INI file (libinih), every key documented
 * with its default in daemon/sipfpd.conf.  The whole file is parsed into
 * one struct config; a reload parses into a fresh one, so a bad file
 * never replaces a good configuration.
 */
#ifndef SIPFP_CONFIG_H
#define SIPFP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "log.h"

#define CONFIG_PATH "/etc/sipfp/sipfpd.conf"

#define CFG_MAX_LISTEN 16
#define CFG_MAX_DOMAINS 16
#define CFG_NAME_MAX 256 /* user, realm, a domain: with the NUL */
#define CFG_PATH_MAX 256

enum tp_proto { TP_UDP, TP_TCP, TP_TLS };

enum ka_method { KA_OPTIONS, KA_CRLF };

struct cfg_listen {
	uint8_t proto; /* enum tp_proto */
	socklen_t addrlen;
	struct sockaddr_storage addr; /* numeric; 0.0.0.0 and :: are wildcards */
};

/* [auth] trusted: an address or network requests are taken from unasked */
struct cfg_net {
	uint8_t family; /* AF_INET, AF_INET6 */
	uint8_t prefix; /* bits */
	uint8_t addr[16]; /* network byte order, host bits zero */
};

#define CFG_MAX_TRUSTED 64

/*
 * [media] interfaces: "internal=192.0.2.1 external=198.51.100.1/203.0.113.7"
 * names an address the relay binds, and what SDP says instead when the
 * box sits behind 1:1 NAT.  A name may appear twice, once per family.
 */
#define CFG_MAX_MEDIA_IFS 16
#define CFG_MEDIA_IF_NAME 32

struct cfg_media_if {
	char name[CFG_MEDIA_IF_NAME];
	struct sockaddr_storage local; /* port 0 */
	struct sockaddr_storage advertised; /* family 0: @local */
};

enum cfg_fastpath { CFG_FP_AUTO, CFG_FP_KMOD, CFG_FP_XDP, CFG_FP_RELAY };

/* [media] xdp_interfaces: the devices the XDP program attaches to */
#define CFG_MAX_XDP_IFS 32
#define CFG_XDP_IF_NAME 16 /* IFNAMSIZ */

/* [media] xdp_mode: native (the driver's), generic, or native else generic */
enum cfg_xdp_mode { CFG_XDP_AUTO, CFG_XDP_NATIVE, CFG_XDP_GENERIC };

/* [routes]: "+44 = sip:trunk.example.net;transport=udp" */
struct cfg_route {
	char *prefix; /* "+44", or "*" for any number */
	char *next_hop; /* a sip: or sips: URI, checked at load */
};

struct config {
	/* [general] */
	char user[CFG_NAME_MAX]; /* empty: keep the starting user */
	char state_dir[CFG_PATH_MAX];
	char run_dir[CFG_PATH_MAX];
	enum log_level log_level;
	/* the control socket's group; empty: "sipfp" if it exists, else 0 */
	char control_group[CFG_NAME_MAX];
	/* the Prometheus listener (metrics.c); family 0: none */
	struct sockaddr_storage metrics;
	socklen_t metrics_len;

	/* [sip] */
	struct cfg_listen listen[CFG_MAX_LISTEN];
	unsigned int nlisten;
	/* served domains, lower case, NULL-terminated */
	char *domains[CFG_MAX_DOMAINS + 1];
	unsigned int ndomains;
	uint32_t t1_ms, t2_ms, t4_ms;
	uint32_t max_forwards;
	uint32_t max_transactions; /* live, client and server together */
	uint32_t rate_limit; /* requests/s per source IP, 0 = off */
	uint32_t rate_burst;
	uint32_t tcp_idle_timeout; /* seconds without a byte either way */
	uint32_t tcp_max_connections;

	/* [tls] */
	char tls_cert[CFG_PATH_MAX];
	char tls_key[CFG_PATH_MAX];
	char tls_ca_file[CFG_PATH_MAX]; /* empty: the system's store */
	bool tls_verify; /* check the servers we connect to */
	bool tls_verify_clients; /* ask clients for a certificate */
	uint8_t tls_min_version; /* 12 or 13: TLS 1.2 or 1.3 */

	/* [auth] */
	char users_file[CFG_PATH_MAX];
	char realm[CFG_NAME_MAX]; /* default: the first domain */
	uint32_t nonce_ttl; /* seconds */
	bool auth_require;
	unsigned int auth_algs; /* DIGEST_ALG() bits (digest.h) */
	struct cfg_net trusted[CFG_MAX_TRUSTED];
	unsigned int ntrusted;

	/* [registrar] */
	uint32_t min_expires, max_expires, default_expires;

	/* [nat] */
	uint32_t keepalive_interval; /* seconds, 0 = off */
	uint8_t keepalive_method; /* enum ka_method */

	/* [routes], in file order */
	struct cfg_route *routes;
	unsigned int nroutes;

	/* [media] */
	bool media_anchor; /* rewrite SDP so media flows through the box */
	uint8_t fastpath; /* enum cfg_fastpath */
	/* none: the address each peer reaches us at (as for Via) */
	struct cfg_media_if media_ifs[CFG_MAX_MEDIA_IFS];
	unsigned int nmedia_ifs;
	uint16_t port_min, port_max; /* relay ports, an even-odd pair each */
	uint32_t port_quarantine; /* seconds a released port stays unused */
	uint32_t media_timeout; /* seconds without a packet either way; 0 off */
	uint32_t latch_window; /* seconds after the answer a peer may latch */
	uint32_t max_sessions;
	uint8_t dscp; /* of relayed packets, 0..63 */
	/* none: every interface up at start, but loopback and VLANs */
	char xdp_ifs[CFG_MAX_XDP_IFS][CFG_XDP_IF_NAME];
	unsigned int nxdp_ifs;
	uint8_t xdp_mode; /* enum cfg_xdp_mode */
};

/**
 * config_load() - read and check a configuration file
 * @path: the file
 * @cfg: filled with the file's settings over the defaults; on failure it
 *	 holds nothing that needs config_free()
 * @err: on failure "PATH:LINE: what" ("PATH: what" for a fault of the
 *	 whole file)
 * @errlen: its size
 *
 * Return: 0, or -1 with @err set.
 */
int config_load(const char *path, struct config *cfg, char *err, size_t errlen);

/* Frees what config_load() allocated; @cfg may be loaded again after. */
void config_free(struct config *cfg);

/* True when @sa (AF_INET or AF_INET6) is in a [auth] trusted network. */
bool config_trusted(const struct config *cfg, const struct sockaddr *sa);

const char *config_proto_name(enum tp_proto proto);
const char *config_level_name(enum log_level level);

#endif
