/* SPDX-License-Identifier: Apache-2.0 */
/* Image group fixture: simulated flash, boot context, three images, an SMP server, request helpers. */
#ifndef SDFU_IMG_FIXTURE_H
#define SDFU_IMG_FIXTURE_H

/*
 * For tests of the image group and of the DFU flows on top of it (cmocka; one fixture
 * per test executable, not thread-safe). start() opens the "nrf52840" simulated flash in
 * RAM, builds three unsigned images in memory (image_builder.h: running 1.0.0 written to
 * the active slot, update 1.1.0, other 0.9.0), sets the boot context and creates the
 * fixture's own SMP server with the image group and an event capture callback (`cb`).
 * A test that builds its server with sdfu_stack_init() calls start_images() instead,
 * registers `cb` on its server and points fx_srv / fx_img at the stack's objects: the
 * request helpers below talk to *fx_srv.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "flash/sim_flash.h"
#include "image_builder.h"
#include "sdfu/boot.h"
#include "sdfu/crypto.h"
#include "sdfu/err.h"
#include "sdfu/img.h"
#include "sdfu/smp.h"
#include "smp_test.h"

#define V2 SDFU_SMP_VER_2
#define V1 SDFU_SMP_VER_1
#define W SDFU_SMP_OP_WRITE
#define R SDFU_SMP_OP_READ
#define GRP SDFU_SMP_GROUP_IMG

#define HDR_SIZE IB_HDR_SIZE
#define IMG_MAX IB_IMAGE_MAX

/* ---- fixture state ---------------------------------------------------------------- */
extern struct sim_flash fl;
extern struct sdfu_smp_server srv;   /**< the fixture's own server (start()) */
extern struct sdfu_img img;          /**< the fixture's own image group (start()) */
extern struct sdfu_boot_ctx boot;
extern struct test_image running, update, other;
/** The server and image group the helpers talk to: &srv / &img after start_images(). */
extern struct sdfu_smp_server *fx_srv;
extern struct sdfu_img *fx_img;

/* event capture (SDFU_SMP_CB_GRP_IMG), reset by start_images() */
extern unsigned ev_started, ev_stopped, ev_pending, ev_chunk, ev_write_done, ev_confirmed;
extern int veto_at_chunk;  /**< veto the n-th DFU_CHUNK (0-based), -1 never */
extern int reset_at_chunk; /**< call sdfu_img_upload_reset(fx_img) inside the n-th DFU_CHUNK */
extern enum sdfu_smp_cb_ret veto_kind;
/** The capture callback; start() registers it on srv. */
extern struct sdfu_smp_cb cb;

/** SHA-256 (asserts the crypto port succeeds). */
void sha256(const uint8_t *p, size_t n, uint8_t out[32]);

/** Flash area of slot 0 (primary) or 1 (secondary). */
const struct sdfu_flash_area *slot_fa(int slot);
/** Erase `slot` and write `im` padded to 4 bytes with 0xFF. */
void write_slot(int slot, const struct test_image *im);
/** Flash, boot context (`mode`, `active` slot) and the three images; no server. */
void start_images(enum sdfu_boot_mode mode, uint8_t active);
/** start_images() plus the fixture's own SMP server with the image group and `cb`. */
void start(enum sdfu_boot_mode mode, uint8_t active);
/** cmocka teardown: the critical section is balanced; closes the flash. */
int teardown(void **state);
/** A sdfu_stack_cfg extend step (3): `cb` on the stack's server, fx_srv / fx_img at its objects. */
struct sdfu_stack;
int fx_stack_extend(struct sdfu_stack *s, void *user);

/* ---- request helpers (on *fx_srv) --------------------------------------------------- */
/** Group error rc of an image group response (0 when none; asserts the group). */
uint16_t grp_err(const struct smp_rsp *r);
/** The "off" of a successful upload response. */
uint64_t rsp_off(const struct smp_rsp *r);
/** First upload chunk: off 0, `n` bytes, len, upgrade and (when `sha`) sha. */
const struct smp_rsp *first_chunk(uint8_t ver, const struct test_image *im, size_t n,
				  const uint8_t *sha, size_t sha_len, bool upgrade);
/** A later chunk: off, data. */
const struct smp_rsp *chunk(const struct test_image *im, size_t off, size_t n);
/** Chunk sizes upload() cycles through. */
extern const size_t odd_sizes[8];
/** Upload `im` in chunks of odd sizes; returns the last response. */
const struct smp_rsp *upload(const struct test_image *im, const uint8_t *sha, size_t sha_len);
/** Assert `slot` starts with exactly `im`. */
void assert_slot_holds(int slot, const struct test_image *im);

/** State read and one entry's fields. */
struct entry {
	bool present;
	uint64_t slot;
	char version[32];
	uint8_t hash[32];
	bool bootable, pending, confirmed, active, permanent;
};

/** Parse an image state response into e[slot] (asserts its shape). */
void parse_state(const struct smp_rsp *r, struct entry e[2]);
/** Image state read. */
void read_state(struct entry e[2]);
/** Image state write: confirm flag and (when `hash`) the hash. */
const struct smp_rsp *state_write(uint8_t ver, const uint8_t *hash, size_t hlen, bool confirm);
/** Assert the flags of a present entry. */
void assert_flags(const struct entry *e, bool pending, bool confirmed, bool active, bool permanent);

#endif /* SDFU_IMG_FIXTURE_H */
