/* SPDX-License-Identifier: Apache-2.0 */
/* Image management group (1): registration, v1 error translation, erase (1/5), slot info (1/6). */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "grp/img/img_priv.h"

#define SDFU_LOG_MODULE "img"

#if SDFU_IMG_ERASE
/* True when `slot` is what the bootloader reverts to at the next boot. */
static bool is_revert_target(const struct sdfu_img_view *v, uint8_t slot)
{
	enum sdfu_img_next_kind kind;

	return sdfu_img_next_boot(v, &kind) == slot && kind == SDFU_IMG_NEXT_REVERT;
}

static int img_erase(struct sdfu_smp_ctx *ctx);
#define IMG_ERASE_FN img_erase
#else
#define IMG_ERASE_FN NULL /* compiled out: rc 8 */
#endif
#if SDFU_IMG_SLOT_INFO
static int img_slot_info(struct sdfu_smp_ctx *ctx);
#define IMG_SLOT_INFO_FN img_slot_info
#else
#define IMG_SLOT_INFO_FN NULL /* compiled out: rc 8 */
#endif

/* Swap, overwrite-only and direct-XIP with revert: full table. */
static const struct sdfu_smp_handler img_handlers[] = {
	[SDFU_IMG_ID_STATE] = {.read = sdfu_img_state_read, .write = sdfu_img_state_write},
	[SDFU_IMG_ID_UPLOAD] = {.read = NULL, .write = sdfu_img_upload_handler},
	[2] = {NULL, NULL},
	[3] = {NULL, NULL},
	[4] = {NULL, NULL},
	[SDFU_IMG_ID_ERASE] = {.read = NULL, .write = IMG_ERASE_FN},
	[SDFU_IMG_ID_SLOT_INFO] = {.read = IMG_SLOT_INFO_FN, .write = NULL},
};

#if ((SDFU_BOOT_MODES) >> 4) & 1
/* Direct-XIP without revert: no test/confirm (state write -> rc 8), as in Zephyr. */
static const struct sdfu_smp_handler img_handlers_dxip[] = {
	[SDFU_IMG_ID_STATE] = {.read = sdfu_img_state_read, .write = NULL},
	[SDFU_IMG_ID_UPLOAD] = {.read = NULL, .write = sdfu_img_upload_handler},
	[2] = {NULL, NULL},
	[3] = {NULL, NULL},
	[4] = {NULL, NULL},
	[SDFU_IMG_ID_ERASE] = {.read = NULL, .write = IMG_ERASE_FN},
	[SDFU_IMG_ID_SLOT_INFO] = {.read = IMG_SLOT_INFO_FN, .write = NULL},
};
#endif

/* Legacy rc per group error 0..28 (spec 2.2); anything else is EUNKNOWN. */
static const uint8_t img_v1_rc[] = {
	[SDFU_IMG_ERR_OK] = SDFU_MGMT_EOK,
	[SDFU_IMG_ERR_UNKNOWN] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_FLASH_CONFIG_QUERY_FAIL] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_NO_IMAGE] = SDFU_MGMT_ENOENT,
	[SDFU_IMG_ERR_NO_TLVS] = SDFU_MGMT_ENOENT,
	[SDFU_IMG_ERR_INVALID_TLV] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_TLV_MULTIPLE_HASHES_FOUND] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_TLV_INVALID_SIZE] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_HASH_NOT_FOUND] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_NO_FREE_SLOT] = SDFU_MGMT_EBADSTATE,
	[SDFU_IMG_ERR_FLASH_OPEN_FAILED] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_FLASH_READ_FAILED] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_FLASH_WRITE_FAILED] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_FLASH_ERASE_FAILED] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_INVALID_SLOT] = SDFU_MGMT_EINVAL,
	[SDFU_IMG_ERR_NO_FREE_MEMORY] = SDFU_MGMT_ENOMEM,
	[SDFU_IMG_ERR_FLASH_CONTEXT_ALREADY_SET] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_FLASH_CONTEXT_NOT_SET] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_FLASH_AREA_DEVICE_NULL] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_INVALID_PAGE_OFFSET] = SDFU_MGMT_EINVAL,
	[SDFU_IMG_ERR_INVALID_OFFSET] = SDFU_MGMT_EINVAL,
	[SDFU_IMG_ERR_INVALID_LENGTH] = SDFU_MGMT_EINVAL,
	[SDFU_IMG_ERR_INVALID_IMAGE_HEADER] = SDFU_MGMT_EINVAL,
	[SDFU_IMG_ERR_INVALID_IMAGE_HEADER_MAGIC] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_INVALID_HASH] = SDFU_MGMT_EINVAL,
	[SDFU_IMG_ERR_INVALID_FLASH_ADDRESS] = SDFU_MGMT_EINVAL,
	[SDFU_IMG_ERR_VERSION_GET_FAILED] = SDFU_MGMT_EUNKNOWN,
	[SDFU_IMG_ERR_CURRENT_VERSION_IS_NEWER] = SDFU_MGMT_EBADSTATE,
	[SDFU_IMG_ERR_IMAGE_ALREADY_PENDING] = SDFU_MGMT_EBADSTATE,
};

int sdfu_img_translate(uint16_t group_rc)
{
	return group_rc < sizeof(img_v1_rc) ? img_v1_rc[group_rc] : SDFU_MGMT_EUNKNOWN;
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
#if ((SDFU_BOOT_MODES) & 0x3E) != 0x3E
	if ((unsigned)boot->mode > 31u || !SDFU_BOOT_MODE_ENABLED(boot->mode)) {
		return SDFU_ERR_NOTSUP; /* mode compiled out (SDFU_BOOT_MODES) */
	}
#endif
	img->grp.handlers = img_handlers;
	img->grp.handler_count = (uint8_t)(sizeof(img_handlers) / sizeof(img_handlers[0]));
#if ((SDFU_BOOT_MODES) >> 4) & 1
	if (boot->mode == SDFU_BOOT_MODE_DIRECT_XIP) {
		img->grp.handlers = img_handlers_dxip;
	}
#endif
	img->grp.group_id = SDFU_SMP_GROUP_IMG;
	img->grp.translate = sdfu_img_translate;
	img->grp.ctx = img;
	return sdfu_smp_register_group(srv, &img->grp);
}

struct sdfu_img *sdfu_img_from_ctx(struct sdfu_smp_ctx *ctx)
{
	/* The dispatcher passes the group whose handler runs (as for the OS group). */
	return (ctx->grp != NULL) ? (struct sdfu_img *)ctx->grp->ctx : NULL;
}

#if SDFU_IMG_ERASE
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
	/* Never the running slot, nor the revert target of an unconfirmed running test
	 * image. A slot scheduled for test/permanent only with allow_erase_pending
	 * (Zephyr's ALLOW_ERASE_PENDING), or when its image is unreadable anyway (a
	 * stale trailer over a corrupt image can always be cleaned). */
	if (slot == v.active || (v.info_rc[slot] == 0 && sdfu_img_slot_in_use(&v, (uint8_t)slot) &&
				 (!img->allow_erase_pending || is_revert_target(&v, (uint8_t)slot)))) {
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
#endif /* SDFU_IMG_ERASE */

#if SDFU_IMG_SLOT_INFO
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
#endif /* SDFU_IMG_SLOT_INFO */
