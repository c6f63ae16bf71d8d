// SPDX-License-Identifier: GPL-2.0
/*
 * A control request line to a struct ctl_req.  json-c reads the JSON in
 * strict mode (no comments, no single quotes, valid UTF-8) with a nesting
 * bound, so a line costs at most its length; everything after that is
 * checking fields.  Unknown fields are refused rather than ignored: a
 * misspelt "id" must not turn a hangup of one call into an error about
 * another.
 */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "control.h"

/* a request is flat; a tag must not be an object at all */
#define CTL_DEPTH 3

const char *const ctl_cmd_names[CTL_NCMDS] = {
	[CTL_STATUS] = "status", [CTL_REG] = "reg",
	[CTL_CALLS] = "calls",	 [CTL_CALL] = "call",
	[CTL_FLOWS] = "flows",	 [CTL_HANGUP] = "hangup",
	[CTL_RELOAD] = "reload", [CTL_COUNTERS] = "counters",
	[CTL_MONITOR] = "monitor",
};

static int __attribute__((format(printf, 3, 4)))
bad(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Client bytes quoted in a message: printable ASCII, at most 32. */
static const char *shown(const char *s, size_t n, char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < n && i < 32 && i + 1 < size; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return buf;
}

static int set_tag(struct ctl_req *req, json_object *v, char *msg, size_t len)
{
	size_t n;

	if (json_object_is_type(v, json_type_int)) {
		req->tag_int = json_object_get_int64(v);
		req->tag_type = CTL_TAG_INT;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return bad(msg, len, "field 'tag' is not a string or integer");
	n = json_object_get_string_len(v);
	if (n > CTL_TAG_MAX)
		return bad(msg, len, "field 'tag' is longer than %d bytes",
			   CTL_TAG_MAX);
	memcpy(req->tag, json_object_get_string(v), n);
	req->tag_len = n;
	req->tag_type = CTL_TAG_STR;
	return 0;
}

static int set_cmd(struct ctl_req *req, json_object *v, char *msg, size_t len)
{
	const char *s = json_object_get_string(v);
	size_t n = json_object_get_string_len(v);
	char q[40];

	if (!json_object_is_type(v, json_type_string))
		return bad(msg, len, "field 'cmd' is not a string");
	for (int i = 0; i < CTL_NCMDS; i++)
		if (strlen(ctl_cmd_names[i]) == n &&
		    !memcmp(ctl_cmd_names[i], s, n)) {
			req->cmd = i;
			return 0;
		}
	return bad(msg, len, "unknown command '%s'", shown(s, n, q, sizeof(q)));
}

static int set_id(struct ctl_req *req, json_object *v, char *msg, size_t len)
{
	const char *s = json_object_get_string(v);
	size_t n = json_object_get_string_len(v);

	if (!json_object_is_type(v, json_type_string))
		return bad(msg, len, "field 'id' is not a string");
	if (!n || n >= CTL_ID_MAX || memchr(s, '\0', n))
		return bad(msg, len,
			   "field 'id' is empty, longer than %d bytes or "
			   "holds a NUL",
			   CTL_ID_MAX - 1);
	memcpy(req->id, s, n + 1);
	return 0;
}

static bool needs_id(enum ctl_cmd cmd)
{
	return cmd == CTL_CALL || cmd == CTL_HANGUP;
}

/* The fields of a parsed object; the tag was taken already. */
static int fields(json_object *o, struct ctl_req *req, char *msg, size_t len)
{
	json_object *cmd = NULL, *id = NULL;
	char q[40];
	int ret;

	json_object_object_foreach(o, key, val) {
		if (!strcmp(key, "cmd"))
			cmd = val;
		else if (!strcmp(key, "id"))
			id = val;
		else if (strcmp(key, "tag"))
			return bad(msg, len, "unknown field '%s'",
				   shown(key, strlen(key), q, sizeof(q)));
	}
	if (!cmd)
		return bad(msg, len, "missing field 'cmd'");
	ret = set_cmd(req, cmd, msg, len);
	if (ret)
		return ret;
	if (!id && needs_id(req->cmd))
		return bad(msg, len, "missing field 'id' (the call's Call-ID)");
	if (id && !needs_id(req->cmd))
		return bad(msg, len, "field 'id' does not apply to '%s'",
			   ctl_cmd_names[req->cmd]);
	return id ? set_id(req, id, msg, len) : 0;
}

/* Only blanks may follow the object. */
static bool rest_blank(const char *buf, size_t from, size_t len)
{
	for (; from < len; from++)
		if (!strchr(" \t\r", buf[from]) || !buf[from])
			return false;
	return true;
}

static int object(const char *buf, size_t len, json_object **out, char *msg,
		  size_t msglen)
{
	struct json_tokener *tok = json_tokener_new_ex(CTL_DEPTH);
	enum json_tokener_error jerr;
	size_t end;

	if (!tok)
		return bad(msg, msglen, "out of memory");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	*out = json_tokener_parse_ex(tok, buf, len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!*out && jerr == json_tokener_continue)
		return bad(msg, msglen,
			   "malformed JSON at byte %zu: "
			   "the line ends inside it",
			   len);
	if (!*out)
		return bad(msg, msglen, "malformed JSON at byte %zu: %s", end,
			   json_tokener_error_desc(jerr));
	if (!rest_blank(buf, end, len)) {
		json_object_put(*out);
		return bad(msg, msglen,
			   "malformed JSON at byte %zu: "
			   "more after the object",
			   end);
	}
	if (!json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		return bad(msg, msglen, "a request is a JSON object");
	}
	return 0;
}

int ctl_parse(const char *buf, size_t len, struct ctl_req *req, char *msg,
	      size_t msglen)
{
	json_object *o, *tag;
	const char *nul = memchr(buf, '\0', len);
	int ret;

	memset(req, 0, sizeof(*req));
	if (nul)
		return bad(msg, msglen, "malformed JSON at byte %zu: a NUL",
			   (size_t)(nul - buf));
	if (rest_blank(buf, 0, len))
		return bad(msg, msglen, "an empty request");
	ret = object(buf, len, &o, msg, msglen);
	if (ret)
		return ret;
	/* first, so that even a refusal carries it */
	if (json_object_object_get_ex(o, "tag", &tag))
		ret = set_tag(req, tag, msg, msglen);
	if (!ret)
		ret = fields(o, req, msg, msglen);
	json_object_put(o);
	return ret;
}
