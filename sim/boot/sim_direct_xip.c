/* SPDX-License-Identifier: Apache-2.0 */
/* Direct-XIP modes: boot the higher valid version in place; with revert, the trailer rules. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

/* ---- direct-XIP ------------------------------------------------------------------- */

int sim_boot_run_direct_xip(struct sim_boot_run_ctx *c)
{
	enum sdfu_boot_mode m = c->cfg->mode;
	bool revert = m == SDFU_BOOT_MODE_DIRECT_XIP_REVERT;
	bool tried[2] = { false, false };
	int rc;

	c->rep->swap_type = SDFU_BOOT_SWAP_NONE;
	for (int round = 0; round < 2; round++) {
		struct sdfu_image_info info[2];
		bool cand[2];
		int pick = -1;

		for (int s = 0; s < 2; s++) {
			const struct sdfu_flash_area *fa = s == 0 ? c->pri : c->sec;

			cand[s] = !tried[s] && sdfu_image_read_info(fa, &info[s]) == SDFU_OK;
		}
		if (cand[0] && cand[1]) {
			pick = sdfu_image_version_cmp(&info[1].hdr.ver, &info[0].hdr.ver, true) > 0 ? 1 : 0;
		} else if (cand[0] || cand[1]) {
			pick = cand[0] ? 0 : 1;
		}
		if (pick < 0) {
			break;
		}
		const struct sdfu_flash_area *fa = pick == 0 ? c->pri : c->sec;

		tried[pick] = true;
		if (revert) {
			struct sdfu_boot_trailer tr;

			rc = sdfu_boot_trailer_read(fa, m, &tr);
			if (rc != SDFU_OK) {
				return rc;
			}
			if (tr.magic != SDFU_BOOT_MAGIC_GOOD ||
			    (tr.copy_done == SDFU_BOOT_FLAG_SET && tr.image_ok != SDFU_BOOT_FLAG_SET)) {
				SIM_LOGW("slot %d %s: erasing it (revert)", pick,
					 tr.magic != SDFU_BOOT_MAGIC_GOOD ? "has no trailer magic"
									  : "was tried and not confirmed");
				rc = sim_boot_erase(fa, 0, fa->size);
				if (rc != SDFU_OK) {
					return rc;
				}
				c->rep->action = SIM_BOOT_ACT_REVERT;
				continue;
			}
			if (tr.copy_done != SDFU_BOOT_FLAG_SET) {
				rc = sdfu_boot_write_copy_done(fa, m);
				if (rc == SDFU_ERR_IO) {
					return rc;
				}
			}
		}
		rc = sim_boot_validate(c, fa, pick == 0 ? "primary" : "secondary", NULL);
		if (rc == SDFU_ERR_IO) {
			return rc;
		}
		if (rc != SDFU_OK) {
			rc = sim_boot_erase(fa, 0, fa->size);
			if (rc != SDFU_OK) {
				return rc;
			}
			if (c->rep->action == SIM_BOOT_ACT_NONE) {
				c->rep->action = SIM_BOOT_ACT_REFUSED;
			}
			continue;
		}
		return sim_boot_finish(c, pick);
	}
	c->rep->booted_slot = -1;
	c->rep->action = SIM_BOOT_ACT_NO_IMAGE;
	SIM_LOGE("no bootable image");
	return SDFU_ERR_NOENT;
}
