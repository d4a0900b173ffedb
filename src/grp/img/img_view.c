/* SPDX-License-Identifier: Apache-2.0 */
/* Image group slot view: load both slots from flash, then pure next-boot / flag / in-use rules. */
#include <string.h>

#include "sdfu/err.h"
#include "grp/img/img_priv.h"

static bool is_direct_xip(enum sdfu_boot_mode mode)
{
	return SDFU_BOOT_IS_DIRECT_XIP(mode);
}

void sdfu_img_view_load(const struct sdfu_boot_ctx *boot, struct sdfu_img_view *v)
{
	memset(v, 0, sizeof(*v));
	v->mode = boot->mode;
	v->active = (boot->active_slot == 1u) ? 1u : 0u;
	v->swap = SDFU_BOOT_SWAP_NONE;

	for (unsigned i = 0; i < 2u; i++) {
		if (boot->slot[i] == NULL) {
			v->info_rc[i] = SDFU_ERR_NOENT;
			v->tr_rc[i] = SDFU_ERR_NOENT;
			continue;
		}
		v->info_rc[i] = sdfu_image_read_info(boot->slot[i], &v->info[i]);
		if (SDFU_BOOT_MODE_IS(boot->mode, SDFU_BOOT_MODE_DIRECT_XIP_REVERT)) {
			v->tr_rc[i] = sdfu_boot_trailer_read(boot->slot[i], boot->mode, &v->tr[i]);
		}
	}
	if (!is_direct_xip(boot->mode) && boot->slot[0] != NULL && boot->slot[1] != NULL) {
		v->swap = sdfu_boot_swap_type(boot->slot[0], boot->slot[1], boot->mode);
	}
}

/* Direct-XIP with revert: what a slot's trailer promises for the next boots. */
enum dx_state { DX_UNSET = 0, DX_ONCE, DX_REVERT, DX_FOREVER };

static enum dx_state dx_state_of(const struct sdfu_boot_trailer *tr)
{
	if (tr->magic != SDFU_BOOT_MAGIC_GOOD) {
		return DX_UNSET;
	}
	if (tr->image_ok == SDFU_BOOT_FLAG_SET) {
		return DX_FOREVER;
	}
	if (tr->copy_done == SDFU_BOOT_FLAG_SET) {
		return DX_REVERT; /* booted once already, never confirmed */
	}
	return DX_ONCE;
}

static int ver_cmp(const struct sdfu_image_version *a, const struct sdfu_image_version *b)
{
	return sdfu_image_version_cmp(a, b, SDFU_IMG_VERSION_CMP_USE_BUILD != 0);
}

static uint8_t next_boot_dx_revert(const struct sdfu_img_view *v, enum sdfu_img_next_kind *kind)
{
	uint8_t a = v->active;
	uint8_t o = (uint8_t)(1u - a);

	*kind = SDFU_IMG_NEXT_NORMAL;
	/* Without a readable running image, or with an unreadable other trailer, the
	 * bootloader's choice is unknown: report the running slot. */
	if (v->info_rc[a] != 0 || (v->info_rc[o] != 0 && v->info_rc[o] != SDFU_ERR_NOENT) ||
	    v->tr_rc[a] != 0 || v->tr_rc[o] != 0) {
		return a;
	}
	if (v->info_rc[o] == SDFU_ERR_NOENT) {
		return a;
	}
	enum dx_state sa = dx_state_of(&v->tr[a]);
	enum dx_state so = dx_state_of(&v->tr[o]);

	if (sa == DX_REVERT) {
		*kind = SDFU_IMG_NEXT_REVERT;
		return o;
	}
	if (so == DX_UNSET) {
		if (sa == DX_ONCE) {
			*kind = SDFU_IMG_NEXT_TEST;
		}
		return a;
	}
	if (ver_cmp(&v->info[a].hdr.ver, &v->info[o].hdr.ver) < 0) {
		if (so == DX_FOREVER) {
			return o;
		}
		if (so == DX_ONCE) {
			*kind = SDFU_IMG_NEXT_TEST;
			return o;
		}
	}
	return a;
}

uint8_t sdfu_img_next_boot(const struct sdfu_img_view *v, enum sdfu_img_next_kind *kind)
{
	uint8_t a = v->active;
	uint8_t o = (uint8_t)(1u - a);

	*kind = SDFU_IMG_NEXT_NORMAL;
	if (SDFU_BOOT_MODE_IS(v->mode, SDFU_BOOT_MODE_DIRECT_XIP)) {
		/* The bootloader picks the higher version. */
		if (v->info_rc[a] == 0 && v->info_rc[o] == 0 &&
		    ver_cmp(&v->info[a].hdr.ver, &v->info[o].hdr.ver) < 0) {
			return o;
		}
		return a;
	}
	if (SDFU_BOOT_MODE_IS(v->mode, SDFU_BOOT_MODE_DIRECT_XIP_REVERT)) {
		return next_boot_dx_revert(v, kind);
	}
	switch (v->swap) {
	case SDFU_BOOT_SWAP_TEST:
		*kind = SDFU_IMG_NEXT_TEST;
		return o;
	case SDFU_BOOT_SWAP_PERM:
		return o;
	case SDFU_BOOT_SWAP_REVERT:
		*kind = SDFU_IMG_NEXT_REVERT;
		return o;
	default:
		/* NONE, and FAIL/PANIC which leave the running image in place. */
		return a;
	}
}

uint8_t sdfu_img_slot_flags(const struct sdfu_img_view *v, uint8_t slot)
{
	enum sdfu_img_next_kind kind;
	uint8_t next = sdfu_img_next_boot(v, &kind);

	if (slot == v->active) {
		uint8_t f = SDFU_IMG_F_ACTIVE;

		if (kind != SDFU_IMG_NEXT_REVERT) {
			f |= SDFU_IMG_F_CONFIRMED;
		}
		return f;
	}
	if (next == v->active) {
		return 0;
	}
	switch (kind) {
	case SDFU_IMG_NEXT_NORMAL:
		return SDFU_IMG_F_PENDING | SDFU_IMG_F_PERMANENT;
	case SDFU_IMG_NEXT_TEST:
		return SDFU_IMG_F_PENDING;
	case SDFU_IMG_NEXT_REVERT:
	default:
		return SDFU_IMG_F_CONFIRMED;
	}
}

bool sdfu_img_slot_in_use(const struct sdfu_img_view *v, uint8_t slot)
{
	if (slot == v->active) {
		return true;
	}
	if (SDFU_BOOT_MODE_IS(v->mode, SDFU_BOOT_MODE_DIRECT_XIP)) {
		/* No trailers: the bootloader just takes the higher version. */
		return false;
	}
	enum sdfu_img_next_kind kind;
	uint8_t next = sdfu_img_next_boot(v, &kind);

	if (slot == next && kind != SDFU_IMG_NEXT_NORMAL) {
		return true; /* scheduled for test, or the revert target */
	}
	if (next != v->active && kind == SDFU_IMG_NEXT_NORMAL) {
		return true; /* a permanent upgrade is scheduled */
	}
	return false;
}

uint16_t sdfu_img_set_next_check(const struct sdfu_img_view *v, uint8_t slot, bool confirm,
				 bool *noop)
{
	enum sdfu_img_next_kind kind;
	uint8_t next = sdfu_img_next_boot(v, &kind);

	*noop = false;
	if (!confirm && slot == v->active) {
		return SDFU_IMG_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED;
	}
	if (SDFU_BOOT_MODE_IS(v->mode, SDFU_BOOT_MODE_DIRECT_XIP_REVERT)) {
		return 0; /* the trailer write decides */
	}
	switch (kind) {
	case SDFU_IMG_NEXT_TEST:
		if (!confirm && slot == next) {
			*noop = true;
			return 0;
		}
		return SDFU_IMG_ERR_IMAGE_ALREADY_PENDING;
	case SDFU_IMG_NEXT_REVERT:
		if (confirm && slot == next) {
			*noop = true;
			return 0;
		}
		if (!confirm) {
			return SDFU_IMG_ERR_IMAGE_ALREADY_PENDING;
		}
		return 0; /* confirming the running test image */
	case SDFU_IMG_NEXT_NORMAL:
	default:
		if (confirm && slot == next) {
			*noop = true;
			return 0;
		}
		if ((slot == v->active && next != v->active) ||
		    (!confirm && slot != v->active && slot == next)) {
			return SDFU_IMG_ERR_IMAGE_ALREADY_PENDING;
		}
		return 0;
	}
}
