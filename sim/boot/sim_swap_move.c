/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated MCUboot swap-using-move: move primary sectors up one, then swap, progress in the trailer. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

/* One step: erase `sz` bytes at `doff` of `dst`, copy them from `src` at `soff`, then record
 * the step (op, idx, state) in the primary trailer. */
static int step(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *src, uint32_t soff,
		const struct sdfu_flash_area *dst, uint32_t doff, uint32_t sz, enum sim_swap_op op,
		uint32_t idx, uint32_t state)
{
	int rc = sim_boot_erase(dst, doff, sz);

	if (rc == SDFU_OK) {
		rc = sim_boot_copy(src, soff, dst, doff, sz);
	}
	if (rc == SDFU_OK) {
		rc = sim_swap_move_entry(c, op, idx, state);
	}
	return rc;
}

int sim_swap_move_run(struct sim_boot_run_ctx *c, struct sim_swap_status *st, uint8_t swap_type,
		      uint32_t swap_size)
{
	struct sdfu_boot_trailer_layout lo;
	enum sdfu_boot_mode m = c->cfg->mode;
	uint32_t so, sz, n_sec, tr_sec, first_trailer_idx, last_idx, i;
	int rc;

	rc = sdfu_flash_area_sector(c->pri, 0, &so, &sz);
	if (rc != SDFU_OK) {
		return rc;
	}
	n_sec = sdfu_flash_area_sector_count(c->pri);
	if (n_sec != sdfu_flash_area_sector_count(c->sec) || n_sec * sz != c->pri->size ||
	    n_sec > SDFU_BOOT_MAX_IMG_SECTORS) {
		SIM_LOGE("swap-move needs equal slots of uniform sectors (<= %u)",
			 (unsigned)SDFU_BOOT_MAX_IMG_SECTORS);
		return SDFU_ERR_NOTSUP;
	}
	sdfu_boot_trailer_layout(c->pri, m, &lo);
	tr_sec = (lo.trailer_size + sz - 1u) / sz;
	first_trailer_idx = n_sec - tr_sec;
	last_idx = swap_size == 0 ? 1u : (swap_size + sz - 1u) / sz;
	if (st->reset && last_idx >= first_trailer_idx) {
		SIM_LOGW("not enough space to swap: need %u sectors + 1, have %u", (unsigned)last_idx,
			 (unsigned)first_trailer_idx);
		return SDFU_ERR_NOSPC;
	}
	if (last_idx >= first_trailer_idx) {
		return SDFU_ERR_CORRUPT; /* inconsistent saved swap_size */
	}
	if (st->op == SIM_SWAP_OP_MOVE && st->idx > last_idx + 1u) {
		st->idx = last_idx + 1u; /* status past the last move: all moves done */
	}
	rc = sim_swap_fixup_revert(c, st->op == SIM_SWAP_OP_MOVE && st->idx == 1, swap_type, swap_size);
	if (rc != SDFU_OK) {
		return rc;
	}
	if (st->op == SIM_SWAP_OP_MOVE) {
		for (i = last_idx; i > 0; i--) {
			if (i > last_idx - st->idx + 1u) {
				continue; /* moved before the cut */
			}
			if (st->idx == 1) {
				if (!st->source_primary) {
					rc = sim_swap_status_init(c, swap_type, swap_size);
					if (rc != SDFU_OK) {
						return rc;
					}
				}
				rc = sim_boot_erase_trailer_sectors(c->sec, m);
				if (rc != SDFU_OK) {
					return rc;
				}
			}
			rc = step(c, c->pri, (i - 1u) * sz, c->pri, i * sz, sz, SIM_SWAP_OP_MOVE, st->idx, 0);
			if (rc != SDFU_OK) {
				return rc;
			}
			st->idx++;
		}
		st->op = SIM_SWAP_OP_SWAP;
		st->idx = 1;
		st->state = 0;
	}
	for (i = 1; i <= last_idx; i++) {
		uint32_t pri_off = (i - 1u) * sz, pri_up = i * sz, sec_off = (i - 1u) * sz;

		if (i < st->idx) {
			continue;
		}
		if (st->state == 0) {
			rc = step(c, c->sec, sec_off, c->pri, pri_off, sz, SIM_SWAP_OP_SWAP, i, 0);
			if (rc != SDFU_OK) {
				return rc;
			}
			st->state = 1;
		}
		rc = step(c, c->pri, pri_up, c->sec, sec_off, sz, SIM_SWAP_OP_SWAP, i, 1);
		if (rc != SDFU_OK) {
			return rc;
		}
		st->idx++;
		st->state = 0;
	}
	return SDFU_OK;
}
