/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the trailer layout/codec, the swap-type table and set_next/confirm. */
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

static const uint8_t MAGIC8[16] = { 0x77, 0xC2, 0x95, 0xF3, 0x60, 0xD2, 0xEF, 0x7F,
				    0x35, 0x52, 0x50, 0x0F, 0x2C, 0xB6, 0x79, 0x80 };

/* A small device with a given write alignment: 64 KiB slots of 4 KiB sectors. */
static struct sim_flash_layout custom(uint16_t align)
{
	struct sim_flash_layout l = {
		.name = "custom",
		.size = 0x20000,
		.write_align = align,
		.erased_val = 0xFF,
		.sector_range_count = 1,
		.sectors = { { 32, 0x1000 } },
	};

	l.areas[SDFU_FA_PRIMARY].off = 0;
	l.areas[SDFU_FA_PRIMARY].size = 0x10000;
	l.areas[SDFU_FA_SECONDARY].off = 0x10000;
	l.areas[SDFU_FA_SECONDARY].size = 0x10000;
	return l;
}

static void test_layout_per_alignment(void **state)
{
	static const uint16_t aligns[] = { 1, 2, 4, 8, 16, 32 };

	(void)state;
	for (unsigned i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		struct sim_flash_layout l = custom(aligns[i]);
		struct sim_flash f;
		struct sdfu_boot_trailer_layout lo, ov;
		uint32_t S = 0x10000, A = aligns[i] > 8 ? aligns[i] : 8;
		uint32_t magic_area = (16 + A - 1) / A * A;

		assert_int_equal(sim_flash_open(&f, &l, NULL), 0);
		sdfu_boot_trailer_layout(sim_flash_area(&f, SDFU_FA_SECONDARY), SDFU_BOOT_MODE_SWAP_MOVE, &lo);
		assert_int_equal(lo.align, A);
		assert_int_equal(lo.magic_off, S - 16);
		assert_int_equal(lo.image_ok_off, S - magic_area - A);
		assert_int_equal(lo.copy_done_off, lo.image_ok_off - A);
		assert_int_equal(lo.swap_info_off, lo.copy_done_off - A);
		assert_int_equal(lo.swap_size_off, lo.swap_info_off - A);
		/* imgtool _trailer_size: 128*3*align + 4*A + magic area */
		assert_int_equal(lo.trailer_size, 128u * 3u * aligns[i] + 4u * A + magic_area);
		assert_int_equal(lo.status_off, S - lo.trailer_size);
		sdfu_boot_trailer_layout(sim_flash_area(&f, SDFU_FA_SECONDARY), SDFU_BOOT_MODE_OVERWRITE_ONLY, &ov);
		assert_int_equal(ov.image_ok_off, lo.image_ok_off);
		assert_int_equal(ov.trailer_size, 4u * A + magic_area);
		sim_flash_close(&f);
	}
	/* documented numbers for A = 8 */
	{
		struct sim_flash_layout l = custom(4);
		struct sim_flash f;
		struct sdfu_boot_trailer_layout lo;

		assert_int_equal(sim_flash_open(&f, &l, NULL), 0);
		sdfu_boot_trailer_layout(sim_flash_area(&f, SDFU_FA_PRIMARY), SDFU_BOOT_MODE_SWAP_MOVE, &lo);
		assert_int_equal(lo.image_ok_off, 0x10000 - 24);
		assert_int_equal(lo.copy_done_off, 0x10000 - 32);
		assert_int_equal(lo.swap_info_off, 0x10000 - 40);
		assert_int_equal(lo.swap_size_off, 0x10000 - 48);
		assert_int_equal(lo.trailer_size, 1584);
		sim_flash_close(&f);
	}
}

static void test_magic_bytes(void **state)
{
	uint8_t m[16];

	(void)state;
	sdfu_boot_trailer_magic(8, m);
	assert_memory_equal(m, MAGIC8, 16);
	sdfu_boot_trailer_magic(32, m);
	assert_int_equal(m[0], 32);
	assert_int_equal(m[1], 0);
	assert_int_equal(m[2], 0x2D);
	assert_int_equal(m[15], 0x8A);
	sdfu_boot_trailer_magic(16, m);
	assert_int_equal(m[0], 16);
}

/* Write every field, read it back, check the raw bytes and padding, at several alignments. */
static void test_codec_roundtrip(void **state)
{
	static const uint16_t aligns[] = { 1, 4, 8, 32 };

	(void)state;
	for (unsigned i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		struct sim_flash_layout l = custom(aligns[i]);
		struct sim_flash f;
		const struct sdfu_flash_area *fa;
		struct sdfu_boot_trailer tr;
		struct sdfu_boot_trailer_layout lo;
		uint8_t raw[64], good[16];

		assert_int_equal(sim_flash_open(&f, &l, NULL), 0);
		fa = sim_flash_area(&f, SDFU_FA_SECONDARY);
		sdfu_boot_trailer_layout(fa, SDFU_BOOT_MODE_SWAP_MOVE, &lo);
		assert_int_equal(sdfu_boot_trailer_read(fa, SDFU_BOOT_MODE_SWAP_MOVE, &tr), 0);
		assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_UNSET);
		assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET);
		assert_int_equal(tr.copy_done, SDFU_BOOT_FLAG_UNSET);
		assert_int_equal(tr.swap_type, SDFU_BOOT_SWAP_NONE);
		assert_int_equal(tr.swap_size, 0xFFFFFFFFu);
		assert_int_equal(sdfu_boot_write_magic(fa, SDFU_BOOT_MODE_SWAP_MOVE), 0);
		assert_int_equal(sdfu_boot_write_image_ok(fa, SDFU_BOOT_MODE_SWAP_MOVE), 0);
		assert_int_equal(sdfu_boot_write_copy_done(fa, SDFU_BOOT_MODE_SWAP_MOVE), 0);
		assert_int_equal(sdfu_boot_write_swap_info(fa, SDFU_BOOT_MODE_SWAP_MOVE, 3, 1), 0);
		assert_int_equal(sdfu_boot_write_swap_size(fa, SDFU_BOOT_MODE_SWAP_MOVE, 0x12345), 0);
		assert_int_equal(f.stats.violations, 0);
		assert_int_equal(sdfu_boot_trailer_read(fa, SDFU_BOOT_MODE_SWAP_MOVE, &tr), 0);
		assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
		assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
		assert_int_equal(tr.copy_done, SDFU_BOOT_FLAG_SET);
		assert_int_equal(tr.swap_type, 3);
		assert_int_equal(tr.image_num, 1);
		assert_int_equal(tr.swap_size, 0x12345);
		/* raw bytes */
		assert_int_equal(sdfu_flash_area_read(fa, fa->size - 16, raw, 16), 0);
		sdfu_boot_trailer_magic(lo.align, good);
		assert_memory_equal(raw, good, 16);
		if (lo.align == 8) {
			assert_memory_equal(raw, MAGIC8, 16);
		}
		assert_int_equal(sdfu_flash_area_read(fa, lo.image_ok_off, raw, lo.align), 0);
		assert_int_equal(raw[0], 0x01);
		for (unsigned k = 1; k < lo.align; k++) {
			assert_int_equal(raw[k], 0xFF);
		}
		assert_int_equal(sdfu_flash_area_read(fa, lo.swap_info_off, raw, 1), 0);
		assert_int_equal(raw[0], 0x13);
		assert_int_equal(sdfu_flash_area_read(fa, lo.swap_size_off, raw, 4), 0);
		assert_int_equal(raw[0], 0x45);
		assert_int_equal(raw[2], 0x01);
		/* rewriting a field is a flash rule violation */
		assert_int_not_equal(sdfu_boot_write_image_ok(fa, SDFU_BOOT_MODE_SWAP_MOVE), 0);
		/* erase_trailer brings it back to unset, and leaves the sector below alone */
		assert_int_equal(sdfu_boot_erase_trailer(fa, SDFU_BOOT_MODE_SWAP_MOVE), 0);
		assert_int_equal(sdfu_boot_trailer_read(fa, SDFU_BOOT_MODE_SWAP_MOVE, &tr), 0);
		assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_UNSET);
		/* bad values decode as BAD / NONE */
		raw[0] = 0x77;
		assert_int_equal(sim_flash_poke(&f, fa->off + fa->size - 16, raw, 1), 0);
		raw[0] = 0x02;
		assert_int_equal(sim_flash_poke(&f, fa->off + lo.image_ok_off, raw, 1), 0);
		raw[0] = 0x07;
		assert_int_equal(sim_flash_poke(&f, fa->off + lo.swap_info_off, raw, 1), 0);
		assert_int_equal(sdfu_boot_trailer_read(fa, SDFU_BOOT_MODE_SWAP_MOVE, &tr), 0);
		assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_BAD);
		assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_BAD);
		assert_int_equal(tr.swap_type, SDFU_BOOT_SWAP_NONE);
		sim_flash_close(&f);
	}
}

/* Independent restatement of the MCUboot table for the exhaustive check. */
static enum sdfu_boot_swap_type reference(const struct sdfu_boot_trailer *p, const struct sdfu_boot_trailer *s)
{
	if (s->magic == SDFU_BOOT_MAGIC_GOOD && s->image_ok == SDFU_BOOT_FLAG_UNSET) {
		return SDFU_BOOT_SWAP_TEST;
	}
	if (s->magic == SDFU_BOOT_MAGIC_GOOD && s->image_ok == SDFU_BOOT_FLAG_SET) {
		return SDFU_BOOT_SWAP_PERM;
	}
	if (p->magic == SDFU_BOOT_MAGIC_GOOD && s->magic == SDFU_BOOT_MAGIC_UNSET &&
	    p->image_ok == SDFU_BOOT_FLAG_UNSET && p->copy_done == SDFU_BOOT_FLAG_SET) {
		return SDFU_BOOT_SWAP_REVERT;
	}
	return SDFU_BOOT_SWAP_NONE;
}

static void test_swap_table_rows(void **state)
{
	struct sdfu_boot_trailer p = { 0 }, s = { 0 };
	unsigned n = 0;

	(void)state;
	/* row 1: secondary GOOD, image_ok unset -> TEST (whatever the primary says) */
	s.magic = SDFU_BOOT_MAGIC_GOOD;
	p.magic = SDFU_BOOT_MAGIC_BAD;
	assert_int_equal(sdfu_boot_swap_type_decide(&p, &s), SDFU_BOOT_SWAP_TEST);
	/* row 2: secondary GOOD, image_ok set -> PERM */
	s.image_ok = SDFU_BOOT_FLAG_SET;
	assert_int_equal(sdfu_boot_swap_type_decide(&p, &s), SDFU_BOOT_SWAP_PERM);
	/* secondary GOOD with a BAD image_ok matches no row */
	s.image_ok = SDFU_BOOT_FLAG_BAD;
	assert_int_equal(sdfu_boot_swap_type_decide(&p, &s), SDFU_BOOT_SWAP_NONE);
	/* row 3: primary GOOD, unconfirmed, copied; secondary unset -> REVERT */
	memset(&s, 0, sizeof(s));
	p.magic = SDFU_BOOT_MAGIC_GOOD;
	p.image_ok = SDFU_BOOT_FLAG_UNSET;
	p.copy_done = SDFU_BOOT_FLAG_SET;
	assert_int_equal(sdfu_boot_swap_type_decide(&p, &s), SDFU_BOOT_SWAP_REVERT);
	p.image_ok = SDFU_BOOT_FLAG_SET; /* confirmed */
	assert_int_equal(sdfu_boot_swap_type_decide(&p, &s), SDFU_BOOT_SWAP_NONE);
	p.image_ok = SDFU_BOOT_FLAG_UNSET;
	p.copy_done = SDFU_BOOT_FLAG_UNSET; /* never copied (e.g. --pad in primary) */
	assert_int_equal(sdfu_boot_swap_type_decide(&p, &s), SDFU_BOOT_SWAP_NONE);
	/* both unset: NONE */
	memset(&p, 0, sizeof(p));
	assert_int_equal(sdfu_boot_swap_type_decide(&p, &s), SDFU_BOOT_SWAP_NONE);
	/* exhaustive against the restated table */
	for (int pm = 0; pm < 3; pm++)
		for (int sm = 0; sm < 3; sm++)
			for (int po = 0; po < 3; po++)
				for (int so = 0; so < 3; so++)
					for (int pc = 0; pc < 3; pc++) {
						p.magic = pm;
						s.magic = sm;
						p.image_ok = po;
						s.image_ok = so;
						p.copy_done = pc;
						assert_int_equal(sdfu_boot_swap_type_decide(&p, &s), reference(&p, &s));
						n++;
					}
	assert_int_equal(n, 243);
}

static void test_set_next_swap(void **state)
{
	struct sim_flash f;
	const struct sdfu_flash_area *pri, *sec;
	struct sdfu_boot_trailer tr;
	const enum sdfu_boot_mode m = SDFU_BOOT_MODE_SWAP_MOVE;
	uint64_t w;

	(void)state;
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
	pri = sim_flash_area(&f, SDFU_FA_PRIMARY);
	sec = sim_flash_area(&f, SDFU_FA_SECONDARY);
	assert_int_equal(sdfu_boot_swap_type(pri, sec, m), SDFU_BOOT_SWAP_NONE);
	/* test request */
	assert_int_equal(sdfu_boot_request_upgrade(sec, m, false), 0);
	assert_int_equal(sdfu_boot_trailer_read(sec, m, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET);
	assert_int_equal(tr.swap_type, SDFU_BOOT_SWAP_TEST);
	assert_int_equal(sdfu_boot_swap_type(pri, sec, m), SDFU_BOOT_SWAP_TEST);
	/* already scheduled: a second request (even permanent) changes nothing */
	w = f.stats.writes;
	assert_int_equal(sdfu_boot_request_upgrade(sec, m, true), 0);
	assert_int_equal(f.stats.writes, w);
	assert_int_equal(sdfu_boot_swap_type(pri, sec, m), SDFU_BOOT_SWAP_TEST);
	/* permanent request on a fresh slot */
	assert_int_equal(sdfu_boot_erase_trailer(sec, m), 0);
	assert_int_equal(sdfu_boot_request_upgrade(sec, m, true), 0);
	assert_int_equal(sdfu_boot_trailer_read(sec, m, &tr), 0);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
	assert_int_equal(tr.swap_type, SDFU_BOOT_SWAP_PERM);
	assert_int_equal(sdfu_boot_swap_type(pri, sec, m), SDFU_BOOT_SWAP_PERM);
	/* confirm: primary without trailer is implicitly confirmed: no write */
	w = f.stats.writes;
	assert_int_equal(sdfu_boot_confirm(pri, m), 0);
	assert_int_equal(f.stats.writes, w);
	/* primary after a test swap: magic good, copy_done set -> confirm writes image_ok */
	assert_int_equal(sdfu_boot_write_magic(pri, m), 0);
	assert_int_equal(sdfu_boot_write_copy_done(pri, m), 0);
	assert_int_equal(sdfu_boot_erase_trailer(sec, m), 0);
	assert_int_equal(sdfu_boot_swap_type(pri, sec, m), SDFU_BOOT_SWAP_REVERT);
	assert_int_equal(sdfu_boot_confirm(pri, m), 0);
	assert_int_equal(sdfu_boot_swap_type(pri, sec, m), SDFU_BOOT_SWAP_NONE);
	w = f.stats.writes;
	assert_int_equal(sdfu_boot_confirm(pri, m), 0); /* idempotent */
	assert_int_equal(f.stats.writes, w);
	/* BAD magic: active -> CORRUPT, nothing erased; non-active -> CORRUPT and slot erased */
	{
		uint8_t junk[16];

		memset(junk, 0x12, sizeof(junk));
		assert_int_equal(sim_flash_poke(&f, sec->off + sec->size - 16, junk, 16), 0);
		assert_int_equal(sim_flash_poke(&f, sec->off, junk, 16), 0);
		assert_int_equal(sdfu_boot_set_next(sec, m, false, false), SDFU_ERR_CORRUPT);
		assert_true(sdfu_flash_area_is_erased(sec, 0, 16));
		assert_int_equal(sim_flash_poke(&f, pri->off + pri->size - 16, junk, 16), 0);
		assert_int_equal(sdfu_boot_set_next(pri, m, true, true), SDFU_ERR_CORRUPT);
	}
	assert_int_equal(f.stats.violations, 0);
	sim_flash_close(&f);
}

static void test_set_next_direct_xip(void **state)
{
	struct sim_flash f;
	const struct sdfu_flash_area *sec, *pri;
	struct sdfu_boot_trailer tr;
	const enum sdfu_boot_mode m = SDFU_BOOT_MODE_DIRECT_XIP_REVERT;

	(void)state;
	assert_int_equal(sim_flash_open(&f, sim_layout_get("mixed8"), NULL), 0);
	sec = sim_flash_area(&f, SDFU_FA_SECONDARY);
	pri = sim_flash_area(&f, SDFU_FA_PRIMARY);
	/* test: magic only */
	assert_int_equal(sdfu_boot_set_next(sec, m, false, false), 0);
	assert_int_equal(sdfu_boot_trailer_read(sec, m, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
	assert_int_equal(tr.copy_done, SDFU_BOOT_FLAG_UNSET);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET);
	/* confirm later: copy_done and image_ok */
	assert_int_equal(sdfu_boot_set_next(sec, m, false, true), 0);
	assert_int_equal(sdfu_boot_trailer_read(sec, m, &tr), 0);
	assert_int_equal(tr.copy_done, SDFU_BOOT_FLAG_SET);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
	/* active slot: always confirm */
	assert_int_equal(sdfu_boot_set_next(pri, m, true, false), 0);
	assert_int_equal(sdfu_boot_trailer_read(pri, m, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
	assert_int_equal(f.stats.violations, 0);
	sim_flash_close(&f);
}

/* Trailers written by imgtool --pad / --confirm decode the way MCUboot reads them. */
static void test_imgtool_trailers(void **state)
{
	static const char *const lays[] = { "nrf52840", "mixed8", "large128k" };

	(void)state;
	for (unsigned i = 0; i < 3; i++) {
		struct sim_flash f;
		const struct sdfu_flash_area *sec, *pri;
		struct ib_sign_opts o = { 0 };
		uint8_t *body = ib_body(1000, 7), *img;
		size_t len;
		struct sdfu_boot_trailer tr;

		assert_int_equal(sim_flash_open(&f, sim_layout_get(lays[i]), NULL), 0);
		sec = sim_flash_area(&f, SDFU_FA_SECONDARY);
		pri = sim_flash_area(&f, SDFU_FA_PRIMARY);
		o.slot_size = sec->size;
		o.align = f.dev.write_align;
		o.pad = true;
		assert_int_equal(ib_sign(&o, body, 1000, &img, &len, NULL), 0);
		assert_int_equal(len, sec->size);
		assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, img, len), 0);
		assert_int_equal(sdfu_boot_trailer_read(sec, SDFU_BOOT_MODE_SWAP_MOVE, &tr), 0);
		assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
		assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET);
		assert_int_equal(sdfu_boot_swap_type(pri, sec, SDFU_BOOT_MODE_SWAP_MOVE), SDFU_BOOT_SWAP_TEST);
		free(img);
		o.confirm = true;
		assert_int_equal(ib_sign(&o, body, 1000, &img, &len, NULL), 0);
		assert_int_equal(sim_boot_write_image(&f, SDFU_FA_SECONDARY, img, len), 0);
		assert_int_equal(sdfu_boot_trailer_read(sec, SDFU_BOOT_MODE_SWAP_MOVE, &tr), 0);
		assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
		assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
		assert_int_equal(sdfu_boot_swap_type(pri, sec, SDFU_BOOT_MODE_SWAP_MOVE), SDFU_BOOT_SWAP_PERM);
		/* our own magic write produces the same 16 bytes as imgtool */
		{
			uint8_t a[16], b[16];

			assert_int_equal(sdfu_flash_area_read(sec, sec->size - 16, a, 16), 0);
			assert_int_equal(sdfu_boot_write_magic(pri, SDFU_BOOT_MODE_SWAP_MOVE), 0);
			assert_int_equal(sdfu_flash_area_read(pri, pri->size - 16, b, 16), 0);
			assert_memory_equal(a, b, 16);
		}
		free(img);
		free(body);
		assert_int_equal(f.stats.violations, 0);
		sim_flash_close(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_per_alignment),
		cmocka_unit_test(test_magic_bytes),
		cmocka_unit_test(test_codec_roundtrip),
		cmocka_unit_test(test_swap_table_rows),
		cmocka_unit_test(test_set_next_swap),
		cmocka_unit_test(test_set_next_direct_xip),
		cmocka_unit_test(test_imgtool_trailers),
	};

	fake_port_reset_state();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
