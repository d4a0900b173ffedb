/* SPDX-License-Identifier: Apache-2.0 */
/* Drive the core loop in unit tests: timers and application events on the fake clock. */
#include "test_loop.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

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

static struct sdfu_timer_list *bound_timers;
static struct sdfu_evt_bus *bound_bus;

void test_loop_bind(struct sdfu_timer_list *timers, struct sdfu_evt_bus *bus)
{
	bound_timers = timers;
	bound_bus = bus;
}

void test_loop_step(void)
{
	test_loop_once(bound_timers, bound_bus);
}

void test_loop_ms(uint32_t ms)
{
	test_loop_run(bound_timers, bound_bus, ms);
}

bool test_loop_while(const bool *cond, uint32_t max_ms)
{
	return test_loop_run_while(bound_timers, bound_bus, cond, max_ms);
}

static bool on_counted(const struct sdfu_evt_hdr *evt, void *user)
{
	struct test_evt_counter *c = user;

	(void)evt;
	c->count++;
	return c->consume;
}

int test_evt_count(struct sdfu_evt_bus *bus, struct test_evt_counter *c, const struct sdfu_evt_type *type)
{
	c->count = 0;
	c->consume = false;
	return sdfu_evt_subscribe_fn(bus, &c->sub, type, SDFU_EVT_PRIO_NORMAL, on_counted, c);
}

void test_stack_down(struct sdfu_stack *st)
{
	sdfu_stack_deinit(st);
#if SDFU_STACK_DFU
	test_loop_once(&st->timers, &st->bus);
	assert_int_equal(sdfu_timer_count(&st->timers), 0);
	assert_int_equal(sdfu_evt_pending(&st->bus), 0);
	assert_int_equal(sdfu_evt_sub_count(&st->bus), 0);
	assert_int_equal(st->bus.stats.dropped, 0);
	assert_true(sdfu_dfu_lock_is_free(&st->lock));
#else
	sdfu_timer_process(&st->timers, sdfu_port_uptime_ms());
	assert_int_equal(sdfu_timer_count(&st->timers), 0);
#endif
}

void test_flash_boot(struct sim_flash *fl, struct sdfu_boot_ctx *boot, enum sdfu_boot_mode mode,
		     uint8_t active)
{
	memset(fl, 0, sizeof(*fl));
	assert_int_equal(sim_flash_open(fl, sim_layout_get("nrf52840"), NULL), 0);
	memset(boot, 0, sizeof(*boot));
	boot->mode = mode;
	boot->slot[0] = sim_flash_area(fl, SDFU_FA_PRIMARY);
	boot->slot[1] = sim_flash_area(fl, SDFU_FA_SECONDARY);
	boot->active_slot = active;
}
