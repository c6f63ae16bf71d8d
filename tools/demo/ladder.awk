# SPDX-License-Identifier: GPL-2.0
#
# The lines of events.awk, sorted by time, as a call flow: the time since
# the first message, who sent it to whom (every message of the demo goes
# through sipfpd), and what it carried.

# Hosts without the default port, which every hop of the demo uses.
function short(hosts)
{
	gsub(/:5060/, "", hosts)
	return hosts
}

function notes(req, n)
{
	n = ""
	if ($6)
		n = n ", SDP " (req ? "offer" : "answer")
	if ($7)
		n = n ", with credentials"
	if ($8 != "")
		n = n ", Route: " short($8)
	if ($9 != "" && (req || $4 ~ / 200 /))
		n = n ", Record-Route: " short($9)
	if (!req && $5 ~ /REGISTER$/ && $10 != "")
		n = n ", binding " $10
	return n == "" ? "" : " (" substr(n, 3) ")"
}

BEGIN { FS = "\t" }

{
	if (NR == 1)
		t0 = $1
	line = $4
	req = line !~ /^SIP\/2\.0 /
	if (req)
		sub(/ SIP\/2\.0$/, "", line)
	else
		sub(/^SIP\/2\.0 /, "", line)
	from = $3 == ">" ? $2 : "sipfpd"
	to = $3 == ">" ? "sipfpd" : $2
	printf "  %6.3f s  %-6s -> %-6s  %s%s\n", $1 - t0, from, to, line,
	       notes(req)
}
