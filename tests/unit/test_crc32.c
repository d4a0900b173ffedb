/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for CRC-32/ISO-HDLC: check values, residue, incremental use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sdfu/crc32.h"

static void test_check_values(void **state)
{
	static const char fox[] = "The quick brown fox jumps over the lazy dog";
	uint8_t zeros[32], ones[32];

	(void)state;
	/* the catalogue check value of CRC-32/ISO-HDLC */
	assert_int_equal(sdfu_crc32(0, "123456789", 9), 0xCBF43926u);
	assert_int_equal(sdfu_crc32(0, NULL, 0), 0x00000000u);
	assert_int_equal(sdfu_crc32(0, "a", 1), 0xE8B7BE43u);
	assert_int_equal(sdfu_crc32(0, fox, strlen(fox)), 0x414FA339u);
	memset(zeros, 0x00, sizeof(zeros));
	memset(ones, 0xFF, sizeof(ones));
	assert_int_equal(sdfu_crc32(0, zeros, sizeof(zeros)), 0x190A55ADu);
	assert_int_equal(sdfu_crc32(0, ones, sizeof(ones)), 0xFF6CAB0Bu);
}

static void test_incremental_and_residue(void **state)
{
	uint8_t buf[304];
	uint32_t whole, part;
	size_t i;

	(void)state;
	for (i = 0; i < 300; i++) {
		buf[i] = (uint8_t)(i * 37u + 11u);
	}
	whole = sdfu_crc32(0, buf, 300);
	assert_int_equal(whole, 0x32EC5E76u);
	/* chaining: crc(a || b) from crc(a) */
	assert_int_equal(sdfu_crc32(sdfu_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
	for (i = 0; i <= 300; i += 7) {
		part = sdfu_crc32(0, buf, i);
		part = sdfu_crc32(part, buf + i, 300 - i);
		assert_int_equal(part, whole);
	}
	/* the CRC appended little-endian gives the constant residue 0x2144DF1C */
	for (i = 0; i < 4; i++) {
		buf[300 + i] = (uint8_t)(whole >> (8 * i));
	}
	assert_int_equal(sdfu_crc32(0, buf, sizeof(buf)), 0x2144DF1Cu);
	buf[17] ^= 0x01;
	assert_int_not_equal(sdfu_crc32(0, buf, sizeof(buf)), 0x2144DF1Cu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_values),
		cmocka_unit_test(test_incremental_and_residue),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
