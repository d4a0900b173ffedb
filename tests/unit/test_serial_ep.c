/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the serial endpoint and the UDP adapter wired to a real SMP server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/err.h"
#include "sdfu/smp.h"
#include "sdfu/transport.h"

static uint8_t out[4096];
static size_t out_len;
static unsigned out_calls;

static int capture(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	assert_true(out_len + len <= sizeof(out));
	memcpy(out + out_len, data, len);
	out_len += len;
	out_calls++;
	return 0;
}

static uint8_t rsp[4][512];
static size_t rsp_len[4];
static unsigned rsp_count;

static void on_rsp(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	assert_true(rsp_count < 4 && len <= sizeof(rsp[0]));
	memcpy(rsp[rsp_count], frame, len);
	rsp_len[rsp_count++] = len;
}

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	out_len = 0;
	out_calls = 0;
	rsp_count = 0;
	return 0;
}

/* Find `needle` in `hay`. */
static int contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m)
{
	size_t i;

	for (i = 0; i + m <= n; i++) {
		if (memcmp(hay + i, needle, m) == 0) {
			return 1;
		}
	}
	return 0;
}

/* An unknown group over serial: the response (rc 8) comes back as encoded lines. */
static void test_serial_endpoint_roundtrip(void **state)
{
	static struct sdfu_smp_server srv;
	static struct sdfu_serial s;
	static struct sdfu_serial_tx enc;
	static struct sdfu_serial_rx dec;
	static const uint8_t req[] = {0x08, 0x00, 0x00, 0x01, 0x00, 0x63, 0x11, 0x00, 0xA0};
	static const uint8_t rc8[] = {0x62, 'r', 'c', 0x08};
	int n;

	(void)state;
	sdfu_smp_server_init(&srv);
	sdfu_serial_init(&s, &srv, 0, capture, NULL);
	assert_string_equal(s.transport.name, "serial");

	/* encode the request with our own encoder into a scratch buffer, then feed it */
	sdfu_serial_tx_init(&enc, 20, capture, NULL);
	assert_int_equal(sdfu_serial_tx_frame(&enc, req, sizeof(req)), 0);
	{
		uint8_t wire[256];
		size_t wlen = out_len;

		memcpy(wire, out, wlen);
		out_len = 0;
		out_calls = 0;
		n = sdfu_serial_feed(&s, wire, wlen);
	}
	assert_int_equal(n, 1);
	assert_true(out_calls >= 1);
	assert_true(out[0] == 0x06 && out[1] == 0x09);

	sdfu_serial_rx_init(&dec);
	assert_int_equal(sdfu_serial_rx_feed(&dec, out, out_len, on_rsp, NULL), 1);
	assert_true(rsp_len[0] > 8);
	assert_int_equal(rsp[0][0], 0x09); /* v2 read response */
	assert_int_equal(rsp[0][4], 0x00);
	assert_int_equal(rsp[0][5], 0x63); /* group 99 */
	assert_int_equal(rsp[0][6], 0x11); /* seq copied */
	assert_true(contains(rsp[0] + 8, rsp_len[0] - 8, rc8, sizeof(rc8)));
	assert_int_equal(s.tx_errors, 0);
}

static int udp_tx(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx;
	return capture(NULL, frame, len);
}

static void test_udp_adapter(void **state)
{
	static struct sdfu_smp_server srv;
	struct sdfu_udp u;
	static const uint8_t req[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x05, 0x01};
	static const uint8_t rc8[] = {0x62, 'r', 'c', 0x08};

	(void)state;
	sdfu_smp_server_init(&srv);
	sdfu_udp_init(&u, &srv);
	assert_string_equal(u.transport.name, "udp");
	/* short header: no reply */
	assert_true(sdfu_udp_rx(&u, req, 5, udp_tx, NULL) < 0);
	assert_int_equal(out_calls, 0);
	/* v1 read of an unknown group: one datagram with rc 8 */
	assert_int_equal(sdfu_udp_rx(&u, req, sizeof(req), udp_tx, NULL), 1);
	assert_int_equal(out_calls, 1);
	assert_int_equal(out[0], 0x01); /* v1 read response */
	assert_int_equal(out[6], 0x05);
	assert_true(contains(out + 8, out_len - 8, rc8, sizeof(rc8)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_serial_endpoint_roundtrip, setup),
		cmocka_unit_test_setup(test_udp_adapter, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
