/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for SMP callbacks: chain semantics, event matching, CMD_RECV veto, CMD_DONE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "sdfu/err.h"
#include "sdfu/smp.h"
#include "smp_test.h"

#define TGRP 70

static struct sdfu_smp_server srv;
static unsigned handler_calls;

static int h_ok(struct sdfu_smp_ctx *ctx)
{
	handler_calls++;
	return (zcbor_tstr_put_lit(ctx->zse, "x") && zcbor_uint32_put(ctx->zse, 1)) ? 0 : -1;
}

static int h_grp_err(struct sdfu_smp_ctx *ctx)
{
	handler_calls++;
	return sdfu_smp_set_group_err(ctx, TGRP, 4);
}

static const struct sdfu_smp_handler handlers[] = {
	{ .read = h_ok, .write = h_ok },
	{ .read = h_grp_err, .write = NULL },
};

static int translate(uint16_t rc)
{
	return rc == 4 ? SDFU_MGMT_ENOENT : SDFU_MGMT_EUNKNOWN;
}

static struct sdfu_smp_group grp = {
	.handlers = handlers, .handler_count = 2, .group_id = TGRP, .translate = translate,
};

/* ---- configurable recording callbacks ------------------------------------ */
struct rec {
	unsigned idx;
	uint32_t event;
	enum sdfu_smp_cb_ret prev;
	struct sdfu_smp_cmd_info info;
	struct sdfu_smp_cmd_done done;
};

struct cb_cfg {
	enum sdfu_smp_cb_ret ret;
	int32_t rc;
	uint16_t group;
	bool abort;
	unsigned idx;
};

static struct rec recs[32];
static unsigned nrec;

static enum sdfu_smp_cb_ret rec_cb(uint32_t event, enum sdfu_smp_cb_ret prev, int32_t *rc,
				   uint16_t *group, bool *abort_more, void *data, size_t data_size,
				   void *user)
{
	const struct cb_cfg *c = user;
	struct rec *r = &recs[nrec < 32 ? nrec++ : 31];

	r->idx = c->idx;
	r->event = event;
	r->prev = prev;
	if (event == SDFU_SMP_EVT_CMD_RECV) {
		assert_int_equal(data_size, sizeof(struct sdfu_smp_cmd_info));
		r->info = *(struct sdfu_smp_cmd_info *)data;
	} else if (event == SDFU_SMP_EVT_CMD_DONE) {
		assert_int_equal(data_size, sizeof(struct sdfu_smp_cmd_done));
		r->done = *(struct sdfu_smp_cmd_done *)data;
	}
	if (c->ret != SDFU_SMP_CB_OK) {
		*rc = c->rc;
		*group = c->group;
	}
	if (c->abort) {
		*abort_more = true;
	}
	return c->ret;
}

static struct cb_cfg cfg[4];
static struct sdfu_smp_cb cbs[4];

static void cb_setup(unsigned i, uint32_t event_id)
{
	memset(&cfg[i], 0, sizeof(cfg[i]));
	cfg[i].idx = i;
	cbs[i].event_id = event_id;
	cbs[i].fn = rec_cb;
	cbs[i].user = &cfg[i];
	sdfu_smp_cb_register(&srv, &cbs[i]);
}

/* Callbacks 0..n-1, in that order, all on `event_id`. */
static void cb_setup_n(unsigned n, uint32_t event_id)
{
	for (unsigned i = 0; i < n; i++) {
		cb_setup(i, event_id);
	}
}

/* Callback 0 on CMD_RECV answers `ret` with `rc`; callback 1 listens to `second`. */
static void recv_veto(uint32_t second, enum sdfu_smp_cb_ret ret, int32_t rc)
{
	cb_setup(0, SDFU_SMP_EVT_CMD_RECV);
	cb_setup(1, second);
	cfg[0].ret = ret;
	cfg[0].rc = rc;
}

static int setup(void **state)
{
	(void)state;
	smp_test_server_with(&srv, &grp);
	handler_calls = 0;
	nrec = 0;
	memset(recs, 0, sizeof(recs));
	return 0;
}

/* ---- chain semantics via sdfu_smp_cb_notify ------------------------------- */
static void test_order_first_error_wins(void **state)
{
	const uint32_t ev = SDFU_SMP_EVT(SDFU_SMP_CB_GRP_OS, 3);
	int32_t rc = -1;
	uint16_t g = 0xFFFF;

	(void)state;
	cb_setup_n(3, ev);
	cfg[1].ret = SDFU_SMP_CB_ERROR_ERR;
	cfg[1].rc = 3;
	cfg[1].group = 9;
	cfg[2].ret = SDFU_SMP_CB_ERROR_RC;
	cfg[2].rc = 10;

	assert_int_equal(sdfu_smp_cb_notify(&srv, ev, NULL, 0, &rc, &g), SDFU_SMP_CB_ERROR_ERR);
	assert_int_equal(rc, 3);
	assert_int_equal(g, 9);
	assert_int_equal(nrec, 3);
	assert_int_equal(recs[0].idx, 0);
	assert_int_equal(recs[0].prev, SDFU_SMP_CB_OK);
	assert_int_equal(recs[1].idx, 1);
	assert_int_equal(recs[1].prev, SDFU_SMP_CB_OK);
	assert_int_equal(recs[2].idx, 2);
	assert_int_equal(recs[2].prev, SDFU_SMP_CB_ERROR_ERR); /* notified only */

	/* all OK: rc/group untouched */
	cfg[1].ret = SDFU_SMP_CB_OK;
	cfg[2].ret = SDFU_SMP_CB_OK;
	rc = 77;
	g = 78;
	nrec = 0;
	assert_int_equal(sdfu_smp_cb_notify(&srv, ev, NULL, 0, &rc, &g), SDFU_SMP_CB_OK);
	assert_int_equal(rc, 77);
	assert_int_equal(g, 78);
	assert_int_equal(nrec, 3);

	/* ERROR_RC leaves group untouched */
	cfg[0].ret = SDFU_SMP_CB_ERROR_RC;
	cfg[0].rc = 10;
	cfg[0].group = 5;
	assert_int_equal(sdfu_smp_cb_notify(&srv, ev, NULL, 0, &rc, &g), SDFU_SMP_CB_ERROR_RC);
	assert_int_equal(rc, 10);
	assert_int_equal(g, 78);
}

static void test_abort_more_and_unregister(void **state)
{
	const uint32_t ev = SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 0);
	int32_t rc = 0;
	uint16_t g = 0;

	(void)state;
	cb_setup_n(3, ev);
	cfg[0].abort = true;
	assert_int_equal(sdfu_smp_cb_notify(&srv, ev, NULL, 0, &rc, &g), SDFU_SMP_CB_OK);
	assert_int_equal(nrec, 1);

	cfg[0].abort = false;
	sdfu_smp_cb_unregister(&srv, &cbs[1]);
	sdfu_smp_cb_register(&srv, &cbs[0]); /* double registration keeps one entry */
	nrec = 0;
	(void)sdfu_smp_cb_notify(&srv, ev, NULL, 0, &rc, &g);
	assert_int_equal(nrec, 2);
	assert_int_equal(recs[0].idx, 0);
	assert_int_equal(recs[1].idx, 2);
	sdfu_smp_cb_unregister(&srv, &cbs[0]);
	sdfu_smp_cb_unregister(&srv, &cbs[2]);
	sdfu_smp_cb_unregister(&srv, &cbs[2]); /* harmless */
	assert_null(srv.cbs);
}

static void test_event_matching(void **state)
{
	int32_t rc = 0;
	uint16_t g = 0;

	(void)state;
	cb_setup(0, SDFU_SMP_EVT_ALL_OF(0));                     /* everything */
	cb_setup(1, SDFU_SMP_EVT_ALL_OF(SDFU_SMP_CB_GRP_IMG));   /* all image events */
	cb_setup(2, SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 1) | SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 4));
	cb_setup(3, SDFU_SMP_EVT_OS_RESET);

	(void)sdfu_smp_cb_notify(&srv, SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 4), NULL, 0, &rc, &g);
	assert_int_equal(nrec, 3);
	assert_int_equal(recs[2].idx, 2);
	nrec = 0;
	(void)sdfu_smp_cb_notify(&srv, SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 2), NULL, 0, &rc, &g);
	assert_int_equal(nrec, 2);
	nrec = 0;
	(void)sdfu_smp_cb_notify(&srv, SDFU_SMP_EVT_OS_RESET, NULL, 0, &rc, &g);
	assert_int_equal(nrec, 2);
	assert_int_equal(recs[1].idx, 3);
	nrec = 0;
	/* bit 4 of the SMP callback group: only the catch-all (others are IMG/OS) */
	(void)sdfu_smp_cb_notify(&srv, SDFU_SMP_EVT(SDFU_SMP_CB_GRP_SMP, 4), NULL, 0, &rc, &g);
	assert_int_equal(nrec, 1);
	assert_int_equal(recs[0].idx, 0);
}

/* ---- CMD_RECV / CMD_DONE around the dispatcher ----------------------------- */
static void test_cmd_recv_done_success(void **state)
{
	const struct smp_rsp *r;

	(void)state;
	cb_setup(0, SDFU_SMP_EVT_CMD_RECV);
	cb_setup(1, SDFU_SMP_EVT_CMD_DONE);
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, TGRP, 0, NULL, 0);
	assert_true(smp_rsp_has(r, "x"));
	assert_int_equal(handler_calls, 1);
	assert_int_equal(nrec, 2);
	assert_int_equal(recs[0].event, SDFU_SMP_EVT_CMD_RECV);
	assert_int_equal(recs[0].info.group, TGRP);
	assert_int_equal(recs[0].info.id, 0);
	assert_int_equal(recs[0].info.op, SDFU_SMP_OP_WRITE);
	assert_ptr_equal(recs[0].info.transport, &smp_test_transport);
	assert_int_equal(recs[1].event, SDFU_SMP_EVT_CMD_DONE);
	assert_int_equal(recs[1].done.rc, 0);
	assert_false(recs[1].done.group_err);
	assert_int_equal(recs[1].done.group, TGRP);

	/* no handler -> neither event */
	nrec = 0;
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, TGRP, 1, NULL, 0);
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, 500, 0, NULL, 0);
	assert_int_equal(nrec, 0);

	/* group error: CMD_DONE carries it */
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_1, TGRP, 1, NULL, 0);
	assert_int_equal(nrec, 2);
	assert_true(recs[1].done.group_err);
	assert_int_equal(recs[1].done.err_group, TGRP);
	assert_int_equal(recs[1].done.err_rc, 4);
	assert_int_equal(recs[1].done.rc, SDFU_MGMT_ENOENT);
	(void)r;
}

static void test_cmd_recv_veto_rc(void **state)
{
	const struct smp_rsp *r;
	int64_t rc;

	(void)state;
	recv_veto(SDFU_SMP_EVT_CMD_DONE, SDFU_SMP_CB_ERROR_RC, SDFU_MGMT_EACCESSDENIED);
	r = smp_test_req(&srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, TGRP, 0, NULL, 0);
	assert_int_equal(handler_calls, 0);
	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, 11);
	assert_int_equal(smp_rsp_count(r), 1);
	assert_int_equal(nrec, 2);
	assert_int_equal(recs[1].event, SDFU_SMP_EVT_CMD_DONE);
	assert_int_equal(recs[1].done.rc, 11);
	assert_false(recs[1].done.group_err);

	/* a veto is an SMP-level error: the rest of a multi-frame buffer is dropped */
	{
		static uint8_t buf[64];
		static struct smp_test_cap cap;
		struct smp_test_req_hdr h = { .op = 2, .ver = 1, .group = TGRP, .id = 0, .seq = 1 };
		size_t n = smp_test_build(buf, sizeof(buf), &h, NULL, 0, 0);

		h.seq = 2;
		n += smp_test_build(buf + n, sizeof(buf) - n, &h, NULL, 0, 0);
		assert_int_equal(smp_test_run(&srv, buf, n, &cap), 1);
		assert_int_equal(cap.count, 1);
	}
}

static void test_cmd_recv_veto_err(void **state)
{
	const struct smp_rsp *r;
	uint16_t g, rc;
	int64_t rc1;

	(void)state;
	recv_veto(SDFU_SMP_EVT_CMD_DONE, SDFU_SMP_CB_ERROR_ERR, 4);
	cfg[0].group = TGRP;
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 0, NULL, 0);
	assert_int_equal(handler_calls, 0);
	assert_true(smp_rsp_err(r, &g, &rc));
	assert_int_equal(g, TGRP);
	assert_int_equal(rc, 4);
	assert_true(recs[1].done.group_err);
	/* v1: translated through the error group's table */
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_1, TGRP, 0, NULL, 0);
	assert_true(smp_rsp_rc(r, &rc1));
	assert_int_equal(rc1, SDFU_MGMT_ENOENT);
	assert_false(smp_rsp_has(r, "err"));
	assert_int_equal(handler_calls, 0);
}

static void test_veto_second_callback_notified(void **state)
{
	const struct smp_rsp *r;
	int64_t rc;

	(void)state;
	recv_veto(SDFU_SMP_EVT_CMD_RECV, SDFU_SMP_CB_ERROR_RC, 10);
	cfg[1].ret = SDFU_SMP_CB_ERROR_RC;
	cfg[1].rc = 6;
	r = smp_test_req(&srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2, TGRP, 0, NULL, 0);
	assert_true(smp_rsp_rc(r, &rc));
	assert_int_equal(rc, 10);
	assert_int_equal(nrec, 2);
	assert_int_equal(recs[1].prev, SDFU_SMP_CB_ERROR_RC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order_first_error_wins, setup),
		cmocka_unit_test_setup(test_abort_more_and_unregister, setup),
		cmocka_unit_test_setup(test_event_matching, setup),
		cmocka_unit_test_setup(test_cmd_recv_done_success, setup),
		cmocka_unit_test_setup(test_cmd_recv_veto_rc, setup),
		cmocka_unit_test_setup(test_cmd_recv_veto_err, setup),
		cmocka_unit_test_setup(test_veto_second_callback_notified, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
