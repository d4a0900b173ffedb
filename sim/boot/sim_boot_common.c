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

/* Is the image header magic of `fa` erased (all 0xFF)? 0 or a flash error. */
static int header_erased(const struct sdfu_flash_area *fa, bool *erased)
{
	uint8_t magic[4];
	int rc = sdfu_flash_area_read(fa, 0, magic, sizeof(magic));

	*erased = rc == SDFU_OK && magic[0] == 0xff && magic[1] == 0xff && magic[2] == 0xff &&
		  magic[3] == 0xff;
	return rc;
}

/* Raw header version (offset 20: major, minor, revision LE16; the build number is not compared). */
static int raw_version(const struct sdfu_flash_area *fa, uint32_t *v)
{
	uint8_t b[4];
	int rc = sdfu_flash_area_read(fa, 20, b, sizeof(b));

	if (rc == SDFU_OK) {
		*v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[3] << 8 | b[2];
	}
	return rc;
}

/*
 * MCUboot's software downgrade prevention (MCUBOOT_DOWNGRADE_PREVENTION without the
 * security-counter variant): boot_compare_version() of the secondary's header version
 * against the primary's, major.minor.revision (no build number, the default). Lower:
 * the whole secondary is erased (boot_scramble_slot), the swap type becomes NONE and the
 * primary boots. Overwrite-only checks it in boot_validate_slot, before validating the
 * secondary, and only over a primary header that is not erased; the swap modes in
 * check_downgrade_prevention() for a new test or permanent swap. Returns 1 when
 * prevented (slot erased), 0 when not, <0 on a flash error.
 */
int sim_boot_downgrade_prevented(struct sim_boot_run_ctx *c)
{
	uint32_t vs, vp;
	bool erased = false;
	int rc;

	if (!c->cfg->downgrade_prevention) {
		return 0;
	}
	rc = raw_version(c->sec, &vs);
	if (rc == SDFU_OK) {
		rc = raw_version(c->pri, &vp);
	}
	if (rc == SDFU_OK && c->cfg->mode == SDFU_BOOT_MODE_OVERWRITE_ONLY) {
		rc = header_erased(c->pri, &erased);
	}
	if (rc != SDFU_OK) {
		return rc;
	}
	if (erased) {
		return 0; /* overwrite-only: nothing in the primary to protect */
	}
	if (vs >= vp) {
		return 0;
	}
	SIM_LOGW("downgrade prevented: the secondary's version is lower; erasing the secondary slot");
	c->rep->swap_type = SDFU_BOOT_SWAP_NONE;
	c->rep->action = SIM_BOOT_ACT_REFUSED;
	rc = sim_boot_erase(c->sec, 0, c->sec->size);
	return rc != SDFU_OK ? rc : 1;
}

/*
 * The requested upgrade in the secondary, as MCUboot's boot_validate_slot: an erased
 * header means no image (swap type NONE, nothing erased); an invalid image is dropped
 * (whole slot erased, swap type FAIL). Returns 1 when the upgrade is valid (`info`
 * filled), 0 when there is none to do, <0 on a flash error.
 */
int sim_boot_check_upgrade(struct sim_boot_run_ctx *c, struct sdfu_image_info *info)
{
	bool erased;
	int rc = header_erased(c->sec, &erased);

	if (rc != SDFU_OK) {
		return rc;
	}
	if (erased) {
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
