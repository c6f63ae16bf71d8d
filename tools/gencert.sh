#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A self-signed certificate for sipfpd's tls listen addresses, for the demo
# and the tests; a site that phones from outside reach uses one from a CA.
#
#   tools/gencert.sh DIR NAME [IP...]
#
# Writes DIR/NAME.crt and DIR/NAME.key (replacing them): an EC P-256 key,
# mode 0600 from the moment it exists, and a certificate valid for ten
# years whose subjectAltName holds NAME (a host name, or an address) and
# every IP, so a peer that reaches sipfpd by any of them can verify it
# with the certificate itself as its CA file. Prints the two paths.

set -euo pipefail

usage()
{
	echo "usage: $0 DIR NAME [IP...]" >&2
	exit 2
}

die()
{
	echo "gencert: $*" >&2
	exit 1
}

is_ip()
{
	python3 -c 'import ipaddress, sys; ipaddress.ip_address(sys.argv[1])' \
		"$1" 2>/dev/null
}

# RFC 5280 §4.2.1.6: an address goes in an iPAddress entry, never in a
# dNSName one, or no verifier matches it.
san_of()
{
	if is_ip "$1"; then
		echo "IP:$1"
	elif [[ "$1" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]]; then
		echo "DNS:$1"
	else
		die "'$1' is neither a host name nor an IP address"
	fi
}

[ $# -ge 2 ] || usage
dir=$1
name=$2
shift 2
command -v openssl >/dev/null || die "openssl not installed"

san=$(san_of "$name")
for ip in "$@"; do
	is_ip "$ip" || die "'$ip' is not an IP address"
	san+=",IP:$ip"
done

mkdir -p "$dir"
crt=$dir/$name.crt
key=$dir/$name.key
tmp=$(mktemp -d "$dir/.gencert.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# CA:FALSE: trusting this certificate must not mean trusting what it signs
(umask 077 && openssl req -x509 -new -newkey ec \
	-pkeyopt ec_paramgen_curve:P-256 -noenc -sha256 -days 3650 \
	-subj "/CN=$name" \
	-addext "subjectAltName=$san" \
	-addext "basicConstraints=critical,CA:FALSE" \
	-addext "keyUsage=critical,digitalSignature" \
	-addext "extendedKeyUsage=serverAuth,clientAuth" \
	-keyout "$tmp/key" -out "$tmp/crt" 2>"$tmp/err") ||
	die "openssl req failed: $(cat "$tmp/err")"
chmod 0600 "$tmp/key"
chmod 0644 "$tmp/crt"
mv -f "$tmp/key" "$key"
mv -f "$tmp/crt" "$crt"
echo "$crt"
echo "$key"
