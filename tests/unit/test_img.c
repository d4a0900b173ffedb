/* SPDX-License-Identifier: Apache-2.0 */
/* Image group end to end (upload, erase, slot info): SMP frames -> sdfu_smp_process -> simulated flash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "img_fixture.h"

static void test_upload_full_odd_chunks(void **state)
{
	struct entry e[2];
	bool match = false;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	sim_flash_stats_reset(&fl);
	const struct smp_rsp *r = first_chunk(V2, &update, 300, update.file_sha, 32, false);

	assert_int_equal(rsp_off(r), 300);
	/* progressive erase: the first answer did not erase the whole 472 KiB slot */
	assert_true(fl.stats.sectors_erased <= 4);
	assert_int_equal(ev_started, 1);
	assert_int_equal(ev_write_done, 1);

	size_t off = 300;
	unsigned i = 0;

	while (off < update.len) {
		size_t n = odd_sizes[i++ % 8];

		if (n > update.len - off) {
			n = update.len - off;
		}
		r = chunk(&update, off, n);
		off += n;
		assert_int_equal(rsp_off(r), off);
	}
	assert_true(smp_rsp_get_bool(r, "match", &match));
	assert_true(match);
	assert_int_equal(smp_rsp_count(r), 2);
	assert_int_equal(ev_pending, 1);
	assert_int_equal(ev_stopped, 0);
	assert_int_equal(ev_write_done, ev_chunk - 1);
	assert_slot_holds(1, &update);
	assert_int_equal(fl.stats.violations, 0);

	read_state(e);
	assert_flags(&e[0], false, true, true, false);
	assert_flags(&e[1], false, false, false, false);
	assert_string_equal(e[1].version, "1.1.0");
	assert_memory_equal(e[1].hash, update.hash, 32);

	/* the session ended: a chunk after the end is told to start over */
	r = chunk(&update, 300, 10);
	assert_int_equal(rsp_off(r), 0);
}

static void test_upload_resync_resume_restart(void **state)
{
	const struct smp_rsp *r;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	r = first_chunk(V2, &update, 500, update.file_sha, 3, false);
	assert_int_equal(rsp_off(r), 500);
	r = chunk(&update, 500, 700);
	assert_int_equal(rsp_off(r), 1200);

	/* wrong offsets are answered with the expected one, no error, nothing written */
	unsigned writes = ev_write_done;

	r = chunk(&update, 700, 100);
	assert_int_equal(rsp_off(r), 1200);
	r = chunk(&update, 5000, 100);
	assert_int_equal(rsp_off(r), 1200);
	assert_int_equal(ev_write_done, writes);
	assert_int_equal(ev_stopped, 0);

	/* an empty chunk at the right offset writes nothing and keeps the offset */
	r = chunk(&update, 1200, 0);
	assert_int_equal(rsp_off(r), 1200);
	assert_int_equal(ev_write_done, writes);

	/* resume: first chunk again with the same (truncated) sha */
	r = first_chunk(V2, &update, 500, update.file_sha, 3, false);
	assert_int_equal(rsp_off(r), 1200);
	assert_int_equal(ev_started, 1);

	/* restart: another sha begins a new session at 0 */
	r = first_chunk(V2, &update, 400, other.file_sha, 3, false);
	assert_int_equal(rsp_off(r), 400);
	assert_int_equal(ev_started, 2);
	r = chunk(&update, 1200, 10);
	assert_int_equal(rsp_off(r), 400);

	/* finish with the 3-byte sha: accepted, no "match" key */
	size_t off = 400;

	while (off < update.len) {
		size_t n = update.len - off > 1500 ? 1500 : update.len - off;

		r = chunk(&update, off, n);
		off += n;
		assert_int_equal(rsp_off(r), off);
	}
	assert_false(smp_rsp_has(r, "match"));
	assert_int_equal(smp_rsp_count(r), 1);
	assert_slot_holds(1, &update);
}

static void test_upload_match_false(void **state)
{
	bool match = true;
	uint8_t wrong[32];

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	memcpy(wrong, update.file_sha, 32);
	wrong[31] ^= 1;
	const struct smp_rsp *r = upload(&update, wrong, 32);

	assert_true(smp_rsp_get_bool(r, "match", &match));
	assert_false(match);

	/* no sha at all: no match key either */
	r = upload(&update, NULL, 0);
	assert_false(smp_rsp_has(r, "match"));
}

static void test_upload_errors(void **state)
{
	const struct smp_rsp *r;
	uint8_t bad[64];

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);

	/* short first chunk */
	r = first_chunk(V2, &update, 31, NULL, 0, false);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_INVALID_IMAGE_HEADER);
	assert_int_equal(ev_stopped, 1);

	/* missing len */
	struct smp_test_kv nolen[] = {SMP_KV_UINT("off", 0), SMP_KV_BSTR("data", update.buf, 100)};

	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, nolen, 2);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_INVALID_LENGTH);

	/* missing off */
	struct smp_test_kv nooff[] = {SMP_KV_BSTR("data", update.buf, 100)};

	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, nooff, 1);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_INVALID_OFFSET);

	/* bad magic */
	memcpy(bad, update.buf, sizeof(bad));
	bad[0] ^= 0xFF;
	struct smp_test_kv badmagic[] = {SMP_KV_UINT("off", 0), SMP_KV_BSTR("data", bad, 64),
					 SMP_KV_UINT("len", 1000)};

	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, badmagic, 3);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_INVALID_IMAGE_HEADER_MAGIC);

	/* sha of 33 bytes */
	uint8_t sha33[33] = {0};

	r = first_chunk(V2, &update, 100, sha33, 33, false);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_INVALID_HASH);

	/* too large for the slot minus the trailer */
	uint32_t cap = slot_fa(1)->size;
	struct sdfu_boot_trailer_layout lo;

	sdfu_boot_trailer_layout(slot_fa(1), boot.mode, &lo);
	cap -= lo.trailer_size;
	struct smp_test_kv big[] = {SMP_KV_UINT("off", 0), SMP_KV_BSTR("data", update.buf, 64),
				    SMP_KV_UINT("len", cap + 1)};

	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, big, 3);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_INVALID_IMAGE_TOO_LARGE);
	big[2].v.u = cap;
	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, big, 3);
	assert_int_equal(rsp_off(r), 64);

	/* wrong type for a known key -> rc 3 */
	struct smp_test_kv badtype[] = {SMP_KV_TSTR("off", "zero")};

	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, badtype, 1);
	int64_t rc = 0;

	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, SDFU_MGMT_EINVAL);

	/* overrun: a 2000-byte session, then a chunk that runs past its end */
	unsigned stopped = ev_stopped;
	struct smp_test_kv small[] = {SMP_KV_UINT("off", 0), SMP_KV_BSTR("data", update.buf, 1000),
				      SMP_KV_UINT("len", 2000)};
	struct smp_test_kv over[] = {SMP_KV_UINT("off", 1000),
				     SMP_KV_BSTR("data", update.buf + 1000, 1001)};

	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, small, 3);
	assert_int_equal(rsp_off(r), 1000);
	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, over, 2);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_INVALID_IMAGE_DATA_OVERRUN);
	assert_int_equal(ev_stopped, stopped + 1);
	/* the error dropped the session */
	r = chunk(&update, 1000, 10);
	assert_int_equal(rsp_off(r), 0);
}

static void test_upload_upgrade_check(void **state)
{
	const struct smp_rsp *r;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	r = first_chunk(V2, &other, 100, NULL, 0, true); /* 0.9.0 < running 1.0.0 */
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_CURRENT_VERSION_IS_NEWER);
	r = first_chunk(V2, &running, 100, NULL, 0, true); /* equal */
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_CURRENT_VERSION_IS_NEWER);
	r = first_chunk(V1, &other, 100, NULL, 0, true);
	int64_t rc = 0;

	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, SDFU_MGMT_EBADSTATE);
	r = first_chunk(V2, &update, 100, NULL, 0, true); /* 1.1.0 */
	assert_int_equal(rsp_off(r), 100);
	/* without upgrade an older image is fine */
	r = first_chunk(V2, &other, 100, NULL, 0, false);
	assert_int_equal(rsp_off(r), 100);
}

static void test_erase(void **state)
{
	const struct smp_rsp *r;
	int64_t rc = 0;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	/* the active slot is refused (v2 err 9, v1 rc 6) */
	struct smp_test_kv s0[] = {SMP_KV_UINT("slot", 0)};

	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, s0, 1);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT);
	r = smp_test_req(&srv, W, V1, GRP, SDFU_IMG_ID_ERASE, s0, 1);
	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, SDFU_MGMT_EBADSTATE);
	struct smp_test_kv s5[] = {SMP_KV_UINT("slot", 5)};

	assert_int_equal(grp_err(smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, s5, 1)),
			 SDFU_IMG_ERR_INVALID_SLOT);

	/* a half upload, then erase: slot blank, session gone */
	r = first_chunk(V2, &update, 1000, update.file_sha, 32, false);
	assert_int_equal(rsp_off(r), 1000);
	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, NULL, 0);
	assert_int_equal(grp_err(r), 0);
	assert_int_equal(smp_rsp_count(r), 0);
	assert_true(sdfu_flash_area_is_erased(slot_fa(1), 0, slot_fa(1)->size));
	assert_int_equal(rsp_off(chunk(&update, 1000, 10)), 0);
	r = first_chunk(V2, &update, 1000, update.file_sha, 32, false);
	assert_int_equal(rsp_off(r), 1000); /* not a resume: a new session */

	/* erase of a blank slot is fine */
	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, NULL, 0);
	assert_int_equal(grp_err(r), 0);
}

static void test_pending_slot_erase_option(void **state)
{
	const struct smp_rsp *r;
	struct entry e[2];

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	img.allow_erase_pending = false; /* strict: Zephyr without ALLOW_ERASE_PENDING */
	write_slot(1, &update);
	r = state_write(V2, update.hash, 32, false); /* test: slot 1 pending */
	read_state(e);
	assert_flags(&e[1], true, false, false, false);
	/* the scheduled slot is neither free for upload nor erasable */
	r = first_chunk(V2, &other, 100, NULL, 0, false);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT);
	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, NULL, 0);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT);
	assert_false(sdfu_flash_area_is_erased(slot_fa(1), 0, 32));
	/* allow_erase_pending: erase clears the slot and its trailer, then upload works */
	img.allow_erase_pending = true;
	r = first_chunk(V2, &other, 100, NULL, 0, false);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT); /* upload alone still refused */
	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, NULL, 0);
	assert_int_equal(grp_err(r), 0);
	assert_true(sdfu_flash_area_is_erased(slot_fa(1), 0, slot_fa(1)->size));
	read_state(e);
	assert_flags(&e[0], false, true, true, false);
	r = first_chunk(V2, &other, 100, NULL, 0, false);
	assert_int_equal(rsp_off(r), 100);
	/* the running slot stays protected even with the option */
	struct smp_test_kv s0[] = {SMP_KV_UINT("slot", 0)};

	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, s0, 1);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT);
}

/* The revert target of an unconfirmed running test image is never erased. */
static void test_revert_target_never_erased(void **state)
{
	const struct smp_rsp *r;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	assert_true(img.allow_erase_pending); /* the default, as Zephyr */
	/* after a test swap: primary runs the new image unconfirmed (magic GOOD, copy_done
	 * SET, image_ok UNSET), the secondary holds the old image -> REVERT */
	write_slot(1, &update);
	assert_int_equal(sdfu_boot_write_magic(slot_fa(0), boot.mode), 0);
	assert_int_equal(sdfu_boot_write_copy_done(slot_fa(0), boot.mode), 0);
	assert_int_equal(sdfu_boot_swap_type(slot_fa(0), slot_fa(1), boot.mode), SDFU_BOOT_SWAP_REVERT);
	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, NULL, 0);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT);
	assert_false(sdfu_flash_area_is_erased(slot_fa(1), 0, 32));
	/* and the upload is refused too */
	r = first_chunk(V2, &other, 100, NULL, 0, false);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT);
}

static void test_stale_trailer_cured_by_erase(void **state)
{
	const struct smp_rsp *r;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	/* a leftover trailer schedules a test of a slot without an image */
	assert_int_equal(sdfu_boot_write_magic(slot_fa(1), boot.mode), 0);
	r = first_chunk(V2, &update, 100, NULL, 0, false);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_NO_FREE_SLOT);
	/* the slot holds no readable image, so erase is allowed and cures it */
	r = smp_test_req(&srv, W, V2, GRP, SDFU_IMG_ID_ERASE, NULL, 0);
	assert_int_equal(grp_err(r), 0);
	r = first_chunk(V2, &update, 100, NULL, 0, false);
	assert_int_equal(rsp_off(r), 100);
}

static void test_stale_trailer_erased_on_start(void **state)
{
	struct sdfu_boot_trailer_layout lo;
	uint8_t junk[16];

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	/* garbage where the secondary's trailer magic lives (BAD magic: not in use) */
	sdfu_boot_trailer_layout(slot_fa(1), boot.mode, &lo);
	memset(junk, 0x12, sizeof(junk));
	assert_int_equal(sim_flash_poke(&fl, slot_fa(1)->off + lo.magic_off, junk, 16), 0);
	assert_int_equal(rsp_off(first_chunk(V2, &update, 300, NULL, 0, false)), 300);
	/* the first chunk erased the trailer sector(s) */
	assert_true(sdfu_flash_area_is_erased(slot_fa(1), lo.magic_off, 16));
}

static void test_flash_failure(void **state)
{
	const struct smp_rsp *r;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	assert_int_equal(rsp_off(first_chunk(V2, &update, 300, NULL, 0, false)), 300);
	sim_flash_fail_at(&fl, 1, true);
	r = chunk(&update, 300, 1500); /* the next flash operation fails */
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_FLASH_WRITE_FAILED);
	assert_int_equal(ev_stopped, 1);
	/* a failing trailer erase on a new session gives 13 */
	r = first_chunk(V2, &update, 300, NULL, 0, false);
	assert_int_equal(grp_err(r), SDFU_IMG_ERR_FLASH_ERASE_FAILED);
	int64_t rc = 0;

	assert_true(smp_rsp_rc(first_chunk(V1, &update, 300, NULL, 0, false), &rc));
	assert_int_equal(rc, SDFU_MGMT_EUNKNOWN);
	sim_flash_disarm(&fl);
	assert_int_equal(rsp_off(first_chunk(V2, &update, 300, NULL, 0, false)), 300);
}

static void test_veto(void **state)
{
	const struct smp_rsp *r;
	int64_t rc = 0;
	uint16_t g = 0, grc = 0;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	r = first_chunk(V2, &update, 500, NULL, 0, false);
	assert_int_equal(rsp_off(r), 500);
	veto_at_chunk = (int)ev_chunk;
	veto_kind = SDFU_SMP_CB_ERROR_RC;
	r = chunk(&update, 500, 100);
	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, SDFU_MGMT_EACCESSDENIED);
	assert_int_equal(ev_stopped, 1);
	assert_int_equal(rsp_off(chunk(&update, 500, 100)), 0);

	veto_at_chunk = (int)ev_chunk;
	veto_kind = SDFU_SMP_CB_ERROR_ERR;
	r = first_chunk(V2, &update, 500, NULL, 0, false);
	assert_true(smp_rsp_err(r, &g, &grc));
	assert_int_equal(g, 64);
	assert_int_equal(grc, 7);
	assert_int_equal(ev_started, 1); /* the vetoed first chunk never started */
}

static void test_reset_api(void **state)
{
	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	assert_int_equal(rsp_off(first_chunk(V2, &update, 500, update.file_sha, 3, false)), 500);
	sdfu_img_upload_reset(&img);
	assert_int_equal(fake_port_crit_depth(), 0);
	assert_int_equal(img.upload.slot, -1);
	assert_int_equal(rsp_off(chunk(&update, 500, 100)), 0);

	/* same sha after a reset is a new session, not a resume */
	assert_int_equal(rsp_off(first_chunk(V2, &update, 400, update.file_sha, 3, false)), 400);
	assert_int_equal(rsp_off(chunk(&update, 400, 100)), 500);

	/* a reset that lands while a chunk is being handled wins: the client starts over */
	reset_at_chunk = (int)ev_chunk;
	assert_int_equal(rsp_off(chunk(&update, 500, 100)), 0);
	assert_int_equal(img.upload.slot, -1);
	assert_int_equal(rsp_off(chunk(&update, 600, 100)), 0);
	assert_int_equal(fake_port_crit_depth(), 0);
}

static void test_skip_upload_when_present(void **state)
{
	bool match = false;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	upload(&update, update.file_sha, 32);
	unsigned pending = ev_pending;
	const struct smp_rsp *r = first_chunk(V2, &update, 300, update.file_sha, 32, false);

	assert_int_equal(rsp_off(r), update.len);
	assert_true(smp_rsp_get_bool(r, "match", &match));
	assert_true(match);
	assert_int_equal(ev_pending, pending + 1);
	assert_slot_holds(1, &update);
}

static void test_slot_info(void **state)
{
	const struct smp_rsp *r;
	const uint8_t *arr, *m, *slots, *s;
	size_t alen, ml, slen, sl;
	uint64_t v;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	r = smp_test_req(&srv, R, V2, GRP, SDFU_IMG_ID_SLOT_INFO, NULL, 0);
	assert_true(smp_rsp_get_raw(r, "images", &arr, &alen));
	assert_int_equal(smp_array_len(arr, alen), 1);
	assert_true(smp_array_get(arr, alen, 0, &m, &ml));
	assert_true(smp_map_get_uint(m, ml, "image", &v));
	assert_int_equal(v, 0);
	assert_true(smp_map_get_uint(m, ml, "max_image_size", &v));
	struct sdfu_boot_trailer_layout lo;

	sdfu_boot_trailer_layout(slot_fa(1), boot.mode, &lo);
	assert_int_equal(v, slot_fa(1)->size - lo.trailer_size);
	assert_true(smp_map_get_raw(m, ml, "slots", &slots, &slen));
	assert_int_equal(smp_array_len(slots, slen), 2);
	assert_true(smp_array_get(slots, slen, 0, &s, &sl));
	assert_true(smp_map_get_uint(s, sl, "size", &v));
	assert_int_equal(v, slot_fa(0)->size);
	assert_false(smp_map_has(s, sl, "upload_image_id"));
	assert_true(smp_array_get(slots, slen, 1, &s, &sl));
	assert_true(smp_map_get_uint(s, sl, "slot", &v));
	assert_int_equal(v, 1);
	assert_true(smp_map_get_uint(s, sl, "upload_image_id", &v));
	assert_int_equal(v, 0);
}

static void test_unsupported_ops(void **state)
{
	int64_t rc = 0;

	(void)state;
	start(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	assert_true(smp_rsp_rc(smp_test_req(&srv, R, V2, GRP, SDFU_IMG_ID_UPLOAD, NULL, 0), &rc));
	assert_int_equal(rc, SDFU_MGMT_ENOTSUP);
	assert_true(smp_rsp_rc(smp_test_req(&srv, W, V2, GRP, 4, NULL, 0), &rc));
	assert_int_equal(rc, SDFU_MGMT_ENOTSUP);
	assert_true(smp_rsp_rc(smp_test_req(&srv, W, V2, GRP, 9, NULL, 0), &rc));
	assert_int_equal(rc, SDFU_MGMT_ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_upload_full_odd_chunks, teardown),
		cmocka_unit_test_teardown(test_upload_resync_resume_restart, teardown),
		cmocka_unit_test_teardown(test_upload_match_false, teardown),
		cmocka_unit_test_teardown(test_upload_errors, teardown),
		cmocka_unit_test_teardown(test_upload_upgrade_check, teardown),
		cmocka_unit_test_teardown(test_erase, teardown),
		cmocka_unit_test_teardown(test_pending_slot_erase_option, teardown),
		cmocka_unit_test_teardown(test_revert_target_never_erased, teardown),
		cmocka_unit_test_teardown(test_stale_trailer_cured_by_erase, teardown),
		cmocka_unit_test_teardown(test_stale_trailer_erased_on_start, teardown),
		cmocka_unit_test_teardown(test_flash_failure, teardown),
		cmocka_unit_test_teardown(test_veto, teardown),
		cmocka_unit_test_teardown(test_reset_api, teardown),
		cmocka_unit_test_teardown(test_skip_upload_when_present, teardown),
		cmocka_unit_test_teardown(test_slot_info, teardown),
		cmocka_unit_test_teardown(test_unsupported_ops, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
