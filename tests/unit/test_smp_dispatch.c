/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the SMP dispatcher: routing, SMP-level errors, v1/v2 group errors, limits, callbacks. */
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

#define TGRP 64

static struct sdfu_smp_server srv;
static struct smp_test_cap cap;
static uint8_t frame[SDFU_SMP_BUF_SIZE * 2];
static unsigned calls[8];

/* ---- a test group -------------------------------------------------------- */
/* id 0 (read+write): {} -> {"x": 7} */
static int h_ok(struct sdfu_smp_ctx *ctx)
{
	calls[0]++;
	assert_non_null(ctx->grp);
	assert_int_equal(ctx->grp->group_id, TGRP);
	return (zcbor_tstr_put_lit(ctx->zse, "x") && zcbor_uint32_put(ctx->zse, 7)) ? 0 : SDFU_ERR_MSGSIZE;
}

/* id 1 (write): group error {64, 5} after encoding a partial map */
static int h_grp_err(struct sdfu_smp_ctx *ctx)
{
	calls[1]++;
	(void)(zcbor_tstr_put_lit(ctx->zse, "partial") && zcbor_uint32_put(ctx->zse, 1));
	return sdfu_smp_set_group_err(ctx, TGRP, 5);
}

/* id 2 (read): returns SDFU_ERR_BUSY -> rc 10 */
static int h_busy(struct sdfu_smp_ctx *ctx)
{
	calls[2]++;
	return SDFU_ERR_BUSY;
}

/* id 3 (read): {"n": uint} -> {"blob": n bytes}; too large -> out of space */
static uint8_t blob[SDFU_SMP_BUF_SIZE];
static int h_big(struct sdfu_smp_ctx *ctx)
{
	uint32_t n = 0;
	struct sdfu_cbor_field f[] = { { .key = "n", .type = SDFU_CBOR_UINT32, .out = &n } };
	int rc = sdfu_smp_decode_map(ctx, f, 1);

	calls[3]++;
	if (rc != 0) {
		return rc;
	}
	if (!zcbor_tstr_put_lit(ctx->zse, "blob") ||
	    !zcbor_bstr_encode_ptr(ctx->zse, (const char *)blob, n)) {
		return SDFU_ERR_NOMEM; /* any error: the dispatcher sees the encoder ran out -> 7 */
	}
	return 0;
}

/* id 4 (read): specific MGMT rc 11 */
static int h_mgmt_rc(struct sdfu_smp_ctx *ctx)
{
	calls[4]++;
	ctx->mgmt_rc = SDFU_MGMT_EACCESSDENIED;
	return SDFU_ERR_ACCES;
}

/* id 5 (read): ignores encode failures and returns 0 -> still rc 7 */
static int h_sloppy(struct sdfu_smp_ctx *ctx)
{
	calls[5]++;
	(void)zcbor_tstr_put_lit(ctx->zse, "blob");
	(void)zcbor_bstr_encode_ptr(ctx->zse, (const char *)blob, sizeof(blob));
	return 0;
}

static const struct sdfu_smp_handler thandlers[] = {
	{ .read = h_ok, .write = h_ok },
	{ .read = NULL, .write = h_grp_err },
	{ .read = h_busy, .write = NULL },
	{ .read = h_big, .write = NULL },
	{ .read = h_mgmt_rc, .write = NULL },
	{ .read = h_sloppy, .write = NULL },
};

static int ttranslate(uint16_t rc)
{
	return rc == 5 ? SDFU_MGMT_EBADSTATE : SDFU_MGMT_EUNKNOWN;
}

static struct sdfu_smp_group tgrp;
static struct sdfu_smp_group ngrp; /* group 65: group errors without translate */

/* group 65 id 0 (write): group error {65, 5}; id 1 (write): error of group 64 */
static int h_grp_err_own(struct sdfu_smp_ctx *ctx)
{
	calls[6]++;
	return sdfu_smp_set_group_err(ctx, TGRP + 1, 5);
}

static const struct sdfu_smp_handler nhandlers[] = {
	{ .read = NULL, .write = h_grp_err_own },
	{ .read = NULL, .write = h_grp_err },
};

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	memset(calls, 0, sizeof(calls));
	sdfu_smp_server_init(&srv);
	memset(&tgrp, 0, sizeof(tgrp));
	tgrp.handlers = thandlers;
	tgrp.handler_count = 6;
	tgrp.group_id = TGRP;
	tgrp.translate = ttranslate;
	assert_int_equal(sdfu_smp_register_group(&srv, &tgrp), 0);
	memset(&ngrp, 0, sizeof(ngrp));
	ngrp.handlers = nhandlers;
	ngrp.handler_count = 2;
	ngrp.group_id = TGRP + 1;
	assert_int_equal(sdfu_smp_register_group(&srv, &ngrp), 0);
	return 0;
}

static size_t raw_frame(uint8_t *out, uint8_t byte0, uint16_t len_field, uint16_t group,
			uint8_t seq, uint8_t id, const uint8_t *payload, size_t plen)
{
	out[0] = byte0;
	out[1] = 0;
	out[2] = (uint8_t)(len_field >> 8);
	out[3] = (uint8_t)len_field;
	out[4] = (uint8_t)(group >> 8);
	out[5] = (uint8_t)group;
	out[6] = seq;
	out[7] = id;
	if (plen != 0) {
		memcpy(out + 8, payload, plen);
	}
	return 8 + plen;
}

/* {"rc": N} as zcbor emits it (indefinite map) */
static void assert_rc_payload(const struct smp_rsp *r, uint8_t rc)
{
	const uint8_t expect[] = { 0xBF, 0x62, 'r', 'c', rc, 0xFF };

	assert_int_equal(r->payload_len, sizeof(expect));
	assert_int_equal(r->hdr.len, sizeof(expect));
	assert_memory_equal(r->payload, expect, sizeof(expect));
}

/* ---- routing and SMP-level errors ---------------------------------------- */
static void test_success_no_rc(void **state)
{
	const struct smp_rsp *r;
	uint64_t x;

	(void)state;
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 0, NULL, 0);
	assert_true(smp_rsp_get_uint(r, "x", &x));
	assert_int_equal(x, 7);
	assert_false(smp_rsp_has(r, "rc"));
	assert_int_equal(smp_rsp_count(r), 1);
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_1, TGRP, 0, NULL, 0);
	assert_int_equal(r->hdr.op, SDFU_SMP_OP_WRITE_RSP);
	assert_int_equal(r->hdr.ver, SDFU_SMP_VER_1);
	assert_true(smp_rsp_get_uint(r, "x", &x));
	assert_int_equal(calls[0], 2);
	assert_int_equal(srv.rx_frames, 2);
	assert_int_equal(srv.tx_frames, 2);
	assert_int_equal(srv.rx_errors, 0);
}

static void test_unknown_group_and_cmd_exact_bytes(void **state)
{
	const uint8_t expect[] = { 0x09, 0x00, 0x00, 0x06, 0x00, 0x63, 0x33, 0x01,
				   0xBF, 0x62, 0x72, 0x63, 0x08, 0xFF };
	size_t n;

	(void)state;
	/* v2 READ, group 99, seq 0x33, id 1, payload {} */
	n = raw_frame(frame, 0x08, 1, 99, 0x33, 1, (const uint8_t[]){ 0xA0 }, 1);
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.rsp[0].len, sizeof(expect));
	assert_memory_equal(cap.rsp[0].frame, expect, sizeof(expect));

	/* command id beyond the table */
	n = raw_frame(frame, 0x02, 1, TGRP, 1, 40, (const uint8_t[]){ 0xA0 }, 1);
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_int_equal(cap.rsp[0].hdr.op, SDFU_SMP_OP_WRITE_RSP);
	assert_int_equal(cap.rsp[0].hdr.ver, 0);
	assert_rc_payload(&cap.rsp[0], 8);

	/* command exists, no handler for this op (READ of a write-only command) */
	n = raw_frame(frame, 0x08, 0, TGRP, 2, 1, NULL, 0);
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_int_equal(cap.rsp[0].hdr.op, SDFU_SMP_OP_READ_RSP);
	assert_rc_payload(&cap.rsp[0], 8);
	assert_int_equal(calls[1], 0);
}

static void test_response_ops_and_reserved_ops(void **state)
{
	(void)state;
	for (uint8_t op = 0; op < 8; op++) {
		size_t n;

		if (op == SDFU_SMP_OP_READ || op == SDFU_SMP_OP_WRITE) {
			continue;
		}
		n = raw_frame(frame, (uint8_t)(0x08 | op), 1, TGRP, op, 0,
			      (const uint8_t[]){ 0xA0 }, 1);
		assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
		assert_int_equal(cap.count, 1);
		assert_int_equal(cap.rsp[0].hdr.op, SDFU_SMP_OP_WRITE_RSP);
		assert_int_equal(cap.rsp[0].hdr.seq, op);
		assert_rc_payload(&cap.rsp[0], 8);
	}
	assert_int_equal(calls[0], 0);
}

static void test_version_too_new_clamped(void **state)
{
	(void)state;
	for (uint8_t ver = 2; ver <= 3; ver++) {
		size_t n = raw_frame(frame, (uint8_t)((ver << 3) | SDFU_SMP_OP_READ), 1, TGRP, 9, 0,
				     (const uint8_t[]){ 0xA0 }, 1);

		assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
		assert_int_equal(cap.count, 1);
		assert_int_equal(cap.rsp[0].frame[0], 0x09); /* READ rsp, version clamped to 1 */
		assert_int_equal(cap.rsp[0].hdr.seq, 9);
		assert_rc_payload(&cap.rsp[0], 13);
	}
	assert_int_equal(calls[0], 0);
}

static void test_short_buffer_no_response(void **state)
{
	(void)state;
	for (size_t len = 0; len < 8; len++) {
		memset(frame, 0x08, 8);
		assert_true(smp_test_run(&srv, frame, len, &cap) < 0);
		assert_int_equal(cap.calls, 0);
	}
	assert_true(sdfu_smp_process(&srv, &smp_test_transport, NULL, 0, smp_test_tx, &cap) < 0);
}

static void test_truncated_payload_rc9(void **state)
{
	const uint8_t p[] = { 0xA1, 0x61, 'd', 0x61, 'x' };
	size_t n;

	(void)state;
	/* header says 5 bytes, only 4 present */
	n = raw_frame(frame, 0x0A, sizeof(p), TGRP, 0x44, 0, p, sizeof(p) - 1);
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.rsp[0].hdr.seq, 0x44);
	assert_int_equal(cap.rsp[0].hdr.op, SDFU_SMP_OP_WRITE_RSP);
	assert_rc_payload(&cap.rsp[0], 9);
	assert_int_equal(calls[0], 0);
}

static void test_bad_cbor_rc3(void **state)
{
	static const struct {
		uint8_t p[6];
		size_t n;
	} bad[] = {
		{ { 0x80 }, 1 },                        /* array, not a map */
		{ { 0xFF }, 1 },                        /* break */
		{ { 0xA1, 0x61, 'd' }, 3 },             /* value missing */
		{ { 0xBF, 0x61, 'd', 0x01 }, 4 },       /* indefinite map without break */
		{ { 0xA1, 0x62, 'd' }, 3 },             /* truncated key */
		{ { 0x01 }, 1 },                        /* an integer */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = raw_frame(frame, 0x08, (uint16_t)bad[i].n, TGRP, (uint8_t)i, 0,
				     bad[i].p, bad[i].n);

		assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
		assert_int_equal(cap.count, 1);
		assert_rc_payload(&cap.rsp[0], 3);
	}
	assert_int_equal(calls[0], 0);
}

static void test_nesting_and_tags(void **state)
{
	static uint8_t deep[1200];
	const uint8_t odd_indef[] = { 0xBF, 0x61, 'd', 0xFF };              /* key, no value */
	const uint8_t nested_ok[] = { 0xA1, 0x61, 'z', 0x81, 0xBF, 0x61, 'a', 0x9F, 0x80, 0xFF, 0xFF };
	const uint8_t tagged[] = { 0xA1, 0x61, 'z', 0xC1, 0x1A, 0, 0, 0, 1 };  /* {"z": 1(1)} */
	size_t n;

	(void)state;
	n = raw_frame(frame, 0x08, sizeof(odd_indef), TGRP, 1, 0, odd_indef, sizeof(odd_indef));
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_rc_payload(&cap.rsp[0], 3);

	n = raw_frame(frame, 0x08, sizeof(nested_ok), TGRP, 2, 0, nested_ok, sizeof(nested_ok));
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_true(smp_rsp_has(&cap.rsp[0], "x"));

	n = raw_frame(frame, 0x08, sizeof(tagged), TGRP, 3, 0, tagged, sizeof(tagged));
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_true(smp_rsp_has(&cap.rsp[0], "x"));

	/* {"z": [[[[...1...]]]]} nested ~1000 deep: rejected without deep recursion */
	deep[0] = 0xA1;
	deep[1] = 0x61;
	deep[2] = 'z';
	memset(deep + 3, 0x81, sizeof(deep) - 4);
	deep[sizeof(deep) - 1] = 0x01;
	n = raw_frame(frame, 0x08, sizeof(deep), TGRP, 4, 0, deep, sizeof(deep));
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_rc_payload(&cap.rsp[0], 3);
	assert_int_equal(calls[0], 2);
}

static void test_empty_payload_forms(void **state)
{
	static const struct {
		uint8_t p[2];
		size_t n;
	} forms[] = { { { 0 }, 0 }, { { 0xA0 }, 1 }, { { 0xBF, 0xFF }, 2 } };
	uint64_t x;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		size_t n = raw_frame(frame, 0x08, (uint16_t)forms[i].n, TGRP, 1, 0, forms[i].p,
				     forms[i].n);

		assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
		assert_true(cap.rsp[0].map_ok);
		assert_true(smp_rsp_get_uint(&cap.rsp[0], "x", &x));
	}
	assert_int_equal(calls[0], 3);
}

static void test_multi_request_buffer(void **state)
{
	struct smp_test_req_hdr h = { .op = SDFU_SMP_OP_READ, .ver = 1, .group = TGRP, .id = 0 };
	size_t n = 0;
	uint64_t x;

	(void)state;
	h.seq = 1;
	n += smp_test_build(frame + n, sizeof(frame) - n, &h, NULL, 0, 0);
	h.seq = 2;
	h.id = 2; /* busy -> rc 10 aborts the rest */
	n += smp_test_build(frame + n, sizeof(frame) - n, &h, NULL, 0, SMP_TEST_F_NO_MAP);
	h.seq = 3;
	h.id = 0;
	n += smp_test_build(frame + n, sizeof(frame) - n, &h, NULL, 0, SMP_TEST_F_INDEF);

	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 2);
	assert_int_equal(cap.count, 2);
	assert_int_equal(cap.rsp[0].hdr.seq, 1);
	assert_true(smp_rsp_get_uint(&cap.rsp[0], "x", &x));
	assert_int_equal(cap.rsp[1].hdr.seq, 2);
	assert_rc_payload(&cap.rsp[1], 10);
	assert_int_equal(calls[0], 1);

	/* all three fine: three responses in order */
	n = 0;
	for (uint8_t s = 1; s <= 3; s++) {
		h.seq = s;
		h.id = 0;
		n += smp_test_build(frame + n, sizeof(frame) - n, &h, NULL, 0,
				    s == 2 ? SMP_TEST_F_INDEF : 0);
	}
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(cap.rsp[i].hdr.seq, i + 1);
		assert_true(smp_rsp_get_uint(&cap.rsp[i], "x", &x));
	}

	/* a group error does not abort the rest */
	n = 0;
	h.op = SDFU_SMP_OP_WRITE;
	h.seq = 7;
	h.id = 1;
	n += smp_test_build(frame + n, sizeof(frame) - n, &h, NULL, 0, 0);
	h.seq = 8;
	h.id = 0;
	n += smp_test_build(frame + n, sizeof(frame) - n, &h, NULL, 0, 0);
	/* trailing bytes shorter than a header are ignored */
	frame[n++] = 0x00;
	frame[n++] = 0x00;
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 2);
	assert_int_equal(cap.count, 2);
	assert_true(smp_rsp_get_uint(&cap.rsp[1], "x", &x));
}

/* ---- group errors -------------------------------------------------------- */
static void test_group_err_v2_exact(void **state)
{
	/* {"err": {"group": 64, "rc": 5}} with zcbor indefinite maps */
	const uint8_t expect[] = { 0xBF, 0x63, 'e', 'r', 'r', 0xBF, 0x65, 'g', 'r', 'o', 'u', 'p',
				   0x18, 0x40, 0x62, 'r', 'c', 0x05, 0xFF, 0xFF };
	const struct smp_rsp *r;
	uint16_t g, rc;

	(void)state;
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, TGRP, 1, NULL, 0);
	assert_int_equal(r->payload_len, sizeof(expect));
	assert_memory_equal(r->payload, expect, sizeof(expect));
	assert_true(smp_rsp_err(r, &g, &rc));
	assert_int_equal(g, TGRP);
	assert_int_equal(rc, 5);
	assert_false(smp_rsp_has(r, "partial"));
	assert_false(smp_rsp_has(r, "rc"));
}

static void test_group_err_v1_translated(void **state)
{
	const struct smp_rsp *r;
	int64_t rc;

	(void)state;
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_1, TGRP, 1, NULL, 0);
	assert_rc_payload(r, SDFU_MGMT_EBADSTATE); /* partial map discarded, rc translated */
	assert_false(smp_rsp_has(r, "err"));
	/* group without a translate function -> EUNKNOWN */
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_1, TGRP + 1, 0, NULL, 0);
	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, 1);
	assert_int_equal(smp_rsp_count(r), 1);
	/* translation follows the error's group, not the dispatching group */
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_1, TGRP + 1, 1, NULL, 0);
	assert_rc_payload(r, SDFU_MGMT_EBADSTATE);
}

/* exact v1 bytes of the spec's worked example {"err":{"group":1,"rc":9}} (definite form
 * in the spec) decode to the same values as our indefinite output */
static void test_spec_err_example_decodes(void **state)
{
	const uint8_t spec[] = { 0xA1, 0x63, 0x65, 0x72, 0x72, 0xA2, 0x65, 0x67, 0x72, 0x6F,
				 0x75, 0x70, 0x01, 0x62, 0x72, 0x63, 0x09 };
	struct smp_rsp r;
	uint16_t g = 0, rc = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	memcpy(r.frame + 8, spec, sizeof(spec));
	r.payload = r.frame + 8;
	r.payload_len = sizeof(spec);
	assert_true(smp_map_valid(r.payload, r.payload_len));
	assert_true(smp_rsp_err(&r, &g, &rc));
	assert_int_equal(g, 1);
	assert_int_equal(rc, 9);
}

static void test_handler_error_mapping(void **state)
{
	const struct smp_rsp *r;

	(void)state;
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 2, NULL, 0);
	assert_rc_payload(r, 10);
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 4, NULL, 0);
	assert_rc_payload(r, 11);
	assert_int_equal(srv.rx_errors, 2);
}

static void test_err_to_mgmt(void **state)
{
	(void)state;
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_OK), 0);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_NOMEM), 2);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_INVAL), 3);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_TIMEOUT), 4);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_NOENT), 5);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_BADSTATE), 6);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_MSGSIZE), 7);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_NOTSUP), 8);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_CORRUPT), 9);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_BUSY), 10);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_ACCES), 11);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_IO), 1);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_PERM), 1);
	assert_int_equal(sdfu_smp_err_to_mgmt(SDFU_ERR_VERIFY), 1);
	assert_int_equal(sdfu_smp_err_to_mgmt(-12345), 1);
}

static void test_register_duplicate(void **state)
{
	struct sdfu_smp_group dup = { .handlers = thandlers, .handler_count = 1, .group_id = TGRP };

	(void)state;
	assert_int_equal(sdfu_smp_register_group(&srv, &dup), SDFU_ERR_EXIST);
	assert_int_equal(sdfu_smp_register_group(&srv, &tgrp), SDFU_ERR_EXIST);
	assert_int_equal(sdfu_smp_register_group(&srv, NULL), SDFU_ERR_INVAL);
}

/* ---- size limits ---------------------------------------------------------- */
static void test_response_limit(void **state)
{
	const struct smp_test_kv kv_small[] = { SMP_KV_UINT("n", 10) };
	const struct smp_test_kv kv_fit[] = { SMP_KV_UINT("n", 0) };
	const struct smp_rsp *r;
	uint64_t want;

	(void)state;
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 3, kv_small, 1);
	assert_true(smp_rsp_has(r, "blob"));

	/* largest blob that fits buf_size exactly: 8 hdr + BF + 64 'blob'(5) + bstr hdr(3) + n + FF */
	want = SDFU_SMP_BUF_SIZE - 8 - 1 - 5 - 3 - 1;
	{
		const struct smp_test_kv kv[] = { SMP_KV_UINT("n", want) };

		r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 3, kv, 1);
		assert_int_equal(r->len, SDFU_SMP_BUF_SIZE);
		assert_true(smp_rsp_has(r, "blob"));
	}
	{
		const struct smp_test_kv kv[] = { SMP_KV_UINT("n", want + 1) };

		r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 3, kv, 1);
		assert_rc_payload(r, 7);
	}

	/* a smaller advertised buf_size limits responses too */
	srv.buf_size = 64;
	{
		const struct smp_test_kv kv[] = { SMP_KV_UINT("n", 100) };

		r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 3, kv, 1);
		assert_rc_payload(r, 7);
	}
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 3, kv_fit, 1);
	assert_true(smp_rsp_has(r, "blob"));
	/* handler that ignores encoder failures still yields rc 7 */
	srv.buf_size = SDFU_SMP_BUF_SIZE;
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 5, NULL, 0);
	assert_rc_payload(r, 7);
}

static void test_request_too_large(void **state)
{
	struct smp_test_req_hdr h = { .op = SDFU_SMP_OP_READ, .ver = 1, .group = TGRP, .id = 0, .seq = 5 };
	const struct smp_test_kv kv[] = { SMP_KV_BSTR("pad", blob, 100) };
	size_t n;

	(void)state;
	srv.buf_size = 100;
	n = smp_test_build(frame, sizeof(frame), &h, kv, 1, 0);
	assert_true(n > 100);
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_int_equal(cap.rsp[0].hdr.seq, 5);
	assert_rc_payload(&cap.rsp[0], 7);
	assert_int_equal(calls[0], 0);
	/* exactly buf_size is accepted */
	srv.buf_size = (uint16_t)n;
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 1);
	assert_true(smp_rsp_has(&cap.rsp[0], "x"));
	assert_int_equal(calls[0], 1);
}

static void test_transport_mtu_limits_response(void **state)
{
	const struct sdfu_smp_transport small = { .name = "small", .mtu = 40 };
	const struct smp_test_kv kv[] = { SMP_KV_UINT("n", 40) };
	const struct smp_rsp *r;

	(void)state;
	r = smp_test_req_tr(&srv, &small, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 3, kv, 1);
	assert_rc_payload(r, 7);
	r = smp_test_req_tr(&srv, NULL, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 3, kv, 1);
	assert_true(smp_rsp_has(r, "blob"));
}

static void test_tx_failure_continues(void **state)
{
	struct smp_test_req_hdr h = { .op = SDFU_SMP_OP_READ, .ver = 1, .group = TGRP, .id = 0 };
	size_t n = 0;

	(void)state;
	h.seq = 1;
	n += smp_test_build(frame + n, sizeof(frame) - n, &h, NULL, 0, 0);
	h.seq = 2;
	n += smp_test_build(frame + n, sizeof(frame) - n, &h, NULL, 0, 0);
	cap.tx_ret = SDFU_ERR_IO;
	assert_int_equal(smp_test_run(&srv, frame, n, &cap), 2);
	assert_int_equal(cap.calls, 2);
	assert_int_equal(srv.tx_frames, 0);
	assert_int_equal(calls[0], 2);
	cap.tx_ret = 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_success_no_rc, setup),
		cmocka_unit_test_setup(test_unknown_group_and_cmd_exact_bytes, setup),
		cmocka_unit_test_setup(test_response_ops_and_reserved_ops, setup),
		cmocka_unit_test_setup(test_version_too_new_clamped, setup),
		cmocka_unit_test_setup(test_short_buffer_no_response, setup),
		cmocka_unit_test_setup(test_truncated_payload_rc9, setup),
		cmocka_unit_test_setup(test_bad_cbor_rc3, setup),
		cmocka_unit_test_setup(test_nesting_and_tags, setup),
		cmocka_unit_test_setup(test_empty_payload_forms, setup),
		cmocka_unit_test_setup(test_multi_request_buffer, setup),
		cmocka_unit_test_setup(test_group_err_v2_exact, setup),
		cmocka_unit_test_setup(test_group_err_v1_translated, setup),
		cmocka_unit_test_setup(test_spec_err_example_decodes, setup),
		cmocka_unit_test_setup(test_handler_error_mapping, setup),
		cmocka_unit_test_setup(test_err_to_mgmt, setup),
		cmocka_unit_test_setup(test_register_duplicate, setup),
		cmocka_unit_test_setup(test_response_limit, setup),
		cmocka_unit_test_setup(test_request_too_large, setup),
		cmocka_unit_test_setup(test_transport_mtu_limits_response, setup),
		cmocka_unit_test_setup(test_tx_failure_continues, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
