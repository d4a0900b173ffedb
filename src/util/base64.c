/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 (RFC 4648, standard alphabet): table encoder, 128-byte reverse-table decoder, group streaming. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdfu/base64.h"
#include "sdfu/err.h"

/* 64 characters, no terminator. */
static const char b64_alpha[64] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define BAD 0xFFu
/* Value of each 7-bit character: 0..63 for the alphabet, BAD for the rest ('=' too). */
static const uint8_t b64_rev[128] = {
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,
	BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,  62, BAD, BAD, BAD,  63,
	 52,  53,  54,  55,  56,  57,  58,  59,  60,  61, BAD, BAD, BAD, BAD, BAD, BAD,
	BAD,   0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14,
	 15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25, BAD, BAD, BAD, BAD, BAD,
	BAD,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,
	 41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51, BAD, BAD, BAD, BAD, BAD,
};

int sdfu_base64_encode(uint8_t *dst, size_t dlen, size_t *olen, const uint8_t *src, size_t slen)
{
	size_t need = SDFU_BASE64_ENC_LEN(slen);

	*olen = need;
	if (slen > (SIZE_MAX / 4u) * 3u - 3u || dlen < need) {
		return SDFU_ERR_MSGSIZE;
	}
	/* one loop for whole groups and the 1- or 2-byte tail (padded with '=') */
	for (size_t i = 0; i < slen; i += 3u, dst += 4) {
		size_t n = slen - i;
		uint32_t v = (uint32_t)src[i] << 16;

		if (n > 1u) {
			v |= (uint32_t)src[i + 1] << 8;
		}
		if (n > 2u) {
			v |= src[i + 2];
		}
		dst[0] = (uint8_t)b64_alpha[v >> 18];
		dst[1] = (uint8_t)b64_alpha[(v >> 12) & 63u];
		dst[2] = (n > 1u) ? (uint8_t)b64_alpha[(v >> 6) & 63u] : (uint8_t)'=';
		dst[3] = (n > 2u) ? (uint8_t)b64_alpha[v & 63u] : (uint8_t)'=';
	}
	return SDFU_OK;
}

size_t sdfu_base64_decode_groups(uint8_t *dst, const uint8_t *src, size_t slen)
{
	size_t g = 0;

	for (; slen >= 4u; slen -= 4u, src += 4, dst += 3, g++) {
		uint32_t a, b, c, d, v;

		if (((src[0] | src[1] | src[2] | src[3]) & 0x80u) != 0u) {
			break; /* not 7-bit: not base64 */
		}
		a = b64_rev[src[0]];
		b = b64_rev[src[1]];
		c = b64_rev[src[2]];
		d = b64_rev[src[3]];
		if (((a | b | c | d) & 0x80u) != 0u) {
			break;
		}
		v = (a << 18) | (b << 12) | (c << 6) | d;
		dst[0] = (uint8_t)(v >> 16);
		dst[1] = (uint8_t)(v >> 8);
		dst[2] = (uint8_t)v;
	}
	return g;
}

size_t sdfu_base64_decode_quad(uint8_t out[3], const uint8_t in[4])
{
	uint8_t q[4];
	size_t pad;

	/* '=' as the last one or two characters: decode them as 'A' (0) and drop their bytes */
	memcpy(q, in, 4);
	pad = (q[3] == '=') ? ((q[2] == '=') ? 2u : 1u) : 0u;
	q[3] = (pad != 0u) ? (uint8_t)'A' : q[3];
	q[2] = (pad == 2u) ? (uint8_t)'A' : q[2];
	return (sdfu_base64_decode_groups(out, q, 4) == 1u) ? 3u - pad : 0u;
}

int sdfu_base64_decode(uint8_t *dst, size_t dlen, size_t *olen, const uint8_t *src, size_t slen)
{
	uint8_t out[3];
	size_t n, need, full;

	*olen = 0;
	if (slen == 0u) {
		return SDFU_OK;
	}
	if ((slen & 3u) != 0u) {
		return SDFU_ERR_CORRUPT;
	}
	/* the last group is the only one that may hold padding */
	need = (slen / 4u) * 3u - ((src[slen - 1u] == '=') ? ((src[slen - 2u] == '=') ? 2u : 1u) : 0u);
	if (dlen < need) {
		*olen = need;
		return SDFU_ERR_MSGSIZE;
	}
	full = slen / 4u - 1u;
	if (sdfu_base64_decode_groups(dst, src, slen - 4u) != full) {
		return SDFU_ERR_CORRUPT;
	}
	n = sdfu_base64_decode_quad(out, src + slen - 4u);
	if (n == 0u) {
		return SDFU_ERR_CORRUPT;
	}
	memcpy(dst + full * 3u, out, n);
	*olen = need;
	return SDFU_OK;
}
