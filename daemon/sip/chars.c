// SPDX-License-Identifier: GPL-2.0
#include "chars.h"

#define A (SIP_C_TOKEN | SIP_C_ALNUM | SIP_C_UNRESERVED)
#define X (A | SIP_C_HEX)
#define D (A | SIP_C_DIGIT | SIP_C_HEX)
/* mark characters that are also token characters */
#define M (SIP_C_TOKEN | SIP_C_UNRESERVED)

const uint8_t sip_ctype[256] = {
	['0' ... '9'] = D,
	['a' ... 'f'] = X,
	['A' ... 'F'] = X,
	['g' ... 'z'] = A,
	['G' ... 'Z'] = A,
	['-'] = M, ['_'] = M, ['.'] = M, ['!'] = M, ['~'] = M, ['*'] = M,
	['\''] = M,
	['('] = SIP_C_UNRESERVED, [')'] = SIP_C_UNRESERVED,
	['%'] = SIP_C_TOKEN, ['+'] = SIP_C_TOKEN | SIP_C_USER | SIP_C_PARAM | SIP_C_HNV,
	['`'] = SIP_C_TOKEN,
	['&'] = SIP_C_USER | SIP_C_PARAM,
	['='] = SIP_C_USER,
	['$'] = SIP_C_USER | SIP_C_PARAM | SIP_C_HNV,
	[','] = SIP_C_USER,
	[';'] = SIP_C_USER,
	['?'] = SIP_C_USER | SIP_C_HNV,
	['/'] = SIP_C_USER | SIP_C_PARAM | SIP_C_HNV,
	['['] = SIP_C_PARAM | SIP_C_HNV,
	[']'] = SIP_C_PARAM | SIP_C_HNV,
	[':'] = SIP_C_PARAM | SIP_C_HNV,
};
