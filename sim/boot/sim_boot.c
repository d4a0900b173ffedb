/* SPDX-License-Identifier: Apache-2.0 */
/* Bootloader simulation entry: selects the mode's operations (one file per mode), provisioning. */
#include "boot/sim_boot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"
#include "sim_boot_priv.h"

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
	return !sim_boot_cfg_is_xip(cfg);
}

bool sim_boot_cfg_is_xip(const struct sim_boot_cfg *cfg)
{
	return cfg->mode == SDFU_BOOT_MODE_DIRECT_XIP || cfg->mode == SDFU_BOOT_MODE_DIRECT_XIP_REVERT;
}

/* The modes, as MCUboot builds one of them (its swap_priv.h / loader.c split). */
static const struct sim_boot_mode_ops modes[] = {
	{ SDFU_BOOT_MODE_SWAP_MOVE, sim_boot_run_swap },
	{ SDFU_BOOT_MODE_SWAP_SCRATCH, sim_boot_run_swap },
	{ SDFU_BOOT_MODE_OVERWRITE_ONLY, sim_boot_run_overwrite },
	{ SDFU_BOOT_MODE_DIRECT_XIP, sim_boot_run_direct_xip },
	{ SDFU_BOOT_MODE_DIRECT_XIP_REVERT, sim_boot_run_direct_xip },
};

static const struct sim_boot_mode_ops *mode_ops(enum sdfu_boot_mode mode)
{
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (modes[i].mode == mode) {
			return &modes[i];
		}
	}
	return NULL;
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
	const struct sim_boot_mode_ops *ops = mode_ops(cfg->mode);

	if (ops == NULL) {
		return SDFU_ERR_INVAL;
	}
	rc = ops->run(&c);
	if (rc != SDFU_OK && rc != SDFU_ERR_NOENT) {
		SIM_LOGW("boot stopped by a flash error (%d)", rc);
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
