/* SPDX-License-Identifier: Apache-2.0 */
/* Bootloader simulation: MCUboot-like decision, swap/overwrite/direct-XIP, validation, provisioning. */
#include "boot/sim_boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

static const char *swap_name(unsigned t)
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

const char *sim_boot_mode_name(enum sdfu_boot_mode mode)
{
	switch (mode) {
	case SDFU_BOOT_MODE_SWAP_SCRATCH:
		return "swap-scratch";
	case SDFU_BOOT_MODE_OVERWRITE_ONLY:
		return "overwrite-only";
	case SDFU_BOOT_MODE_SWAP_MOVE:
		return "swap-move";
	case SDFU_BOOT_MODE_DIRECT_XIP:
		return "direct-xip";
	case SDFU_BOOT_MODE_DIRECT_XIP_REVERT:
		return "direct-xip-revert";
	default:
		return "?";
	}
}

int sim_boot_mode_parse(const char *name, enum sdfu_boot_mode *mode)
{
	static const enum sdfu_boot_mode all[] = {
		SDFU_BOOT_MODE_SWAP_SCRATCH, SDFU_BOOT_MODE_OVERWRITE_ONLY, SDFU_BOOT_MODE_SWAP_MOVE,
		SDFU_BOOT_MODE_DIRECT_XIP, SDFU_BOOT_MODE_DIRECT_XIP_REVERT,
	};

	if (name == NULL) {
		return SDFU_ERR_INVAL;
	}
	if (strcmp(name, "swap") == 0) {
		*mode = SDFU_BOOT_MODE_SWAP_MOVE;
		return SDFU_OK;
	}
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(name, sim_boot_mode_name(all[i])) == 0) {
			*mode = all[i];
			return SDFU_OK;
		}
	}
	return SDFU_ERR_INVAL;
}

int sim_boot_cfg_parse_mode(const char *name, struct sim_boot_cfg *cfg)
{
	if (name == NULL || cfg == NULL) {
		return SDFU_ERR_INVAL;
	}
	cfg->overwrite_fast = false;
	if (strcmp(name, "overwrite-only-fast") == 0) {
		cfg->mode = SDFU_BOOT_MODE_OVERWRITE_ONLY;
		cfg->overwrite_fast = true;
		return SDFU_OK;
	}
	if (strcmp(name, "overwrite") == 0) {
		cfg->mode = SDFU_BOOT_MODE_OVERWRITE_ONLY;
		return SDFU_OK;
	}
	return sim_boot_mode_parse(name, &cfg->mode);
}

const char *sim_boot_cfg_mode_name(const struct sim_boot_cfg *cfg)
{
	if (cfg->mode == SDFU_BOOT_MODE_OVERWRITE_ONLY && cfg->overwrite_fast) {
		return "overwrite-only-fast";
	}
	return sim_boot_mode_name(cfg->mode);
}

bool sim_boot_downgrade_supported(const struct sim_boot_cfg *cfg)
{
	return cfg->mode == SDFU_BOOT_MODE_OVERWRITE_ONLY;
}

bool sim_boot_cfg_is_xip(const struct sim_boot_cfg *cfg)
{
	return cfg->mode == SDFU_BOOT_MODE_DIRECT_XIP || cfg->mode == SDFU_BOOT_MODE_DIRECT_XIP_REVERT;
}

/* Validate a slot; log the outcome. */
static int validate(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *fa, const char *what,
		    struct sdfu_image_info *info)
{
	int rc = sdfu_image_validate(fa, c->cfg->keys, info);

	if (rc != SDFU_OK && rc != SDFU_ERR_POWERLOSS) {
		SIM_LOGW("%s slot image invalid (%d)", what, rc);
	}
	return rc;
}

/* Drop an invalid upgrade: erase the whole secondary slot (MCUboot boot_validate_slot). */
static int refuse_secondary(struct sim_boot_run_ctx *c)
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
static int check_upgrade(struct sim_boot_run_ctx *c, struct sdfu_image_info *info)
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
	rc = validate(c, c->sec, "secondary", info);
	if (rc == SDFU_ERR_POWERLOSS || rc == SDFU_ERR_IO) {
		return rc;
	}
	if (rc != SDFU_OK) {
		c->rep->swap_type = SDFU_BOOT_SWAP_FAIL;
		rc = refuse_secondary(c);
		return rc != SDFU_OK ? rc : 0;
	}
	return 1;
}

/* Fill the report for the booted slot after a final validation. */
static int finish_boot(struct sim_boot_run_ctx *c, int slot)
{
	struct sdfu_image_info info;
	const struct sdfu_flash_area *fa = slot == 0 ? c->pri : c->sec;
	char ver[32];
	int rc = validate(c, fa, slot == 0 ? "primary" : "secondary", &info);

	if (rc != SDFU_OK) {
		if (rc == SDFU_ERR_POWERLOSS || rc == SDFU_ERR_IO) {
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

static int run_swap_mode(struct sim_boot_run_ctx *c)
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
		SIM_LOGI("resuming interrupted swap (%s, step %u/%u)", swap_name(st.swap_type),
			 (unsigned)st.op, (unsigned)st.idx);
		c->rep->swap_type = SDFU_BOOT_SWAP_NONE; /* as MCUboot after completing a partial swap */
		c->rep->resumed = true;
		rc = swap_run(c, &st, st.swap_type, resume_size);
		if (rc == SDFU_OK) {
			rc = swap_finish(c, st.swap_type);
		}
		return rc != SDFU_OK ? rc : finish_boot(c, 0);
	}
	if (st.source_primary && st.swap_type != SDFU_BOOT_SWAP_NONE) {
		type = st.swap_type; /* metadata written, no sector moved yet */
	} else {
		st.source_primary = false;
		type = sdfu_boot_swap_type(c->pri, c->sec, c->cfg->mode);
		if (type == SDFU_BOOT_SWAP_NONE) {
			type = torn_revert(c);
		}
	}
	c->rep->swap_type = type;
	SIM_LOGI("swap type: %s", swap_name(type));
	if (type == SDFU_BOOT_SWAP_PANIC) {
		return SDFU_ERR_IO;
	}
	if (type == SDFU_BOOT_SWAP_TEST || type == SDFU_BOOT_SWAP_PERM || type == SDFU_BOOT_SWAP_REVERT) {
		rc = validate(c, c->sec, "secondary", NULL);
		if (rc == SDFU_ERR_POWERLOSS || rc == SDFU_ERR_IO) {
			return rc;
		}
		if (rc != SDFU_OK) {
			c->rep->swap_type = SDFU_BOOT_SWAP_FAIL;
			rc = refuse_secondary(c);
			return rc != SDFU_OK ? rc : finish_boot(c, 0);
		}
		size = image_size(c->pri);
		if (image_size(c->sec) > size) {
			size = image_size(c->sec);
		}
		rc = swap_run(c, &st, type, size);
		if (rc == SDFU_ERR_NOSPC) {
			c->rep->swap_type = SDFU_BOOT_SWAP_FAIL;
			rc = refuse_secondary(c);
			return rc != SDFU_OK ? rc : finish_boot(c, 0);
		}
		if (rc == SDFU_OK) {
			rc = swap_finish(c, type);
		}
		if (rc != SDFU_OK) {
			return rc;
		}
	}
	return finish_boot(c, 0);
}

/* ---- overwrite-only ------------------------------------------------------------ */

/*
 * MCUboot's overwrite-only copy (boot_copy_image): erase the primary (every sector, or
 * with OVERWRITE_ONLY_FAST only the sectors the image covers plus the trailer sector),
 * copy the whole slot (FAST: the image) in 1024-byte chunks, FAST writes the primary's
 * magic, then the request is dropped by erasing the secondary's first sector and its
 * trailer sector.
 */
static int run_overwrite(struct sim_boot_run_ctx *c)
{
	enum sdfu_boot_mode m = c->cfg->mode;
	struct sdfu_image_info si, pi;
	uint32_t so, ss, size, a;
	uint8_t type = sdfu_boot_swap_type(c->pri, c->sec, m);
	int rc;

	c->rep->swap_type = type;
	SIM_LOGI("swap type: %s", swap_name(type));
	if (type == SDFU_BOOT_SWAP_PANIC) {
		return SDFU_ERR_IO;
	}
	if (type != SDFU_BOOT_SWAP_TEST && type != SDFU_BOOT_SWAP_PERM) {
		return finish_boot(c, 0);
	}
	rc = check_upgrade(c, &si);
	if (rc != 1) {
		return rc < 0 ? rc : finish_boot(c, 0);
	}
	if (c->cfg->downgrade_prevention && sdfu_image_read_info(c->pri, &pi) == SDFU_OK &&
	    sdfu_image_version_cmp(&si.hdr.ver, &pi.hdr.ver, true) < 0) {
		SIM_LOGW("downgrade prevented: erasing the secondary slot");
		c->rep->swap_type = SDFU_BOOT_SWAP_FAIL;
		rc = refuse_secondary(c);
		return rc != SDFU_OK ? rc : finish_boot(c, 0);
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
	return finish_boot(c, 0);
}

/* ---- direct-XIP ------------------------------------------------------------------- */

static int run_direct_xip(struct sim_boot_run_ctx *c)
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
				if (rc == SDFU_ERR_POWERLOSS) {
					return rc;
				}
			}
		}
		rc = validate(c, fa, pick == 0 ? "primary" : "secondary", NULL);
		if (rc == SDFU_ERR_POWERLOSS || rc == SDFU_ERR_IO) {
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
		return finish_boot(c, pick);
	}
	c->rep->booted_slot = -1;
	c->rep->action = SIM_BOOT_ACT_NO_IMAGE;
	SIM_LOGE("no bootable image");
	return SDFU_ERR_NOENT;
}

/* ---- entry points -------------------------------------------------------------------- */

int sim_boot_run_ex(struct sim_flash *f, const struct sim_boot_cfg *cfg, struct sdfu_boot_ctx *out,
		    struct sim_boot_report *rep)
{
	struct sim_boot_report local;
	struct sim_boot_run_ctx c;
	int rc;

	if (f == NULL || cfg == NULL) {
		return SDFU_ERR_INVAL;
	}
	if (rep == NULL) {
		rep = &local;
	}
	memset(rep, 0, sizeof(*rep));
	rep->booted_slot = -1;
	rep->swap_type = SDFU_BOOT_SWAP_NONE;
	c.f = f;
	c.cfg = cfg;
	c.rep = rep;
	c.pri = sim_flash_area(f, SDFU_FA_PRIMARY);
	c.sec = sim_flash_area(f, SDFU_FA_SECONDARY);
	if (c.pri == NULL || c.sec == NULL) {
		return SDFU_ERR_INVAL;
	}
	SIM_LOGI("bootloader start: mode %s, %u trusted key(s)", sim_boot_cfg_mode_name(cfg),
		 (unsigned)(cfg->keys ? cfg->keys->count : 0));
	switch (cfg->mode) {
	case SDFU_BOOT_MODE_SWAP_MOVE:
	case SDFU_BOOT_MODE_SWAP_SCRATCH:
		rc = run_swap_mode(&c);
		break;
	case SDFU_BOOT_MODE_OVERWRITE_ONLY:
		rc = run_overwrite(&c);
		break;
	case SDFU_BOOT_MODE_DIRECT_XIP:
	case SDFU_BOOT_MODE_DIRECT_XIP_REVERT:
		rc = run_direct_xip(&c);
		break;
	default:
		return SDFU_ERR_INVAL;
	}
	if (rc == SDFU_ERR_POWERLOSS) {
		SIM_LOGW("power lost during boot");
	}
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		out->mode = cfg->mode;
		out->slot[0] = c.pri;
		out->slot[1] = c.sec;
		out->active_slot = rep->booted_slot == 1 ? 1 : 0;
		if (cfg->keys != NULL) {
			out->keys = *cfg->keys;
		}
		out->downgrade_prevention = cfg->downgrade_prevention;
	}
	return rc;
}

int sim_boot_run(struct sim_flash *f, enum sdfu_boot_mode mode, const struct sdfu_boot_keys *keys,
		 struct sdfu_boot_ctx *out)
{
	struct sim_boot_cfg cfg = { .mode = mode, .keys = keys };

	return sim_boot_run_ex(f, &cfg, out, NULL);
}

int sim_boot_write_image(struct sim_flash *f, enum sdfu_flash_area_id id, const uint8_t *img, size_t len)
{
	const struct sdfu_flash_area *fa = sim_flash_area(f, id);
	struct sdfu_flash_stream s;
	int rc;

	if (fa == NULL || img == NULL) {
		return SDFU_ERR_INVAL;
	}
	if (len > fa->size) {
		return SDFU_ERR_NOSPC;
	}
	rc = sim_boot_erase(fa, 0, fa->size);
	if (rc == SDFU_OK) {
		rc = sdfu_flash_stream_init(&s, fa, 0);
	}
	if (rc == SDFU_OK) {
		s.erased_end = fa->size; /* already erased above */
		rc = sdfu_flash_stream_write(&s, img, len, true);
	}
	return rc;
}

int sim_boot_provision(struct sim_flash *f, const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf;
	long n;
	int rc;

	if (fp == NULL) {
		return SDFU_ERR_NOENT;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return SDFU_ERR_NOENT;
	}
	buf = malloc(n > 0 ? (size_t)n : 1u);
	if (buf == NULL) {
		fclose(fp);
		return SDFU_ERR_NOMEM;
	}
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n) {
		fclose(fp);
		free(buf);
		return SDFU_ERR_NOENT;
	}
	fclose(fp);
	rc = sim_boot_write_image(f, SDFU_FA_PRIMARY, buf, (size_t)n);
	free(buf);
	if (rc == SDFU_OK) {
		/* a provisioned image is confirmed (like imgtool --confirm) unless the file has a trailer */
		const struct sdfu_flash_area *fa = sim_flash_area(f, SDFU_FA_PRIMARY);
		struct sdfu_boot_trailer tr;

		rc = sdfu_boot_trailer_read(fa, SDFU_BOOT_MODE_SWAP_MOVE, &tr);
		if (rc == SDFU_OK && tr.magic == SDFU_BOOT_MAGIC_UNSET) {
			rc = sdfu_boot_write_magic(fa, SDFU_BOOT_MODE_SWAP_MOVE);
			if (rc == SDFU_OK) {
				rc = sdfu_boot_write_image_ok(fa, SDFU_BOOT_MODE_SWAP_MOVE);
			}
		}
	}
	if (rc == SDFU_OK) {
		SIM_LOGI("provisioned %s (%ld bytes) into the primary slot", path, n);
	}
	return rc;
}
