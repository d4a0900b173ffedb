/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for sdfu_smp_decode_map(): types, unknown keys, order, duplicates, widths, map forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/err.h"
#include "sdfu/smp.h"
#include "smp_test.h"

#define TGRP 80

static struct sdfu_smp_server srv;
static struct smp_test_cap cap;
static uint8_t frame[512];

/* decoded values */
static uint32_t v_u32;
static uint64_t v_u64;
static int64_t v_i64;
static bool v_bool;
static bool v_bou;
static struct zcbor_string v_tstr, v_bstr, v_bnull;
static struct sdfu_cbor_field fields[7];
static int decode_ret;
static unsigned handler_calls;

static void fields_init(void)
{
	const struct sdfu_cbor_field f[7] = {
		{ .key = "u32", .type = SDFU_CBOR_UINT32, .out = &v_u32 },
		{ .key = "u64", .type = SDFU_CBOR_UINT64, .out = &v_u64 },
		{ .key = "i64", .type = SDFU_CBOR_INT64, .out = &v_i64 },
		{ .key = "b", .type = SDFU_CBOR_BOOL, .out = &v_bool },
		{ .key = "bou", .type = SDFU_CBOR_BOOL_OR_UINT, .out = &v_bou },
		{ .key = "t", .type = SDFU_CBOR_TSTR, .out = &v_tstr },
		{ .key = "bn", .type = SDFU_CBOR_BSTR_OR_NULL, .out = &v_bnull },
	};

	memcpy(fields, f, sizeof(f));
	for (int i = 0; i < 7; i++) {
		fields[i].found = (i % 2) == 0; /* the decoder must reset these */
	}
}

/* id 0: decode all fields; id 1: a single bstr field */
static int h_decode(struct sdfu_smp_ctx *ctx)
{
	handler_calls++;
	decode_ret = sdfu_smp_decode_map(ctx, fields, 7);
	return decode_ret;
}

static struct sdfu_cbor_field bfield[1];

static int h_bstr(struct sdfu_smp_ctx *ctx)
{
	handler_calls++;
	bfield[0] = (struct sdfu_cbor_field){ .key = "data", .type = SDFU_CBOR_BSTR, .out = &v_bstr };
	decode_ret = sdfu_smp_decode_map(ctx, bfield, 1);
	return decode_ret;
}

static const struct sdfu_smp_handler handlers[] = {
	{ .read = h_decode, .write = h_decode },
	{ .read = NULL, .write = h_bstr },
};

static struct sdfu_smp_group grp = { .handlers = handlers, .handler_count = 2, .group_id = TGRP };

static int setup(void **state)
{
	(void)state;
	smp_test_server_with(&srv, &grp);
	fields_init();
	v_u32 = 0;
	v_u64 = 0;
	v_i64 = 0;
	v_bool = false;
	v_bou = false;
	memset(&v_tstr, 0, sizeof(v_tstr));
	memset(&v_bnull, 0xAA, sizeof(v_bnull));
	decode_ret = 1;
	handler_calls = 0;
	return 0;
}

static int run_kv(const struct smp_test_kv *kv, size_t n, unsigned flags)
{
	struct smp_test_req_hdr h = { .op = SDFU_SMP_OP_WRITE, .ver = 1, .group = TGRP, .id = 0, .seq = 1 };
	size_t len = smp_test_build(frame, sizeof(frame), &h, kv, n, flags);
	int64_t rc = 0;

	assert_int_equal(smp_test_run(&srv, frame, len, &cap), 1);
	assert_int_equal(cap.count, 1);
	assert_true(cap.rsp[0].map_ok);
	if (smp_rsp_rc(&cap.rsp[0], &rc)) {
		return (int)rc;
	}
	return 0;
}

static void test_all_types_any_order(void **state)
{
	static const uint8_t unknown_val[] = { 0xA1, 0x61, 'z', 0x82, 0x01, 0x9F, 0xFF }; /* {"z":[1,[]]} */
	const struct smp_test_kv kv[] = {
		SMP_KV_TSTR("t", "hi"),
		SMP_KV_RAW("unknown1", unknown_val, sizeof(unknown_val)),
		SMP_KV_NULL("bn"),
		SMP_KV_UINT("u64", 0x123456789ULL),
		SMP_KV_BOOL("b", true),
		SMP_KV_INT("i64", -5),
		SMP_KV_BSTR("unknown2", (const uint8_t *)"xx", 2),
		SMP_KV_UINT("bou", 7),
		SMP_KV_UINT("u32", 0xFFFFFFFFu),
	};

	(void)state;
	for (unsigned flags = 0; flags <= SMP_TEST_F_INDEF; flags += SMP_TEST_F_INDEF) {
		setup(NULL);
		assert_int_equal(run_kv(kv, SMP_KV_N(kv), flags), 0);
		assert_int_equal(decode_ret, 0);
		assert_int_equal(v_u32, 0xFFFFFFFFu);
		assert_int_equal(v_u64, 0x123456789ULL);
		assert_int_equal(v_i64, -5);
		assert_true(v_bool);
		assert_true(v_bou);
		assert_int_equal(v_tstr.len, 2);
		assert_memory_equal(v_tstr.value, "hi", 2);
		assert_int_equal(v_bnull.len, 0);
		assert_null(v_bnull.value);
		for (int i = 0; i < 7; i++) {
			assert_true(fields[i].found);
		}
	}
}

static void test_absent_keys_not_found(void **state)
{
	const struct smp_test_kv kv[] = { SMP_KV_UINT("u32", 3), SMP_KV_UINT("other", 1) };

	(void)state;
	assert_int_equal(run_kv(kv, SMP_KV_N(kv), 0), 0);
	assert_true(fields[0].found);
	for (int i = 1; i < 7; i++) {
		assert_false(fields[i].found);
	}
	/* empty map: nothing found, success */
	setup(NULL);
	assert_int_equal(run_kv(NULL, 0, 0), 0);
	assert_int_equal(decode_ret, 0);
	assert_false(fields[0].found);
}

static void test_wrong_types_rc3(void **state)
{
	const struct smp_test_kv bad[] = {
		SMP_KV_TSTR("u32", "1"),
		SMP_KV_INT("u32", -1),
		SMP_KV_UINT("u32", 0x100000000ULL), /* does not fit uint32 */
		SMP_KV_INT("u64", -1),
		SMP_KV_BOOL("i64", true),
		SMP_KV_UINT("b", 1),                /* plain bool takes no ints */
		SMP_KV_INT("bou", -1),
		SMP_KV_TSTR("bou", "true"),
		SMP_KV_BSTR("t", (const uint8_t *)"x", 1),
		SMP_KV_TSTR("bn", "x"),
		SMP_KV_NULL("t"),
	};

	(void)state;
	for (size_t i = 0; i < SMP_KV_N(bad); i++) {
		setup(NULL);
		assert_int_equal(run_kv(&bad[i], 1, 0), SDFU_MGMT_EINVAL);
		assert_int_equal(decode_ret, SDFU_ERR_INVAL);
	}
	/* bstr field given null: wrong type for plain BSTR */
	{
		const struct smp_test_kv kv[] = { SMP_KV_NULL("data") };
		struct smp_test_req_hdr h = { .op = 2, .ver = 1, .group = TGRP, .id = 1, .seq = 2 };
		size_t len = smp_test_build(frame, sizeof(frame), &h, kv, 1, 0);
		int64_t rc;

		assert_int_equal(smp_test_run(&srv, frame, len, &cap), 1);
		assert_true(smp_rsp_rc(&cap.rsp[0], &rc));
		assert_int_equal(rc, 3);
	}
}

static void test_duplicate_key_rc3(void **state)
{
	const struct smp_test_kv kv[] = { SMP_KV_UINT("u32", 1), SMP_KV_UINT("x", 0),
					  SMP_KV_UINT("u32", 1) };
	const struct smp_test_kv kv_unknown_dup[] = { SMP_KV_UINT("x", 1), SMP_KV_UINT("x", 2) };

	(void)state;
	assert_int_equal(run_kv(kv, SMP_KV_N(kv), 0), 3);
	/* duplicate unknown keys are ignored, as they are skipped */
	setup(NULL);
	assert_int_equal(run_kv(kv_unknown_dup, SMP_KV_N(kv_unknown_dup), 0), 0);
}

static void test_bool_or_uint_forms(void **state)
{
	const struct {
		struct smp_test_kv kv;
		bool expect;
	} cases[] = {
		{ SMP_KV_BOOL("bou", true), true },
		{ SMP_KV_BOOL("bou", false), false },
		{ SMP_KV_UINT("bou", 0), false },
		{ SMP_KV_UINT("bou", 1), true },
		{ SMP_KV_UINT("bou", 256), true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup(NULL);
		v_bou = !cases[i].expect;
		assert_int_equal(run_kv(&cases[i].kv, 1, 0), 0);
		assert_true(fields[4].found);
		assert_int_equal(v_bou, cases[i].expect);
	}
}

static void test_uint_widths(void **state)
{
	static const uint8_t w1[] = { 0x18, 0x05 };
	static const uint8_t w2[] = { 0x19, 0x00, 0x05 };
	static const uint8_t w4[] = { 0x1A, 0x00, 0x00, 0x00, 0x05 };
	static const uint8_t w8[] = { 0x1B, 0, 0, 0, 0, 0, 0, 0, 0x05 };
	const uint8_t *forms[] = { w1, w2, w4, w8 };
	const size_t lens[] = { sizeof(w1), sizeof(w2), sizeof(w4), sizeof(w8) };

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		const struct smp_test_kv kv[] = { SMP_KV_RAW("u32", forms[i], lens[i]),
						  SMP_KV_RAW("u64", forms[i], lens[i]) };

		setup(NULL);
		assert_int_equal(run_kv(kv, 2, 0), 0);
		assert_int_equal(v_u32, 5);
		assert_int_equal(v_u64, 5);
	}
}

static void test_non_text_keys_skipped(void **state)
{
	/* {1: "a", h'6b': 2, "u32": 9} */
	static const uint8_t p[] = { 0xA3, 0x01, 0x61, 'a', 0x41, 0x6B, 0x02, 0x63, 'u', '3', '2', 0x09 };
	size_t n;

	(void)state;
	frame[0] = 0x0A;
	frame[1] = 0;
	frame[2] = 0;
	frame[3] = sizeof(p);
	frame[4] = 0;
	frame[5] = TGRP;
	frame[6] = 3;
	frame[7] = 0;
	memcpy(frame + 8, p, sizeof(p));
	n = 8 + sizeof(p);
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_false(smp_rsp_has(&cap.rsp[0], "rc"));
	assert_int_equal(v_u32, 9);
}

static void test_bstr_large(void **state)
{
	static uint8_t data[300];
	const struct smp_test_kv kv[] = { SMP_KV_BSTR("data", data, sizeof(data)) };
	struct smp_test_req_hdr h = { .op = 2, .ver = 1, .group = TGRP, .id = 1, .seq = 2 };
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++) {
		data[i] = (uint8_t)i;
	}
	len = smp_test_build(frame, sizeof(frame), &h, kv, 1, 0);
	assert_int_equal(smp_test_run(&srv, frame, len, &cap), 1);
	assert_int_equal(decode_ret, 0);
	assert_int_equal(v_bstr.len, sizeof(data));
	assert_memory_equal(v_bstr.value, data, sizeof(data));
	/* zero-copy: points into the request frame */
	assert_true(v_bstr.value > frame && v_bstr.value < frame + len);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_all_types_any_order, setup),
		cmocka_unit_test_setup(test_absent_keys_not_found, setup),
		cmocka_unit_test_setup(test_wrong_types_rc3, setup),
		cmocka_unit_test_setup(test_duplicate_key_rc3, setup),
		cmocka_unit_test_setup(test_bool_or_uint_forms, setup),
		cmocka_unit_test_setup(test_uint_widths, setup),
		cmocka_unit_test_setup(test_non_text_keys_skipped, setup),
		cmocka_unit_test_setup(test_bstr_large, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
