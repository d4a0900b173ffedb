/* SPDX-License-Identifier: Apache-2.0 */
/* DFU MCUmgr module against a real SMP server with counting fake groups (spec 4, 12, 15). */
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
#include "sdfu/ble_latency.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/dfu_mcumgr.h"
#include "sdfu/err.h"
#include "sdfu/evt.h"
#include "sdfu/img.h"
#include "sdfu/os.h"
#include "sdfu/port.h"
#include "sdfu/smp.h"
#include "sdfu/timer.h"
#include "smp_test.h"

#define R SDFU_SMP_OP_READ
#define W SDFU_SMP_OP_WRITE
#define V2 SDFU_SMP_VER_2
#define V1 SDFU_SMP_VER_1
#define OS SDFU_SMP_GROUP_OS
#define IMG SDFU_SMP_GROUP_IMG
#define OTHER_GROUP 9

/* ---- fixture ---------------------------------------------------------------- */
static struct sim_flash fl;
static struct sdfu_boot_ctx boot;
static struct sdfu_smp_server srv;
static struct sdfu_evt_bus bus;
static struct sdfu_timer_list timers;
static struct sdfu_dfu_lock lock;
static struct sdfu_img img; /* not registered: only its upload state is observed */
static struct sdfu_dfu_mcumgr m;

/* handler call counts per [group index][id] */
static unsigned calls[3][16];
static bool emit_pending;   /* fake upload handler reports DFU_PENDING */
static bool emit_confirmed; /* fake state write reports DFU_CONFIRMED */

static int count(struct sdfu_smp_ctx *ctx)
{
	unsigned g = ctx->req_hdr.group == OS ? 0 : ctx->req_hdr.group == IMG ? 1 : 2;

	calls[g][ctx->req_hdr.id & 15u]++;
	return 0;
}

static int fake_upload(struct sdfu_smp_ctx *ctx)
{
	int32_t rc = 0;
	uint16_t g = 0;

	count(ctx);
	if (emit_pending) {
		(void)sdfu_smp_cb_notify(ctx->srv, SDFU_IMG_EVT_DFU_PENDING, NULL, 0, &rc, &g);
	}
	return 0;
}

static int fake_state_write(struct sdfu_smp_ctx *ctx)
{
	struct sdfu_img_confirmed c = {.image = 0};
	int32_t rc = 0;
	uint16_t g = 0;

	count(ctx);
	if (emit_confirmed) {
		(void)sdfu_smp_cb_notify(ctx->srv, SDFU_IMG_EVT_DFU_CONFIRMED, &c, sizeof(c), &rc, &g);
	}
	return 0;
}

static const struct sdfu_smp_handler os_h[9] = {
	[0] = {count, count}, [5] = {NULL, count}, [6] = {count, NULL}, [8] = {count, NULL},
};
static const struct sdfu_smp_handler img_h[8] = {
	[0] = {count, fake_state_write}, [1] = {NULL, fake_upload}, [3] = {count, count},
	[5] = {NULL, count}, [6] = {count, NULL}, [7] = {count, count},
};
static const struct sdfu_smp_handler other_h[1] = {[0] = {count, count}};
static struct sdfu_smp_group g_os, g_img, g_other;

/* a NORMAL subscriber of the transfer event (stands in for ble_latency) */
static struct test_evt_counter hints;

/* counts module_state events by module */
static struct sdfu_evt_sub state_sub;
static unsigned states_main, states_other;
static bool on_state(const struct sdfu_evt_hdr *evt, void *user)
{
	const struct sdfu_module_state_evt *e = (const struct sdfu_module_state_evt *)evt;

	(void)user;
	if (e->module == &sdfu_module_main) {
		states_main++;
	} else {
		states_other++;
	}
	return false;
}

/* another DFU owner (the config channel stand-in) */
static unsigned other_notified;
static bool other_saw_timer_armed;
static void other_changed(const struct sdfu_dfu_lock_owner *self,
			  const struct sdfu_dfu_lock_owner *new_owner)
{
	(void)self;
	other_notified++;
	/* claim ordering (12.7): the timeout was re-armed before the claim */
	other_saw_timer_armed = (new_owner == &m.owner) && sdfu_timer_is_armed(&m.timeout);
}
static const struct sdfu_dfu_lock_owner other = {"Config Channel", other_changed, NULL};

static const struct sdfu_smp_transport ble_tr = {"ble", SDFU_SMP_TRANSPORT_F_BLE, 0};

/* Send one request; returns the SMP "rc" (0 when absent). */
static int64_t send_tr(const struct sdfu_smp_transport *tr, uint8_t op, uint8_t ver,
		       uint16_t group, uint8_t id)
{
	const struct smp_rsp *r = smp_test_req_tr(&srv, tr, op, ver, group, id, NULL, 0);
	int64_t rc = 0;

	if (!smp_rsp_rc(r, &rc)) {
		rc = 0;
	}
	return rc;
}

static int64_t send(uint8_t op, uint16_t group, uint8_t id)
{
	return send_tr(NULL, op, V2, group, id);
}

static void fixture(uint32_t flags, enum sdfu_boot_mode mode, bool ready)
{
	struct sdfu_dfu_mcumgr_deps deps;
	struct sdfu_dfu_mcumgr_cfg cfg;

	fake_port_reset_state();
	fake_port_set_time(1000);
	test_flash_boot(&fl, &boot, mode, 0);
	/* a running image that booted in test mode: trailer magic set, image_ok unset */
	assert_int_equal(sdfu_boot_write_magic(boot.slot[0], mode), 0);

	sdfu_evt_init(&bus);
	sdfu_timer_list_init(&timers);
	test_loop_bind(&timers, &bus); /* test_loop_step(), test_loop_ms() */
	sdfu_dfu_lock_init(&lock);
	sdfu_smp_server_init(&srv);
	memset(&img, 0, sizeof(img));
	img.upload.slot = -1;
	memset(calls, 0, sizeof(calls));
	emit_pending = emit_confirmed = false;
	states_main = states_other = 0;
	other_notified = 0;
	other_saw_timer_armed = false;

	g_os = (struct sdfu_smp_group){.handlers = os_h, .handler_count = 9, .group_id = OS};
	g_img = (struct sdfu_smp_group){.handlers = img_h, .handler_count = 8, .group_id = IMG};
	g_other = (struct sdfu_smp_group){.handlers = other_h, .handler_count = 1,
					  .group_id = OTHER_GROUP};
	assert_int_equal(sdfu_smp_register_group(&srv, &g_os), 0);
	assert_int_equal(sdfu_smp_register_group(&srv, &g_img), 0);
	assert_int_equal(sdfu_smp_register_group(&srv, &g_other), 0);

	assert_int_equal(test_evt_count(&bus, &hints, &sdfu_ble_smp_transfer_evt_type), 0);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &state_sub, &sdfu_module_state_evt_type,
					       SDFU_EVT_PRIO_EARLY, on_state, NULL), 0);

	deps = (struct sdfu_dfu_mcumgr_deps){.srv = &srv, .bus = &bus, .timers = &timers,
					     .lock = &lock, .img = &img, .boot = &boot};
	sdfu_dfu_mcumgr_cfg_default(&cfg);
	cfg.flags = flags;
	cfg.version = "1.2.3+4";
	assert_int_equal(sdfu_dfu_mcumgr_init(&m, &deps, &cfg), 0);
	if (ready) {
		assert_int_equal(sdfu_module_set_state(&bus, &sdfu_module_main,
						       SDFU_MODULE_STATE_READY), 0);
		test_loop_step();
		assert_true(m.started);
	}
}

#define F_STD (SDFU_DFU_MCUMGR_F_LOCK | SDFU_DFU_MCUMGR_F_BLE_TRANSPORT)

static int teardown(void **state)
{
	(void)state;
	sdfu_dfu_mcumgr_deinit(&m);
	sdfu_evt_unsubscribe(&bus, &hints.sub);
	sdfu_evt_unsubscribe(&bus, &state_sub);
	test_loop_step();
	assert_int_equal(sdfu_timer_count(&timers), 0);
	assert_int_equal(sdfu_evt_pending(&bus), 0);
	assert_int_equal(sdfu_evt_sub_count(&bus), 0);
	assert_int_equal(bus.stats.dropped, 0);
	assert_null(srv.cbs);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(fake_port_crit_depth(), 0);
	sim_flash_close(&fl);
	return 0;
}

/* Release the other owner if it holds the lock (end of a test). */
static void other_release(void)
{
	if (sdfu_dfu_lock_owner_get(&lock) == &other) {
		assert_int_equal(sdfu_dfu_lock_release(&lock, &other), 0);
	}
}

static void expire(void)
{
	test_loop_ms(SDFU_DFU_MCUMGR_TIMEOUT_MS);
	assert_false(sdfu_dfu_mcumgr_owns_lock(&m));
}

/* ---- 15.6 boot ------------------------------------------------------------------ */
static void test_boot_confirms_and_installs_hook(void **state)
{
	struct sdfu_boot_trailer tr;

	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, false);
	/* S0: before main READY nothing is confirmed and nothing is gated */
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[0], boot.mode, &tr), 0);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET);
	assert_null(srv.cbs);
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	/* another module's READY is ignored */
	sdfu_module_set_state(&bus, &sdfu_module_ble_latency, SDFU_MODULE_STATE_READY);
	test_loop_step();
	assert_false(m.started);
	/* main READY: confirm, hook, version log */
	sdfu_module_set_state(&bus, &sdfu_module_main, SDFU_MODULE_STATE_READY);
	test_loop_step();
	assert_true(m.started);
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[0], boot.mode, &tr), 0);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
	assert_int_equal(m.stats.confirm_errors, 0);
	assert_ptr_equal(srv.cbs, &m.cb_recv);
	assert_true(fake_port_log_contains("MCUboot image version: 1.2.3+4"));
	/* a second READY does nothing more */
	sdfu_module_set_state(&bus, &sdfu_module_main, SDFU_MODULE_STATE_READY);
	test_loop_step();
	assert_ptr_equal(srv.cbs, &m.cb_recv);
	assert_null(m.cb_recv.next);
	/* the module never publishes a module state: only main's (and the one other) were seen */
	assert_int_equal(states_main, 2);
	assert_int_equal(states_other, 1);
	/* now DFU commands are gated */
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&lock), &m.owner);
	expire();
	assert_int_equal(states_main + states_other, 3);
}

/* 12.2: plain direct-XIP never confirms at boot (MCUboot boots the higher version). */
static void test_boot_direct_xip_no_confirm(void **state)
{
	struct sdfu_boot_trailer tr;

	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_DIRECT_XIP, true);
	assert_int_equal(sdfu_boot_trailer_read(boot.slot[0], boot.mode, &tr), 0);
	assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET);
	assert_int_equal(tr.copy_done, SDFU_BOOT_FLAG_UNSET);
	assert_int_equal(m.stats.confirm_errors, 0);
	assert_ptr_equal(srv.cbs, &m.cb_recv); /* hook installed all the same */
}

/*
 * Direct-XIP with revert is revert-capable (nRF Connect SDK dfu_mcumgr.c skips the
 * confirmation only for CONFIG_MCUBOOT_BOOTLOADER_MODE_DIRECT_XIP): the running slot,
 * whichever it is, gets copy_done and image_ok, so MCUboot keeps booting it.
 */
static void test_boot_direct_xip_revert_confirms(void **state)
{
	for (uint8_t active = 0; active < 2; active++) {
		struct sdfu_boot_trailer tr;

		(void)state;
		fixture(F_STD, SDFU_BOOT_MODE_DIRECT_XIP_REVERT, false);
		boot.active_slot = active;
		if (active == 1) {
			/* MCUboot tried slot 1 once: magic and copy_done set, image_ok not */
			assert_int_equal(sdfu_boot_write_magic(boot.slot[1], boot.mode), 0);
			assert_int_equal(sdfu_boot_write_copy_done(boot.slot[1], boot.mode), 0);
		}
		assert_int_equal(sdfu_module_set_state(&bus, &sdfu_module_main,
						       SDFU_MODULE_STATE_READY), 0);
		test_loop_step();
		assert_true(m.started);
		assert_int_equal(m.stats.confirm_errors, 0);
		assert_int_equal(sdfu_boot_trailer_read(boot.slot[active], boot.mode, &tr), 0);
		assert_int_equal(tr.magic, SDFU_BOOT_MAGIC_GOOD);
		assert_int_equal(tr.copy_done, SDFU_BOOT_FLAG_SET);
		assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_SET);
		/* the other slot is left alone */
		assert_int_equal(sdfu_boot_trailer_read(boot.slot[active ^ 1u], boot.mode, &tr), 0);
		assert_int_equal(tr.image_ok, SDFU_BOOT_FLAG_UNSET);
		assert_ptr_equal(srv.cbs, &m.cb_recv);
		if (active == 0) {
			teardown(NULL);
		}
	}
}

/* Version read from the running image header when no string is configured. */
static void test_boot_version_from_header(void **state)
{
	uint8_t hdr[32] = {0};
	struct sdfu_dfu_mcumgr_deps deps = {.srv = &srv, .bus = &bus, .timers = &timers,
					    .lock = &lock, .img = &img, .boot = &boot};

	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_MOVE, false);
	sdfu_dfu_mcumgr_deinit(&m);
	hdr[0] = 0x3d; hdr[1] = 0xb8; hdr[2] = 0xf3; hdr[3] = 0x96; /* magic, little-endian */
	hdr[8] = 0x20; /* hdr_size 32 */
	hdr[20] = 2; hdr[21] = 7; hdr[22] = 5; /* 2.7.5 */
	assert_int_equal(sdfu_flash_area_write(boot.slot[0], 0, hdr, sizeof(hdr)), 0);
	assert_int_equal(sdfu_dfu_mcumgr_init(&m, &deps, NULL), 0); /* defaults, version NULL */
	assert_int_equal(m.cfg.flags, SDFU_DFU_MCUMGR_F_DEFAULT);
	assert_int_equal(m.cfg.timeout_ms, SDFU_DFU_MCUMGR_TIMEOUT_MS);
	sdfu_dfu_mcumgr_start(&m); /* direct call instead of the event */
	assert_true(fake_port_log_contains("MCUboot image version: 2.7.5"));
}

/* ---- 15.2 classification ---------------------------------------------------------- */
static void test_non_dfu_commands_untouched(void **state)
{
	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	assert_int_equal(send(R, OS, SDFU_OS_ID_ECHO), 0);
	assert_int_equal(send(W, OS, SDFU_OS_ID_ECHO), 0);
	assert_int_equal(send(R, OS, SDFU_OS_ID_PARAMS), 0);
	assert_int_equal(send(R, OS, SDFU_OS_ID_BOOTLOADER_INFO), 0);
	assert_int_equal(send(R, OTHER_GROUP, 0), 0);
	test_loop_step();
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sdfu_timer_count(&timers), 0);
	assert_int_equal(hints.count, 0);
	assert_int_equal(m.stats.dfu_cmds, 0);
	assert_int_equal(calls[0][0], 2);
	assert_int_equal(calls[0][6], 1);
	assert_int_equal(calls[0][8], 1);
	assert_int_equal(calls[2][0], 1);
	/* non-DFU commands still pass while another owner holds the lock */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
	assert_int_equal(send(W, OS, SDFU_OS_ID_ECHO), 0);
	assert_int_equal(calls[0][0], 3);
	other_release();
}

static void test_every_image_id_and_reset_are_dfu(void **state)
{
	static const struct {
		uint8_t op;
		uint16_t group;
		uint8_t id;
	} cmds[] = {
		{R, IMG, SDFU_IMG_ID_STATE}, {W, IMG, SDFU_IMG_ID_STATE}, {W, IMG, SDFU_IMG_ID_UPLOAD},
		{R, IMG, 3}, {W, IMG, SDFU_IMG_ID_ERASE}, {R, IMG, SDFU_IMG_ID_SLOT_INFO},
		{R, IMG, 7}, {W, OS, SDFU_OS_ID_RESET},
	};

	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		/* lock free: accepted and claimed */
		assert_int_equal(send(cmds[i].op, cmds[i].group, cmds[i].id), 0);
		assert_ptr_equal(sdfu_dfu_lock_owner_get(&lock), &m.owner);
		assert_true(sdfu_timer_is_armed(&m.timeout));
		test_loop_step();
		expire();
		/* held by the other owner: rejected with rc 11, handler not run */
		assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
		unsigned before = calls[cmds[i].group][cmds[i].id];

		assert_int_equal(send(cmds[i].op, cmds[i].group, cmds[i].id), SDFU_MGMT_EACCESSDENIED);
		assert_int_equal(calls[cmds[i].group][cmds[i].id], before);
		assert_int_equal(sdfu_timer_count(&timers), 0);
		other_release();
	}
	assert_int_equal(m.stats.accepted, 8);
	assert_int_equal(m.stats.rejected, 8);
	assert_int_equal(m.stats.timeouts, 8);
	/* the OS reset accepted holds the lock (the reboot would follow) — checked above */
}

/* ---- 15.2 / 12.7 rejection, claim ordering --------------------------------------- */
static void test_rejection_rc11_v1_v2_and_no_hint(void **state)
{
	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
	assert_int_equal(send_tr(NULL, W, V2, IMG, SDFU_IMG_ID_UPLOAD), 11);
	assert_int_equal(send_tr(NULL, W, V1, IMG, SDFU_IMG_ID_UPLOAD), 11);
	assert_int_equal(send_tr(&ble_tr, W, V2, OS, SDFU_OS_ID_RESET), 11);
	assert_int_equal(calls[1][1], 0);
	assert_int_equal(calls[0][5], 0);
	test_loop_step();
	assert_int_equal(hints.count, 0); /* rejected commands do not lower the latency */
	assert_int_equal(m.stats.evt_submitted, 0);
	assert_int_equal(sdfu_timer_count(&timers), 0);
	assert_int_equal(m.stats.rejected, 3);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&lock), &other);
	assert_int_equal(other_notified, 0);
	other_release();
	/* lock free again: the next command is accepted and the other owner is told */
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	assert_int_equal(other_notified, 1);
	assert_true(other_saw_timer_armed); /* re-armed BEFORE the claim (12.7) */
	test_loop_step();
	expire();
}

/* ---- 15.3 timeout ------------------------------------------------------------------ */
static void test_timeout_rearm_and_release(void **state)
{
	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	assert_int_equal(send(R, IMG, SDFU_IMG_ID_STATE), 0);
	test_loop_ms(4000);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0); /* re-armed to now + 5 s */
	test_loop_ms(4999);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	assert_false(fake_port_log_contains("MCUmgr DFU timed out"));
	test_loop_ms(1);
	assert_false(sdfu_dfu_mcumgr_owns_lock(&m));
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_ptr_equal(sdfu_dfu_lock_previous(&lock), &m.owner);
	assert_true(fake_port_log_contains("MCUmgr DFU timed out"));
	assert_int_equal(fake_port_log_count(2), 1); /* one warning, no error (12.11) */
	assert_int_equal(m.stats.timeouts, 1);
	assert_int_equal(m.stats.release_errors, 0);
	assert_int_equal(sdfu_timer_count(&timers), 0);
}

/* ---- 15.4 owner changed ---------------------------------------------------------- */
static void test_owner_changed_resets_upload(void **state)
{
	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	/* the other owner claims while MCUmgr was never an owner: no reset */
	img.upload.slot = 1;
	img.upload.off = 4096;
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
	assert_int_equal(img.upload.off, 4096);
	other_release();
	/* MCUmgr session in progress */
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	test_loop_step();
	assert_int_equal(img.upload.off, 4096); /* MCUmgr claiming does not reset its own upload */
	/* while MCUmgr holds the lock the other claim fails and nothing is reset */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), SDFU_ERR_ACCES);
	assert_int_equal(img.upload.off, 4096);
	expire();
	/* MCUmgr released last: the other owner's claim resets the upload (offset 0, no slot) */
	uint32_t resets = img.reset_count;

	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
	assert_int_equal(img.upload.off, 0);
	assert_int_equal(img.upload.slot, -1);
	assert_int_equal(img.upload.sha_len, 0);
	assert_int_equal(img.reset_count, resets + 1);
	assert_int_equal(m.stats.upload_resets, 1);
	other_release();
	/* previous is now the other owner: another claim by it does not reset again */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
	assert_int_equal(m.stats.upload_resets, 1);
	other_release();
}

/* ---- 15.5 / 12.5 transfer events ----------------------------------------------- */
static void test_transfer_event_single_in_flight(void **state)
{
	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	/* three accepted commands before the loop processes events: one event */
	assert_int_equal(send(R, IMG, SDFU_IMG_ID_STATE), 0);
	assert_true(sdfu_dfu_mcumgr_evt_in_flight(&m));
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	assert_int_equal(send(W, OS, SDFU_OS_ID_RESET), 0);
	assert_int_equal(sdfu_evt_pending(&bus), 1);
	assert_int_equal(m.stats.evt_submitted, 1);
	assert_int_equal(m.stats.evt_skipped, 2);
	test_loop_step();
	/* every listener saw it before the FINAL subscriber cleared the flag */
	assert_int_equal(hints.count, 1);
	assert_false(sdfu_dfu_mcumgr_evt_in_flight(&m));
	/* the next accepted command sends again; also over a non-BLE transport */
	assert_int_equal(send_tr(NULL, W, V2, IMG, SDFU_IMG_ID_UPLOAD), 0);
	test_loop_step();
	assert_int_equal(hints.count, 2);
	/* a non-DFU command never sends one */
	assert_int_equal(send(R, OS, SDFU_OS_ID_ECHO), 0);
	test_loop_step();
	assert_int_equal(hints.count, 2);
	assert_int_equal(m.stats.evt_unexpected, 0);
	expire();
}

static void test_transfer_event_ble_only_option(void **state)
{
	(void)state;
	fixture(F_STD | SDFU_DFU_MCUMGR_F_EVT_BLE_ONLY, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	assert_int_equal(send_tr(NULL, W, V2, IMG, SDFU_IMG_ID_UPLOAD), 0);
	test_loop_step();
	assert_int_equal(hints.count, 0);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m)); /* the lock logic is unchanged */
	assert_int_equal(send_tr(&ble_tr, W, V2, IMG, SDFU_IMG_ID_UPLOAD), 0);
	test_loop_step();
	assert_int_equal(hints.count, 1);
	expire();
}

static void test_no_ble_transport_no_events(void **state)
{
	(void)state;
	fixture(SDFU_DFU_MCUMGR_F_LOCK, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	assert_int_equal(sdfu_evt_sub_count_type(&bus, &sdfu_ble_smp_transfer_evt_type), 1);
	assert_int_equal(send_tr(&ble_tr, W, V2, IMG, SDFU_IMG_ID_UPLOAD), 0);
	test_loop_step();
	assert_int_equal(hints.count, 0);
	assert_int_equal(m.stats.evt_submitted, 0);
	expire();
}

/* 12.5 / 8.3: a subscriber that consumes the event leaves the flag set forever. */
static void test_consumed_event_never_clears_flag(void **state)
{
	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	hints.consume = true;
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	test_loop_step();
	assert_int_equal(hints.count, 1);
	assert_int_equal(bus.stats.consumed, 1);
	assert_true(sdfu_dfu_mcumgr_evt_in_flight(&m)); /* FINAL never ran */
	hints.consume = false;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
		test_loop_step();
	}
	assert_int_equal(hints.count, 1); /* no more events, ever */
	assert_int_equal(m.stats.evt_submitted, 1);
	assert_int_equal(m.stats.evt_skipped, 5);
	expire();
}

/* Pool full: the submit failure is counted and logged, and the next command retries. */
static void test_transfer_event_pool_full(void **state)
{
	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	for (unsigned i = 0; i < SDFU_EVT_POOL_SIZE; i++) {
		assert_int_equal(sdfu_module_set_state(&bus, &sdfu_module_ble_latency,
						       SDFU_MODULE_STATE_STANDBY), 0);
	}
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0); /* the command itself is accepted */
	assert_int_equal(calls[1][1], 1);
	assert_int_equal(m.stats.evt_failed, 1);
	assert_int_equal(bus.stats.dropped, 1);
	assert_true(fake_port_log_contains("event pool full"));
	assert_false(sdfu_dfu_mcumgr_evt_in_flight(&m));
	test_loop_step();
	bus.stats.dropped = 0; /* accounted for; teardown checks no other drop */
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	test_loop_step();
	assert_int_equal(hints.count, 1);
	assert_int_equal(m.stats.evt_submitted, 1);
	expire();
}

/* 4.5: the FINAL slot of the transfer event is exclusive (a CAF-SMP-like module). */
static struct sdfu_evt_sub caf_final;
static bool caf_fn(const struct sdfu_evt_hdr *e, void *u)
{
	(void)e;
	(void)u;
	return false;
}

static void test_final_subscriber_conflict(void **state)
{
	struct sdfu_dfu_mcumgr_deps deps = {.srv = &srv, .bus = &bus, .timers = &timers,
					    .lock = &lock, .img = &img, .boot = &boot};
	struct sdfu_dfu_mcumgr m2;

	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, false);
	sdfu_dfu_mcumgr_deinit(&m);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &caf_final, &sdfu_ble_smp_transfer_evt_type,
					       SDFU_EVT_PRIO_FINAL, caf_fn, NULL), 0);
	assert_int_equal(sdfu_dfu_mcumgr_init(&m2, &deps, NULL), SDFU_ERR_EXIST);
	sdfu_evt_unsubscribe(&bus, &caf_final);
	/* missing dependencies */
	deps.lock = NULL;
	assert_int_equal(sdfu_dfu_mcumgr_init(&m2, &deps, NULL), SDFU_ERR_INVAL);
	deps.lock = &lock;
	deps.srv = NULL;
	assert_int_equal(sdfu_dfu_mcumgr_init(&m2, &deps, NULL), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_evt_sub_count(&bus), 2); /* only the fixture's own two */
}

/* ---- 12.6 the race made impossible ------------------------------------------------- */
static void test_race_timeout_vs_command(void **state)
{
	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	/* (a) the command is handled first in the loop iteration of the deadline: re-armed */
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	test_loop_ms(SDFU_DFU_MCUMGR_TIMEOUT_MS - 1);
	fake_port_advance(1); /* deadline reached, timers not yet processed */
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	test_loop_step();
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	assert_int_equal(m.stats.timeouts, 0);
	/* (b) the timer is handled first: release, then the command claims again */
	test_loop_ms(SDFU_DFU_MCUMGR_TIMEOUT_MS);
	assert_int_equal(m.stats.timeouts, 1);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&lock), &m.owner);
	/* (c) the bad outcome forced by hand (lock released behind the module's back and
	 * taken by another owner): the timeout logs, counts and does not steal the lock */
	assert_int_equal(sdfu_dfu_lock_release(&lock, &m.owner), 0);
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
	expire();
	assert_int_equal(m.stats.release_errors, 1);
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&lock), &other);
	assert_true(fake_port_log_contains("timeout: lock was not held by MCUmgr"));
	other_release();
}

/* ---- lock option off (3.3, "CONFIG_DESKTOP_DFU_LOCK=n") -------------------------- */
static void test_lock_disabled(void **state)
{
	(void)state;
	fixture(SDFU_DFU_MCUMGR_F_BLE_TRANSPORT, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
	img.upload.off = 100;
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0); /* never rejected */
	assert_int_equal(calls[1][1], 1);
	assert_true(sdfu_timer_is_armed(&m.timeout)); /* still re-armed */
	test_loop_step();
	assert_int_equal(hints.count, 1);
	test_loop_ms(SDFU_DFU_MCUMGR_TIMEOUT_MS);
	assert_true(fake_port_log_contains("MCUmgr DFU timed out"));
	assert_ptr_equal(sdfu_dfu_lock_owner_get(&lock), &other); /* untouched */
	assert_int_equal(img.upload.off, 100);
	other_release();
}

/* ---- read-only option ------------------------------------------------------------ */
static void test_readonly_unlocked_option(void **state)
{
	(void)state;
	/* default: image list takes the lock (12.4) */
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	assert_int_equal(send(R, IMG, SDFU_IMG_ID_STATE), 0);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	test_loop_step();
	expire();
	teardown(NULL);

	fixture(F_STD | SDFU_DFU_MCUMGR_F_READONLY_UNLOCKED, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	assert_int_equal(send(R, IMG, SDFU_IMG_ID_STATE), 0);
	assert_int_equal(send(R, IMG, SDFU_IMG_ID_SLOT_INFO), 0);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sdfu_timer_count(&timers), 0);
	test_loop_step();
	assert_int_equal(hints.count, 1); /* still a traffic hint */
	/* another owner holds the lock: reads pass, writes are rejected */
	assert_int_equal(sdfu_dfu_lock_claim(&lock, &other), 0);
	assert_int_equal(send(R, IMG, SDFU_IMG_ID_STATE), 0);
	assert_int_equal(send(R, IMG, SDFU_IMG_ID_SLOT_INFO), 0);
	assert_int_equal(calls[1][0], 2);
	assert_int_equal(calls[1][6], 2);
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_STATE), 11);
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 11);
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_ERASE), 11);
	assert_int_equal(send(R, IMG, 7), 11); /* other reads are still gated */
	test_loop_step();
	other_release();
}

/* ---- release-on-complete option ------------------------------------------------------ */
static void test_release_on_complete_option(void **state)
{
	(void)state;
	/* off (default): completion does not release; only the timeout does */
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	emit_pending = true;
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_STATE), 0);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	test_loop_step();
	expire();
	teardown(NULL);

	fixture(F_STD | SDFU_DFU_MCUMGR_F_RELEASE_ON_COMPLETE, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	/* a state write without a finished upload does not complete anything */
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_STATE), 0);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	/* last chunk (DFU_PENDING) then test: released at once, timer stopped */
	emit_pending = true;
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), 0);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_STATE), 0);
	assert_false(sdfu_dfu_mcumgr_owns_lock(&m));
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sdfu_timer_count(&timers), 0);
	assert_int_equal(m.stats.completions, 1);
	emit_pending = false;
	test_loop_step();
	/* image confirm: released at once */
	emit_confirmed = true;
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_STATE), 0);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(m.stats.completions, 2);
	assert_int_equal(sdfu_timer_count(&timers), 0);
	/* the following reset claims again (lock free) */
	assert_int_equal(send(W, OS, SDFU_OS_ID_RESET), 0);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	test_loop_step();
	expire();
}

/* ---- callback contract -------------------------------------------------------------- */
static enum sdfu_smp_cb_ret veto_all(uint32_t event, enum sdfu_smp_cb_ret prev, int32_t *rc,
				     uint16_t *group, bool *abort_more, void *data,
				     size_t data_size, void *user)
{
	(void)event; (void)prev; (void)group; (void)abort_more; (void)data; (void)data_size;
	(void)user;
	*rc = SDFU_MGMT_EBUSY;
	return SDFU_SMP_CB_ERROR_RC;
}

static void test_callback_contract(void **state)
{
	struct sdfu_smp_cmd_info info = {.group = IMG, .id = 1, .op = W};
	struct sdfu_smp_cb veto = {.event_id = SDFU_SMP_EVT_CMD_RECV, .fn = veto_all};
	int32_t rc = 0;
	uint16_t g = 0;

	(void)state;
	fixture(F_STD, SDFU_BOOT_MODE_SWAP_SCRATCH, true);
	/* wrong data size: rc EUNKNOWN, no claim */
	assert_int_equal(sdfu_smp_cb_notify(&srv, SDFU_SMP_EVT_CMD_RECV, &info, 3, &rc, &g),
			 SDFU_SMP_CB_ERROR_RC);
	assert_int_equal(rc, SDFU_MGMT_EUNKNOWN);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	/* a direct notify with good data claims */
	rc = 0;
	assert_int_equal(sdfu_smp_cb_notify(&srv, SDFU_SMP_EVT_CMD_RECV, &info, sizeof(info), &rc,
					    &g), SDFU_SMP_CB_OK);
	assert_true(sdfu_dfu_mcumgr_owns_lock(&m));
	test_loop_step();
	expire();
	/* an earlier callback vetoed: the command will not run, MCUmgr does not claim */
	sdfu_smp_cb_unregister(&srv, &m.cb_recv);
	sdfu_smp_cb_register(&srv, &veto);
	sdfu_smp_cb_register(&srv, &m.cb_recv);
	assert_int_equal(send(W, IMG, SDFU_IMG_ID_UPLOAD), SDFU_MGMT_EBUSY);
	assert_true(sdfu_dfu_lock_is_free(&lock));
	assert_int_equal(sdfu_timer_count(&timers), 0);
	sdfu_smp_cb_unregister(&srv, &veto);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_boot_confirms_and_installs_hook, teardown),
		cmocka_unit_test_teardown(test_boot_direct_xip_no_confirm, teardown),
		cmocka_unit_test_teardown(test_boot_direct_xip_revert_confirms, teardown),
		cmocka_unit_test_teardown(test_boot_version_from_header, teardown),
		cmocka_unit_test_teardown(test_non_dfu_commands_untouched, teardown),
		cmocka_unit_test_teardown(test_every_image_id_and_reset_are_dfu, teardown),
		cmocka_unit_test_teardown(test_rejection_rc11_v1_v2_and_no_hint, teardown),
		cmocka_unit_test_teardown(test_timeout_rearm_and_release, teardown),
		cmocka_unit_test_teardown(test_owner_changed_resets_upload, teardown),
		cmocka_unit_test_teardown(test_transfer_event_single_in_flight, teardown),
		cmocka_unit_test_teardown(test_transfer_event_ble_only_option, teardown),
		cmocka_unit_test_teardown(test_no_ble_transport_no_events, teardown),
		cmocka_unit_test_teardown(test_consumed_event_never_clears_flag, teardown),
		cmocka_unit_test_teardown(test_transfer_event_pool_full, teardown),
		cmocka_unit_test_teardown(test_final_subscriber_conflict, teardown),
		cmocka_unit_test_teardown(test_race_timeout_vs_command, teardown),
		cmocka_unit_test_teardown(test_lock_disabled, teardown),
		cmocka_unit_test_teardown(test_readonly_unlocked_option, teardown),
		cmocka_unit_test_teardown(test_release_on_complete_option, teardown),
		cmocka_unit_test_teardown(test_callback_contract, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
