/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated MCUboot swap-using-move: move primary sectors up, swap, progress kept in the trailer. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

#define COPY_CHUNK 4096u

int sim_boot_erase_trailer_sectors(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode)
{
	return sdfu_boot_erase_trailer(fa, mode);
}

static bool chunk_erased(const uint8_t *p, size_t n, uint8_t ev)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != ev) {
			return false;
		}
	}
	return true;
}

int sim_boot_copy(const struct sdfu_flash_area *src, uint32_t soff, const struct sdfu_flash_area *dst,
		  uint32_t doff, uint32_t len)
{
	static uint8_t buf[COPY_CHUNK];
	uint32_t a = sdfu_flash_area_align(dst);
	uint8_t ev = sdfu_flash_area_erased_val(dst);
	int rc;

	while (len > 0) {
		uint32_t n = len < COPY_CHUNK ? len : COPY_CHUNK;
		uint32_t wn = (n + a - 1) / a * a;

		memset(buf, ev, wn);
		rc = sdfu_flash_area_read(src, soff, buf, n);
		if (rc != SDFU_OK) {
			return rc;
		}
		if (!chunk_erased(buf, wn, ev)) {
			rc = sdfu_flash_area_write(dst, doff, buf, wn);
			if (rc != SDFU_OK) {
				return rc;
			}
		}
		soff += n;
		doff += n;
		len -= n;
	}
	return SDFU_OK;
}

/* ---- status area ---------------------------------------------------------- */

/* Entry position: moves first (one per step), then swaps (two per step). */
static uint32_t entry_pos(enum sim_swap_op op, uint32_t idx, uint32_t state)
{
	if (op == SIM_SWAP_OP_MOVE) {
		return idx - 1u;
	}
	return SDFU_BOOT_MAX_IMG_SECTORS + (idx - 1u) * 2u + state;
}

static int write_status(struct sim_boot_run_ctx *c, enum sim_swap_op op, uint32_t idx, uint32_t state)
{
	struct sdfu_boot_trailer_layout lo;
	uint8_t blk[SDFU_FLASH_MAX_ALIGN];
	uint32_t w = sdfu_flash_area_align(c->pri);

	sdfu_boot_trailer_layout(c->pri, c->cfg->mode, &lo);
	memset(blk, sdfu_flash_area_erased_val(c->pri), w);
	blk[0] = 0x01;
	return sdfu_flash_area_write(c->pri, lo.status_off + entry_pos(op, idx, state) * w, blk, w);
}

int sim_swap_read_status(struct sim_boot_run_ctx *c, struct sim_swap_status *st)
{
	struct sdfu_boot_trailer p, s;
	struct sdfu_boot_trailer_layout lo;
	uint32_t w = sdfu_flash_area_align(c->pri);
	uint8_t ev = sdfu_flash_area_erased_val(c->pri);
	int64_t found = -1;
	int rc;

	memset(st, 0, sizeof(*st));
	st->reset = true;
	st->op = SIM_SWAP_OP_MOVE;
	st->idx = 1;
	st->swap_type = SDFU_BOOT_SWAP_NONE;
	rc = sdfu_boot_trailer_read(c->pri, c->cfg->mode, &p);
	if (rc == SDFU_OK) {
		rc = sdfu_boot_trailer_read(c->sec, c->cfg->mode, &s);
	}
	if (rc != SDFU_OK) {
		return rc;
	}
	if (!(p.magic == SDFU_BOOT_MAGIC_GOOD && p.copy_done == SDFU_BOOT_FLAG_UNSET &&
	      s.magic != SDFU_BOOT_MAGIC_GOOD)) {
		return SDFU_OK; /* source: none */
	}
	st->source_primary = true;
	st->swap_type = p.swap_type;
	sdfu_boot_trailer_layout(c->pri, c->cfg->mode, &lo);
	for (uint32_t i = SDFU_BOOT_MAX_IMG_SECTORS * 3u; i > 0; i--) {
		uint8_t b;

		rc = sdfu_flash_area_read(c->pri, lo.status_off + (i - 1u) * w, &b, 1);
		if (rc != SDFU_OK) {
			return rc;
		}
		if (b != ev) {
			found = (int64_t)i - 1;
			break;
		}
	}
	if (found < 0) {
		return SDFU_OK;
	}
	st->reset = false;
	if (found < SDFU_BOOT_MAX_IMG_SECTORS) {
		st->op = SIM_SWAP_OP_MOVE;
		st->idx = (uint32_t)found + 2u; /* the next move step */
		st->state = 0;
	} else {
		uint32_t r = (uint32_t)found - SDFU_BOOT_MAX_IMG_SECTORS;

		st->op = SIM_SWAP_OP_SWAP;
		st->idx = r / 2u + 1u;
		st->state = r % 2u + 1u; /* next state; 2 means the step is done */
		if (st->state == 2u) {
			st->idx++;
			st->state = 0;
		}
	}
	return SDFU_OK;
}

/* ---- the swap ---------------------------------------------------------------- */

/* Write the swap metadata into the primary trailer (MCUboot swap_status_init). */
static int status_init(struct sim_boot_run_ctx *c, uint8_t swap_type, uint32_t swap_size)
{
	struct sdfu_boot_trailer s;
	enum sdfu_boot_mode m = c->cfg->mode;
	int rc = sdfu_boot_trailer_read(c->sec, m, &s);

	if (rc == SDFU_OK && swap_type != SDFU_BOOT_SWAP_NONE) {
		rc = sdfu_boot_write_swap_info(c->pri, m, swap_type, 0);
	}
	if (rc == SDFU_OK && s.image_ok == SDFU_BOOT_FLAG_SET) {
		rc = sdfu_boot_write_image_ok(c->pri, m);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_swap_size(c->pri, m, swap_size);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_magic(c->pri, m);
	}
	return rc;
}

/*
 * A revert starts with the secondary trailer erased; make it look like a permanent
 * request first so that a cut while the primary trailer is re-initialised still
 * leads to the same swap (MCUboot fixup_revert).
 */
static int fixup_revert(struct sim_boot_run_ctx *c, const struct sim_swap_status *st,
			uint8_t swap_type, uint32_t swap_size)
{
	struct sdfu_boot_trailer s;
	enum sdfu_boot_mode m = c->cfg->mode;
	int rc;

	if (swap_type != SDFU_BOOT_SWAP_REVERT || st->op != SIM_SWAP_OP_MOVE || st->idx != 1) {
		return SDFU_OK;
	}
	rc = sdfu_boot_trailer_read(c->sec, m, &s);
	/* BAD too: a torn magic write of an earlier fixup (hardening beyond MCUboot) */
	if (rc != SDFU_OK || s.magic == SDFU_BOOT_MAGIC_GOOD) {
		return rc;
	}
	rc = sim_boot_erase_trailer_sectors(c->sec, m);
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_image_ok(c->sec, m);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_swap_size(c->sec, m, swap_size);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_magic(c->sec, m);
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
	rc = fixup_revert(c, st, swap_type, swap_size);
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
					rc = sim_boot_erase_trailer_sectors(c->pri, m);
					if (rc == SDFU_OK) {
						rc = status_init(c, swap_type, swap_size);
					}
					if (rc != SDFU_OK) {
						return rc;
					}
				}
				rc = sim_boot_erase_trailer_sectors(c->sec, m);
				if (rc != SDFU_OK) {
					return rc;
				}
			}
			rc = sdfu_flash_area_erase(c->pri, i * sz, sz);
			if (rc == SDFU_OK) {
				rc = sim_boot_copy(c->pri, (i - 1u) * sz, c->pri, i * sz, sz);
			}
			if (rc == SDFU_OK) {
				rc = write_status(c, SIM_SWAP_OP_MOVE, st->idx, 0);
			}
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
			rc = sdfu_flash_area_erase(c->pri, pri_off, sz);
			if (rc == SDFU_OK) {
				rc = sim_boot_copy(c->sec, sec_off, c->pri, pri_off, sz);
			}
			if (rc == SDFU_OK) {
				rc = write_status(c, SIM_SWAP_OP_SWAP, i, 0);
			}
			if (rc != SDFU_OK) {
				return rc;
			}
			st->state = 1;
		}
		rc = sdfu_flash_area_erase(c->sec, sec_off, sz);
		if (rc == SDFU_OK) {
			rc = sim_boot_copy(c->pri, pri_up, c->sec, sec_off, sz);
		}
		if (rc == SDFU_OK) {
			rc = write_status(c, SIM_SWAP_OP_SWAP, i, 1);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
		st->idx++;
		st->state = 0;
	}
	return SDFU_OK;
}
