/* SPDX-License-Identifier: Apache-2.0 */
/* Image state (1/0): list slots with their flags, and test / confirm an image. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "grp/img/img_priv.h"

#define SDFU_LOG_MODULE "img"

/* The state flags in their response order after "bootable": key, length, SDFU_IMG_F_* bit. */
static const struct {
	const char *key;
	uint8_t len;
	uint8_t mask;
} state_flags[] = {
	{"pending", 7, SDFU_IMG_F_PENDING},
	{"confirmed", 9, SDFU_IMG_F_CONFIRMED},
	{"active", 6, SDFU_IMG_F_ACTIVE},
	{"permanent", 9, SDFU_IMG_F_PERMANENT},
};

static bool encode_slot(zcbor_state_t *zse, const struct sdfu_img_view *v, uint8_t slot)
{
	const struct sdfu_image_info *info = &v->info[slot];
	uint8_t fl = sdfu_img_slot_flags(v, slot);
	char ver[32];
	int n = sdfu_image_version_str(&info->hdr.ver, ver, sizeof(ver));
	bool ok;

	if (n < 0 || (size_t)n >= sizeof(ver)) {
		n = 0;
	}
	/* "image" is sent only with more than one updatable image: we have one. */
	ok = zcbor_map_start_encode(zse, 8) && zcbor_tstr_put_lit(zse, "slot") &&
	     zcbor_uint32_put(zse, slot) && zcbor_tstr_put_lit(zse, "version") &&
	     zcbor_tstr_encode_ptr(zse, ver, (size_t)n) && zcbor_tstr_put_lit(zse, "hash") &&
	     zcbor_bstr_encode_ptr(zse, (const char *)info->hash, SDFU_SHA256_LEN) &&
	     zcbor_tstr_put_lit(zse, "bootable") &&
	     zcbor_bool_put(zse, (info->hdr.flags & SDFU_IMAGE_F_NON_BOOTABLE) == 0u);
	for (size_t i = 0; ok && i < sizeof(state_flags) / sizeof(state_flags[0]); i++) {
		ok = zcbor_tstr_encode_ptr(zse, state_flags[i].key, state_flags[i].len) &&
		     zcbor_bool_put(zse, (fl & state_flags[i].mask) != 0u);
	}
	return ok && zcbor_map_end_encode(zse, 8);
}

int sdfu_img_state_encode(struct sdfu_img *img, struct sdfu_smp_ctx *ctx)
{
	zcbor_state_t *zse = ctx->zse;
	struct sdfu_img_view v;
	bool ok;

	sdfu_img_view_load(img->boot, &v);
	ok = zcbor_tstr_put_lit(zse, "images") && zcbor_list_start_encode(zse, 2);
	for (uint8_t slot = 0; ok && slot < 2u; slot++) {
		if (v.info_rc[slot] == 0) {
			ok = encode_slot(zse, &v, slot);
		}
	}
	ok = ok && zcbor_list_end_encode(zse, 2) && zcbor_tstr_put_lit(zse, "splitStatus") &&
	     zcbor_uint32_put(zse, 0);
	return ok ? 0 : SDFU_ERR_MSGSIZE;
}

int sdfu_img_state_read(struct sdfu_smp_ctx *ctx)
{
	struct sdfu_img *img = sdfu_img_from_ctx(ctx);

	if (img == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	return sdfu_img_state_encode(img, ctx);
}

/* Map a boot_set_next failure to the group error (spec 4.3 last row). */
static uint16_t set_next_err(int rc, bool active)
{
	switch (rc) {
	case SDFU_ERR_CORRUPT:
		return active ? SDFU_IMG_ERR_INVALID_IMAGE_VECTOR_TABLE
			      : SDFU_IMG_ERR_INVALID_IMAGE_HEADER_MAGIC;
	case SDFU_ERR_IO:
	case SDFU_ERR_INVAL:
	case SDFU_ERR_RANGE:
		return SDFU_IMG_ERR_FLASH_WRITE_FAILED;
	default:
		return SDFU_IMG_ERR_UNKNOWN;
	}
}

#if SDFU_IMG_VALIDATE_ON_TEST
/* Map a full-validation failure of the image about to be scheduled. */
static uint16_t validate_err(int rc)
{
	switch (rc) {
	case SDFU_ERR_IO:
		return SDFU_IMG_ERR_FLASH_READ_FAILED;
	case SDFU_ERR_NOENT:
		return SDFU_IMG_ERR_NO_IMAGE;
	default:
		/* Malformed, or hash/signature mismatch: MCUboot would refuse it
		 * (BOOT_EBADIMAGE, which img_mgmt reports as 23). */
		return SDFU_IMG_ERR_INVALID_IMAGE_HEADER_MAGIC;
	}
}
#endif

/* Find the slot whose SHA256 TLV equals `hash`; -1 when none. */
static int find_by_hash(const struct sdfu_img_view *v, const uint8_t *hash)
{
	for (int slot = 0; slot < 2; slot++) {
		if (v->info_rc[slot] == 0 && memcmp(v->info[slot].hash, hash, SDFU_SHA256_LEN) == 0) {
			return slot;
		}
	}
	return -1;
}

/* Mark `slot` for the next boot; 0 or a group error. */
static uint16_t set_next(struct sdfu_img *img, const struct sdfu_img_view *v, uint8_t slot,
			 bool confirm)
{
	const struct sdfu_boot_ctx *boot = img->boot;
	const struct sdfu_flash_area *fa = boot->slot[slot];
	bool active = (slot == v->active);
	bool noop = false;
	uint16_t err = sdfu_img_set_next_check(v, slot, confirm, &noop);

	if (err != 0u || noop) {
		return err;
	}
	if (fa == NULL) {
		return SDFU_IMG_ERR_INVALID_SLOT;
	}
#if SDFU_IMG_VALIDATE_ON_TEST
	if (!active) {
		/* Never schedule an image MCUboot would refuse. */
		struct sdfu_image_info info;
		int rc = sdfu_image_validate(fa, &boot->keys, &info);

		if (rc != 0) {
			SDFU_LOGW("slot %u fails validation (%d); not scheduled", (unsigned)slot, rc);
			return validate_err(rc);
		}
	}
#else
	/* A non-running slot was found by its TLV hash, so its header and TLVs
	 * were read (sdfu_image_read_info); like img_mgmt, no hash/signature check. */
#endif
	int rc = sdfu_boot_set_next(fa, boot->mode, active, confirm);

	if (rc != 0) {
		SDFU_LOGE("set_next slot %u failed: %d", (unsigned)slot, rc);
		return set_next_err(rc, active);
	}
	SDFU_LOGI("slot %u marked %s", (unsigned)slot, confirm ? "confirmed" : "for test");
	if (active && confirm) {
		struct sdfu_img_confirmed c = {.image = 0};

		sdfu_img_notify(img, SDFU_IMG_EVT_DFU_CONFIRMED, &c, sizeof(c));
	}
	return 0;
}

int sdfu_img_state_write(struct sdfu_smp_ctx *ctx)
{
	struct sdfu_img *img = sdfu_img_from_ctx(ctx);
	struct zcbor_string hash = {0};
	bool confirm = false;
	struct sdfu_img_view v;
	int slot;

	if (img == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	struct sdfu_cbor_field f[] = {
		{"hash", SDFU_CBOR_BSTR_OR_NULL, &hash, false},
		{"confirm", SDFU_CBOR_BOOL, &confirm, false},
	};

	if (sdfu_smp_decode_map(ctx, f, sizeof(f) / sizeof(f[0])) != 0) {
		return SDFU_ERR_INVAL;
	}
	if (!f[0].found) {
		hash.len = 0;
	}
	sdfu_img_view_load(img->boot, &v);
	if (hash.len == 0u) {
		if (!confirm) {
			return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_IMG, SDFU_IMG_ERR_INVALID_HASH);
		}
		slot = v.active;
	} else if (hash.len != SDFU_SHA256_LEN) {
		return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_IMG, SDFU_IMG_ERR_INVALID_HASH);
	} else {
		slot = find_by_hash(&v, hash.value);
		if (slot < 0) {
			return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_IMG,
						      SDFU_IMG_ERR_HASH_NOT_FOUND);
		}
	}

	uint16_t err = set_next(img, &v, (uint8_t)slot, confirm);

	if (err != 0u) {
		return sdfu_smp_set_group_err(ctx, SDFU_SMP_GROUP_IMG, err);
	}
	return sdfu_img_state_encode(img, ctx);
}
