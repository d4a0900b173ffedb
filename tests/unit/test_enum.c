/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the enum group (10): count, list, single by index, details with filter, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/enum.h"
#include "sdfu/err.h"
#include "sdfu/os.h"
#include "smp_test.h"

static struct sdfu_smp_server srv;
static struct sdfu_timer_list timers;
static struct sdfu_os os;
static struct sdfu_enum en;

/* A user group with three command slots (one of them empty). */
static int nop(struct sdfu_smp_ctx *ctx)
{
	(void)ctx;
	return 0;
}
static const struct sdfu_smp_handler user_handlers[] = { { nop, NULL }, { NULL, NULL }, { NULL, nop } };
static struct sdfu_smp_group user = { .handlers = user_handlers, .handler_count = 3, .group_id = 64 };

static const struct sdfu_enum_name names[] = {
	{ SDFU_SMP_GROUP_OS, "os mgmt" },
	{ SDFU_SMP_GROUP_ENUM, "enum mgmt" },
};

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	sdfu_smp_server_init(&srv);
	sdfu_timer_list_init(&timers);
	assert_int_equal(sdfu_os_init(&os, &srv, &timers, NULL, NULL), 0);
	assert_int_equal(sdfu_enum_init(&en, &srv, names, 2), 0);
	assert_int_equal(sdfu_smp_register_group(&srv, &user), 0);
	return 0;
}

static const struct smp_rsp *req(uint8_t ver, uint8_t id, const struct smp_test_kv *kv, size_t n)
{
	const struct smp_rsp *r = smp_test_req(&srv, SDFU_SMP_OP_READ, ver, SDFU_SMP_GROUP_ENUM, id, kv, n);

	assert_non_null(r);
	assert_true(r->map_ok);
	assert_int_equal(r->hdr.op, SDFU_SMP_OP_READ_RSP);
	assert_int_equal(r->hdr.group, SDFU_SMP_GROUP_ENUM);
	return r;
}

/* A request answered with an SMP "rc": returns it. */
static int64_t req_rc(uint8_t ver, uint8_t id, const struct smp_test_kv *kv, size_t n)
{
	int64_t rc = 0;

	assert_true(smp_rsp_rc(req(ver, id, kv, n), &rc));
	return rc;
}

/* A request answered with an enum group error: returns its rc. */
static uint16_t req_enum_err(uint8_t ver, uint8_t id, const struct smp_test_kv *kv, size_t n)
{
	uint16_t g = 0, rc = 0;

	assert_true(smp_rsp_err(req(ver, id, kv, n), &g, &rc));
	assert_int_equal(g, SDFU_SMP_GROUP_ENUM);
	return rc;
}

static void assert_uint(const struct smp_rsp *r, const char *key, uint64_t want)
{
	uint64_t v = ~(uint64_t)0;

	assert_true(smp_rsp_get_uint(r, key, &v));
	assert_int_equal(v, want);
}

/* A CBOR unsigned integer below 256 (one or two bytes). */
static bool small_uint(const uint8_t *e, size_t len, uint64_t *v)
{
	if (len == 1 && e[0] <= 0x17) {
		*v = e[0];
		return true;
	}
	if (len == 2 && e[0] == 0x18) {
		*v = e[1];
		return true;
	}
	return false;
}

static void test_init_errors(void **state)
{
	struct sdfu_enum other;

	(void)state;
	assert_int_equal(sdfu_enum_init(NULL, &srv, NULL, 0), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_enum_init(&other, NULL, NULL, 0), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_enum_init(&other, &srv, NULL, 0), SDFU_ERR_EXIST);
}

static void test_count_and_list(void **state)
{
	const struct smp_rsp *r;
	const uint8_t *arr, *e;
	size_t alen, elen;
	uint64_t id;
	const uint64_t want[] = { 0, 10, 64 };

	(void)state;
	r = req(SDFU_SMP_VER_2, SDFU_ENUM_CMD_COUNT, NULL, 0);
	assert_uint(r, "count", 3);
	assert_int_equal(smp_rsp_count(r), 1);
	r = req(SDFU_SMP_VER_1, SDFU_ENUM_CMD_LIST, NULL, 0);
	assert_true(smp_rsp_get_raw(r, "groups", &arr, &alen));
	assert_int_equal(smp_array_len(arr, alen), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(smp_array_get(arr, alen, i, &e, &elen));
		assert_true(small_uint(e, elen, &id));
		assert_int_equal(id, want[i]);
	}
}

static void test_single(void **state)
{
	const struct smp_test_kv i0[] = { SMP_KV_UINT("index", 0) };
	const struct smp_test_kv i2[] = { SMP_KV_UINT("index", 2) };
	const struct smp_test_kv i3[] = { SMP_KV_UINT("index", 3) };
	const struct smp_test_kv big[] = { SMP_KV_UINT("index", 65536) };
	const struct smp_test_kv bad[] = { SMP_KV_TSTR("index", "1") };
	const struct smp_rsp *r;

	(void)state;
	r = req(SDFU_SMP_VER_2, SDFU_ENUM_CMD_SINGLE, NULL, 0); /* index omitted = 0 */
	assert_uint(r, "group", 0);
	assert_false(smp_rsp_has(r, "end"));
	r = req(SDFU_SMP_VER_2, SDFU_ENUM_CMD_SINGLE, i0, 1);
	assert_uint(r, "group", 0);
	r = req(SDFU_SMP_VER_2, SDFU_ENUM_CMD_SINGLE, i2, 1);
	assert_uint(r, "group", 64);
	{
		bool end = false;

		assert_true(smp_rsp_get_bool(r, "end", &end));
		assert_true(end);
	}
	assert_int_equal(req_enum_err(SDFU_SMP_VER_2, SDFU_ENUM_CMD_SINGLE, i3, 1), SDFU_ENUM_ERR_INDEX_TOO_LARGE);
	/* v1: Zephyr translates it to EUNKNOWN */
	assert_int_equal(req_rc(SDFU_SMP_VER_1, SDFU_ENUM_CMD_SINGLE, i3, 1), SDFU_MGMT_EUNKNOWN);
	assert_int_equal(req_rc(SDFU_SMP_VER_2, SDFU_ENUM_CMD_SINGLE, big, 1), SDFU_MGMT_EINVAL);
	assert_int_equal(req_rc(SDFU_SMP_VER_2, SDFU_ENUM_CMD_SINGLE, bad, 1), SDFU_MGMT_EINVAL);
}

/* Check one details entry: group id, name, handler count, and nothing else. */
static void check_entry(const uint8_t *m, size_t mlen, uint64_t id, const char *name, uint64_t handlers)
{
	uint64_t v;
	struct zcbor_string s;

	assert_int_equal(smp_map_count(m, mlen), 3);
	assert_true(smp_map_get_uint(m, mlen, "group", &v));
	assert_int_equal(v, id);
	assert_true(smp_map_get_tstr(m, mlen, "name", &s));
	assert_int_equal(s.len, strlen(name));
	assert_memory_equal(s.value, name, s.len);
	assert_true(smp_map_get_uint(m, mlen, "handlers", &v));
	assert_int_equal(v, handlers);
}

struct group_want {
	uint64_t id;
	const char *name;
	uint64_t handlers;
};

/* A details request (v2) answers `count` groups; the first ones are `want` (NULL: unchecked). */
static void details_are(const struct smp_test_kv *kv, size_t n, const struct group_want *want, size_t count)
{
	const uint8_t *arr, *e;
	size_t alen, elen;

	assert_true(smp_rsp_get_raw(req(SDFU_SMP_VER_2, SDFU_ENUM_CMD_DETAILS, kv, n), "groups", &arr, &alen));
	assert_int_equal(smp_array_len(arr, alen), count);
	for (size_t i = 0; want != NULL && i < count; i++) {
		assert_true(smp_array_get(arr, alen, i, &e, &elen));
		check_entry(e, elen, want[i].id, want[i].name, want[i].handlers);
	}
}

static void test_details(void **state)
{
	static const uint8_t filt[] = { 0x83, 0x18, 0x40, 0x0A, 0x05 };  /* [64, 10, 5] */
	static const uint8_t empty[] = { 0x80 };                         /* [] */
	static const uint8_t notlist[] = { 0x0A };                       /* 10 */
	static const uint8_t badent[] = { 0x82, 0x0A, 0x61, 0x78 };      /* [10, "x"] */
	uint8_t many[1 + SDFU_ENUM_DETAILS_MAX_FILTER + 1];
	const struct smp_test_kv kf[] = { SMP_KV_RAW("groups", filt, sizeof(filt)) };
	const struct smp_test_kv ke[] = { SMP_KV_RAW("groups", empty, sizeof(empty)) };
	const struct smp_test_kv kn[] = { SMP_KV_RAW("groups", notlist, sizeof(notlist)) };
	const struct smp_test_kv kb[] = { SMP_KV_RAW("groups", badent, sizeof(badent)) };
	const struct smp_test_kv km[] = { SMP_KV_RAW("groups", many, sizeof(many)) };
	static const struct group_want all[] = { { 0, "os mgmt", 9 }, { 10, "enum mgmt", 4 }, { 64, "", 3 } };

	(void)state;
	details_are(NULL, 0, all, 3); /* 64: no name given */
	/* filter: registration order kept, unknown id 5 skipped */
	details_are(kf, 1, all + 1, 2);
	details_are(ke, 1, NULL, 3);
	/* malformed filters: rc 3 */
	assert_int_equal(req_rc(SDFU_SMP_VER_2, SDFU_ENUM_CMD_DETAILS, kn, 1), SDFU_MGMT_EINVAL);
	assert_int_equal(req_rc(SDFU_SMP_VER_2, SDFU_ENUM_CMD_DETAILS, kb, 1), SDFU_MGMT_EINVAL);
	/* one id more than the capacity: group error 2 (v1: EINVAL) */
	many[0] = (uint8_t)(0x80 + SDFU_ENUM_DETAILS_MAX_FILTER + 1);
	for (size_t i = 1; i < sizeof(many); i++) {
		many[i] = 0x00;
	}
	assert_int_equal(req_enum_err(SDFU_SMP_VER_2, SDFU_ENUM_CMD_DETAILS, km, 1), SDFU_ENUM_ERR_TOO_MANY_GROUP_ENTRIES);
	assert_int_equal(req_rc(SDFU_SMP_VER_1, SDFU_ENUM_CMD_DETAILS, km, 1), SDFU_MGMT_EINVAL);
}

static void test_write_and_unknown_cmd(void **state)
{
	const struct smp_rsp *r;
	int64_t mrc;

	(void)state;
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, SDFU_SMP_GROUP_ENUM, 0, NULL, 0);
	assert_true(smp_rsp_rc(r, &mrc));
	assert_int_equal(mrc, SDFU_MGMT_ENOTSUP);
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, SDFU_SMP_GROUP_ENUM, 4, NULL, 0);
	assert_true(smp_rsp_rc(r, &mrc));
	assert_int_equal(mrc, SDFU_MGMT_ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_errors, setup),
		cmocka_unit_test_setup(test_count_and_list, setup),
		cmocka_unit_test_setup(test_single, setup),
		cmocka_unit_test_setup(test_details, setup),
		cmocka_unit_test_setup(test_write_and_unknown_cmd, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
