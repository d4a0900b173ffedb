/* SPDX-License-Identifier: Apache-2.0 */
/* Shared fixture of the image group handler tests: image builder, simulated flash, SMP helpers. */
#ifndef TEST_IMG_FIXTURE_H
#define TEST_IMG_FIXTURE_H

/*
 * Included by test_img.c and test_img_state.c only (one translation unit each);
 * everything is static. Uses a minimal unsigned MCUboot image builder (header,
 * body, SHA256 TLV) so it does not depend on imgtool.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "flash/sim_flash.h"
#include "sdfu/boot.h"
#include "sdfu/crypto.h"
#include "sdfu/err.h"
#include "sdfu/img.h"
#include "sdfu/smp.h"
#include "smp_test.h"

#define V2 SDFU_SMP_VER_2
#define V1 SDFU_SMP_VER_1
#define W SDFU_SMP_OP_WRITE
#define R SDFU_SMP_OP_READ
#define GRP SDFU_SMP_GROUP_IMG

/* ---- a minimal MCUboot image builder (unsigned: header, body, SHA256 TLV) ---- */
#define HDR_SIZE 0x200u
#define IMG_MAX (64u * 1024u)

struct test_image {
	uint8_t buf[IMG_MAX];
	size_t len;
	uint8_t hash[32];     /* SHA256 TLV value (what SMP reports) */
	uint8_t file_sha[32]; /* SHA-256 of the whole file (the upload "sha") */
};

static inline void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	struct sdfu_sha256 h;

	assert_int_equal(sdfu_sha256_start(&h), 0);
	assert_int_equal(sdfu_sha256_update(&h, p, n), 0);
	assert_int_equal(sdfu_sha256_finish(&h, out), 0);
}

static inline void build_image(struct test_image *im, uint8_t maj, uint8_t min, uint16_t rev,
			uint32_t body_len, uint32_t seed, uint32_t flags)
{
	uint8_t *b = im->buf;
	uint32_t x = seed * 2654435761u + 1u;

	assert_true(HDR_SIZE + body_len + 40u <= IMG_MAX);
	memset(b, 0, HDR_SIZE);
	put_le32(b + 0, SDFU_IMAGE_MAGIC);
	put_le32(b + 4, 0);
	put_le16(b + 8, HDR_SIZE);
	put_le16(b + 10, 0);
	put_le32(b + 12, body_len);
	put_le32(b + 16, flags);
	b[20] = maj;
	b[21] = min;
	put_le16(b + 22, rev);
	put_le32(b + 24, 0);
	for (uint32_t i = 0; i < body_len; i++) {
		x = x * 1103515245u + 12345u;
		b[HDR_SIZE + i] = (uint8_t)(x >> 16);
	}
	size_t t = HDR_SIZE + body_len;

	sha256(b, t, im->hash);
	put_le16(b + t, SDFU_TLV_INFO_MAGIC);
	put_le16(b + t + 2, 4 + 4 + 32);
	put_le16(b + t + 4, SDFU_TLV_SHA256);
	put_le16(b + t + 6, 32);
	memcpy(b + t + 8, im->hash, 32);
	im->len = t + 40;
	sha256(b, im->len, im->file_sha);
}

/* ---- fixture ------------------------------------------------------------------- */
static struct sim_flash fl;
static struct sdfu_smp_server srv;
static struct sdfu_img img;
static struct sdfu_boot_ctx boot;
static struct test_image running, update, other;
/* the server and image group the helpers talk to: the fixture's own, or a test's stack */
static struct sdfu_smp_server *fx_srv = &srv;
static struct sdfu_img *fx_img = &img;

/* event capture */
static unsigned ev_started, ev_stopped, ev_pending, ev_chunk, ev_write_done, ev_confirmed;
static int veto_at_chunk = -1; /* veto the n-th DFU_CHUNK (0-based), -1 never */
static int reset_at_chunk = -1; /* call sdfu_img_upload_reset() inside the n-th DFU_CHUNK */
static enum sdfu_smp_cb_ret veto_kind;

static inline enum sdfu_smp_cb_ret on_evt(uint32_t event, enum sdfu_smp_cb_ret prev, int32_t *rc,
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

static struct sdfu_smp_cb cb = {.event_id = SDFU_SMP_EVT_ALL_OF(SDFU_SMP_CB_GRP_IMG), .fn = on_evt};

static inline const struct sdfu_flash_area *slot_fa(int slot)
{
	return sim_flash_area(&fl, slot == 0 ? SDFU_FA_PRIMARY : SDFU_FA_SECONDARY);
}

static inline void write_slot(int slot, const struct test_image *im)
{
	static uint8_t pad[IMG_MAX + 8];
	size_t n = (im->len + 3u) & ~(size_t)3u;
	const struct sdfu_flash_area *fa = slot_fa(slot);

	memset(pad, 0xFF, n);
	memcpy(pad, im->buf, im->len);
	assert_int_equal(sdfu_flash_area_erase_range(fa, 0, fa->size), 0);
	assert_int_equal(sdfu_flash_area_write(fa, 0, pad, n), 0);
}

/* Flash, boot context and the three images; no server (a stack builds its own). */
static inline void start_images(enum sdfu_boot_mode mode, uint8_t active)
{
	fake_port_reset_state();
	memset(&fl, 0, sizeof(fl));
	assert_int_equal(sim_flash_open(&fl, sim_layout_get("nrf52840"), NULL), 0);
	memset(&boot, 0, sizeof(boot));
	boot.mode = mode;
	boot.slot[0] = slot_fa(0);
	boot.slot[1] = slot_fa(1);
	boot.active_slot = active;
	build_image(&running, 1, 0, 0, 20000, 1, 0);
	build_image(&update, 1, 1, 0, 23457, 2, 0);
	build_image(&other, 0, 9, 0, 5000, 3, 0);
	write_slot(active, &running);
	ev_started = ev_stopped = ev_pending = ev_chunk = ev_write_done = ev_confirmed = 0;
	veto_at_chunk = -1;
	reset_at_chunk = -1;
	fx_srv = &srv;
	fx_img = &img;
}

/* start_images() plus the fixture's own SMP server with the image group and event capture. */
static inline void start(enum sdfu_boot_mode mode, uint8_t active)
{
	start_images(mode, active);
	sdfu_smp_server_init(&srv);
	assert_int_equal(sdfu_img_init(&img, &srv, &boot), 0);
	sdfu_smp_cb_register(&srv, &cb);
}

static inline int teardown(void **state)
{
	(void)state;
	/* nothing left behind: critical section balanced, no session */
	assert_int_equal(fake_port_crit_depth(), 0);
	sim_flash_close(&fl);
	return 0;
}

/* ---- request helpers ------------------------------------------------------------ */
static inline uint16_t grp_err(const struct smp_rsp *r)
{
	uint16_t g = 0, rc = 0;

	if (!smp_rsp_err(r, &g, &rc)) {
		return 0;
	}
	assert_int_equal(g, GRP);
	return rc;
}

static inline uint64_t rsp_off(const struct smp_rsp *r)
{
	uint64_t off = UINT64_MAX;

	assert_int_equal(grp_err(r), 0);
	assert_true(smp_rsp_get_uint(r, "off", &off));
	return off;
}

static inline const struct smp_rsp *first_chunk(uint8_t ver, const struct test_image *im, size_t n,
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

static inline const struct smp_rsp *chunk(const struct test_image *im, size_t off, size_t n)
{
	struct smp_test_kv kv[] = {
		SMP_KV_UINT("off", off),
		SMP_KV_BSTR("data", im->buf + off, n),
	};

	return smp_test_req(fx_srv, W, V2, GRP, SDFU_IMG_ID_UPLOAD, kv, 2);
}

static const size_t odd_sizes[] = {333, 1001, 517, 1499, 7, 1, 998, 1234};

/* Upload `im` in chunks of odd sizes; returns the last response. */
static inline const struct smp_rsp *upload(const struct test_image *im, const uint8_t *sha,
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

static inline void assert_slot_holds(int slot, const struct test_image *im)
{
	static uint8_t rd[IMG_MAX];

	assert_int_equal(sdfu_flash_area_read(slot_fa(slot), 0, rd, im->len), 0);
	assert_memory_equal(rd, im->buf, im->len);
}

/* State read and one entry's fields. */
struct entry {
	bool present;
	uint64_t slot;
	char version[32];
	uint8_t hash[32];
	bool bootable, pending, confirmed, active, permanent;
};

static inline void parse_state(const struct smp_rsp *r, struct entry e[2])
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

static inline void read_state(struct entry e[2])
{
	parse_state(smp_test_req(fx_srv, R, V2, GRP, SDFU_IMG_ID_STATE, NULL, 0), e);
}

static inline const struct smp_rsp *state_write(uint8_t ver, const uint8_t *hash, size_t hlen, bool confirm)
{
	struct smp_test_kv kv[] = {
		SMP_KV_BOOL("confirm", confirm),
		SMP_KV_BSTR("hash", hash, hlen),
	};

	return smp_test_req(fx_srv, W, ver, GRP, SDFU_IMG_ID_STATE, kv, hash ? 2 : 1);
}

static inline void assert_flags(const struct entry *e, bool pending, bool confirmed, bool active,
			 bool permanent)
{
	assert_true(e->present);
	assert_int_equal(e->pending, pending);
	assert_int_equal(e->confirmed, confirmed);
	assert_int_equal(e->active, active);
	assert_int_equal(e->permanent, permanent);
}

#endif /* TEST_IMG_FIXTURE_H */
