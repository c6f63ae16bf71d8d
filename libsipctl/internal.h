/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside libsipctl: the handle, the backend table the façade routes
 * through, and the netlink message layer (msg.c), which touches no
 * socket so the unit tests and the fuzzer can drive it with bytes.
 * rx.c walks the replies.  Internal names start with sctl_;
 * libsipctl.map keeps them out of the shared object.
 */
#ifndef SIPCTL_INTERNAL_H
#define SIPCTL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "sipctl.h"

#define SCTL_ERR_MAX 256
/* a request: one flow is ~300 bytes; a batch packs many into one send */
#define SCTL_REQ_SIZE 4096
#define SCTL_BATCH_SIZE 32768
/* as large as any message the kernel builds for a dump (32 KiB) */
#define SCTL_RX_SIZE 65536

struct mnl_socket;

/* One backend: the kernel's genetlink, sipfpd's socket, the XDP pins. */
struct sctl_ops {
	const char *name;
	int (*flow_add)(struct sipctl *h, const struct sipctl_flow *f);
	int (*flow_add_batch)(struct sipctl *h, const struct sipctl_flow *f,
			      size_t n, int *errs);
	int (*flow_set)(struct sipctl *h, const struct sipctl_flow *f);
	int (*flow_del)(struct sipctl *h, const struct sipctl_flow *f);
	int (*flow_get)(struct sipctl *h, const union sipctl_addr *local,
			struct sipctl_flow *f);
	int (*flow_dump)(struct sipctl *h, sipctl_flow_cb cb, void *arg);
	int (*flush)(struct sipctl *h, uint64_t cookie, uint64_t mask);
	int (*stats_get)(struct sipctl *h, struct sipctl_stats *st);
	int (*event_fd)(struct sipctl *h);
	int (*event_read)(struct sipctl *h, sipctl_event_cb cb, void *arg);
	int (*status_get)(struct sipctl *h, struct sipctl_status *st);
	int (*reg_dump)(struct sipctl *h, sipctl_reg_cb cb, void *arg);
	/* @call_id NULL: every call */
	int (*call_dump)(struct sipctl *h, const char *call_id,
			 sipctl_call_cb cb, void *arg);
	int (*call_flow_dump)(struct sipctl *h, sipctl_stream_flow_cb cb,
			      void *arg);
	int (*hangup)(struct sipctl *h, const char *call_id);
	int (*reload)(struct sipctl *h);
	void (*close)(struct sipctl *h);
};

struct sctl_kernel {
	struct mnl_socket *nl; /* requests */
	struct mnl_socket *ev; /* the events group; NULL until asked */
	uint16_t family;
	uint32_t group; /* the events group's id, 0: the family has none */
	uint32_t portid;
	uint32_t seq;
	uint8_t *req; /* SCTL_BATCH_SIZE */
	uint8_t *rx; /* SCTL_RX_SIZE */
};

/* sipfpd's control socket: requests and answers, and the monitor */
struct sctl_daemon {
	int fd; /* requests, blocking */
	int ev_fd; /* the monitor connection, non-blocking; -1 until asked */
	uint64_t tag; /* the last request's; answers must carry it */
	char path[108]; /* sun_path, for the monitor's connection */
	struct sctl_lines *in, *ev; /* what each socket sent, line by line */
};

/* The XDP maps, opened from their pins */
struct sctl_xdp {
	int flows_fd, stats_fd, xstats_fd;
	uint32_t max_flows;
	int ncpus; /* possible CPUs: the values of a per-CPU map */
};

struct sipctl {
	const struct sctl_ops *ops;
	bool busy; /* inside a dump's callback */
	char err[SCTL_ERR_MAX]; /* the backend's words for the last failure */
	char strerr[SCTL_ERR_MAX]; /* sipctl_strerror()'s buffer */
	struct sctl_kernel k;
	struct sctl_daemon d;
	struct sctl_xdp x;
};

extern const struct sctl_ops sctl_kernel_ops;
extern const struct sctl_ops sctl_daemon_ops;
extern const struct sctl_ops sctl_xdp_ops;

/*
 * An open's words for its failure, for sipctl_strerror(NULL, @err) in
 * this thread: returns @err.
 */
int sctl_open_fail(int err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A backend's words for a failure in h->err: returns @err. */
int sctl_fail(struct sipctl *h, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --- daemon_json.c: the daemon's lines to the model, no socket --- */

/* A line from the daemon may be this long, newline included. */
#define SCTL_LINE_MAX (1u << 20)

struct json_object;

/* What one line of the daemon is. */
enum sctl_kind {
	SCTL_ANS_OK, /* {"ok":true,...}: a single answer */
	SCTL_ANS_RECORD, /* a record of a listing */
	SCTL_ANS_END, /* {"end":true,"count":N} */
	SCTL_ANS_EVENT, /* {"event":...}: the monitor's */
};

struct sctl_answer {
	enum sctl_kind kind;
	bool tagged; /* a "tag" came: @tag, UINT64_MAX if not a number */
	uint64_t tag;
	uint64_t count; /* SCTL_ANS_END */
};

/*
 * One line (without its newline) to a JSON object: strict JSON, UTF-8,
 * nesting bounded.  0, or -EPROTO with @err (SCTL_ERR_MAX) saying why.
 */
int sctl_json_parse(const char *buf, size_t len, struct json_object **out,
		    char *err);
/*
 * What @o is.  A refusal ({"ok":false}) returns the negative errno its
 * "error" names (-EIO for a name this library does not know) with its
 * "message" in @err; a malformed one -EPROTO.  @a->tagged is set either
 * way.
 */
int sctl_json_answer(struct json_object *o, struct sctl_answer *a, char *err);

/* The records: 0, or -EPROTO with @err naming the field at fault. */
int sctl_json_status(struct json_object *o, struct sipctl_status *st,
		     char *err);
/* the "paths" of a "counters" answer, into @st */
int sctl_json_counters(struct json_object *o, struct sipctl_status *st,
		       char *err);
int sctl_json_reg(struct json_object *o, struct sipctl_reg *r, char *err);
int sctl_json_call(struct json_object *o, struct sipctl_call *c, char *err);
/* a record of "flows": @call_id (SIPCTL_CALL_ID_MAX) gets its "call" */
int sctl_json_flow(struct json_object *o, struct sipctl_stream_flow *sf,
		   char *call_id, char *err);
int sctl_json_event(struct json_object *o, struct sipctl_event *ev,
		    char *err);
/* "1.2.3.4:5", "[2001:db8::1]:5": 0 or -EINVAL; v4-mapped as AF_INET */
int sctl_addr_parse(const char *s, union sipctl_addr *a);

/* --- msg.c: the attribute tables --- */

#define SCTL_NEST 0xff /* desc.len of a nested attribute */
#define SCTL_STR 0xfe /* of a NUL-terminated string */

struct sctl_space;

/* What one attribute type of a space is. */
struct sctl_desc {
	const char *name;
	uint8_t len; /* payload length, SCTL_NEST or SCTL_STR; 0: unknown */
	const struct sctl_space *nest;
};

struct sctl_space {
	const struct sctl_desc *d;
	unsigned int max;
};

extern const struct sctl_space sctl_top_space;

/* A NUL-terminated string attribute. */
bool sctl_str_ok(const struct nlattr *attr);
/* The payload of a 4-byte attribute, which may be unaligned. */
uint32_t sctl_get_u32(const struct nlattr *a);

/* --- msg.c: building requests --- */

/*
 * A generic netlink request for @family's @cmd at the start of @buf.
 * Return: the header, or NULL when @size cannot hold it.
 */
struct nlmsghdr *sctl_msg_start(void *buf, size_t size, uint16_t family,
				uint8_t cmd, uint16_t flags, uint32_t seq);

/*
 * SIPFP_A_FLOW with the fields @f->has names among @allow; @need must
 * all be named.  0, -EINVAL (a field missing or out of range, said in
 * @err), or -EMSGSIZE past @size (the whole buffer's).
 */
int sctl_put_flow(struct nlmsghdr *nlh, size_t size,
		  const struct sipctl_flow *f, uint32_t allow, uint32_t need,
		  char *err, size_t errsize);
/* SIPFP_A_COOKIE and _MASK, unless @mask is 0: 0 or -EMSGSIZE. */
int sctl_put_flush(struct nlmsghdr *nlh, size_t size, uint64_t cookie,
		   uint64_t mask);
/* CTRL_CMD_GETFAMILY for "sipfp": 0 or -EMSGSIZE. */
int sctl_put_family(struct nlmsghdr *nlh, size_t size);

/* --- msg.c: parsing replies and events --- */

/* 0, or -EPROTO for a reply that is not a well-formed flow. */
int sctl_parse_flow(const struct nlmsghdr *nlh, struct sipctl_flow *f);
int sctl_parse_stats(const struct nlmsghdr *nlh, struct sipctl_stats *st);
int sctl_parse_event(const struct nlmsghdr *nlh, struct sipctl_event *ev);
/* The family's id and its events group (0 when it has none). */
int sctl_parse_family(const struct nlmsghdr *nlh, uint16_t *id,
		      uint32_t *group);

/* --- rx.c --- */

/*
 * The replies to one request, or to a batch of @n requests numbered
 * @seq, @seq + 1 ...: fed datagram by datagram until @done.  @cb gets
 * each reply that is not an ack or an error; @errs (if not NULL) each
 * request's result.
 */
struct sctl_rx {
	uint32_t seq, n, portid;
	const struct nlmsghdr *req; /* the first request, to name attributes */
	size_t req_len; /* of the whole batch */
	int (*cb)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
	int *errs;
	/* results */
	uint32_t acked; /* requests answered by an ack, an error or DONE */
	bool done, intr;
	int err; /* the first request's error that came */
	int cb_ret; /* the first nonzero return of @cb */
	char *msg; /* the kernel's words for the last error, "" none */
	size_t msg_size;
};

/*
 * Walking the messages of a datagram.  libmnl's mnl_nlmsg_ok() takes a
 * length over 2 GiB for a negative one and walks backwards: these
 * compare unsigned.
 */
bool sctl_msg_ok(const struct nlmsghdr *nlh, size_t left);
const struct nlmsghdr *sctl_msg_next(const struct nlmsghdr *nlh, size_t *left);

/* 0, or -EPROTO when @buf is not a sequence of netlink messages. */
int sctl_rx_feed(struct sctl_rx *rx, const void *buf, size_t len);

/*
 * The dotted name of the attribute at @offset of request @req (from the
 * message's start), e.g. "flow.local.port": 0, or -ENOENT.
 */
int sctl_attr_name(const struct nlmsghdr *req, size_t req_len, uint32_t offset,
		   char *buf, size_t size);

#endif
