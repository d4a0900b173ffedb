/* SPDX-License-Identifier: Apache-2.0 */
/* Power loss at every flash operation of a boot-time swap/overwrite/revert, on every geometry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/sim_boot.h"
#include "flash/sim_flash.h"
#include "image_builder.h"
#include "pl_runner.h"
#include "sdfu/boot.h"
#include "sdfu/err.h"

/*
 * For each scenario x geometry x cut mode: prepare the flash, snapshot it, run the
 * bootloader once to count its mutating flash ops N, then for each cut point i
 * (by default about 97 evenly spread ones plus the last, every op when N is smaller;
 * for the "big" scenarios the first 20 plus about 10 spread over the rest;
 * SDFU_PL_FULL=1 for all of 1..N, SDFU_PL_SAMPLE=k for k per group): restore, cut power at op i,
 * boot (must report the power loss), power on, boot again to completion and check
 * that exactly the expected image boots, both slots hold the expected bytes, the
 * primary trailer is in the expected state and no flash rule was violated.
 * The runner (pl_runner.h) crosses the scenarios with the geometries and cut kinds and
 * gives the ids: a failure prints its id, e.g. "test:nrf52840:swap-move:torn25:cut=37";
 * run SDFU_PL_ONLY=<id> to replay just that case (or an id prefix to replay a group).
 */

enum expect_trailer { TR_ANY, TR_TEST_DONE, TR_CONFIRMED, TR_COPIED_TEST };

struct imgs {
	uint8_t *v1, *v2;
	size_t l1, l2;
	uint8_t *big1, *big2; /* images ending inside the sector that holds the trailer */
	size_t lb1, lb2;
};

struct scenario {
	const char *name;
	enum sdfu_boot_mode mode;
	void (*prepare)(struct sim_flash *f, const struct imgs *im, enum sdfu_boot_mode mode);
	int booted_major;          /* expected version after recovery */
	int booted_slot;
	int primary_is;            /* 1 or 2: image expected in the primary slot */
	int secondary_is;          /* 0 = not checked, 1 or 2 */
	enum expect_trailer tr;
	int next_major;            /* version booted on the following boot */
	/* optional application step run (under the same cut) before the boot; with it the
	 * expectations are "either": booted_major/next_major 0 accept v1 or v2 with
	 * matching slot bytes */
	int (*action)(struct sim_flash *f, enum sdfu_boot_mode mode);
	bool big; /* use the big images (v1/v2 versions, trailer-sector swap) */
};

static int boot(struct sim_flash *f, enum sdfu_boot_mode mode, struct sim_boot_report *rep)
{
	struct sim_boot_cfg cfg = { .mode = mode };

	return sim_boot_run_ex(f, &cfg, NULL, rep);
}

static void put(struct sim_flash *f, enum sdfu_flash_area_id id, const uint8_t *b, size_t l)
{
	assert_int_equal(sim_boot_write_image(f, id, b, l), 0);
}

static void prep_test(struct sim_flash *f, const struct imgs *im, enum sdfu_boot_mode mode)
{
	put(f, SDFU_FA_PRIMARY, im->v1, im->l1);
	put(f, SDFU_FA_SECONDARY, im->v2, im->l2);
	assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(f, SDFU_FA_SECONDARY), mode, false), 0);
}

static void prep_perm(struct sim_flash *f, const struct imgs *im, enum sdfu_boot_mode mode)
{
	put(f, SDFU_FA_PRIMARY, im->v1, im->l1);
	put(f, SDFU_FA_SECONDARY, im->v2, im->l2);
	assert_int_equal(sdfu_boot_request_upgrade(sim_flash_area(f, SDFU_FA_SECONDARY), mode, true), 0);
}

/* After a completed test swap: the boot under test is the revert. */
static void prep_revert(struct sim_flash *f, const struct imgs *im, enum sdfu_boot_mode mode)
{
	struct sim_boot_report rep;

	prep_test(f, im, mode);
	assert_int_equal(boot(f, mode, &rep), 0);
	assert_int_equal(rep.booted_ver.major, 2);
}

/* Direct-XIP with revert: v2 tried once (copy_done set) and not confirmed. */
static void prep_dxip_revert(struct sim_flash *f, const struct imgs *im, enum sdfu_boot_mode mode)
{
	struct sim_boot_report rep;
	const struct sdfu_flash_area *p = sim_flash_area(f, SDFU_FA_PRIMARY);

	put(f, SDFU_FA_PRIMARY, im->v1, im->l1);
	assert_int_equal(sdfu_boot_confirm(p, mode), 0);
	put(f, SDFU_FA_SECONDARY, im->v2, im->l2);
	assert_int_equal(sdfu_boot_set_next(sim_flash_area(f, SDFU_FA_SECONDARY), mode, false, false), 0);
	assert_int_equal(boot(f, mode, &rep), 0);
	assert_int_equal(rep.booted_slot, 1);
}

/* v2 uploaded into the secondary, not yet requested. */
static void prep_uploaded(struct sim_flash *f, const struct imgs *im, enum sdfu_boot_mode mode)
{
	(void)mode;
	put(f, SDFU_FA_PRIMARY, im->v1, im->l1);
	put(f, SDFU_FA_SECONDARY, im->v2, im->l2);
}

static int act_request_test(struct sim_flash *f, enum sdfu_boot_mode mode)
{
	return sdfu_boot_request_upgrade(sim_flash_area(f, SDFU_FA_SECONDARY), mode, false);
}

static int act_request_perm(struct sim_flash *f, enum sdfu_boot_mode mode)
{
	return sdfu_boot_request_upgrade(sim_flash_area(f, SDFU_FA_SECONDARY), mode, true);
}

static int act_confirm(struct sim_flash *f, enum sdfu_boot_mode mode)
{
	return sdfu_boot_confirm(sim_flash_area(f, SDFU_FA_PRIMARY), mode);
}

static const struct scenario scenarios[] = {
	{ "test", SDFU_BOOT_MODE_SWAP_MOVE, prep_test, 2, 0, 2, 1, TR_TEST_DONE, 1, NULL, false },
	{ "perm", SDFU_BOOT_MODE_SWAP_MOVE, prep_perm, 2, 0, 2, 1, TR_CONFIRMED, 2, NULL, false },
	{ "revert", SDFU_BOOT_MODE_SWAP_MOVE, prep_revert, 1, 0, 1, 2, TR_CONFIRMED, 1, NULL, false },
	{ "overwrite", SDFU_BOOT_MODE_OVERWRITE_ONLY, prep_test, 2, 0, 2, 0, TR_COPIED_TEST, 2, NULL, false },
	{ "dxip-revert", SDFU_BOOT_MODE_DIRECT_XIP_REVERT, prep_dxip_revert, 1, 0, 1, 0, TR_ANY, 1, NULL, false },
	{ "test", SDFU_BOOT_MODE_SWAP_SCRATCH, prep_test, 2, 0, 2, 1, TR_TEST_DONE, 1, NULL, false },
	{ "perm", SDFU_BOOT_MODE_SWAP_SCRATCH, prep_perm, 2, 0, 2, 1, TR_CONFIRMED, 2, NULL, false },
	{ "revert", SDFU_BOOT_MODE_SWAP_SCRATCH, prep_revert, 1, 0, 1, 2, TR_CONFIRMED, 1, NULL, false },
	{ "big-test", SDFU_BOOT_MODE_SWAP_SCRATCH, prep_test, 2, 0, 2, 1, TR_TEST_DONE, 1, NULL, true },
	{ "big-revert", SDFU_BOOT_MODE_SWAP_SCRATCH, prep_revert, 1, 0, 1, 2, TR_CONFIRMED, 1, NULL, true },
	{ "request-test", SDFU_BOOT_MODE_SWAP_MOVE, prep_uploaded, 0, 0, 0, 0, TR_ANY, 0, act_request_test, false },
	{ "request-perm", SDFU_BOOT_MODE_SWAP_MOVE, prep_uploaded, 0, 0, 0, 0, TR_ANY, 0, act_request_perm, false },
	{ "confirm", SDFU_BOOT_MODE_SWAP_MOVE, prep_revert, 0, 0, 0, 0, TR_ANY, 0, act_confirm, false },
	{ "ow-request", SDFU_BOOT_MODE_OVERWRITE_ONLY, prep_uploaded, 0, 0, 0, 0, TR_ANY, 0, act_request_test, false },
};

/* image body sizes per geometry (pl_geometries order; big1m: SDFU_PL_FULL=1 or SDFU_PL_ONLY only) */
static const struct {
	size_t b1, b2; /* body sizes of v1 and v2 */
	uint32_t tail1, tail2; /* big images: bytes past the start of the trailer sector */
} geoms[PL_GEOMETRY_COUNT] = {
	{ 9000, 13000, 1000, 2000 },     /* nrf52840 */
	{ 30000, 20000, 4000, 9000 },    /* mixed8 */
	{ 150000, 100000, 50000, 20000 }, /* large128k */
	{ 150000, 300000, 3000, 6000 },  /* big1m */
};

static bool slot_equals(struct sim_flash *f, enum sdfu_flash_area_id id, const uint8_t *b, size_t l)
{
	uint8_t *buf = malloc(l);
	bool eq = sim_flash_peek(f, f->areas[id].off, buf, l) == 0 && memcmp(buf, b, l) == 0;

	free(buf);
	return eq;
}

static void verify(struct sim_flash *f, const struct scenario *sc, const struct imgs *im,
		   const struct sim_boot_report *rep)
{
	struct sdfu_boot_trailer tr;
	const struct sdfu_flash_area *p = sim_flash_area(f, SDFU_FA_PRIMARY);

	PL_CHECK(rep->booted_slot == sc->booted_slot);
	if (sc->booted_major == 0) {
		/* either outcome, but the slots must hold intact images accordingly */
		int got = rep->booted_ver.major;

		PL_CHECK(got == 1 || got == 2);
		PL_CHECK(slot_equals(f, SDFU_FA_PRIMARY, got == 1 ? im->v1 : im->v2,
				     got == 1 ? im->l1 : im->l2));
		if (sc->mode != SDFU_BOOT_MODE_OVERWRITE_ONLY) {
			PL_CHECK(slot_equals(f, SDFU_FA_SECONDARY, got == 1 ? im->v2 : im->v1,
					     got == 1 ? im->l2 : im->l1));
		}
		PL_CHECK(f->stats.violations == 0);
		return;
	}
	PL_CHECK(rep->booted_ver.major == sc->booted_major);
	PL_CHECK(slot_equals(f, SDFU_FA_PRIMARY, sc->primary_is == 1 ? im->v1 : im->v2,
			     sc->primary_is == 1 ? im->l1 : im->l2));
	if (sc->secondary_is != 0) {
		PL_CHECK(slot_equals(f, SDFU_FA_SECONDARY, sc->secondary_is == 1 ? im->v1 : im->v2,
				     sc->secondary_is == 1 ? im->l1 : im->l2));
	}
	PL_CHECK(sdfu_boot_trailer_read(p, sc->mode, &tr) == 0);
	switch (sc->tr) {
	case TR_TEST_DONE:
		PL_CHECK(tr.magic == SDFU_BOOT_MAGIC_GOOD && tr.copy_done == SDFU_BOOT_FLAG_SET &&
			 tr.image_ok == SDFU_BOOT_FLAG_UNSET);
		break;
	case TR_CONFIRMED:
		PL_CHECK(tr.magic == SDFU_BOOT_MAGIC_GOOD && tr.copy_done == SDFU_BOOT_FLAG_SET &&
			 tr.image_ok == SDFU_BOOT_FLAG_SET);
		break;
	case TR_COPIED_TEST:
		/* overwrite-only copies the whole slot, the secondary's test request included
		 * (real MCUboot, checked by tests/golden); overwrite-only never sets copy_done */
		PL_CHECK(tr.magic == SDFU_BOOT_MAGIC_GOOD && tr.image_ok == SDFU_BOOT_FLAG_UNSET &&
			 tr.copy_done == SDFU_BOOT_FLAG_UNSET);
		break;
	default:
		break;
	}
	PL_CHECK(f->stats.violations == 0);
}

/* The step under test: the scenario's application action (if any), then a boot. */
static int first_boot(struct sim_flash *f, const struct scenario *sc, struct sim_boot_report *rep)
{
	if (sc->action != NULL) {
		int rc = sc->action(f, sc->mode);

		if (rc != 0) {
			return rc;
		}
	}
	return boot(f, sc->mode, rep);
}

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* ---- the matrix (pl_runner.h) -------------------------------------------------------- */
static struct imgs im_geom; /* the current geometry's images */
static struct sim_flash f;
static struct sim_flash_snapshot snap;

static const char *scen_name(unsigned s)
{
	return scenarios[s].name;
}

static unsigned scen_modes(unsigned s, const enum sdfu_boot_mode **modes)
{
	*modes = &scenarios[s].mode;
	return 1;
}

/* Default run: no big1m; the big groups without the two extra prefix variants. */
static bool in_default(unsigned s, unsigned g, unsigned c)
{
	return pl_geometries[g].in_default &&
	       !(scenarios[s].big && (pl_cut_kinds[c].param == 75 || pl_cut_kinds[c].param == 90));
}

static void geometry_begin(unsigned gi)
{
	struct ib_sign_opts o = { 0 };
	uint8_t *b1 = ib_body(geoms[gi].b1, 100 + gi), *b2 = ib_body(geoms[gi].b2, 200 + gi);
	struct imgs *im = &im_geom;
	struct sim_flash g;

	assert_int_equal(sim_flash_open(&g, sim_layout_get(pl_geometries[gi].layout), NULL), 0);
	o.slot_size = g.areas[SDFU_FA_SECONDARY].size;
	o.align = g.dev.write_align;
	sim_flash_close(&g);
	o.version = "1.0.0";
	assert_int_equal(ib_sign(&o, b1, geoms[gi].b1, &im->v1, &im->l1, NULL), 0);
	o.version = "2.0.0";
	assert_int_equal(ib_sign(&o, b2, geoms[gi].b2, &im->v2, &im->l2, NULL), 0);
	{
		/* big images: end inside the sector holding the trailer */
		struct sdfu_boot_trailer_layout lo;
		uint32_t tso, tss;
		size_t n1, n2;
		uint8_t *x1, *x2;

		assert_int_equal(sim_flash_open(&g, sim_layout_get(pl_geometries[gi].layout), NULL), 0);
		sdfu_boot_trailer_layout(sim_flash_area(&g, SDFU_FA_SECONDARY), SDFU_BOOT_MODE_SWAP_SCRATCH, &lo);
		assert_int_equal(sdfu_flash_area_sector(sim_flash_area(&g, SDFU_FA_SECONDARY), lo.status_off, &tso, &tss), 0);
		sim_flash_close(&g);
		n1 = tso - 0x200 + geoms[gi].tail1;
		n2 = tso - 0x200 + geoms[gi].tail2;
		x1 = ib_body(n1, 300 + gi);
		x2 = ib_body(n2, 400 + gi);
		o.version = "1.0.0";
		assert_int_equal(ib_sign(&o, x1, n1, &im->big1, &im->lb1, NULL), 0);
		o.version = "2.0.0";
		assert_int_equal(ib_sign(&o, x2, n2, &im->big2, &im->lb2, NULL), 0);
		assert_true(im->lb1 > tso && im->lb1 <= lo.status_off);
		assert_true(im->lb2 > tso && im->lb2 <= lo.status_off);
		free(x1);
		free(x2);
	}
	free(b1);
	free(b2);
}

static void geometry_end(unsigned gi)
{
	(void)gi;
	free(im_geom.v1);
	free(im_geom.v2);
	free(im_geom.big1);
	free(im_geom.big2);
	memset(&im_geom, 0, sizeof(im_geom));
}

/* The images a scenario uses: the big ones end inside the trailer sector. */
static struct imgs cell_images(const struct scenario *sc)
{
	struct imgs im = im_geom;

	if (sc->big) {
		im.v1 = im_geom.big1;
		im.l1 = im_geom.lb1;
		im.v2 = im_geom.big2;
		im.l2 = im_geom.lb2;
	}
	return im;
}

static void group_begin(const struct pl_cell *cell, struct pl_plan *plan)
{
	const struct scenario *sc = &scenarios[cell->scenario];
	struct imgs im = cell_images(sc);

	assert_int_equal(sim_flash_open(&f, sim_layout_get(pl_geometries[cell->geometry].layout), NULL), 0);
	sc->prepare(&f, &im, sc->mode);
	assert_int_equal(sim_flash_snapshot_take(&f, &snap), 0);
	/* Boots make MCUboot's ops (1024-byte copy chunks, per-sector erases, whole-slot
	 * overwrite), several hundred per boot, and every single cut of the real-MCUboot
	 * scenarios is checked op for op by tests/golden: by default 97 evenly spread cut
	 * points per group (plus the last one), every op with SDFU_PL_FULL=1; the "big"
	 * groups (~1000 ops) the first 20 plus about 10 spread over the rest. */
	plan->sample = sc->big ? 10u : 97u;
	plan->keep_first = sc->big ? 20u : 0u;
	plan->seeds = sc->big ? 2u : 8u;
	plan->seed_min_ops = 2;
}

/* Clean run: count the ops and check the oracle itself. */
static void clean_case(const struct scenario *sc, const struct imgs *im, struct pl_case *c)
{
	struct sim_boot_report rep;

	sim_flash_disarm(&f);
	sim_flash_stats_reset(&f);
	PL_CHECK(first_boot(&f, sc, &rep) == 0);
	c->ops = sim_flash_ops(&f);
	verify(&f, sc, im, &rep);
	PL_CHECK(boot(&f, sc->mode, &rep) == 0);
	PL_CHECK(sc->next_major == 0 || rep.booted_ver.major == sc->next_major);
}

/* Cuts that landed outside MCUboot's power-fail model (docs/TESTING.md), counted and reported. */
static unsigned mcuboot_limit_cases;

/*
 * The cut interrupted an erase in the scratch area part-way through a sector while the
 * scratch trailer still reads good. MCUboot erases the scratch sector by sector backwards
 * (bootutil swap_scratch.c) so that a cut *between* sectors never leaves a good scratch
 * trailer over missing data; a cut *inside* the sector holding the trailer does.
 */
static bool beyond_mcuboot_model(struct sim_flash *fl, unsigned ci)
{
	const struct sdfu_flash_area *scr = sim_flash_area(fl, SDFU_FA_SCRATCH);
	struct sdfu_boot_trailer tr;

	if (pl_cut_kinds[ci].mode != SIM_FLASH_CUT_PARTIAL_ERASE || !fl->cut_op_erase ||
	    scr == NULL || scr->size == 0u || fl->cut_op_off < scr->off ||
	    fl->cut_op_off >= scr->off + scr->size) {
		return false;
	}
	return sdfu_boot_trailer_read(scr, SDFU_BOOT_MODE_SWAP_SCRATCH, &tr) == 0 &&
	       tr.magic == SDFU_BOOT_MAGIC_GOOD;
}

/* One cut at op `i`: the boot reports the power loss, the next boot recovers. */
static void cut_case(const struct scenario *sc, const struct imgs *im, unsigned ci, uint64_t i)
{
	struct sim_boot_report rep;
	bool beyond;
	int rc;

	assert_int_equal(sim_flash_snapshot_restore(&f, &snap), 0);
	sim_flash_power_on(&f);
	sim_flash_stats_reset(&f);
	sim_flash_cut_at(&f, i, pl_cut_kinds[ci].mode, pl_cut_kinds[ci].param);
	rc = first_boot(&f, sc, &rep);
	PL_CHECK(f.cut_happened);
	PL_CHECK(rc == SDFU_ERR_IO && !f.powered);
	sim_flash_power_on(&f);
	beyond = beyond_mcuboot_model(&f, ci);
	rc = boot(&f, sc->mode, &rep);
	if (rc != 0 && beyond) {
		/* MCUboot assumes a sector erase completes or does not start: it resumes from
		 * the half-erased scratch and the primary fails validation. What must hold:
		 * nothing boots (no damaged image runs), and nothing else failed. */
		PL_CHECK(rc == SDFU_ERR_NOENT);
		PL_CHECK(f.stats.violations == 0);
		mcuboot_limit_cases++;
		fprintf(stderr, "MCUBOOT-LIMIT id=%s: partial scratch erase under a good scratch trailer, "
			"nothing boots\n", pl_cur_id);
		return;
	}
	PL_CHECK(rc == 0);
	verify(&f, sc, im, &rep);
	/* the state is stable: the next boot does what a clean run's next boot does */
	rc = boot(&f, sc->mode, &rep);
	PL_CHECK(rc == 0);
	PL_CHECK(sc->next_major == 0 || rep.booted_ver.major == sc->next_major);
	PL_CHECK(f.stats.violations == 0);
}

/*
 * Seeded random multi-cut (MCUboot try_random_fails): up to 4 cuts at random ops of
 * successive resumed boots, then a clean boot; same checks. Id "...:seed=N".
 * SDFU_PL_RANDOM sets the number of seeds per group (default 8, 2 for "big").
 */
static void seed_case(const struct scenario *sc, const struct imgs *im, unsigned ci, unsigned seed,
		      uint64_t n)
{
	struct sim_boot_report rep;
	uint32_t x = seed * 0x9E3779B9u + (uint32_t)n;
	int rc = SDFU_ERR_IO;
	bool died = true;

	assert_int_equal(sim_flash_snapshot_restore(&f, &snap), 0);
	sim_flash_power_on(&f);
	sim_flash_stats_reset(&f);
	for (int k = 0; k < 4 && died; k++) {
		sim_flash_cut_at(&f, 1 + xorshift(&x) % n, pl_cut_kinds[ci].mode, 1 + xorshift(&x) % 99u);
		rc = k == 0 ? first_boot(&f, sc, &rep) : boot(&f, sc->mode, &rep);
		died = rc != 0 && !f.powered; /* the harness knows the I/O error was its cut */
		PL_CHECK(rc == 0 || died);
		sim_flash_power_on(&f);
	}
	if (rc != 0) {
		rc = boot(&f, sc->mode, &rep);
	}
	PL_CHECK(rc == 0);
	verify(&f, sc, im, &rep);
	PL_CHECK(boot(&f, sc->mode, &rep) == 0);
	PL_CHECK(sc->next_major == 0 || rep.booted_ver.major == sc->next_major);
}

static bool run_case(const struct pl_cell *cell, struct pl_case *c)
{
	const struct scenario *sc = &scenarios[cell->scenario];
	struct imgs im = cell_images(sc);

	switch (c->kind) {
	case PL_CASE_CLEAN:
		clean_case(sc, &im, c);
		break;
	case PL_CASE_CUT:
		cut_case(sc, &im, cell->cut, c->cut);
		break;
	case PL_CASE_SEED:
	default:
		seed_case(sc, &im, cell->cut, c->seed, c->ops);
		break;
	}
	return true;
}

static void group_end(const struct pl_cell *cell)
{
	(void)cell;
	sim_flash_snapshot_free(&snap);
	sim_flash_close(&f);
}

static void report(const struct pl_totals *t)
{
	(void)t;
	if (mcuboot_limit_cases != 0u) {
		fprintf(stderr, "swap power-loss: %u cut(s) inside a scratch sector erase beyond MCUboot's "
			"power-fail model: nothing booted, as MCUboot (docs/TESTING.md)\n",
			mcuboot_limit_cases);
	}
}

static const struct pl_matrix matrix = PL_MATRIX("swap power-loss", sizeof(scenarios) / sizeof(scenarios[0]),
						 100, true, .report = report);

int main(void)
{
	return pl_main(&matrix);
}
