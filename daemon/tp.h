/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Between transport.c and the UDP and TCP halves of the transport layer.
 */
#ifndef SIPFP_TP_H
#define SIPFP_TP_H

#include "transport.h"

int udp_listen(const struct cfg_listen *l, tp_recv_fn recv);
int udp_send(const struct sip_peer *peer, const void *buf, size_t len);
void udp_exit(void);

int tcp_listen(const struct cfg_listen *l, tp_recv_fn recv);
int tcp_send(const struct sip_peer *peer, const void *buf, size_t len);
void tcp_set_limits(uint32_t idle_s, uint32_t max_conns);
void tcp_exit(void);

/* "udp:0.0.0.0:5060", for logs */
const char *tp_listen_str(const struct cfg_listen *l, char *buf, size_t size);

#endif
