/* SPDX-License-Identifier: Apache-2.0 */
/* Power-loss runner: scenario x geometry x mode x cut kind, reproducer ids, the SDFU_PL_* options. */
#include "pl_runner.h"

#include <stdlib.h>
#include <string.h>

#include "boot/sim_boot.h"
#include "fake_port.h"

const struct pl_geometry pl_geometries[PL_GEOMETRY_COUNT] = {
	{"nrf52840", true},
	{"mixed8", true},
	{"large128k", true},
	{"big1m", false},
};

const struct pl_cut_kind pl_cut_kinds[PL_CUT_KIND_COUNT] = {
	{SIM_FLASH_CUT_ATOMIC, 0, "atomic"},
	{SIM_FLASH_CUT_TORN_WRITE, 25, "torn25"},
	{SIM_FLASH_CUT_TORN_WRITE, 75, "torn75"},
	{SIM_FLASH_CUT_PARTIAL_ERASE, 10, "partial10"},
	{SIM_FLASH_CUT_PARTIAL_ERASE, 90, "partial90"},
};

const char *pl_cur_id = "";
unsigned pl_failures;
jmp_buf pl_case_jmp;
bool pl_case_armed;

const struct pl_opts *pl_opts(void)
{
	static struct pl_opts o;
	static bool parsed;

	if (!parsed) {
		const char *full = getenv("SDFU_PL_FULL");
		const char *only = getenv("SDFU_PL_ONLY");
		const char *sample = getenv("SDFU_PL_SAMPLE");
		const char *random = getenv("SDFU_PL_RANDOM");

		parsed = true;
		o.full = full != NULL && full[0] == '1';
		o.only = only != NULL && only[0] != '\0' ? only : NULL;
		o.only_exact = o.only != NULL &&
			       (strstr(o.only, "cut=") != NULL || strstr(o.only, "seed=") != NULL);
		o.sample_set = sample != NULL;
		o.sample = sample != NULL ? strtoull(sample, NULL, 0) : 0;
		o.random_set = random != NULL;
		o.random = random != NULL ? (unsigned)strtoul(random, NULL, 0) : 0;
		o.verbose = getenv("SDFU_PL_VERBOSE") != NULL;
	}
	return &o;
}

/* SDFU_PL_ONLY: an exact case id, or a prefix. */
static bool case_selected(const char *id)
{
	const struct pl_opts *o = pl_opts();

	if (o->only == NULL) {
		return true;
	}
	if (o->only_exact) {
		return strcmp(id, o->only) == 0;
	}
	return strncmp(id, o->only, strlen(o->only)) == 0;
}

/* Whether any case under the group id `base` can be selected. */
static bool group_selected(const char *base)
{
	const char *only = pl_opts()->only;

	return only == NULL || strncmp(base, only, strlen(only)) == 0 ||
	       strncmp(only, base, strlen(base)) == 0;
}

/* One case under the case jump: false when it failed (a failed check is already reported). */
static bool run_one_case(const struct pl_matrix *m, const struct pl_cell *cell, struct pl_case *c)
{
	bool ok;

	if (setjmp(pl_case_jmp) != 0) {
		pl_case_armed = false;
		return false;
	}
	pl_case_armed = true;
	ok = m->run_case(cell, c);
	pl_case_armed = false;
	return ok;
}

static bool cell_wanted(const struct pl_matrix *m, unsigned s, unsigned g, unsigned c)
{
	const struct pl_opts *o = pl_opts();

	return o->full || o->only != NULL || m->in_default == NULL || m->in_default(s, g, c);
}

static void cell_id(char *out, size_t size, const struct pl_matrix *m, unsigned s, unsigned g,
		    enum sdfu_boot_mode mode, unsigned c)
{
	snprintf(out, size, "%s:%s:%s:%s", m->scenario_name(s), pl_geometries[g].layout,
		 sim_boot_mode_name(mode), pl_cut_kinds[c].name);
}

/* The cut points, then the seeds, of one group. */
static struct pl_totals run_group(const struct pl_matrix *m, const struct pl_cell *cell)
{
	static char id[200];
	const struct pl_opts *o = pl_opts();
	struct pl_plan plan = {0, 0, 1, 1};
	struct pl_totals res = {0, 0, 0, 0};
	struct pl_case c = {PL_CASE_CLEAN, 0, 0, 0};
	uint64_t n, sample, step;
	unsigned seeds;
	bool sampling;

	m->group_begin(cell, &plan);
	pl_cur_id = cell->id;
	if (!run_one_case(m, cell, &c)) {
		fprintf(stderr, "POWERLOSS FAILURE id=%s: the clean run fails\n", cell->id);
		pl_failures++;
		res.failed++;
		c.ops = 0; /* no cut points without a clean reference */
	} else {
		res.groups = 1;
	}
	n = c.ops;
	sample = o->sample_set ? o->sample : plan.sample;
	sampling = !o->full && o->only == NULL && sample > 0 && n > sample;
	step = sampling ? (n + sample - 1) / sample : 1;
	for (uint64_t i = 1; i <= n; i++) {
		struct pl_case k = {PL_CASE_CUT, i, 0, n};

		if (sampling && i > plan.keep_first && i != n && (i % step) != 0) {
			continue;
		}
		snprintf(id, sizeof(id), "%s:cut=%llu", cell->id, (unsigned long long)i);
		if (!case_selected(id)) {
			continue;
		}
		pl_cur_id = id;
		res.failed += !run_one_case(m, cell, &k);
		res.cuts++;
	}
	seeds = o->random_set ? o->random : plan.seeds;
	for (unsigned seed = 1; seed <= seeds && n > 0 && n >= plan.seed_min_ops; seed++) {
		struct pl_case k = {PL_CASE_SEED, 0, seed, n};

		snprintf(id, sizeof(id), "%s:seed=%u", cell->id, seed);
		if (!case_selected(id)) {
			continue;
		}
		pl_cur_id = id;
		res.failed += !run_one_case(m, cell, &k);
		res.seeds++;
	}
	if (m->group_end != NULL) {
		m->group_end(cell);
	}
	pl_cur_id = cell->id;
	if (o->verbose) {
		fprintf(stderr, "PLROW %s %s %s %s ops=%llu cuts=%llu seeds=%llu failed=%llu\n",
			m->scenario_name(cell->scenario), pl_geometries[cell->geometry].layout,
			sim_boot_mode_name(cell->mode), pl_cut_kinds[cell->cut].name,
			(unsigned long long)n, (unsigned long long)res.cuts,
			(unsigned long long)res.seeds, (unsigned long long)res.failed);
	}
	return res;
}

/* The wanted and selected cells of geometry `g`: counted (tot NULL) or run (totals added). */
static unsigned for_cells(const struct pl_matrix *m, unsigned g, struct pl_totals *tot)
{
	static char base[160];
	unsigned count = 0;

	for (unsigned s = 0; s < m->scenarios; s++) {
		const enum sdfu_boot_mode *modes;
		unsigned nm = m->modes(s, &modes);

		for (unsigned mi = 0; mi < nm; mi++) {
			for (unsigned c = 0; c < PL_CUT_KIND_COUNT; c++) {
				struct pl_cell cell = {s, g, modes[mi], c, base};
				struct pl_totals r;

				if (!cell_wanted(m, s, g, c)) {
					continue;
				}
				cell_id(base, sizeof(base), m, s, g, modes[mi], c);
				if (!group_selected(base)) {
					continue;
				}
				count++;
				if (tot == NULL) {
					continue;
				}
				r = run_group(m, &cell);
				tot->groups += r.groups;
				tot->cuts += r.cuts;
				tot->seeds += r.seeds;
				tot->failed += r.failed;
			}
		}
	}
	return count;
}

struct pl_totals pl_run_matrix(const struct pl_matrix *m)
{
	struct pl_totals tot = {0, 0, 0, 0};

	for (unsigned g = 0; g < PL_GEOMETRY_COUNT; g++) {
		if (for_cells(m, g, NULL) == 0) {
			continue; /* nothing to run here: no images to build */
		}
		if (m->geometry_begin != NULL) {
			m->geometry_begin(g);
		}
		(void)for_cells(m, g, &tot);
		if (m->geometry_end != NULL) {
			m->geometry_end(g);
		}
	}
	fprintf(stderr, "%s: %llu groups, %llu cut points, %llu random multi-cut runs\n", m->what,
		(unsigned long long)tot.groups, (unsigned long long)tot.cuts,
		(unsigned long long)tot.seeds);
	if (pl_failures > 0) {
		fprintf(stderr, "%s: %u failed checks (ids above; replay with SDFU_PL_ONLY=<id>)\n",
			m->what, pl_failures);
	}
	return tot;
}

int pl_finish(int rc)
{
	if (rc != 0 && pl_failures == 0) {
		/* an assert inside a helper: the last case that ran */
		fprintf(stderr, "POWERLOSS FAILURE id=%s (last case run)\n", pl_cur_id);
	}
	return rc;
}

static const struct pl_matrix *main_matrix;

static void test_matrix(void **state)
{
	const struct pl_matrix *m = main_matrix;
	struct pl_totals t;

	(void)state;
	t = pl_run_matrix(m);
	if (m->report != NULL) {
		m->report(&t);
	}
	assert_int_equal(pl_failures, 0);
	if (pl_opts()->only == NULL) {
		assert_true(t.cuts + (m->seeds_count ? t.seeds : 0) > m->min_cases);
	}
}

int pl_main(const struct pl_matrix *m)
{
	const struct CMUnitTest tests[] = {
		{ .name = m->what, .test_func = test_matrix },
	};

	main_matrix = m;
	fake_port_reset_state();
	return pl_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
