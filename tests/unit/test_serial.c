/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the SMP-over-console codec: golden line, line splitting, client styles, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/crypto.h"
#include "sdfu/err.h"
#include "sdfu/transport.h"

/* spec §7.2 worked example: echo {"d":"hello"} v2 seq 0x2A */
static const uint8_t echo_frame[] = {0x0A, 0x00, 0x00, 0x09, 0x00, 0x00, 0x2A, 0x00, 0xA1,
				     0x61, 0x64, 0x65, 0x68, 0x65, 0x6C, 0x6C, 0x6F};
static const char echo_line[] = "\x06\x09" "ABMKAAAJAAAqAKFhZGVoZWxsbwo4" "\n";

/* ---- captured output ----------------------------------------------------- */
#define OUT_MAX 8192
#define LINES_MAX 1024

static uint8_t out_buf[OUT_MAX];
static size_t out_len;
static size_t line_off[LINES_MAX];
static size_t line_len[LINES_MAX];
static unsigned line_count;
static int out_fail_at = -1; /* fail the n-th line write */

static int capture_out(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	if (out_fail_at >= 0 && (int)line_count == out_fail_at) {
		return SDFU_ERR_IO;
	}
	assert_true(out_len + len <= OUT_MAX);
	assert_true(line_count < LINES_MAX);
	line_off[line_count] = out_len;
	line_len[line_count] = len;
	line_count++;
	memcpy(out_buf + out_len, data, len);
	out_len += len;
	return 0;
}

/* ---- captured frames ----------------------------------------------------- */
static uint8_t frames[4][2100];
static size_t frame_len[4];
static unsigned frame_count;

static void on_frame(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	assert_true(frame_count < 4);
	assert_true(len <= sizeof(frames[0]));
	memcpy(frames[frame_count], frame, len);
	frame_len[frame_count] = len;
	frame_count++;
}

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	out_len = 0;
	line_count = 0;
	out_fail_at = -1;
	frame_count = 0;
	return 0;
}

static void fill_pattern(uint8_t *buf, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		buf[i] = (uint8_t)(i * 31u + seed);
	}
}

/* Build the raw packet: u16 BE (len + 2), frame, CRC16 BE. Returns its length. */
static size_t make_packet(uint8_t *pkt, const uint8_t *frame, size_t len)
{
	uint16_t crc = sdfu_crc16_xmodem(0, frame, len);

	pkt[0] = (uint8_t)((len + 2) >> 8);
	pkt[1] = (uint8_t)(len + 2);
	memcpy(pkt + 2, frame, len);
	pkt[len + 2] = (uint8_t)(crc >> 8);
	pkt[len + 3] = (uint8_t)crc;
	return len + 4;
}

/*
 * smp/Go/Rust client style: base64 of the whole packet, cut every
 * ((line_length - 4) / 4) * 4 characters. Returns the wire length.
 */
static size_t client_encode(uint8_t *wire, size_t wsize, const uint8_t *frame, size_t len,
			    size_t line_length)
{
	static uint8_t pkt[2200];
	static uint8_t b64[3000];
	size_t plen = make_packet(pkt, frame, len);
	size_t blen = 0;
	size_t chunk = ((line_length - 4) / 4) * 4;
	size_t pos = 0, w = 0;

	assert_int_equal(sdfu_base64_encode(b64, sizeof(b64), &blen, pkt, plen), 0);
	while (pos < blen) {
		size_t n = blen - pos < chunk ? blen - pos : chunk;

		assert_true(w + n + 3 <= wsize);
		wire[w++] = pos == 0 ? 0x06 : 0x04;
		wire[w++] = pos == 0 ? 0x09 : 0x14;
		memcpy(wire + w, b64 + pos, n);
		w += n;
		wire[w++] = '\n';
		pos += n;
	}
	return w;
}

static void feed_bytewise(struct sdfu_serial_rx *rx, const uint8_t *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		sdfu_serial_rx_feed(rx, data + i, 1, on_frame, NULL);
	}
}

/* ---- tests ------------------------------------------------------------------ */

static void test_golden_tx_line(void **state)
{
	struct sdfu_serial_tx tx;

	(void)state;
	sdfu_serial_tx_init(&tx, 0, capture_out, NULL);
	assert_int_equal(tx.line_len, 127);
	assert_int_equal(sdfu_serial_tx_frame(&tx, echo_frame, sizeof(echo_frame)), 0);
	assert_int_equal(line_count, 1);
	assert_int_equal(out_len, sizeof(echo_line) - 1);
	assert_memory_equal(out_buf, echo_line, sizeof(echo_line) - 1);
}

static void test_golden_rx_line(void **state)
{
	struct sdfu_serial_rx rx;
	int n;

	(void)state;
	sdfu_serial_rx_init(&rx);
	n = sdfu_serial_rx_feed(&rx, (const uint8_t *)echo_line, sizeof(echo_line) - 1, on_frame,
				NULL);
	assert_int_equal(n, 1);
	assert_int_equal(frame_count, 1);
	assert_int_equal(frame_len[0], sizeof(echo_frame));
	assert_memory_equal(frames[0], echo_frame, sizeof(echo_frame));
	assert_int_equal(rx.frames, 1);
	assert_int_equal(rx.dropped, 0);
	assert_false(rx.in_packet);
}

/* Every emitted line respects the limit, has the right start bytes and decodes on its own. */
static void check_lines(size_t max_line, size_t frame_size)
{
	uint8_t pkt[2200];
	uint8_t dec[2200];
	size_t dec_len = 0;
	unsigned i;

	for (i = 0; i < line_count; i++) {
		const uint8_t *l = out_buf + line_off[i];
		size_t ll = line_len[i];
		size_t olen = 0;

		assert_true(ll <= max_line);
		assert_true(ll >= 7);
		assert_int_equal(l[0], i == 0 ? 0x06 : 0x04);
		assert_int_equal(l[1], i == 0 ? 0x09 : 0x14);
		assert_int_equal(l[ll - 1], '\n');
		assert_int_equal((ll - 3) % 4, 0);
		if (i + 1 < line_count) {
			assert_null(memchr(l + 2, '=', ll - 3)); /* padding only on the last line */
		}
		assert_int_equal(sdfu_base64_decode(dec + dec_len, sizeof(dec) - dec_len, &olen,
						    l + 2, ll - 3),
				 0);
		dec_len += olen;
	}
	assert_int_equal(dec_len, frame_size + 4);
	(void)pkt;
}

static void test_split_frame_roundtrip(void **state)
{
	static const uint16_t lens[] = {7, 8, 16, 40, 127, 128, 200, 256, 300};
	static uint8_t frame[2048];
	struct sdfu_serial_tx tx;
	struct sdfu_serial_rx rx;
	size_t li;

	(void)state;
	fill_pattern(frame, sizeof(frame), 3);
	for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		size_t fsz = (li % 2) ? sizeof(frame) : 301;
		size_t expect_max = lens[li] > SDFU_SERIAL_LINE_MAX ? SDFU_SERIAL_LINE_MAX : lens[li];

		setup(NULL);
		sdfu_serial_tx_init(&tx, lens[li], capture_out, NULL);
		assert_int_equal(tx.line_len, expect_max);
		assert_int_equal(sdfu_serial_tx_frame(&tx, frame, fsz), 0);
		assert_true(line_count > 1);
		check_lines(expect_max, fsz);

		sdfu_serial_rx_init(&rx);
		feed_bytewise(&rx, out_buf, out_len);
		assert_int_equal(frame_count, 1);
		assert_int_equal(frame_len[0], fsz);
		assert_memory_equal(frames[0], frame, fsz);
		assert_int_equal(rx.dropped, 0);
	}
	/* 127-byte lines carry 93 raw bytes: a 2048-byte frame needs ceil(2052/93) lines */
	setup(NULL);
	sdfu_serial_tx_init(&tx, 127, capture_out, NULL);
	assert_int_equal(sdfu_serial_tx_frame(&tx, frame, 2048), 0);
	assert_int_equal(line_count, (2052 + 92) / 93);
	assert_int_equal(line_len[0], 127);
}

/* smpclient / Go / Rust: whole-packet base64 cut at line_length - 4 (multiple of 4). */
static void test_client_style_lines(void **state)
{
	static const size_t line_lengths[] = {8, 20, 128, 512};
	static uint8_t frame[1500];
	static uint8_t wire[4000];
	struct sdfu_serial_rx rx;
	size_t i;

	(void)state;
	fill_pattern(frame, sizeof(frame), 9);
	for (i = 0; i < sizeof(line_lengths) / sizeof(line_lengths[0]); i++) {
		size_t fsz = 100 + i * 333;
		size_t w = client_encode(wire, sizeof(wire), frame, fsz, line_lengths[i]);

		setup(NULL);
		sdfu_serial_rx_init(&rx);
		/* in one call, and then in odd-sized pieces */
		assert_int_equal(sdfu_serial_rx_feed(&rx, wire, w, on_frame, NULL), 1);
		assert_int_equal(frame_len[0], fsz);
		assert_memory_equal(frames[0], frame, fsz);
		{
			size_t pos = 0, step = 1;

			while (pos < w) {
				size_t n = (w - pos) < step ? (w - pos) : step;

				sdfu_serial_rx_feed(&rx, wire + pos, n, on_frame, NULL);
				pos += n;
				step = step * 3 % 17 + 1;
			}
		}
		assert_int_equal(frame_count, 2);
		assert_memory_equal(frames[1], frame, fsz);
		assert_int_equal(rx.dropped, 0);
	}
}

/* Zephyr style: each line padded on its own (e.g. CRC kept whole on the last line). */
static void test_zephyr_style_lines(void **state)
{
	uint8_t pkt[64];
	uint8_t wire[256];
	size_t plen = make_packet(pkt, echo_frame, sizeof(echo_frame));
	size_t w = 0, olen = 0;
	struct sdfu_serial_rx rx;

	(void)state;
	/* line 1: the first 4 packet bytes ("xxxx" "xx=="), line 2: 13 bytes, line 3: the rest */
	wire[w++] = 0x06;
	wire[w++] = 0x09;
	assert_int_equal(sdfu_base64_encode(wire + w, sizeof(wire) - w, &olen, pkt, 4), 0);
	w += olen;
	wire[w++] = '\n';
	wire[w++] = 0x04;
	wire[w++] = 0x14;
	assert_int_equal(sdfu_base64_encode(wire + w, sizeof(wire) - w, &olen, pkt + 4, 13), 0);
	w += olen;
	wire[w++] = '\r'; /* CRLF is tolerated */
	wire[w++] = '\n';
	wire[w++] = 0x04;
	wire[w++] = 0x14;
	assert_int_equal(
		sdfu_base64_encode(wire + w, sizeof(wire) - w, &olen, pkt + 17, plen - 17), 0);
	w += olen;
	wire[w++] = '\n';

	sdfu_serial_rx_init(&rx);
	assert_int_equal(sdfu_serial_rx_feed(&rx, wire, w, on_frame, NULL), 1);
	assert_int_equal(frame_len[0], sizeof(echo_frame));
	assert_memory_equal(frames[0], echo_frame, sizeof(echo_frame));
}

static void test_bad_crc_dropped_then_next_served(void **state)
{
	uint8_t wire[256];
	uint8_t bad[256];
	size_t w = client_encode(wire, sizeof(wire), echo_frame, sizeof(echo_frame), 128);
	struct sdfu_serial_rx rx;

	(void)state;
	memcpy(bad, wire, w);
	/* change one base64 character of the payload: still valid base64, wrong CRC */
	bad[10] = bad[10] == 'A' ? 'B' : 'A';
	sdfu_serial_rx_init(&rx);
	assert_int_equal(sdfu_serial_rx_feed(&rx, bad, w, on_frame, NULL), 0);
	assert_int_equal(frame_count, 0);
	assert_int_equal(rx.dropped, 1);
	assert_true(fake_port_log_contains("bad CRC"));
	assert_int_equal(sdfu_serial_rx_feed(&rx, wire, w, on_frame, NULL), 1);
	assert_int_equal(frame_count, 1);
	assert_memory_equal(frames[0], echo_frame, sizeof(echo_frame));
	assert_int_equal(rx.dropped, 1);
}

static void test_bad_base64_dropped(void **state)
{
	static const char lines[] = "\x06\x09" "ABMK*AAJAAAqAKFhZGVoZWxsbwo4\n"
				    "\x04\x14" "AAAA\n"; /* continuation of a dropped packet */
	static const char partial[] = "\x06\x09" "ABMKAAAJAAAqAKFhZGVoZWxsbwo\n"; /* 27 chars */
	struct sdfu_serial_rx rx;

	(void)state;
	sdfu_serial_rx_init(&rx);
	assert_int_equal(sdfu_serial_rx_feed(&rx, (const uint8_t *)lines, sizeof(lines) - 1,
					     on_frame, NULL),
			 0);
	assert_int_equal(rx.dropped, 1);
	assert_true(fake_port_log_contains("bad base64"));
	assert_int_equal(sdfu_serial_rx_feed(&rx, (const uint8_t *)partial, sizeof(partial) - 1,
					     on_frame, NULL),
			 0);
	assert_int_equal(rx.dropped, 2);
	assert_true(fake_port_log_contains("multiple of 4"));
	assert_int_equal(sdfu_serial_rx_feed(&rx, (const uint8_t *)echo_line,
					     sizeof(echo_line) - 1, on_frame, NULL),
			 1);
	assert_int_equal(frame_count, 1);
}

static void test_overlong_dropped(void **state)
{
	uint8_t pkt[16] = {0};
	uint8_t wire[64];
	size_t w = 0, olen = 0;
	struct sdfu_serial_rx rx;
	static uint8_t frame[100];
	static uint8_t wire2[400];
	size_t w2;

	(void)state;
	/* a length field larger than the reassembly buffer */
	pkt[0] = (uint8_t)((SDFU_SERIAL_RX_BUF_SIZE + 1) >> 8);
	pkt[1] = (uint8_t)(SDFU_SERIAL_RX_BUF_SIZE + 1);
	wire[w++] = 0x06;
	wire[w++] = 0x09;
	assert_int_equal(sdfu_base64_encode(wire + w, sizeof(wire) - w, &olen, pkt, 12), 0);
	w += olen;
	wire[w++] = '\n';
	sdfu_serial_rx_init(&rx);
	assert_int_equal(sdfu_serial_rx_feed(&rx, wire, w, on_frame, NULL), 0);
	assert_int_equal(rx.dropped, 1);
	assert_true(fake_port_log_contains("frame too large"));

	/* more data than the length says: append a continuation line to a complete packet */
	fill_pattern(frame, sizeof(frame), 1);
	w2 = client_encode(wire2, sizeof(wire2), frame, 50, 2000); /* one line */
	wire2[w2 - 1] = 'A'; /* extend the line with 4 more characters instead of '\n' */
	memcpy(wire2 + w2, "AAA\n", 4);
	w2 += 4;
	assert_int_equal(sdfu_serial_rx_feed(&rx, wire2, w2, on_frame, NULL), 0);
	assert_int_equal(rx.dropped, 2);
	assert_true(fake_port_log_contains("more data than its length"));
	assert_int_equal(frame_count, 0);
}

static void test_truncated_then_next(void **state)
{
	static uint8_t frame[400];
	static uint8_t wire[1000];
	size_t w;
	struct sdfu_serial_rx rx;

	(void)state;
	fill_pattern(frame, sizeof(frame), 5);
	w = client_encode(wire, sizeof(wire), frame, sizeof(frame), 128);
	sdfu_serial_rx_init(&rx);
	/* only the first two lines (each 127 bytes), then a new packet */
	assert_int_equal(sdfu_serial_rx_feed(&rx, wire, 254, on_frame, NULL), 0);
	assert_true(rx.in_packet);
	assert_int_equal(sdfu_serial_rx_feed(&rx, (const uint8_t *)echo_line,
					     sizeof(echo_line) - 1, on_frame, NULL),
			 1);
	assert_int_equal(rx.dropped, 1);
	assert_true(fake_port_log_contains("truncated"));
	assert_memory_equal(frames[0], echo_frame, sizeof(echo_frame));
	/* and the big one whole */
	assert_int_equal(sdfu_serial_rx_feed(&rx, wire, w, on_frame, NULL), 1);
	assert_memory_equal(frames[1], frame, sizeof(frame));
}

static void test_non_smp_text_ignored(void **state)
{
	static uint8_t frame[300];
	static uint8_t wire[1000];
	static uint8_t mixed[1400];
	size_t w, m = 0, first_line;
	struct sdfu_serial_rx rx;
	static const char noise[] = "uart:~$ hello\n\x06xx\n\x04\x15zz\n\n\x01\x02 binary\n";

	(void)state;
	fill_pattern(frame, sizeof(frame), 7);
	w = client_encode(wire, sizeof(wire), frame, sizeof(frame), 128);
	first_line = (size_t)((const uint8_t *)memchr(wire, '\n', w) - wire) + 1;
	sdfu_serial_rx_init(&rx);
	/* continuation with no packet open: ignored */
	assert_int_equal(sdfu_serial_rx_feed(&rx, (const uint8_t *)"\x04\x14" "AAAA\n", 7,
					     on_frame, NULL),
			 0);
	assert_false(rx.in_packet);
	/* noise before, between the first and next lines, and after */
	memcpy(mixed + m, noise, sizeof(noise) - 1);
	m += sizeof(noise) - 1;
	memcpy(mixed + m, wire, first_line);
	m += first_line;
	memcpy(mixed + m, noise, sizeof(noise) - 1);
	m += sizeof(noise) - 1;
	memcpy(mixed + m, wire + first_line, w - first_line);
	m += w - first_line;
	memcpy(mixed + m, noise, sizeof(noise) - 1);
	m += sizeof(noise) - 1;
	feed_bytewise(&rx, mixed, m);
	assert_int_equal(frame_count, 1);
	assert_memory_equal(frames[0], frame, sizeof(frame));
	assert_int_equal(rx.dropped, 0);
}

static void test_tx_limits_and_errors(void **state)
{
	struct sdfu_serial_tx tx;
	static uint8_t frame[300];

	(void)state;
	sdfu_serial_tx_init(&tx, 3, capture_out, NULL);
	assert_int_equal(tx.line_len, SDFU_SERIAL_LINE_MIN);
	sdfu_serial_tx_init(&tx, 1000, capture_out, NULL);
	assert_int_equal(tx.line_len, SDFU_SERIAL_LINE_MAX);
	assert_int_equal(sdfu_serial_tx_frame(&tx, frame, 65534), SDFU_ERR_MSGSIZE);
	assert_int_equal(line_count, 0);
	/* an output error stops the packet */
	sdfu_serial_tx_init(&tx, 40, capture_out, NULL);
	out_fail_at = 2;
	assert_int_equal(sdfu_serial_tx_frame(&tx, frame, sizeof(frame)), SDFU_ERR_IO);
	assert_int_equal(line_count, 2);
	/* empty frame: length 2 + CRC of nothing */
	setup(NULL);
	assert_int_equal(sdfu_serial_tx_frame(&tx, frame, 0), 0);
	assert_int_equal(line_count, 1);
	assert_memory_equal(out_buf, "\x06\x09" "AAIAAA==\n", 11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_golden_tx_line, setup),
		cmocka_unit_test_setup(test_golden_rx_line, setup),
		cmocka_unit_test_setup(test_split_frame_roundtrip, setup),
		cmocka_unit_test_setup(test_client_style_lines, setup),
		cmocka_unit_test_setup(test_zephyr_style_lines, setup),
		cmocka_unit_test_setup(test_bad_crc_dropped_then_next_served, setup),
		cmocka_unit_test_setup(test_bad_base64_dropped, setup),
		cmocka_unit_test_setup(test_overlong_dropped, setup),
		cmocka_unit_test_setup(test_truncated_then_next, setup),
		cmocka_unit_test_setup(test_non_smp_text_ignored, setup),
		cmocka_unit_test_setup(test_tx_limits_and_errors, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
