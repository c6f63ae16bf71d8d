// SPDX-License-Identifier: GPL-2.0
/*
 * control_group and metrics.  A group is looked up when the file is read,
 * so `sipfpd -n` catches a typo rather than the start that follows it.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_ctl.h"

static int group(struct config *c, const char *v, char *msg, size_t len)
{
	if (strlen(v) >= sizeof(c->control_group)) {
		snprintf(msg, len, "control_group is longer than %zu bytes",
			 sizeof(c->control_group) - 1);
		return -1;
	}
	if (!getgrnam(v)) {
		snprintf(msg, len, "control_group '%s': no such group", v);
		return -1;
	}
	strcpy(c->control_group, v);
	return 0;
}

static int port_of(const char *s, uint16_t *port)
{
	unsigned long n;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	n = strtoul(s, &end, 10);
	if (*end || !n || n > 65535)
		return -1;
	*port = n;
	return 0;
}

/* "9477", "127.0.0.1", "127.0.0.1:9477", "[::1]:9477", "::1" */
static int endpoint(const char *v, char *host, size_t size, uint16_t *port)
{
	const char *colon = strrchr(v, ':'), *close = strchr(v, ']');
	size_t n;

	*port = CFG_METRICS_PORT;
	if (!port_of(v, port)) {
		snprintf(host, size, "%s", CFG_METRICS_ADDR);
		return 0;
	}
	if (*v == '[') {
		if (!close ||
		    (close[1] && (close[1] != ':' || port_of(close + 2, port))))
			return -1;
		n = close - v - 1;
		v++;
	} else if (colon && strchr(v, ':') == colon) {
		if (port_of(colon + 1, port))
			return -1;
		n = colon - v;
	} else {
		n = strlen(v);
	}
	if (n >= size)
		return -1;
	memcpy(host, v, n);
	host[n] = '\0';
	return 0;
}

static int metrics(struct config *c, const char *v, char *msg, size_t len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&c->metrics;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&c->metrics;
	char host[INET6_ADDRSTRLEN];
	uint16_t port;

	memset(&c->metrics, 0, sizeof(c->metrics));
	c->metrics_len = 0;
	if (!strcasecmp(v, "off"))
		return 0;
	if (!endpoint(v, host, sizeof(host), &port)) {
		if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
			s4->sin_family = AF_INET;
			s4->sin_port = htons(port);
			c->metrics_len = sizeof(*s4);
			return 0;
		}
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(port);
			c->metrics_len = sizeof(*s6);
			return 0;
		}
	}
	snprintf(msg, len,
		 "bad value '%s' for metrics (expected PORT, ADDRESS:PORT, "
		 "[IPV6]:PORT or off)",
		 v);
	return -1;
}

int config_ctl_set(struct config *c, const char *key, const char *value,
		   char *msg, size_t len)
{
	if (!strcmp(key, "control_group"))
		return group(c, value, msg, len);
	return metrics(c, value, msg, len);
}
