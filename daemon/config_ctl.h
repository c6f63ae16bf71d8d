/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The [general] keys of the control socket and the metrics listener.
 * config.c keeps the key table and the "PATH:LINE:" prefix; these judge
 * a value and say what is wrong with it.
 */
#ifndef SIPFP_CONFIG_CTL_H
#define SIPFP_CONFIG_CTL_H

#include <stddef.h>

#include "config.h"

/* Where metrics = PORT listens, and the port when only an address is given */
#define CFG_METRICS_ADDR "127.0.0.1"
#define CFG_METRICS_PORT 9477

/**
 * config_ctl_set() - set control_group or metrics
 * @c: the configuration being read
 * @key: "control_group" or "metrics"
 * @value: as written
 * @msg: on failure, what is wrong, without the "PATH:LINE: " prefix
 * @len: its size
 *
 * A control_group must exist when the file is read.  metrics takes
 * "PORT" (on the loopback), "ADDRESS", "ADDRESS:PORT" or "[IPV6]:PORT",
 * numeric, or "off".
 *
 * Return: 0, or -1 with @msg set.
 */
int config_ctl_set(struct config *c, const char *key, const char *value,
		   char *msg, size_t len);

#endif
