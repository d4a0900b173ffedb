/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: SMP serial line decoder (base64 + CRC16 packets), the line encoder, and base64. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "harness.h"
#include "sdfu/base64.h"
#include "sdfu/err.h"
#include "sdfu/transport.h"

/*
 * Input: byte 0 = line length for the responses (0..255, clamped by the encoder),
 * byte 1 = feed split seed, rest = the received byte stream. The stream is fed to a
 * serial endpoint (OS + image groups) in pieces of 1..64 bytes. Checks:
 *  - receive state stays consistent (got <= pkt_len <= buffer, quad_len < 4);
 *  - every response line starts with 06 09 / 04 14, ends with '\n', fits line_len;
 *  - the response lines decode (second decoder) back to exactly the frames the SMP
 *    server sent, and each of those is a well-formed response frame;
 *  - round trip: the stream bytes encoded as one frame and decoded again are equal;
 *  - the line decoder fed in pieces (its whole-group fast path) and fed byte by byte
 *    (the character path only) deliver the same frames and drop the same packets;
 *  - base64 (src/util/base64.c): the stream bytes as text decode exactly as a bitwise
 *    reference decoder says (accept/reject, bytes), sdfu_base64_decode_groups stops
 *    where the reference does, and the stream bytes encode to the reference text and
 *    decode back;
 *  - against Mbed TLS's decoder and encoder (the host's libmbedcrypto): the encodings are
 *    equal; for text of a multiple of 4 characters without ' ', '\r', '\n' both decoders
 *    accept the same inputs with the same bytes; otherwise ours is the stricter one (Mbed
 *    TLS 2.28 skips line breaks and spaces and drops a partial last group): whatever ours
 *    accepts, Mbed TLS accepts with the same bytes.
 */
static struct sdfu_serial fz_ser;
static struct sdfu_serial_rx fz_ser_check;
static uint8_t fz_ser_last[SDFU_SMP_BUF_SIZE + 8];
static size_t fz_ser_last_len;
static unsigned fz_ser_decoded;
static unsigned fz_ser_lines;

static void fz_ser_on_decoded(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	FZ_CHECK(len <= sizeof(fz_ser_last));
	memcpy(fz_ser_last, frame, len);
	fz_ser_last_len = len;
	fz_ser_decoded++;
}

static int fz_ser_out(void *ctx, const uint8_t *line, size_t len)
{
	const struct sdfu_serial_tx *tx = ctx;

	FZ_CHECK(len >= 4 && len <= tx->line_len);
	FZ_CHECK((line[0] == SDFU_SERIAL_START_1 && line[1] == SDFU_SERIAL_START_2) ||
		 (line[0] == SDFU_SERIAL_CONT_1 && line[1] == SDFU_SERIAL_CONT_2));
	FZ_CHECK(line[len - 1] == '\n');
	FZ_CHECK((len - 3u) % 4u == 0u);
	fz_ser_lines++;
	(void)sdfu_serial_rx_feed(&fz_ser_check, line, len, fz_ser_on_decoded, NULL);
	return 0;
}

static void fz_ser_rx_sane(const struct sdfu_serial_rx *rx)
{
	FZ_CHECK(rx->quad_len < 4);
	FZ_CHECK(rx->pkt_len <= SDFU_SERIAL_RX_BUF_SIZE || rx->len_bytes < 2);
	FZ_CHECK(rx->got <= SDFU_SERIAL_RX_BUF_SIZE);
	if (rx->len_bytes == 2) {
		FZ_CHECK(rx->got <= rx->pkt_len);
	}
}

/* ---- base64 reference (bit by bit, written for clarity, not speed) ---- */
static int fz_b64_val(uint8_t c)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (int i = 0; i < 64; i++) {
		if ((uint8_t)a[i] == c) {
			return i;
		}
	}
	return -1;
}

/* Strict RFC 4648 decode; returns the byte count or -1. */
static long fz_b64_ref_decode(const uint8_t *s, size_t n, uint8_t *out)
{
	size_t pad = 0, o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;

	if (n % 4u != 0u) {
		return -1;
	}
	if (n > 0 && s[n - 1] == '=') {
		pad = (s[n - 2] == '=') ? 2u : 1u;
	}
	for (size_t i = 0; i < n - pad; i++) {
		int v = fz_b64_val(s[i]);

		if (v < 0) {
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)o;
}

static uint8_t fz_b64_txt[SDFU_BASE64_ENC_LEN(16384)];
static uint8_t fz_b64_out[16384];
static uint8_t fz_b64_ref[16384];

static uint8_t fz_mb_txt[SDFU_BASE64_ENC_LEN(16384) + 1];
static uint8_t fz_mb_out[16384];

/* `txt`/`tlen`: our encoding of data/size. */
static void fz_base64_vs_mbedtls(const uint8_t *data, size_t size, const uint8_t *txt, size_t tlen)
{
	size_t mlen = 0, olen = 0;
	int mrc, rc;
	bool plain = (size % 4u) == 0u;

	FZ_CHECK(mbedtls_base64_encode(fz_mb_txt, sizeof(fz_mb_txt), &mlen, data, size) == 0);
	FZ_CHECK(mlen == tlen && (tlen == 0 || memcmp(fz_mb_txt, txt, tlen) == 0));
	for (size_t i = 0; i < size && plain; i++) {
		plain = data[i] != ' ' && data[i] != '\r' && data[i] != '\n';
	}
	mrc = mbedtls_base64_decode(fz_mb_out, sizeof(fz_mb_out), &mlen, data, size);
	rc = sdfu_base64_decode(fz_b64_out, sizeof(fz_b64_out), &olen, data, size);
	if (plain) {
		FZ_CHECK((rc == 0) == (mrc == 0));
	}
	if (rc == 0) {
		FZ_CHECK(mrc == 0 && mlen == olen);
		FZ_CHECK(olen == 0 || memcmp(fz_mb_out, fz_b64_out, olen) == 0);
	}
}

static void fz_base64_check(const uint8_t *data, size_t size)
{
	size_t olen = 0, tlen = 0, groups = 0;
	long ref;
	int rc;

	if (size > sizeof(fz_b64_out)) {
		size = sizeof(fz_b64_out);
	}
	ref = fz_b64_ref_decode(data, size, fz_b64_ref);
	rc = sdfu_base64_decode(fz_b64_out, sizeof(fz_b64_out), &olen, data, size);
	FZ_CHECK((rc == 0) == (ref >= 0));
	FZ_CHECK(rc == 0 || rc == SDFU_ERR_CORRUPT);
	if (rc == 0) {
		FZ_CHECK(olen == (size_t)ref);
		FZ_CHECK(olen == 0 || memcmp(fz_b64_out, fz_b64_ref, olen) == 0);
		/* a buffer one byte short is refused with the size needed */
		if (olen > 0) {
			size_t need = 0;

			FZ_CHECK(sdfu_base64_decode(fz_b64_out, olen - 1u, &need, data, size) ==
				 SDFU_ERR_MSGSIZE);
			FZ_CHECK(need == olen);
		}
	}
	/* groups: as many leading 4-character groups as are 4 alphabet characters */
	while (groups < size / 4u && fz_b64_val(data[4 * groups]) >= 0 &&
	       fz_b64_val(data[4 * groups + 1]) >= 0 && fz_b64_val(data[4 * groups + 2]) >= 0 &&
	       fz_b64_val(data[4 * groups + 3]) >= 0) {
		groups++;
	}
	FZ_CHECK(sdfu_base64_decode_groups(fz_b64_out, data, size) == groups);
	/* encode the raw bytes, compare with the reference text, decode back */
	FZ_CHECK(sdfu_base64_encode(fz_b64_txt, sizeof(fz_b64_txt), &tlen, data, size) == 0);
	FZ_CHECK(tlen == SDFU_BASE64_ENC_LEN(size));
	FZ_CHECK(fz_b64_ref_decode(fz_b64_txt, tlen, fz_b64_ref) == (long)size);
	FZ_CHECK(size == 0 || memcmp(fz_b64_ref, data, size) == 0);
	for (size_t i = 0; i < tlen; i++) {
		FZ_CHECK(fz_b64_val(fz_b64_txt[i]) >= 0 || (fz_b64_txt[i] == '=' && i + 2u >= tlen));
	}
	FZ_CHECK(sdfu_base64_decode(fz_b64_out, size, &olen, fz_b64_txt, tlen) == 0);
	FZ_CHECK(olen == size && (size == 0 || memcmp(fz_b64_out, data, size) == 0));
	fz_base64_vs_mbedtls(data, size, fz_b64_txt, tlen);
}

/* ---- line decoder: pieces (fast path) against byte by byte ---- */
struct fz_frames {
	unsigned count;
	uint32_t hash; /* FNV-1a over every delivered frame, length first */
};

static void fz_frames_on(void *ctx, const uint8_t *frame, size_t len)
{
	struct fz_frames *f = ctx;

	f->count++;
	f->hash = (f->hash ^ (uint32_t)len) * 16777619u;
	for (size_t i = 0; i < len; i++) {
		f->hash = (f->hash ^ frame[i]) * 16777619u;
	}
}

/* Next piece of the input: 1..max bytes (pseudo-random from *seed), at most `left`. */
static size_t fz_chunk(uint32_t *seed, size_t left, size_t max)
{
	size_t n;

	*seed = *seed * 1103515245u + 12345u;
	n = 1u + (*seed >> 16) % max;
	return n > left ? left : n;
}

static void fz_rx_paths_agree(const uint8_t *data, size_t size, uint32_t seed)
{
	static struct sdfu_serial_rx a, b;
	struct fz_frames fa = { 0, 2166136261u }, fb = { 0, 2166136261u };
	size_t pos;

	sdfu_serial_rx_init(&a);
	sdfu_serial_rx_init(&b);
	for (pos = 0; pos < size;) {
		size_t n = fz_chunk(&seed, size - pos, 512u);

		(void)sdfu_serial_rx_feed(&a, data + pos, n, fz_frames_on, &fa);
		fz_ser_rx_sane(&a);
		pos += n;
	}
	for (pos = 0; pos < size; pos++) {
		(void)sdfu_serial_rx_feed(&b, data + pos, 1, fz_frames_on, &fb);
	}
	FZ_CHECK(fa.count == fb.count && fa.hash == fb.hash);
	FZ_CHECK(a.frames == b.frames && a.dropped == b.dropped);
	FZ_CHECK(a.line_state == b.line_state && a.in_packet == b.in_packet);
	FZ_CHECK(a.got == b.got && a.quad_len == b.quad_len);
}

int fz_serial_one(const uint8_t *data, size_t size)
{
	uint16_t line_len;
	uint32_t seed;
	size_t pos;
	uint32_t tx_frames;
	static struct sdfu_serial_tx rt;

	if (size < 2) {
		return 0;
	}
	line_len = data[0];
	seed = data[1] * 2654435761u + 7u;
	data += 2;
	size -= 2;

	fz_dev_reset();
	sdfu_serial_init(&fz_ser, &fz.srv, line_len, fz_ser_out, &fz_ser.tx);
	sdfu_serial_rx_init(&fz_ser_check);
	fz_ser_decoded = 0;
	fz_ser_lines = 0;
	for (pos = 0; pos < size;) {
		size_t n = fz_chunk(&seed, size - pos, 64u);

		(void)sdfu_serial_feed(&fz_ser, data + pos, n);
		fz_ser_rx_sane(&fz_ser.rx);
		pos += n;
	}
	tx_frames = fz.srv.tx_frames;
	FZ_CHECK(fz_ser_decoded == tx_frames);
	FZ_CHECK(fz_ser.tx_errors == 0);
	FZ_CHECK(fz_ser_check.dropped == 0);
	FZ_CHECK(fz.fl.stats.violations == 0);
	fz_check_running_image_unchanged();

	/* round trip of the raw bytes as one frame */
	if (size <= SDFU_SMP_BUF_SIZE) {
		sdfu_serial_rx_init(&fz_ser_check);
		sdfu_serial_tx_init(&rt, line_len, fz_ser_out, &rt);
		fz_ser_decoded = 0;
		FZ_CHECK(sdfu_serial_tx_frame(&rt, data, size) == 0);
		FZ_CHECK(fz_ser_decoded == 1);
		FZ_CHECK(fz_ser_last_len == size);
		FZ_CHECK(size == 0 || memcmp(fz_ser_last, data, size) == 0);
	}
	fz_rx_paths_agree(data, size, seed);
	fz_base64_check(data, size);
	return 0;
}

#ifndef FZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_serial_one(data, size);
}
#endif
