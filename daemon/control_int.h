/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the control socket: control.c queues answers, control_cmd.c and
 * control_media.c build them with json-c.  Each line sent carries the
 * request's tag.
 */
#ifndef SIPFP_CONTROL_INT_H
#define SIPFP_CONTROL_INT_H

#include <json-c/json.h>
#include <stdint.h>

#include "control.h"
#include "transport.h"

struct ctl_conn;

/* Since control_init(); read, never reset. */
struct ctl_stats {
	uint64_t accepted, refused; /* refused: over CTL_MAX_CLIENTS */
	uint64_t requests, errors; /* errors: answered ok=false */
	uint64_t too_long, overflows; /* clients closed for either */
};

extern struct ctl_stats ctl_stats;
extern ctl_reload_fn ctl_reload;
extern uint64_t ctl_start_ms;
extern const struct config *ctl_cfg; /* main.c's, reloaded in place */

/* Queues @o as one line to @c with @req's tag; drops the reference. */
void ctl_send(struct ctl_conn *c, const struct ctl_req *req, json_object *o);
/* {"ok":true}, for the caller to add to and ctl_send() */
json_object *ctl_answer(void);
void ctl_error(struct ctl_conn *c, const struct ctl_req *req, const char *code,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* {"end":true,"count":@n} after a listing's records */
void ctl_end(struct ctl_conn *c, const struct ctl_req *req, unsigned int n);

/* json-c helpers: a string made valid UTF-8, "ip:port" or null */
json_object *ctl_str(const char *s);
json_object *ctl_addr(const union tp_addr *a);
void ctl_add_u64(json_object *o, const char *key, uint64_t v);

/* control_cmd.c: answers @req */
void ctl_dispatch(struct ctl_conn *c, const struct ctl_req *req);

/* control_media.c */
void ctl_calls(struct ctl_conn *c, const struct ctl_req *req);
void ctl_flows(struct ctl_conn *c, const struct ctl_req *req);
void ctl_hangup(struct ctl_conn *c, const struct ctl_req *req);
/* Sessions alive, and of them those a 2xx answered. */
void ctl_count_calls(unsigned int *calls, unsigned int *answered);
/* A monitor's event line for @n (media.h) */
struct media_note;
json_object *ctl_note(const struct media_note *n);

/* control.c: @c becomes a monitor, until it closes */
void ctl_monitor(struct ctl_conn *c, const struct ctl_req *req);

#endif
