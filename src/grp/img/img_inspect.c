/* SPDX-License-Identifier: Apache-2.0 */
/* Image upload inspection: judge a request against the session and slot facts, no flash access. */
#include <string.h>

#include "sdfu/byteorder.h"
#include "sdfu/err.h"
#include "grp/img/img_priv.h"

uint32_t sdfu_img_slot_capacity(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode)
{
	struct sdfu_boot_trailer_layout lo;

	if (fa == NULL) {
		return 0;
	}
	sdfu_boot_trailer_layout(fa, mode, &lo);
	if (lo.trailer_size >= fa->size) {
		return 0;
	}
	if (SDFU_BOOT_MODE_IS(mode, SDFU_BOOT_MODE_SWAP_MOVE)) {
		/* swap-using-move shifts the primary up one sector before swapping, so one
		 * sector besides the trailer's sectors must stay free: an image may use at
		 * most (sectors - trailer sectors - 1) whole sectors. */
		uint32_t sec_off, sec_size, n_sec, tr_sec;

		if (sdfu_flash_area_sector(fa, 0, &sec_off, &sec_size) != 0 || sec_size == 0u) {
			return 0;
		}
		n_sec = sdfu_flash_area_sector_count(fa);
		tr_sec = (lo.trailer_size + sec_size - 1u) / sec_size;
		if (n_sec < tr_sec + 2u) {
			return 0;
		}
		return (n_sec - tr_sec - 1u) * sec_size;
	}
	return fa->size - lo.trailer_size;
}

int sdfu_img_select_slot(const struct sdfu_img_upload_env *env, uint32_t image)
{
	/* One updatable image: "image" 0 is the pair, and 1 is accepted because
	 * several clients send the slot number there (smpmgr --slot 1, Rust). */
	if (image > 1u) {
		return -1;
	}
	for (int slot = 0; slot < 2; slot++) {
		if (!env->slot_in_use[slot] && env->slot_capacity[slot] != 0u) {
			return slot;
		}
	}
	return -1;
}

static void set_error(struct sdfu_img_upload_action *act, uint16_t err)
{
	act->verdict = SDFU_IMG_UPLOAD_ERROR;
	act->err = err;
}

/* First chunk (off == 0): steps 3a-3i of the upload algorithm. */
static void inspect_first(const struct sdfu_img_upload_req *req,
			  const struct sdfu_img_upload_env *env, struct sdfu_img_upload_action *act)
{
	const struct sdfu_img_upload *s = env->session;
	struct sdfu_image_header hdr;

	if (req->data_len < SDFU_IMAGE_HEADER_SIZE) {
		set_error(act, SDFU_IMG_ERR_INVALID_IMAGE_HEADER);
		return;
	}
	if (!req->has_len) {
		set_error(act, SDFU_IMG_ERR_INVALID_LENGTH);
		return;
	}
	if (sdfu_get_le32(req->data) != SDFU_IMAGE_MAGIC) {
		set_error(act, SDFU_IMG_ERR_INVALID_IMAGE_HEADER_MAGIC);
		return;
	}
	if (req->sha_len > SDFU_SHA256_LEN) {
		set_error(act, SDFU_IMG_ERR_INVALID_HASH);
		return;
	}
	/* Resume: the same upload (same sha, any length) is still in progress. */
	if (req->sha_len > 0u && s != NULL && s->slot >= 0 && s->sha_len == req->sha_len &&
	    memcmp(s->sha, req->sha, req->sha_len) == 0) {
		act->verdict = SDFU_IMG_UPLOAD_REPLY;
		act->slot = (uint8_t)s->slot;
		act->size = s->size;
		act->off = s->off;
		return;
	}

	int slot = sdfu_img_select_slot(env, req->image);

	if (slot < 0) {
		set_error(act, req->image > 1u ? SDFU_IMG_ERR_INVALID_SLOT : SDFU_IMG_ERR_NO_FREE_SLOT);
		return;
	}
	if (req->len > env->slot_capacity[slot]) {
		set_error(act, SDFU_IMG_ERR_INVALID_IMAGE_TOO_LARGE);
		return;
	}
	/* Zephyr does not check this on the first chunk; data beyond len would be
	 * written and the upload could never complete. */
	if (req->data_len > req->len) {
		set_error(act, SDFU_IMG_ERR_INVALID_IMAGE_DATA_OVERRUN);
		return;
	}
	if (sdfu_image_header_parse(req->data, req->data_len, &hdr) != 0) {
		/* Magic is right but the sizes are inconsistent (hdr_size < 32). */
		set_error(act, SDFU_IMG_ERR_INVALID_IMAGE_HEADER);
		return;
	}
	if (env->check_rom_fixed && (hdr.flags & SDFU_IMAGE_F_ROM_FIXED) != 0u &&
	    hdr.load_addr != env->slot_addr[slot]) {
		set_error(act, SDFU_IMG_ERR_INVALID_FLASH_ADDRESS);
		return;
	}
	if (req->upgrade) {
		if (!env->have_running_ver) {
			set_error(act, SDFU_IMG_ERR_VERSION_GET_FAILED);
			return;
		}
		if (sdfu_image_version_cmp(&env->running_ver, &hdr.ver,
					   SDFU_IMG_VERSION_CMP_USE_BUILD != 0) >= 0) {
			set_error(act, SDFU_IMG_ERR_CURRENT_VERSION_IS_NEWER);
			return;
		}
	}
	act->verdict = SDFU_IMG_UPLOAD_WRITE;
	act->start = true;
	act->slot = (uint8_t)slot;
	act->size = (uint32_t)req->len;
	act->off = 0;
	act->write_len = (uint32_t)req->data_len;
	act->last = (req->data_len == req->len);
}

void sdfu_img_upload_inspect(const struct sdfu_img_upload_req *req,
			     const struct sdfu_img_upload_env *env,
			     struct sdfu_img_upload_action *act)
{
	const struct sdfu_img_upload *s = env->session;
	bool active = (s != NULL && s->slot >= 0);
	uint32_t expect = active ? s->off : 0u;

	memset(act, 0, sizeof(*act));
	if (!req->has_off) {
		set_error(act, SDFU_IMG_ERR_INVALID_OFFSET);
		return;
	}
	if (req->off == 0u) {
		inspect_first(req, env, act);
		return;
	}
	/* Continuation: anything but the expected offset is answered with it. */
	if (!active || req->off != expect) {
		act->verdict = SDFU_IMG_UPLOAD_REPLY;
		act->off = expect;
		if (active) {
			act->slot = (uint8_t)s->slot;
			act->size = s->size;
		}
		return;
	}
	act->slot = (uint8_t)s->slot;
	act->size = s->size;
	if (req->data_len > (uint64_t)s->size - req->off) {
		set_error(act, SDFU_IMG_ERR_INVALID_IMAGE_DATA_OVERRUN);
		return;
	}
	act->verdict = SDFU_IMG_UPLOAD_WRITE;
	act->off = (uint32_t)req->off;
	act->write_len = (uint32_t)req->data_len;
	act->last = (req->off + req->data_len == s->size);
}
