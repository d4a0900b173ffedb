/* SPDX-License-Identifier: Apache-2.0 */
/* Power-loss harness: a simulated device (bootloader sim + fresh stack per boot) and its SMP client. */
#ifndef PL_DEVICE_H
#define PL_DEVICE_H

/*
 * The device: a struct sim_flash, the bootloader simulation run at every (re)start, then
 * a fresh RAM state exactly as after a reset (sdfu_stack_init()): SMP server, image and OS
 * groups, and with `full` also dfu_mcumgr (confirms the running image at main READY) and
 * dfu_cfgchan (erases the update slot in the background at boot) on one DFU lock.
 * When the armed power cut fires, every flash call fails; the device is "dead" until the
 * harness powers it on and boots it again (pl_boot()).
 *
 * The client: SMP frames built with smp_test.h and run through sdfu_smp_process()
 * in-process, chunked like mcumgr clients (first chunk with len + sha, then off/data).
 * Client helpers end the running case with PL_CHECK (pl_runner.h) on malformed answers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/sim_boot.h"
#include "flash/sim_flash.h"
#include "pl_runner.h"
#include "sdfu/boot.h"
#include "sdfu/crypto.h"
#include "sdfu/stack.h"

/** One image file (as imgtool wrote it) and its hashes. */
struct pl_image {
	uint8_t *buf; /**< malloc'd (pl_image_free()) */
	size_t len;
	int major;
	uint8_t file_sha[SDFU_SHA256_LEN]; /**< SHA-256 of the file: the upload "sha" */
	uint8_t tlv_hash[SDFU_SHA256_LEN]; /**< SHA256 TLV value: the "hash" of image state */
};

/** Sign a pseudo-random body (`seed`) as version `ver` with imgtool for a slot of `slot_size`. */
void pl_image_make(struct pl_image *im, size_t body, uint32_t seed, const char *ver, int major,
		   uint32_t slot_size, unsigned align);
void pl_image_free(struct pl_image *im);

/** The device. */
struct pl_dev {
	struct sim_flash f;
	enum sdfu_boot_mode mode;
	bool full;
	struct sdfu_boot_ctx boot;
	struct sim_boot_report rep;
	struct sdfu_stack st; /**< RAM: timers, bus, lock, server, groups, DFU modules */
	unsigned boots;       /**< bootloader runs that completed */
	unsigned powerfails;  /**< cuts that fired */
	int booted_major;
};

extern struct pl_dev dev;

/** The armed cut fired: every flash call fails until power on. */
bool pl_dead(void);
/** Advance the clock `ms` milliseconds (1 ms steps, stack polled), stop early when the power goes. */
void pl_run(uint32_t ms);
/**
 * Power on when needed, run the bootloader until it completes (resuming after cuts),
 * start the app (the boot actions may die too: the caller checks pl_dead()).
 * 0, SDFU_ERR_IO after 16 tries (the power cut at every try), or the bootloader's error.
 */
int pl_boot(void);

/* ---- client ---------------------------------------------------------------------------- */
/** An image state entry. */
struct pl_entry {
	bool present;
	int major;
	uint8_t hash[32];
	bool pending, confirmed, active, permanent;
};

/** Image state read; false when the request failed (rc in *rc; 1000 + group rc for group errors). */
bool pl_state(struct pl_entry e[2], int64_t *rc);
/** Image state write (test, or confirm; `hash` NULL = the running image). Returns the rc. */
int64_t pl_state_write(const uint8_t *hash, bool confirm);
/** A command without fields; returns the rc. */
int64_t pl_cmd(uint8_t op, uint16_t group, uint8_t id);
/** OS echo; 0 when answered with the same text. */
int64_t pl_echo(void);

#define PL_CHUNK 1024u
/**
 * Upload `im` like a client: first chunk (off 0, len, sha), then follow the offset the
 * device answers. Returns 0 when the device answered the final offset with a sha match,
 * else the rc (1000 + group rc for group errors); stops at once when the power is off.
 */
int64_t pl_upload(const struct pl_image *im);

/* ---- flash content checks -------------------------------------------------------------- */
/** Slot `slot` starts with exactly `im`. */
bool pl_slot_equals(int slot, const struct pl_image *im);
/** Slot `slot` is fully erased. */
bool pl_slot_erased(int slot);
/** No valid image header at the start of the slot. */
bool pl_slot_no_image(int slot);

#endif /* PL_DEVICE_H */
