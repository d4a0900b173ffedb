/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the BLE GATT SMP codec: reassembly, overrun drop, oversize refuse, MTU-3 notifications. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sdfu/ble.h"
#include "sdfu/err.h"
#include "sdfu/os.h"
#include "sdfu/smp.h"
#include "sdfu/timer.h"

#include "fake_port.h"

/* Build a frame with header length `plen` and payload bytes i & 0xff. Returns the total size. */
static size_t make_frame(uint8_t *out, uint16_t plen, uint8_t seq)
{
	struct sdfu_smp_hdr h = {.op = SDFU_SMP_OP_WRITE, .ver = 1, .len = plen, .group = 0x40,
				 .seq = seq, .id = 3};
	uint16_t i;

	sdfu_smp_hdr_encode(&h, out);
	for (i = 0; i < plen; i++) {
		out[SDFU_SMP_HDR_SIZE + i] = (uint8_t)(i * 3u + seq);
	}
	return SDFU_SMP_HDR_SIZE + plen;
}

static uint8_t fr[SDFU_BLE_RX_BUF_SIZE + 64];

/* What the last wr() delivered (a complete frame), as sdfu_ble_rx_write() returns it. */
static const uint8_t *wr_out;
static size_t wr_len;

/* One characteristic write of fr[off, off + n). */
static int wr(struct sdfu_ble_rx *rx, size_t off, size_t n)
{
	return sdfu_ble_rx_write(rx, fr + off, n, &wr_out, &wr_len);
}

/* The write of fr[off, off + n) completes a frame: the first `len` bytes of fr come out. */
static void delivers(struct sdfu_ble_rx *rx, size_t off, size_t n, size_t len)
{

	assert_int_equal(wr(rx, off, n), 1);
	assert_int_equal(wr_len, len);
	assert_memory_equal(wr_out, fr, len);
}

static void test_reassembly_across_writes(void **state)
{
	static struct sdfu_ble_rx rx;
	size_t total = make_frame(fr, 600, 7);
	size_t off = 0;
	int calls = 0;

	(void)state;
	fake_port_reset_state();
	sdfu_ble_rx_init(&rx, 1024);
	/* MTU 260 writes: 257 bytes each; the last one completes the frame */
	while (off < total) {
		size_t n = total - off < 257 ? total - off : 257;
		int rc = wr(&rx, off, n);

		off += n;
		calls++;
		if (off < total) {
			assert_int_equal(rc, 0);
			assert_true(sdfu_ble_rx_busy(&rx));
		} else {
			assert_int_equal(rc, 1);
		}
	}
	assert_int_equal(calls, 3);
	assert_int_equal(wr_len, total);
	assert_memory_equal(wr_out, fr, total);
	assert_false(sdfu_ble_rx_busy(&rx));
	assert_int_equal(rx.frames, 1);
	/* a header-only frame completes in one write; a first write of exactly 8 bytes works */
	total = make_frame(fr, 0, 1);
	assert_int_equal(wr(&rx, 0, total), 1);
	assert_int_equal(wr_len, 8);
	/* header split: the first write must hold the whole header */
	total = make_frame(fr, 10, 2);
	assert_int_equal(wr(&rx, 0, 8), 0);
	assert_int_equal(wr(&rx, 8, 1), 0);
	delivers(&rx, 9, 9, 18);
	assert_int_equal(rx.frames, 3);
	assert_int_equal(rx.dropped, 0);
	assert_int_equal(rx.refused, 0);
}

static void test_overrun_drops_frame(void **state)
{
	static struct sdfu_ble_rx rx;
	size_t total = make_frame(fr, 100, 3);

	(void)state;
	sdfu_ble_rx_init(&rx, 0);
	assert_int_equal(rx.max_frame, SDFU_BLE_RX_BUF_SIZE);
	assert_int_equal(wr(&rx, 0, 60), 0);
	/* 60 + 49 = 109 > 108: the whole partial frame goes */
	assert_int_equal(wr(&rx, 60, 49), SDFU_ERR_RANGE);
	assert_false(sdfu_ble_rx_busy(&rx));
	assert_int_equal(rx.dropped, 1);
	assert_true(fake_port_log_contains("overruns"));
	/* the rest of the old frame now looks like a new first write: its "header" is payload
	 * bytes; payload byte 2..3 give some length; whatever it is, a clean frame works next */
	sdfu_ble_rx_reset(&rx);
	/* a first write larger than its own frame also overruns */
	make_frame(fr, 4, 9);
	assert_int_equal(wr(&rx, 0, 13), SDFU_ERR_RANGE);
	assert_int_equal(rx.dropped, 2);
	/* next good frame is delivered */
	total = make_frame(fr, 100, 4);
	delivers(&rx, 0, total, 108);
	/* reset with a partial frame open counts a drop; reset when idle does not */
	assert_int_equal(wr(&rx, 0, 20), 0);
	sdfu_ble_rx_reset(&rx);
	assert_int_equal(rx.dropped, 3);
	sdfu_ble_rx_reset(&rx);
	assert_int_equal(rx.dropped, 3);
	assert_int_equal(rx.frames, 1);
}

static void test_oversize_and_short_refused(void **state)
{
	static struct sdfu_ble_rx rx;
	size_t total;

	(void)state;
	sdfu_ble_rx_init(&rx, 384);
	total = make_frame(fr, 384 - 8 + 1, 1); /* 385 > 384 */
	assert_int_equal(wr(&rx, 0, 100), SDFU_ERR_MSGSIZE);
	assert_false(sdfu_ble_rx_busy(&rx));
	assert_int_equal(rx.refused, 1);
	/* exactly max_frame is fine */
	total = make_frame(fr, 384 - 8, 2);
	assert_int_equal(wr(&rx, 0, 200), 0);
	assert_int_equal(wr(&rx, 200, total - 200), 1);
	assert_int_equal(wr_len, 384);
	/* first write shorter than the header */
	assert_int_equal(wr(&rx, 0, 7), SDFU_ERR_CORRUPT);
	assert_int_equal(rx.refused, 2);
	assert_int_equal(wr(&rx, 0, 0), SDFU_ERR_INVAL);
	/* too big for the buffer itself: max_frame is clamped */
	sdfu_ble_rx_init(&rx, 65535);
	assert_int_equal(rx.max_frame, SDFU_BLE_RX_BUF_SIZE);
	make_frame(fr, SDFU_BLE_RX_BUF_SIZE - 7, 3);
	assert_int_equal(wr(&rx, 0, 8), SDFU_ERR_MSGSIZE);
	assert_int_equal(rx.frames, 0);
}

/* notification sink */
struct sink {
	uint8_t data[4096];
	size_t len;
	size_t sizes[64];
	unsigned count;
	int fail_above;  /**< refuse chunks larger than this with NOMEM (0 = never) */
	int fail_at;     /**< return IO on this call number (1-based, 0 = never) */
	unsigned calls;
};

static int sink_notify(void *ctx, const uint8_t *d, size_t n)
{
	struct sink *s = ctx;

	s->calls++;
	if (s->fail_at != 0 && (int)s->calls == s->fail_at) {
		return SDFU_ERR_IO;
	}
	if (s->fail_above != 0 && (int)n > s->fail_above) {
		return SDFU_ERR_NOMEM;
	}
	memcpy(&s->data[s->len], d, n);
	s->len += n;
	s->sizes[s->count++] = n;
	return 0;
}

static void test_notify_fragmentation(void **state)
{
	static struct sink s;
	size_t total = make_frame(fr, 600, 5);
	unsigned i;

	(void)state;
	memset(&s, 0, sizeof(s));
	/* MTU 260: 257-byte notifications: 257 + 257 + 94 */
	assert_int_equal(sdfu_ble_tx_frame(fr, total, 260, sink_notify, &s), 3);
	assert_int_equal(s.sizes[0], 257);
	assert_int_equal(s.sizes[1], 257);
	assert_int_equal(s.sizes[2], 94);
	assert_int_equal(s.len, total);
	assert_memory_equal(s.data, fr, total);
	/* MTU 498 (nRF54H20): 495-byte chunks: 2 notifications */
	memset(&s, 0, sizeof(s));
	assert_int_equal(sdfu_ble_tx_frame(fr, total, 498, sink_notify, &s), 2);
	assert_int_equal(s.sizes[0], 495);
	assert_int_equal(s.sizes[1], 113);
	/* default MTU 23: 20-byte chunks, exact multiple */
	memset(&s, 0, sizeof(s));
	total = make_frame(fr, 32, 1); /* 40 bytes */
	assert_int_equal(sdfu_ble_tx_frame(fr, total, 23, sink_notify, &s), 2);
	assert_int_equal(s.sizes[0], 20);
	assert_int_equal(s.sizes[1], 20);
	/* never bigger than MTU-3 */
	memset(&s, 0, sizeof(s));
	total = make_frame(fr, 1000, 2);
	assert_int_equal(sdfu_ble_tx_frame(fr, total, 100, sink_notify, &s), 11);
	for (i = 0; i < s.count; i++) {
		assert_true(s.sizes[i] <= 97);
	}
	assert_memory_equal(s.data, fr, total);
	/* bad arguments */
	assert_int_equal(sdfu_ble_tx_frame(fr, total, 22, sink_notify, &s), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_ble_tx_frame(fr, 0, 260, sink_notify, &s), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_ble_tx_frame(fr, total, 260, NULL, &s), SDFU_ERR_INVAL);
}

static void test_notify_halving_and_errors(void **state)
{
	static struct sink s;
	size_t total = make_frame(fr, 300, 6);
	unsigned i;

	(void)state;
	/* the stack takes at most 100 bytes: 257 -> 128 -> 64 */
	memset(&s, 0, sizeof(s));
	s.fail_above = 100;
	assert_true(sdfu_ble_tx_frame(fr, total, 260, sink_notify, &s) > 0);
	assert_int_equal(s.len, total);
	assert_memory_equal(s.data, fr, total);
	for (i = 0; i < s.count; i++) {
		assert_int_equal(s.sizes[i], i + 1 < s.count ? 64 : total % 64);
	}
	/* refused even at the minimum: error returned */
	memset(&s, 0, sizeof(s));
	s.fail_above = 10;
	assert_int_equal(sdfu_ble_tx_frame(fr, total, 260, sink_notify, &s), SDFU_ERR_NOMEM);
	assert_int_equal(s.len, 0);
	/* other errors abort the frame */
	memset(&s, 0, sizeof(s));
	s.fail_at = 2;
	assert_int_equal(sdfu_ble_tx_frame(fr, total, 100, sink_notify, &s), SDFU_ERR_IO);
	assert_int_equal(s.len, 97);
}

/* endpoint: echo through a real SMP server with the OS group, the request split in writes */
static struct sdfu_smp_server srv;
static struct sdfu_os os_grp;
static struct sdfu_timer_list timers;
static struct sdfu_ble ep;
static struct sink rsp;
static uint32_t seen_flags;

static int ep_tx(void *ctx, const uint8_t *frame, size_t len)
{
	return sink_notify(ctx, frame, len);
}

static enum sdfu_smp_cb_ret recv_cb(uint32_t event, enum sdfu_smp_cb_ret prev, int32_t *rc,
				    uint16_t *group, bool *abort_more, void *data, size_t size,
				    void *user)
{
	const struct sdfu_smp_cmd_info *ci = data;

	(void)event, (void)rc, (void)group, (void)abort_more, (void)size, (void)user;
	seen_flags = ci->transport != NULL ? ci->transport->flags : 0xFFFFu;
	return prev;
}

static void test_endpoint_echo(void **state)
{
	/* echo {"d": "hello ble ... "} : A1 61 64 78 <n> ... */
	static const char text[] = "hello over the BLE link model, split over several writes";
	uint8_t req[128];
	struct sdfu_smp_hdr h = {.op = SDFU_SMP_OP_WRITE, .ver = 1, .group = 0, .seq = 42, .id = 0};
	struct sdfu_smp_hdr rh;
	static struct sdfu_smp_cb cb;
	size_t n = strlen(text);
	size_t plen = 4 + n;

	(void)state;
	sdfu_timer_list_init(&timers);
	sdfu_smp_server_init(&srv);
	assert_int_equal(sdfu_os_init(&os_grp, &srv, &timers, NULL, NULL), 0);
	cb.event_id = SDFU_SMP_EVT_CMD_RECV;
	cb.fn = recv_cb;
	sdfu_smp_cb_register(&srv, &cb);
	memset(&rsp, 0, sizeof(rsp));
	sdfu_ble_init(&ep, &srv, 0, ep_tx, &rsp);
	assert_int_equal(ep.transport.flags, SDFU_SMP_TRANSPORT_F_BLE);
	assert_int_equal(ep.rx.max_frame, srv.buf_size);

	h.len = (uint16_t)plen;
	sdfu_smp_hdr_encode(&h, req);
	req[8] = 0xA1;
	req[9] = 0x61;
	req[10] = 'd';
	req[11] = 0x78;
	req[12] = (uint8_t)n;
	memcpy(&req[13], text, n);
	plen += 1;
	h.len = (uint16_t)plen;
	sdfu_smp_hdr_encode(&h, req);
	assert_int_equal(sdfu_ble_write(&ep, req, 20), 0);
	assert_int_equal(rsp.count, 0);
	assert_int_equal(sdfu_ble_write(&ep, req + 20, 20), 0);
	assert_int_equal(sdfu_ble_write(&ep, req + 40, 8 + plen - 40), 1);
	assert_int_equal(rsp.count, 1);
	sdfu_smp_hdr_decode(rsp.data, &rh);
	assert_int_equal(rh.op, SDFU_SMP_OP_WRITE_RSP);
	assert_int_equal(rh.seq, 42);
	assert_int_equal(rh.len, rsp.len - 8);
	/* response map {"r": text} (the encoder may use an indefinite map) carries the text */
	assert_non_null(memmem(rsp.data, rsp.len, text, n));
	assert_non_null(memmem(rsp.data, rsp.len, "\x61r", 2));
	assert_int_equal(seen_flags, SDFU_SMP_TRANSPORT_F_BLE);
	sdfu_smp_cb_unregister(&srv, &cb);
	assert_int_equal(sdfu_timer_count(&timers), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reassembly_across_writes),
		cmocka_unit_test(test_overrun_drops_frame),
		cmocka_unit_test(test_oversize_and_short_refused),
		cmocka_unit_test(test_notify_fragmentation),
		cmocka_unit_test(test_notify_halving_and_errors),
		cmocka_unit_test(test_endpoint_echo),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
