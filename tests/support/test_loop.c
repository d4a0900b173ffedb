/* SPDX-License-Identifier: Apache-2.0 */
/* Drive the core loop in unit tests: timers and application events on the fake clock. */
#include "test_loop.h"

#include "fake_port.h"
#include "sdfu/port.h"

void test_loop_once(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus)
{
	sdfu_timer_process(timers, sdfu_port_uptime_ms());
	sdfu_evt_process(bus);
}

void test_loop_run(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus, uint32_t ms)
{
	for (uint32_t i = 0; i < ms; i++) {
		fake_port_advance(1);
		test_loop_once(timers, bus);
	}
}

bool test_loop_run_while(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus,
			 const bool *cond, uint32_t max_ms)
{
	for (uint32_t i = 0; i < max_ms && *cond; i++) {
		test_loop_run(timers, bus, 1);
	}
	return *cond;
}
