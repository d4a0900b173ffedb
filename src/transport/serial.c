/* SPDX-License-Identifier: Apache-2.0 */
/* SMP over console: line receive state machine, line encoder, and the serial endpoint adapter. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sdfu/transport.h"

#define SDFU_LOG_MODULE "serial"

/* Position within the current input line. */
enum {
	LS_START = 0, /* first byte of a line */
	LS_GOT_06,    /* saw 0x06, expect 0x09 */
	LS_GOT_04,    /* saw 0x04, expect 0x14 */
	LS_DATA,      /* base64 text of an SMP line */
	LS_SKIP,      /* not ours (or a dropped packet): ignore until '\n' */
};

void sdfu_serial_rx_init(struct sdfu_serial_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->line_state = LS_START;
}

static void rx_packet_reset(struct sdfu_serial_rx *rx)
{
	rx->quad_len = 0;
	rx->len_bytes = 0;
	rx->pkt_len = 0;
	rx->got = 0;
}

/* Drop the open packet; the rest of the line is ignored. */
static void rx_drop(struct sdfu_serial_rx *rx, const char *why)
{
	SDFU_LOGW("frame dropped: %s (%u of %u bytes)", why, (unsigned)rx->got,
		  (unsigned)rx->pkt_len);
	rx->dropped++;
	rx->in_packet = false;
	rx_packet_reset(rx);
	rx->line_state = LS_SKIP;
}

/* Append one decoded byte. Returns false when the packet was dropped. */
static bool rx_append(struct sdfu_serial_rx *rx, uint8_t b)
{
	if (rx->len_bytes < 2) {
		rx->pkt_len = (uint16_t)((rx->pkt_len << 8) | b);
		rx->len_bytes++;
		if (rx->len_bytes == 2 && rx->pkt_len > SDFU_SERIAL_RX_BUF_SIZE) {
			SDFU_LOGW("frame dropped: frame too large (%u > buf_size %u B)", (unsigned)rx->pkt_len,
				  (unsigned)SDFU_SERIAL_RX_BUF_SIZE);
			rx_drop(rx, "frame too large");
			return false;
		}
		if (rx->len_bytes == 2 && rx->pkt_len < 2) {
			rx_drop(rx, "bad length");
			return false;
		}
		return true;
	}
	if (rx->got >= rx->pkt_len) {
		rx_drop(rx, "more data than its length");
		return false;
	}
	rx->buf[rx->got++] = b;
	return true;
}

/* Decode the 4 pending characters. Returns false when the packet was dropped. Kept out
 * of line: its buffers then stay off the frame-callback path (the deepest stack). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static bool rx_decode_quad(struct sdfu_serial_rx *rx)
{
	uint8_t out[3];
	size_t olen = sdfu_base64_decode_quad(out, rx->quad);
	size_t i;

	rx->quad_len = 0;
	if (olen == 0u) {
		rx_drop(rx, "bad base64");
		return false;
	}
	for (i = 0; i < olen; i++) {
		if (!rx_append(rx, out[i])) {
			return false;
		}
	}
	return true;
}

/* End of an SMP data line: deliver the packet if complete. Returns 1 if a frame was delivered. */
static int rx_end_of_data_line(struct sdfu_serial_rx *rx, sdfu_serial_frame_fn fn, void *ctx)
{
	if (rx->quad_len != 0) {
		rx_drop(rx, "line not a multiple of 4 base64 characters");
		return 0;
	}
	if (rx->len_bytes < 2 || rx->got < rx->pkt_len) {
		return 0; /* wait for continuation lines */
	}
	if (sdfu_crc16_xmodem(0, rx->buf, rx->pkt_len) != 0) {
		rx_drop(rx, "bad CRC");
		return 0;
	}
	rx->in_packet = false;
	rx->frames++;
	if (fn != NULL) {
		fn(ctx, rx->buf, (size_t)rx->pkt_len - 2u);
	}
	rx_packet_reset(rx);
	return 1;
}

/*
 * Fast path inside a data line: decode as many whole 4-character groups straight
 * into the packet buffer as the input holds and the announced length leaves room
 * for. It stops before anything else (the '\n', whitespace, padding, a bad
 * character, the group that would overrun the length), which the byte-by-byte
 * path below then handles with the same rules as before. Returns bytes consumed.
 */
static size_t rx_bulk(struct sdfu_serial_rx *rx, const uint8_t *data, size_t len)
{
	size_t groups = ((size_t)rx->pkt_len - rx->got) / 3u;

	if (len / 4u < groups) {
		groups = len / 4u;
	}
	groups = sdfu_base64_decode_groups(&rx->buf[rx->got], data, groups * 4u);
	rx->got = (uint16_t)(rx->got + groups * 3u);
	return groups * 4u;
}

int sdfu_serial_rx_feed(struct sdfu_serial_rx *rx, const uint8_t *data, size_t len,
			sdfu_serial_frame_fn fn, void *ctx)
{
	int frames = 0;
	size_t i = 0;

	while (i < len) {
		uint8_t b;

		if (rx->line_state == LS_DATA && rx->quad_len == 0u && rx->len_bytes == 2u) {
			i += rx_bulk(rx, data + i, len - i);
			if (i == len) {
				break;
			}
		}
		b = data[i++];
		switch (rx->line_state) {
		case LS_START:
			if (b == SDFU_SERIAL_START_1) {
				rx->line_state = LS_GOT_06;
			} else if (b == SDFU_SERIAL_CONT_1) {
				rx->line_state = LS_GOT_04;
			} else if (b != '\n') {
				rx->line_state = LS_SKIP;
			}
			break;
		case LS_GOT_06:
			if (b == SDFU_SERIAL_START_2) {
				if (rx->in_packet) {
					SDFU_LOGW("frame dropped: truncated (%u of %u bytes)",
						  (unsigned)rx->got, (unsigned)rx->pkt_len);
					rx->dropped++;
				}
				rx_packet_reset(rx);
				rx->in_packet = true;
				rx->line_state = LS_DATA;
			} else {
				rx->line_state = (b == '\n') ? LS_START : LS_SKIP;
			}
			break;
		case LS_GOT_04:
			if (b == SDFU_SERIAL_CONT_2 && rx->in_packet) {
				rx->line_state = LS_DATA;
			} else {
				rx->line_state = (b == '\n') ? LS_START : LS_SKIP;
			}
			break;
		case LS_DATA:
			if (b == '\n') {
				frames += rx_end_of_data_line(rx, fn, ctx);
				rx->line_state = LS_START; /* after a drop too */
			} else if (b == '\r' || b == ' ' || b == '\t') {
				/* tolerated whitespace */
			} else {
				rx->quad[rx->quad_len++] = b;
				if (rx->quad_len == 4) {
					(void)rx_decode_quad(rx);
				}
			}
			break;
		default: /* LS_SKIP: ignore the rest of the line */
			while (b != '\n' && i < len) {
				b = data[i++];
			}
			if (b == '\n') {
				rx->line_state = LS_START;
			}
			break;
		}
	}
	return frames;
}

void sdfu_serial_tx_init(struct sdfu_serial_tx *tx, uint16_t line_len, sdfu_serial_out_fn out,
			 void *out_ctx)
{
	if (line_len == 0) {
		line_len = SDFU_SERIAL_LINE_LEN;
	}
	if (line_len < SDFU_SERIAL_LINE_MIN) {
		line_len = SDFU_SERIAL_LINE_MIN;
	}
	if (line_len > SDFU_SERIAL_LINE_MAX) {
		line_len = SDFU_SERIAL_LINE_MAX;
	}
	tx->line_len = line_len;
	tx->out = out;
	tx->out_ctx = out_ctx;
}

/* Byte `i` of the packet: 2 length bytes, the frame, 2 CRC bytes (all big-endian). */
static uint8_t tx_packet_byte(const uint8_t *frame, size_t len, uint16_t crc, size_t i)
{
	size_t pkt_len = len + 2u;

	if (i == 0) {
		return (uint8_t)(pkt_len >> 8);
	}
	if (i == 1) {
		return (uint8_t)pkt_len;
	}
	i -= 2u;
	if (i < len) {
		return frame[i];
	}
	return (i == len) ? (uint8_t)(crc >> 8) : (uint8_t)crc;
}

int sdfu_serial_tx_frame(struct sdfu_serial_tx *tx, const uint8_t *frame, size_t len)
{
	size_t total;
	size_t per_line;
	size_t pos = 0;
	uint16_t crc;
	bool first = true;
	uint8_t line[SDFU_SERIAL_LINE_MAX];

	if (len > 0xFFFFu - 2u) {
		return SDFU_ERR_MSGSIZE;
	}
	crc = sdfu_crc16_xmodem(0, frame, len);
	total = len + 4u;
	/* raw bytes per line: a multiple of 3 so each line is whole base64 groups */
	per_line = (((size_t)tx->line_len - 3u) / 4u) * 3u;

	while (pos < total) {
		size_t n = 2;
		size_t line_end = pos + per_line;
		int rc;

		if (line_end > total) {
			line_end = total;
		}
		line[0] = first ? SDFU_SERIAL_START_1 : SDFU_SERIAL_CONT_1;
		line[1] = first ? SDFU_SERIAL_START_2 : SDFU_SERIAL_CONT_2;
		first = false;
		while (pos < line_end) {
			uint8_t grp[3];
			size_t k = 0;
			size_t olen = 0;

			while (k < 3u && pos < line_end) {
				grp[k++] = tx_packet_byte(frame, len, crc, pos++);
			}
			rc = sdfu_base64_encode(&line[n], sizeof(line) - n, &olen, grp, k);
			if (rc != SDFU_OK) {
				return rc;
			}
			n += olen;
		}
		line[n++] = '\n';
		rc = tx->out(tx->out_ctx, line, n);
		if (rc < 0) {
			return rc;
		}
	}
	return SDFU_OK;
}
