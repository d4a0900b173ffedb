/* SPDX-License-Identifier: Apache-2.0 */
/* Application side of MCUboot: mark a slot for the next boot, request an upgrade, confirm. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "sdfu/err.h"
#include "sdfu/flash.h"

#define SDFU_LOG_MODULE "boot"
#include "sdfu/port.h"

static bool direct_xip(enum sdfu_boot_mode mode)
{
	return SDFU_BOOT_IS_DIRECT_XIP(mode);
}

/* Direct-XIP: magic, then copy_done and image_ok when confirming (active is always confirm). */
static int set_next_xip(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode,
			const struct sdfu_boot_trailer *tr, bool active, bool confirm)
{
	int rc = SDFU_OK;

	if (tr->magic == SDFU_BOOT_MAGIC_BAD) {
		return SDFU_ERR_CORRUPT;
	}
	if (tr->magic == SDFU_BOOT_MAGIC_UNSET) {
		rc = sdfu_boot_write_magic(fa, mode);
	}
	if (rc == SDFU_OK && (confirm || active)) {
		if (tr->copy_done == SDFU_BOOT_FLAG_UNSET) {
			rc = sdfu_boot_write_copy_done(fa, mode);
		}
		if (rc == SDFU_OK && tr->image_ok == SDFU_BOOT_FLAG_UNSET) {
			rc = sdfu_boot_write_image_ok(fa, mode);
		}
	}
	return rc;
}

int sdfu_boot_set_next(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode, bool active,
		       bool confirm)
{
	struct sdfu_boot_trailer tr;
	int rc;

	if (fa == NULL) {
		return SDFU_ERR_INVAL;
	}
	rc = sdfu_boot_trailer_read(fa, mode, &tr);
	if (rc != SDFU_OK) {
		return rc;
	}
	if (direct_xip(mode)) {
		return set_next_xip(fa, mode, &tr, active, confirm);
	}
	switch (tr.magic) {
	case SDFU_BOOT_MAGIC_GOOD:
		if (active && confirm && tr.image_ok == SDFU_BOOT_FLAG_UNSET) {
			rc = sdfu_boot_write_image_ok(fa, mode);
		}
		/* non-active: the swap is already scheduled */
		break;
	case SDFU_BOOT_MAGIC_UNSET:
		if (active) {
			break; /* no trailer: implicitly confirmed */
		}
		rc = sdfu_boot_write_magic(fa, mode);
		if (rc == SDFU_OK && confirm) {
			rc = sdfu_boot_write_image_ok(fa, mode);
		}
		if (rc == SDFU_OK) {
			rc = sdfu_boot_write_swap_info(fa, mode,
						       confirm ? SDFU_BOOT_SWAP_PERM : SDFU_BOOT_SWAP_TEST,
						       0);
		}
		break;
	default:
		if (!active) {
			/* A corrupt slot can never be scheduled: erase it so a new upload can. */
			SDFU_LOGW("bad trailer magic in slot area %u: erasing it", (unsigned)fa->id);
			(void)sdfu_flash_area_erase(fa, 0, fa->size);
		}
		rc = SDFU_ERR_CORRUPT;
		break;
	}
	return rc;
}

int sdfu_boot_request_upgrade(const struct sdfu_flash_area *secondary, enum sdfu_boot_mode mode,
			      bool permanent)
{
	return sdfu_boot_set_next(secondary, mode, false, permanent);
}

int sdfu_boot_confirm(const struct sdfu_flash_area *active, enum sdfu_boot_mode mode)
{
	return sdfu_boot_set_next(active, mode, true, true);
}
