/* SPDX-License-Identifier: Apache-2.0 */
/* Shared pieces of the simulated swaps: sector copy, swap status entries, trailer init, revert fixup. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

/* MCUboot copies through a 1024-byte buffer (bootutil BUF_SZ): one write per chunk. */
#define COPY_CHUNK 1024u

int sim_boot_erase(const struct sdfu_flash_area *fa, uint32_t off, uint32_t len)
{
	uint32_t so, ss;
	int rc;

	/* one erase op per sector, lowest first, as MCUboot's boot_erase_region */
	while (len > 0) {
		rc = sdfu_flash_area_sector(fa, off, &so, &ss);
		if (rc != SDFU_OK) {
			return rc;
		}
		if (so != off || ss > len) {
			return SDFU_ERR_INVAL;
		}
		rc = sdfu_flash_area_erase(fa, so, ss);
		if (rc != SDFU_OK) {
			return rc;
		}
		off += ss;
		len -= ss;
	}
	return SDFU_OK;
}

int sim_boot_erase_trailer_sectors(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode)
{
	struct sdfu_boot_trailer_layout lo;
	uint32_t so, ss;
	int rc;

	sdfu_boot_trailer_layout(fa, mode, &lo);
	rc = sdfu_flash_area_sector(fa, lo.status_off, &so, &ss);
	return rc != SDFU_OK ? rc : sim_boot_erase(fa, so, fa->size - so);
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
		rc = sdfu_flash_area_write(dst, doff, buf, wn);
		if (rc != SDFU_OK) {
			return rc;
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

int sim_swap_write_entry(struct sim_boot_run_ctx *c, uint32_t pos, uint8_t value)
{
	struct sdfu_boot_trailer_layout lo;
	uint8_t blk[SDFU_FLASH_MAX_ALIGN];
	uint32_t w = sdfu_flash_area_align(c->pri);
	int rc;

	sdfu_boot_trailer_layout(c->pri, c->cfg->mode, &lo);
	memset(blk, sdfu_flash_area_erased_val(c->pri), w);
	blk[0] = value;
	rc = sdfu_flash_area_write(c->pri, lo.status_off + pos * w, blk, w);
	if (rc != SDFU_OK) {
		/* like MCUboot (BOOT_STATUS_ASSERT): a failed status write does not stop the swap */
		SIM_LOGW("swap status write failed (%d), continuing", rc);
		rc = SDFU_OK;
	}
	return rc;
}

int sim_swap_move_entry(struct sim_boot_run_ctx *c, enum sim_swap_op op, uint32_t idx, uint32_t state)
{
	/* MCUboot writes the 1-based state number (BOOT_STATUS_STATE_0 = 1, ...) */
	return sim_swap_write_entry(c, entry_pos(op, idx, state), (uint8_t)(state + 1u));
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
	st->last = -1;
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
	st->last = found;
	if (found < 0) {
		return SDFU_OK;
	}
	st->reset = false;
	if (c->cfg->mode == SDFU_BOOT_MODE_SWAP_SCRATCH) {
		/* three entries per step: scratch filled, secondary written, primary written */
		st->op = SIM_SWAP_OP_SWAP;
		st->idx = (uint32_t)found / 3u + 1u;
		st->state = (uint32_t)found % 3u + 1u;
		if (st->state == 3u) {
			st->idx++;
			st->state = 0;
		}
	} else if (found < SDFU_BOOT_MAX_IMG_SECTORS) {
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

/* ---- swap start ---------------------------------------------------------------- */

/* Write the swap metadata into the primary trailer (MCUboot swap_status_init). */
int sim_swap_status_init(struct sim_boot_run_ctx *c, uint8_t swap_type, uint32_t swap_size)
{
	struct sdfu_boot_trailer s;
	enum sdfu_boot_mode m = c->cfg->mode;
	int rc = sim_boot_erase_trailer_sectors(c->pri, m);

	if (rc == SDFU_OK) {
		rc = sdfu_boot_trailer_read(c->sec, m, &s);
	}

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
int sim_swap_fixup_revert(struct sim_boot_run_ctx *c, bool at_start, uint8_t swap_type,
			  uint32_t swap_size)
{
	struct sdfu_boot_trailer s;
	enum sdfu_boot_mode m = c->cfg->mode;
	int rc;

	if (swap_type != SDFU_BOOT_SWAP_REVERT || !at_start) {
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

