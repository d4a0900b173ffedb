/* SPDX-License-Identifier: Apache-2.0 */
/* Boot flows through the bootloader simulation with imgtool images: swap, overwrite, direct-XIP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/sim_boot.h"
#include "fake_port.h"
#include "flash/sim_flash.h"
#include "image_builder.h"
#include "sdfu/boot.h"
#include "sdfu/err.h"

struct img {
	uint8_t *b;
	size_t len;
};

static uint8_t *ec_der;
static size_t ec_der_len;
static struct sdfu_boot_key ec_key;
static struct sdfu_boot_keys trust_ec;

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	if (ib_pubkey_der(ib_key(IB_KEY_EC, "a"), &ec_der, &ec_der_len) != 0) {
		return -1;
	}
	ec_key.alg = SDFU_SIG_ECDSA_P256;
	ec_key.der = ec_der;
	ec_key.der_len = ec_der_len;
	trust_ec.keys = &ec_key;
	trust_ec.count = 1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ec_der);
	return 0;
}

static struct img mk(struct sim_flash *f, const char *ver, size_t body_len, uint32_t seed, const char *key)
{
	struct ib_sign_opts o = { 0 };
	uint8_t *body = ib_body(body_len, seed);
	struct img i;

	o.key = key;
	o.version = ver;
	o.slot_size = f->areas[SDFU_FA_SECONDARY].size;
	o.align = f->dev.write_align;
	assert_int_equal(ib_sign(&o, body, body_len, &i.b, &i.len, NULL), 0);
	free(body);
	return i;
}

static void slot_has(struct sim_flash *f, enum sdfu_flash_area_id id, const struct img *i)
{
	uint8_t *buf = malloc(i->len);

	assert_int_equal(sim_flash_peek(f, f->areas[id].off, buf, i->len), 0);
	assert_memory_equal(buf, i->b, i->len);
	free(buf);
}

static int boot(struct sim_flash *f, enum sdfu_boot_mode mode, const struct sdfu_boot_keys *keys,
		struct sim_boot_report *rep, struct sdfu_boot_ctx *ctx)
{
	struct sim_boot_cfg cfg = { .mode = mode, .keys = keys };

	return sim_boot_run_ex(f, &cfg, ctx, rep);
}

static void check_version(const struct sim_boot_report *rep, int major)
{
	assert_int_equal(rep->booted_ver.major, major);
}

/* test -> reboot -> new runs -> reboot without confirm -> old back; then test -> confirm -> stays. */
static void run_swap_test_revert(const char *layout, enum sdfu_boot_mode mode)
{
	struct sim_flash f;
	struct sim_boot_report rep;
	struct sdfu_boot_ctx ctx;
	struct img v1, v2;

	assert_int_equal(sim_flash_open(&f, sim_layout_get(layout), NULL), 0);
	v1 = mk(&f, "1.0.0", 9000, 1, NULL);
	v2 = mk(&f, "2.0.0", 13000, 2, NULL);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v1.b, v1.len), 0);
	assert_int_equal(boot(&f, mode, NULL, &rep, &ctx), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_NONE);
	check_version(&rep, 1);
	assert_int_equal(ctx.mode, mode);
	assert_ptr_equal(ctx.slot[0], sim_flash_area(&f, SDFU_FA_PRIMARY));
	assert_int_equal(ctx.active_slot, 0);
	/* upload v2 and request a test */
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v2.b, v2.len), 0);
	assert_int_equal(sdfu_boot_request_upgrade(ctx.slot[1], mode, false), 0);
	assert_int_equal(boot(&f, mode, NULL, &rep, &ctx), 0);
	assert_int_equal(rep.swap_type, SDFU_BOOT_SWAP_TEST);
	assert_int_equal(rep.action, SIM_BOOT_ACT_UPGRADE);
	check_version(&rep, 2);
	slot_has(&f, SDFU_FA_PRIMARY, &v2);
	slot_has(&f, SDFU_FA_SECONDARY, &v1);
	/* the application sees a pending revert */
	assert_int_equal(sdfu_boot_swap_type(ctx.slot[0], ctx.slot[1], mode), SDFU_BOOT_SWAP_REVERT);
	/* reboot without confirm: old image back, confirmed */
	assert_int_equal(boot(&f, mode, NULL, &rep, &ctx), 0);
	assert_int_equal(rep.swap_type, SDFU_BOOT_SWAP_REVERT);
	assert_int_equal(rep.action, SIM_BOOT_ACT_REVERT);
	check_version(&rep, 1);
	slot_has(&f, SDFU_FA_PRIMARY, &v1);
	slot_has(&f, SDFU_FA_SECONDARY, &v2);
	assert_int_equal(boot(&f, mode, NULL, &rep, &ctx), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_NONE);
	check_version(&rep, 1);
	/* test again, then confirm: it stays */
	assert_int_equal(sdfu_boot_request_upgrade(ctx.slot[1], mode, false), 0);
	assert_int_equal(boot(&f, mode, NULL, &rep, &ctx), 0);
	check_version(&rep, 2);
	assert_int_equal(sdfu_boot_confirm(ctx.slot[0], mode), 0);
	assert_int_equal(sdfu_boot_swap_type(ctx.slot[0], ctx.slot[1], mode), SDFU_BOOT_SWAP_NONE);
	assert_int_equal(boot(&f, mode, NULL, &rep, &ctx), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_NONE);
	check_version(&rep, 2);
	slot_has(&f, SDFU_FA_PRIMARY, &v2);
	assert_int_equal(f.stats.violations, 0);
	free(v1.b);
	free(v2.b);
	sim_flash_close(&f);
}

static void test_swap_move_test_revert_confirm(void **state)
{
	(void)state;
	run_swap_test_revert("nrf52840", SDFU_BOOT_MODE_SWAP_MOVE);
	run_swap_test_revert("mixed8", SDFU_BOOT_MODE_SWAP_MOVE);
	run_swap_test_revert("large128k", SDFU_BOOT_MODE_SWAP_MOVE);
	run_swap_test_revert("nrf52840", SDFU_BOOT_MODE_SWAP_SCRATCH);
	run_swap_test_revert("mixed8", SDFU_BOOT_MODE_SWAP_SCRATCH);
	run_swap_test_revert("large128k", SDFU_BOOT_MODE_SWAP_SCRATCH);
}

/* An image using all sectors below the trailer: too big for move, fine for scratch. */
static void test_max_size_move_vs_scratch(void **state)
{
	const enum sdfu_boot_mode modes[] = { SDFU_BOOT_MODE_SWAP_MOVE, SDFU_BOOT_MODE_SWAP_SCRATCH };

	(void)state;
	for (unsigned mi = 0; mi < 2; mi++) {
		struct sim_flash f;
		struct sim_boot_report rep;
		struct sdfu_boot_ctx ctx;
		struct img v1, big;

		assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
		v1 = mk(&f, "1.0.0", 5000, 20, NULL);
		/* 0x76000 slot = 118 sectors, trailer in the last: 117 sectors usable by scratch */
		big = mk(&f, "3.0.0", 116u * 4096u + 1000u, 21, NULL);
		assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v1.b, v1.len), 0);
		assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, big.b, big.len), 0);
		assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), modes[mi], false), 0);
		assert_int_equal(boot(&f, modes[mi], NULL, &rep, &ctx), 0);
		if (modes[mi] == SDFU_BOOT_MODE_SWAP_MOVE) {
			assert_int_equal(rep.action, SIM_BOOT_ACT_REFUSED);
			check_version(&rep, 1);
		} else {
			assert_int_equal(rep.action, SIM_BOOT_ACT_UPGRADE);
			check_version(&rep, 3);
			slot_has(&f, SDFU_FA_PRIMARY, &big);
			slot_has(&f, SDFU_FA_SECONDARY, &v1);
			assert_int_equal(boot(&f, modes[mi], NULL, &rep, &ctx), 0);
			assert_int_equal(rep.action, SIM_BOOT_ACT_REVERT);
			slot_has(&f, SDFU_FA_PRIMARY, &v1);
			slot_has(&f, SDFU_FA_SECONDARY, &big);
		}
		assert_int_equal(f.stats.violations, 0);
		free(v1.b);
		free(big.b);
		sim_flash_close(&f);
	}
}

/* Scratch: images that end inside the sector holding the trailer swap and revert. */
static void test_scratch_trailer_sector(void **state)
{
	struct sim_flash f;
	struct sim_boot_report rep;
	struct sdfu_boot_ctx ctx;
	struct img a, b;
	const enum sdfu_boot_mode m = SDFU_BOOT_MODE_SWAP_SCRATCH;

	(void)state;
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
	/* last sector at 0x75000, trailer from 0x76000 - 1584 */
	a = mk(&f, "1.0.0", 0x75000 - 0x200 + 1000, 40, NULL);
	b = mk(&f, "2.0.0", 0x75000 - 0x200 + 2400, 41, NULL);
	assert_true(b.len > 0x75000 && b.len <= 0x76000 - 1584);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, a.b, a.len), 0);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, b.b, b.len), 0);
	assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), m, false), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_UPGRADE);
	check_version(&rep, 2);
	slot_has(&f, SDFU_FA_PRIMARY, &b);
	slot_has(&f, SDFU_FA_SECONDARY, &a);
	{
		/* no stale progress left in the scratch trailer: it is no status source (as in
		 * MCUboot it may hold the image data of the last step, never a GOOD magic) */
		struct sdfu_boot_trailer tr;

		assert_int_equal(sdfu_boot_trailer_read(sim_flash_area(&f, SDFU_FA_SCRATCH), m, &tr), 0);
		assert_int_not_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
	}
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_REVERT);
	slot_has(&f, SDFU_FA_PRIMARY, &a);
	slot_has(&f, SDFU_FA_SECONDARY, &b);
	assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), m, true), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	check_version(&rep, 2);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_NONE);
	check_version(&rep, 2);
	assert_int_equal(f.stats.violations, 0);
	free(a.b);
	free(b.b);
	sim_flash_close(&f);
}

/* Status writes that always fail do not stop a swap (MCUboot run_with_status_fails). */
static void test_status_write_failures(void **state)
{
	const enum sdfu_boot_mode modes[] = { SDFU_BOOT_MODE_SWAP_MOVE, SDFU_BOOT_MODE_SWAP_SCRATCH };

	(void)state;
	for (unsigned mi = 0; mi < 2; mi++) {
		struct sim_flash f;
		struct sim_boot_report rep;
		struct sdfu_boot_ctx ctx;
		struct sdfu_boot_trailer_layout lo;
		struct img v1, v2;
		const struct sdfu_flash_area *pri;

		assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
		pri = sim_flash_area(&f, SDFU_FA_PRIMARY);
		v1 = mk(&f, "1.0.0", 9000, 30, NULL);
		v2 = mk(&f, "2.0.0", 11000, 31, NULL);
		assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v1.b, v1.len), 0);
		assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v2.b, v2.len), 0);
		assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), modes[mi], false), 0);
		sdfu_boot_trailer_layout(pri, modes[mi], &lo);
		sim_flash_bad_region(&f, pri->off + lo.status_off, lo.swap_size_off - lo.status_off, 1000, 3);
		assert_int_equal(boot(&f, modes[mi], NULL, &rep, &ctx), 0);
		check_version(&rep, 2);
		assert_true(f.stats.failed > 0);
		slot_has(&f, SDFU_FA_PRIMARY, &v2);
		slot_has(&f, SDFU_FA_SECONDARY, &v1);
		assert_int_equal(boot(&f, modes[mi], NULL, &rep, &ctx), 0);
		assert_int_equal(rep.action, SIM_BOOT_ACT_REVERT);
		slot_has(&f, SDFU_FA_PRIMARY, &v1);
		assert_int_equal(f.stats.violations, 0);
		free(v1.b);
		free(v2.b);
		sim_flash_close(&f);
	}
}

static void test_swap_permanent(void **state)
{
	struct sim_flash f;
	struct sim_boot_report rep;
	struct sdfu_boot_ctx ctx;
	struct img v1, v2;
	const enum sdfu_boot_mode m = SDFU_BOOT_MODE_SWAP_MOVE;

	(void)state;
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
	v1 = mk(&f, "1.0.0", 20000, 3, ib_key(IB_KEY_EC, "a"));
	v2 = mk(&f, "1.1.0", 5000, 4, ib_key(IB_KEY_EC, "a"));
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v1.b, v1.len), 0);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v2.b, v2.len), 0);
	assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), m, true), 0);
	assert_int_equal(boot(&f, m, &trust_ec, &rep, &ctx), 0);
	assert_int_equal(rep.swap_type, SDFU_BOOT_SWAP_PERM);
	assert_int_equal(rep.booted_ver.minor, 1);
	assert_ptr_equal(ctx.keys.keys, &ec_key);
	assert_int_equal(ctx.keys.count, 1);
	/* smaller new image: the old bigger one is fully in the secondary */
	slot_has(&f, SDFU_FA_PRIMARY, &v2);
	slot_has(&f, SDFU_FA_SECONDARY, &v1);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(boot(&f, m, &trust_ec, &rep, &ctx), 0);
		assert_int_equal(rep.action, SIM_BOOT_ACT_NONE);
		assert_int_equal(rep.booted_ver.minor, 1);
	}
	assert_int_equal(f.stats.violations, 0);
	free(v1.b);
	free(v2.b);
	sim_flash_close(&f);
}

static void test_refused_upgrades(void **state)
{
	struct sim_flash f;
	struct sim_boot_report rep;
	struct sdfu_boot_ctx ctx;
	struct img v1, bad_sig, unsigned_img, corrupt;
	const enum sdfu_boot_mode modes[] = { SDFU_BOOT_MODE_SWAP_MOVE, SDFU_BOOT_MODE_OVERWRITE_ONLY };

	(void)state;
	for (unsigned mi = 0; mi < 2; mi++) {
		enum sdfu_boot_mode m = modes[mi];

		assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
		v1 = mk(&f, "1.0.0", 7000, 5, ib_key(IB_KEY_EC, "a"));
		bad_sig = mk(&f, "2.0.0", 7000, 6, ib_key(IB_KEY_EC, "b"));
		unsigned_img = mk(&f, "2.0.0", 7000, 7, NULL);
		corrupt = mk(&f, "2.0.0", 7000, 8, ib_key(IB_KEY_EC, "a"));
		corrupt.b[0x200 + 10] ^= 0x80;
		assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v1.b, v1.len), 0);
		const struct img *cases[] = { &bad_sig, &unsigned_img, &corrupt };

		for (unsigned c = 0; c < 3; c++) {
			assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, cases[c]->b, cases[c]->len), 0);
			assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), m, c == 1), 0);
			assert_int_equal(boot(&f, m, &trust_ec, &rep, &ctx), 0);
			assert_int_equal(rep.action, SIM_BOOT_ACT_REFUSED);
			assert_int_equal(rep.swap_type, SDFU_BOOT_SWAP_FAIL);
			check_version(&rep, 1);
			slot_has(&f, SDFU_FA_PRIMARY, &v1);
			assert_true(sdfu_flash_area_is_erased(ctx.slot[1], 0, ctx.slot[1]->size));
			assert_int_equal(boot(&f, m, &trust_ec, &rep, &ctx), 0);
			assert_int_equal(rep.action, SIM_BOOT_ACT_NONE);
		}
		/* the bad-signature image is fine for a build without keys */
		assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, bad_sig.b, bad_sig.len), 0);
		assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), m, false), 0);
		assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
		check_version(&rep, 2);
		assert_int_equal(f.stats.violations, 0);
		free(v1.b);
		free(bad_sig.b);
		free(unsigned_img.b);
		free(corrupt.b);
		sim_flash_close(&f);
	}
}

static void test_overwrite_only(void **state)
{
	struct sim_flash f;
	struct sim_boot_report rep;
	struct sdfu_boot_ctx ctx;
	struct sim_boot_cfg cfg = { .mode = SDFU_BOOT_MODE_OVERWRITE_ONLY, .downgrade_prevention = true };
	struct img v1, v2, v0;

	(void)state;
	assert_int_equal(sim_flash_open(&f, sim_layout_get("mixed8"), NULL), 0);
	v1 = mk(&f, "1.0.0", 30000, 9, NULL);
	v2 = mk(&f, "2.0.0", 17000, 10, NULL);
	v0 = mk(&f, "0.9.0", 17000, 11, NULL);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v1.b, v1.len), 0);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v2.b, v2.len), 0);
	/* "test" is effectively permanent */
	assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), cfg.mode, false), 0);
	assert_int_equal(sim_boot_run_ex(&f, &cfg, &ctx, &rep), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_UPGRADE);
	check_version(&rep, 2);
	slot_has(&f, SDFU_FA_PRIMARY, &v2);
	{
		struct sdfu_image_info info;

		assert_int_equal(sdfu_image_read_info(ctx.slot[1], &info), SDFU_ERR_NOENT);
	}
	assert_int_equal(sim_boot_run_ex(&f, &cfg, &ctx, &rep), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_NONE);
	check_version(&rep, 2);
	/* downgrade refused */
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v0.b, v0.len), 0);
	assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), cfg.mode, true), 0);
	assert_int_equal(sim_boot_run_ex(&f, &cfg, &ctx, &rep), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_REFUSED);
	check_version(&rep, 2);
	assert_int_equal(f.stats.violations, 0);
	free(v0.b);
	free(v1.b);
	free(v2.b);
	sim_flash_close(&f);
}

static void test_direct_xip(void **state)
{
	struct sim_flash f;
	struct sim_boot_report rep;
	struct sdfu_boot_ctx ctx;
	struct img v1, v2, v3;
	const enum sdfu_boot_mode m = SDFU_BOOT_MODE_DIRECT_XIP;

	(void)state;
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), SDFU_ERR_NOENT);
	assert_int_equal(rep.booted_slot, -1);
	v1 = mk(&f, "1.0.0", 4000, 12, NULL);
	v2 = mk(&f, "1.0.1", 4000, 13, NULL);
	v3 = mk(&f, "1.0.2", 4000, 14, NULL);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v1.b, v1.len), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(ctx.active_slot, 0);
	/* the higher version wins, wherever it is */
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v2.b, v2.len), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(ctx.active_slot, 1);
	assert_int_equal(rep.booted_ver.revision, 1);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v3.b, v3.len), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(ctx.active_slot, 0);
	/* a corrupt higher version is erased and the other slot boots */
	v3.b[0x200] ^= 1;
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v3.b, v3.len), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(ctx.active_slot, 1);
	assert_true(sdfu_flash_area_is_erased(ctx.slot[0], 0, 64));
	assert_int_equal(f.stats.violations, 0);
	free(v1.b);
	free(v2.b);
	free(v3.b);
	sim_flash_close(&f);
}

static void test_direct_xip_revert(void **state)
{
	struct sim_flash f;
	struct sim_boot_report rep;
	struct sdfu_boot_ctx ctx;
	struct img v1, v2;
	const enum sdfu_boot_mode m = SDFU_BOOT_MODE_DIRECT_XIP_REVERT;
	char path[600];

	(void)state;
	assert_int_equal(sim_flash_open(&f, sim_layout_get("mixed8"), NULL), 0);
	v1 = mk(&f, "1.0.0", 4000, 15, NULL);
	v2 = mk(&f, "2.0.0", 4000, 16, NULL);
	/* an image without trailer magic is not bootable in this mode: provisioning adds it */
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v1.b, v1.len), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), SDFU_ERR_NOENT);
	snprintf(path, sizeof(path), "%s/v1.bin", ib_tmpdir());
	assert_int_equal(ib_save(path, v1.b, v1.len), 0);
	assert_int_equal(sim_boot_provision(&f, path), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(ctx.active_slot, 0);
	/* test v2 in the other slot: boots once, copy_done set, then reverted */
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v2.b, v2.len), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(ctx.active_slot, 0); /* no magic yet: erased, not chosen */
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v2.b, v2.len), 0);
	assert_int_equal(sdfu_boot_set_next(ctx.slot[1], m, false, false), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(ctx.active_slot, 1);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(rep.action, SIM_BOOT_ACT_REVERT);
	assert_int_equal(ctx.active_slot, 0);
	/* again, confirmed this time: stays */
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v2.b, v2.len), 0);
	assert_int_equal(sdfu_boot_set_next(ctx.slot[1], m, false, false), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_int_equal(ctx.active_slot, 1);
	assert_int_equal(sdfu_boot_confirm(ctx.slot[1], m), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
		assert_int_equal(ctx.active_slot, 1);
	}
	assert_int_equal(f.stats.violations, 0);
	free(v1.b);
	free(v2.b);
	sim_flash_close(&f);
}

/* A file-backed device: a power cut mid-swap, the process "dies", a new one resumes. */
static void test_file_backed_resume(void **state)
{
	struct sim_flash f;
	struct sim_boot_report rep;
	struct sdfu_boot_ctx ctx;
	struct img v1, v2;
	char path[600];
	const enum sdfu_boot_mode m = SDFU_BOOT_MODE_SWAP_MOVE;

	(void)state;
	snprintf(path, sizeof(path), "%s/flash.bin", ib_tmpdir());
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), path), 0);
	v1 = mk(&f, "1.0.0", 9000, 50, NULL);
	v2 = mk(&f, "2.0.0", 12000, 51, NULL);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_PRIMARY, v1.b, v1.len), 0);
	assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, v2.b, v2.len), 0);
	assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(&f, SDFU_FA_SECONDARY), m, false), 0);
	sim_flash_cut_at(&f, 12, SIM_FLASH_CUT_TORN_WRITE, 50);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), SDFU_ERR_IO);
	assert_false(f.powered); /* only the harness knows it was a power cut */
	sim_flash_close(&f);
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), path), 0);
	assert_int_equal(boot(&f, m, NULL, &rep, &ctx), 0);
	assert_true(rep.resumed);
	check_version(&rep, 2);
	slot_has(&f, SDFU_FA_PRIMARY, &v2);
	slot_has(&f, SDFU_FA_SECONDARY, &v1);
	sim_flash_close(&f);
	free(v1.b);
	free(v2.b);
}

static void test_mode_names(void **state)
{
	enum sdfu_boot_mode m;

	(void)state;
	assert_int_equal(sim_boot_mode_parse("swap", &m), 0);
	assert_int_equal(m, SDFU_BOOT_MODE_SWAP_MOVE);
	assert_int_equal(sim_boot_mode_parse("direct-xip-revert", &m), 0);
	assert_int_equal(m, SDFU_BOOT_MODE_DIRECT_XIP_REVERT);
	assert_string_equal(sim_boot_mode_name(SDFU_BOOT_MODE_OVERWRITE_ONLY), "overwrite-only");
	assert_int_equal(sim_boot_mode_parse("nope", &m), SDFU_ERR_INVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_file_backed_resume),
		cmocka_unit_test(test_swap_move_test_revert_confirm),
		cmocka_unit_test(test_swap_permanent),
		cmocka_unit_test(test_max_size_move_vs_scratch),
		cmocka_unit_test(test_status_write_failures),
		cmocka_unit_test(test_scratch_trailer_sector),
		cmocka_unit_test(test_refused_upgrades),
		cmocka_unit_test(test_overwrite_only),
		cmocka_unit_test(test_direct_xip),
		cmocka_unit_test(test_direct_xip_revert),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
