/* SPDX-License-Identifier: Apache-2.0 */
/* Bootloader simulation steps shared by every mode: validate, drop an upgrade, boot the chosen slot. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

const char *sim_boot_swap_name(unsigned t)
{
	switch (t) {
	case SDFU_BOOT_SWAP_NONE:
		return "none";
	case SDFU_BOOT_SWAP_TEST:
		return "test";
	case SDFU_BOOT_SWAP_PERM:
		return "perm";
	case SDFU_BOOT_SWAP_REVERT:
		return "revert";
	case SDFU_BOOT_SWAP_FAIL:
		return "fail";
	default:
		return "panic";
	}
}


/* Validate a slot; log the outcome. */
int sim_boot_validate(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *fa, const char *what,
		    struct sdfu_image_info *info)
{
	int rc = sdfu_image_validate(fa, c->cfg->keys, info);

	if (rc != SDFU_OK && rc != SDFU_ERR_IO) {
		SIM_LOGW("%s slot image invalid (%d)", what, rc);
	}
	return rc;
}

/* Drop an invalid upgrade: erase the whole secondary slot (MCUboot boot_validate_slot). */
int sim_boot_refuse_secondary(struct sim_boot_run_ctx *c)
{
	c->rep->action = SIM_BOOT_ACT_REFUSED;
	SIM_LOGW("upgrade refused: erasing the secondary slot");
	return sim_boot_erase(c->sec, 0, c->sec->size);
}

/*
 * The requested upgrade in the secondary, as MCUboot's boot_validate_slot: an erased
 * header means no image (swap type NONE, nothing erased); an invalid image is dropped
 * (whole slot erased, swap type FAIL). Returns 1 when the upgrade is valid (`info`
 * filled), 0 when there is none to do, <0 on a flash error.
 */
int sim_boot_check_upgrade(struct sim_boot_run_ctx *c, struct sdfu_image_info *info)
{
	uint8_t magic[4];
	int rc = sdfu_flash_area_read(c->sec, 0, magic, sizeof(magic));

	if (rc != SDFU_OK) {
		return rc;
	}
	if (magic[0] == 0xff && magic[1] == 0xff && magic[2] == 0xff && magic[3] == 0xff) {
		SIM_LOGW("secondary slot has no image header: nothing to do");
		c->rep->swap_type = SDFU_BOOT_SWAP_NONE;
		return 0;
	}
	rc = sim_boot_validate(c, c->sec, "secondary", info);
	if (rc == SDFU_ERR_IO) {
		return rc;
	}
	if (rc != SDFU_OK) {
		c->rep->swap_type = SDFU_BOOT_SWAP_FAIL;
		rc = sim_boot_refuse_secondary(c);
		return rc != SDFU_OK ? rc : 0;
	}
	return 1;
}

/* Fill the report for the booted slot after a final validation. */
int sim_boot_finish(struct sim_boot_run_ctx *c, int slot)
{
	struct sdfu_image_info info;
	const struct sdfu_flash_area *fa = slot == 0 ? c->pri : c->sec;
	char ver[32];
	int rc = sim_boot_validate(c, fa, slot == 0 ? "primary" : "secondary", &info);

	if (rc != SDFU_OK) {
		if (rc == SDFU_ERR_IO) {
			return rc;
		}
		c->rep->booted_slot = -1;
		c->rep->action = SIM_BOOT_ACT_NO_IMAGE;
		SIM_LOGE("no bootable image");
		return SDFU_ERR_NOENT;
	}
	c->rep->booted_slot = slot;
	c->rep->booted_ver = info.hdr.ver;
	memcpy(c->rep->booted_hash, info.hash, sizeof(info.hash));
	sdfu_image_version_str(&info.hdr.ver, ver, sizeof(ver));
	SIM_LOGI("booting %s slot, version %s", slot == 0 ? "primary" : "secondary", ver);
	return SDFU_OK;
}
