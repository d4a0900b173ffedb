/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated swap-using-scratch: sector by sector through the scratch area, progress in the trailer. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

/*
 * Each step k (1..g) swaps one slot sector, last sector first, in three idempotent
 * states, each followed by a status entry at (k-1)*3 + state in the primary trailer:
 *   0: scratch <- secondary[i]   1: secondary[i] <- primary[i]   2: primary[i] <- scratch
 * A cut repeats the interrupted state from an intact source.
 *
 * When the images reach into the sector that holds the trailer (sector t, data part
 * D = status_off - start of t), step 1 is the "trailer step" and the primary trailer
 * cannot hold the progress while sector t is rewritten, so the scratch area carries
 * it (own scheme in MCUboot's spirit, not its byte layout):
 *   T0: erase scratch; scratch[0,D) <- secondary[t]; scratch trailer: swap_info,
 *       swap_size, image_ok (from the secondary), magic; scratch entry 0
 *   T1: erase the secondary trailer sectors; secondary[t][0,D) <- primary[t]; entry 1
 *   T2: erase the primary trailer sectors; primary[t][0,D) <- scratch; primary
 *       trailer re-initialised from the scratch trailer; primary entries 0..2;
 *       scratch entry 2 (the scratch copy is now stale); erase the scratch.
 * The scratch is the status source while its magic is GOOD and its last entry is 0 or 1.
 */

/* Erase the sectors of `fa` covering [off, off+len) (no skip). */
static int erase_cover(const struct sdfu_flash_area *fa, uint32_t off, uint32_t len)
{
	uint32_t so, ss, end = off + len;
	int rc;

	while (off < end) {
		rc = sdfu_flash_area_sector(fa, off, &so, &ss);
		if (rc == SDFU_OK) {
			rc = sim_boot_erase(fa, so, ss);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
		off = so + ss;
	}
	return SDFU_OK;
}

/* Write entry `pos` of the scratch status area. */
static int scratch_entry(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *scr, uint32_t pos)
{
	struct sdfu_boot_trailer_layout lo;
	uint8_t blk[SDFU_FLASH_MAX_ALIGN];
	uint32_t w = sdfu_flash_area_align(scr);

	sdfu_boot_trailer_layout(scr, c->cfg->mode, &lo);
	memset(blk, sdfu_flash_area_erased_val(scr), w);
	blk[0] = 0x01;
	return sdfu_flash_area_write(scr, lo.status_off + pos * w, blk, w);
}

/* Last written scratch entry among 0..2, or -1. */
static int scratch_last(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *scr, int *last)
{
	struct sdfu_boot_trailer_layout lo;
	uint32_t w = sdfu_flash_area_align(scr);
	int rc;

	sdfu_boot_trailer_layout(scr, c->cfg->mode, &lo);
	*last = -1;
	for (int i = 2; i >= 0; i--) {
		uint8_t b;

		rc = sdfu_flash_area_read(scr, lo.status_off + (uint32_t)i * w, &b, 1);
		if (rc != SDFU_OK) {
			return rc;
		}
		if (b != sdfu_flash_area_erased_val(scr)) {
			*last = i;
			break;
		}
	}
	return SDFU_OK;
}

int sim_swap_scratch_source(struct sim_boot_run_ctx *c, struct sim_swap_status *st, uint32_t *swap_size)
{
	const struct sdfu_flash_area *scr = sim_flash_area(c->f, SDFU_FA_SCRATCH);
	struct sdfu_boot_trailer tr;
	int last, rc;

	if (scr == NULL) {
		return 0;
	}
	rc = sdfu_boot_trailer_read(scr, c->cfg->mode, &tr);
	if (rc == SDFU_OK && tr.magic == SDFU_BOOT_MAGIC_GOOD) {
		rc = scratch_last(c, scr, &last);
		if (rc == SDFU_OK && (last == 0 || last == 1)) {
			memset(st, 0, sizeof(*st));
			st->op = SIM_SWAP_OP_SWAP;
			st->idx = 1;
			st->state = (uint32_t)last + 1u;
			st->swap_type = tr.swap_type;
			st->last = last;
			*swap_size = tr.swap_size;
			return 1;
		}
	}
	return rc < 0 ? rc : 0;
}

/* T0..T2 for the trailer sector (see above), from state st->state. */
static int trailer_step(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *scr,
			struct sim_swap_status *st, uint8_t swap_type, uint32_t swap_size, uint32_t so,
			uint32_t d)
{
	enum sdfu_boot_mode m = c->cfg->mode;
	struct sdfu_boot_trailer tr;
	int rc = SDFU_OK;

	if (st->state == 0) {
		rc = sdfu_boot_trailer_read(c->sec, m, &tr);
		if (rc == SDFU_OK) {
			rc = erase_cover(scr, 0, scr->size);
		}
		if (rc == SDFU_OK) {
			rc = sim_boot_copy(c->sec, so, scr, 0, d);
		}
		if (rc == SDFU_OK) {
			rc = sdfu_boot_write_swap_info(scr, m, swap_type, 0);
		}
		if (rc == SDFU_OK) {
			rc = sdfu_boot_write_swap_size(scr, m, swap_size);
		}
		if (rc == SDFU_OK && tr.image_ok == SDFU_BOOT_FLAG_SET) {
			rc = sdfu_boot_write_image_ok(scr, m);
		}
		if (rc == SDFU_OK) {
			rc = sdfu_boot_write_magic(scr, m);
		}
		if (rc == SDFU_OK) {
			rc = scratch_entry(c, scr, 0);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
		st->state = 1;
	}
	if (st->state == 1) {
		rc = sim_boot_erase_trailer_sectors(c->sec, m);
		if (rc == SDFU_OK) {
			rc = sim_boot_copy(c->pri, so, c->sec, so, d);
		}
		if (rc == SDFU_OK) {
			rc = scratch_entry(c, scr, 1);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
		st->state = 2;
	}
	rc = sdfu_boot_trailer_read(scr, m, &tr);
	if (rc == SDFU_OK) {
		rc = sim_boot_erase_trailer_sectors(c->pri, m);
	}
	if (rc == SDFU_OK) {
		rc = sim_boot_copy(scr, 0, c->pri, so, d);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_swap_info(c->pri, m, tr.swap_type, 0);
	}
	if (rc == SDFU_OK && tr.image_ok == SDFU_BOOT_FLAG_SET) {
		rc = sdfu_boot_write_image_ok(c->pri, m);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_swap_size(c->pri, m, tr.swap_size);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_magic(c->pri, m);
	}
	for (uint32_t e = 0; e < 3 && rc == SDFU_OK; e++) {
		rc = sim_swap_write_entry(c, e, (uint8_t)(e + 1u));
	}
	if (rc == SDFU_OK) {
		rc = scratch_entry(c, scr, 2);
	}
	if (rc == SDFU_OK) {
		rc = erase_cover(scr, 0, scr->size);
	}
	if (rc == SDFU_OK) {
		st->source_primary = true;
		st->idx = 2;
		st->state = 0;
	}
	return rc;
}

int sim_swap_scratch_run(struct sim_boot_run_ctx *c, struct sim_swap_status *st, uint8_t swap_type,
			 uint32_t swap_size)
{
	const struct sdfu_flash_area *scr = sim_flash_area(c->f, SDFU_FA_SCRATCH);
	enum sdfu_boot_mode m = c->cfg->mode;
	struct sdfu_boot_trailer_layout lo;
	uint32_t off_of[SDFU_BOOT_MAX_IMG_SECTORS], size_of[SDFU_BOOT_MAX_IMG_SECTORS];
	uint32_t g = 0, off = 0, tso, tss, d = 0, first = 1;
	bool tmode;
	int rc;

	if (scr == NULL) {
		SIM_LOGE("swap-scratch needs a scratch area");
		return SDFU_ERR_NOTSUP;
	}
	sdfu_boot_trailer_layout(c->pri, m, &lo);
	rc = sdfu_flash_area_sector(c->pri, lo.status_off, &tso, &tss);
	if (rc != SDFU_OK) {
		return rc;
	}
	if (swap_size > lo.status_off) {
		return st->reset ? SDFU_ERR_NOSPC : SDFU_ERR_CORRUPT;
	}
	tmode = swap_size > tso;
	if (tmode) {
		struct sdfu_boot_trailer_layout slo;
		uint32_t so2, ss2;

		d = lo.status_off - tso;
		sdfu_boot_trailer_layout(scr, m, &slo);
		if (sdfu_flash_area_sector(c->sec, tso, &so2, &ss2) != SDFU_OK || so2 != tso || d > slo.status_off) {
			return st->reset ? SDFU_ERR_NOSPC : SDFU_ERR_CORRUPT;
		}
		g = 1; /* step 1 is the trailer step */
		first = 2;
	}
	while (off < (tmode ? tso : swap_size) || (g == 0 && !tmode)) {
		uint32_t so, ss, so2, ss2;

		if (g >= SDFU_BOOT_MAX_IMG_SECTORS || off >= tso ||
		    sdfu_flash_area_sector(c->pri, off, &so, &ss) != SDFU_OK ||
		    sdfu_flash_area_sector(c->sec, off, &so2, &ss2) != SDFU_OK || so2 != so || ss2 != ss ||
		    ss > scr->size) {
			if (!st->reset) {
				return SDFU_ERR_CORRUPT;
			}
			SIM_LOGW("cannot swap %u bytes through scratch on this layout", (unsigned)swap_size);
			return SDFU_ERR_NOSPC;
		}
		off_of[g] = so;
		size_of[g] = ss;
		g++;
		off = so + ss;
	}
	if (off > tso) {
		return st->reset ? SDFU_ERR_NOSPC : SDFU_ERR_CORRUPT;
	}
	/* A stale scratch (a finished trailer step) must not look like a source later. */
	if (st->reset && !st->source_primary && !sdfu_flash_area_is_erased(scr, 0, scr->size)) {
		rc = erase_cover(scr, 0, scr->size);
		if (rc != SDFU_OK) {
			return rc;
		}
	}
	if (tmode) {
		if (st->idx == 1) {
			rc = trailer_step(c, scr, st, swap_type, swap_size, tso, d);
			if (rc != SDFU_OK) {
				return rc;
			}
		}
	} else {
		/* revert start: the secondary trailer is outside the swapped data here */
		rc = sim_swap_fixup_revert(c, st->idx == 1 && st->state == 0, swap_type, swap_size);
		if (rc != SDFU_OK) {
			return rc;
		}
	}
	for (uint32_t k = first; k <= g; k++) {
		/* normal sectors are listed from index tmode ? 1 : 0; step k takes the k-th from the top */
		uint32_t i = g - k + (tmode ? 1u : 0u), so = off_of[i], ss = size_of[i], base = (k - 1u) * 3u;

		if (k < st->idx) {
			continue;
		}
		if (k == 1 && st->state == 0) {
			if (!st->source_primary) {
				rc = sim_swap_status_init(c, swap_type, swap_size);
				if (rc != SDFU_OK) {
					return rc;
				}
				st->source_primary = true;
			}
			rc = sim_boot_erase_trailer_sectors(c->sec, m);
			if (rc != SDFU_OK) {
				return rc;
			}
		}
		if (st->state == 0) {
			rc = erase_cover(scr, 0, ss);
			if (rc == SDFU_OK) {
				rc = sim_boot_copy(c->sec, so, scr, 0, ss);
			}
			if (rc == SDFU_OK) {
				rc = sim_swap_write_entry(c, base + 0u, 1u);
			}
			if (rc != SDFU_OK) {
				return rc;
			}
			st->state = 1;
		}
		if (st->state == 1) {
			rc = sim_boot_erase(c->sec, so, ss);
			if (rc == SDFU_OK) {
				rc = sim_boot_copy(c->pri, so, c->sec, so, ss);
			}
			if (rc == SDFU_OK) {
				rc = sim_swap_write_entry(c, base + 1u, 2u);
			}
			if (rc != SDFU_OK) {
				return rc;
			}
			st->state = 2;
		}
		rc = sim_boot_erase(c->pri, so, ss);
		if (rc == SDFU_OK) {
			rc = sim_boot_copy(scr, 0, c->pri, so, ss);
		}
		if (rc == SDFU_OK) {
			rc = sim_swap_write_entry(c, base + 2u, 3u);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
		st->idx = k + 1u;
		st->state = 0;
	}
	return SDFU_OK;
}
