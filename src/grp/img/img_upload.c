/* SPDX-License-Identifier: Apache-2.0 */
/* Image upload (1/1): decode, inspect, then erase/write with the progressive-erase stream writer. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "grp/img/img_priv.h"

#define SDFU_LOG_MODULE "img"


static void session_clear(struct sdfu_img_upload *s)
{
	memset(s, 0, sizeof(*s));
	s->slot = -1;
}

void sdfu_img_upload_reset(struct sdfu_img *img)
{
	sdfu_port_crit_enter();
	session_clear(&img->upload);
	img->reset_count++;
	sdfu_port_crit_exit();
}

/* Take a private copy of the session; returns the reset counter seen. */
static uint32_t session_snapshot(struct sdfu_img *img, struct sdfu_img_upload *s)
{
	uint32_t gen;

	sdfu_port_crit_enter();
	gen = img->reset_count;
	memcpy(s, &img->upload, sizeof(*s));
	sdfu_port_crit_exit();
	return gen;
}

/* Store the copy back unless a reset happened meanwhile. Returns true when stored. */
static bool session_commit(struct sdfu_img *img, const struct sdfu_img_upload *s, uint32_t gen)
{
	bool ok;

	sdfu_port_crit_enter();
	ok = (img->reset_count == gen);
	if (ok) {
		memcpy(&img->upload, s, sizeof(*s));
	}
	sdfu_port_crit_exit();
	return ok;
}

static void fill_env(const struct sdfu_boot_ctx *boot, struct sdfu_img_upload_env *env)
{
	struct sdfu_img_view v;

	sdfu_img_view_load(boot, &v);
	for (uint8_t i = 0; i < 2u; i++) {
		const struct sdfu_flash_area *fa = boot->slot[i];

		env->slot_in_use[i] = sdfu_img_slot_in_use(&v, i);
		env->slot_capacity[i] = sdfu_img_slot_capacity(fa, boot->mode);
		env->slot_addr[i] = (fa != NULL) ? fa->off : 0u;
	}
	env->check_rom_fixed = SDFU_IMG_REJECT_ROM_FIXED_MISMATCH &&
			       SDFU_BOOT_IS_DIRECT_XIP(boot->mode);
	if (v.info_rc[v.active] == 0) {
		env->have_running_ver = true;
		env->running_ver = v.info[v.active].hdr.ver;
	}
}

static int encode_off(struct sdfu_smp_ctx *ctx, uint32_t off, bool with_match, bool match)
{
	bool ok = zcbor_tstr_put_lit(ctx->zse, "off") && zcbor_uint32_put(ctx->zse, off);

	if (ok && with_match) {
		ok = zcbor_tstr_put_lit(ctx->zse, "match") && zcbor_bool_put(ctx->zse, match);
	}
	return ok ? 0 : SDFU_ERR_MSGSIZE;
}

/* Drop the session, tell listeners, and answer with a group error. */
static int fail(struct sdfu_img *img, struct sdfu_smp_ctx *ctx, uint16_t err)
{
	SDFU_LOGW("upload failed: err %u", (unsigned)err);
	sdfu_img_upload_reset(img);
	sdfu_img_notify(img, SDFU_IMG_EVT_DFU_STOPPED, NULL, 0);
	return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_IMG, err);
}

#if SDFU_IMG_VERIFY_SHA
/* SHA-256 over the first `len` bytes of `fa`; true when it equals `sha`. */
static bool slot_matches(const struct sdfu_flash_area *fa, uint32_t len, const uint8_t *sha)
{
	struct sdfu_sha256 h;
	uint8_t digest[SDFU_SHA256_LEN];

	if (len > fa->size || sdfu_sha256_start(&h) != 0) {
		return false;
	}
	if (sdfu_image_hash_range(fa, 0, len, &h) != 0) {
		(void)sdfu_sha256_finish(&h, digest);
		return false;
	}
	return sdfu_sha256_finish(&h, digest) == 0 && memcmp(digest, sha, SDFU_SHA256_LEN) == 0;
}

/* The skip-upload shortcut: the slot already holds exactly this file. */
static bool already_there(const struct sdfu_flash_area *fa, const struct sdfu_img_upload *s,
			  const uint8_t *first)
{
	uint8_t hdr[SDFU_IMAGE_HEADER_SIZE];

	if (s->sha_len != SDFU_SHA256_LEN) {
		return false;
	}
	/* Cheap pre-check before hashing the whole slot. */
	if (sdfu_flash_area_read(fa, 0, hdr, sizeof(hdr)) != 0 ||
	    memcmp(hdr, first, sizeof(hdr)) != 0) {
		return false;
	}
	return slot_matches(fa, s->size, s->sha);
}
#endif

/* Ask the application whether this chunk may be written. Returns true to proceed. */
static bool chunk_allowed(struct sdfu_img *img, struct sdfu_smp_ctx *ctx,
			  const struct sdfu_img_upload_req *req,
			  const struct sdfu_img_upload_action *act, int *ret)
{
	struct sdfu_img_upload_check chk = {
		.image = req->image,
		.off = act->off,
		.size = act->size,
		.data = req->data,
		.data_len = req->data_len,
		.slot = act->slot,
		.upgrade = req->upgrade,
	};
	int32_t rc = 0;
	uint16_t group = 0;
	enum sdfu_smp_cb_ret st =
		sdfu_smp_cb_notify(img->srv, SDFU_IMG_EVT_DFU_CHUNK, &chk, sizeof(chk), &rc, &group);

	if (st == SDFU_SMP_CB_OK) {
		return true;
	}
	SDFU_LOGW("upload chunk vetoed (%d, rc %ld)", (int)st, (long)rc);
	sdfu_img_upload_reset(img);
	sdfu_img_notify(img, SDFU_IMG_EVT_DFU_STOPPED, NULL, 0);
	if (st == SDFU_SMP_CB_ERROR_ERR) {
		*ret = sdfu_smp_set_group_err(ctx, group, (uint16_t)rc);
	} else {
		ctx->mgmt_rc = (int)rc;
		*ret = SDFU_ERR_ACCES;
	}
	return false;
}

/* Start a new session in `s` for the action; erases the target's trailer. 0 or group err. */
static uint16_t session_start(struct sdfu_img *img, struct sdfu_img_upload *s,
			      const struct sdfu_img_upload_req *req,
			      const struct sdfu_img_upload_action *act)
{
	const struct sdfu_flash_area *fa = img->boot->slot[act->slot];

	session_clear(s);
	s->slot = (int8_t)act->slot;
	s->size = act->size;
	s->upgrade = req->upgrade;
	s->sha_len = (uint8_t)req->sha_len;
	if (req->sha_len > 0u) {
		memcpy(s->sha, req->sha, req->sha_len);
	}
#if SDFU_IMG_VERIFY_SHA
	if (sdfu_sha256_start(&s->hash) != 0) {
		return SDFU_IMG_ERR_UNKNOWN;
	}
#endif
	/* A stale trailer must never schedule a half-written image. */
	if (sdfu_boot_erase_trailer(fa, img->boot->mode) != 0) {
		return SDFU_IMG_ERR_FLASH_ERASE_FAILED;
	}
	if (sdfu_flash_stream_init(&s->stream, fa, 0) != 0) {
		return SDFU_IMG_ERR_FLASH_OPEN_FAILED;
	}
	return 0;
}

int sdfu_img_upload_handler(struct sdfu_smp_ctx *ctx)
{
	struct sdfu_img *img = sdfu_img_from_ctx(ctx);
	struct sdfu_img_upload_req req;
	struct sdfu_img_upload_env env;
	struct sdfu_img_upload_action act;
	struct sdfu_img_upload s;
	struct zcbor_string data = {0};
	struct zcbor_string sha = {0};
	bool match = false;
	int ret = 0;

	if (img == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	memset(&req, 0, sizeof(req));
	struct sdfu_cbor_field f[] = {
		{"off", SDFU_CBOR_UINT64, &req.off, false},
		{"len", SDFU_CBOR_UINT64, &req.len, false},
		{"data", SDFU_CBOR_BSTR, &data, false},
		{"sha", SDFU_CBOR_BSTR, &sha, false},
		{"image", SDFU_CBOR_UINT32, &req.image, false},
		{"upgrade", SDFU_CBOR_BOOL, &req.upgrade, false},
	};

	if (sdfu_smp_decode_map(ctx, f, sizeof(f) / sizeof(f[0])) != 0) {
		return SDFU_ERR_INVAL;
	}
	req.has_off = f[0].found;
	req.has_len = f[1].found;
	req.data = data.value;
	req.data_len = data.len;
	req.sha = sha.value;
	req.sha_len = sha.len;

	uint32_t gen = session_snapshot(img, &s);

	memset(&env, 0, sizeof(env));
	env.session = &s;
	if (req.has_off && req.off == 0u) {
		fill_env(img->boot, &env);
	}
	sdfu_img_upload_inspect(&req, &env, &act);

	if (act.verdict == SDFU_IMG_UPLOAD_ERROR) {
		return fail(img, ctx, act.err);
	}
	if (act.verdict == SDFU_IMG_UPLOAD_REPLY) {
		return encode_off(ctx, act.off, false, false);
	}
	if (!chunk_allowed(img, ctx, &req, &act, &ret)) {
		return ret;
	}
	if (act.start) {
		uint16_t err = session_start(img, &s, &req, &act);

		sdfu_img_notify(img, SDFU_IMG_EVT_DFU_STARTED, NULL, 0);
		if (err != 0u) {
			return fail(img, ctx, err);
		}
		SDFU_LOGI("upload start: slot %u, %lu bytes", (unsigned)act.slot,
			  (unsigned long)act.size);
#if SDFU_IMG_VERIFY_SHA
		if (already_there(img->boot->slot[act.slot], &s, req.data)) {
			SDFU_LOGI("slot already holds this image; upload skipped");
			sdfu_img_upload_reset(img);
			sdfu_img_notify(img, SDFU_IMG_EVT_DFU_PENDING, NULL, 0);
			return encode_off(ctx, act.size, true, true);
		}
#endif
	}

	if (act.write_len > 0u) {
		if (sdfu_flash_stream_write(&s.stream, req.data, act.write_len, act.last) != 0) {
			return fail(img, ctx, SDFU_IMG_ERR_FLASH_WRITE_FAILED);
		}
#if SDFU_IMG_VERIFY_SHA
		(void)sdfu_sha256_update(&s.hash, req.data, act.write_len);
#endif
		s.off += act.write_len;
	}

	if (act.last) {
		uint32_t size = s.size;
#if SDFU_IMG_VERIFY_SHA
		uint8_t digest[SDFU_SHA256_LEN];

		match = sdfu_sha256_finish(&s.hash, digest) == 0 &&
			memcmp(digest, s.sha, SDFU_SHA256_LEN) == 0;
#endif
		bool with_match = SDFU_IMG_VERIFY_SHA && s.sha_len == SDFU_SHA256_LEN;

		SDFU_LOGI("upload complete: %lu bytes%s", (unsigned long)size,
			  with_match ? (match ? ", sha match" : ", sha MISMATCH") : "");
		sdfu_img_upload_reset(img);
		sdfu_img_notify(img, SDFU_IMG_EVT_DFU_PENDING, NULL, 0);
		return encode_off(ctx, size, with_match, match);
	}

	if (!session_commit(img, &s, gen)) {
		/* Reset from another context while we wrote: the client starts over. */
		return encode_off(ctx, 0, false, false);
	}
	if (act.write_len > 0u) {
		sdfu_img_notify(img, SDFU_IMG_EVT_DFU_CHUNK_WRITE_COMPLETE, NULL, 0);
	}
	return encode_off(ctx, s.off, false, false);
}
