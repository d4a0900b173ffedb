/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the SMP 8-byte header codec (byte-exact, big-endian, v1/v2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sdfu/smp.h"

static void test_encode_spec_example(void **state)
{
	/* spec 1.1: v2 echo request, seq 0x2A, 9 payload bytes */
	const uint8_t expect[8] = { 0x0A, 0x00, 0x00, 0x09, 0x00, 0x00, 0x2A, 0x00 };
	struct sdfu_smp_hdr h = {
		.op = SDFU_SMP_OP_WRITE, .ver = SDFU_SMP_VER_2, .flags = 0, .len = 9,
		.group = 0, .seq = 0x2A, .id = 0,
	};
	uint8_t out[8];

	(void)state;
	memset(out, 0xEE, sizeof(out));
	sdfu_smp_hdr_encode(&h, out);
	assert_memory_equal(out, expect, 8);
}

static void test_byte0_values(void **state)
{
	/* spec 1.1 examples: v1 WRITE 0x02, v2 WRITE 0x0A, v2 READ 0x08, v2 READ rsp 0x09, v2 WRITE rsp 0x0B */
	const struct { uint8_t op, ver, byte0; } cases[] = {
		{ SDFU_SMP_OP_WRITE, SDFU_SMP_VER_1, 0x02 },
		{ SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0x0A },
		{ SDFU_SMP_OP_READ, SDFU_SMP_VER_2, 0x08 },
		{ SDFU_SMP_OP_READ_RSP, SDFU_SMP_VER_2, 0x09 },
		{ SDFU_SMP_OP_WRITE_RSP, SDFU_SMP_VER_2, 0x0B },
		{ SDFU_SMP_OP_READ, SDFU_SMP_VER_1, 0x00 },
		{ SDFU_SMP_OP_WRITE_RSP, SDFU_SMP_VER_1, 0x03 },
		{ 7, 3, 0x1F },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sdfu_smp_hdr h = { .op = cases[i].op, .ver = cases[i].ver };
		struct sdfu_smp_hdr d;
		uint8_t out[8];

		sdfu_smp_hdr_encode(&h, out);
		assert_int_equal(out[0], cases[i].byte0);
		sdfu_smp_hdr_decode(out, &d);
		assert_int_equal(d.op, cases[i].op);
		assert_int_equal(d.ver, cases[i].ver);
	}
}

static void test_big_endian_fields(void **state)
{
	const uint8_t in[8] = { 0x09, 0x5A, 0x12, 0x34, 0xAB, 0xCD, 0xFE, 0x77 };
	struct sdfu_smp_hdr h;
	uint8_t out[8];

	(void)state;
	sdfu_smp_hdr_decode(in, &h);
	assert_int_equal(h.op, 1);
	assert_int_equal(h.ver, 1);
	assert_int_equal(h.flags, 0x5A);
	assert_int_equal(h.len, 0x1234);
	assert_int_equal(h.group, 0xABCD);
	assert_int_equal(h.seq, 0xFE);
	assert_int_equal(h.id, 0x77);
	sdfu_smp_hdr_encode(&h, out);
	assert_memory_equal(out, in, 8);
}

static void test_reserved_bits_ignored_on_decode(void **state)
{
	/* res bits 5..7 set: decode ignores them; encode never emits them */
	const uint8_t in[8] = { 0xE2, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0 };
	struct sdfu_smp_hdr h;
	uint8_t out[8];

	(void)state;
	sdfu_smp_hdr_decode(in, &h);
	assert_int_equal(h.op, SDFU_SMP_OP_WRITE);
	assert_int_equal(h.ver, SDFU_SMP_VER_1);
	assert_int_equal(h.len, 0xFFFF);
	assert_int_equal(h.group, 0xFFFF);
	h.op = 0xFF; /* out-of-range inputs are masked, never spill into other bits */
	h.ver = 0xFF;
	sdfu_smp_hdr_encode(&h, out);
	assert_int_equal(out[0], 0x1F);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encode_spec_example),
		cmocka_unit_test(test_byte0_values),
		cmocka_unit_test(test_big_endian_fields),
		cmocka_unit_test(test_reserved_bits_ignored_on_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
