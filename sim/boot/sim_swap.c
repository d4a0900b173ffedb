/* SPDX-License-Identifier: Apache-2.0 */
/* Swap modes (move, scratch): status, decision, resume and finish, around the per-algorithm swap. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

/* ---- swap modes --------------------------------------------------------------- */

static uint32_t image_size(const struct sdfu_flash_area *fa)
{
	struct sdfu_image_info info;

	return sdfu_image_read_info(fa, &info) == SDFU_OK ? info.total_size : 0u;
}

/* After the swap: image_ok for PERM/REVERT, then copy_done (order matters for power loss). */
static int swap_finish(struct sim_boot_run_ctx *c, uint8_t type)
{
	struct sdfu_boot_trailer p;
	enum sdfu_boot_mode m = c->cfg->mode;
	int rc = sdfu_boot_trailer_read(c->pri, m, &p);

	if (rc == SDFU_OK && (type == SDFU_BOOT_SWAP_PERM || type == SDFU_BOOT_SWAP_REVERT) &&
	    p.image_ok == SDFU_BOOT_FLAG_UNSET) {
		rc = sdfu_boot_write_image_ok(c->pri, m);
	}
	if (rc == SDFU_OK && p.copy_done == SDFU_BOOT_FLAG_UNSET) {
		rc = sdfu_boot_write_copy_done(c->pri, m);
	}
	if (rc == SDFU_OK) {
		c->rep->action = type == SDFU_BOOT_SWAP_REVERT ? SIM_BOOT_ACT_REVERT : SIM_BOOT_ACT_UPGRADE;
	}
	return rc;
}

/*
 * Hardening beyond MCUboot (whose REVERT row wants the secondary magic UNSET): a torn
 * write of the secondary magic during the revert fixup leaves it BAD; still revert.
 */
static uint8_t torn_revert(struct sim_boot_run_ctx *c)
{
	struct sdfu_boot_trailer p, s;

	if (sdfu_boot_trailer_read(c->pri, c->cfg->mode, &p) == SDFU_OK &&
	    sdfu_boot_trailer_read(c->sec, c->cfg->mode, &s) == SDFU_OK &&
	    p.magic == SDFU_BOOT_MAGIC_GOOD && p.image_ok == SDFU_BOOT_FLAG_UNSET &&
	    p.copy_done == SDFU_BOOT_FLAG_SET && s.magic == SDFU_BOOT_MAGIC_BAD) {
		SIM_LOGW("secondary trailer magic damaged during a revert: reverting");
		return SDFU_BOOT_SWAP_REVERT;
	}
	return SDFU_BOOT_SWAP_NONE;
}

static int swap_run(struct sim_boot_run_ctx *c, struct sim_swap_status *st, uint8_t type,
		    uint32_t size)
{
	if (c->cfg->mode == SDFU_BOOT_MODE_SWAP_SCRATCH) {
		return sim_swap_scratch_run(c, st, type, size);
	}
	return sim_swap_move_run(c, st, type, size);
}

int sim_boot_run_swap(struct sim_boot_run_ctx *c)
{
	struct sim_swap_status st;
	uint8_t type;
	uint32_t size;
	int rc;

	uint32_t resume_size = 0;

	if (c->cfg->mode == SDFU_BOOT_MODE_SWAP_SCRATCH) {
		rc = sim_swap_scratch_read_status(c, &st, &resume_size);
	} else {
		rc = sim_swap_read_status(c, &st);
		if (rc == SDFU_OK && !st.reset) {
			struct sdfu_boot_trailer p;

			rc = sdfu_boot_trailer_read(c->pri, c->cfg->mode, &p);
			resume_size = p.swap_size;
		}
	}
	if (rc != SDFU_OK) {
		return rc;
	}
	if (!st.reset) {
		SIM_LOGI("resuming interrupted swap (%s, step %u/%u)", sim_boot_swap_name(st.swap_type),
			 (unsigned)st.op, (unsigned)st.idx);
		c->rep->swap_type = SDFU_BOOT_SWAP_NONE; /* as MCUboot after completing a partial swap */
		c->rep->resumed = true;
		rc = swap_run(c, &st, st.swap_type, resume_size);
		if (rc == SDFU_OK) {
			rc = swap_finish(c, st.swap_type);
		}
		return rc != SDFU_OK ? rc : sim_boot_finish(c, 0);
	}
	bool from_status = st.source_primary && st.swap_type != SDFU_BOOT_SWAP_NONE;

	if (from_status) {
		type = st.swap_type; /* metadata written, no sector moved yet */
	} else {
		st.source_primary = false;
		type = sdfu_boot_swap_type(c->pri, c->sec, c->cfg->mode);
		if (type == SDFU_BOOT_SWAP_NONE) {
			type = torn_revert(c);
		}
	}
	c->rep->swap_type = type;
	SIM_LOGI("swap type: %s", sim_boot_swap_name(type));
	if (type == SDFU_BOOT_SWAP_PANIC) {
		return SDFU_ERR_IO;
	}
	if (type == SDFU_BOOT_SWAP_TEST || type == SDFU_BOOT_SWAP_PERM || type == SDFU_BOOT_SWAP_REVERT) {
		rc = sim_boot_check_upgrade(c, NULL);
		if (rc < 0) {
			return rc;
		}
		if (rc == 0) {
			/* dropped (FAIL), or no image header (NONE; FAIL when the status asked for it) */
			if (from_status) {
				c->rep->swap_type = SDFU_BOOT_SWAP_FAIL;
			}
			return sim_boot_finish(c, 0);
		}
		if (type != SDFU_BOOT_SWAP_REVERT) {
			rc = sim_boot_downgrade_prevented(c); /* MCUboot check_downgrade_prevention */
			if (rc != 0) {
				return rc < 0 ? rc : sim_boot_finish(c, 0);
			}
		}
		size = image_size(c->pri);
		if (image_size(c->sec) > size) {
			size = image_size(c->sec);
		}
		rc = swap_run(c, &st, type, size);
		if (rc == SDFU_ERR_NOSPC) {
			c->rep->swap_type = SDFU_BOOT_SWAP_FAIL;
			rc = sim_boot_refuse_secondary(c);
			return rc != SDFU_OK ? rc : sim_boot_finish(c, 0);
		}
		if (rc == SDFU_OK) {
			rc = swap_finish(c, type);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
	}
	return sim_boot_finish(c, 0);
}
