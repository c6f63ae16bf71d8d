# SPDX-License-Identifier: GPL-2.0
#
# One line per message of a SIPp message trace (-trace_msg), tab-separated:
# time (s), who (-v who=NAME), > sent or < received, start line, CSeq,
# then what the demo tells about it: sdp, cred (digest credentials),
# Route and Record-Route hosts in order, a REGISTER 200's Contact.
# Times are local seconds: only differences between them mean anything.

function flush()
{
	if (first != "")
		printf "%.6f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t, who,
		       dir, first, cseq, sdp, cred, route, rr, contact
	first = cseq = route = rr = contact = ""
	sdp = cred = 0
}

# "<sip:a:5060;lr>, <sip:b;lr>" -> "a:5060, b"
function hosts(v, out, h)
{
	out = ""
	while (match(v, /sip:[^;>]+/)) {
		h = substr(v, RSTART + 4, RLENGTH - 4)
		out = out (out == "" ? "" : ", ") h
		v = substr(v, RSTART + RLENGTH)
	}
	return out
}

function value(line)
{
	sub(/^[^:]*:[ \t]*/, "", line)
	return line
}

{ sub(/\r$/, "") }

/^----------------------------------------------- [0-9]/ {
	flush()
	split($2, d, "-")
	split($3, hms, ":")
	t = mktime(d[1] " " d[2] " " d[3] " " hms[1] " " hms[2] " " \
		   int(hms[3])) + hms[3] - int(hms[3])
	state = 1
	next
}

state == 1 {
	dir = $0 ~ /message sent/ ? ">" : "<"
	state = 2
	next
}

state == 2 && $0 != "" {
	first = $0
	state = 3
	next
}

state == 3 && $0 == "" { state = 4; next }

state == 3 {
	name = tolower($0)
	sub(/[ \t]*:.*/, "", name)
	if (name == "cseq")
		cseq = value($0)
	else if (name == "content-type")
		sdp = tolower(value($0)) ~ /^application\/sdp/
	else if (name == "authorization" || name == "proxy-authorization")
		cred = 1
	else if (name == "route")
		route = route (route == "" ? "" : ", ") hosts(value($0))
	else if (name == "record-route")
		rr = rr (rr == "" ? "" : ", ") hosts(value($0))
	else if (name == "contact")
		contact = value($0)
}

END { flush() }
