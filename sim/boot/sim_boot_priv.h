/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the bootloader simulation files (not for other modules). */
#ifndef SDFU_SIM_BOOT_PRIV_H
#define SDFU_SIM_BOOT_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "boot/sim_boot.h"

/* One run of the simulated bootloader. */
struct sim_boot_run_ctx {
	struct sim_flash *f;
	const struct sim_boot_cfg *cfg;
	const struct sdfu_flash_area *pri;
	const struct sdfu_flash_area *sec;
	struct sim_boot_report *rep;
};

/* Swap progress as kept in the primary trailer's status area (MCUboot swap-move style). */
enum sim_swap_op { SIM_SWAP_OP_MOVE = 1, SIM_SWAP_OP_SWAP = 2 };

struct sim_swap_status {
	bool reset;           /* no status entry written: nothing done yet */
	bool source_primary;  /* the primary trailer holds a swap in progress */
	enum sim_swap_op op;
	uint32_t idx;         /* 1-based step index of the next step to run */
	uint32_t state;       /* 0 or 1 within a swap step */
	uint8_t swap_type;    /* from the primary swap_info */
	int64_t last;         /* position of the last written status entry, -1 none */
};

/* Erase [off, off+len) of `fa` one sector per op (range on sector boundaries). */
int sim_boot_erase(const struct sdfu_flash_area *fa, uint32_t off, uint32_t len);
/* Erase the sectors that hold the trailer of `fa` (status area included). */
int sim_boot_erase_trailer_sectors(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode);

/* Copy `len` bytes between areas in 1024-byte chunks, each written (last one padded to the alignment). */
int sim_boot_copy(const struct sdfu_flash_area *src, uint32_t soff, const struct sdfu_flash_area *dst,
		  uint32_t doff, uint32_t len);

/* Read the status source and entries (decoded for the configured swap mode). */
int sim_swap_read_status(struct sim_boot_run_ctx *c, struct sim_swap_status *st);
/* Mark status entry `pos` (write-size units from the status area start) done. */
int sim_swap_write_entry(struct sim_boot_run_ctx *c, uint32_t pos, uint8_t value);
/* Move-mode entry for (op, 1-based idx, state). */
int sim_swap_move_entry(struct sim_boot_run_ctx *c, enum sim_swap_op op, uint32_t idx, uint32_t state);
/* Erase the primary trailer sectors, then write swap_info, image_ok (copied from the
 * secondary), swap_size and magic into the primary. */
int sim_swap_status_init(struct sim_boot_run_ctx *c, uint8_t swap_type, uint32_t swap_size);
/* Revert start: make the secondary look like a permanent request (MCUboot fixup_revert). */
int sim_swap_fixup_revert(struct sim_boot_run_ctx *c, bool at_start, uint8_t swap_type,
			  uint32_t swap_size);

/*
 * Run (or resume) a swap-using-move of `swap_size` bytes with `swap_type`. On a fresh
 * start the caller has validated the secondary. Returns 0, SDFU_ERR_NOSPC when the
 * images do not fit (nothing touched), or a flash error.
 */
int sim_swap_move_run(struct sim_boot_run_ctx *c, struct sim_swap_status *st, uint8_t swap_type,
		      uint32_t swap_size);
/*
 * Scratch mode status (MCUboot swap_read_status for swap-using-scratch): the source from
 * the primary trailer and the scratch magic, progress from its status bytes. st->reset
 * when no entry is written; st->source_primary when a source exists (st->swap_type then
 * from its swap_info); *swap_size of a swap under way (scratch trailer first).
 */
int sim_swap_scratch_read_status(struct sim_boot_run_ctx *c, struct sim_swap_status *st, uint32_t *swap_size);
/* Same contract for swap-using-scratch (sector by sector through SDFU_FA_SCRATCH). */
int sim_swap_scratch_run(struct sim_boot_run_ctx *c, struct sim_swap_status *st, uint8_t swap_type,
			 uint32_t swap_size);

/* ---- one file per mode behind this table (sim_boot.c selects) ------------------ */
struct sim_boot_mode_ops {
	enum sdfu_boot_mode mode;
	int (*run)(struct sim_boot_run_ctx *c); /* 0 booted, SDFU_ERR_NOENT none, <0 flash error */
};
int sim_boot_run_swap(struct sim_boot_run_ctx *c);        /* sim_swap.c (+ _move.c / _scratch.c) */
int sim_boot_run_overwrite(struct sim_boot_run_ctx *c);   /* sim_overwrite.c */
int sim_boot_run_direct_xip(struct sim_boot_run_ctx *c);  /* sim_direct_xip.c */

/* ---- shared steps (sim_boot_common.c) -------------------------------------------- */
/* Full image check of `fa` (hash, signature); logs a failure. 0 or the sdfu error. */
int sim_boot_validate(struct sim_boot_run_ctx *c, const struct sdfu_flash_area *fa, const char *what,
		      struct sdfu_image_info *info);
/* Drop an invalid upgrade: erase the whole secondary slot (MCUboot boot_validate_slot). */
int sim_boot_refuse_secondary(struct sim_boot_run_ctx *c);
/* The requested upgrade: 1 valid (info filled), 0 nothing to do (erased header, or dropped), <0 error. */
int sim_boot_check_upgrade(struct sim_boot_run_ctx *c, struct sdfu_image_info *info);
/** MCUboot's downgrade prevention (sim_boot_common.c): 1 prevented (secondary erased), 0 not, <0 flash error. */
int sim_boot_downgrade_prevented(struct sim_boot_run_ctx *c);
/* Validate and report slot `slot` as booted: 0, SDFU_ERR_NOENT (nothing bootable) or a flash error. */
int sim_boot_finish(struct sim_boot_run_ctx *c, int slot);

#define SIM_LOGE(...) sdfu_port_log(SDFU_LOG_ERR, "simboot", __VA_ARGS__)
#define SIM_LOGW(...) sdfu_port_log(SDFU_LOG_WRN, "simboot", __VA_ARGS__)
#define SIM_LOGI(...) sdfu_port_log(SDFU_LOG_INF, "simboot", __VA_ARGS__)
#define SIM_LOGD(...) sdfu_port_log(SDFU_LOG_DBG, "simboot", __VA_ARGS__)

#endif /* SDFU_SIM_BOOT_PRIV_H */
