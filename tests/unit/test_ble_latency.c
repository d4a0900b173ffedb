/* SPDX-License-Identifier: Apache-2.0 */
/* BLE latency module on a fake link and a fake clock (spec 9 and 15.8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "test_loop.h"
#include "sdfu/ble_latency.h"
#include "sdfu/err.h"
#include "sdfu/dfu_cfgchan.h"
#include "sdfu/dfu_mcumgr.h"
#include "sdfu/evt.h"
#include "sdfu/port.h"
#include "sdfu/timer.h"

static struct sdfu_evt_bus bus;
static struct sdfu_timer_list timers;
static struct sdfu_ble_latency lat;

/* fake link: records requests; the test decides when the peer answers */
struct req {
	uint16_t imin, imax, latency, timeout;
};
static struct req reqs[16];
static unsigned nreq;
static int req_ret;
static int disc_ret;
static unsigned discs;

static int fake_request(void *ctx, uint16_t imin, uint16_t imax, uint16_t latency, uint16_t timeout)
{
	(void)ctx;
	if (nreq < 16) {
		reqs[nreq] = (struct req){imin, imax, latency, timeout};
	}
	nreq++;
	return req_ret;
}

static int fake_disconnect(void *ctx)
{
	(void)ctx;
	discs++;
	return disc_ret;
}

static const struct sdfu_ble_link link = {fake_request, fake_disconnect, NULL};

static struct sdfu_evt_sub state_sub;
static unsigned errors_reported, ready_reported;
static bool on_state(const struct sdfu_evt_hdr *evt, void *user)
{
	(void)user;
	errors_reported += sdfu_module_check_state(evt, &sdfu_module_ble_latency,
						   SDFU_MODULE_STATE_ERROR);
	ready_reported += sdfu_module_check_state(evt, &sdfu_module_ble_latency,
						  SDFU_MODULE_STATE_READY);
	return false;
}

static void hint(void)
{
	struct sdfu_ble_smp_transfer_evt e = {.hdr.type = &sdfu_ble_smp_transfer_evt_type};

	assert_int_equal(sdfu_evt_submit(&bus, &e.hdr, sizeof(e)), 0);
	test_loop_step();
}

/* A link connected with `interval` and `latency` (timeout 400) and secured. */
static void secured_link(uint16_t interval, uint16_t latency)
{
	sdfu_ble_latency_connected(&lat, interval, latency, 400);
	sdfu_ble_latency_secured(&lat);
}

static void fixture(bool llpm_lock)
{
	struct sdfu_ble_latency_cfg cfg;

	fake_port_reset_state();
	sdfu_evt_init(&bus);
	sdfu_timer_list_init(&timers);
	test_loop_bind(&timers, &bus); /* test_loop_step(), test_loop_ms() */
	memset(reqs, 0, sizeof(reqs));
	nreq = 0;
	req_ret = 0;
	disc_ret = 0;
	discs = 0;
	errors_reported = ready_reported = 0;
	sdfu_evt_subscribe_fn(&bus, &state_sub, &sdfu_module_state_evt_type, SDFU_EVT_PRIO_NORMAL,
			      on_state, NULL);
	sdfu_ble_latency_cfg_default(&cfg);
	assert_int_equal(cfg.pref_latency, 99);
	assert_int_equal(cfg.check_ms, 5000);
	cfg.llpm_lock = llpm_lock;
	assert_true(cfg.init_params);
	assert_int_equal(cfg.pref_timeout, 400);
	cfg.init_params = false; /* the tests below start from the central's parameters */
	assert_int_equal(sdfu_ble_latency_init(&lat, &link, &bus, &timers, &cfg), 0);
	test_loop_step();
	assert_int_equal(ready_reported, 1);
}

static int teardown(void **state)
{
	(void)state;
	sdfu_ble_latency_disconnected(&lat);
	assert_int_equal(sdfu_timer_count(&timers), 0);
	sdfu_ble_latency_deinit(&lat);
	sdfu_evt_unsubscribe(&bus, &state_sub);
	assert_int_equal(sdfu_evt_pending(&bus), 0);
	assert_int_equal(sdfu_evt_sub_count(&bus), 0);
	assert_int_equal(fake_port_crit_depth(), 0);
	return 0;
}

static void test_no_connection_ignored(void **state)
{
	(void)state;
	fixture(false);
	hint();
	assert_int_equal(nreq, 0);
	assert_int_equal(sdfu_timer_count(&timers), 0);
}

/* Transfer event -> latency 0 at the current interval; restored to 99 after one quiet period. */
static void test_low_latency_then_restore(void **state)
{
	(void)state;
	fixture(false);
	secured_link(24, 99); /* 30 ms, latency 99 */
	hint();
	assert_int_equal(nreq, 1);
	assert_int_equal(reqs[0].imin, 24);
	assert_int_equal(reqs[0].imax, 24);
	assert_int_equal(reqs[0].latency, 0);
	assert_int_equal(reqs[0].timeout, 400);
	/* more events before the peer answered: no new request (ENABLED set optimistically) */
	hint();
	assert_int_equal(nreq, 1);
	/* peer applies latency 0: the 5 s check starts */
	sdfu_ble_latency_params_updated(&lat, 24, 0, 400);
	assert_int_equal(sdfu_timer_count(&timers), 1);
	/* activity during the first period keeps it low */
	test_loop_ms(2000);
	hint();
	test_loop_ms(3000); /* check #1: REQUIRED was set -> clear, reschedule */
	assert_int_equal(nreq, 1);
	test_loop_ms(4999); /* check #2 not yet due */
	assert_int_equal(nreq, 1);
	test_loop_ms(1); /* check #2: quiet -> restore 99 */
	assert_int_equal(nreq, 2);
	assert_int_equal(reqs[1].latency, 99);
	assert_int_equal(reqs[1].imin, 24);
	assert_int_equal(lat.restores, 1);
	assert_true(fake_port_log_contains("Low latency timed out"));
	sdfu_ble_latency_params_updated(&lat, 24, 99, 400);
	assert_int_equal(sdfu_timer_count(&timers), 0);
	/* a new transfer lowers it again */
	hint();
	assert_int_equal(nreq, 3);
	assert_int_equal(reqs[2].latency, 0);
}

/* An LLPM interval is replaced by 7.5 ms in requests. */
static void test_llpm_interval_replaced(void **state)
{
	(void)state;
	fixture(false);
	secured_link(0x0d01, 99);
	struct sdfu_config_evt ce = {.hdr.type = &sdfu_config_evt_type};

	assert_int_equal(sdfu_evt_submit(&bus, &ce.hdr, sizeof(ce)), 0); /* config event too */
	test_loop_step();
	assert_int_equal(nreq, 1);
	assert_int_equal(reqs[0].imin, SDFU_BLE_INTERVAL_7_5MS);
	assert_int_equal(reqs[0].imax, SDFU_BLE_INTERVAL_7_5MS);
	assert_int_equal(reqs[0].latency, 0);
}

/* Never raise the latency before the link is secured. */
static void test_not_raised_before_secured(void **state)
{
	(void)state;
	fixture(false);
	sdfu_ble_latency_connected(&lat, 6, 99, 400);
	hint();
	sdfu_ble_latency_params_updated(&lat, 6, 0, 400);
	test_loop_ms(9000); /* checks at 5 s: not secured -> reschedule */
	assert_int_equal(nreq, 1);
	sdfu_ble_latency_secured(&lat);
	test_loop_ms(1000); /* check at 10 s: secured and quiet -> restore */
	assert_int_equal(nreq, 2);
	assert_int_equal(reqs[1].latency, 99);
	assert_int_equal(discs, 0);
}

static void test_already_zero_and_failures(void **state)
{
	(void)state;
	fixture(false);
	/* latency already 0: nothing sent */
	secured_link(6, 0);
	hint();
	assert_int_equal(nreq, 0);
	sdfu_ble_latency_disconnected(&lat);
	/* request failure: warning only, the next event retries */
	secured_link(6, 99);
	req_ret = SDFU_ERR_BUSY;
	hint();
	assert_int_equal(nreq, 1);
	assert_false(lat.state & SDFU_BLE_LAT_ENABLED);
	req_ret = SDFU_ERR_ALREADY; /* -EALREADY counts as success */
	hint();
	assert_int_equal(nreq, 2);
	assert_true(lat.state & SDFU_BLE_LAT_ENABLED);
	/* a failed restore is retried one period later */
	req_ret = 0;
	sdfu_ble_latency_params_updated(&lat, 6, 0, 400);
	req_ret = SDFU_ERR_IO;
	test_loop_ms(5000);
	assert_int_equal(nreq, 3);
	assert_int_equal(sdfu_timer_count(&timers), 1);
	req_ret = 0;
	test_loop_ms(5000);
	assert_int_equal(nreq, 4);
	assert_int_equal(reqs[3].latency, 99);
}

static void test_security_timeout_disconnects(void **state)
{
	(void)state;
	fixture(false);
	sdfu_ble_latency_connected(&lat, 6, 99, 400);
	test_loop_ms(9999);
	assert_int_equal(discs, 0);
	test_loop_ms(1);
	assert_int_equal(discs, 1);
	assert_int_equal(errors_reported, 0);
	sdfu_ble_latency_disconnected(&lat);
	/* a disconnect failure other than "not connected" reports ERROR */
	disc_ret = SDFU_ERR_IO;
	sdfu_ble_latency_connected(&lat, 6, 99, 400);
	test_loop_ms(10000);
	assert_int_equal(discs, 2);
	assert_int_equal(errors_reported, 1);
	sdfu_ble_latency_disconnected(&lat);
	/* secured in time: no disconnect */
	sdfu_ble_latency_connected(&lat, 6, 99, 400);
	test_loop_ms(5000);
	sdfu_ble_latency_secured(&lat);
	test_loop_ms(10000);
	assert_int_equal(discs, 2);
}

static void test_llpm_lock(void **state)
{
	(void)state;
	fixture(true);
	secured_link(0x0d01, 0);
	sdfu_ble_latency_params_updated(&lat, 0x0d01, 0, 400);
	test_loop_ms(20000); /* locked on LLPM: never raised */
	assert_int_equal(nreq, 0);
	/* powered down: the lock lifts, the quiet check raises it */
	sdfu_ble_latency_power_down(&lat, true);
	test_loop_ms(5000);
	assert_int_equal(nreq, 1);
	assert_int_equal(reqs[0].latency, 99);
	sdfu_ble_latency_params_updated(&lat, 0x0d01, 99, 400);
	/* wake-up: the lock asks for latency 0 again */
	sdfu_ble_latency_power_down(&lat, false);
	assert_int_equal(nreq, 2);
	assert_int_equal(reqs[1].latency, 0);
}

static void test_disconnect_clears(void **state)
{
	(void)state;
	fixture(false);
	secured_link(6, 99);
	hint();
	sdfu_ble_latency_params_updated(&lat, 6, 0, 400);
	assert_int_equal(sdfu_timer_count(&timers), 1);
	sdfu_ble_latency_disconnected(&lat);
	assert_int_equal(sdfu_timer_count(&timers), 0);
	assert_int_equal(lat.state, 0);
	hint();
	assert_int_equal(nreq, 1);
}

/* On connect the module asks for 7.5 ms / latency 0 (nRF Desktop set_init_conn_params); the
 * answer starts the quiet-period check, which raises the latency to 99 once secured. */
static void test_init_params_on_connect(void **state)
{
	struct sdfu_ble_latency_cfg cfg;

	(void)state;
	fixture(false);
	sdfu_ble_latency_deinit(&lat);
	sdfu_ble_latency_cfg_default(&cfg);
	assert_int_equal(sdfu_ble_latency_init(&lat, &link, &bus, &timers, &cfg), 0);
	test_loop_step();
	sdfu_ble_latency_connected(&lat, 24, 99, 600); /* 30 ms, latency 99, 6 s */
	assert_int_equal(nreq, 1);
	assert_int_equal(reqs[0].imin, SDFU_BLE_INTERVAL_7_5MS);
	assert_int_equal(reqs[0].imax, SDFU_BLE_INTERVAL_7_5MS);
	assert_int_equal(reqs[0].latency, 0);
	assert_int_equal(reqs[0].timeout, 400);
	assert_true(fake_port_log_contains("Init connection parameters are set"));
	assert_false(lat.state & SDFU_BLE_LAT_ENABLED); /* only the peer's answer sets it */
	sdfu_ble_latency_params_updated(&lat, 6, 0, 400);
	assert_true(lat.state & SDFU_BLE_LAT_ENABLED);
	sdfu_ble_latency_secured(&lat);
	test_loop_ms(5000); /* quiet check: back to the preferred latency at the new interval */
	assert_int_equal(nreq, 2);
	assert_int_equal(reqs[1].imin, 6);
	assert_int_equal(reqs[1].latency, 99);
	sdfu_ble_latency_disconnected(&lat);
	/* the request failing is a warning only */
	req_ret = SDFU_ERR_BUSY;
	sdfu_ble_latency_connected(&lat, 6, 99, 400);
	assert_int_equal(nreq, 3);
	assert_true(fake_port_log_contains("Failed to update conn parameters"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_no_connection_ignored, teardown),
		cmocka_unit_test_teardown(test_low_latency_then_restore, teardown),
		cmocka_unit_test_teardown(test_llpm_interval_replaced, teardown),
		cmocka_unit_test_teardown(test_not_raised_before_secured, teardown),
		cmocka_unit_test_teardown(test_already_zero_and_failures, teardown),
		cmocka_unit_test_teardown(test_security_timeout_disconnects, teardown),
		cmocka_unit_test_teardown(test_llpm_lock, teardown),
		cmocka_unit_test_teardown(test_disconnect_clears, teardown),
		cmocka_unit_test_teardown(test_init_params_on_connect, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
