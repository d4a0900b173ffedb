/* SPDX-License-Identifier: Apache-2.0 */
/* Drive the core loop in unit tests: timers and application events on the fake clock. */
#ifndef SDFU_TEST_LOOP_H
#define SDFU_TEST_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "sdfu/evt.h"
#include "sdfu/timer.h"

/** One loop iteration at the current fake time: fire due timers, then dispatch events. */
void test_loop_once(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus);
/** Advance the fake clock `ms` milliseconds, 1 ms at a time, running an iteration each step. */
void test_loop_run(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus, uint32_t ms);
/** Run 1 ms steps while `*cond` holds, at most `max_ms`; returns the final `*cond`. */
bool test_loop_run_while(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus,
			 const bool *cond, uint32_t max_ms);

#endif
