/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The [media] section's values that take more than a number: the fast
 * path's names and the interfaces list.  config.c keeps the key table,
 * the lines and the messages' "PATH:LINE:" prefix; these only judge a
 * value and say what is wrong with it.
 */
#ifndef SIPFP_CONFIG_MEDIA_H
#define SIPFP_CONFIG_MEDIA_H

#include <stddef.h>

#include "config.h"

/* The [media] defaults, over a zeroed @c. */
void config_media_defaults(struct config *c);

/* "auto", "kmod", "xdp", "relay" (any case): an enum cfg_fastpath, or -1. */
int config_fastpath_parse(const char *v);
const char *config_fastpath_name(enum cfg_fastpath fp);

/**
 * config_media_set() - set a [media] key config.c's table cannot
 * @c: the configuration being read
 * @key: fastpath, interfaces, port_min, port_max, dscp, xdp_interfaces
 *	 or xdp_mode
 * @value: as written
 * @msg: on failure, what is wrong, without the "PATH:LINE: " prefix
 * @len: its size
 *
 * interfaces and xdp_interfaces add to what earlier lines gave.
 *
 * Return: 0, or -1 with @msg set.
 */
int config_media_set(struct config *c, const char *key, const char *value,
		     char *msg, size_t len);

/**
 * config_media_if() - look up an interface
 * @c: the configuration
 * @name: as in the interfaces key
 * @family: AF_INET or AF_INET6; AF_UNSPEC takes the first of @name
 *
 * Return: the entry, or NULL when @name has no address of @family.
 */
const struct cfg_media_if *config_media_if(const struct config *c,
					   const char *name, int family);

#endif
