/* SPDX-License-Identifier: Apache-2.0 */
/* Flash operation timing: charges datasheet erase/program times per op by wrapping a flash device. */
#ifndef SDFU_SIM_FLASH_TIMING_H
#define SDFU_SIM_FLASH_TIMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/flash.h"

/*
 * A wrapper around the function pointers of a `struct sdfu_flash_dev` (the
 * simulated flash stays untouched): every erase and write first runs on the
 * real device, then charges its time through a `stall` callback, during which the
 * caller's program does nothing else (smpdfu-device sleeps: the CPU of an nRF52
 * is halted while the NVMC erases or writes; a test advances a virtual clock).
 * Reads cost nothing (memory-mapped). Times are the datasheet maxima of the chip
 * the layout models; a layout without a datasheet entry has no table.
 */

/** Erase and program times of one chip, per layout. */
struct flash_timing_table {
	const char *layout;    /**< sim layout name */
	const char *chip;
	uint32_t erase_unit;   /**< bytes per erase (page) */
	uint32_t erase_us;     /**< time to erase one unit, us */
	uint32_t write_unit;   /**< bytes per program operation (word) */
	uint32_t write_us;     /**< time to program one unit, us */
	uint32_t radio_slot_us;/**< longest write timeslot when the flash takes the radio (single
				    core: Zephyr's radio-synchronized driver); 0 = no radio sync */
	const char *source;    /**< datasheet reference */
};

/** The table for layout `name`, or NULL when the layout has none. */
const struct flash_timing_table *flash_timing_table_get(const char *name);

/** Time of erasing `len` bytes (whole units), us. */
uint64_t flash_timing_erase_us(const struct flash_timing_table *t, size_t len);
/** Time of programming `len` bytes (whole units), us. */
uint64_t flash_timing_write_us(const struct flash_timing_table *t, size_t len);
/**
 * Fastest rate an image of `size` bytes can be stored at: every unit it covers erased
 * once and written once. B/s.
 */
double flash_timing_limit(const struct flash_timing_table *t, uint32_t size);

/** How the charged time passes: sleep, or advance a clock. `erase`: the op is an erase. */
typedef void (*flash_timing_stall_fn)(void *ctx, uint64_t us, bool erase);

struct flash_timing {
	struct sdfu_flash_dev *dev;        /**< the wrapped device */
	struct sdfu_flash_dev orig;        /**< its original pointers and ctx */
	const struct flash_timing_table *tab;
	bool enabled;                      /**< false: ops pass through at no cost */
	flash_timing_stall_fn stall;
	void *stall_ctx;
	/* statistics while enabled */
	uint64_t erase_us, write_us;       /**< time charged */
	uint64_t erases, writes;
};

/**
 * Wrap `dev` (its read/write/erase/ctx are replaced; the old ones are kept in
 * t->orig and called first). `t`, `tab` and `stall_ctx` outlive the wrapping.
 * Enabled on return. 0, or -1 on NULL arguments.
 */
int flash_timing_attach(struct flash_timing *t, struct sdfu_flash_dev *dev,
			const struct flash_timing_table *tab, flash_timing_stall_fn stall,
			void *stall_ctx);
/** Put the original pointers back. Safe when not attached. */
void flash_timing_detach(struct flash_timing *t);
/** Charge time (true) or pass through (false), e.g. off while the bootloader runs. */
void flash_timing_enable(struct flash_timing *t, bool on);

/** A stall callback that sleeps the calling thread `us` microseconds (ctx unused). */
void flash_timing_sleep(void *ctx, uint64_t us, bool erase);

#endif /* SDFU_SIM_FLASH_TIMING_H */
