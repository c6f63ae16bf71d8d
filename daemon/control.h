/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sipfpd's control socket: <run_dir>/sipfpd.sock, a UNIX stream socket
 * (mode 0660, group [general] control_group) speaking one JSON object a
 * line each way.  A request names a command and may carry an "id" and a
 * "tag" the answer echoes; an answer is one object with "ok", or, for a
 * listing, one object per record and then {"end":true,"count":N}.  The
 * protocol is written up in daemon/README.md.
 *
 * control_parse.c turns a line into a struct ctl_req with nothing but
 * json-c, so a fuzzer can drive it; control.c is the socket and its
 * clients on the event loop; control_cmd.c and control_media.c answer.
 */
#ifndef SIPFP_CONTROL_H
#define SIPFP_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define SIPFPD_VERSION "0.1.0"

#define CTL_SOCK_NAME "sipfpd.sock"
/* a request line, newline included; longer ones close the client */
#define CTL_LINE_MAX 4096
/* answers a client has not read yet; past it the client is dropped */
#define CTL_OUT_MAX (16u << 20)
/* the same for a monitor's events: it is further behind than any use */
#define CTL_MON_MAX (1u << 20)
#define CTL_MAX_CLIENTS 32
#define CTL_ID_MAX 256 /* a Call-ID, with its NUL */
#define CTL_TAG_MAX 128

enum ctl_cmd {
	CTL_STATUS,
	CTL_REG,
	CTL_CALLS,
	CTL_CALL,
	CTL_FLOWS,
	CTL_HANGUP,
	CTL_RELOAD,
	CTL_COUNTERS,
	CTL_MONITOR,
	CTL_NCMDS,
};

struct ctl_req {
	enum ctl_cmd cmd;
	char id[CTL_ID_MAX]; /* CTL_CALL, CTL_HANGUP: a Call-ID */
	/* "tag", a string or an integer, echoed in every answer */
	enum ctl_tag { CTL_TAG_NONE, CTL_TAG_STR, CTL_TAG_INT } tag_type;
	char tag[CTL_TAG_MAX]; /* may hold NULs: @tag_len */
	size_t tag_len;
	int64_t tag_int;
};

/* The commands' names, by enum ctl_cmd. */
extern const char *const ctl_cmd_names[CTL_NCMDS];

/**
 * ctl_parse() - one request line
 * @buf: the line, without its newline; need not be NUL-terminated
 * @len: its length
 * @req: filled on success; on failure its tag is set if one was read
 * @msg: on failure, what was wrong ("malformed JSON at byte 7: ...",
 *	 "unknown command 'x'", "missing field 'id'")
 * @msglen: its size
 *
 * Pure: no state, no I/O, nothing logged.
 *
 * Return: 0, or -EINVAL with @msg set.
 */
int ctl_parse(const char *buf, size_t len, struct ctl_req *req, char *msg,
	      size_t msglen);

/* What a reload answers with: 0, or -1 with @err saying why not. */
typedef int (*ctl_reload_fn)(char *err, size_t errlen);

/**
 * control_init() - make the socket and listen on the event loop
 * @cfg: [general] run_dir and control_group
 * @reload: what {"cmd":"reload"} runs (SIGHUP's work)
 *
 * Before privileges are dropped: run_dir is made and handed to [general]
 * user so the socket can be removed at exit.
 *
 * Return: 0, or -1 logged (sipfpd then runs without it).
 */
int control_init(const struct config *cfg, ctl_reload_fn reload);
/* Closes every client, the socket, and removes it if it is still ours. */
void control_exit(void);

#endif
