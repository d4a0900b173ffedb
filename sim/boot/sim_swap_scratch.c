/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated MCUboot swap-using-scratch: scratch-sized steps, three-state status, scratch trailer. */
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

/*
 * MCUboot's algorithm and on-flash format (bootutil swap_scratch.c / swap_misc.c), re-expressed:
 *  - The image range (the larger image, in whole sectors of both slots) is swapped in
 *    steps, the highest sectors first; each step moves as many sectors as fit in the
 *    scratch area.
 *  - A step has three states, each followed by a status entry whose byte is the 1-based
 *    state number: (1) scratch <- secondary, (2) secondary <- primary,
 *    (3) primary <- scratch. Entry k of step i sits at status_off + ((i-1)*3 + k) * align.
 *  - Before the first step a trailer (swap_info, image_ok, swap_size, magic) goes to the
 *    scratch area, to keep the swap type while the primary trailer is re-initialised.
 *    When the first step reaches the sector holding the primary trailer ("use scratch"),
 *    the scratch keeps the status (its own 3 entries) until state 3 writes the primary
 *    trailer back, and the scratch is then erased backwards.
 *  - The status source is chosen from the primary trailer and the scratch magic
 *    (MCUboot's status table); the status bytes are read as MCUboot does.
 */

#define STATES 3u

static const struct sdfu_flash_area *scratch_area(struct sim_boot_run_ctx *c)
{
	return sim_flash_area(c->f, SDFU_FA_SCRATCH);
}

/* Status area of the scratch: three entries below the trailer info fields. */
static uint32_t scratch_status_off(const struct sdfu_flash_area *scr, enum sdfu_boot_mode m)
{
	struct sdfu_boot_trailer_layout lo;

	sdfu_boot_trailer_layout(scr, m, &lo);
	return lo.swap_size_off - STATES * sdfu_flash_area_align(scr);
}

static uint32_t status_off(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *fa)
{
	struct sdfu_boot_trailer_layout lo;

	if (fa->id == SDFU_FA_SCRATCH) {
		return scratch_status_off(fa, c->cfg->mode);
	}
	sdfu_boot_trailer_layout(fa, c->cfg->mode, &lo);
	return lo.status_off;
}

/* Bytes of the primary trailer (status area included), MCUboot boot_trailer_sz. */
static uint32_t trailer_sz(struct sim_boot_run_ctx *c)
{
	struct sdfu_boot_trailer_layout lo;

	sdfu_boot_trailer_layout(c->pri, c->cfg->mode, &lo);
	return lo.trailer_size;
}

/* Start of the sector of `fa` that holds the first trailer byte. */
static int trailer_sector_off(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *fa, uint32_t *off)
{
	uint32_t ss;

	return sdfu_flash_area_sector(fa, fa->size - trailer_sz(c), off, &ss);
}

/* Erase from the slot end down to the first trailer sector, one sector per op (backwards). */
static int scramble_trailer(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *fa)
{
	uint32_t first, end = fa->size, so, ss;
	int rc = trailer_sector_off(c, fa, &first);

	while (rc == SDFU_OK && end > first) {
		rc = sdfu_flash_area_sector(fa, end - 1u, &so, &ss);
		if (rc == SDFU_OK) {
			rc = sim_boot_erase(fa, so, ss);
		}
		end = so;
	}
	return rc;
}

/* Erase a whole area from its end down (MCUboot scrambles the scratch backwards). */
static int erase_backwards(const struct sdfu_flash_area *fa)
{
	uint32_t end = fa->size, so, ss;
	int rc = SDFU_OK;

	while (rc == SDFU_OK && end > 0) {
		rc = sdfu_flash_area_sector(fa, end - 1u, &so, &ss);
		if (rc == SDFU_OK) {
			rc = sim_boot_erase(fa, so, ss);
		}
		end = so;
	}
	return rc;
}

/* MCUboot swap_status_init: swap_info, image_ok (from the secondary), swap_size, magic. */
static int status_init(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *fa, uint8_t swap_type,
		       uint32_t swap_size)
{
	enum sdfu_boot_mode m = c->cfg->mode;
	struct sdfu_boot_trailer s;
	int rc = sdfu_boot_trailer_read(c->sec, m, &s);

	if (rc == SDFU_OK && swap_type != SDFU_BOOT_SWAP_NONE) {
		rc = sdfu_boot_write_swap_info(fa, m, swap_type, 0);
	}
	if (rc == SDFU_OK && s.image_ok == SDFU_BOOT_FLAG_SET) {
		rc = sdfu_boot_write_image_ok(fa, m);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_swap_size(fa, m, swap_size);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_boot_write_magic(fa, m);
	}
	return rc;
}

/* Status entry for (idx, state) in the primary, or in the scratch while it keeps the status. */
static int write_status(struct sim_boot_run_ctx *c, bool use_scratch, uint32_t idx, uint32_t state)
{
	const struct sdfu_flash_area *fa = use_scratch ? scratch_area(c) : c->pri;
	uint8_t blk[SDFU_FLASH_MAX_ALIGN];
	uint32_t w = sdfu_flash_area_align(fa);
	int rc;

	memset(blk, sdfu_flash_area_erased_val(fa), w);
	blk[0] = (uint8_t)(state + 1u);
	rc = sdfu_flash_area_write(fa, status_off(c, fa) + ((idx - 1u) * STATES + state) * w, blk, w);
	if (rc != SDFU_OK) {
		SIM_LOGW("swap status write failed (%d), continuing", rc);
		rc = SDFU_OK; /* as MCUboot: a failed status write does not stop the swap */
	}
	return rc;
}

/* ---- status source and progress ---------------------------------------------- */

/* MCUboot swap_read_status_bytes over `n` entries of `fa`: sets idx/state when any is written. */
static int read_status_bytes(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *fa, uint32_t n,
			     struct sim_swap_status *st)
{
	uint32_t w = sdfu_flash_area_align(fa), off = status_off(c, fa);
	uint8_t ev = sdfu_flash_area_erased_val(fa);
	bool found = false;
	uint32_t found_idx = 0, i;

	for (i = 0; i < n; i++) {
		uint8_t b;
		int rc = sdfu_flash_area_read(fa, off + i * w, &b, 1);

		if (rc != SDFU_OK) {
			return rc;
		}
		if (b == ev) {
			if (found && found_idx == 0) {
				found_idx = i;
			}
		} else if (!found) {
			found = true;
		} else if (found_idx != 0) {
			SIM_LOGW("inconsistent swap status");
			break;
		}
	}
	if (found) {
		if (found_idx == 0) {
			found_idx = i;
		}
		st->reset = false;
		st->op = SIM_SWAP_OP_SWAP;
		st->idx = found_idx / STATES + 1u;
		st->state = found_idx % STATES;
		st->last = (int64_t)found_idx - 1;
	}
	return SDFU_OK;
}

int sim_swap_scratch_read_status(struct sim_boot_run_ctx *c, struct sim_swap_status *st, uint32_t *swap_size)
{
	enum sdfu_boot_mode m = c->cfg->mode;
	const struct sdfu_flash_area *scr = scratch_area(c), *src = NULL;
	struct sdfu_boot_trailer p, s;
	int rc;

	memset(st, 0, sizeof(*st));
	st->reset = true;
	st->last = -1;
	st->op = SIM_SWAP_OP_MOVE; /* "reset" in MCUboot's terms */
	st->idx = 1;
	st->swap_type = SDFU_BOOT_SWAP_NONE;
	*swap_size = 0;
	if (scr == NULL) {
		return SDFU_ERR_NOTSUP;
	}
	rc = sdfu_boot_trailer_read(c->pri, m, &p);
	if (rc == SDFU_OK) {
		rc = sdfu_boot_trailer_read(scr, m, &s);
	}
	if (rc != SDFU_OK) {
		return rc;
	}
	/* MCUboot's status table (swap_status_source) */
	if (p.magic == SDFU_BOOT_MAGIC_GOOD && p.copy_done == SDFU_BOOT_FLAG_SET && s.magic != SDFU_BOOT_MAGIC_GOOD) {
		src = NULL;
	} else if (p.magic == SDFU_BOOT_MAGIC_GOOD && p.copy_done == SDFU_BOOT_FLAG_UNSET &&
		   s.magic != SDFU_BOOT_MAGIC_GOOD) {
		src = c->pri;
	} else if (s.magic == SDFU_BOOT_MAGIC_GOOD) {
		src = scr;
	} else if (p.magic == SDFU_BOOT_MAGIC_UNSET && p.copy_done == SDFU_BOOT_FLAG_UNSET) {
		src = c->pri;
	}
	if (src == NULL) {
		return SDFU_OK;
	}
	st->source_primary = true; /* "a status source exists" */
	rc = read_status_bytes(c, src, src == scr ? STATES : (uint32_t)SDFU_BOOT_MAX_IMG_SECTORS * STATES, st);
	if (rc != SDFU_OK) {
		return rc;
	}
	st->swap_type = src == scr ? s.swap_type : p.swap_type;
	/* swap_size of a swap under way: from the area that holds a valid magic, scratch first */
	*swap_size = s.magic == SDFU_BOOT_MAGIC_GOOD ? s.swap_size : p.swap_size;
	return SDFU_OK;
}

/* ---- the swap ------------------------------------------------------------------ */

/* Sector index of `fa` holding offset `off`, and that sector's offset and size. */
static int sector_at(const struct sdfu_flash_area *fa, uint32_t idx, uint32_t *off, uint32_t *size)
{
	uint32_t o = 0, so, ss;

	for (uint32_t i = 0;; i++) {
		int rc = sdfu_flash_area_sector(fa, o, &so, &ss);

		if (rc != SDFU_OK) {
			return rc;
		}
		if (i == idx) {
			*off = so;
			*size = ss;
			return SDFU_OK;
		}
		o = so + ss;
	}
}

/* MCUboot find_last_sector_idx: last primary sector of the swapped range. */
static int last_sector_idx(struct sim_boot_run_ctx *c, uint32_t copy_size, int *out)
{
	uint32_t ps = 0, ss = 0, pi = 0, si = 0, o, z;
	int rc;

	for (;;) {
		if (ps < copy_size || ps < ss) {
			rc = sector_at(c->pri, pi++, &o, &z);
			if (rc != SDFU_OK) {
				return rc;
			}
			ps += z;
		}
		if (ss < copy_size || ss < ps) {
			rc = sector_at(c->sec, si++, &o, &z);
			if (rc != SDFU_OK) {
				return rc;
			}
			ss += z;
		}
		if (ps >= copy_size && ss >= copy_size && ps == ss) {
			break;
		}
	}
	*out = (int)pi - 1;
	return SDFU_OK;
}

/* MCUboot boot_copy_sz: the sectors from `last` down that fit in the scratch. */
static uint32_t copy_sz(struct sim_boot_run_ctx *c, int last, int *first)
{
	uint32_t sz = 0, o, z, scr = scratch_area(c)->size;
	int i;

	for (i = last; i >= 0; i--) {
		if (sector_at(c->pri, (uint32_t)i, &o, &z) != SDFU_OK || sz + z > scr) {
			break;
		}
		sz += z;
	}
	*first = i + 1;
	return sz;
}

/* One step: sectors [first, first + sz) of both slots through the scratch. */
static int swap_sectors(struct sim_boot_run_ctx *c, int first, uint32_t sz, struct sim_swap_status *st,
			uint8_t swap_type, uint32_t swap_size)
{
	const struct sdfu_flash_area *scr = scratch_area(c);
	enum sdfu_boot_mode m = c->cfg->mode;
	uint32_t img_off, z, csz = sz, pri_tr, sec_tr;
	bool use_scratch;
	int rc = sector_at(c->pri, (uint32_t)first, &img_off, &z);

	if (rc == SDFU_OK) {
		rc = trailer_sector_off(c, c->pri, &pri_tr);
	}
	if (rc == SDFU_OK) {
		rc = trailer_sector_off(c, c->sec, &sec_tr);
	}
	if (rc != SDFU_OK) {
		return rc;
	}
	if (img_off + sz > pri_tr) {
		/* this step holds the primary trailer: copy only up to the trailer */
		csz = c->pri->size - img_off - trailer_sz(c);
		if (csz > scratch_status_off(scr, m)) {
			csz = scratch_status_off(scr, m);
		}
	}
	use_scratch = st->idx == 1u && csz != sz;

	if (st->state == 0) {
		rc = sim_boot_erase(scr, 0, scr->size);
		if (rc == SDFU_OK && st->idx == 1u) {
			/* keep the swap type in the scratch while the primary trailer is rebuilt */
			rc = status_init(c, scr, swap_type, swap_size);
			if (rc == SDFU_OK && !use_scratch) {
				rc = scramble_trailer(c, c->pri);
				if (rc == SDFU_OK) {
					rc = status_init(c, c->pri, swap_type, swap_size);
				}
				if (rc == SDFU_OK) {
					rc = sim_boot_erase(scr, 0, scr->size);
				}
			}
		}
		if (rc == SDFU_OK) {
			rc = sim_boot_copy(c->sec, img_off, scr, 0, csz);
		}
		if (rc == SDFU_OK) {
			rc = write_status(c, use_scratch, st->idx, 0);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
		st->state = 1;
	}
	if (st->state == 1) {
		uint32_t esz = sz;

		if (st->idx == 1u) {
			rc = scramble_trailer(c, c->sec); /* only the primary keeps a state */
			if (rc == SDFU_OK && use_scratch) {
				esz = sec_tr - img_off;
			}
		}
		if (rc == SDFU_OK && esz > 0) {
			rc = sim_boot_erase(c->sec, img_off, esz);
		}
		if (rc == SDFU_OK) {
			rc = sim_boot_copy(c->pri, img_off, c->sec, img_off, csz);
		}
		if (rc == SDFU_OK) {
			rc = write_status(c, use_scratch, st->idx, 1);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
		st->state = 2;
	}
	if (st->state == 2) {
		uint32_t esz = sz;

		if (use_scratch) {
			rc = scramble_trailer(c, c->pri);
			esz = pri_tr - img_off;
		}
		if (rc == SDFU_OK && esz > 0) {
			rc = sim_boot_erase(c->pri, img_off, esz);
		}
		if (rc == SDFU_OK) {
			rc = sim_boot_copy(scr, 0, c->pri, img_off, csz);
		}
		if (rc == SDFU_OK && use_scratch) {
			struct sdfu_boot_trailer t;

			/* the status kept in the scratch, then the trailer, into the primary */
			rc = sim_boot_copy(scr, scratch_status_off(scr, m), c->pri, img_off + csz,
					   (STATES - 1u) * sdfu_flash_area_align(scr));
			if (rc == SDFU_OK) {
				rc = sdfu_boot_trailer_read(scr, m, &t);
			}
			if (rc == SDFU_OK && t.image_ok == SDFU_BOOT_FLAG_SET) {
				rc = sdfu_boot_write_image_ok(c->pri, m);
			}
			if (rc == SDFU_OK && t.swap_type != SDFU_BOOT_SWAP_NONE) {
				rc = sdfu_boot_write_swap_info(c->pri, m, t.swap_type, 0);
			}
			if (rc == SDFU_OK) {
				rc = sdfu_boot_write_swap_size(c->pri, m, swap_size);
			}
			if (rc == SDFU_OK) {
				rc = sdfu_boot_write_magic(c->pri, m);
			}
		}
		if (rc == SDFU_OK) {
			rc = write_status(c, false, st->idx, 2);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
		st->idx++;
		st->state = 0;
		if (use_scratch) {
			rc = erase_backwards(scr);
		}
	}
	return rc;
}

int sim_swap_scratch_run(struct sim_boot_run_ctx *c, struct sim_swap_status *st, uint8_t swap_type,
			 uint32_t swap_size)
{
	const struct sdfu_flash_area *scr = scratch_area(c);
	uint32_t swap_idx = 0;
	int last, first, rc;

	if (scr == NULL) {
		SIM_LOGE("swap-scratch needs a scratch area");
		return SDFU_ERR_NOTSUP;
	}
	if (swap_size > c->pri->size || swap_size > c->sec->size) {
		return SDFU_ERR_NOSPC;
	}
	if (st->reset) {
		st->idx = 1;
		st->state = 0;
	}
	rc = last_sector_idx(c, swap_size, &last);
	while (rc == SDFU_OK && last >= 0) {
		uint32_t sz = copy_sz(c, last, &first);

		if (sz == 0) {
			SIM_LOGE("a slot sector is larger than the scratch area");
			return SDFU_ERR_NOSPC;
		}
		if (swap_idx >= st->idx - 1u) {
			rc = swap_sectors(c, first, sz, st, swap_type, swap_size);
		}
		last = first - 1;
		swap_idx++;
	}
	return rc;
}
