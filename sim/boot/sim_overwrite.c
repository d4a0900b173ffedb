/* SPDX-License-Identifier: Apache-2.0 */
/* Overwrite-only mode (whole slot, or only the image's sectors with MCUBOOT_OVERWRITE_ONLY_FAST). */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

/* ---- overwrite-only ------------------------------------------------------------ */

/*
 * MCUboot's overwrite-only copy (boot_copy_image): erase the primary (every sector, or
 * with OVERWRITE_ONLY_FAST only the sectors the image covers plus the trailer sector),
 * copy the whole slot (FAST: the image) in 1024-byte chunks, FAST writes the primary's
 * magic, then the request is dropped by erasing the secondary's first sector and its
 * trailer sector.
 */
int sim_boot_run_overwrite(struct sim_boot_run_ctx *c)
{
	enum sdfu_boot_mode m = c->cfg->mode;
	struct sdfu_image_info si;
	uint32_t so, ss, size, a;
	uint8_t type = sdfu_boot_swap_type(c->pri, c->sec, m);
	int rc;

	c->rep->swap_type = type;
	SIM_LOGI("swap type: %s", sim_boot_swap_name(type));
	if (type == SDFU_BOOT_SWAP_PANIC) {
		return SDFU_ERR_IO;
	}
	if (type != SDFU_BOOT_SWAP_TEST && type != SDFU_BOOT_SWAP_PERM) {
		return sim_boot_finish(c, 0);
	}
	rc = sim_boot_downgrade_prevented(c); /* before validation, as boot_validate_slot */
	if (rc != 0) {
		return rc < 0 ? rc : sim_boot_finish(c, 0);
	}
	rc = sim_boot_check_upgrade(c, &si);
	if (rc != 1) {
		return rc < 0 ? rc : sim_boot_finish(c, 0);
	}
	/*
	 * Erase sector by sector from the start; FAST stops after the sector that holds the
	 * image's end, and copies the image size plus padding to the next write unit (a full
	 * unit when already aligned, as MCUboot computes it), then erases the trailer sectors.
	 */
	a = sdfu_flash_area_align(c->pri);
	rc = SDFU_OK;
	for (size = 0; size < c->pri->size;) {
		rc = sdfu_flash_area_sector(c->pri, size, &so, &ss);
		if (rc == SDFU_OK) {
			rc = sim_boot_erase(c->pri, so, ss);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
		if (c->cfg->overwrite_fast && size + ss >= si.total_size) {
			size = si.total_size + (a - si.total_size % a);
			break;
		}
		size += ss;
	}
	if (size > c->pri->size) {
		size = c->pri->size;
	}
	SIM_LOGI("overwriting primary with %u bytes", (unsigned)size);
	if (c->cfg->overwrite_fast) {
		struct sdfu_boot_trailer_layout lo;
		uint32_t tsz = 0, toff = c->pri->size;

		sdfu_boot_trailer_layout(c->pri, m, &lo);
		while (tsz < lo.trailer_size && toff > 0) {
			rc = sdfu_flash_area_sector(c->pri, toff - 1u, &so, &ss);
			if (rc != SDFU_OK) {
				return rc;
			}
			toff = so;
			tsz += ss;
		}
		rc = sim_boot_erase(c->pri, toff, tsz);
	}
	if (rc == SDFU_OK) {
		rc = sim_boot_copy(c->sec, 0, c->pri, 0, size);
	}
	if (rc == SDFU_OK && c->cfg->overwrite_fast) {
		rc = sdfu_boot_write_magic(c->pri, m);
	}
	/* then drop the request: the header sector, then the trailer */
	if (rc == SDFU_OK) {
		rc = sdfu_flash_area_sector(c->sec, 0, &so, &ss);
	}
	if (rc == SDFU_OK) {
		rc = sim_boot_erase(c->sec, so, ss);
	}
	if (rc == SDFU_OK) {
		rc = sim_boot_erase_trailer_sectors(c->sec, m);
	}
	if (rc != SDFU_OK) {
		return rc;
	}
	c->rep->action = SIM_BOOT_ACT_UPGRADE;
	return sim_boot_finish(c, 0);
}
