/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for flash areas, the stream writer and the simulated flash (rules, faults, snapshots). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake_port.h"
#include "flash/sim_flash.h"
#include "sdfu/err.h"
#include "sdfu/flash.h"

static void open_ram(struct sim_flash *f, const char *layout)
{
	assert_int_equal(sim_flash_open(f, sim_layout_get(layout), NULL), 0);
}

static void test_layouts_consistent(void **state)
{
	(void)state;
	for (unsigned i = 0; sim_layout_at(i) != NULL; i++) {
		const struct sim_flash_layout *l = sim_layout_at(i);
		struct sim_flash f;
		uint64_t total = 0;

		for (unsigned r = 0; r < l->sector_range_count; r++) {
			total += (uint64_t)l->sectors[r].count * l->sectors[r].size;
		}
		assert_int_equal(total, l->size);
		assert_ptr_equal(sim_layout_get(l->name), l);
		assert_int_equal(sim_flash_open(&f, l, NULL), 0);
		/* every area starts and ends on a sector boundary; slots are equal */
		for (unsigned id = 0; id < SDFU_FA_COUNT; id++) {
			const struct sdfu_flash_area *fa = sim_flash_area(&f, id);
			uint32_t so, ss, n = 0, off = 0;

			assert_non_null(fa);
			while (off < fa->size) {
				assert_int_equal(sdfu_flash_area_sector(fa, off, &so, &ss), 0);
				assert_int_equal(so, off);
				off += ss;
				n++;
			}
			assert_int_equal(off, fa->size);
			assert_int_equal(sdfu_flash_area_sector_count(fa), n);
		}
		assert_int_equal(f.areas[SDFU_FA_PRIMARY].size, f.areas[SDFU_FA_SECONDARY].size);
		sim_flash_close(&f);
	}
	assert_null(sim_layout_get("nope"));
}

static void test_area_bounds_and_align(void **state)
{
	struct sim_flash f;
	const struct sdfu_flash_area *fa;
	uint8_t buf[16] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	(void)state;
	open_ram(&f, "nrf52840");
	fa = sim_flash_area(&f, SDFU_FA_SECONDARY);
	assert_int_equal(sdfu_flash_area_align(fa), 4);
	assert_int_equal(sdfu_flash_area_erased_val(fa), 0xFF);
	assert_int_equal(sdfu_flash_area_read(fa, fa->size - 4, buf, 8), SDFU_ERR_RANGE);
	assert_int_equal(sdfu_flash_area_read(fa, UINT32_MAX, buf, 8), SDFU_ERR_RANGE);
	assert_int_equal(sdfu_flash_area_write(fa, fa->size, buf, 4), SDFU_ERR_RANGE);
	assert_int_equal(sdfu_flash_area_write(fa, 2, buf, 4), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_flash_area_write(fa, 4, buf, 6), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_flash_area_write(fa, 8, buf, 8), 0);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(sdfu_flash_area_read(fa, 8, buf, 8), 0);
	assert_int_equal(buf[0], 1);
	assert_int_equal(buf[7], 8);
	/* device offset is area offset + area start */
	assert_int_equal(f.mem[fa->off + 8], 1);
	/* rewriting programmed bytes is a violation caught by the sim */
	assert_int_equal(f.stats.violations, 0);
	assert_int_equal(sdfu_flash_area_write(fa, 8, buf, 8), SDFU_ERR_IO);
	assert_int_equal(f.stats.violations, 1);
	/* erase: sector boundaries only */
	assert_int_equal(sdfu_flash_area_erase(fa, 0, 100), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_flash_area_erase(fa, 0x800, 0x1000), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_flash_area_erase(fa, 0, 0x1000), 0);
	assert_true(sdfu_flash_area_is_erased(fa, 0, 0x1000));
	assert_int_equal(sdfu_flash_area_erase(fa, fa->size - 0x1000, 0x1000), 0);
	assert_int_equal(sdfu_flash_area_erase(fa, fa->size, 0x1000), SDFU_ERR_RANGE);
	assert_false(sdfu_flash_area_is_erased(fa, fa->size - 4, 8));
	sim_flash_close(&f);
}

static void test_mixed_sectors_and_erase_range(void **state)
{
	struct sim_flash f;
	struct sdfu_flash_area whole;
	uint32_t so, ss;
	uint8_t b[8] = { 0 };

	(void)state;
	open_ram(&f, "mixed8");
	whole.id = 99;
	whole.dev = &f.dev;
	whole.off = 0;
	whole.size = f.dev.size;
	assert_int_equal(sdfu_flash_area_sector(&whole, 0x7FFF, &so, &ss), 0);
	assert_int_equal(so, 0x7000);
	assert_int_equal(ss, 0x1000);
	assert_int_equal(sdfu_flash_area_sector(&whole, 0x8000, &so, &ss), 0);
	assert_int_equal(so, 0x8000);
	assert_int_equal(ss, 0x2000);
	assert_int_equal(sdfu_flash_area_sector(&whole, 0xC123, &so, &ss), 0);
	assert_int_equal(so, 0xC000);
	assert_int_equal(ss, 0x4000);
	assert_int_equal(sdfu_flash_area_sector(&whole, f.dev.size, &so, &ss), SDFU_ERR_RANGE);
	assert_int_equal(sdfu_flash_area_sector_count(&whole), 8 + 2 + 31);
	/* erase spanning 4K and 8K sectors */
	assert_int_equal(sdfu_flash_area_erase(&whole, 0x7000, 0x3000), 0);
	assert_int_equal(sdfu_flash_area_erase(&whole, 0x7000, 0x2000), SDFU_ERR_INVAL);
	/* erase_range skips sectors that are already erased */
	assert_int_equal(sdfu_flash_area_write(&whole, 0x9000, b, 8), 0);
	sim_flash_stats_reset(&f);
	assert_int_equal(sdfu_flash_area_erase_range(&whole, 0x7800, 0x2000), 0);
	assert_int_equal(f.stats.erases, 1); /* only the 8K sector at 0x8000 */
	assert_true(sdfu_flash_area_is_erased(&whole, 0x7000, 0x3000));
	sim_flash_close(&f);
}

static void check_stream(const char *layout, size_t total, size_t chunk)
{
	struct sim_flash f;
	const struct sdfu_flash_area *fa;
	struct sdfu_flash_stream s;
	uint8_t *data = malloc(total);
	uint8_t *back = malloc(total + 64);
	size_t done = 0;
	uint32_t a;

	open_ram(&f, layout);
	fa = sim_flash_area(&f, SDFU_FA_SECONDARY);
	a = sdfu_flash_area_align(fa);
	/* dirty the slot first so the stream must erase */
	memset(back, 0x5A, 64);
	for (uint32_t o = 0; o < fa->size; o += 0x4000) {
		assert_int_equal(sim_flash_poke(&f, fa->off + o, back, 64), 0);
	}
	for (size_t i = 0; i < total; i++) {
		data[i] = (uint8_t)(i * 7 + 3);
	}
	assert_int_equal(sdfu_flash_stream_init(&s, fa, 0), 0);
	while (done < total) {
		size_t n = total - done < chunk ? total - done : chunk;

		assert_int_equal(sdfu_flash_stream_write(&s, data + done, n, done + n == total), 0);
		done += n;
		assert_int_equal(sdfu_flash_stream_offset(&s), done);
	}
	assert_int_equal(sdfu_flash_area_read(fa, 0, back, total), 0);
	assert_memory_equal(back, data, total);
	/* padding up to the alignment is erased value; the next sector start is erased */
	if (total % a) {
		uint8_t pad[64];
		size_t padn = a - total % a;

		assert_int_equal(sdfu_flash_area_read(fa, (uint32_t)total, pad, padn), 0);
		for (size_t i = 0; i < padn; i++) {
			assert_int_equal(pad[i], 0xFF);
		}
		/* writes after a padded flush are refused */
		assert_int_equal(sdfu_flash_stream_write(&s, data, 1, false), SDFU_ERR_BADSTATE);
	}
	assert_int_equal(f.stats.violations, 0);
	/* sectors beyond the data were not touched (still dirty) */
	{
		uint32_t so, ss;
		uint8_t x;

		assert_int_equal(sdfu_flash_area_sector(fa, (uint32_t)total + a, &so, &ss), 0);
		if (so + ss < fa->size) {
			assert_int_equal(sdfu_flash_area_read(fa, so + ss, &x, 1), 0);
			if ((so + ss) % 0x4000 == 0) {
				assert_int_equal(x, 0x5A);
			}
		}
	}
	free(data);
	free(back);
	sim_flash_close(&f);
}

static void test_stream_chunkings(void **state)
{
	static const size_t chunks[] = { 1, 3, 4, 7, 8, 31, 32, 100, 512, 4096, 5000, 20000 };
	static const char *const lays[] = { "nrf52840", "mixed8", "large128k" };

	(void)state;
	for (unsigned l = 0; l < 3; l++) {
		for (unsigned c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
			check_stream(lays[l], 20001, chunks[c]);
			check_stream(lays[l], 8192, chunks[c]);
		}
	}
}

static void test_stream_limits(void **state)
{
	struct sim_flash f;
	const struct sdfu_flash_area *fa;
	struct sdfu_flash_stream s;
	uint8_t b[64] = { 0 };

	(void)state;
	open_ram(&f, "nrf52840");
	fa = sim_flash_area(&f, SDFU_FA_SCRATCH);
	assert_int_equal(sdfu_flash_stream_init(&s, fa, 2), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_flash_stream_init(&s, fa, fa->size - 32), 0);
	assert_int_equal(sdfu_flash_stream_write(&s, b, 33, false), SDFU_ERR_NOSPC);
	assert_int_equal(sdfu_flash_stream_write(&s, b, 32, true), 0);
	assert_int_equal(sdfu_flash_stream_write(&s, b, 1, true), SDFU_ERR_NOSPC);
	/* explicit limit */
	assert_int_equal(sdfu_flash_stream_init(&s, fa, 0), 0);
	s.limit = 10;
	assert_int_equal(sdfu_flash_stream_write(&s, b, 11, false), SDFU_ERR_NOSPC);
	assert_int_equal(sdfu_flash_stream_write(&s, b, 10, true), 0);
	assert_int_equal(f.stats.violations, 0);
	sim_flash_close(&f);
}

static void test_fail_and_cut(void **state)
{
	struct sim_flash f;
	const struct sdfu_flash_area *fa;
	uint8_t b[64], r[64];

	(void)state;
	open_ram(&f, "nrf52840");
	fa = sim_flash_area(&f, SDFU_FA_PRIMARY);
	memset(b, 0x11, sizeof(b));
	sim_flash_fail_at(&f, 2, false);
	assert_int_equal(sdfu_flash_area_write(fa, 0, b, 8), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 8, b, 8), SDFU_ERR_IO);
	assert_int_equal(sdfu_flash_area_write(fa, 8, b, 8), 0); /* not sticky */
	assert_int_equal(f.stats.failed, 1);
	/* torn write: half lands */
	sim_flash_cut_at(&f, 1, SIM_FLASH_CUT_TORN_WRITE, 50);
	assert_int_equal(sdfu_flash_area_write(fa, 64, b, 64), SDFU_ERR_IO);
	assert_true(f.cut_happened);
	assert_false(f.powered);
	assert_int_equal(sdfu_flash_area_read(fa, 0, r, 4), SDFU_ERR_IO);
	assert_int_equal(sdfu_flash_area_erase(fa, 0, 0x1000), SDFU_ERR_IO);
	sim_flash_power_on(&f);
	assert_int_equal(sdfu_flash_area_read(fa, 64, r, 64), 0);
	assert_int_equal(r[31], 0x11);
	assert_int_equal(r[32], 0xFF);
	/* atomic cut drops the op */
	sim_flash_cut_at(&f, 1, SIM_FLASH_CUT_ATOMIC, 0);
	assert_int_equal(sdfu_flash_area_erase(fa, 0, 0x1000), SDFU_ERR_IO);
	sim_flash_power_on(&f);
	assert_int_equal(sdfu_flash_area_read(fa, 0, r, 4), 0);
	assert_int_equal(r[0], 0x11);
	/* partial erase: first quarter erased only */
	memset(b, 0x22, sizeof(b));
	assert_int_equal(sdfu_flash_area_write(fa, 0x1000 + 0x800, b, 64), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 0x1000, b, 64), 0);
	sim_flash_cut_at(&f, 1, SIM_FLASH_CUT_PARTIAL_ERASE, 25);
	assert_int_equal(sdfu_flash_area_erase(fa, 0x1000, 0x1000), SDFU_ERR_IO);
	sim_flash_power_on(&f);
	assert_true(sdfu_flash_area_is_erased(fa, 0x1000, 0x400));
	assert_false(sdfu_flash_area_is_erased(fa, 0x1800, 64));
	/* the programmed map follows: erased part writable, the rest not */
	assert_int_equal(sdfu_flash_area_write(fa, 0x1000, b, 64), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 0x1800, b, 64), SDFU_ERR_IO);
	/* sticky failures */
	sim_flash_fail_at(&f, 1, true);
	assert_int_equal(sdfu_flash_area_erase(fa, 0x2000, 0x1000), SDFU_ERR_IO);
	assert_int_equal(sdfu_flash_area_erase(fa, 0x2000, 0x1000), SDFU_ERR_IO);
	sim_flash_disarm(&f);
	assert_int_equal(sdfu_flash_area_erase(fa, 0x2000, 0x1000), 0);
	sim_flash_close(&f);
}

/* A flash file path that does not exist yet: <$SDFU_TEST_TMP or /tmp>/<name>_<pid>.bin. */
static void fresh_file(char *path, size_t n, const char *name)
{
	const char *tmp = getenv("SDFU_TEST_TMP");

	snprintf(path, n, "%s/%s_%d.bin", tmp ? tmp : "/tmp", name, (int)getpid());
	unlink(path);
}

static void test_snapshot_and_file(void **state)
{
	struct sim_flash f;
	struct sim_flash_snapshot snap;
	const struct sdfu_flash_area *fa;
	uint8_t b[16], r[16];
	char path[512];

	(void)state;
	fresh_file(path, sizeof(path), "test_flash");
	assert_int_equal(sim_flash_open(&f, sim_layout_get("mixed8"), path), 0);
	fa = sim_flash_area(&f, SDFU_FA_STORAGE);
	memset(b, 0xA5, sizeof(b));
	assert_int_equal(sim_flash_snapshot_take(&f, &snap), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 16, b, 16), 0);
	sim_flash_close(&f);
	/* reopen: content persisted, and the programmed map is rebuilt */
	assert_int_equal(sim_flash_open(&f, sim_layout_get("mixed8"), path), 0);
	fa = sim_flash_area(&f, SDFU_FA_STORAGE);
	assert_int_equal(sdfu_flash_area_read(fa, 16, r, 16), 0);
	assert_memory_equal(r, b, 16);
	assert_int_equal(sdfu_flash_area_write(fa, 16, b, 16), SDFU_ERR_IO);
	/* restore the snapshot, then reopen: gone from the file too */
	assert_int_equal(sim_flash_snapshot_restore(&f, &snap), 0);
	assert_true(sdfu_flash_area_is_erased(fa, 16, 16));
	sim_flash_close(&f);
	assert_int_equal(sim_flash_open(&f, sim_layout_get("mixed8"), path), 0);
	assert_true(sdfu_flash_area_is_erased(sim_flash_area(&f, SDFU_FA_STORAGE), 0, 0x4000));
	sim_flash_close(&f);
	sim_flash_snapshot_free(&snap);
	unlink(path);
}

/*
 * The backing file refuses a write (injected EIO, then ENOSPC): the op fails, nothing of it
 * is visible, the unit stays writable, and a reopen shows exactly what the file holds.
 */
static void test_file_write_failure(void **state)
{
	struct sim_flash f;
	const struct sdfu_flash_area *fa;
	uint8_t b[64], r[64];
	char path[512];

	(void)state;
	fresh_file(path, sizeof(path), "test_flash_ff");
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), path), 0);
	assert_true(f.created);
	fa = sim_flash_area(&f, SDFU_FA_PRIMARY);
	memset(b, 0x5A, sizeof(b));
	sim_flash_file_fail(&f, 1, 0, false);
	assert_int_equal(sdfu_flash_area_write(fa, 0x100, b, sizeof(b)), SDFU_ERR_IO);
	assert_int_equal(f.stats.file_errors, 1);
	assert_int_equal(f.stats.writes, 0);
	assert_true(sdfu_flash_area_is_erased(fa, 0x100, sizeof(b)));
	/* one-shot: the retry lands (the unit was not consumed) */
	assert_int_equal(sdfu_flash_area_write(fa, 0x100, b, sizeof(b)), 0);
	assert_int_equal(sdfu_flash_area_read(fa, 0x100, r, sizeof(r)), 0);
	assert_memory_equal(r, b, sizeof(b));
	/* an erase the file refuses leaves the data and its programmed state */
	sim_flash_file_fail(&f, 1, ENOSPC, true);
	assert_int_equal(sdfu_flash_area_erase(fa, 0, 0x1000), SDFU_ERR_IO);
	assert_int_equal(sdfu_flash_area_write(fa, 0x100, b, 4), SDFU_ERR_IO); /* still programmed */
	assert_int_equal(sim_flash_poke(&f, 0x2000, b, 4), SDFU_ERR_IO);
	sim_flash_file_fail(&f, 0, 0, false);
	sim_flash_close(&f);
	/* the file is the truth: reopened (not re-created), same content and programmed units */
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), path), 0);
	assert_false(f.created);
	fa = sim_flash_area(&f, SDFU_FA_PRIMARY);
	assert_int_equal(sdfu_flash_area_read(fa, 0x100, r, sizeof(r)), 0);
	assert_memory_equal(r, b, sizeof(b));
	assert_int_equal(sdfu_flash_area_write(fa, 0x13C, b, 4), SDFU_ERR_IO);
	assert_int_equal(sdfu_flash_area_write(fa, 0x140, b, 4), 0);
	assert_true(sdfu_flash_area_is_erased(fa, 0x1000, 0x1000));
	sim_flash_close(&f);
	unlink(path);
}

/* Programmed state per write unit: a blank unit stays writable, a partial poke keeps a unit's bit. */
static void test_programmed_units(void **state)
{
	struct sim_flash f;
	struct sim_flash_snapshot snap;
	const struct sdfu_flash_area *fa;
	uint8_t b[8] = { 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0xFF, 0xFF, 0xFF };

	(void)state;
	open_ram(&f, "mixed8"); /* 8-byte units */
	fa = sim_flash_area(&f, SDFU_FA_STORAGE);
	assert_int_equal(sdfu_flash_area_write(fa, 0, b, 8), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 0, b, 8), SDFU_ERR_IO);
	memset(b, 0xFF, sizeof(b));
	assert_int_equal(sdfu_flash_area_write(fa, 8, b, 8), 0); /* all erased value: unit stays free */
	assert_int_equal(sdfu_flash_area_write(fa, 8, b, 8), 0);
	assert_int_equal(sim_flash_snapshot_take(&f, &snap), 0);
	/* a poke of one non-erased byte into unit 2 consumes the whole unit */
	assert_int_equal(sim_flash_poke(&f, fa->off + 17, "\x01", 1), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 16, b, 8), SDFU_ERR_IO);
	/* a partial blank poke over a programmed unit keeps it programmed */
	assert_int_equal(sim_flash_poke(&f, fa->off + 17, "\xFF", 1), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 16, b, 8), SDFU_ERR_IO);
	/* range restore: content and bits of just that range come back */
	assert_int_equal(sim_flash_snapshot_restore_range(&f, &snap, fa->off + 16, 8), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 16, b, 8), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 0, b, 8), SDFU_ERR_IO);
	/* 64+ units: a write spanning bit-map words sees a programmed unit in the second word */
	assert_int_equal(sdfu_flash_area_erase(fa, 0, 0x4000), 0);
	b[0] = 0;
	assert_int_equal(sdfu_flash_area_write(fa, 8 * 70, b, 8), 0);
	{
		static uint8_t big[8 * 100];

		memset(big, 0x11, sizeof(big));
		assert_int_equal(sdfu_flash_area_write(fa, 0, big, sizeof(big)), SDFU_ERR_IO);
		assert_int_equal(sdfu_flash_area_write(fa, 0, big, 8 * 70), 0);
		assert_int_equal(sdfu_flash_area_write(fa, 8 * 71, big, 8 * 29), 0);
	}
	sim_flash_snapshot_free(&snap);
	sim_flash_close(&f);
}

/* Progressive erase touches each sector once; a failed op can be retried from the same offset. */
static void test_stream_erase_once_and_retry(void **state)
{
	struct sim_flash f;
	const struct sdfu_flash_area *fa;
	struct sdfu_flash_stream s;
	const size_t total = 50000;
	uint8_t *data = malloc(total), *back = malloc(total);
	size_t done = 0;
	unsigned failures = 0;

	(void)state;
	open_ram(&f, "nrf52840");
	fa = sim_flash_area(&f, SDFU_FA_SECONDARY);
	for (size_t i = 0; i < total; i++) {
		data[i] = (uint8_t)(i ^ (i >> 8));
	}
	assert_int_equal(sdfu_flash_stream_init(&s, fa, 0), 0);
	sim_flash_fail_at(&f, 7, false);
	while (done < total) {
		size_t n = total - done < 1000 ? total - done : 1000;
		uint32_t before = sdfu_flash_stream_offset(&s);
		int rc = sdfu_flash_stream_write(&s, data + done, n, done + n == total);

		if (rc == SDFU_ERR_IO) {
			/* the caller resumes from what the stream accepted */
			failures++;
			assert_true(sdfu_flash_stream_offset(&s) >= before);
			done = sdfu_flash_stream_offset(&s);
			continue;
		}
		assert_int_equal(rc, 0);
		done += n;
	}
	assert_int_equal(failures, 1);
	assert_int_equal(sdfu_flash_area_read(fa, 0, back, total), 0);
	assert_memory_equal(back, data, total);
	for (uint32_t off = 0; off < total; off += 0x1000) {
		assert_int_equal(sim_flash_sector_erases(&f, fa->off + off), 1);
	}
	assert_int_equal(sim_flash_sector_erases(&f, fa->off + 0xD000), 0);
	assert_int_equal(f.stats.violations, 0);
	free(data);
	free(back);
	sim_flash_close(&f);
}

static void test_bad_region(void **state)
{
	struct sim_flash f;
	const struct sdfu_flash_area *fa;
	uint8_t b[8] = { 0 };
	unsigned fails = 0;

	(void)state;
	open_ram(&f, "nrf52840");
	fa = sim_flash_area(&f, SDFU_FA_STORAGE);
	sim_flash_bad_region(&f, fa->off, 0x1000, 500, 1);
	for (uint32_t off = 0; off < 0x800; off += 8) {
		int rc = sdfu_flash_area_write(fa, off, b, 8);

		assert_true(rc == 0 || rc == SDFU_ERR_IO);
		fails += rc != 0;
	}
	assert_true(fails > 60 && fails < 196); /* about half of 256 */
	assert_int_equal(f.stats.failed, fails);
	/* outside the region nothing fails */
	for (uint32_t off = 0x1000; off < 0x1100; off += 8) {
		assert_int_equal(sdfu_flash_area_write(fa, off, b, 8), 0);
	}
	assert_int_equal(sdfu_flash_area_erase(fa, 0, 0x1000), 0); /* erases are not affected */
	sim_flash_bad_region(&f, 0, 0, 0, 0);
	for (uint32_t off = 0; off < 0x800; off += 8) {
		assert_int_equal(sdfu_flash_area_write(fa, off, b, 8), 0);
	}
	assert_int_equal(f.stats.violations, 0);
	sim_flash_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layouts_consistent),
		cmocka_unit_test(test_area_bounds_and_align),
		cmocka_unit_test(test_mixed_sectors_and_erase_range),
		cmocka_unit_test(test_stream_chunkings),
		cmocka_unit_test(test_stream_limits),
		cmocka_unit_test(test_fail_and_cut),
		cmocka_unit_test(test_snapshot_and_file),
		cmocka_unit_test(test_stream_erase_once_and_retry),
		cmocka_unit_test(test_bad_region),
		cmocka_unit_test(test_file_write_failure),
		cmocka_unit_test(test_programmed_units),
	};

	fake_port_reset_state();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
