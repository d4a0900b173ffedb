/* SPDX-License-Identifier: Apache-2.0 */
/* Config-channel DFU on the simulated flash and a fake clock (spec 11, 12.3, 12.8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "test_loop.h"
#include "flash/sim_flash.h"
#include "sdfu/boot.h"
#include "sdfu/crc32.h"
#include "sdfu/dfu_cfgchan.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/err.h"
#include "sdfu/evt.h"
#include "sdfu/port.h"
#include "sdfu/timer.h"

#define BUFSZ SDFU_DFU_CFGCHAN_SYNC_BUFFER_SIZE

static struct sim_flash fl;
static struct sdfu_boot_ctx boot;
static struct sdfu_evt_bus bus;
static struct sdfu_timer_list timers;
static struct sdfu_dfu_lock lock;
static struct sdfu_dfu_cfgchan cc;
static uint8_t image[5000];

static unsigned other_notified;
static void other_changed(const struct sdfu_dfu_lock_owner *self,
			  const struct sdfu_dfu_lock_owner *new_owner)
{
	(void)self;
	(void)new_owner;
	other_notified++;
}
static const struct sdfu_dfu_lock_owner other = {"MCUmgr", other_changed, NULL};

static struct test_evt_counter config_events;

/* Run until the background erase is over (bounded). */
static void run_erase(void)
{
	assert_false(test_loop_while(&cc.erasing, 100000));
}

static const struct sdfu_flash_area *upd(void)
{
	return cc.slot;
}

static void fixture(enum sdfu_boot_mode mode, uint8_t active, bool ready)
{
	struct sdfu_dfu_cfgchan_deps deps;
	static const uint8_t junk[64] = {1, 2, 3, 4, 5, 6, 7, 8};

	fake_port_reset_state();
	test_flash_boot(&fl, &boot, mode, active);
	assert_int_equal(sdfu_boot_write_magic(boot.slot[active], mode), 0);
	/* leftovers in the other slot: two sectors to clean */
	assert_int_equal(sdfu_flash_area_write(boot.slot[active ^ 1u], 0, junk, sizeof(junk)), 0);
	assert_int_equal(sdfu_flash_area_write(boot.slot[active ^ 1u], 3 * 4096, junk, sizeof(junk)),
			 0);
	sdfu_evt_init(&bus);
	sdfu_timer_list_init(&timers);
	test_loop_bind(&timers, &bus); /* test_loop_step(), test_loop_ms() */
	sdfu_dfu_lock_init(&lock);
	other_notified = 0;
	for (size_t i = 0; i < sizeof(image); i++) {
		image[i] = (uint8_t)(i * 7u + 3u);
	}
	test_evt_count(&bus, &config_events, &sdfu_config_evt_type);
	deps = (struct sdfu_dfu_cfgchan_deps){.bus = &bus, .timers = &timers, .lock = &lock,
					      .boot = &boot};
	assert_int_equal(sdfu_dfu_cfgchan_init(&cc, &deps), 0);
	if (ready) {
		sdfu_module_set_state(&bus, &sdfu_module_main, SDFU_MODULE_STATE_READY);
		test_loop_step();
		assert_true(cc.started);
	}
}

/* fixture() with the running image in slot 0, main READY, and the background erase over. */
static void fixture_cleaned(enum sdfu_boot_mode mode)
{
	fixture(mode, 0, true);
	run_erase();
}

static int teardown(void **state)
{
	(void)state;
	sdfu_dfu_cfgchan_deinit(&cc);
	sdfu_evt_unsubscribe(&bus, &config_events.sub);
	test_loop_step();
	assert_int_equal(sdfu_timer_count(&timers), 0);
	assert_int_equal(sdfu_evt_pending(&bus), 0);
	assert_int_equal(sdfu_evt_sub_count(&bus), 0);
	assert_int_equal(bus.stats.dropped, 0);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(fake_port_crit_depth(), 0);
	sim_flash_close(&fl);
	return 0;
}

static uint8_t sync_state(void)
{
	struct sdfu_dfu_cfgchan_sync s;

	sdfu_dfu_cfgchan_sync(&cc, &s);
	assert_int_equal(s.sync_buffer_size, BUFSZ);
	return s.state;
}

/* Host-tool style transfer of image[0..len): data in 100-byte pieces, sync per buffer. */
static void transfer(uint32_t len, uint32_t from)
{
	uint32_t off = from;

	while (off < len) {
		uint32_t stop = off + BUFSZ;

		if (stop > len) {
			stop = len;
		}
		while (off < stop) {
			uint32_t n = stop - off < 100 ? stop - off : 100;

			assert_int_equal(sdfu_dfu_cfgchan_data(&cc, &image[off], n), 0);
			off += n;
		}
		/* the buffer is being stored: more data is refused until sync says so */
		if (off < len) {
			assert_int_equal(sdfu_dfu_cfgchan_data(&cc, image, 1), SDFU_ERR_BUSY);
			assert_int_equal(sync_state(), SDFU_DFU_CFGCHAN_STORING);
		}
		test_loop_ms(SDFU_DFU_CFGCHAN_STORE_DELAY_MS);
		if (off < len) {
			assert_int_equal(cc.offset, off);
		}
	}
}

/* Boot: confirm (swap), claim, background erase sector by sector, release when clean. */
static void test_boot_erase(void **state)
{
	struct sdfu_boot_trailer tr;

	(void)state;
	fixture(SDFU_BOOT_MODE_SWAP_SCRATCH, 0, true);
	assert_ptr_equal(upd(), boot.slot[1]);
	assert_string_equal(sdfu_dfu_cfgchan_variant(&cc), "MCUBOOT");
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[0], boot.mode, &tr), 0);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
	assert_true(sdfu_dfu_cfgchan_owns_lock(&cc));
	assert_int_equal(sync_state(), SDFU_DFU_CFGCHAN_CLEANING);
	assert_true(sdfu_dfu_cfgchan_owns_lock(&cc)); /* sync does not release while erasing */
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 100, 0, 0), SDFU_ERR_BUSY);
	run_erase();
	assert_int_equal(cc.stats.erased_sectors, 2);
	assert_true(sdfu_flash_area_is_erased(upd(), 0, upd()->size));
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sync_state(), SDFU_DFU_CFGCHAN_INACTIVE);
	assert_true(sdfu_dfu_lock_is_free(&lock)); /* sync claimed and released at once */
	test_loop_step();
	assert_int_equal(config_events.count, 3); /* every request is announced (sync, start, sync) */
}

static void test_boot_direct_xip(void **state)
{
	struct sdfu_boot_trailer tr;

	(void)state;
	fixture(SDFU_BOOT_MODE_DIRECT_XIP, 1, true);
	assert_ptr_equal(upd(), boot.slot[0]); /* the inactive slot */
	assert_string_equal(sdfu_dfu_cfgchan_variant(&cc), "MCUBOOT+XIP");
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[1], boot.mode, &tr), 0);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET); /* no confirm in direct-XIP */
	run_erase();
	assert_true(sdfu_flash_area_is_erased(boot.slot[0], 0, boot.slot[0]->size));
	/* the running slot was not touched */
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[1], boot.mode, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
}

/* A whole transfer in swap mode: stored, checksum verified, upgrade requested (test). */
static void test_transfer_complete_swap(void **state)
{
	const uint32_t len = 2001; /* last block padded */
	uint8_t rd[2001];
	struct sdfu_boot_trailer tr;

	(void)state;
	fixture_cleaned(SDFU_BOOT_MODE_SWAP_SCRATCH);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, len, sdfu_crc32(0, image, len), 0),
			 0);
	assert_true(sdfu_dfu_cfgchan_owns_lock(&cc));
	assert_int_equal(sync_state(), SDFU_DFU_CFGCHAN_ACTIVE_CONFIG_CHANNEL);
	assert_true(sdfu_dfu_cfgchan_owns_lock(&cc));
	assert_int_equal(sdfu_dfu_cfgchan_data(&cc, image, BUFSZ + 1), SDFU_ERR_NOSPC);
	transfer(len, 0);
	assert_int_equal(cc.stats.completions, 1);
	assert_int_equal(cc.stats.stores, 4);
	assert_false(cc.active);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sdfu_flash_area_read(upd(), 0, rd, len), 0);
	assert_memory_equal(rd, image, len);
	assert_int_equal(sdfu_boot_trailer_read(upd(), boot.mode, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
	assert_int_equal(tr.swap_type, SDFU_BOOT_SWAP_TEST);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET);
	{
		struct sdfu_dfu_cfgchan_sync sy;

		sdfu_dfu_cfgchan_sync(&cc, &sy);
		assert_int_equal(sy.state, SDFU_DFU_CFGCHAN_INACTIVE);
		assert_int_equal(sy.offset, len);
		assert_int_equal(sy.img_length, len);
		assert_int_equal(sy.img_csum, sdfu_crc32(0, image, len));
	}
	/* data after the end is refused */
	assert_int_equal(sdfu_dfu_cfgchan_data(&cc, image, 1), SDFU_ERR_BADSTATE);
	assert_int_equal(sdfu_timer_count(&timers), 0);
}

static void test_transfer_xip_no_upgrade_request(void **state)
{
	struct sdfu_boot_trailer tr;

	(void)state;
	fixture_cleaned(SDFU_BOOT_MODE_DIRECT_XIP);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 600, sdfu_crc32(0, image, 600), 0),
			 0);
	transfer(600, 0);
	assert_int_equal(cc.stats.completions, 1);
	assert_int_equal(sdfu_boot_trailer_read(upd(), boot.mode, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_UNSET);
}

/*
 * Direct-XIP with revert (nRF Connect SDK dfu.c with DFU_MCUBOOT_DIRECT_XIP off): the
 * running slot is confirmed at boot, the variant is plain "MCUBOOT", the update goes to
 * the inactive slot and a complete upload requests a test boot of it (trailer magic only:
 * MCUboot sets copy_done when it tries the image and erases it if nobody confirms).
 */
static void test_direct_xip_revert(void **state)
{
	struct sdfu_boot_trailer tr;

	(void)state;
	fixture(SDFU_BOOT_MODE_DIRECT_XIP_REVERT, 1, true);
	assert_ptr_equal(upd(), boot.slot[0]); /* the inactive slot */
	assert_string_equal(sdfu_dfu_cfgchan_variant(&cc), "MCUBOOT");
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[1], boot.mode, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
	assert_int_equal(tr.copy_done, SDFU_BOOT_FLAG_SET);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET); /* confirmed at boot */
	run_erase();
	assert_true(sdfu_flash_area_is_erased(upd(), 0, upd()->size));
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 600, sdfu_crc32(0, image, 600), 0),
			 0);
	transfer(600, 0);
	assert_int_equal(cc.stats.completions, 1);
	assert_int_equal(cc.stats.flash_errors, 0);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sdfu_boot_trailer_read(upd(), boot.mode, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
	assert_int_equal(tr.copy_done, SDFU_BOOT_FLAG_UNSET);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET);
	/* the running slot keeps its confirmed trailer */
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[1], boot.mode, &tr), 0);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
}

/*
 * Stores go through the image stream writer (one write path with the SMP upload): the
 * background erase already cleaned the slot, so storing erases nothing more; the last
 * partial block is padded with the erased value; a failed store resets the progress.
 */
static void test_store_through_stream(void **state)
{
	const uint32_t len = 1023; /* two buffers, the second partial and unaligned */
	uint8_t rd[1024];

	(void)state;
	fixture_cleaned(SDFU_BOOT_MODE_SWAP_MOVE);
	sim_flash_stats_reset(&fl);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, len, sdfu_crc32(0, image, len), 0), 0);
	transfer(len, 0);
	assert_int_equal(cc.stats.completions, 1);
	assert_int_equal(cc.stats.stores, 2);
	assert_int_equal(fl.stats.erases, 0); /* the stream does not erase again */
	assert_int_equal(fl.stats.violations, 0);
	assert_int_equal(sdfu_flash_area_read(upd(), 0, rd, sizeof(rd)), 0);
	assert_memory_equal(rd, image, len);
	assert_int_equal(rd[len], 0xFF); /* padding of the last block */

	/* a store that fails: progress reset, slot to be cleaned, lock released */
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, len, 1, 0), SDFU_ERR_BUSY);
	run_erase();
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, len, 1, 0), 0);
	sim_flash_fail_at(&fl, 1, false);
	transfer(BUFSZ, 0);
	assert_int_equal(cc.stats.flash_errors, 1);
	assert_int_equal(cc.offset, 0);
	assert_false(cc.active);
	assert_false(cc.slot_clean);
	assert_true(sdfu_dfu_lock_is_free(&lock));
}

static void test_checksum_mismatch(void **state)
{
	struct sdfu_boot_trailer tr;

	(void)state;
	fixture_cleaned(SDFU_BOOT_MODE_SWAP_MOVE);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 700, 0x12345678u, 0), 0);
	transfer(700, 0);
	assert_int_equal(cc.stats.csum_errors, 1);
	assert_int_equal(cc.stats.completions, 0);
	assert_int_equal(cc.offset, 0);
	assert_int_equal(sdfu_boot_trailer_read(upd(), boot.mode, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_UNSET);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	/* the next start cleans first */
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 700, 1, 0), SDFU_ERR_BUSY);
	assert_int_equal(sync_state(), SDFU_DFU_CFGCHAN_CLEANING);
	run_erase();
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 700, 1, 0), 0);
	test_loop_ms(SDFU_DFU_CFGCHAN_TIMEOUT_MS);
}

/* 5 s without start/data: terminated, lock released, progress kept for a resume. */
static void test_timeout_and_resume(void **state)
{
	const uint32_t len = 1500;
	const uint32_t crc = sdfu_crc32(0, image, len);

	(void)state;
	fixture_cleaned(SDFU_BOOT_MODE_SWAP_SCRATCH);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, len, crc, 0), 0);
	transfer(BUFSZ, 0); /* one buffer stored */
	assert_int_equal(sdfu_dfu_cfgchan_data(&cc, &image[BUFSZ], 10), 0); /* lost on timeout */
	test_loop_ms(SDFU_DFU_CFGCHAN_TIMEOUT_MS - 1);
	assert_true(sdfu_dfu_cfgchan_owns_lock(&cc));
	test_loop_ms(1);
	assert_int_equal(cc.stats.timeouts, 1);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sync_state(), SDFU_DFU_CFGCHAN_INACTIVE);
	/* wrong resumes */
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, len, crc, BUFSZ + 10), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, len + 1, crc, BUFSZ), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, len, crc ^ 1u, BUFSZ), SDFU_ERR_INVAL);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 0, crc, 0), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, upd()->size + 1, crc, 0), SDFU_ERR_INVAL);
	/* the right resume */
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, len, crc, BUFSZ), 0);
	transfer(len, BUFSZ);
	assert_int_equal(cc.stats.completions, 1);
	assert_true(sdfu_dfu_lock_is_free(&lock));
}

/* Another owner holds the lock: start ignored, sync ACTIVE_OTHER, reboot refused. */
static void test_other_owner_blocks(void **state)
{
	struct sdfu_dfu_cfgchan_sync s;

	(void)state;
	fixture_cleaned(SDFU_BOOT_MODE_SWAP_SCRATCH);
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0); /* cfgchan released last */
	assert_true(cc.slot_dirty);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 100, 0, 0), SDFU_ERR_ACCES);
	sdfu_dfu_cfgchan_sync(&cc, &s);
	assert_int_equal(s.state, SDFU_DFU_CFGCHAN_ACTIVE_OTHER);
	assert_false(sdfu_dfu_cfgchan_reboot(&cc));
	assert_int_equal(fake_port_reset_count(), 0);
	assert_int_equal(cc.stats.refused, 2);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &other), 0);
	/* a sync poll claims (the other owner is told) and releases at once */
	assert_int_equal(sync_state(), SDFU_DFU_CFGCHAN_INACTIVE);
	assert_int_equal(other_notified, 1);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_ptr_equal(sdfu_dfu_lock_previous(&lock), &cc.owner);
	/* slot dirty: start schedules a clean and answers BUSY; afterwards start works */
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 100, 0, 0), SDFU_ERR_BUSY);
	assert_false(cc.slot_dirty);
	assert_true(sdfu_dfu_cfgchan_owns_lock(&cc));
	run_erase();
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 100, 0, 0), 0);
	test_loop_ms(SDFU_DFU_CFGCHAN_TIMEOUT_MS);
	assert_true(sdfu_dfu_lock_is_free(&lock));
}

static void test_reboot(void **state)
{
	(void)state;
	fixture_cleaned(SDFU_BOOT_MODE_SWAP_SCRATCH);
	assert_true(sdfu_dfu_cfgchan_reboot(&cc));
	assert_true(sdfu_dfu_cfgchan_owns_lock(&cc)); /* kept until the reset */
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 100, 0, 0), SDFU_ERR_BUSY);
	assert_int_equal(sync_state(), SDFU_DFU_CFGCHAN_INACTIVE);
	assert_true(sdfu_dfu_cfgchan_owns_lock(&cc)); /* sync does not release: reboot pending */
	test_loop_ms(SDFU_DFU_CFGCHAN_REBOOT_DELAY_MS - 1);
	assert_int_equal(fake_port_reset_count(), 0);
	test_loop_ms(1);
	assert_int_equal(fake_port_reset_count(), 1);
	/* teardown's deinit releases (a real device would be gone by now) */
}

static void test_erase_postponed_while_in_use(void **state)
{
	uint32_t at;

	(void)state;
	fixture(SDFU_BOOT_MODE_SWAP_SCRATCH, 0, true);
	test_loop_ms(3);
	at = cc.erase_off;
	assert_true(cc.erasing);
	sdfu_dfu_cfgchan_device_in_use(&cc);
	test_loop_ms(SDFU_DFU_CFGCHAN_ERASE_BACKOFF_MS - 1);
	assert_int_equal(cc.erase_off, at);
	test_loop_ms(1);
	assert_true(cc.erase_off > at);
	run_erase();
	assert_true(sdfu_dfu_lock_is_free(&lock));
}

/* 12.8: another transport claimed before the boot handler: no assert, no erase, dirty slot. */
static void test_boot_claim_fails(void **state)
{
	(void)state;
	fixture(SDFU_BOOT_MODE_SWAP_SCRATCH, 0, false);
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
	sdfu_module_set_state(&bus, &sdfu_module_main, SDFU_MODULE_STATE_READY);
	test_loop_step();
	assert_true(cc.started);
	assert_false(cc.erasing);
	assert_int_equal(sdfu_timer_count(&timers), 0);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&lock), &other);
	assert_int_equal(sdfu_dfu_lock_release(&lock, &other), 0);
	/* the first start cleans the slot the other transport may have written */
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 100, 0, 0), SDFU_ERR_BUSY);
	run_erase();
	assert_int_equal(cc.stats.erased_sectors, 2);
	assert_int_equal(sdfu_dfu_cfgchan_start(&cc, 100, 0, 0), 0);
	test_loop_ms(SDFU_DFU_CFGCHAN_TIMEOUT_MS);
}

static void test_erase_flash_error(void **state)
{
	(void)state;
	fixture(SDFU_BOOT_MODE_SWAP_SCRATCH, 0, false);
	sim_flash_fail_at(&fl, 2, true); /* op 1 = confirm write, op 2 = first erase */
	sdfu_dfu_cfgchan_boot(&cc);
	run_erase();
	assert_int_equal(cc.stats.flash_errors, 1);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	sim_flash_disarm(&fl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_boot_erase, teardown),
		cmocka_unit_test_teardown(test_boot_direct_xip, teardown),
		cmocka_unit_test_teardown(test_transfer_complete_swap, teardown),
		cmocka_unit_test_teardown(test_transfer_xip_no_upgrade_request, teardown),
		cmocka_unit_test_teardown(test_direct_xip_revert, teardown),
		cmocka_unit_test_teardown(test_store_through_stream, teardown),
		cmocka_unit_test_teardown(test_checksum_mismatch, teardown),
		cmocka_unit_test_teardown(test_timeout_and_resume, teardown),
		cmocka_unit_test_teardown(test_other_owner_blocks, teardown),
		cmocka_unit_test_teardown(test_reboot, teardown),
		cmocka_unit_test_teardown(test_erase_postponed_while_in_use, teardown),
		cmocka_unit_test_teardown(test_boot_claim_fails, teardown),
		cmocka_unit_test_teardown(test_erase_flash_error, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
