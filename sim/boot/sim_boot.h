/* SPDX-License-Identifier: Apache-2.0 */
/* Bootloader simulation (MCUboot-compatible decisions and slot moves) run at every simulated (re)start. */
#ifndef SDFU_SIM_BOOT_H
#define SDFU_SIM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "flash/sim_flash.h"

/*
 * sim_boot_run() plays the bootloader on a struct sim_flash, on the SDFU_FA_PRIMARY /
 * SDFU_FA_SECONDARY (/ SDFU_FA_SCRATCH) areas, the way MCUboot would:
 *  - swap modes (SWAP_MOVE like MCUboot swap_move.c; SWAP_SCRATCH sector by sector
 *    through SDFU_FA_SCRATCH, images up to the trailer start, the progress kept in the
 *    scratch while the trailer sector itself is swapped): swap type from both
 *    trailers (spec §8.5);
 *    TEST/PERM -> validate the secondary (hash, signature with `keys`), swap, write the
 *    primary trailer (magic, copy_done, image_ok for PERM); REVERT -> swap back and
 *    confirm; an interrupted swap is resumed from the status area in the trailer.
 *    An invalid upgrade (bad hash/signature/header, or too big for the mode) is
 *    refused: the whole secondary slot is erased (MCUboot boot_validate_slot) and
 *    the old image keeps running (report swap_type FAIL, action REFUSED). A status
 *    write that fails with SDFU_ERR_IO does not stop the swap (as in MCUboot).
 *    Beyond MCUboot: a secondary magic left BAD by a torn write during a revert still
 *    reverts.
 *  - OVERWRITE_ONLY: TEST or PERM copies the secondary over the primary, then erases
 *    the secondary (header sector and trailer); no revert.
 *  - Downgrade prevention (swap and overwrite modes, as MCUboot since 1.10): a test or
 *    permanent upgrade to a lower major.minor.revision is not installed; the whole
 *    secondary is erased and the swap type is NONE.
 *  - DIRECT_XIP: boots the valid slot with the higher version (primary on a tie);
 *    invalid slots are erased. DIRECT_XIP_REVERT: the chosen slot is erased (and the other one
 *    tried) when its trailer magic is not GOOD or when copy_done is SET with image_ok
 *    UNSET (tried and not confirmed: revert); otherwise copy_done is set on first boot.
 * Then it validates the image to boot and logs its decision through sdfu_port_log
 * (module "simboot").
 *
 * Flash errors propagate: a power cut armed on the sim_flash looks like SDFU_ERR_IO to
 * the bootloader (it knows nothing of the simulation); the caller sees f->powered false, powers on and calls sim_boot_run() again, which
 * resumes (power-loss harness).
 */

/** Configuration of one run; `mode` must be set explicitly. */
struct sim_boot_cfg {
	enum sdfu_boot_mode mode;
	const struct sdfu_boot_keys *keys; /**< NULL or count 0: hash-only validation */
	bool downgrade_prevention;         /**< swap and overwrite modes: a lower version is erased, not installed */
	bool overwrite_fast;               /**< OVERWRITE_ONLY: copy only the image's sectors (MCUBOOT_OVERWRITE_ONLY_FAST) */
};

/**
 * Set cfg->mode (and cfg->overwrite_fast) from a mode name: "swap-move" (alias "swap"),
 * "swap-scratch", "overwrite-only" (alias "overwrite"), "overwrite-only-fast",
 * "direct-xip", "direct-xip-revert". 0 or SDFU_ERR_INVAL.
 */
int sim_boot_cfg_parse_mode(const char *name, struct sim_boot_cfg *cfg);
/** The name of cfg's mode ("overwrite-only-fast" included). */
const char *sim_boot_cfg_mode_name(const struct sim_boot_cfg *cfg);
/**
 * True when MCUboot gives downgrade prevention an effect in cfg's mode: its software
 * downgrade prevention (MCUBOOT_DOWNGRADE_PREVENTION) works in the swap modes
 * (loader.c check_downgrade_prevention) and overwrite-only (boot_validate_slot); Zephyr's
 * CONFIG_MCUBOOT_DOWNGRADE_PREVENTION depends on !BOOT_DIRECT_XIP.
 */
bool sim_boot_downgrade_supported(const struct sim_boot_cfg *cfg);
/** MCUboot's name of a swap type: "none", "test", "perm", "revert", "fail", "panic". */
const char *sim_boot_swap_name(unsigned t);
/** True for the direct-XIP modes (MCUboot keeps no swap type there). */
bool sim_boot_cfg_is_xip(const struct sim_boot_cfg *cfg);

/** What the run did (for logs, tests and the device's state dump). */
enum sim_boot_action {
	SIM_BOOT_ACT_NONE = 0,     /**< booted the current image, nothing moved */
	SIM_BOOT_ACT_UPGRADE,      /**< swapped / copied the secondary in */
	SIM_BOOT_ACT_REVERT,       /**< swapped back (or direct-XIP revert erase) */
	SIM_BOOT_ACT_REFUSED,      /**< the upgrade was invalid and was dropped */
	SIM_BOOT_ACT_NO_IMAGE,     /**< nothing bootable */
};

struct sim_boot_report {
	enum sdfu_boot_swap_type swap_type;   /**< decided from the trailers (swap/overwrite modes) */
	enum sim_boot_action action;
	bool resumed;                         /**< an interrupted swap was completed */
	int booted_slot;                      /**< 0 primary, 1 secondary, -1 none */
	struct sdfu_image_version booted_ver; /**< version of the booted image */
	uint8_t booted_hash[SDFU_SHA256_LEN];
};

/**
 * Run the bootloader. `f` is the device; `cfg` the mode and trust; `out` (may be NULL)
 * is filled for the application: mode, slot[0]/slot[1] pointing into f->areas, the
 * active slot, keys (pointer copy of *cfg->keys; the caller keeps the key array alive),
 * downgrade_prevention. `rep` (may be NULL) receives the details.
 * Returns 0 when an image boots, SDFU_ERR_NOENT when no valid image exists,
 * SDFU_ERR_IO when a flash op failed (a power cut: f->powered is false), other negative sdfu_err on flash
 * errors. Host only; single thread.
 */
int sim_boot_run_ex(struct sim_flash *f, const struct sim_boot_cfg *cfg, struct sdfu_boot_ctx *out,
		    struct sim_boot_report *rep);

/** Shorthand: sim_boot_run_ex with {mode, keys}, no report. */
int sim_boot_run(struct sim_flash *f, enum sdfu_boot_mode mode, const struct sdfu_boot_keys *keys,
		 struct sdfu_boot_ctx *out);

/**
 * Write an image (bytes in memory) into slot `id` (SDFU_FA_PRIMARY or SDFU_FA_SECONDARY):
 * the slot is erased, then the bytes are programmed through the normal flash rules
 * (padded to the write alignment). Faults are honoured. 0, SDFU_ERR_NOSPC when the image
 * does not fit, or a flash error.
 */
int sim_boot_write_image(struct sim_flash *f, enum sdfu_flash_area_id id, const uint8_t *img, size_t len);

/**
 * Provisioning for `smpdfu-device --provision app.bin`: load the file and write it into
 * the primary slot (erasing it first). When the file carries no trailer (magic unset),
 * the slot is marked confirmed (magic + image_ok, like `imgtool --confirm`), which
 * direct-XIP-revert requires and which is neutral in the other modes.
 * 0, SDFU_ERR_NOENT (cannot read file), SDFU_ERR_NOSPC, SDFU_ERR_NOMEM or a flash error.
 */
int sim_boot_provision(struct sim_flash *f, const char *path);

/** "swap-scratch", "overwrite-only", "swap-move", "direct-xip", "direct-xip-revert". */
const char *sim_boot_mode_name(enum sdfu_boot_mode mode);
/** Parse the names above (also "swap" = swap-move). 0 or SDFU_ERR_INVAL. */
int sim_boot_mode_parse(const char *name, enum sdfu_boot_mode *mode);

#endif /* SDFU_SIM_BOOT_H */
