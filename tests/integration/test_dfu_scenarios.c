/* SPDX-License-Identifier: Apache-2.0 */
/* End-to-end DFU scenarios of spec nrf_desktop_dfu 12: real SMP server, img/os groups, all modules. */
#include "img_fixture.h" /* image builder, simulated flash, SMP helpers (image group tests) */

#include "flash/sim_flash.h"
#include "boot/sim_boot.h"
#include "test_loop.h"
#include "sdfu/crc32.h"
#include "sdfu/ble_latency.h"
#include "sdfu/dfu_cfgchan.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/dfu_mcumgr.h"
#include "sdfu/evt.h"
#include "sdfu/os.h"
#include "sdfu/port.h"
#include "sdfu/stack.h"
#include "sdfu/timer.h"

#define OSG SDFU_SMP_GROUP_OS
#define F_STD (SDFU_DFU_MCUMGR_F_LOCK | SDFU_DFU_MCUMGR_F_BLE_TRANSPORT)

static struct sdfu_stack st; /* the device's composition root */

/* fake BLE link: records latency requests */
static uint16_t last_latency = 0xFFFF;
static unsigned nreq;
static int link_request(void *ctx, uint16_t imin, uint16_t imax, uint16_t latency, uint16_t to)
{
	(void)ctx;
	(void)imin;
	(void)imax;
	(void)to;
	nreq++;
	last_latency = latency;
	return 0;
}
static const struct sdfu_ble_link blelink = {link_request, NULL, NULL};

static void loop_once(void)
{
	test_loop_once(&st.timers, &st.bus);
}

static void run(uint32_t ms)
{
	test_loop_run(&st.timers, &st.bus, ms);
}

static void run_erase(void)
{
	assert_false(test_loop_run_while(&st.timers, &st.bus, &st.cfgchan.erasing, 100000));
}

static int64_t rc_of(const struct smp_rsp *r)
{
	int64_t rc = 0;

	return smp_rsp_rc(r, &rc) ? rc : 0;
}

static int64_t cmd(uint8_t op, uint16_t group, uint8_t id)
{
	return rc_of(smp_test_req(&st.srv, op, V2, group, id, NULL, 0));
}

/*
 * The device program's wiring (sdfu_stack_init): bus, timers, lock; SMP server and
 * groups; dfu_mcumgr, dfu_cfgchan, ble_latency; then main READY, processed before any
 * transport is polled.
 */
static void boot_modules(uint32_t flags, bool with_cc, bool ready)
{
	struct sdfu_stack_cfg cfg;

	sdfu_stack_cfg_default(&cfg);
	cfg.boot = &boot;
	cfg.extend = fx_stack_extend; /* step 3: the fixture's event capture */
	cfg.dfu.flags = flags;
	cfg.cfgchan = with_cc;
	cfg.ble_link = &blelink;
	cfg.ready = ready;
	nreq = 0;
	last_latency = 0xFFFF;
	assert_int_equal(sdfu_stack_init(&st, &cfg), 0);
}

static void shutdown_modules(void)
{
	if (st.lat_on) {
		sdfu_ble_latency_disconnected(&st.lat);
	}
	test_stack_down(&st);
}

/* Simulated reboot: bootloader run, then the stack built again (fresh RAM). */
static void reboot(enum sdfu_boot_mode mode, uint32_t flags)
{
	shutdown_modules();
	assert_int_equal(sim_boot_run(&fl, mode, NULL, &boot), 0);
	boot_modules(flags, true, true);
}

static int scen_teardown(void **state)
{
	shutdown_modules();
	return teardown(state);
}

/* Config-channel host tool: send image bytes [from, to) and wait for each store. */
static void cc_send(const uint8_t *data, uint32_t from, uint32_t to)
{
	uint32_t off = from;

	while (off < to) {
		uint32_t n = to - off;
		uint32_t room = (uint32_t)SDFU_DFU_CFGCHAN_SYNC_BUFFER_SIZE - st.cfgchan.buf_len;

		if (n > room) {
			n = room;
		}
		assert_int_equal(sdfu_dfu_cfgchan_data(&st.cfgchan, &data[off], n), 0);
		off += n;
		run(SDFU_DFU_CFGCHAN_STORE_DELAY_MS);
	}
}

/* ---- 12.1 normal SMP DFU in swap mode, then the reboot ------------------------------ */
static void test_12_1_normal_update_swap(void **state)
{
	struct sdfu_boot_trailer tr;
	const struct smp_rsp *r;

	(void)state;
	start_images(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	write_slot(1, &other); /* the old image left in the secondary */
	boot_modules(F_STD, true, true);
	/* the config channel claimed at boot and cleans the slot: SMP image commands wait */
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&st.lock), &st.cfgchan.owner);
	assert_int_equal(cmd(R, GRP, SDFU_IMG_ID_STATE), SDFU_MGMT_EACCESSDENIED);
	/* the phone connects and pairs */
	sdfu_ble_latency_connected(&st.lat, 24, 99, 400);
	/* the SDK module requests its initial parameters (7.5 ms, latency 0) on connect;
	 * this central keeps 30 ms / 99 */
	assert_int_equal(nreq, 1);
	assert_int_equal(last_latency, 0);
	last_latency = 0xFFFF;
	sdfu_ble_latency_secured(&st.lat);
	run_erase();
	assert_true(sdfu_dfu_lock_is_free(&st.lock));
	assert_true(sdfu_flash_area_is_erased(boot.slot[1], 0, boot.slot[1]->size));

	/* image list: claims the lock, arms the timeout, lowers the latency */
	assert_int_equal(cmd(R, GRP, SDFU_IMG_ID_STATE), 0);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&st.lock), &st.mcumgr.owner);
	assert_true(st.cfgchan.slot_dirty); /* the config channel will re-erase before its next DFU */
	loop_once();
	assert_int_equal(nreq, 2);
	assert_int_equal(last_latency, 0);
	sdfu_ble_latency_params_updated(&st.lat, 24, 0, 400);

	/* upload in chunks; a new hint goes out whenever the previous one was processed */
	r = first_chunk(V2, &update, 300, NULL, 0, false);
	assert_int_equal(rsp_off(r), 300);
	for (size_t off = 300; off < update.len;) {
		size_t n = update.len - off < 1000 ? update.len - off : 1000;

		run(100); /* the link is slow: events get processed between chunks */
		r = chunk(&update, off, n);
		off += n;
		assert_int_equal(rsp_off(r), off);
	}
	assert_true(st.mcumgr.stats.evt_submitted > 10);
	assert_int_equal(st.mcumgr.stats.evt_unexpected, 0);
	assert_slot_holds(1, &update);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&st.lock), &st.mcumgr.owner);
	assert_int_equal(nreq, 2); /* still low latency: activity every period */

	/* test + reset, both gated by the lock */
	r = state_write(V2, update.hash, 32, false);
	assert_int_equal(grp_err(r), 0);
	assert_int_equal(rc_of(r), 0);
	assert_int_equal(cmd(W, OSG, SDFU_OS_ID_RESET), 0);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&st.lock), &st.mcumgr.owner); /* held until the reboot */
	run(SDFU_OS_RESET_DELAY_MS);
	assert_int_equal(fake_port_reset_count(), 1);
	assert_int_equal(sdfu_boot_swap_type(boot.slot[0], boot.slot[1], boot.mode),
			 SDFU_BOOT_SWAP_TEST);

	/* after the reboot MCUboot swapped; the app confirms at main READY and cleans up */
	reboot(SDFU_BOOT_MODE_SWAP_SCRATCH, F_STD);
	assert_slot_holds(0, &update);
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[0], boot.mode, &tr), 0);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
	run_erase();
	assert_true(sdfu_flash_area_is_erased(boot.slot[1], 0, boot.slot[1]->size));
	assert_int_equal(sdfu_boot_swap_type(boot.slot[0], boot.slot[1], boot.mode),
			 SDFU_BOOT_SWAP_NONE);
}

/* ---- 12.2 direct-XIP: nothing confirmed, the higher version boots -------------------- */
static void test_12_2_direct_xip(void **state)
{
	struct sdfu_boot_trailer tr;

	(void)state;
	start_images(SDFU_BOOT_MODE_DIRECT_XIP, 0);
	boot_modules(F_STD, true, true);
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[0], boot.mode, &tr), 0);
	assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_UNSET); /* no confirm written */
	run_erase();
	upload(&update, NULL, 0);
	assert_slot_holds(1, &update);
	assert_int_equal(cmd(W, OSG, SDFU_OS_ID_RESET), 0);
	run(SDFU_OS_RESET_DELAY_MS);
	assert_int_equal(fake_port_reset_count(), 1);
	reboot(SDFU_BOOT_MODE_DIRECT_XIP, F_STD);
	assert_int_equal(boot.active_slot, 1);
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[1], boot.mode, &tr), 0);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET); /* still not confirmed by the app */
	/* the config channel erases the other slot (the old image), as upstream does */
	run_erase();
	assert_true(sdfu_flash_area_is_erased(boot.slot[0], 0, boot.slot[0]->size));
}

/* ---- 12.3 paused MCUmgr upload taken over by the config channel ---------------------- */
static void test_12_3_paused_upload_taken_over(void **state)
{
	const struct smp_rsp *r;
	const uint32_t cc_len = 3000;
	uint32_t crc;

	(void)state;
	start_images(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	boot_modules(F_STD, true, true);
	run_erase();
	/* phone uploads 1300 bytes, then pauses for more than 5 s */
	r = first_chunk(V2, &update, 300, NULL, 0, false);
	assert_int_equal(rsp_off(r), 300);
	assert_int_equal(rsp_off(chunk(&update, 300, 1000)), 1300);
	assert_int_equal(st.img.upload.off, 1300);
	run(SDFU_DFU_MCUMGR_TIMEOUT_MS);
	assert_true(sdfu_dfu_lock_is_free(&st.lock));
	assert_true(fake_port_log_contains("MCUmgr DFU timed out"));
	/* host tool polls sync: claims (MCUmgr's upload is reset) and releases at once */
	struct sdfu_dfu_cfgchan_sync s;

	sdfu_dfu_cfgchan_sync(&st.cfgchan, &s);
	assert_int_equal(s.state, SDFU_DFU_CFGCHAN_INACTIVE);
	assert_int_equal(st.img.upload.off, 0);
	assert_int_equal(st.img.upload.slot, -1);
	assert_int_equal(st.mcumgr.stats.upload_resets, 1);
	assert_true(sdfu_dfu_lock_is_free(&st.lock));
	/* start: the slot was used by MCUmgr -> clean first, then start */
	crc = sdfu_crc32(0, other.buf, cc_len);
	assert_int_equal(sdfu_dfu_cfgchan_start(&st.cfgchan, cc_len, crc, 0), SDFU_ERR_BUSY);
	run_erase();
	assert_int_equal(sdfu_dfu_cfgchan_start(&st.cfgchan, cc_len, crc, 0), 0);
	cc_send(other.buf, 0, 1024);
	/* the phone resumes: rejected with rc 11, handler not run */
	unsigned chunks = ev_chunk;

	assert_int_equal(rc_of(chunk(&update, 1300, 500)), SDFU_MGMT_EACCESSDENIED);
	assert_int_equal(ev_chunk, chunks);
	/* even image list fails while the config channel transfers (12.4) */
	assert_int_equal(cmd(R, GRP, SDFU_IMG_ID_STATE), SDFU_MGMT_EACCESSDENIED);
	/* the config channel stops sending: timeout, release */
	run(SDFU_DFU_CFGCHAN_TIMEOUT_MS);
	assert_true(sdfu_dfu_lock_is_free(&st.lock));
	/* the next MCUmgr chunk claims (config channel notified) and is told to restart at 0 */
	r = chunk(&update, 1300, 500);
	assert_int_equal(rc_of(r), 0);
	assert_int_equal(rsp_off(r), 0);
	assert_true(st.cfgchan.slot_dirty);
	/* the restart from 0 erases what the config channel wrote and completes */
	upload(&update, NULL, 0);
	assert_slot_holds(1, &update);
	/* config channel: its next start must clean again */
	run(SDFU_DFU_MCUMGR_TIMEOUT_MS);
	assert_int_equal(sdfu_dfu_cfgchan_start(&st.cfgchan, cc_len, crc, 0), SDFU_ERR_BUSY);
	run_erase();
}

/* ---- 12.4 read-only SMP commands take the lock too ---------------------------------- */
static void test_12_4_readonly_commands_take_lock(void **state)
{
	(void)state;
	start_images(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	boot_modules(F_STD, true, true);
	run_erase();
	/* an idle image list: holds the lock 5 s, blocks config-channel start and reboot */
	assert_int_equal(cmd(R, GRP, SDFU_IMG_ID_STATE), 0);
	assert_true(st.cfgchan.slot_dirty);
	assert_int_equal(sdfu_dfu_cfgchan_start(&st.cfgchan, 100, 0, 0), SDFU_ERR_ACCES);
	assert_false(sdfu_dfu_cfgchan_reboot(&st.cfgchan));
	run(SDFU_DFU_MCUMGR_TIMEOUT_MS);
	/* ...and forces a re-erase before the next config-channel DFU */
	assert_int_equal(sdfu_dfu_cfgchan_start(&st.cfgchan, 100, 0, 0), SDFU_ERR_BUSY);
	run_erase();
	assert_int_equal(sdfu_dfu_cfgchan_start(&st.cfgchan, 100, 0, 0), 0);
	/* mid-transfer: image list and slot info are rejected */
	assert_int_equal(cmd(R, GRP, SDFU_IMG_ID_STATE), SDFU_MGMT_EACCESSDENIED);
	assert_int_equal(cmd(R, GRP, SDFU_IMG_ID_SLOT_INFO), SDFU_MGMT_EACCESSDENIED);
	run(SDFU_DFU_CFGCHAN_TIMEOUT_MS);
	shutdown_modules();

	/* with the read-only option: reads pass mid-transfer and do not dirty the slot */
	boot_modules(F_STD | SDFU_DFU_MCUMGR_F_READONLY_UNLOCKED, true, true);
	run_erase();
	assert_int_equal(sdfu_dfu_cfgchan_start(&st.cfgchan, 100, 0, 0), 0);
	assert_int_equal(cmd(R, GRP, SDFU_IMG_ID_STATE), 0);
	assert_int_equal(cmd(R, GRP, SDFU_IMG_ID_SLOT_INFO), 0);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&st.lock), &st.cfgchan.owner);
	assert_int_equal(rc_of(chunk(&update, 0, 100)), SDFU_MGMT_EACCESSDENIED);
	run(SDFU_DFU_CFGCHAN_TIMEOUT_MS);
	assert_false(st.cfgchan.slot_dirty);
}

/* ---- 12.8 boot order with a transport live at boot ----------------------------------- */
static void test_12_8_boot_order(void **state)
{
	const struct smp_rsp *r;

	(void)state;
	start_images(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	/* S0: before main READY the hook is not installed and nothing is gated */
	boot_modules(F_STD, false, false);
	assert_int_equal(cmd(R, GRP, SDFU_IMG_ID_STATE), 0);
	assert_true(sdfu_dfu_lock_is_free(&st.lock));
	sdfu_module_set_state(&st.bus, &sdfu_module_main, SDFU_MODULE_STATE_READY);
	loop_once();
	/* a UART session starts an upload before the config channel ran its boot actions */
	r = first_chunk(V2, &update, 300, NULL, 0, false);
	assert_int_equal(rsp_off(r), 300);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&st.lock), &st.mcumgr.owner);
	assert_int_equal(sdfu_stack_add_cfgchan(&st), 0);
	sdfu_dfu_cfgchan_boot(&st.cfgchan); /* claim fails: no assert, no erase under MCUmgr's feet */
	assert_false(st.cfgchan.erasing);
	upload(&update, NULL, 0);
	assert_slot_holds(1, &update);
	run(SDFU_DFU_MCUMGR_TIMEOUT_MS);
	/* the config channel treats the slot as dirty */
	assert_int_equal(sdfu_dfu_cfgchan_start(&st.cfgchan, 100, 0, 0), SDFU_ERR_BUSY);
	run_erase();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_12_1_normal_update_swap, scen_teardown),
		cmocka_unit_test_teardown(test_12_2_direct_xip, scen_teardown),
		cmocka_unit_test_teardown(test_12_3_paused_upload_taken_over, scen_teardown),
		cmocka_unit_test_teardown(test_12_4_readonly_commands_take_lock, scen_teardown),
		cmocka_unit_test_teardown(test_12_8_boot_order, scen_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
