# SPDX-License-Identifier: GPL-2.0
#
# Run over the events.awk lines of both phones twice (two file
# arguments).  SIPp stamps a message when it logs it, not when the
# packet moves, so a message sipfpd passed on can seem to reach one
# phone before the other sent it; such a message is moved to just after
# its sending.  A request is known by its CSeq, a response by its status
# line and CSeq.

BEGIN { FS = OFS = "\t" }

function key()
{
	return $4 ~ /^SIP\/2\.0 / ? $4 SUBSEP $5 : $5
}

NR == FNR {
	if ($3 == ">")
		sent[$2, key()] = $1
	next
}

$3 == "<" {
	for (k in sent) {
		split(k, w, SUBSEP)
		if (w[1] != $2 && substr(k, length(w[1]) + 2) == key() &&
		    sent[k] > $1)
			$1 = sprintf("%.6f", sent[k] + 0.000001)
	}
}

{ print }
