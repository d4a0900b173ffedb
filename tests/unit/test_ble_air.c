// SPDX-License-Identifier: Apache-2.0
/* BLE air-time model (sim/ble): packet times, link limits, and the event engine never beating them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ble/ble_air.h"
#include "ble/ble_conn.h"
#include "flash/flash_timing.h"

/* ---- packet durations against the figures of the Core spec's PHY definitions ---------- */

static void test_packet_times(void **state)
{
	(void)state;
	/* empty packets: 10 B at 1 Mb/s, 11 B at 2 Mb/s, coded preamble..TERM2 */
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_1M, 0, true), 80);
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_2M, 0, true), 44);
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_CODED_S8, 0, true), 720);
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_CODED_S2, 0, true), 462);
	/* the spec's connMaxTxTime anchors: 27 B unencrypted 328 us on 1M (with MIC 27+4),
	 * 251 B + MIC: 2120 us (1M), 1064 us (2M); 27 B coded S=8 2704 us with MIC */
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_1M, 27, true), 328);
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_1M, 27, false), 296);
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_1M, 251, true), 2120);
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_2M, 251, true), 1064);
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_CODED_S8, 27, true), 2704);
	assert_int_equal(ble_air_packet_us(BLE_AIR_PHY_CODED_S8, 27, false), 2448);
	assert_int_equal(ble_air_packet_us(9, 27, false), 0);
}

static struct ble_air_link mk(uint8_t phy, uint16_t ll, uint16_t mtu, uint32_t interval_us,
			      uint32_t ce_len_us)
{
	return (struct ble_air_link){.phy = phy, .encrypted = true, .ll_octets = ll,
				     .att_mtu = mtu, .interval_us = interval_us,
				     .latency = 0, .ce_len_us = ce_len_us};
}

/* The example: 2M, DLE 251, MTU 247, 7.5 ms, encrypted: 5 full writes per event. */
static void test_limits_example(void **state)
{
	struct ble_air_link l = mk(BLE_AIR_PHY_2M, 251, 247, 7500, 0);
	double steady = ble_air_write_steady(&l);

	(void)state;
	assert_true(steady > 162666.0 && steady < 162667.0); /* 5 * 244 B / 7.5 ms */
	/* + the largest packet fitting the 610 us left: 51 B of L2CAP */
	assert_int_equal(ble_air_event_max(&l), 5 * 251 + 51);
	assert_true(ble_air_write_limit(&l) >= steady);
	assert_true(ble_air_write_bound(&l) >= ble_air_write_limit(&l));
	/* without DLE on 1M the same interval carries much less */
	l = mk(BLE_AIR_PHY_1M, 27, 247, 7500, 0);
	assert_true(ble_air_write_limit(&l) < 40000.0);
	/* coded S=8 at 7.5 ms cannot use 251-byte packets: lowered until an exchange fits */
	l = mk(BLE_AIR_PHY_CODED_S8, 251, 247, 7500, 0);
	assert_true(ble_air_ll_eff(&l) < 251);
	assert_true(2u * ble_air_packet_us(l.phy, ble_air_ll_eff(&l), true) + 300u <= 7500u);
	/* bad parameters: no limit */
	l = mk(BLE_AIR_PHY_2M, 251, 247, 7000, 0);
	assert_int_equal(ble_air_link_check(&l), -1);
	assert_true(ble_air_write_limit(&l) == 0.0);
}

static const uint8_t phys[] = {BLE_AIR_PHY_1M, BLE_AIR_PHY_2M, BLE_AIR_PHY_CODED_S8,
			       BLE_AIR_PHY_CODED_S2};

/* Over a grid of parameters: steady <= limit <= bound, and more room never lowers the limit. */
static void test_limits_grid(void **state)
{
	static const uint16_t lls[] = {27, 60, 123, 251};
	static const uint16_t mtus[] = {23, 65, 185, 247, 498, 517};
	static const uint32_t ivs[] = {7500, 15000, 30000, 100000, 4000000};
	static const uint32_t ces[] = {0, 2500, 5000};
	size_t a, b, c, d, e;

	(void)state;
	for (a = 0; a < sizeof(phys); a++) {
		for (b = 0; b < sizeof(lls) / sizeof(lls[0]); b++) {
			for (c = 0; c < sizeof(mtus) / sizeof(mtus[0]); c++) {
				for (d = 0; d < sizeof(ivs) / sizeof(ivs[0]); d++) {
					for (e = 0; e < sizeof(ces) / sizeof(ces[0]); e++) {
						struct ble_air_link l = mk(phys[a], lls[b], mtus[c],
									   ivs[d], ces[e]);
						struct ble_air_link w = l;
						double lim = ble_air_write_limit(&l);

						assert_int_equal(ble_air_link_check(&l), 0);
						assert_true(lim > 0.0);
						assert_true(ble_air_write_steady(&l) <= lim * 1.0000001);
						assert_true(lim <= ble_air_write_bound(&l) * 1.0000001);
						w.interval_us *= 2u; /* twice the interval, same event */
						if (ces[e] != 0u) {
							assert_true(ble_air_write_limit(&w) <=
								    lim * 1.0000001);
						}
					}
				}
			}
		}
	}
}

/* ---- the engine under an SMP window upload, in virtual time ------------------------ */

#define UP_MAX_FRAMES 512
#define CENTRAL_REACT_US 1000u /* a phone app answers a notification with its next write */

struct up {
	/* configuration */
	unsigned window, bufs;
	uint32_t image, frame_max, rsp_len;
	const struct flash_timing_table *flash; /* NULL: instant flash */
	/* central */
	uint32_t chunk, frames, sent_frames, acked_frames;
	uint32_t frame_len[UP_MAX_FRAMES];
	uint32_t w_frame, w_off;          /* next write: frame index, offset in it */
	uint64_t frame_avail[UP_MAX_FRAMES];
	uint32_t rsp_got;                 /* bytes of the current response */
	uint64_t last_rsp_us;
	uint64_t rsp_at[UP_MAX_FRAMES];  /* when each response's last notification ended */
	/* peripheral */
	uint32_t r_frame, r_got;          /* frame being reassembled */
	uint64_t rx_at[UP_MAX_FRAMES];    /* when each frame's last packet ended on the air */
	unsigned rxq;                     /* complete, not yet taken by the app */
	uint32_t rx_frames;
	uint64_t app_free_us, flash_us;
	uint32_t erased_to;               /* image bytes whose pages are erased */
	unsigned max_in_use;
	struct ble_conn c;
};

static uint32_t frame_overhead(uint32_t i)
{
	return i == 0u ? 8u + 60u : 8u + 22u; /* header + CBOR keys (len, sha on the first) */
}

static unsigned in_use(const struct up *u)
{
	return u->rxq + (u->r_got > 0u ? 1u : 0u) + ble_conn_tx_frames(&u->c);
}

static uint64_t c_avail(void *ctx)
{
	struct up *u = ctx;

	if (u->w_frame >= u->sent_frames) {
		return BLE_CONN_NEVER;
	}
	return u->frame_avail[u->w_frame];
}

static size_t c_take(void *ctx, uint8_t *buf)
{
	struct up *u = ctx;
	uint32_t v = u->c.link.att_mtu - 3u;
	uint32_t left = u->frame_len[u->w_frame] - u->w_off;
	uint32_t n = left < v ? left : v;

	memset(buf, 0xA5, n);
	u->w_off += n;
	if (u->w_off == u->frame_len[u->w_frame]) {
		u->w_frame++;
		u->w_off = 0;
	}
	return n;
}

static bool p_accept(void *ctx, const uint8_t *val, size_t len)
{
	struct up *u = ctx;

	(void)val;
	(void)len;
	return u->r_got > 0u || in_use(u) < u->bufs;
}

static void p_write(void *ctx, const uint8_t *val, size_t len, uint64_t t)
{
	struct up *u = ctx;

	(void)val;
	u->r_got += (uint32_t)len;
	assert_true(u->r_got <= u->frame_len[u->r_frame]);
	if (u->r_got == u->frame_len[u->r_frame]) {
		u->rx_at[u->r_frame] = t;
		u->r_got = 0;
		u->r_frame++;
		u->rxq++;
		if (in_use(u) > u->max_in_use) {
			u->max_in_use = in_use(u);
		}
		assert_true(in_use(u) <= u->bufs);
	}
}

static void c_notify(void *ctx, const uint8_t *val, size_t len, uint64_t t)
{
	struct up *u = ctx;

	(void)val;
	u->rsp_got += (uint32_t)len;
	if (u->rsp_got == u->rsp_len) {
		u->rsp_got = 0;
		u->rsp_at[u->acked_frames++] = t;
		u->last_rsp_us = t;
		/* the window slides: the central's app writes the next frame 1 ms later */
		if (u->sent_frames < u->frames) {
			u->frame_avail[u->sent_frames++] = t + CENTRAL_REACT_US;
		}
	}
}

static const struct ble_conn_ops up_ops = {c_avail, c_take, p_accept, p_write, c_notify, NULL,
					   NULL};

/* Flash time of storing frame `i`: progressive page erase ahead of the data, then the words. */
static uint64_t frame_flash_us(struct up *u, uint32_t i)
{
	uint32_t off = i * u->chunk;
	uint32_t end = off + (i + 1u == u->frames ? u->image - off : u->chunk);
	uint64_t us = 0;

	if (u->flash == NULL) {
		return 0;
	}
	while (u->erased_to < end) {
		us += u->flash->erase_us;
		u->erased_to += u->flash->erase_unit;
	}
	return us + flash_timing_write_us(u->flash, end - off);
}

/* Run the upload; returns the elapsed virtual time, us. */
static uint64_t up_run(struct up *u, const struct ble_air_link *l, uint16_t latency)
{
	struct ble_air_link link = *l;
	uint64_t now = 0;
	uint32_t i;
	uint8_t rsp[64];

	link.latency = latency;
	u->chunk = (u->frame_max - frame_overhead(0)) & ~3u;
	u->frames = (u->image + u->chunk - 1u) / u->chunk;
	assert_true(u->frames <= UP_MAX_FRAMES);
	for (i = 0; i < u->frames; i++) {
		uint32_t data = i + 1u == u->frames ? u->image - i * u->chunk : u->chunk;

		u->frame_len[i] = frame_overhead(i) + data;
	}
	for (i = 0; i < u->window && i < u->frames; i++) {
		u->frame_avail[u->sent_frames++] = 0;
	}
	memset(rsp, 0x11, sizeof(rsp));
	assert_int_equal(ble_conn_start(&u->c, &link, 400, &up_ops, u, 0), 0);
	for (;;) {
		uint64_t next;

		ble_conn_run(&u->c, now);
		while (u->rxq > 0u) {
			/* the application takes a frame once it is in: flash time, then its response */
			uint64_t in = u->rx_at[u->rx_frames] > now ? u->rx_at[u->rx_frames] : now;
			uint64_t start = u->app_free_us > in ? u->app_free_us : in;
			uint64_t cost = frame_flash_us(u, u->rx_frames);

			u->rxq--;
			u->flash_us += cost;
			u->app_free_us = start + cost;
			assert_int_equal(ble_conn_tx_frame(&u->c, rsp, u->rsp_len, u->app_free_us), 0);
			u->rx_frames++;
		}
		if (u->acked_frames == u->frames) {
			break;
		}
		next = ble_conn_next_us(&u->c);
		assert_true(next != BLE_CONN_NEVER); /* never stuck */
		now = next > now ? next : now + 1u;
	}
	assert_int_equal(u->rx_frames, u->frames);
	return u->last_rsp_us;
}

static void up_init(struct up *u, unsigned window, unsigned bufs, uint32_t image,
		    uint32_t frame_max, const struct flash_timing_table *flash)
{
	memset(u, 0, sizeof(*u));
	u->window = window;
	u->bufs = bufs;
	u->image = image;
	u->frame_max = frame_max;
	u->rsp_len = 18;
	u->flash = flash;
}

static struct up up;

/*
 * Over a grid (PHY x data length x MTU x interval x latency x window x flash timing), an
 * upload never carries ATT values faster than the link limit, never stores the image faster
 * than the flash limit, never holds more than buf_count buffers, and always completes.
 */
static void test_engine_never_beats_limits(void **state)
{
	static const uint16_t lls[] = {27, 251};
	static const uint16_t mtus[] = {23, 247, 498};
	static const uint32_t ivs[] = {7500, 15000, 30000, 50000};
	static const uint16_t lats[] = {0, 4};
	static const unsigned wins[] = {1, 3, 4, 8};
	const struct flash_timing_table *nrf = flash_timing_table_get("nrf52840");
	size_t a, b, c, d, e, f, g;
	unsigned runs = 0;

	(void)state;
	assert_non_null(nrf);
	for (a = 0; a < sizeof(phys); a++) {
	for (b = 0; b < 2; b++) {
	for (c = 0; c < 3; c++) {
	for (d = 0; d < 4; d++) {
	for (e = 0; e < 2; e++) {
	for (f = 0; f < 4; f++) {
	for (g = 0; g < 2; g++) {
		struct ble_air_link l = mk(phys[a], lls[b], mtus[c], ivs[d], 0);
		uint32_t image = 24u * 1024u;
		uint64_t us;
		double up_rate, img_rate;

		up_init(&up, wins[f], 4, image, 2048, g ? nrf : NULL);
		us = up_run(&up, &l, lats[e]);
		runs++;
		up_rate = (double)up.c.stats.bytes_up * 1e6 / (double)us;
		img_rate = (double)image * 1e6 / (double)us;
		assert_true(up_rate <= ble_air_write_limit(&l));
		if (g) {
			/* the flash alone needs at least flash_limit's time */
			assert_true(img_rate <= flash_timing_limit(nrf, image) * 1.0000001);
			assert_true(us >= up.flash_us);
		}
		assert_true(up.max_in_use <= 4u);
		if (wins[f] > 4u && g && phys[a] == BLE_AIR_PHY_2M && lls[b] == 251u && d == 0u &&
		    mtus[c] >= 247u && lats[e] == 0u) {
			/* flash-bound with 8 requests for 4 buffers: the link pushes back */
			assert_true(up.c.stats.naks > 0u);
			assert_int_equal(up.max_in_use, 4);
		}
	}}}}}}}
	assert_int_equal(runs, 4 * 2 * 3 * 4 * 2 * 4 * 2); /* 1M, 2M, Coded S=8 and S=2 */
}

/* The target: window 4, 2M PHY, 7.5 ms, 256 KiB: at least 0.8 of the lower limit. */
static void test_engine_reaches_limit(void **state)
{
	const struct flash_timing_table *nrf = flash_timing_table_get("nrf52840");
	static const uint16_t mtus[] = {247, 498};
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		struct ble_air_link l = mk(BLE_AIR_PHY_2M, 251, mtus[i], 7500, 0);
		uint32_t image = 256u * 1024u;
		double lim;
		double rate;
		uint64_t us;

		up_init(&up, 4, 4, image, 2048, nrf);
		us = up_run(&up, &l, 0);
		rate = (double)image * 1e6 / (double)us;
		lim = flash_timing_limit(nrf, image);
		if (ble_air_write_limit(&l) < lim) {
			lim = ble_air_write_limit(&l);
		}
		assert_true(rate >= 0.8 * lim);
		assert_true(rate <= lim);
		/* instant flash: the link is the bound, and window 4 gets close to it */
		up_init(&up, 4, 4, image, 2048, NULL);
		us = up_run(&up, &l, 0);
		rate = (double)image * 1e6 / (double)us;
		assert_true(rate >= 0.8 * ble_air_write_limit(&l));
		assert_true(rate <= ble_air_write_limit(&l));
	}
}

/* ---- parameter updates take effect at the instant ---------------------------------- */

static uint64_t applied_at, requested_at;
static uint64_t none_avail(void *ctx)
{
	(void)ctx;
	return BLE_CONN_NEVER;
}
static size_t none_take(void *ctx, uint8_t *buf)
{
	(void)ctx;
	(void)buf;
	return 0;
}
static bool yes(void *ctx, const uint8_t *v, size_t n)
{
	(void)ctx;
	(void)v;
	(void)n;
	return true;
}
static void pw(void *ctx, const uint8_t *v, size_t n, uint64_t t)
{
	(void)ctx;
	(void)v;
	(void)n;
	(void)t;
}
static bool req_accepted;
static void on_req(void *ctx, uint64_t t, bool accepted)
{
	(void)ctx;
	requested_at = t;
	req_accepted = accepted;
}
static void on_applied(void *ctx, uint64_t t)
{
	(void)ctx;
	applied_at = t;
}
static const struct ble_conn_ops upd_ops = {none_avail, none_take, yes, pw, pw, on_req,
					    on_applied};

static void test_update_instant(void **state)
{
	struct ble_air_link l = mk(BLE_AIR_PHY_2M, 251, 247, 7500, 0);
	static struct ble_conn c;

	(void)state;
	l.latency = 99;
	assert_int_equal(ble_conn_start(&c, &l, 400, &upd_ops, NULL, 0), 0);
	ble_conn_run(&c, 1000); /* event 0 */
	/* the peripheral asks for latency 0 at 10 ms: it wakes for event 2 (15 ms) to send it */
	applied_at = requested_at = 0;
	assert_int_equal(ble_conn_update(&c, 7500, 0, 400, true), 0);
	assert_int_equal(ble_conn_next_us(&c), 7500);
	ble_conn_run(&c, 10000);
	assert_int_equal(requested_at, 7500);
	/* instant: the central's answer in event 2, + latency 99 + 6 events */
	assert_int_equal(c.instant, 1u + 1u + 99u + 6u);
	assert_int_equal(ble_conn_next_us(&c), 107u * 7500u);
	ble_conn_run(&c, 107u * 7500u - 1u);
	assert_int_equal(applied_at, 0);
	assert_int_equal(c.link.latency, 99);
	ble_conn_run(&c, 107u * 7500u);
	assert_int_equal(applied_at, 107u * 7500u);
	assert_int_equal(c.link.latency, 0);
	/* the central's own update to 15 ms: instant = its event + latency 0 + 6 */
	assert_int_equal(ble_conn_update(&c, 15000, 0, 400, false), 0);
	ble_conn_run(&c, 108u * 7500u);
	assert_int_equal(c.instant, 108u + 6u);
	ble_conn_run(&c, 114u * 7500u);
	assert_int_equal(c.link.interval_us, 15000);
	assert_int_equal(ble_conn_event_us(&c, 115), 114u * 7500u + 15000u);
	assert_true(req_accepted);
	/* a central that refuses the peripheral's requests: sent, answered, nothing changes */
	c.reject_periph = true;
	assert_int_equal(ble_conn_update(&c, 7500, 4, 400, true), 0);
	ble_conn_run(&c, 130u * 7500u);
	assert_false(req_accepted);
	assert_false(c.upd_ind);
	assert_int_equal(c.link.latency, 0);
	assert_int_equal(c.link.interval_us, 15000);
	/* out of range */
	assert_int_equal(ble_conn_update(&c, 7000, 0, 400, true), -1);
	assert_int_equal(ble_conn_update(&c, 7500, 500, 400, true), -1);
}

/* One 1068-byte request, available at t = 0, on a link started at 0; the caller runs it. */
static void one_frame_start(const struct ble_air_link *l)
{
	up_init(&up, 1, 4, 1000, 2048, NULL);
	up.chunk = up.frame_max - frame_overhead(0);
	up.frames = 1;
	up.frame_len[0] = frame_overhead(0) + 1000u;
	up.frame_avail[up.sent_frames++] = 0;
	assert_int_equal(ble_conn_start(&up.c, l, 400, &up_ops, &up, 0), 0);
}

/*
 * --radio-sync: while the flash holds the radio, connection events are lost (the central's
 * write waits); the first event after the outage carries it.
 */
static void test_radio_off(void **state)
{
	struct ble_air_link l = mk(BLE_AIR_PHY_2M, 251, 247, 7500, 0);

	(void)state;
	one_frame_start(&l);
	ble_conn_radio_off(&up.c, 3u * 7500u + 1u); /* events 0..3 start inside the outage */
	ble_conn_run(&up.c, 3u * 7500u);
	assert_int_equal(up.c.stats.lost, 4);
	assert_int_equal(up.c.stats.writes, 0);
	assert_int_equal(up.c.stats.events, 0);
	assert_int_equal(ble_conn_next_us(&up.c), 4u * 7500u);
	ble_conn_run(&up.c, 4u * 7500u);
	assert_true(up.c.in_event); /* its exchanges run as their time comes */
	ble_conn_run(&up.c, 5u * 7500u - 1u);
	assert_int_equal(up.c.stats.lost, 4);
	assert_true(up.c.stats.writes > 0u);
	assert_true(up.c.last_end_us > 4u * 7500u && up.c.last_end_us <= 5u * 7500u);
	/* a shorter outage never shortens a longer one */
	ble_conn_radio_off(&up.c, 6u * 7500u);
	ble_conn_radio_off(&up.c, 5u * 7500u);
	assert_int_equal(up.c.radio_off_until, 6u * 7500u);
}

/*
 * The event stays open while either side has more: a response that becomes ready while the
 * central still sends goes out in the same event; one that becomes ready after both sides
 * said "no more" waits for the next event. And an exchange runs only when its time comes.
 */
static void test_event_stays_open(void **state)
{
	struct ble_air_link l = mk(BLE_AIR_PHY_2M, 251, 247, 30000, 0);
	uint64_t us;

	(void)state;
	up_init(&up, 2, 4, 2u * (2048u - 68u - 4u), 2048, NULL); /* two frames, both in flight */
	us = up_run(&up, &l, 0);
	assert_int_equal(up.frames, 2);
	assert_true(up.rsp_at[0] < 30000u);  /* in event 0, while frame 2 was being written */
	assert_true(up.rsp_at[1] >= 30000u); /* ready after the event closed: event 1 */
	assert_true(us < 2u * 30000u);
	assert_int_equal(up.c.stats.events, 2);
	/* run in steps: nothing ahead of its time */
	one_frame_start(&l);
	ble_conn_run(&up.c, 0);
	assert_int_equal(up.c.stats.exchanges, 1);
	assert_int_equal(up.c.stats.writes, 1); /* one 244-byte ATT write per 251-byte packet */
	assert_true(ble_conn_next_us(&up.c) > 0u && ble_conn_next_us(&up.c) < 2000u);
	ble_conn_run(&up.c, 29999u);
	assert_int_equal(up.c.stats.writes, 5); /* 1068 bytes in 244-byte writes */
	assert_false(up.c.in_event); /* nothing more on either side: closed */
	assert_true(up.c.last_end_us < 10000u);
}

/* Peripheral latency: a write waits for a listened event; with data to send it wakes at once. */
static void test_latency_listening(void **state)
{
	struct ble_air_link l = mk(BLE_AIR_PHY_2M, 251, 247, 7500, 0);
	uint64_t us;

	(void)state;
	up_init(&up, 1, 4, 1000, 2048, NULL);
	us = up_run(&up, &l, 9); /* listens every 10th event: 75 ms */
	/* the request waited for event 0 (t = 0 here); its response for the next event */
	assert_true(us <= 2u * 7500u);
	up_init(&up, 1, 4, 3000, 1200, NULL); /* 3 frames, the second written after the 1st answer */
	us = up_run(&up, &l, 9);
	assert_true(us >= 2u * 75000u); /* frames 2 and 3 each waited for a listened event */
	assert_true(up.c.stats.skipped > 0u);
}

/* ---- flash timing table and wrapper --------------------------------------------------- */

static uint64_t stalled;
static int fake_rd(void *ctx, uint32_t off, void *buf, size_t len)
{
	(void)ctx;
	(void)off;
	memset(buf, 0xFF, len);
	return 0;
}
static int fake_wr(void *ctx, uint32_t off, const void *buf, size_t len)
{
	(void)ctx;
	(void)off;
	(void)buf;
	return len == 3u ? -22 : 0;
}
static int fake_er(void *ctx, uint32_t off, size_t len)
{
	(void)ctx;
	(void)off;
	(void)len;
	return 0;
}
static unsigned stalled_erases;
static void fake_stall(void *ctx, uint64_t us, bool erase)
{
	(void)ctx;
	stalled += us;
	stalled_erases += erase ? 1u : 0u;
}

static void test_flash_timing(void **state)
{
	const struct flash_timing_table *t = flash_timing_table_get("nrf52840");
	struct sdfu_flash_dev dev = {.read = fake_rd, .write = fake_wr, .erase = fake_er};
	struct flash_timing ft;
	uint8_t buf[16] = {0};
	double lim;

	(void)state;
	assert_non_null(t);
	assert_null(flash_timing_table_get("mixed8")); /* no datasheet for that geometry */
	assert_int_equal(t->erase_us, 85000);
	assert_int_equal(t->write_us, 41);
	assert_int_equal(flash_timing_erase_us(t, 3 * 4096), 3 * 85000);
	assert_int_equal(flash_timing_write_us(t, 4096), 1024 * 41);
	/* 256 KiB: 64 pages erased + 65536 words written = 8.127 s -> 32.26 kB/s */
	lim = flash_timing_limit(t, 256 * 1024);
	assert_true(lim > 32250.0 && lim < 32270.0);
	assert_int_equal(flash_timing_attach(&ft, &dev, t, fake_stall, NULL), 0);
	stalled = 0;
	stalled_erases = 0;
	assert_int_equal(dev.write(dev.ctx, 0, buf, 16), 0);
	assert_int_equal(stalled, 4 * 41);
	assert_int_equal(stalled_erases, 0);
	assert_int_equal(dev.erase(dev.ctx, 0, 8192), 0);
	assert_int_equal(stalled, 4 * 41 + 2 * 85000);
	assert_int_equal(stalled_erases, 1); /* the stall is told which ops are erases */
	assert_int_equal(dev.read(dev.ctx, 0, buf, 16), 0);
	assert_int_equal(dev.write(dev.ctx, 0, buf, 3), -22); /* a failed op costs nothing */
	assert_int_equal(stalled, 4 * 41 + 2 * 85000);
	flash_timing_enable(&ft, false);
	assert_int_equal(dev.erase(dev.ctx, 0, 4096), 0);
	assert_int_equal(stalled, 4 * 41 + 2 * 85000);
	assert_int_equal(ft.erase_us + ft.write_us, 4 * 41 + 2 * 85000);
	flash_timing_detach(&ft);
	assert_ptr_equal(dev.write, fake_wr);
	assert_null(dev.ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_packet_times),
		cmocka_unit_test(test_limits_example),
		cmocka_unit_test(test_limits_grid),
		cmocka_unit_test(test_engine_never_beats_limits),
		cmocka_unit_test(test_engine_reaches_limit),
		cmocka_unit_test(test_update_instant),
		cmocka_unit_test(test_latency_listening),
		cmocka_unit_test(test_radio_off),
		cmocka_unit_test(test_event_stays_open),
		cmocka_unit_test(test_flash_timing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
