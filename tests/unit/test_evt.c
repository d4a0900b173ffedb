/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the application event bus and module_state helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/err.h"
#include "sdfu/ble_latency.h"
#include "sdfu/dfu_cfgchan.h"
#include "sdfu/evt.h"
#include "sdfu/module_state.h"

struct test_evt {
	struct sdfu_evt_hdr hdr;
	uint32_t value;
};

static unsigned logged;
static void log_test(const struct sdfu_evt_hdr *evt)
{
	(void)evt;
	logged++;
}

SDFU_EVT_TYPE_DEFINE(test_evt, log_test);
SDFU_EVT_TYPE_DEFINE(other_evt, NULL);

static struct sdfu_evt_bus bus;

/* call trace: "<tag><value>" per handler call */
static char trace[256];
static bool consume_tag[256];

static void trace_add(char tag, uint32_t v)
{
	size_t n = strlen(trace);

	if (n + 3 < sizeof(trace)) {
		trace[n] = tag;
		trace[n + 1] = (char)('0' + (v % 10u));
		trace[n + 2] = '\0';
	}
}

static bool h(const struct sdfu_evt_hdr *evt, void *user)
{
	char tag = (char)(intptr_t)user;
	uint32_t v = sdfu_evt_is(evt, &test_evt_type) ? ((const struct test_evt *)evt)->value : 9u;

	trace_add(tag, v);
	return consume_tag[(unsigned char)tag];
}

static int submit_val(uint32_t v)
{
	struct test_evt e = {.hdr.type = &test_evt_type, .value = v};

	return sdfu_evt_submit(&bus, &e.hdr, sizeof(e));
}

/* Unsubscribe each of the listed subscribers from the bus, in order. */
#define unsubscribe(...)                                                                            \
	unsubscribe_all((struct sdfu_evt_sub *[]){ __VA_ARGS__ },                                   \
			sizeof((struct sdfu_evt_sub *[]){ __VA_ARGS__ }) / sizeof(struct sdfu_evt_sub *))
static void unsubscribe_all(struct sdfu_evt_sub *const *subs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sdfu_evt_unsubscribe(&bus, subs[i]);
	}
}

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	sdfu_evt_init(&bus);
	trace[0] = '\0';
	memset(consume_tag, 0, sizeof(consume_tag));
	logged = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(sdfu_evt_pending(&bus), 0);
	assert_int_equal(sdfu_evt_sub_count(&bus), 0);
	assert_int_equal(fake_port_crit_depth(), 0);
	return 0;
}

static void test_priority_order(void **state)
{
	struct sdfu_evt_sub fin, n1, first, e1, n2;

	(void)state;
	/* register out of order; dispatch must be FIRST, EARLY, NORMAL (reg. order), FINAL */
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &fin, &test_evt_type, SDFU_EVT_PRIO_FINAL, h,
					       (void *)'Z'), 0);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &n1, &test_evt_type, SDFU_EVT_PRIO_NORMAL, h,
					       (void *)'N'), 0);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &first, &test_evt_type, SDFU_EVT_PRIO_FIRST, h,
					       (void *)'A'), 0);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &e1, &test_evt_type, SDFU_EVT_PRIO_EARLY, h,
					       (void *)'E'), 0);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &n2, &test_evt_type, SDFU_EVT_PRIO_NORMAL, h,
					       (void *)'M'), 0);
	assert_int_equal(submit_val(1), 0);
	assert_int_equal(submit_val(2), 0);
	assert_string_equal(trace, ""); /* submit never dispatches synchronously */
	assert_int_equal(sdfu_evt_pending(&bus), 2);
	assert_int_equal(sdfu_evt_process(&bus), 2);
	assert_string_equal(trace, "A1E1N1M1Z1A2E2N2M2Z2");
	assert_int_equal(logged, 2);
	assert_int_equal(bus.stats.submitted, 2);
	assert_int_equal(bus.stats.dispatched, 2);
	assert_int_equal(sdfu_evt_sub_count_type(&bus, &test_evt_type), 5);
	unsubscribe(&fin, &n1, &first, &e1, &n2);
}

static void test_consume_stops_and_types_filter(void **state)
{
	struct sdfu_evt_sub a, b, fin, o;
	struct sdfu_evt_hdr other = {.type = &other_evt_type};

	(void)state;
	sdfu_evt_subscribe_fn(&bus, &a, &test_evt_type, SDFU_EVT_PRIO_EARLY, h, (void *)'a');
	sdfu_evt_subscribe_fn(&bus, &b, &test_evt_type, SDFU_EVT_PRIO_NORMAL, h, (void *)'b');
	sdfu_evt_subscribe_fn(&bus, &fin, &test_evt_type, SDFU_EVT_PRIO_FINAL, h, (void *)'f');
	sdfu_evt_subscribe_fn(&bus, &o, &other_evt_type, SDFU_EVT_PRIO_NORMAL, h, (void *)'o');
	consume_tag['b'] = true;
	submit_val(3);
	assert_int_equal(sdfu_evt_submit(&bus, &other, sizeof(other)), 0);
	sdfu_evt_process(&bus);
	/* b consumed: the FINAL subscriber never saw event 3; other_evt only reached 'o' */
	assert_string_equal(trace, "a3b3o9");
	assert_int_equal(bus.stats.consumed, 1);
	unsubscribe(&a, &b, &fin, &o);
}

static void test_first_final_unique(void **state)
{
	struct sdfu_evt_sub f1, f2, z1, z2, x, e1, e2;

	(void)state;
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &f1, &test_evt_type, SDFU_EVT_PRIO_FIRST, h, NULL), 0);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &f2, &test_evt_type, SDFU_EVT_PRIO_FIRST, h, NULL),
			 SDFU_ERR_EXIST);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &z1, &test_evt_type, SDFU_EVT_PRIO_FINAL, h, NULL), 0);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &z2, &test_evt_type, SDFU_EVT_PRIO_FINAL, h, NULL),
			 SDFU_ERR_EXIST);
	/* another type may have its own FINAL; EARLY/NORMAL may repeat */
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &x, &other_evt_type, SDFU_EVT_PRIO_FINAL, h, NULL), 0);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &e1, &test_evt_type, SDFU_EVT_PRIO_EARLY, h, NULL), 0);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &e2, &test_evt_type, SDFU_EVT_PRIO_EARLY, h, NULL), 0);
	assert_int_equal(sdfu_evt_subscribe(&bus, &e2), SDFU_ERR_ALREADY);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &f2, NULL, SDFU_EVT_PRIO_EARLY, h, NULL),
			 SDFU_ERR_INVAL);
	assert_int_equal(sdfu_evt_subscribe_fn(&bus, &f2, &test_evt_type, (enum sdfu_evt_prio)7, h,
					       NULL), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_evt_sub_count(&bus), 5);
	/* after removing the FINAL one, a new FINAL is accepted */
	sdfu_evt_unsubscribe(&bus, &z1);
	assert_int_equal(sdfu_evt_subscribe(&bus, &z2), 0);
	unsubscribe(&f1, &z2, &x, &e1, &e2);
	sdfu_evt_unsubscribe(&bus, &e2); /* harmless twice */
}

static void test_pool_full_is_reported(void **state)
{
	struct sdfu_evt_sub s;
	unsigned errs;

	(void)state;
	sdfu_evt_subscribe_fn(&bus, &s, &test_evt_type, SDFU_EVT_PRIO_NORMAL, h, (void *)'p');
	for (unsigned i = 0; i < SDFU_EVT_POOL_SIZE; i++) {
		assert_int_equal(submit_val(i), 0);
	}
	errs = fake_port_log_count(1);
	assert_int_equal(submit_val(99), SDFU_ERR_NOMEM);
	assert_int_equal(submit_val(98), SDFU_ERR_NOMEM);
	assert_int_equal(bus.stats.dropped, 2);
	assert_int_equal(fake_port_log_count(1), errs + 2); /* never silent */
	assert_true(fake_port_log_contains("event pool full"));
	assert_int_equal(bus.stats.high_water, SDFU_EVT_POOL_SIZE);
	assert_int_equal(sdfu_evt_process(&bus), SDFU_EVT_POOL_SIZE);
	/* the ring wrapped correctly: FIFO order 0..9 then the rest */
	assert_memory_equal(trace, "p0p1p2p3p4p5p6p7p8p9p0", 22);
	/* space again */
	assert_int_equal(submit_val(5), 0);
	assert_int_equal(sdfu_evt_process(&bus), 1);
	sdfu_evt_unsubscribe(&bus, &s);
}

static void test_too_big_and_invalid(void **state)
{
	struct {
		struct sdfu_evt_hdr hdr;
		uint8_t pad[SDFU_EVT_MAX_SIZE];
	} big = {.hdr.type = &test_evt_type};
	struct sdfu_evt_hdr none = {.type = NULL};

	(void)state;
	assert_int_equal(sdfu_evt_submit(&bus, &big.hdr, sizeof(big)), SDFU_ERR_INVAL);
	assert_int_equal(bus.stats.too_big, 1);
	assert_int_equal(sdfu_evt_submit(&bus, &none, sizeof(none)), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_evt_submit(&bus, &big.hdr, 2), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_evt_pending(&bus), 0);
}

/* A handler that submits a follow-up and unsubscribes itself while being called. */
static struct sdfu_evt_sub self_sub;
static bool h_resubmit(const struct sdfu_evt_hdr *evt, void *user)
{
	const struct test_evt *e = (const struct test_evt *)evt;

	(void)user;
	trace_add('r', e->value);
	if (e->value < 3) {
		assert_int_equal(submit_val(e->value + 1), 0);
	} else {
		sdfu_evt_unsubscribe(&bus, &self_sub);
	}
	/* a nested process call is refused */
	assert_int_equal(sdfu_evt_process(&bus), 0);
	return false;
}

static void test_submit_from_handler_and_self_unsubscribe(void **state)
{
	struct sdfu_evt_sub after;

	(void)state;
	sdfu_evt_subscribe_fn(&bus, &self_sub, &test_evt_type, SDFU_EVT_PRIO_EARLY, h_resubmit, NULL);
	sdfu_evt_subscribe_fn(&bus, &after, &test_evt_type, SDFU_EVT_PRIO_NORMAL, h, (void *)'n');
	submit_val(1);
	assert_int_equal(sdfu_evt_process(&bus), 3);
	assert_string_equal(trace, "r1n1r2n2r3n3");
	assert_int_equal(sdfu_evt_sub_count(&bus), 1);
	submit_val(7);
	sdfu_evt_process(&bus);
	assert_string_equal(trace, "r1n1r2n2r3n3n7");
	sdfu_evt_unsubscribe(&bus, &after);
}

static unsigned ready_calls;
static void on_ready(void *user)
{
	(void)user;
	ready_calls++;
}

static bool h_state(const struct sdfu_evt_hdr *evt, void *user)
{
	const struct sdfu_module_state_evt *e = (const struct sdfu_module_state_evt *)evt;

	(void)user;
	trace_add(e->module->name[0], (uint32_t)e->state);
	return false;
}

static void test_module_state(void **state)
{
	struct sdfu_module_waiter w;
	struct sdfu_evt_sub s;

	(void)state;
	ready_calls = 0;
	assert_string_equal(sdfu_module_state_name(SDFU_MODULE_STATE_READY), "READY");
	assert_string_equal(sdfu_module_state_name(SDFU_MODULE_STATE_OFF), "OFF");
	assert_string_equal(sdfu_module_state_name(SDFU_MODULE_STATE_STANDBY), "STANDBY");
	assert_string_equal(sdfu_module_state_name(SDFU_MODULE_STATE_SUSPENDED), "SUSPENDED");
	assert_string_equal(sdfu_module_state_name(SDFU_MODULE_STATE_ERROR), "ERROR");
	assert_string_equal(sdfu_module_state_name((enum sdfu_module_state)9), "?");
	sdfu_evt_subscribe_fn(&bus, &s, &sdfu_module_state_evt_type, SDFU_EVT_PRIO_NORMAL, h_state,
			      NULL);
	assert_int_equal(sdfu_module_wait(&bus, &w, &sdfu_module_main, SDFU_MODULE_STATE_READY,
					  on_ready, NULL), 0);
	/* other module READY, main ERROR: not yet */
	sdfu_module_set_state(&bus, &sdfu_module_ble_latency, SDFU_MODULE_STATE_READY);
	sdfu_module_set_state(&bus, &sdfu_module_main, SDFU_MODULE_STATE_ERROR);
	sdfu_evt_process(&bus);
	assert_int_equal(ready_calls, 0);
	sdfu_module_set_state(&bus, &sdfu_module_main, SDFU_MODULE_STATE_READY);
	sdfu_module_set_state(&bus, &sdfu_module_main, SDFU_MODULE_STATE_READY);
	sdfu_evt_process(&bus);
	assert_int_equal(ready_calls, 1); /* once, then the waiter unsubscribed itself */
	assert_true(w.fired);
	assert_string_equal(trace, "b0m4m0m0");
	assert_int_equal(sdfu_evt_sub_count(&bus), 1);
	sdfu_module_wait_cancel(&w); /* harmless after firing */

	/* check_state on an event of another type is false */
	{
		struct test_evt e = {.hdr.type = &test_evt_type};
		struct sdfu_module_state_evt m = {.hdr.type = &sdfu_module_state_evt_type,
						  .module = &sdfu_module_main,
						  .state = SDFU_MODULE_STATE_OFF};

		assert_false(sdfu_module_check_state(&e.hdr, &sdfu_module_main,
						     SDFU_MODULE_STATE_READY));
		assert_true(sdfu_module_check_state(&m.hdr, &sdfu_module_main, SDFU_MODULE_STATE_OFF));
		assert_false(sdfu_module_check_state(&m.hdr, &sdfu_module_main,
						     SDFU_MODULE_STATE_READY));
		assert_false(sdfu_module_check_state(&m.hdr, &sdfu_module_dfu_cfgchan,
						     SDFU_MODULE_STATE_OFF));
	}
	/* a cancelled waiter never fires */
	sdfu_module_wait(&bus, &w, &sdfu_module_main, SDFU_MODULE_STATE_READY, on_ready, NULL);
	sdfu_module_wait_cancel(&w);
	sdfu_module_set_state(&bus, &sdfu_module_main, SDFU_MODULE_STATE_READY);
	sdfu_evt_process(&bus);
	assert_int_equal(ready_calls, 1);
	sdfu_evt_unsubscribe(&bus, &s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_priority_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consume_stops_and_types_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_final_unique, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_full_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_big_and_invalid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_submit_from_handler_and_self_unsubscribe, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_module_state, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
