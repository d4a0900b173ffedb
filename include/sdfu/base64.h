/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 (RFC 4648 section 4, standard alphabet, '=' padding): the serial transport's text codec. */
#ifndef SDFU_BASE64_H
#define SDFU_BASE64_H

#include <stddef.h>
#include <stdint.h>

/** Characters of the encoding of `n` bytes (padded, no terminator). */
#define SDFU_BASE64_ENC_LEN(n) ((((n) + 2u) / 3u) * 4u)

/**
 * Encode `slen` bytes at `src` into `dst` (padded with '='; no NUL is written).
 * `*olen` receives the text length. Returns 0, or SDFU_ERR_MSGSIZE when `dlen` is
 * below SDFU_BASE64_ENC_LEN(slen) (then `*olen` is that length and nothing is
 * written). `src` may be NULL when `slen` is 0. Pure function, any context.
 */
int sdfu_base64_encode(uint8_t *dst, size_t dlen, size_t *olen, const uint8_t *src, size_t slen);

/**
 * Decode `slen` characters at `src` (strict RFC 4648: a multiple of 4 characters of
 * the standard alphabet, '=' only as the last one or two characters; no whitespace)
 * into `dst`. `*olen` receives the byte count. Returns 0, SDFU_ERR_CORRUPT on bad
 * input (`*olen` then 0), or SDFU_ERR_MSGSIZE when `dlen` is too small (`*olen` is
 * then the size needed; nothing is written). The bits below the last whole byte are
 * not checked (as most decoders). Pure function, any context.
 */
int sdfu_base64_decode(uint8_t *dst, size_t dlen, size_t *olen, const uint8_t *src, size_t slen);

/**
 * Streaming helper for line decoders: decode leading 4-character groups of `src`
 * (`slen` characters) as long as a group is 4 alphabet characters (no '='); stops at
 * the first other group or when fewer than 4 characters remain. Writes 3 bytes per
 * decoded group to `dst`, which must hold 3 * (slen / 4) bytes. Returns the number
 * of groups decoded. Pure function, any context.
 */
size_t sdfu_base64_decode_groups(uint8_t *dst, const uint8_t *src, size_t slen);

/**
 * Decode one group of 4 characters at `in`, which may end in "=" or "==" padding, into
 * `out` (always room for 3 bytes). Returns the byte count (3, 2 or 1), or 0 when the
 * group is not base64 (a character outside the alphabet, '=' elsewhere than at the end,
 * "===" or "===="). Pure function, any context.
 */
size_t sdfu_base64_decode_quad(uint8_t out[3], const uint8_t in[4]);

#endif /* SDFU_BASE64_H */
