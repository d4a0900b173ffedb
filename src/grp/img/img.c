/* SPDX-License-Identifier: Apache-2.0 */
/* Image management group (1): registration, v1 error translation, erase (1/5), slot info (1/6). */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "grp/img/img_priv.h"

#define SDFU_LOG_MODULE "img"

static int img_erase(struct sdfu_smp_ctx *ctx);
static int img_slot_info(struct sdfu_smp_ctx *ctx);

/* Swap, overwrite-only and direct-XIP with revert: full table. */
static const struct sdfu_smp_handler img_handlers[] = {
	[SDFU_IMG_ID_STATE] = {.read = sdfu_img_state_read, .write = sdfu_img_state_write},
	[SDFU_IMG_ID_UPLOAD] = {.read = NULL, .write = sdfu_img_upload_handler},
	[2] = {NULL, NULL},
	[3] = {NULL, NULL},
	[4] = {NULL, NULL},
	[SDFU_IMG_ID_ERASE] = {.read = NULL, .write = img_erase},
	[SDFU_IMG_ID_SLOT_INFO] = {.read = img_slot_info, .write = NULL},
};

/* Direct-XIP without revert: no test/confirm (state write -> rc 8), as in Zephyr. */
static const struct sdfu_smp_handler img_handlers_dxip[] = {
	[SDFU_IMG_ID_STATE] = {.read = sdfu_img_state_read, .write = NULL},
	[SDFU_IMG_ID_UPLOAD] = {.read = NULL, .write = sdfu_img_upload_handler},
	[2] = {NULL, NULL},
	[3] = {NULL, NULL},
	[4] = {NULL, NULL},
	[SDFU_IMG_ID_ERASE] = {.read = NULL, .write = img_erase},
	[SDFU_IMG_ID_SLOT_INFO] = {.read = img_slot_info, .write = NULL},
};

int sdfu_img_translate(uint16_t group_rc)
{
	switch (group_rc) {
	case SDFU_IMG_ERR_OK:
		return SDFU_MGMT_EOK;
	case SDFU_IMG_ERR_NO_IMAGE:
	case SDFU_IMG_ERR_NO_TLVS:
		return SDFU_MGMT_ENOENT;
	case SDFU_IMG_ERR_NO_FREE_SLOT:
	case SDFU_IMG_ERR_CURRENT_VERSION_IS_NEWER:
	case SDFU_IMG_ERR_IMAGE_ALREADY_PENDING:
		return SDFU_MGMT_EBADSTATE;
	case SDFU_IMG_ERR_NO_FREE_MEMORY:
		return SDFU_MGMT_ENOMEM;
	case SDFU_IMG_ERR_INVALID_SLOT:
	case SDFU_IMG_ERR_INVALID_PAGE_OFFSET:
	case SDFU_IMG_ERR_INVALID_OFFSET:
	case SDFU_IMG_ERR_INVALID_LENGTH:
	case SDFU_IMG_ERR_INVALID_IMAGE_HEADER:
	case SDFU_IMG_ERR_INVALID_HASH:
	case SDFU_IMG_ERR_INVALID_FLASH_ADDRESS:
		return SDFU_MGMT_EINVAL;
	default:
		return SDFU_MGMT_EUNKNOWN;
	}
}

void sdfu_img_notify(struct sdfu_img *img, uint32_t event, void *data, size_t size)
{
	int32_t rc = 0;
	uint16_t group = 0;

	(void)sdfu_smp_cb_notify(img->srv, event, data, size, &rc, &group);
}

int sdfu_img_init(struct sdfu_img *img, struct sdfu_smp_server *srv, struct sdfu_boot_ctx *boot)
{
	memset(img, 0, sizeof(*img));
	img->upload.slot = -1;
	img->srv = srv;
	img->boot = boot;
	img->allow_erase_pending = SDFU_IMG_ALLOW_ERASE_PENDING != 0;
	if (boot->mode == SDFU_BOOT_MODE_DIRECT_XIP) {
		img->grp.handlers = img_handlers_dxip;
		img->grp.handler_count = (uint8_t)(sizeof(img_handlers_dxip) / sizeof(img_handlers_dxip[0]));
	} else {
		img->grp.handlers = img_handlers;
		img->grp.handler_count = (uint8_t)(sizeof(img_handlers) / sizeof(img_handlers[0]));
	}
	img->grp.group_id = SDFU_SMP_GROUP_IMG;
	img->grp.translate = sdfu_img_translate;
	img->grp.ctx = img;
	return sdfu_smp_register_group(srv, &img->grp);
}

struct sdfu_img *sdfu_img_from_ctx(struct sdfu_smp_ctx *ctx)
{
	for (struct sdfu_smp_group *g = ctx->srv->groups; g != NULL; g = g->next) {
		if (g->group_id == SDFU_SMP_GROUP_IMG) {
			return g->ctx;
		}
	}
	return NULL;
}

static int img_erase(struct sdfu_smp_ctx *ctx)
{
	struct sdfu_img *img = sdfu_img_from_ctx(ctx);
	struct sdfu_img_view v;
	uint32_t slot;

	if (img == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	slot = (img->boot->active_slot == 1u) ? 0u : 1u;
	struct sdfu_cbor_field f[] = {
		{"slot", SDFU_CBOR_UINT32, &slot, false},
	};

	if (sdfu_smp_decode_map(ctx, f, 1) != 0) {
		return SDFU_ERR_INVAL;
	}
	if (slot > 1u || img->boot->slot[slot] == NULL) {
		return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_IMG, SDFU_IMG_ERR_INVALID_SLOT);
	}
	sdfu_img_view_load(img->boot, &v);
	/* The running slot is never erased; a scheduled slot only when its image is
	 * unreadable anyway (as img_mgmt: a corrupt pending image can be cleaned), or
	 * when the device allows erasing pending slots. */
	if (slot == v.active || (!img->allow_erase_pending && v.info_rc[slot] == 0 &&
				 sdfu_img_slot_in_use(&v, (uint8_t)slot))) {
		return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_IMG, SDFU_IMG_ERR_NO_FREE_SLOT);
	}

	const struct sdfu_flash_area *fa = img->boot->slot[slot];
	int rc = sdfu_flash_area_erase_range(fa, 0, fa->size);

	sdfu_img_upload_reset(img);
	if (rc != 0) {
		SDFU_LOGE("erase of slot %lu failed: %d", (unsigned long)slot, rc);
		sdfu_img_notify(img, SDFU_IMG_EVT_DFU_STOPPED, NULL, 0);
		return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_IMG, SDFU_IMG_ERR_FLASH_ERASE_FAILED);
	}
	SDFU_LOGI("slot %lu erased", (unsigned long)slot);
	return 0;
}

static int img_slot_info(struct sdfu_smp_ctx *ctx)
{
	struct sdfu_img *img = sdfu_img_from_ctx(ctx);
	zcbor_state_t *zse = ctx->zse;
	const struct sdfu_boot_ctx *boot;
	uint32_t max = 0;
	bool ok;

	if (img == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	boot = img->boot;
	ok = zcbor_tstr_put_lit(zse, "images") && zcbor_list_start_encode(zse, 1) &&
	     zcbor_map_start_encode(zse, 3) && zcbor_tstr_put_lit(zse, "image") &&
	     zcbor_uint32_put(zse, 0) && zcbor_tstr_put_lit(zse, "slots") &&
	     zcbor_list_start_encode(zse, 2);
	for (uint8_t slot = 0; ok && slot < 2u; slot++) {
		const struct sdfu_flash_area *fa = boot->slot[slot];

		if (fa == NULL) {
			continue;
		}
		ok = zcbor_map_start_encode(zse, 3) && zcbor_tstr_put_lit(zse, "slot") &&
		     zcbor_uint32_put(zse, slot) && zcbor_tstr_put_lit(zse, "size") &&
		     zcbor_uint32_put(zse, fa->size);
		if (ok && slot != boot->active_slot) {
			uint32_t cap = sdfu_img_slot_capacity(fa, boot->mode);

			ok = zcbor_tstr_put_lit(zse, "upload_image_id") && zcbor_uint32_put(zse, 0);
			if (cap > max) {
				max = cap;
			}
		}
		ok = ok && zcbor_map_end_encode(zse, 3);
	}
	ok = ok && zcbor_list_end_encode(zse, 2);
	if (ok && max != 0u) {
		ok = zcbor_tstr_put_lit(zse, "max_image_size") && zcbor_uint32_put(zse, max);
	}
	ok = ok && zcbor_map_end_encode(zse, 3) && zcbor_list_end_encode(zse, 1);
	return ok ? 0 : SDFU_ERR_MSGSIZE;
}
