/* SPDX-License-Identifier: Apache-2.0 */
/* Power-loss runner: scenario x geometry x mode x cut kind, reproducer ids, the SDFU_PL_* options. */
#ifndef PL_RUNNER_H
#define PL_RUNNER_H

/*
 * A power-loss test describes its matrix (struct pl_matrix: scenarios, the boot modes of
 * each, what a group prepares and what one case runs); the runner crosses it with the
 * geometries and the cut kinds below, names every group and case, applies the options,
 * isolates cases (a failed PL_CHECK ends its case, the run goes on) and counts.
 *
 * Ids (reproducers): a group is "<scenario>:<geometry>:<mode>:<cut kind>", e.g.
 * "app-update:mixed8:swap-move:torn25"; a case adds ":cut=<i>" (power fails at the i-th
 * mutating flash op of the clean run, 1-based) or ":seed=<s>" (seeded random multi-cut
 * run). A failed check prints "POWERLOSS FAILURE id=<id>: <check> (line N)".
 *
 * Options, read once from the environment:
 *   SDFU_PL_FULL=1     every cut point of every group, and the groups the default run skips
 *   SDFU_PL_ONLY=<id>  an exact case id runs only that case; a prefix runs the groups under
 *                      it with every cut point (replay a failure with the id it printed)
 *   SDFU_PL_SAMPLE=k   cut points per group in the default run (the test has a default)
 *   SDFU_PL_RANDOM=n   random multi-cut runs per group (the test has a default)
 *   SDFU_PL_VERBOSE=1  one "PLROW <scenario> <geometry> <mode> <cut> ops=.. cuts=.. seeds=..
 *                      failed=.." line per group (scripts/powerloss-full.sh makes the table)
 * Not thread-safe; cmocka tests only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "flash/sim_flash.h"
#include "sdfu/boot.h"

/** Options from the environment (see above). */
struct pl_opts {
	bool full;          /**< SDFU_PL_FULL=1 */
	const char *only;   /**< SDFU_PL_ONLY, NULL when unset or empty */
	bool only_exact;    /**< `only` names one case (contains "cut=" or "seed=") */
	bool sample_set;    /**< SDFU_PL_SAMPLE given */
	uint64_t sample;
	bool random_set;    /**< SDFU_PL_RANDOM given */
	unsigned random;
	bool verbose;       /**< SDFU_PL_VERBOSE set */
};

/** The options (parsed on the first call). */
const struct pl_opts *pl_opts(void);

/** The geometries: simulated flash layouts (sim_layout_get()). */
#define PL_GEOMETRY_COUNT 4
struct pl_geometry {
	const char *layout;
	bool in_default; /**< part of the default run (big1m: 1 MiB slots, slow) */
};
extern const struct pl_geometry pl_geometries[PL_GEOMETRY_COUNT];

/** The cut kinds: how the interrupted flash operation lands. */
#define PL_CUT_KIND_COUNT 5
struct pl_cut_kind {
	enum sim_flash_cut_mode mode;
	uint32_t param; /**< landed prefix in percent (torn write, partial erase) */
	const char *name;
};
extern const struct pl_cut_kind pl_cut_kinds[PL_CUT_KIND_COUNT];

/* ---- checks ---------------------------------------------------------------------------- */
extern const char *pl_cur_id;  /**< id of the case running */
extern unsigned pl_failures;   /**< failed checks so far */
extern jmp_buf pl_case_jmp;
extern bool pl_case_armed;     /**< inside a case: a failed check ends the case only */

/** Check `c`; on failure print the id, count it and end the case (outside a case: fail()). */
#define PL_CHECK(c)                                                                              \
	do {                                                                                     \
		if (!(c)) {                                                                      \
			if (pl_failures < 200) {                                                 \
				fprintf(stderr, "POWERLOSS FAILURE id=%s: %s (line %d)\n",      \
					pl_cur_id, #c, __LINE__);                                \
			}                                                                        \
			pl_failures++;                                                           \
			if (pl_case_armed) {                                                     \
				longjmp(pl_case_jmp, 1);                                         \
			}                                                                        \
			fail();                                                                  \
		}                                                                                \
	} while (0)

/* ---- the matrix ------------------------------------------------------------------------ */
/** One group: a scenario on a geometry in a boot mode with a cut kind. */
struct pl_cell {
	unsigned scenario;
	unsigned geometry;      /**< index into pl_geometries */
	enum sdfu_boot_mode mode;
	unsigned cut;           /**< index into pl_cut_kinds */
	const char *id;         /**< the group id */
};

/** How a group runs its cut points; group_begin() may change the defaults it gets. */
struct pl_plan {
	uint64_t sample;     /**< cut points in the default run, spread over 1..N (0 = all N) */
	uint64_t keep_first; /**< when sampling, cut points 1..keep_first always run */
	unsigned seeds;      /**< random multi-cut runs (SDFU_PL_RANDOM overrides) */
	uint64_t seed_min_ops; /**< seeded runs only when the clean run has at least this many ops */
};

/** One case of a group, run from the group's start state. */
enum pl_case_kind {
	PL_CASE_CLEAN, /**< no cut: sets `ops` (the mutating flash ops N of the flow) */
	PL_CASE_CUT,   /**< power fails at op `cut` (1..ops) */
	PL_CASE_SEED,  /**< seeded random cuts (`seed`), within `ops` */
};
struct pl_case {
	enum pl_case_kind kind;
	uint64_t cut;
	unsigned seed;
	uint64_t ops;
};

struct pl_totals {
	uint64_t groups; /**< groups whose clean run passed */
	uint64_t cuts;   /**< single-cut cases run */
	uint64_t seeds;  /**< random multi-cut cases run */
	uint64_t failed; /**< cases that failed */
};

/** What a test describes; the callbacks run in the cmocka test. */
struct pl_matrix {
	const char *what; /**< name in the summary line */
	unsigned scenarios;
	const char *(*scenario_name)(unsigned s);
	/** The boot modes scenario `s` runs in: sets *modes, returns the count. */
	unsigned (*modes)(unsigned s, const enum sdfu_boot_mode **modes);
	/** Part of the default run (NULL: every cell). Not asked with SDFU_PL_FULL / _ONLY. */
	bool (*in_default)(unsigned s, unsigned g, unsigned c);
	/** Per geometry with at least one group to run: build the images. May be NULL. */
	void (*geometry_begin)(unsigned g);
	void (*geometry_end)(unsigned g);
	/** Open the flash, prepare the start state, snapshot it; adjust `plan`. */
	void (*group_begin)(const struct pl_cell *cell, struct pl_plan *plan);
	/** Run one case from the snapshot; false (or a failed PL_CHECK) = the case failed. */
	bool (*run_case)(const struct pl_cell *cell, struct pl_case *c);
	void (*group_end)(const struct pl_cell *cell);
	/** A run not narrowed by SDFU_PL_ONLY must run more than this many cut points (plus
	 *  seeded runs when `seeds_count`). */
	uint64_t min_cases;
	bool seeds_count;
	/** After the run, before its checks: print what the test adds to the summary. May be NULL. */
	void (*report)(const struct pl_totals *t);
};

/**
 * The matrix of a test file that names its callbacks scen_name, scen_modes, in_default,
 * geometry_begin, geometry_end, group_begin, run_case and group_end; more fields (e.g.
 * `.report = fn`) may follow.
 */
#define PL_MATRIX(what_, scenario_count, min_cases_, seeds_count_, ...)                            \
	{                                                                                          \
		.what = (what_), .scenarios = (scenario_count), .scenario_name = scen_name,         \
		.modes = scen_modes, .in_default = in_default, .geometry_begin = geometry_begin,  \
		.geometry_end = geometry_end, .group_begin = group_begin, .run_case = run_case,   \
		.group_end = group_end, .min_cases = (min_cases_), .seeds_count = (seeds_count_), \
		__VA_ARGS__                                                                        \
	}

/**
 * Run the matrix: geometries x scenarios x modes x cut kinds, filtered by the options.
 * Per group: the clean case (its failure skips the group's cuts), the cut points (all,
 * or `plan.sample` of them in the default run), then `plan.seeds` seeded runs. Prints a
 * summary line "<what>: G groups, C cut points, S random multi-cut runs" and, when checks
 * failed, how to replay. Returns the totals; the test asserts on them and pl_failures.
 */
struct pl_totals pl_run_matrix(const struct pl_matrix *m);

/** For main(): when the cmocka result `rc` failed outside a counted check, name the last case. */
int pl_finish(int rc);

/**
 * A power-loss test's main(): one cmocka test named `m->what` runs the matrix; no check may
 * fail and a full or sampled run must reach `m->min_cases`. Returns pl_finish() of the result.
 */
int pl_main(const struct pl_matrix *m);

#endif /* PL_RUNNER_H */
