/* SPDX-License-Identifier: Apache-2.0 */
/* Image management group (1): state read/write, upload, erase, slot info, and its notifications. */
#ifndef SDFU_IMG_H
#define SDFU_IMG_H

#include "sdfu/config.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "sdfu/crypto.h"
#include "sdfu/flash.h"
#include "sdfu/smp_cb.h"
#include "sdfu/smp_server.h"

/*
 * Behaviour notes (where we choose or deviate; see spec section 4):
 *  - One updatable image. The upload "image" key accepts 0 and 1 (1 = clients
 *    that send the slot number there); >= 2 gives INVALID_SLOT (14).
 *  - Upload target: the first of slots 0, 1 not in use (running, or scheduled by
 *    a trailer / revert target); none -> NO_FREE_SLOT (9). Capacity = slot size
 *    minus the MCUboot trailer for the boot mode; larger "len" -> 30.
 *  - A first chunk carrying more data than "len" -> DATA_OVERRUN (31) (Zephyr
 *    does not check this on the first chunk). hdr_size < 32 -> 22.
 *  - The first chunk of a session erases the target's trailer sector(s); data is
 *    written with the progressive-erase stream writer (no whole-slot erase).
 *  - "match" is sent on the final chunk only when the session's sha was 32 bytes
 *    (and SDFU_IMG_VERIFY_SHA); it compares a running SHA-256 of the bytes sent.
 *  - Skip-upload: a first chunk with a 32-byte sha whose file already sits in the
 *    slot answers {"off": len, "match": true}; DFU_STARTED and DFU_PENDING fire.
 *  - A DFU_CHUNK veto, like every upload error, drops the session and fires
 *    DFU_STOPPED.
 *  - Direct-XIP (both modes): a ROM_FIXED image whose load address is not the
 *    target slot's device offset -> INVALID_FLASH_ADDRESS (25).
 *  - State write validates an image before scheduling it (test or permanent):
 *    hash/signature/TLV failure -> INVALID_IMAGE_HEADER_MAGIC (23), the code
 *    img_mgmt uses for MCUboot's BOOT_EBADIMAGE; a read error -> 11.
 *  - DFU_CONFIRMED fires when a confirm of the running slot wrote image_ok (not
 *    for the no-op confirm of an already confirmed image), as Zephyr does.
 *  - Plain direct-XIP has no state write handler (rc 8); direct-XIP with revert
 *    writes the trailer (boot_set_next) and refuses only a test of the running slot.
 *  - Erase refuses the running slot always, and a scheduled slot when it holds a
 *    readable image (err 9, v1 rc 6); it resets the upload session.
 */


/** MCUmgr group id of the image group. */
#define SDFU_SMP_GROUP_IMG 1
/** Callback group of the image group's events (below). */
#define SDFU_SMP_CB_GRP_IMG 3u

/** Image group command ids. */
#define SDFU_IMG_ID_STATE 0
#define SDFU_IMG_ID_UPLOAD 1
#define SDFU_IMG_ID_ERASE 5
#define SDFU_IMG_ID_SLOT_INFO 6

/** img_mgmt_err_code_t (group 1 "err" rc values). */
enum sdfu_img_err {
	SDFU_IMG_ERR_OK = 0,
	SDFU_IMG_ERR_UNKNOWN = 1,
	SDFU_IMG_ERR_FLASH_CONFIG_QUERY_FAIL = 2,
	SDFU_IMG_ERR_NO_IMAGE = 3,
	SDFU_IMG_ERR_NO_TLVS = 4,
	SDFU_IMG_ERR_INVALID_TLV = 5,
	SDFU_IMG_ERR_TLV_MULTIPLE_HASHES_FOUND = 6,
	SDFU_IMG_ERR_TLV_INVALID_SIZE = 7,
	SDFU_IMG_ERR_HASH_NOT_FOUND = 8,
	SDFU_IMG_ERR_NO_FREE_SLOT = 9,
	SDFU_IMG_ERR_FLASH_OPEN_FAILED = 10,
	SDFU_IMG_ERR_FLASH_READ_FAILED = 11,
	SDFU_IMG_ERR_FLASH_WRITE_FAILED = 12,
	SDFU_IMG_ERR_FLASH_ERASE_FAILED = 13,
	SDFU_IMG_ERR_INVALID_SLOT = 14,
	SDFU_IMG_ERR_NO_FREE_MEMORY = 15,
	SDFU_IMG_ERR_FLASH_CONTEXT_ALREADY_SET = 16,
	SDFU_IMG_ERR_FLASH_CONTEXT_NOT_SET = 17,
	SDFU_IMG_ERR_FLASH_AREA_DEVICE_NULL = 18,
	SDFU_IMG_ERR_INVALID_PAGE_OFFSET = 19,
	SDFU_IMG_ERR_INVALID_OFFSET = 20,
	SDFU_IMG_ERR_INVALID_LENGTH = 21,
	SDFU_IMG_ERR_INVALID_IMAGE_HEADER = 22,
	SDFU_IMG_ERR_INVALID_IMAGE_HEADER_MAGIC = 23,
	SDFU_IMG_ERR_INVALID_HASH = 24,
	SDFU_IMG_ERR_INVALID_FLASH_ADDRESS = 25,
	SDFU_IMG_ERR_VERSION_GET_FAILED = 26,
	SDFU_IMG_ERR_CURRENT_VERSION_IS_NEWER = 27,
	SDFU_IMG_ERR_IMAGE_ALREADY_PENDING = 28,
	SDFU_IMG_ERR_INVALID_IMAGE_VECTOR_TABLE = 29,
	SDFU_IMG_ERR_INVALID_IMAGE_TOO_LARGE = 30,
	SDFU_IMG_ERR_INVALID_IMAGE_DATA_OVERRUN = 31,
	SDFU_IMG_ERR_IMAGE_CONFIRMATION_DENIED = 32,
	SDFU_IMG_ERR_IMAGE_SETTING_TEST_TO_ACTIVE_DENIED = 33,
	SDFU_IMG_ERR_ACTIVE_SLOT_NOT_KNOWN = 34,
};

/* ---- Notifications (callback group SDFU_SMP_CB_GRP_IMG) --------------- */
/** Each accepted upload chunk, before it is written; may veto. data = struct sdfu_img_upload_check. */
#define SDFU_IMG_EVT_DFU_CHUNK SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 0)
/** Upload failed or aborted. No data. */
#define SDFU_IMG_EVT_DFU_STOPPED SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 1)
/** First chunk accepted. No data. */
#define SDFU_IMG_EVT_DFU_STARTED SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 2)
/** Last byte written. No data. */
#define SDFU_IMG_EVT_DFU_PENDING SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 3)
/** Image confirmed. data = struct sdfu_img_confirmed. */
#define SDFU_IMG_EVT_DFU_CONFIRMED SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 4)
/** A chunk (not the last) was written. No data. */
#define SDFU_IMG_EVT_DFU_CHUNK_WRITE_COMPLETE SDFU_SMP_EVT(SDFU_SMP_CB_GRP_IMG, 5)

/** Data of SDFU_IMG_EVT_DFU_CHUNK. */
struct sdfu_img_upload_check {
	uint32_t image;   /**< image number requested */
	uint32_t off;     /**< offset of this chunk */
	uint32_t size;    /**< total image length */
	const uint8_t *data;
	size_t data_len;
	uint8_t slot;     /**< absolute slot being written */
	bool upgrade;
};

/** Data of SDFU_IMG_EVT_DFU_CONFIRMED. */
struct sdfu_img_confirmed {
	uint8_t image;
};

/** Upload session (RAM only). */
struct sdfu_img_upload {
	int8_t slot;       /**< absolute slot being written, -1 = no session */
	uint32_t off;      /**< next expected offset */
	uint32_t size;     /**< total length announced in the first chunk */
	uint8_t sha[SDFU_SHA256_LEN];
	uint8_t sha_len;
	bool upgrade;
	struct sdfu_flash_stream stream;
#if SDFU_IMG_VERIFY_SHA
	struct sdfu_sha256 hash; /**< running SHA-256 of the uploaded bytes */
#endif
};

/** The image group object; caller-owned. */
struct sdfu_img {
	struct sdfu_smp_group grp;
	struct sdfu_smp_server *srv;
	struct sdfu_boot_ctx *boot;
	struct sdfu_img_upload upload;
	/** Bumped by every sdfu_img_upload_reset(); a handler that sees it change
	 *  while it runs drops its work instead of resurrecting the session. */
	volatile uint32_t reset_count;
	/** Image erase may clear a slot scheduled for the next boot (pending test or
	 *  permanent), as Zephyr's MCUMGR_GRP_IMG_ALLOW_ERASE_PENDING (default y) does.
	 *  The running slot and the revert target of an unconfirmed running test image
	 *  are never erased. Unlike Zephyr, an upload still answers NO_FREE_SLOT for a
	 *  pending slot: the client erases it explicitly first (it never overwrites a
	 *  scheduled image by accident). Default SDFU_IMG_ALLOW_ERASE_PENDING; may be
	 *  changed after sdfu_img_init(). */
	bool allow_erase_pending;
};

/**
 * Initialise and register group 1 with `srv`. `boot` gives the slots, the mode,
 * the active slot and the keys; it must outlive the group.
 * Returns 0, SDFU_ERR_EXIST, or SDFU_ERR_NOTSUP when boot->mode is not in
 * SDFU_BOOT_MODES (config.h; all modes by default).
 * Compile-time options (config.h, all 1 by default): SDFU_IMG_ERASE and
 * SDFU_IMG_SLOT_INFO 0 make 1/5 and 1/6 answer rc 8; SDFU_IMG_VALIDATE_ON_TEST 0
 * makes state write schedule an image found by its TLV hash without the full
 * hash/signature validation (as Zephyr's img_mgmt).
 */
int sdfu_img_init(struct sdfu_img *img, struct sdfu_smp_server *srv, struct sdfu_boot_ctx *boot);

/**
 * Forget the upload session (offset 0, no slot, no sha): the next chunk is
 * answered with off 0 and a new first chunk erases again. Thread-safe entry
 * point (takes the port critical section); used by the DFU module on a lock
 * owner change and by image erase.
 */
void sdfu_img_upload_reset(struct sdfu_img *img);

#endif /* SDFU_IMG_H */
