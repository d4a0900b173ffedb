/* SPDX-License-Identifier: Apache-2.0 */
/* Image group internals: slot view, next-boot rules, upload inspection (pure) and handlers. */
#ifndef SDFU_IMG_PRIV_H
#define SDFU_IMG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "sdfu/img.h"
#include "sdfu/smp_cb.h"
#include "sdfu/smp_cbor.h"
#include "sdfu/smp_server.h"

/* ---- Slot view: what the flash says about the two slots of image 0 ------ */

/** How the next boot treats the next-boot slot (img_mgmt's next_boot_type). */
enum sdfu_img_next_kind {
	SDFU_IMG_NEXT_NORMAL = 0, /**< boots that slot for good */
	SDFU_IMG_NEXT_TEST,       /**< boots it once; the app must confirm */
	SDFU_IMG_NEXT_REVERT,     /**< the running image is an unconfirmed test: next boot reverts */
};

/** Per-slot state flags reported by state read. */
#define SDFU_IMG_F_ACTIVE 0x01u
#define SDFU_IMG_F_PENDING 0x02u
#define SDFU_IMG_F_CONFIRMED 0x04u
#define SDFU_IMG_F_PERMANENT 0x08u

/**
 * A snapshot of both slots, taken from flash by sdfu_img_view_load() and then
 * evaluated by pure functions (so the rules can be table-tested).
 */
struct sdfu_img_view {
	enum sdfu_boot_mode mode;
	uint8_t active;                      /**< running slot, 0 or 1 */
	int info_rc[2];                      /**< sdfu_image_read_info() result per slot */
	struct sdfu_image_info info[2];      /**< valid when info_rc[i] == 0 */
	enum sdfu_boot_swap_type swap;       /**< swap/overwrite modes */
	int tr_rc[2];                        /**< trailer read result (direct-XIP revert) */
	struct sdfu_boot_trailer tr[2];      /**< direct-XIP revert */
};

/** Read slot infos and trailers for `boot`. Never fails: read errors land in the *_rc fields. */
void sdfu_img_view_load(const struct sdfu_boot_ctx *boot, struct sdfu_img_view *v);

/** The slot booted next and how (pure; img_mgmt_get_next_boot_slot rules per mode). */
uint8_t sdfu_img_next_boot(const struct sdfu_img_view *v, enum sdfu_img_next_kind *kind);

/** SDFU_IMG_F_* flags of `slot` for state read (pure). */
uint8_t sdfu_img_slot_flags(const struct sdfu_img_view *v, uint8_t slot);

/** True when `slot` must not be overwritten: running, or scheduled by a trailer (pure). */
bool sdfu_img_slot_in_use(const struct sdfu_img_view *v, uint8_t slot);

/**
 * State-write admission (pure): may `slot` be marked (test, or confirm when
 * `confirm`)? Returns 0 with *noop telling whether nothing needs writing, or an
 * image-group error (enum sdfu_img_err: 28, 33).
 */
uint16_t sdfu_img_set_next_check(const struct sdfu_img_view *v, uint8_t slot, bool confirm,
				 bool *noop);

/* ---- Upload: the request, the facts it is judged against, the verdict ---- */

/** A decoded upload request. Pointers refer into the request buffer. */
struct sdfu_img_upload_req {
	bool has_off;
	uint64_t off;
	bool has_len;
	uint64_t len;
	const uint8_t *data;
	size_t data_len;
	const uint8_t *sha;
	size_t sha_len;
	uint32_t image;
	bool upgrade;
};

/**
 * Facts the inspection needs. `session` is always needed; the slot facts only
 * for a first chunk (off == 0) — a caller may leave them zero otherwise.
 */
struct sdfu_img_upload_env {
	const struct sdfu_img_upload *session;
	bool slot_in_use[2];
	uint32_t slot_capacity[2];   /**< largest image the slot takes (size minus trailer) */
	uint32_t slot_addr[2];       /**< device address of the slot (ROM_FIXED check) */
	bool check_rom_fixed;        /**< reject ROM_FIXED images linked for another slot (25) */
	bool have_running_ver;       /**< false -> "upgrade" fails with 26 */
	struct sdfu_image_version running_ver;
};

enum sdfu_img_upload_verdict {
	SDFU_IMG_UPLOAD_ERROR = 0, /**< answer err `err`; the session is dropped */
	SDFU_IMG_UPLOAD_REPLY,     /**< write nothing, answer {"off": off} */
	SDFU_IMG_UPLOAD_WRITE,     /**< write `write_len` bytes at `off` into `slot` */
};

/** The decision taken by sdfu_img_upload_inspect(). */
struct sdfu_img_upload_action {
	enum sdfu_img_upload_verdict verdict;
	uint16_t err;       /**< enum sdfu_img_err when verdict == ERROR */
	bool start;         /**< first chunk of a new session: erase trailer, restart hash */
	uint8_t slot;       /**< absolute target slot */
	uint32_t size;      /**< total image length */
	uint32_t off;       /**< write offset, or the offset to answer */
	uint32_t write_len; /**< bytes to write */
	bool last;          /**< this chunk completes the image */
};

/**
 * Decide what to do with an upload request, without touching flash or the
 * session (pure). Always fills `act`. Context: any.
 */
void sdfu_img_upload_inspect(const struct sdfu_img_upload_req *req,
			     const struct sdfu_img_upload_env *env,
			     struct sdfu_img_upload_action *act);

/** Pick the first slot (0, 1) that is not in use; -1 when none (pure). */
int sdfu_img_select_slot(const struct sdfu_img_upload_env *env, uint32_t image);

/** Largest image the slot takes for `mode`: area size minus the MCUboot trailer. */
uint32_t sdfu_img_slot_capacity(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode);

/* ---- Handlers (img_state.c, img_upload.c, img.c) ----------------------- */
int sdfu_img_state_read(struct sdfu_smp_ctx *ctx);
int sdfu_img_state_write(struct sdfu_smp_ctx *ctx);
int sdfu_img_upload_handler(struct sdfu_smp_ctx *ctx);

/** Encode the state-read body ("images", "splitStatus") into ctx->zse. 0 or SDFU_ERR_MSGSIZE. */
int sdfu_img_state_encode(struct sdfu_img *img, struct sdfu_smp_ctx *ctx);

/** The image group object of the server handling `ctx` (NULL if not registered). */
struct sdfu_img *sdfu_img_from_ctx(struct sdfu_smp_ctx *ctx);

/** Fire an image event that carries no veto (return value ignored). */
void sdfu_img_notify(struct sdfu_img *img, uint32_t event, void *data, size_t size);

/** Group error -> legacy MGMT rc for v1 requests (spec 2.2). */
int sdfu_img_translate(uint16_t group_rc);

#endif /* SDFU_IMG_PRIV_H */
