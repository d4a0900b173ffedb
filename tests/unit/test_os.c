/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the OS group: echo (golden bytes), reset timing and veto, params, info, bootloader info. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/err.h"
#include "sdfu/os.h"
#include "sdfu/port.h"
#include "smp_test.h"

static struct sdfu_smp_server srv;
static struct sdfu_timer_list timers;
static struct sdfu_os os;
static struct sdfu_boot_ctx boot;
static struct smp_test_cap cap;

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	sdfu_smp_server_init(&srv);
	sdfu_timer_list_init(&timers);
	boot = (struct sdfu_boot_ctx){ .mode = SDFU_BOOT_MODE_SWAP_MOVE };
	assert_int_equal(sdfu_os_init(&os, &srv, &timers, &boot, NULL), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* every test leaves no armed timer and no pending reset behind */
	assert_int_equal(sdfu_timer_count(&timers), 0);
	assert_int_equal(fake_port_crit_depth(), 0);
	return 0;
}

static void assert_rc(const struct smp_rsp *r, int64_t want)
{
	int64_t rc = -1;

	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, want);
	assert_int_equal(smp_rsp_count(r), 1);
}

static void assert_err(const struct smp_rsp *r, uint16_t want_group, uint16_t want_rc)
{
	uint16_t g = 0xFFFF, rc = 0xFFFF;

	assert_true(smp_rsp_err(r, &g, &rc));
	assert_int_equal(g, want_group);
	assert_int_equal(rc, want_rc);
	assert_int_equal(smp_rsp_count(r), 1);
}

/* ---- echo ------------------------------------------------------------------ */
static void test_echo_golden_spec_1_1(void **state)
{
	/* spec 1.1 worked example request, byte for byte */
	const uint8_t req[] = { 0x0A, 0x00, 0x00, 0x09, 0x00, 0x00, 0x2A, 0x00,
				0xA1, 0x61, 0x64, 0x65, 0x68, 0x65, 0x6C, 0x6C, 0x6F };
	/* Same response as the spec's `A1 61 72 65 68 65 6C 6C 6F`, but zcbor (like Zephyr)
	 * emits an indefinite map BF .. FF, so the payload is 10 bytes. */
	const uint8_t rsp[] = { 0x0B, 0x00, 0x00, 0x0A, 0x00, 0x00, 0x2A, 0x00,
				0xBF, 0x61, 0x72, 0x65, 0x68, 0x65, 0x6C, 0x6C, 0x6F, 0xFF };

	(void)state;
	assert_int_equal(smp_test_run(&srv, req, sizeof(req), &cap), 1);
	assert_int_equal(cap.count, 1);
	assert_int_equal(cap.rsp[0].len, sizeof(rsp));
	assert_memory_equal(cap.rsp[0].frame, rsp, sizeof(rsp));
	assert_true(smp_rsp_tstr_eq(&cap.rsp[0], "r", "hello"));
	assert_int_equal(smp_rsp_count(&cap.rsp[0]), 1);
}

static void test_echo_read_v1_and_indefinite(void **state)
{
	const struct smp_test_kv kv[] = { SMP_KV_TSTR("d", "ping"), SMP_KV_UINT("extra", 1) };
	struct smp_test_req_hdr h = { .op = SDFU_SMP_OP_READ, .ver = 0, .group = 0, .id = 0, .seq = 0xFF };
	static uint8_t buf[64];
	size_t n;
	const struct smp_rsp *r;

	(void)state;
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_1, 0, 0, kv, 2);
	assert_int_equal(r->frame[0], 0x01);
	assert_true(smp_rsp_tstr_eq(r, "r", "ping"));
	n = smp_test_build(buf, sizeof(buf), &h, kv, 2, SMP_TEST_F_INDEF);
	assert_int_equal(smp_test_run(&srv, buf, n, &cap), 1);
	assert_int_equal(cap.rsp[0].hdr.seq, 0xFF);
	assert_true(smp_rsp_tstr_eq(&cap.rsp[0], "r", "ping"));
	/* empty string echoes too */
	{
		const struct smp_test_kv e[] = { SMP_KV_TSTR("d", "") };

		r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 0, e, 1);
		assert_true(smp_rsp_tstr_eq(r, "r", ""));
	}
}

static void test_echo_errors(void **state)
{
	const struct smp_test_kv wrong[] = { SMP_KV_UINT("d", 5) };
	const struct smp_test_kv bstr[] = { SMP_KV_BSTR("d", (const uint8_t *)"ab", 2) };
	const struct smp_test_kv other[] = { SMP_KV_TSTR("D", "x") };

	(void)state;
	assert_rc(smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 0, NULL, 0), 3);
	assert_rc(smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 0, wrong, 1), 3);
	assert_rc(smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_1, 0, 0, bstr, 1), 3);
	assert_rc(smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 0, other, 1), 3);
}

/* ---- reset --------------------------------------------------------------------- */
struct reset_seen {
	unsigned calls;
	struct sdfu_os_reset_data data;
	enum sdfu_smp_cb_ret ret;
	int32_t rc;
	uint16_t group;
};
static struct reset_seen seen;

static enum sdfu_smp_cb_ret reset_cb(uint32_t event, enum sdfu_smp_cb_ret prev, int32_t *rc,
				     uint16_t *group, bool *abort_more, void *data,
				     size_t data_size, void *user)
{
	assert_int_equal(event, SDFU_SMP_EVT_OS_RESET);
	assert_int_equal(data_size, sizeof(struct sdfu_os_reset_data));
	seen.calls++;
	seen.data = *(struct sdfu_os_reset_data *)data;
	*rc = seen.rc;
	*group = seen.group;
	return seen.ret;
}

static struct sdfu_smp_cb reset_hook = { .event_id = SDFU_SMP_EVT_OS_RESET, .fn = reset_cb };

static void run_timers(uint32_t ms)
{
	fake_port_advance(ms);
	sdfu_timer_process(&timers, sdfu_port_uptime_ms());
}

static void test_reset_response_then_delayed_reset(void **state)
{
	const uint8_t empty_rsp[] = { 0x0B, 0x00, 0x00, 0x02, 0x00, 0x00, 0x10, 0x05, 0xBF, 0xFF };
	struct smp_test_req_hdr h = { .op = SDFU_SMP_OP_WRITE, .ver = 1, .group = 0, .id = 5, .seq = 0x10 };
	static uint8_t buf[32];
	size_t n;

	(void)state;
	n = smp_test_build(buf, sizeof(buf), &h, NULL, 0, 0);
	assert_int_equal(smp_test_run(&srv, buf, n, &cap), 1);
	/* the response went out and nothing has reset yet */
	assert_int_equal(cap.count, 1);
	assert_memory_equal(cap.rsp[0].frame, empty_rsp, sizeof(empty_rsp));
	assert_int_equal(cap.rsp[0].len, sizeof(empty_rsp));
	assert_int_equal(fake_port_reset_count(), 0);
	assert_int_equal(sdfu_timer_count(&timers), 1);

	run_timers(SDFU_OS_RESET_DELAY_MS - 1);
	assert_int_equal(fake_port_reset_count(), 0);
	run_timers(1);
	assert_int_equal(fake_port_reset_count(), 1);
	assert_int_equal(sdfu_timer_count(&timers), 0);
	run_timers(10000);
	assert_int_equal(fake_port_reset_count(), 1);
}

static void test_reset_empty_payload_and_read_op(void **state)
{
	struct smp_test_req_hdr h = { .op = SDFU_SMP_OP_WRITE, .ver = 0, .group = 0, .id = 5, .seq = 1 };
	static uint8_t buf[32];
	size_t n;

	(void)state;
	/* Go mcumgr CLI: v1, {} ; also a zero-length payload */
	n = smp_test_build(buf, sizeof(buf), &h, NULL, 0, SMP_TEST_F_NO_MAP);
	assert_int_equal(smp_test_run(&srv, buf, n, &cap), 1);
	assert_int_equal(smp_rsp_count(&cap.rsp[0]), 0);
	assert_int_equal(sdfu_timer_count(&timers), 1);
	/* a second reset re-arms (does not double) the timer */
	fake_port_advance(100);
	assert_int_equal(smp_test_run(&srv, buf, n, &cap), 1);
	assert_int_equal(sdfu_timer_count(&timers), 1);
	run_timers(SDFU_OS_RESET_DELAY_MS - 100);
	assert_int_equal(fake_port_reset_count(), 0);
	run_timers(100);
	assert_int_equal(fake_port_reset_count(), 1);

	/* READ of reset is not supported */
	assert_rc(smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, 0, 5, NULL, 0), 8);
	assert_int_equal(sdfu_timer_count(&timers), 0);
}

static void test_reset_force_forms(void **state)
{
	const struct {
		struct smp_test_kv kv[2];
		size_t n;
		bool force;
		uint8_t boot_mode;
	} cases[] = {
		{ { SMP_KV_BOOL("force", true) }, 1, true, 0 },
		{ { SMP_KV_BOOL("force", false) }, 1, false, 0 },
		{ { SMP_KV_UINT("force", 1) }, 1, true, 0 },
		{ { SMP_KV_UINT("force", 0) }, 1, false, 0 },
		{ { SMP_KV_UINT("force", 1), SMP_KV_UINT("boot_mode", 1) }, 2, true, 1 },
		{ { SMP_KV_UINT("boot_mode", 1) }, 1, false, 1 },
		/* invalid payloads are ignored: defaults, reset still happens */
		{ { SMP_KV_TSTR("force", "yes") }, 1, false, 0 },
		{ { SMP_KV_TSTR("boot_mode", "x"), SMP_KV_BOOL("force", true) }, 2, false, 0 },
	};

	(void)state;
	sdfu_smp_cb_register(&srv, &reset_hook);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct smp_rsp *r;
		unsigned before = fake_port_reset_count();

		memset(&seen, 0, sizeof(seen));
		seen.data.force = !cases[i].force;
		seen.data.boot_mode = 0xEE;
		r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 5, cases[i].kv,
				 cases[i].n);
		assert_int_equal(smp_rsp_count(r), 0);
		assert_int_equal(seen.calls, 1);
		assert_int_equal(seen.data.force, cases[i].force);
		assert_int_equal(seen.data.boot_mode, cases[i].boot_mode);
		assert_int_equal(os.pending_boot_mode, cases[i].boot_mode);
		run_timers(SDFU_OS_RESET_DELAY_MS);
		assert_int_equal(fake_port_reset_count(), before + 1);
	}
	sdfu_smp_cb_unregister(&srv, &reset_hook);
}

static void test_reset_veto(void **state)
{
	const struct smp_test_kv kv[] = { SMP_KV_BOOL("force", false) };
	const struct smp_rsp *r;

	(void)state;
	sdfu_smp_cb_register(&srv, &reset_hook);
	memset(&seen, 0, sizeof(seen));
	seen.ret = SDFU_SMP_CB_ERROR_RC;
	seen.rc = SDFU_MGMT_EBUSY;
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 5, kv, 1);
	assert_rc(r, 10);
	assert_int_equal(sdfu_timer_count(&timers), 0);

	seen.ret = SDFU_SMP_CB_ERROR_ERR;
	seen.rc = 1;
	seen.group = 0;
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 5, kv, 1);
	assert_err(r, 0, 1);
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_1, 0, 5, kv, 1);
	assert_rc(r, 1);
	run_timers(SDFU_OS_RESET_DELAY_MS * 4);
	assert_int_equal(fake_port_reset_count(), 0);
	assert_int_equal(seen.calls, 3);

	/* the hook allows it once the app is no longer busy */
	seen.ret = SDFU_SMP_CB_OK;
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 5, kv, 1);
	assert_int_equal(smp_rsp_count(r), 0);
	run_timers(SDFU_OS_RESET_DELAY_MS);
	assert_int_equal(fake_port_reset_count(), 1);
	sdfu_smp_cb_unregister(&srv, &reset_hook);
}

static enum sdfu_smp_cb_ret deny_reset_recv(uint32_t event, enum sdfu_smp_cb_ret prev,
					    int32_t *rc, uint16_t *group, bool *abort_more,
					    void *data, size_t data_size, void *user)
{
	const struct sdfu_smp_cmd_info *ci = data;

	if (ci->group == SDFU_SMP_GROUP_OS && ci->id == SDFU_OS_ID_RESET) {
		*rc = SDFU_MGMT_EACCESSDENIED;
		return SDFU_SMP_CB_ERROR_RC;
	}
	return SDFU_SMP_CB_OK;
}

static void test_reset_denied_by_cmd_recv(void **state)
{
	struct sdfu_smp_cb cb = { .event_id = SDFU_SMP_EVT_CMD_RECV, .fn = deny_reset_recv };
	const struct smp_test_kv kv[] = { SMP_KV_TSTR("d", "x") };

	(void)state;
	sdfu_smp_cb_register(&srv, &cb);
	sdfu_smp_cb_register(&srv, &reset_hook);
	memset(&seen, 0, sizeof(seen));
	assert_rc(smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 5, NULL, 0), 11);
	assert_int_equal(seen.calls, 0); /* handler never ran */
	assert_int_equal(sdfu_timer_count(&timers), 0);
	/* echo passes */
	assert_true(smp_rsp_tstr_eq(smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 0,
						 kv, 1), "r", "x"));
	sdfu_smp_cb_unregister(&srv, &cb);
	sdfu_smp_cb_unregister(&srv, &reset_hook);
}

/* ---- params ---------------------------------------------------------------------- */
static void test_params(void **state)
{
	const struct smp_rsp *r;
	uint64_t v;

	(void)state;
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, 0, 6, NULL, 0);
	assert_int_equal(smp_rsp_count(r), 2);
	assert_true(smp_rsp_get_uint(r, "buf_size", &v));
	assert_int_equal(v, SDFU_SMP_BUF_SIZE);
	assert_true(smp_rsp_get_uint(r, "buf_count", &v));
	assert_int_equal(v, SDFU_SMP_BUF_COUNT);

	srv.buf_size = 384;
	srv.buf_count = 2;
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_1, 0, 6, NULL, 0);
	assert_true(smp_rsp_get_uint(r, "buf_size", &v));
	assert_int_equal(v, 384);
	assert_true(smp_rsp_get_uint(r, "buf_count", &v));
	assert_int_equal(v, 2);

	assert_rc(smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 6, NULL, 0), 8);
}

/* ---- info -------------------------------------------------------------------------- */
static const struct sdfu_os_info test_info = {
	.kernel_name = "K", .node_name = "N", .release = "R", .version = "V",
	.build_date = "B", .machine = "M", .processor = "P", .platform = "I", .os = "O",
};

static const struct smp_rsp *info_req(uint8_t ver, const char *fmt)
{
	const struct smp_test_kv kv[] = { SMP_KV_TSTR("format", fmt) };

	return smp_test_req(&srv, SDFU_SMP_OP_READ, ver, 0, 7, kv, fmt != NULL ? 1 : 0);
}

static void test_info_formats(void **state)
{
	(void)state;
	/* defaults: kernel name from config */
	assert_true(smp_rsp_tstr_eq(info_req(1, NULL), "output", SDFU_OS_INFO_KERNEL));
	assert_true(smp_rsp_tstr_eq(info_req(1, ""), "output", SDFU_OS_INFO_KERNEL));
	assert_true(smp_rsp_tstr_eq(info_req(1, "m"), "output", SDFU_OS_INFO_MACHINE));
	assert_true(smp_rsp_tstr_eq(info_req(1, "n"), "output", "unknown"));

	/* with app strings: fixed order regardless of letter order, duplicates once */
	os.info = test_info;
	assert_true(smp_rsp_tstr_eq(info_req(1, "a"), "output", "K N R V B M P I O"));
	assert_true(smp_rsp_tstr_eq(info_req(1, "osvs"), "output", "K V O"));
	assert_true(smp_rsp_tstr_eq(info_req(0, "imp"), "output", "M P I"));
	assert_true(smp_rsp_tstr_eq(info_req(1, "ba"), "output", "K N R V B M P I O"));
	assert_int_equal(smp_rsp_count(info_req(1, "s")), 1);
}

static void test_info_errors(void **state)
{
	static char longstr[SDFU_OS_INFO_OUTPUT_MAX + 10];
	const struct smp_test_kv wrong[] = { SMP_KV_UINT("format", 1) };

	(void)state;
	assert_err(info_req(1, "sx"), 0, SDFU_OS_ERR_INVALID_FORMAT);
	assert_err(info_req(1, "S"), 0, SDFU_OS_ERR_INVALID_FORMAT);
	assert_rc(info_req(0, "q"), 3); /* v1: INVALID_FORMAT -> EINVAL */
	assert_rc(smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, 0, 7, wrong, 1), 3);
	assert_rc(smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, 0, 7, NULL, 0), 8);

	/* output longer than the info buffer -> rc 7 */
	memset(longstr, 'x', sizeof(longstr) - 1);
	os.info.node_name = longstr;
	assert_rc(info_req(1, "sn"), 7);
	/* output longer than the response buffer -> rc 7 */
	longstr[100] = '\0';
	assert_true(smp_rsp_has(info_req(1, "n"), "output"));
	srv.buf_size = 80;
	assert_rc(info_req(1, "n"), 7);
}

/* ---- bootloader info -------------------------------------------------------------------- */
static const struct smp_rsp *bl_req(uint8_t ver, const char *query)
{
	const struct smp_test_kv kv[] = { SMP_KV_TSTR("query", query) };

	return smp_test_req(&srv, SDFU_SMP_OP_READ, ver, 0, 8, kv, query != NULL ? 1 : 0);
}

static void test_bootloader_info(void **state)
{
	const struct smp_rsp *r;
	int64_t mode;
	bool b;

	(void)state;
	r = bl_req(1, NULL);
	assert_true(smp_rsp_tstr_eq(r, "bootloader", "MCUboot"));
	assert_int_equal(smp_rsp_count(r), 1);

	r = bl_req(1, "mode");
	assert_true(smp_rsp_get_int(r, "mode", &mode));
	assert_int_equal(mode, 3);
	assert_false(smp_rsp_has(r, "no-downgrade"));
	assert_int_equal(smp_rsp_count(r), 1);

	boot.downgrade_prevention = true;
	boot.mode = SDFU_BOOT_MODE_OVERWRITE_ONLY;
	r = bl_req(0, "mode");
	assert_true(smp_rsp_get_int(r, "mode", &mode));
	assert_int_equal(mode, 2);
	assert_true(smp_rsp_get_bool(r, "no-downgrade", &b));
	assert_true(b);

	assert_err(bl_req(1, "modes"), 0, SDFU_OS_ERR_QUERY_YIELDS_NO_ANSWER);
	assert_err(bl_req(1, ""), 0, SDFU_OS_ERR_QUERY_YIELDS_NO_ANSWER);
	assert_rc(bl_req(0, "foo"), 5); /* v1 translation: QUERY_YIELDS_NO_ANSWER -> ENOENT */
	{
		const struct smp_test_kv wrong[] = { SMP_KV_UINT("query", 1) };

		assert_rc(smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, 0, 8, wrong, 1), 3);
	}
}

static void test_bootloader_info_no_boot(void **state)
{
	struct sdfu_smp_server s2;
	struct sdfu_os os2;
	const struct smp_test_kv kv[] = { SMP_KV_TSTR("query", "mode") };
	const struct smp_rsp *r;
	int64_t mode = 0;

	(void)state;
	sdfu_smp_server_init(&s2);
	assert_int_equal(sdfu_os_init(&os2, &s2, &timers, NULL, NULL), 0);
	r = smp_test_req(&s2, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, 0, 8, kv, 1);
	assert_true(smp_rsp_get_int(r, "mode", &mode));
	assert_int_equal(mode, -1);
	assert_false(smp_rsp_has(r, "no-downgrade"));
}

/* ---- others ---------------------------------------------------------------------------------- */
static void test_unsupported_ids(void **state)
{
	const uint8_t ids[] = { 1, 2, 3, 4, 9, 10, 63, 200, 255 };

	(void)state;
	for (size_t i = 0; i < sizeof(ids); i++) {
		assert_rc(smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, 0, ids[i], NULL, 0), 8);
		assert_rc(smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_1, 0, ids[i], NULL, 0), 8);
	}
}

static void test_init_and_translate(void **state)
{
	struct sdfu_os other;

	(void)state;
	assert_int_equal(sdfu_os_init(&other, &srv, &timers, NULL, NULL), SDFU_ERR_EXIST);
	assert_int_equal(sdfu_os_init(&other, &srv, NULL, NULL, NULL), SDFU_ERR_INVAL);
	assert_int_equal(os.reset_delay_ms, SDFU_OS_RESET_DELAY_MS);
	assert_int_equal(sdfu_os_translate(SDFU_OS_ERR_OK), 0);
	assert_int_equal(sdfu_os_translate(SDFU_OS_ERR_UNKNOWN), 1);
	assert_int_equal(sdfu_os_translate(SDFU_OS_ERR_INVALID_FORMAT), 3);
	assert_int_equal(sdfu_os_translate(SDFU_OS_ERR_QUERY_YIELDS_NO_ANSWER), 5);
	assert_int_equal(sdfu_os_translate(SDFU_OS_ERR_RTC_NOT_SET), 5);
	assert_int_equal(sdfu_os_translate(SDFU_OS_ERR_RTC_COMMAND_FAILED), 1);
	assert_int_equal(sdfu_os_translate(SDFU_OS_ERR_QUERY_RESPONSE_VALUE_NOT_VALID), 1);
	assert_int_equal(sdfu_os_translate(99), 1);
}

/* every test with its own server (setup, teardown) */
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_echo_golden_spec_1_1),
		T(test_echo_read_v1_and_indefinite),
		T(test_echo_errors),
		T(test_reset_response_then_delayed_reset),
		T(test_reset_empty_payload_and_read_op),
		T(test_reset_force_forms),
		T(test_reset_veto),
		T(test_reset_denied_by_cmd_recv),
		T(test_params),
		T(test_info_formats),
		T(test_info_errors),
		T(test_bootloader_info),
		T(test_bootloader_info_no_boot),
		T(test_unsupported_ids),
		T(test_init_and_translate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
