/* SPDX-License-Identifier: Apache-2.0 */
/* Image group end to end (state read / test / confirm): SMP frames -> sdfu_smp_process -> simulated flash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "image_builder.h"
#include "img_fixture.h"

static void test_state_read_fresh(void **state)
{
	struct entry e[2];

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	read_state(e);
	assert_flags(&e[0], false, true, true, false);
	assert_true(e[0].bootable);
	assert_string_equal(e[0].version, "1.0.0");
	assert_memory_equal(e[0].hash, running.hash, 32);
	assert_false(e[1].present); /* empty slot is not listed */
}

static void test_test_confirm_flags(void **state)
{
	struct entry e[2];
	const struct smp_rsp *r;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	upload(&update, update.file_sha, 32);

	/* test: response is the full state */
	r = state_write(V2, update.hash, 32, false);
	parse_state(r, e);
	assert_flags(&e[0], false, true, true, false);
	assert_flags(&e[1], true, false, false, false);
	/* testing it again is a no-op; making it permanent now is refused */
	r = state_write(V2, update.hash, 32, false);
	parse_state(r, e);
	r = state_write(V2, update.hash, 32, true);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_IMAGE_ALREADY_PENDING);

	/* the pending slot is in use: no upload */
	r = first_chunk(V2, &other, 100, NULL, 0, false);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT);
	r = first_chunk(V1, &other, 100, NULL, 0, false);
	int64_t rc = 0;

	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, SDFU_MGMT_EBADSTATE);
	/* erase refuses it only in the strict setting (allow_erase_pending off) */
	img.allow_erase_pending = false;
	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, NULL, 0);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT);
	read_state(e);
	assert_flags(&e[1], true, false, false, false);
	assert_int_equal(ev_confirmed, 0);
}

static void test_permanent_flags(void **state)
{
	struct entry e[2];

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	upload(&update, NULL, 0);
	parse_state(state_write(V2, update.hash, 32, true), e);
	assert_flags(&e[0], false, true, true, false);
	assert_flags(&e[1], true, false, false, true);
	/* confirming the running image now is refused (another slot is scheduled) */
	assert_int_equal(grp_err(state_write(V2, NULL, 0, true)), SDFU_IMG_ERR_IMAGE_ALREADY_PENDING);
	/* confirming the same slot again is a no-op */
	parse_state(state_write(V2, update.hash, 32, true), e);
	assert_flags(&e[1], true, false, false, true);
	assert_int_equal(ev_confirmed, 0);
}

/* Swap-scratch, after a test swap: the new image in the primary with magic + copy_done,
 * the old one in the secondary. */
static void after_test_swap(void)
{
	const struct sdfu_flash_area *p;

	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	write_slot(0, &update);
	write_slot(1, &running);
	p = slot_fa(0);
	assert_int_equal(sdfu_boot_write_magic(p, boot.mode), 0);
	assert_int_equal(sdfu_boot_write_copy_done(p, boot.mode), 0);
}

/* The Go mcumgr CLI confirms the running image with a v1 request that always carries
 * "hash", empty when none is given: it must confirm like an absent hash. */
static void test_confirm_empty_hash_v1(void **state)
{
	struct entry e[2];
	static const uint8_t none[1] = {0};
	int64_t rc = 0;

	(void)state;
	after_test_swap();
	read_state(e);
	assert_flags(&e[0], false, false, true, false);

	const struct smp_rsp *r = state_write(V1, none, 0, true);

	assert_false(smp_rsp_rc(r, &rc)); /* success: no "rc" in a v1 response */
	parse_state(r, e);
	assert_flags(&e[0], false, true, true, false);
	assert_flags(&e[1], false, false, false, false);
	assert_int_equal(ev_confirmed, 1);
	/* a test request with an empty hash is still refused (v1: rc 3) */
	assert_true(smp_rsp_rc(state_write(V1, none, 0, false), &rc));
	assert_int_equal(rc, SDFU_MGMT_EINVAL);
}

static void test_revert_then_confirm(void **state)
{
	struct entry e[2];

	(void)state;
	after_test_swap();

	read_state(e);
	assert_flags(&e[0], false, false, true, false); /* running, not confirmed */
	assert_flags(&e[1], false, true, false, false); /* the revert target */

	/* the secondary is the revert target: uploads are refused */
	assert_int_equal(grp_err(first_chunk(V2, &other, 100, NULL, 0, false)),
			 SDFU_IMG_ERR_NO_FREE_SLOT);
	/* test anything -> 28; confirm (no hash, null hash) succeeds */
	assert_int_equal(grp_err(state_write(V2, running.hash, 32, false)),
			 SDFU_IMG_ERR_IMAGE_ALREADY_PENDING);
	struct smp_test_kv nullhash[] = {SMP_KV_NULL("hash"), SMP_KV_BOOL("confirm", true)};

	parse_state(smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_STATE, nullhash, 2), e);
	assert_flags(&e[0], false, true, true, false);
	assert_flags(&e[1], false, false, false, false);
	assert_int_equal(ev_confirmed, 1);

	/* now the secondary is free again */
	assert_int_equal(rsp_off(first_chunk(V2, &other, 100, NULL, 0, false)), 100);
}

static void test_state_write_errors(void **state)
{
	uint8_t h[32];
	int64_t rc = 0;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	/* test without hash */
	assert_int_equal(grp_err(state_write(V2, NULL, 0, false)), SDFU_IMG_ERR_INVALID_HASH);
	/* hash of the wrong length */
	assert_int_equal(grp_err(state_write(V2, running.hash, 31, false)), SDFU_IMG_ERR_INVALID_HASH);
	assert_true(smp_rsp_rc(state_write(V1, running.hash, 31, false), &rc));
	assert_int_equal(rc, SDFU_MGMT_EINVAL);
	/* unknown hash */
	memcpy(h, running.hash, 32);
	h[0] ^= 1;
	assert_int_equal(grp_err(state_write(V2, h, 32, false)), SDFU_IMG_ERR_HASH_NOT_FOUND);
	assert_true(smp_rsp_rc(state_write(V1, h, 32, false), &rc));
	assert_int_equal(rc, SDFU_MGMT_EUNKNOWN);
	/* test of the running image */
	assert_int_equal(grp_err(state_write(V2, running.hash, 32, false)),
			 SDFU_IMG_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED);
	/* confirming the running image without a hash: no-op, state returned */
	struct entry e[2];

	parse_state(state_write(V2, NULL, 0, true), e);
	assert_flags(&e[0], false, true, true, false);
}

static void test_same_image_reupload(void **state)
{
	bool match = false;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	/* uploading the running image is allowed ... */
	const struct smp_rsp *r = upload(&running, running.file_sha, 32);

	assert_true(smp_rsp_get_bool(r, "match", &match));
	assert_true(match);
	/* ... but the hash now resolves to the running slot: test fails with 33 */
	assert_int_equal(grp_err(state_write(V2, running.hash, 32, false)),
			 SDFU_IMG_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED);
}

static void test_invalid_image_not_scheduled(void **state)
{
	uint8_t b;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	upload(&update, NULL, 0);
	/* flip bits in the body (0 bits only, NOR rules): hash TLV intact, body wrong */
	assert_int_equal(sim_flash_peek(&fl, slot_fa(1)->off + HDR_SIZE + 100, &b, 1), 0);
	b = (uint8_t)(b & 0x0F);
	assert_int_equal(sim_flash_poke(&fl, slot_fa(1)->off + HDR_SIZE + 100, &b, 1), 0);
	if (b == (update.buf[HDR_SIZE + 100])) {
		b = 0; /* the nibble mask did not change it: force a change */
		assert_int_equal(sim_flash_poke(&fl, slot_fa(1)->off + HDR_SIZE + 100, &b, 1), 0);
	}
	assert_int_equal(grp_err(state_write(V2, update.hash, 32, false)),
			 SDFU_IMG_ERR_INVALID_IMAGE_HEADER_MAGIC);
	struct sdfu_boot_trailer tr;

	assert_int_equal(sdfu_boot_trailer_read(slot_fa(1), boot.mode, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_UNSET);
}

static void test_direct_xip(void **state)
{
	struct entry e[2];
	const struct smp_rsp *r;
	int64_t rc = 0;

	(void)state;
	/* running from slot 1: uploads go to slot 0 */
	start(SDFU_BOOT_MODE_DIRECT_XIP, 1);
	upload(&update, NULL, 0);
	assert_slot_holds(0, &update);
	read_state(e);
	assert_flags(&e[1], false, true, true, false);
	assert_flags(&e[0], true, false, false, true); /* higher version boots next */
	/* no test/confirm in plain direct-XIP */
	r = state_write(V2, update.hash, 32, false);
	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, SDFU_MGMT_ENOTSUP);
	/* slot 0 is not in use (no trailers): a new upload may replace it */
	assert_int_equal(rsp_off(first_chunk(V2, &other, 100, NULL, 0, false)), 100);
}

/* Load an imgtool-made image into `im`; the expected hash is computed from its header. */
static void imgtool_image(struct test_image *im, const struct ib_sign_opts *o, size_t body_len,
			  uint32_t seed)
{
	uint8_t *body = ib_body(body_len, seed);
	uint8_t *out = NULL;
	size_t out_len = 0;

	assert_non_null(body);
	assert_int_equal(ib_sign(o, body, body_len, &out, &out_len, NULL), 0);
	assert_true(out_len <= IMG_MAX);
	memcpy(im->buf, out, out_len);
	im->len = out_len;
	uint32_t hashed = (uint32_t)(im->buf[8] | (im->buf[9] << 8)) +
			  (uint32_t)(im->buf[10] | (im->buf[11] << 8)) +
			  ((uint32_t)im->buf[12] | ((uint32_t)im->buf[13] << 8) |
			   ((uint32_t)im->buf[14] << 16) | ((uint32_t)im->buf[15] << 24));

	sha256(im->buf, hashed, im->hash);
	sha256(im->buf, im->len, im->file_sha);
	free(out);
	free(body);
}

static void test_imgtool_signed_images(void **state)
{
	static struct test_image good, untrusted;
	struct entry e[2];
	uint8_t *der = NULL;
	size_t der_len = 0;
	bool match = false;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	const char *ka = ib_key(IB_KEY_EC, "a");
	const char *kb = ib_key(IB_KEY_EC, "b");

	assert_non_null(ka);
	assert_non_null(kb);
	assert_int_equal(ib_pubkey_der(ka, &der, &der_len), 0);
	struct sdfu_boot_key key = {.alg = SDFU_SIG_ECDSA_P256, .der = der, .der_len = der_len};

	boot.keys.keys = &key;
	boot.keys.count = 1;

	struct ib_sign_opts o = {.key = kb, .version = "2.0.3+7", .slot_size = slot_fa(1)->size,
				 .align = 4};

	imgtool_image(&untrusted, &o, 30000, 11);
	o.key = ka;
	imgtool_image(&good, &o, 30000, 12);

	/* signed by a key the device does not trust: uploads, but is never scheduled */
	assert_true(smp_rsp_get_bool(upload(&untrusted, untrusted.file_sha, 32), "match", &match));
	assert_true(match);
	read_state(e);
	assert_memory_equal(e[1].hash, untrusted.hash, 32);
	assert_int_equal(grp_err(state_write(V2, untrusted.hash, 32, false)),
			 SDFU_IMG_ERR_INVALID_IMAGE_HEADER_MAGIC);
	assert_int_equal(grp_err(state_write(V2, untrusted.hash, 32, true)),
			 SDFU_IMG_ERR_INVALID_IMAGE_HEADER_MAGIC);

	/* the trusted one: the hash SMP reports is imgtool's, test marks it pending */
	assert_true(smp_rsp_get_bool(upload(&good, good.file_sha, 32), "match", &match));
	assert_true(match);
	read_state(e);
	assert_string_equal(e[1].version, "2.0.3.7");
	assert_memory_equal(e[1].hash, good.hash, 32);
	parse_state(state_write(V2, good.hash, 32, false), e);
	assert_flags(&e[1], true, false, false, false);
	free(der);
}

static void test_direct_xip_revert(void **state)
{
	struct entry e[2];

	(void)state;
	start(SDFU_BOOT_MODE_DIRECT_XIP_REVERT, 0);
	/* the running image was confirmed: magic + image_ok */
	assert_int_equal(sdfu_boot_write_magic(slot_fa(0), boot.mode), 0);
	assert_int_equal(sdfu_boot_write_image_ok(slot_fa(0), boot.mode), 0);
	upload(&update, NULL, 0);
	read_state(e);
	assert_flags(&e[0], false, true, true, false);
	assert_flags(&e[1], false, false, false, false); /* no trailer: not a candidate */

	/* test: trailer magic only -> boots once */
	parse_state(state_write(V2, update.hash, 32, false), e);
	assert_flags(&e[1], true, false, false, false);
	/* slot 1 is now in use */
	assert_int_equal(grp_err(first_chunk(V2, &other, 100, NULL, 0, false)),
			 SDFU_IMG_ERR_NO_FREE_SLOT);
	/* confirm it: copy_done + image_ok -> boots for good */
	parse_state(state_write(V2, update.hash, 32, true), e);
	assert_flags(&e[1], true, false, false, true);
	assert_int_equal(grp_err(state_write(V2, running.hash, 32, false)),
			 SDFU_IMG_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_state_read_fresh, teardown),
		cmocka_unit_test_teardown(test_test_confirm_flags, teardown),
		cmocka_unit_test_teardown(test_permanent_flags, teardown),
		cmocka_unit_test_teardown(test_confirm_empty_hash_v1, teardown),
		cmocka_unit_test_teardown(test_revert_then_confirm, teardown),
		cmocka_unit_test_teardown(test_state_write_errors, teardown),
		cmocka_unit_test_teardown(test_same_image_reupload, teardown),
		cmocka_unit_test_teardown(test_invalid_image_not_scheduled, teardown),
		cmocka_unit_test_teardown(test_direct_xip, teardown),
		cmocka_unit_test_teardown(test_imgtool_signed_images, teardown),
		cmocka_unit_test_teardown(test_direct_xip_revert, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
