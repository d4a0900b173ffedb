/* SPDX-License-Identifier: Apache-2.0 */
/* Image group fixture: simulated flash, boot context, three images, an SMP server, request helpers. */
#include "img_fixture.h"

#include "sdfu/stack.h"
#include "test_loop.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fake_port.h"
#include "sdfu/crypto.h"
#include "sdfu/err.h"

void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	assert_int_equal(ib_sha256(p, n, out), 0);
}

struct sim_flash fl;
struct sdfu_smp_server srv;
struct sdfu_img img;
struct sdfu_boot_ctx boot;
struct test_image running, update, other;
/* the server and image group the helpers talk to: the fixture's own, or a test's stack */
struct sdfu_smp_server *fx_srv = &srv;
struct sdfu_img *fx_img = &img;

/* event capture */
unsigned ev_started, ev_stopped, ev_pending, ev_chunk, ev_write_done, ev_confirmed;
int veto_at_chunk = -1; /* veto the n-th DFU_CHUNK (0-based), -1 never */
int reset_at_chunk = -1; /* call sdfu_img_upload_reset() inside the n-th DFU_CHUNK */
enum sdfu_smp_cb_ret veto_kind;

static enum sdfu_smp_cb_ret on_evt(uint32_t event, enum sdfu_smp_cb_ret prev, int32_t *rc,
				   uint16_t *group, bool *abort_more, void *data,
				   size_t data_size, void *user)
{
	(void)prev;
	(void)abort_more;
	(void)user;
	switch (event) {
	case SDFU_IMG_EVT_DFU_CHUNK:
		assert_int_equal(data_size, sizeof(struct sdfu_img_upload_check));
		assert_non_null(data);
		if ((int)ev_chunk == reset_at_chunk) {
			sdfu_img_upload_reset(fx_img); /* as if from another context */
		}
		if ((int)ev_chunk++ == veto_at_chunk) {
			if (veto_kind == SDFU_SMP_CB_ERROR_RC) {
				*rc = SDFU_MGMT_EACCESSDENIED;
			} else {
				*group = 64;
				*rc = 7;
			}
			return veto_kind;
		}
		break;
	case SDFU_IMG_EVT_DFU_STARTED:
		ev_started++;
		break;
	case SDFU_IMG_EVT_DFU_STOPPED:
		ev_stopped++;
		break;
	case SDFU_IMG_EVT_DFU_PENDING:
		ev_pending++;
		break;
	case SDFU_IMG_EVT_DFU_CHUNK_WRITE_COMPLETE:
		ev_write_done++;
		break;
	case SDFU_IMG_EVT_DFU_CONFIRMED:
		ev_confirmed++;
		break;
	default:
		break;
	}
	return SDFU_SMP_CB_OK;
}

struct sdfu_smp_cb cb = {.event_id = SDFU_SMP_EVT_ALL_OF(SDFU_SMP_CB_GRP_IMG), .fn = on_evt};

const struct sdfu_flash_area *slot_fa(int slot)
{
	return sim_flash_area(&fl, slot == 0 ? SDFU_FA_PRIMARY : SDFU_FA_SECONDARY);
}

void write_slot(int slot, const struct test_image *im)
{
	static uint8_t pad[IB_IMAGE_MAX + 8];
	size_t n = (im->len + 3u) & ~(size_t)3u;
	const struct sdfu_flash_area *fa = slot_fa(slot);

	memset(pad, 0xFF, n);
	memcpy(pad, im->buf, im->len);
	assert_int_equal(sdfu_flash_area_erase_range(fa, 0, fa->size), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 0, pad, n), 0);
}

/* Flash, boot context and the three images; no server (a stack builds its own). */
void start_images(enum sdfu_boot_mode mode, uint8_t active)
{
	fake_port_reset_state();
	test_flash_boot(&fl, &boot, mode, active);
	assert_int_equal(ib_build(&running, 1, 0, 0, 20000, 1, 0), 0);
	assert_int_equal(ib_build(&update, 1, 1, 0, 23457, 2, 0), 0);
	assert_int_equal(ib_build(&other, 0, 9, 0, 5000, 3, 0), 0);
	write_slot(active, &running);
	ev_started = ev_stopped = ev_pending = ev_chunk = ev_write_done = ev_confirmed = 0;
	veto_at_chunk = -1;
	reset_at_chunk = -1;
	fx_srv = &srv;
	fx_img = &img;
}

/* start_images() plus the fixture's own SMP server with the image group and event capture. */
void start(enum sdfu_boot_mode mode, uint8_t active)
{
	start_images(mode, active);
	sdfu_smp_server_init(&srv);
	assert_int_equal(sdfu_img_init(&img, &srv, &boot), 0);
	sdfu_smp_cb_register(&srv, &cb);
}

int teardown(void **state)
{
	(void)state;
	/* nothing left behind: critical section balanced, no session */
	assert_int_equal(fake_port_crit_depth(), 0);
	sim_flash_close(&fl);
	return 0;
}

int fx_stack_extend(struct sdfu_stack *s, void *user)
{
	(void)user;
	sdfu_smp_cb_register(&s->srv, &cb);
	fx_srv = &s->srv;
	fx_img = &s->img;
	return 0;
}

/* ---- request helpers ------------------------------------------------------------ */
uint16_t grp_err(const struct smp_rsp *r)
{
	uint16_t g = 0, rc = 0;

	if (!smp_rsp_err(r, &g, &rc)) {
		return 0;
	}
	assert_int_equal(g, GRP);
	return rc;
}

uint64_t rsp_off(const struct smp_rsp *r)
{
	uint64_t off = UINT64_MAX;

	assert_int_equal(grp_err(r), 0);
	assert_true(smp_rsp_get_uint(r, "off", &off));
	return off;
}

const struct smp_rsp *first_chunk(uint8_t ver, const struct test_image *im, size_t n,
					 const uint8_t *sha, size_t sha_len, bool upgrade)
{
	struct smp_test_kv kv[] = {
		SMP_KV_UINT("off", 0),
		SMP_KV_BSTR("data", im->buf, n),
		SMP_KV_UINT("len", im->len),
		SMP_KV_BOOL("upgrade", upgrade),
		SMP_KV_BSTR("sha", sha, sha_len),
	};

	return smp_test_req(fx_srv, W, ver, GRP, SDFU_IMG_ID_UPLOAD, kv, sha ? 5 : 4);
}

const struct smp_rsp *chunk(const struct test_image *im, size_t off, size_t n)
{
	struct smp_test_kv kv[] = {
		SMP_KV_UINT("off", off),
		SMP_KV_BSTR("data", im->buf + off, n),
	};

	return smp_test_req(fx_srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, kv, 2);
}

const size_t odd_sizes[8] = {333, 1001, 517, 1499, 7, 1, 998, 1234};

/* Upload `im` in chunks of odd sizes; returns the last response. */
const struct smp_rsp *upload(const struct test_image *im, const uint8_t *sha,
				    size_t sha_len)
{
	const struct smp_rsp *r = first_chunk(V2, im, 300, sha, sha_len, false);
	size_t off = 300;
	unsigned i = 0;

	assert_int_equal(rsp_off(r), 300);
	assert_false(smp_rsp_has(r, "match"));
	while (off < im->len) {
		size_t n = odd_sizes[i++ % (sizeof(odd_sizes) / sizeof(odd_sizes[0]))];

		if (n > im->len - off) {
			n = im->len - off;
		}
		r = chunk(im, off, n);
		off += n;
		assert_int_equal(rsp_off(r), off);
		if (off < im->len) {
			assert_false(smp_rsp_has(r, "match"));
		}
	}
	return r;
}

void assert_slot_holds(int slot, const struct test_image *im)
{
	static uint8_t rd[IB_IMAGE_MAX];

	assert_int_equal(sdfu_flash_area_read(slot_fa(slot), 0, rd, im->len), 0);
	assert_memory_equal(rd, im->buf, im->len);
}

void parse_state(const struct smp_rsp *r, struct entry e[2])
{
	const uint8_t *arr;
	size_t alen;
	int64_t split = -1;

	memset(e, 0, 2 * sizeof(*e));
	assert_int_equal(grp_err(r), 0);
	assert_false(smp_rsp_has(r, "rc"));
	assert_int_equal(smp_rsp_count(r), 2);
	assert_true(smp_rsp_get_int(r, "splitStatus", &split));
	assert_int_equal(split, 0);
	assert_true(smp_rsp_get_raw(r, "images", &arr, &alen));
	int n = smp_array_len(arr, alen);

	assert_true(n >= 0 && n <= 2);
	for (int i = 0; i < n; i++) {
		const uint8_t *m;
		size_t ml;
		struct zcbor_string s;
		uint64_t slot;

		assert_true(smp_array_get(arr, alen, (size_t)i, &m, &ml));
		assert_int_equal(smp_map_count(m, ml), 8); /* no "image" key, nothing extra */
		assert_true(smp_map_get_uint(m, ml, "slot", &slot));
		assert_true(slot < 2);
		struct entry *x = &e[slot];

		x->present = true;
		x->slot = slot;
		assert_true(smp_map_get_tstr(m, ml, "version", &s));
		assert_true(s.len < sizeof(x->version));
		memcpy(x->version, s.value, s.len);
		assert_true(smp_map_get_bstr(m, ml, "hash", &s));
		assert_int_equal(s.len, 32);
		memcpy(x->hash, s.value, 32);
		assert_true(smp_map_get_bool(m, ml, "bootable", &x->bootable));
		assert_true(smp_map_get_bool(m, ml, "pending", &x->pending));
		assert_true(smp_map_get_bool(m, ml, "confirmed", &x->confirmed));
		assert_true(smp_map_get_bool(m, ml, "active", &x->active));
		assert_true(smp_map_get_bool(m, ml, "permanent", &x->permanent));
	}
}

void read_state(struct entry e[2])
{
	parse_state(smp_test_req(fx_srv, R, V2, GRP, SDFU_IMG_ID_STATE, NULL, 0), e);
}

const struct smp_rsp *state_write(uint8_t ver, const uint8_t *hash, size_t hlen, bool confirm)
{
	struct smp_test_kv kv[] = {
		SMP_KV_BOOL("confirm", confirm),
		SMP_KV_BSTR("hash", hash, hlen),
	};

	return smp_test_req(fx_srv, W, ver, GRP, SDFU_IMG_ID_STATE, kv, hash ? 2 : 1);
}

void assert_flags(const struct entry *e, bool pending, bool confirmed, bool active,
			 bool permanent)
{
	assert_true(e->present);
	assert_int_equal(e->pending, pending);
	assert_int_equal(e->confirmed, confirmed);
	assert_int_equal(e->active, active);
	assert_int_equal(e->permanent, permanent);
}
