/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for CRC-16/XMODEM: check value, worked example, residue and incremental use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sdfu/transport.h"

/* The table-free variant (SDFU_CRC16_TABLE 0, the size build's), compiled here under
 * another name so both implementations are checked in one test program. */
#undef SDFU_CRC16_TABLE
#define SDFU_CRC16_TABLE 0
#define sdfu_crc16_xmodem crc16_small
#include "util/crc16.c"
#undef sdfu_crc16_xmodem

static void test_check_value(void **state)
{
	static const uint8_t s[] = "123456789";

	(void)state;
	assert_int_equal(sdfu_crc16_xmodem(0, s, 9), 0x31C3);
	assert_int_equal(sdfu_crc16_xmodem(0, NULL, 0), 0x0000);
	/* single bytes: the table entries for 'A' and 0xFF */
	assert_int_equal(sdfu_crc16_xmodem(0, (const uint8_t *)"A", 1), 0x58E5);
	assert_int_equal(sdfu_crc16_xmodem(0, (const uint8_t[]){0xFF}, 1), 0x1EF0);
}

static void test_worked_example(void **state)
{
	/* spec §7.2: echo {"d":"hello"} v2 seq 0x2A */
	static const uint8_t frame[] = {0x0A, 0x00, 0x00, 0x09, 0x00, 0x00, 0x2A, 0x00, 0xA1,
					0x61, 0x64, 0x65, 0x68, 0x65, 0x6C, 0x6C, 0x6F};
	uint8_t with_crc[sizeof(frame) + 2];
	uint16_t crc;

	(void)state;
	crc = sdfu_crc16_xmodem(0, frame, sizeof(frame));
	assert_int_equal(crc, 0x0A38);
	memcpy(with_crc, frame, sizeof(frame));
	with_crc[sizeof(frame)] = (uint8_t)(crc >> 8);
	with_crc[sizeof(frame) + 1] = (uint8_t)crc;
	/* the receiver check: CRC over frame||CRC is 0 */
	assert_int_equal(sdfu_crc16_xmodem(0, with_crc, sizeof(with_crc)), 0);
	with_crc[3] ^= 0x01;
	assert_int_not_equal(sdfu_crc16_xmodem(0, with_crc, sizeof(with_crc)), 0);
}

static void test_incremental(void **state)
{
	uint8_t buf[300];
	size_t i;
	uint16_t whole, part;

	(void)state;
	for (i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)(i * 37u + 11u);
	}
	whole = sdfu_crc16_xmodem(0, buf, sizeof(buf));
	for (i = 0; i <= sizeof(buf); i += 7) {
		part = sdfu_crc16_xmodem(0, buf, i);
		part = sdfu_crc16_xmodem(part, buf + i, sizeof(buf) - i);
		assert_int_equal(part, whole);
	}
}

/* Bitwise reference (the polynomial division itself). */
static uint16_t crc16_bitwise(uint16_t crc, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint16_t)(data[i] << 8);
		for (int k = 0; k < 8; k++) {
			crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
		}
	}
	return crc;
}

/* Table and table-free implementations agree with the bitwise definition. */
static void test_both_variants(void **state)
{
	uint8_t buf[257];
	uint32_t x = 12345u;

	(void)state;
	assert_int_equal(crc16_small(0, (const uint8_t *)"123456789", 9), 0x31C3);
	for (size_t n = 0; n < sizeof(buf); n++) {
		x = x * 1103515245u + 12345u;
		buf[n] = (uint8_t)(x >> 16);
		for (uint32_t init = 0; init < 0x10000u; init += 0x3D09u) {
			uint16_t ref = crc16_bitwise((uint16_t)init, buf, n + 1);

			assert_int_equal(sdfu_crc16_xmodem((uint16_t)init, buf, n + 1), ref);
			assert_int_equal(crc16_small((uint16_t)init, buf, n + 1), ref);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_both_variants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
