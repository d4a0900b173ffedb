/* SPDX-License-Identifier: Apache-2.0 */
/* Deterministic random/mutated frames through the SMP core + OS group: no crash, bounded, well-formed answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/os.h"
#include "sdfu/port.h"
#include "smp_test.h"

static struct sdfu_smp_server srv;
static struct sdfu_timer_list timers;
static struct sdfu_os os;
static struct smp_test_cap cap;
static uint8_t buf[600];

static uint32_t rng_state;
static unsigned ok_rsp; /* responses without "rc" and "err" */

static uint32_t rnd(void)
{
	rng_state = rng_state * 1664525u + 1013904223u;
	return rng_state >> 8;
}

static void check_capture(int ret, size_t len, uint32_t seed)
{
	if (len < SDFU_SMP_HDR_SIZE) {
		assert_true(ret < 0);
		assert_int_equal(cap.calls, 0);
		return;
	}
	assert_true(ret >= 1);
	assert_true(cap.calls <= (unsigned)ret);
	for (unsigned i = 0; i < cap.count; i++) {
		const struct smp_rsp *r = &cap.rsp[i];

		if (!r->map_ok || r->len > srv.buf_size || r->hdr.len != r->payload_len ||
		    (r->hdr.op != SDFU_SMP_OP_READ_RSP && r->hdr.op != SDFU_SMP_OP_WRITE_RSP) ||
		    r->hdr.ver > 1) {
			fprintf(stderr, "bad response for seed %u (frame %u)\n", (unsigned)seed, i);
			fail();
		}
		if (!smp_rsp_has(r, "rc") && !smp_rsp_has(r, "err")) {
			ok_rsp++;
		}
	}
}

static void test_random_and_mutated(void **state)
{
	static const char *fmts[] = { "s", "a", "x", "" };
	unsigned iterations = 20000;

	(void)state;
	fake_port_reset_state();
	sdfu_smp_server_init(&srv);
	sdfu_timer_list_init(&timers);
	assert_int_equal(sdfu_os_init(&os, &srv, &timers, NULL, NULL), 0);

	for (unsigned it = 0; it < iterations; it++) {
		uint32_t seed = it * 2654435761u + 1u;
		size_t len;
		int ret;

		rng_state = seed;
		if ((it & 1u) == 0u) {
			/* a valid OS request, then a few byte mutations */
			struct smp_test_req_hdr h = {
				.op = (uint8_t)((rnd() & 1u) ? SDFU_SMP_OP_WRITE : SDFU_SMP_OP_READ),
				.ver = (uint8_t)(rnd() & 1u), .group = 0,
				.id = (uint8_t)(rnd() % 9u), .seq = (uint8_t)rnd(),
			};
			const struct smp_test_kv kv[] = {
				SMP_KV_TSTR("d", "hello"),
				SMP_KV_TSTR("format", fmts[rnd() % 4u]),
				SMP_KV_UINT("force", rnd() & 1u),
				SMP_KV_TSTR("query", "mode"),
			};
			unsigned muts = rnd() % 4u;

			len = smp_test_build(buf, sizeof(buf), &h, kv, 1u + rnd() % 4u,
					     (rnd() & 1u) ? SMP_TEST_F_INDEF : 0u);
			for (unsigned m = 0; m < muts; m++) {
				buf[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8u));
			}
			if (rnd() % 8u == 0u) {
				len = rnd() % (len + 1u); /* truncate */
			}
		} else {
			/* random bytes behind a plausible header */
			len = rnd() % sizeof(buf);
			for (size_t i = 0; i < len; i++) {
				buf[i] = (uint8_t)rnd();
			}
			if (len >= SDFU_SMP_HDR_SIZE) {
				buf[0] &= 0x1Fu;
				buf[4] = 0;
				buf[5] = (uint8_t)(rnd() % 3u);
				if (rnd() & 1u) {
					buf[2] = (uint8_t)((len - 8u) >> 8);
					buf[3] = (uint8_t)(len - 8u);
				}
			}
		}
		ret = smp_test_run(&srv, buf, len, &cap);
		check_capture(ret, len, seed);
		/* let any reset that was scheduled fire, so timers end empty */
		fake_port_advance(SDFU_OS_RESET_DELAY_MS);
		sdfu_timer_process(&timers, sdfu_port_uptime_ms());
	}
	assert_int_equal(sdfu_timer_count(&timers), 0);
	assert_true(srv.rx_frames >= iterations / 2u);
	assert_true(ok_rsp >= iterations / 20u); /* the mutations leave plenty of valid requests */
	assert_true(fake_port_reset_count() > 0u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_and_mutated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
