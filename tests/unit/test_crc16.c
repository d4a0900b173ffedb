/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for CRC-16/XMODEM: check value, worked example, residue and incremental use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sdfu/transport.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_value),
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_incremental),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
