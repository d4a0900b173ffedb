/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the one-shot software timers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/timer.h"

static int fired[4];

static void on_fire(struct sdfu_timer *t)
{
	fired[(intptr_t)t->ctx]++;
}

static void test_fire_order_and_reschedule(void **state)
{
	struct sdfu_timer_list l;
	struct sdfu_timer a, b;

	(void)state;
	fake_port_reset_state();
	fired[0] = fired[1] = 0;
	sdfu_timer_list_init(&l);
	sdfu_timer_init(&a, on_fire, (void *)0);
	sdfu_timer_init(&b, on_fire, (void *)1);
	sdfu_timer_start(&l, &a, 5000);
	sdfu_timer_start(&l, &b, 100);
	assert_int_equal(sdfu_timer_next_ms(&l, 0), 100);
	fake_port_advance(4000);
	sdfu_timer_start(&l, &a, 5000); /* reschedule moves it to 9000 */
	sdfu_timer_process(&l, 4000);
	assert_int_equal(fired[1], 1);
	assert_int_equal(fired[0], 0);
	sdfu_timer_process(&l, 8999);
	assert_int_equal(fired[0], 0);
	sdfu_timer_process(&l, 9000);
	assert_int_equal(fired[0], 1);
	assert_int_equal(sdfu_timer_count(&l), 0);
	assert_int_equal(sdfu_timer_next_ms(&l, 9000), -1);
}

static void test_stop_and_wrap(void **state)
{
	struct sdfu_timer_list l;
	struct sdfu_timer a;

	(void)state;
	fake_port_reset_state();
	fired[2] = 0;
	sdfu_timer_list_init(&l);
	sdfu_timer_init(&a, on_fire, (void *)2);
	fake_port_set_time(UINT32_MAX - 10);
	sdfu_timer_start(&l, &a, 20); /* deadline wraps past 0 */
	sdfu_timer_process(&l, UINT32_MAX);
	assert_int_equal(fired[2], 0);
	sdfu_timer_process(&l, 9);
	assert_int_equal(fired[2], 1);
	sdfu_timer_start(&l, &a, 20);
	sdfu_timer_stop(&l, &a);
	sdfu_timer_stop(&l, &a);
	assert_false(sdfu_timer_is_armed(&a));
	sdfu_timer_process(&l, 1000);
	assert_int_equal(fired[2], 1);
	assert_int_equal(sdfu_timer_count(&l), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fire_order_and_reschedule),
		cmocka_unit_test(test_stop_and_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
