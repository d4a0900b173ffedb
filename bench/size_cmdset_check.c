/* SPDX-License-Identifier: Apache-2.0 */
/* Host check that the size configuration (bench/size_config.h) serves smp_svr's command set. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/err.h"
#include "sdfu/img.h"
#include "sdfu/os.h"
#include "sdfu/port.h"
#include "sdfu/timer.h"
#include "smp_test.h"

/*
 * Built by scripts/check-size-budget.sh with -DSDFU_CONFIG_FILE=bench/size_config.h,
 * the core, zcbor, tests/support (fake port, SMP test client) and the Mbed TLS crypto
 * port. It checks what the size build promises: echo and reset work, the commands
 * Zephyr's smp_svr does not have answer rc 8 (v1 and v2), and a compiled-out
 * bootloader mode is refused at init.
 */
#if SDFU_OS_PARAMS || SDFU_OS_INFO || SDFU_OS_BOOTLOADER_INFO || SDFU_IMG_SLOT_INFO || \
	SDFU_IMG_VALIDATE_ON_TEST || SDFU_SMP_HOOKS || !SDFU_OS_ECHO || !SDFU_IMG_ERASE
#error "build with -DSDFU_CONFIG_FILE pointing at bench/size_config.h"
#endif

static struct sdfu_smp_server srv;
static struct sdfu_timer_list timers;
static struct sdfu_os os;
static struct sdfu_img img;
static struct sdfu_boot_ctx boot;

static void rc_is(const struct smp_rsp *r, int64_t want)
{
	int64_t rc = -1;

	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, want);
}

static void test_smp_svr_command_set(void **state)
{
	const struct smp_test_kv echo[] = { SMP_KV_TSTR("d", "hi") };
	const struct smp_rsp *r;

	(void)state;
	fake_port_reset_state();
	sdfu_smp_server_init(&srv);
	sdfu_timer_list_init(&timers);
	memset(&boot, 0, sizeof(boot));
	boot.mode = SDFU_BOOT_MODE_SWAP_MOVE;
	assert_int_equal(sdfu_os_init(&os, &srv, &timers, &boot, NULL), 0);
	assert_int_equal(sdfu_img_init(&img, &srv, &boot), 0);
	for (uint8_t ver = 0; ver < 2; ver++) {
		assert_true(smp_rsp_tstr_eq(smp_test_req(&srv, 2, ver, 0, 0, echo, 1), "r", "hi"));
		rc_is(smp_test_req(&srv, 0, ver, 0, 6, NULL, 0), 8); /* MCUmgr params */
		rc_is(smp_test_req(&srv, 0, ver, 0, 7, NULL, 0), 8); /* OS info */
		rc_is(smp_test_req(&srv, 0, ver, 0, 8, NULL, 0), 8); /* bootloader info */
		rc_is(smp_test_req(&srv, 0, ver, 0, 2, NULL, 0), 8); /* taskstat: never built */
		rc_is(smp_test_req(&srv, 0, ver, 1, 6, NULL, 0), 8); /* slot info */
		rc_is(smp_test_req(&srv, 0, ver, 2, 0, NULL, 0), 8); /* stat group: never built */
	}
	/* reset: an empty map now, the port's reset after the delay */
	r = smp_test_req(&srv, 2, 1, 0, 5, NULL, 0);
	assert_int_equal(smp_rsp_count(r), 0);
	assert_int_equal(fake_port_reset_count(), 0);
	fake_port_advance(SDFU_OS_RESET_DELAY_MS);
	sdfu_timer_process(&timers, sdfu_port_uptime_ms());
	assert_int_equal(fake_port_reset_count(), 1);
	assert_int_equal(sdfu_timer_count(&timers), 0);

	/* bootloader modes outside SDFU_BOOT_MODES are refused */
	sdfu_smp_server_init(&srv);
	boot.mode = SDFU_BOOT_MODE_DIRECT_XIP;
	assert_int_equal(sdfu_img_init(&img, &srv, &boot), SDFU_ERR_NOTSUP);
	boot.mode = SDFU_BOOT_MODE_OVERWRITE_ONLY;
	assert_int_equal(sdfu_img_init(&img, &srv, &boot), SDFU_ERR_NOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_smp_svr_command_set) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
