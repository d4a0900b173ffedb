/* SPDX-License-Identifier: Apache-2.0 */
/* Drive the core loop in unit tests: timers and application events on the fake clock. */
#ifndef SDFU_TEST_LOOP_H
#define SDFU_TEST_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "flash/sim_flash.h"
#include "sdfu/boot.h"
#include "sdfu/evt.h"
#include "sdfu/stack.h"
#include "sdfu/timer.h"

/** One loop iteration at the current fake time: fire due timers, then dispatch events. */
void test_loop_once(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus);
/** Advance the fake clock `ms` milliseconds, 1 ms at a time, running an iteration each step. */
void test_loop_run(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus, uint32_t ms);
/** Run 1 ms steps while `*cond` holds, at most `max_ms`; returns the final `*cond`. */
bool test_loop_run_while(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus,
			 const bool *cond, uint32_t max_ms);

/* Short forms for a test file with one timer list and one bus: bind them once (setup). */
void test_loop_bind(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus);
/** test_loop_once() on the bound loop. */
void test_loop_step(void);
/** test_loop_run() on the bound loop. */
void test_loop_ms(uint32_t ms);
/** test_loop_run_while() on the bound loop. */
bool test_loop_while(const bool *cond, uint32_t max_ms);

/** A subscriber that counts the events of one type (and consumes them when `consume`). */
struct test_evt_counter {
	struct sdfu_evt_sub sub;
	unsigned count;
	bool consume;
};
/** Reset `c` and subscribe it at NORMAL priority to `type` on `bus`; the subscribe result. */
int test_evt_count(struct sdfu_evt_bus *bus, struct test_evt_counter *c, const struct sdfu_evt_type *type);

/** Deinit the stack, run the loop once and assert nothing is left: no timer and (with
 *  SDFU_STACK_DFU) no event, subscriber or drop, the DFU lock free. */
void test_stack_down(struct sdfu_stack *st);

/** Open the "nrf52840" flash in RAM into `fl` and set `boot` to its primary and secondary
 *  slots, `mode` and `active` (both structs zeroed first). */
void test_flash_boot(struct sim_flash *fl, struct sdfu_boot_ctx *boot, enum sdfu_boot_mode mode,
		     uint8_t active);

#endif
