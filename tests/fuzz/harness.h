/* SPDX-License-Identifier: Apache-2.0 */
/* Shared libFuzzer harness: a RAM nrf52840 device with OS + image groups and a provisioned image. */
#ifndef SDFU_FUZZ_HARNESS_H
#define SDFU_FUZZ_HARNESS_H

/*
 * Used by tests/fuzz/fuzz_*.c and, with FZ_NO_MAIN defined, by the regression replay
 * tests/unit/test_fuzz_regress.c (which includes the fuzz_*.c files). Host only (malloc,
 * stdio). Not thread-safe.
 *
 * The device: sim_flash "nrf52840" in RAM, swap-using-move, primary slot 0 running a valid
 * unsigned image (1.0.0, built by the tests' image builder ib_build()), secondary slot
 * erased. fz_dev_reset() puts the flash back (only the bytes that changed) and re-creates
 * the SMP server with the OS and image groups, so every input starts from the same state.
 *
 * A write/erase guard wraps the flash device: when fz.guard_on is set, any write or erase
 * outside [guard_lo, guard_hi) (device offsets) aborts.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flash/sim_flash.h"
#include "image_builder.h"
#include "sdfu/boot.h"
#include "sdfu/img.h"
#include "sdfu/os.h"
#include "sdfu/smp.h"
#include "sdfu/timer.h"

/** Abort (a libFuzzer crash) with a message when `cond` is false. */
#define FZ_CHECK(cond) \
	((cond) ? (void)0 : fz_fail(__FILE__, __LINE__, #cond))

void fz_fail(const char *file, int line, const char *what);

/** Largest upload file the upload target assembles. */
#define FZ_IMG_MAX (16u * 1024u)

struct fz_dev {
	struct sim_flash fl;
	struct sim_flash_snapshot snap;
	int (*real_write)(void *ctx, uint32_t off, const void *buf, size_t len);
	int (*real_erase)(void *ctx, uint32_t off, size_t len);
	uint32_t dirty_lo, dirty_hi; /**< device range touched since the last reset */
	bool guard_on;
	uint32_t guard_lo, guard_hi;
	struct sdfu_timer_list timers;
	struct sdfu_smp_server srv;
	struct sdfu_os os;
	struct sdfu_img img;
	struct sdfu_boot_ctx boot;
	struct test_image running; /**< in the primary slot (image_builder.h ib_build()) */
	struct test_image update;  /**< a valid 1.1.0 image for uploads */
	uint8_t primary_sha[32]; /**< SHA-256 of the whole primary slot after provisioning */
};

extern struct fz_dev fz;

/*
 * One input of each target (tests/fuzz/fuzz_<name>.c): 0, or abort on a broken invariant.
 * LLVMFuzzerTestOneInput calls them; with FZ_NO_MAIN the targets are built without it, for
 * the regression replay (tests/unit/test_fuzz_regress.c).
 */
int fz_ble_one(const uint8_t *data, size_t size);
int fz_image_one(const uint8_t *data, size_t size);
int fz_serial_one(const uint8_t *data, size_t size);
int fz_smp_one(const uint8_t *data, size_t size);
int fz_upload_one(const uint8_t *data, size_t size);

/** First call: open the flash, build and provision the images, snapshot. Later calls: no-op. */
void fz_dev_init(void);
/** Restore the flash to the snapshot and re-create server + groups (guard off). */
void fz_dev_reset(void);
/** SHA-256 of a device range. */
void fz_flash_sha(uint32_t off, uint32_t len, uint8_t out[32]);
/** Abort unless the primary slot still holds exactly the provisioned bytes. */
void fz_check_primary_unchanged(void);
/** Abort unless the running image (header, body, TLVs) in the primary slot is unchanged
 *  (its trailer may change: a confirm writes image_ok). */
void fz_check_running_image_unchanged(void);

/**
 * Check one response frame: header length == payload length, size within the
 * server buffer, op 1 or 3, version <= 1, flags 0, payload one well-formed CBOR map.
 */
void fz_check_rsp(const uint8_t *frame, size_t len);

/** A tx function that checks each response with fz_check_rsp() and counts it (ctx = unsigned *). */
int fz_tx_check(void *ctx, const uint8_t *frame, size_t len);

/** Result of fz_rsp_fields(): the top-level keys of a response map the targets look at. */
struct fz_rsp_fields {
	bool has_off, has_match, has_rc, has_err;
	uint64_t off, rc, err_group, err_rc;
	bool match;
};

/** Decode a checked response frame's top-level "off", "match", "rc", "err" {group, rc}. */
void fz_rsp_fields(const uint8_t *frame, size_t len, struct fz_rsp_fields *f);

/** A small RAM flash device with one area, for parser targets. */
#define FZ_RAM_FLASH_MAX (64u * 1024u)
struct fz_ram_flash {
	struct sdfu_flash_dev dev;
	struct sdfu_flash_area fa;
	uint8_t mem[FZ_RAM_FLASH_MAX];
};

/** Fill a RAM area of `size` bytes (multiple of 4096, <= FZ_RAM_FLASH_MAX) with `data` then 0xFF. */
void fz_ram_flash_init(struct fz_ram_flash *r, uint32_t size, const uint8_t *data, size_t len);

#endif /* SDFU_FUZZ_HARNESS_H */
