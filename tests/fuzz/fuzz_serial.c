/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: SMP serial line decoder (base64 + CRC16 packets) and the line encoder. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
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
 *  - round trip: the stream bytes encoded as one frame and decoded again are equal.
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
		size_t n;

		seed = seed * 1103515245u + 12345u;
		n = 1u + (seed >> 16) % 64u;
		if (n > size - pos) {
			n = size - pos;
		}
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
	return 0;
}

#ifndef FZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_serial_one(data, size);
}
#endif
