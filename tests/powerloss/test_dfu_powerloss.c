/* SPDX-License-Identifier: Apache-2.0 */
/* Power loss at every flash operation of whole DFU flows: SMP upload, test, swap, confirm, revert, erase, config channel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/sim_boot.h"
#include "fake_port.h"
#include "pl_device.h"
#include "sdfu/crc32.h"
#include "pl_runner.h"
#include "sdfu/boot.h"
#include "sdfu/dfu_cfgchan.h"
#include "sdfu/err.h"
#include "sdfu/img.h"
#include "sdfu/os.h"
#include "sdfu/smp.h"

/*
 * A scenario is a client goal driven against the simulated device (pl_device.h) from a
 * start snapshot: the device boots (bootloader sim + fresh RAM), the client reads the
 * image state and does the next step (upload, test/permanent request, reset, confirm,
 * image erase, config-channel transfer) until the goal holds. The clean run counts the
 * mutating flash ops N of the whole flow (bootloader runs included). Then for each cut
 * point i in 1..N (sampled by default, all with SDFU_PL_FULL=1): restore the snapshot,
 * cut power at op i (atomic / torn write / partial erase), let the flow notice the dead
 * device, power on, reboot (bootloader, new server, groups and modules: sessions are
 * RAM-only, so the client restarts its upload at the offset the device answers) and
 * drive the flow to completion. Checked after every boot: a valid image boots, it is
 * the old or the new one as the bootloader rules say (nothing requested yet -> old;
 * request committed -> new; unconfirmed test image at the next reset -> old; once a
 * confirm was acknowledged -> new forever), and the booted slot holds exactly the image
 * file. At the end: a clean reboot keeps the goal, the other slot holds what the mode
 * says, no write hit unerased flash (stats.violations == 0), echo answers and a third
 * image uploads completely. Seeded random runs put up to 3 cuts in one flow.
 *
 * The runner (pl_runner.h) crosses the scenarios with the geometries, their boot modes and
 * the cut kinds, and gives the ids ("<scenario>:<geometry>:<mode>:<cut-kind>:cut=<i>" and
 * "...:seed=<s>") and options: SDFU_PL_ONLY=<id or prefix> replays; SDFU_PL_SAMPLE=k cut
 * points per group in the default run (default 12 here); SDFU_PL_RANDOM=n random seeds per
 * group (default 1, 4 with SDFU_PL_FULL=1); SDFU_PL_VERBOSE=1 one line per group.
 */

enum kind { K_UPDATE, K_PERM, K_REVERT, K_ERASE, K_CC, K_FULL };
enum expct { EXP_ANY, EXP_OLD, EXP_NEW };

struct scen {
	const char *name;
	enum kind kind;
	bool full;            /* dfu_mcumgr + dfu_cfgchan in the device */
	const enum sdfu_boot_mode *modes;
	unsigned nmodes;
	bool in_default;      /* part of the sampled default run */
};

static const enum sdfu_boot_mode m_all[] = {
	SDFU_BOOT_MODE_SWAP_MOVE, SDFU_BOOT_MODE_SWAP_SCRATCH, SDFU_BOOT_MODE_OVERWRITE_ONLY,
	SDFU_BOOT_MODE_DIRECT_XIP, SDFU_BOOT_MODE_DIRECT_XIP_REVERT};
static const enum sdfu_boot_mode m_perm[] = {
	SDFU_BOOT_MODE_SWAP_MOVE, SDFU_BOOT_MODE_SWAP_SCRATCH, SDFU_BOOT_MODE_OVERWRITE_ONLY,
	SDFU_BOOT_MODE_DIRECT_XIP_REVERT};
static const enum sdfu_boot_mode m_revert[] = {
	SDFU_BOOT_MODE_SWAP_MOVE, SDFU_BOOT_MODE_SWAP_SCRATCH, SDFU_BOOT_MODE_DIRECT_XIP_REVERT};
static const enum sdfu_boot_mode m_erase[] = {SDFU_BOOT_MODE_SWAP_MOVE, SDFU_BOOT_MODE_DIRECT_XIP};
static const enum sdfu_boot_mode m_cc[] = {
	SDFU_BOOT_MODE_SWAP_MOVE, SDFU_BOOT_MODE_SWAP_SCRATCH, SDFU_BOOT_MODE_OVERWRITE_ONLY,
	SDFU_BOOT_MODE_DIRECT_XIP};
static const enum sdfu_boot_mode m_full[] = {
	SDFU_BOOT_MODE_SWAP_MOVE, SDFU_BOOT_MODE_SWAP_SCRATCH, SDFU_BOOT_MODE_OVERWRITE_ONLY};

#define MODES(a) a, (unsigned)(sizeof(a) / sizeof(a[0]))
static const struct scen scens[] = {
	{"app-update", K_UPDATE, false, MODES(m_all), true},
	{"app-perm", K_PERM, false, MODES(m_perm), true},
	{"app-revert", K_REVERT, false, MODES(m_revert), true},
	{"app-erase", K_ERASE, false, MODES(m_erase), true},
	{"cc-update", K_CC, true, MODES(m_cc), true},
	{"full-update", K_FULL, true, MODES(m_full), true},
};

/* image body sizes per geometry (pl_geometries order) */
static const struct {
	size_t b1, b2, b3; /* v1 (old), v2 (new), v3 (the upload after recovery) */
} geoms[PL_GEOMETRY_COUNT] = {
	{9000, 13000, 3000},   /* nrf52840 */
	{30000, 20000, 3000},  /* mixed8 */
	{150000, 100000, 3000}, /* large128k */
	{150000, 300000, 3000}, /* big1m */
};

static struct pl_image img_old, img_new, img_v3;
static enum expct exp_next;
static bool new_confirmed;
static bool force_upload; /* the client's last request was refused: upload again */
static const struct scen *sc;
static unsigned cut_ci;

/* multi-cut: cuts still to arm after a reboot, within `span` ops */
static unsigned cuts_left;
static uint64_t cut_span;
static uint32_t rng;

static bool is_swap(void)
{
	return dev.mode == SDFU_BOOT_MODE_SWAP_MOVE || dev.mode == SDFU_BOOT_MODE_SWAP_SCRATCH;
}

static bool is_xip(void)
{
	return dev.mode == SDFU_BOOT_MODE_DIRECT_XIP || dev.mode == SDFU_BOOT_MODE_DIRECT_XIP_REVERT;
}

static uint32_t xorshift(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* Boot (after a cut: power on first) and check the rules; sets the next expectation. */
static void boot_and_check(void)
{
	struct sdfu_boot_trailer tr;
	int maj;
	int rc;

	if (pl_dead() && cuts_left > 0) {
		cuts_left--;
		sim_flash_power_on(&dev.f);
		dev.powerfails++;
		sim_flash_cut_at(&dev.f, 1 + xorshift() % cut_span, pl_cut_kinds[cut_ci].mode,
				 1 + xorshift() % 99u);
	}
	rc = pl_boot();
	if (rc != 0 && pl_dead()) {
		return; /* multi-cut: died again at boot; the flow boots again */
	}
	PL_CHECK(rc == 0);
	maj = dev.booted_major;
	PL_CHECK(maj == 1 || maj == 2);
	PL_CHECK(exp_next != EXP_OLD || maj == 1);
	PL_CHECK(exp_next != EXP_NEW || maj == 2);
	PL_CHECK(!new_confirmed || maj == 2);
	PL_CHECK(dev.rep.booted_slot == 0 || dev.rep.booted_slot == 1);
	PL_CHECK(pl_slot_equals(dev.rep.booted_slot, maj == 1 ? &img_old : &img_new));
	if (pl_dead()) {
		exp_next = EXP_ANY; /* died in the boot actions (confirm at boot) */
		return;
	}
	switch (dev.mode) {
	case SDFU_BOOT_MODE_SWAP_MOVE:
	case SDFU_BOOT_MODE_SWAP_SCRATCH:
	case SDFU_BOOT_MODE_DIRECT_XIP_REVERT:
		PL_CHECK(sdfu_boot_trailer_read(dev.boot.slot[dev.boot.active_slot], dev.mode, &tr) == 0);
		/* an unconfirmed test image is reverted at the next reset */
		exp_next = maj == 2 && tr.image_ok != SDFU_BOOT_FLAG_SET ? EXP_OLD
								       : (maj == 2 ? EXP_NEW : EXP_OLD);
		if (maj == 1 && is_swap()) {
			PL_CHECK(tr.image_ok == SDFU_BOOT_FLAG_SET || tr.magic == SDFU_BOOT_MAGIC_UNSET);
		}
		break;
	default:
		exp_next = maj == 2 ? EXP_NEW : EXP_OLD;
		break;
	}
}

/* Let background work (config-channel erase, lock timeouts) finish. */
static void pump_idle(void)
{
	for (unsigned i = 0; i < 400 && !pl_dead() && (dev.st.cfgchan.erasing || dev.st.cfgchan.storing); i++) {
		pl_run(50);
	}
	if (!pl_dead() && dev.full) {
		pl_run(SDFU_DFU_MCUMGR_TIMEOUT_MS + 10); /* lock timeouts expire */
	}
}

static void reset_device(void)
{
	int64_t rc = pl_cmd(SDFU_SMP_OP_WRITE, SDFU_SMP_GROUP_OS, SDFU_OS_ID_RESET);

	if (pl_dead()) {
		return;
	}
	PL_CHECK(rc == 0);
	pl_run(SDFU_OS_RESET_DELAY_MS); /* the reset timer fires (fake port counts it) */
	if (pl_dead()) {
		return;
	}
	boot_and_check();
}

/* One config-channel transfer of the new image, then the reboot request. */
static void cc_step(void)
{
	uint32_t crc = sdfu_crc32(0, img_new.buf, img_new.len);
	unsigned done0 = dev.st.cfgchan.stats.completions;
	int rc;

	pump_idle();
	if (pl_dead()) {
		return;
	}
	rc = sdfu_dfu_cfgchan_start(&dev.st.cfgchan, (uint32_t)img_new.len, crc, 0);
	if (rc == SDFU_ERR_BUSY) {
		pump_idle();
		return;
	}
	PL_CHECK(rc == 0);
	exp_next = EXP_ANY; /* completion writes the upgrade request from a timer */
	for (uint32_t off = 0; off < img_new.len && !pl_dead();) {
		uint32_t n = (uint32_t)img_new.len - off;

		if (n > SDFU_DFU_CFGCHAN_SYNC_BUFFER_SIZE) {
			n = SDFU_DFU_CFGCHAN_SYNC_BUFFER_SIZE;
		}
		PL_CHECK(sdfu_dfu_cfgchan_data(&dev.st.cfgchan, img_new.buf + off, n) == 0);
		off += n;
		pl_run(SDFU_DFU_CFGCHAN_STORE_DELAY_MS + 1);
		if (!pl_dead() && !dev.st.cfgchan.active && off < img_new.len) {
			return; /* the transfer failed (flash error): start over */
		}
	}
	if (pl_dead()) {
		return;
	}
	PL_CHECK(dev.st.cfgchan.stats.completions == done0 + 1);
	PL_CHECK(dev.st.cfgchan.stats.flash_errors == 0);
	exp_next = EXP_NEW;
	PL_CHECK(sdfu_dfu_cfgchan_reboot(&dev.st.cfgchan));
	pl_run(SDFU_DFU_CFGCHAN_REBOOT_DELAY_MS + 1);
	if (!pl_dead()) {
		boot_and_check();
	}
}

/* Drive the scenario's goal; returns when it holds. */
static void flow(void)
{
	for (unsigned step = 0; step < 80; step++) {
		struct pl_entry e[2];
		int64_t rc;
		int act, oth;
		bool uploaded;

		if (pl_dead()) {
			boot_and_check();
			continue;
		}
		if (sc->kind == K_CC) {
			if (dev.booted_major == 2) {
				new_confirmed = !is_xip(); /* confirmed at boot */
				return;
			}
			cc_step();
			continue;
		}
		if (dev.full && (dev.st.cfgchan.erasing || dev.st.cfgchan.storing)) {
			pump_idle();
			continue;
		}
		if (!pl_state(e, &rc)) {
			if (pl_dead()) {
				continue;
			}
			PL_CHECK(rc == SDFU_MGMT_EACCESSDENIED && dev.full);
			pump_idle();
			continue;
		}
		act = e[0].active ? 0 : 1;
		oth = 1 - act;
		PL_CHECK(e[act].active && e[act].major == dev.booted_major);
		switch (sc->kind) {
		case K_REVERT:
			if (e[act].major == 1) {
				PL_CHECK(is_xip() || e[act].confirmed);
				return;
			}
			reset_device();
			continue;
		case K_ERASE:
			rc = pl_cmd(SDFU_SMP_OP_WRITE, SDFU_SMP_GROUP_IMG, SDFU_IMG_ID_ERASE);
			if (pl_dead()) {
				continue;
			}
			PL_CHECK(rc == 0);
			return;
		default:
			break;
		}
		if (e[act].major == 2) {
			bool need = is_swap() || dev.mode == SDFU_BOOT_MODE_DIRECT_XIP_REVERT;

			if (need && !e[act].confirmed) {
				if (exp_next != EXP_NEW) {
					exp_next = EXP_ANY;
				}
				rc = pl_state_write(NULL, true);
				if (pl_dead()) {
					continue;
				}
				PL_CHECK(rc == 0);
				exp_next = EXP_NEW;
				new_confirmed = true;
				continue;
			}
			new_confirmed = need;
			return;
		}
		uploaded = !force_upload && e[oth].present &&
			   memcmp(e[oth].hash, img_new.tlv_hash, 32) == 0;
		if (uploaded && (e[oth].pending || dev.mode == SDFU_BOOT_MODE_DIRECT_XIP)) {
			reset_device();
			continue;
		}
		if (uploaded) {
			exp_next = EXP_ANY;
			rc = pl_state_write(e[oth].hash, sc->kind == K_PERM);
			if (pl_dead()) {
				continue;
			}
			if (rc != 0) {
				/* a trailer torn by an earlier cut (the device erases the slot,
				 * as MCUboot boot_set_next does) or an image torn inside: the
				 * request is refused; the client uploads again */
				PL_CHECK(pl_slot_erased(oth) || pl_slot_no_image(oth));
				exp_next = EXP_OLD;
				force_upload = true;
				continue;
			}
			exp_next = EXP_NEW;
			continue;
		}
		if (is_xip()) {
			exp_next = EXP_ANY;
		}
		rc = pl_upload(&img_new);
		if (pl_dead()) {
			continue;
		}
		PL_CHECK(rc == 0 || (rc == SDFU_MGMT_EACCESSDENIED && dev.full));
		if (rc == 0) {
			force_upload = false;
		}
		if (rc == 0 && dev.mode == SDFU_BOOT_MODE_DIRECT_XIP) {
			exp_next = EXP_NEW;
		}
	}
	PL_CHECK(0 && "the flow does not reach its goal");
}

/* After the goal: stable on reboot, slot contents, flash rules, the server still works. */
static void final_checks(void)
{
	int goal = sc->kind == K_REVERT || sc->kind == K_ERASE ? 1 : 2;
	int act, oth;

	sim_flash_disarm(&dev.f);
	cuts_left = 0;
	pump_idle();
	PL_CHECK(!pl_dead());
	boot_and_check();
	PL_CHECK(!pl_dead());
	PL_CHECK(dev.booted_major == goal);
	act = dev.rep.booted_slot;
	oth = 1 - act;
	pump_idle();
	switch (sc->kind) {
	case K_UPDATE:
	case K_PERM:
		if (dev.mode != SDFU_BOOT_MODE_OVERWRITE_ONLY) {
			PL_CHECK(pl_slot_equals(oth, &img_old));
		} else {
			/* the copy erases the secondary's header sector, then its trailer */
			PL_CHECK(pl_slot_no_image(oth) || pl_slot_equals(oth, &img_new));
			if (pl_slot_no_image(oth)) {
				/* real MCUboot erases the secondary's header sector, then its
				 * trailer: a cut in between leaves a test request over no image
				 * (tests/golden), which the upload refuses until an erase */
				PL_CHECK(pl_cmd(SDFU_SMP_OP_WRITE, SDFU_SMP_GROUP_IMG, SDFU_IMG_ID_ERASE) == 0);
			}
		}
		break;
	case K_REVERT:
		PL_CHECK(is_xip() ? pl_slot_no_image(oth) : pl_slot_equals(oth, &img_new));
		break;
	case K_ERASE:
		PL_CHECK(pl_slot_erased(oth));
		break;
	case K_CC:
	case K_FULL:
		/* the config channel cleans the update slot at boot */
		PL_CHECK(pl_slot_erased(dev.boot.active_slot == 1 ? 0 : 1));
		break;
	}
	PL_CHECK(dev.f.stats.violations == 0);
	PL_CHECK(pl_echo() == 0);
	PL_CHECK(pl_upload(&img_v3) == 0);
	PL_CHECK(pl_slot_equals(oth, &img_v3));
	PL_CHECK(dev.f.stats.violations == 0);
	PL_CHECK(!pl_dead());
}

/* Start state of a scenario: the old image confirmed in slot 0 and per scenario more. */
static void prepare(void)
{
	const struct sdfu_flash_area *p = sim_flash_area(&dev.f, SDFU_FA_PRIMARY);
	const struct sdfu_flash_area *s = sim_flash_area(&dev.f, SDFU_FA_SECONDARY);
	struct sim_boot_report rep;
	struct sim_boot_cfg cfg = {.mode = dev.mode};

	assert_int_equal(sim_boot_write_image(&dev.f, SDFU_FA_PRIMARY, img_old.buf, img_old.len), 0);
	assert_int_equal(sdfu_boot_confirm(p, dev.mode), 0);
	switch (sc->kind) {
	case K_UPDATE:
	case K_PERM:
	case K_FULL:
	case K_ERASE:
		/* a leftover older image in the update slot: the upload must clean it */
		assert_int_equal(sim_boot_write_image(&dev.f, SDFU_FA_SECONDARY, img_v3.buf,
						      img_v3.len), 0);
		break;
	case K_REVERT:
		/* the new image was test-booted and not confirmed: the flow's boot reverts */
		assert_int_equal(sim_boot_write_image(&dev.f, SDFU_FA_SECONDARY, img_new.buf,
						      img_new.len), 0);
		if (is_xip()) {
			assert_int_equal(sdfu_boot_set_next(s, dev.mode, false, false), 0);
		} else {
			assert_int_equal(sdfu_boot_request_upgrade(s, dev.mode, false), 0);
		}
		assert_int_equal(sim_boot_run_ex(&dev.f, &cfg, NULL, &rep), 0);
		assert_int_equal(rep.booted_ver.major, 2);
		break;
	case K_CC:
		break;
	}
}

/* One run from the snapshot: optional cut at op `cut` (0 = clean), optional extra cuts. */
static uint64_t one_run(const struct sim_flash_snapshot *snap, uint64_t cut, uint32_t param,
			unsigned extra)
{
	uint64_t n;

	assert_int_equal(sim_flash_snapshot_restore(&dev.f, snap), 0);
	sim_flash_power_on(&dev.f);
	sim_flash_stats_reset(&dev.f);
	fake_port_reset_state();
	exp_next = EXP_OLD;
	new_confirmed = false;
	force_upload = false;
	cuts_left = extra;
	if (cut != 0) {
		sim_flash_cut_at(&dev.f, cut, pl_cut_kinds[cut_ci].mode, param);
	} else {
		sim_flash_disarm(&dev.f);
	}
	boot_and_check();
	flow();
	n = sim_flash_ops(&dev.f);
	PL_CHECK(cut == 0 || dev.f.cut_happened || dev.powerfails > 0);
	final_checks();
	return n;
}

/* ---- the matrix (pl_runner.h) -------------------------------------------------------- */
static struct sim_flash_snapshot snap;

static const char *scen_name(unsigned s)
{
	return scens[s].name;
}

static unsigned scen_modes(unsigned s, const enum sdfu_boot_mode **modes)
{
	*modes = scens[s].modes;
	return scens[s].nmodes;
}

static bool in_default(unsigned s, unsigned g, unsigned c)
{
	if (!scens[s].in_default) {
		return false;
	}
	/* big1m (slow: 300 KiB uploads) by default only for the main update flow, atomic cuts */
	return pl_geometries[g].in_default || (scens[s].kind == K_UPDATE && c == 0);
}

static void geometry_begin(unsigned g)
{
	struct sim_flash f;
	uint32_t ssize;
	unsigned align;

	assert_int_equal(sim_flash_open(&f, sim_layout_get(pl_geometries[g].layout), NULL), 0);
	ssize = f.areas[SDFU_FA_SECONDARY].size;
	align = f.dev.write_align;
	sim_flash_close(&f);
	pl_image_make(&img_old, geoms[g].b1, 100 + g, "1.0.0", 1, ssize, align);
	pl_image_make(&img_new, geoms[g].b2, 200 + g, "2.0.0", 2, ssize, align);
	pl_image_make(&img_v3, geoms[g].b3, 300 + g, "0.9.0", 0, ssize, align);
}

static void geometry_end(unsigned g)
{
	(void)g;
	pl_image_free(&img_old);
	pl_image_free(&img_new);
	pl_image_free(&img_v3);
}

static void group_begin(const struct pl_cell *cell, struct pl_plan *plan)
{
	memset(&dev, 0, sizeof(dev));
	sc = &scens[cell->scenario];
	dev.mode = cell->mode;
	dev.full = sc->full;
	cut_ci = cell->cut;
	assert_int_equal(sim_flash_open(&dev.f, sim_layout_get(pl_geometries[cell->geometry].layout),
					NULL), 0);
	prepare();
	assert_int_equal(sim_flash_snapshot_take(&dev.f, &snap), 0);
	plan->sample = 12;
	plan->keep_first = 1;
	plan->seeds = pl_opts()->full ? 4u : 1u;
}

static bool run_case(const struct pl_cell *cell, struct pl_case *c)
{
	dev.powerfails = 0;
	switch (c->kind) {
	case PL_CASE_CLEAN:
		c->ops = one_run(&snap, 0, 0, 0);
		return dev.powerfails == 0;
	case PL_CASE_CUT:
		(void)one_run(&snap, c->cut, pl_cut_kinds[cell->cut].param, 0);
		return true;
	case PL_CASE_SEED:
	default: {
		uint64_t first;
		uint32_t param;

		rng = c->seed * 0x9E3779B9u + (uint32_t)c->ops;
		cut_span = c->ops;
		first = 1 + xorshift() % c->ops;
		param = 1 + xorshift() % 99u;
		(void)one_run(&snap, first, param, 2);
		return true;
	}
	}
}

static void group_end(const struct pl_cell *cell)
{
	(void)cell;
	sim_flash_snapshot_free(&snap);
	sim_flash_close(&dev.f);
	memset(&dev.f, 0, sizeof(dev.f));
}

static const struct pl_matrix matrix =
	PL_MATRIX("dfu power-loss", sizeof(scens) / sizeof(scens[0]), 100, false);

int main(void)
{
	return pl_main(&matrix);
}
