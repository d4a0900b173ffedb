/* SPDX-License-Identifier: Apache-2.0 */
/* Power loss at every flash operation of whole DFU flows: SMP upload, test, swap, confirm, revert, erase, config channel. */
#include "pl_device.h"

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
 * Ids: "<scenario>:<geometry>:<mode>:<cut-type>:cut=<i>" and "...:seed=<s>"; a failure
 * prints its id; SDFU_PL_ONLY=<id or prefix> replays (the same variable as
 * test_swap_powerloss). SDFU_PL_SAMPLE=k: cut points per group in the default run
 * (default 12); SDFU_PL_RANDOM=n: random seeds per group (default 1, 4 with FULL);
 * SDFU_PL_VERBOSE=1 prints one line per group (the table of scripts/powerloss-full.sh).
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

static const struct {
	const char *layout;
	size_t b1, b2, b3; /* body sizes of v1 (old), v2 (new), v3 (the upload after recovery) */
	bool in_default;
} geoms[] = {
	{"nrf52840", 9000, 13000, 3000, true},
	{"mixed8", 30000, 20000, 3000, true},
	{"large128k", 150000, 100000, 3000, true},
	{"big1m", 150000, 300000, 3000, false},
};

static const struct {
	enum sim_flash_cut_mode mode;
	uint32_t param;
	const char *name;
	bool in_default;
} cuts[] = {
	{SIM_FLASH_CUT_ATOMIC, 0, "atomic", true},
	{SIM_FLASH_CUT_TORN_WRITE, 25, "torn25", true},
	{SIM_FLASH_CUT_TORN_WRITE, 75, "torn75", true},
	{SIM_FLASH_CUT_PARTIAL_ERASE, 10, "partial10", true},
	{SIM_FLASH_CUT_PARTIAL_ERASE, 90, "partial90", true},
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

static bool full_run(void)
{
	const char *full = getenv("SDFU_PL_FULL");

	return full != NULL && full[0] == '1';
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
		sim_flash_cut_at(&dev.f, 1 + xorshift() % cut_span, cuts[cut_ci].mode,
				 1 + xorshift() % 99u);
	}
	rc = pl_boot();
	if (rc == SDFU_ERR_POWERLOSS) {
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
		pl_run(SDFU_CONFIG_DFU_MCUMGR_TIMEOUT_MS + 10); /* lock timeouts expire */
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
	uint32_t crc = sdfu_dfu_cfgchan_crc32(0, img_new.buf, img_new.len);
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

		if (n > SDFU_CONFIG_DFU_CFGCHAN_SYNC_BUFFER_SIZE) {
			n = SDFU_CONFIG_DFU_CFGCHAN_SYNC_BUFFER_SIZE;
		}
		PL_CHECK(sdfu_dfu_cfgchan_data(&dev.st.cfgchan, img_new.buf + off, n) == 0);
		off += n;
		pl_run(SDFU_CONFIG_DFU_CFGCHAN_STORE_DELAY_MS + 1);
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
	pl_run(SDFU_CONFIG_DFU_CFGCHAN_REBOOT_DELAY_MS + 1);
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
			/* the copy erases the secondary's trailer, then its header: a cut
			 * in between leaves the (unscheduled) new image there */
			PL_CHECK(pl_slot_no_image(oth) || pl_slot_equals(oth, &img_new));
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

/* SDFU_PL_ONLY: an exact id ("...:cut=N" / "...:seed=N") or a prefix. */
static bool selected(const char *id)
{
	const char *only = getenv("SDFU_PL_ONLY");

	if (only == NULL || only[0] == '\0') {
		return true;
	}
	if (strstr(only, "cut=") != NULL || strstr(only, "seed=") != NULL) {
		return strcmp(id, only) == 0;
	}
	return strncmp(id, only, strlen(only)) == 0;
}

static bool group_selected(const char *base)
{
	const char *only = getenv("SDFU_PL_ONLY");

	return only == NULL || only[0] == '\0' || strncmp(base, only, strlen(only)) == 0 ||
	       strncmp(only, base, strlen(base)) == 0;
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
		sim_flash_cut_at(&dev.f, cut, cuts[cut_ci].mode, param);
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

struct group_result {
	uint64_t ops, cuts, seeds, failed;
};

/* one_run() under the case jump: false when a check failed (already reported) */
static bool run_case(const struct sim_flash_snapshot *snap, uint64_t cut, uint32_t param,
		     unsigned extra, uint64_t *n)
{
	uint64_t ops = 0;

	if (setjmp(pl_case_jmp) != 0) {
		pl_case_armed = false;
		return false;
	}
	pl_case_armed = true;
	ops = one_run(snap, cut, param, extra);
	pl_case_armed = false;
	if (n != NULL) {
		*n = ops;
	}
	return true;
}

static struct group_result run_group(unsigned gi, unsigned ci)
{
	static char id[200];
	char base[160];
	struct sim_flash_snapshot snap;
	struct group_result res = {0, 0, 0, 0};
	bool full = full_run();
	const char *s_env = getenv("SDFU_PL_SAMPLE");
	const char *r_env = getenv("SDFU_PL_RANDOM");
	uint64_t sample = s_env ? strtoull(s_env, NULL, 0) : 12u;
	unsigned seeds = r_env ? (unsigned)strtoul(r_env, NULL, 0) : (full ? 4u : 1u);
	uint64_t n;

	snprintf(base, sizeof(base), "%s:%s:%s:%s", sc->name, geoms[gi].layout,
		 sim_boot_mode_name(dev.mode), cuts[ci].name);
	if (!group_selected(base)) {
		return res;
	}
	cut_ci = ci;
	assert_int_equal(sim_flash_open(&dev.f, sim_layout_get(geoms[gi].layout), NULL), 0);
	prepare();
	assert_int_equal(sim_flash_snapshot_take(&dev.f, &snap), 0);
	cur_id = base;
	dev.powerfails = 0;
	n = 0;
	if (!run_case(&snap, 0, 0, 0, &n) || dev.powerfails != 0) {
		fprintf(stderr, "POWERLOSS FAILURE id=%s: the clean run fails\n", base);
		pl_failures++;
		res.failed++;
		n = 0; /* no cut points without a clean reference */
	}
	res.ops = n;
	for (uint64_t i = 1; i <= n; i++) {
		/* default: `sample` points spread over 1..N (first and last included) */
		if (!full && getenv("SDFU_PL_ONLY") == NULL && sample > 0 && n > sample &&
		    i != 1 && i != n && (i % ((n + sample - 1) / sample)) != 0) {
			continue;
		}
		snprintf(id, sizeof(id), "%s:cut=%llu", base, (unsigned long long)i);
		if (!selected(id)) {
			continue;
		}
		cur_id = id;
		dev.powerfails = 0;
		res.failed += !run_case(&snap, i, cuts[ci].param, 0, NULL);
		res.cuts++;
	}
	for (unsigned seed = 1; seed <= seeds && n > 0; seed++) {
		snprintf(id, sizeof(id), "%s:seed=%u", base, seed);
		if (!selected(id)) {
			continue;
		}
		cur_id = id;
		rng = seed * 0x9E3779B9u + (uint32_t)n;
		cut_span = n;
		dev.powerfails = 0;
		{
			uint64_t first = 1 + xorshift() % n;
			uint32_t param = 1 + xorshift() % 99u;

			res.failed += !run_case(&snap, first, param, 2, NULL);
		}
		res.seeds++;
	}
	sim_flash_snapshot_free(&snap);
	sim_flash_close(&dev.f);
	memset(&dev.f, 0, sizeof(dev.f));
	if (getenv("SDFU_PL_VERBOSE") != NULL) {
		fprintf(stderr, "PLROW %s %s %s %s ops=%llu cuts=%llu seeds=%llu failed=%llu\n",
			sc->name, geoms[gi].layout, sim_boot_mode_name(dev.mode), cuts[ci].name,
			(unsigned long long)res.ops, (unsigned long long)res.cuts,
			(unsigned long long)res.seeds, (unsigned long long)res.failed);
	}
	return res;
}

static void make_image(struct pl_image *im, size_t body, uint32_t seed, const char *ver, int major,
		       uint32_t slot_size, unsigned align)
{
	struct ib_sign_opts o = {0};
	uint8_t *b = ib_body(body, seed);
	struct sdfu_sha256 h;

	o.slot_size = slot_size;
	o.align = align;
	o.version = ver;
	assert_int_equal(ib_sign(&o, b, body, &im->buf, &im->len, NULL), 0);
	free(b);
	im->major = major;
	pl_image_hash(im);
	assert_int_equal(sdfu_sha256_start(&h), 0);
	assert_int_equal(sdfu_sha256_update(&h, im->buf, im->len), 0);
	assert_int_equal(sdfu_sha256_finish(&h, im->file_sha), 0);
}

static void test_dfu_powerloss(void **state)
{
	uint64_t groups = 0, cutsn = 0, seeds = 0;
	bool full = full_run();
	bool only = getenv("SDFU_PL_ONLY") != NULL;

	(void)state;
	for (unsigned gi = 0; gi < sizeof(geoms) / sizeof(geoms[0]); gi++) {
		struct sim_flash f;
		uint32_t ssize;
		unsigned align;

		assert_int_equal(sim_flash_open(&f, sim_layout_get(geoms[gi].layout), NULL), 0);
		ssize = f.areas[SDFU_FA_SECONDARY].size;
		align = f.dev.write_align;
		sim_flash_close(&f);
		make_image(&img_old, geoms[gi].b1, 100 + gi, "1.0.0", 1, ssize, align);
		make_image(&img_new, geoms[gi].b2, 200 + gi, "2.0.0", 2, ssize, align);
		make_image(&img_v3, geoms[gi].b3, 300 + gi, "0.9.0", 0, ssize, align);
		for (unsigned s = 0; s < sizeof(scens) / sizeof(scens[0]); s++) {
			sc = &scens[s];
			if (!full && !only && !sc->in_default) {
				continue;
			}
			/* big1m (slow: 300 KiB uploads) by default only for the main update flow */
			if (!full && !only && !geoms[gi].in_default && sc->kind != K_UPDATE) {
				continue;
			}
			for (unsigned mi = 0; mi < sc->nmodes; mi++) {
				for (unsigned ci = 0; ci < sizeof(cuts) / sizeof(cuts[0]); ci++) {
					struct group_result r;

					if (!full && !only && (!cuts[ci].in_default ||
							       (!geoms[gi].in_default && ci != 0))) {
						continue;
					}
					memset(&dev, 0, sizeof(dev));
					dev.mode = sc->modes[mi];
					dev.full = sc->full;
					r = run_group(gi, ci);
					groups += r.ops > 0;
					cutsn += r.cuts;
					seeds += r.seeds;
				}
			}
		}
		free(img_old.buf);
		free(img_new.buf);
		free(img_v3.buf);
	}
	fprintf(stderr, "dfu power-loss: %llu groups, %llu cut points, %llu random multi-cut runs\n",
		(unsigned long long)groups, (unsigned long long)cutsn, (unsigned long long)seeds);
	if (pl_failures > 0) {
		fprintf(stderr, "dfu power-loss: %u failed checks (ids above; replay with SDFU_PL_ONLY=<id>)\n",
			pl_failures);
	}
	assert_int_equal(pl_failures, 0);
	if (!only) {
		assert_true(cutsn > 100);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dfu_powerloss),
	};
	int rc;

	fake_port_reset_state();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (rc != 0 && pl_failures == 0) {
		/* an assert inside a helper: the last case that ran */
		fprintf(stderr, "POWERLOSS FAILURE id=%s (last case run)\n", cur_id);
	}
	return rc;
}
