/* SPDX-License-Identifier: Apache-2.0 */
/* MCUboot compatibility, application side: image header/TLV checks, slot trailers, swap type. */
#ifndef SDFU_BOOT_H
#define SDFU_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/crypto.h"
#include "sdfu/flash.h"

/* ---- On-flash constants (MCUboot names kept for compatibility) -------- */
#define SDFU_IMAGE_MAGIC 0x96f3b83du
#define SDFU_IMAGE_HEADER_SIZE 32u
#define SDFU_IMAGE_F_NON_BOOTABLE 0x10u
#define SDFU_IMAGE_F_RAM_LOAD 0x20u
#define SDFU_IMAGE_F_ROM_FIXED 0x100u
#define SDFU_TLV_INFO_MAGIC 0x6907u
#define SDFU_TLV_PROT_INFO_MAGIC 0x6908u
#define SDFU_TLV_KEYHASH 0x01u
#define SDFU_TLV_PUBKEY 0x02u
#define SDFU_TLV_SHA256 0x10u
#define SDFU_TLV_RSA2048_PSS 0x20u
#define SDFU_TLV_ECDSA_SIG 0x22u
#define SDFU_TLV_ED25519 0x24u

/** Image version (major.minor.revision+build). */
struct sdfu_image_version {
	uint8_t major;
	uint8_t minor;
	uint16_t revision;
	uint32_t build;
};

/** Parsed 32-byte image header. */
struct sdfu_image_header {
	uint32_t magic;
	uint32_t load_addr;
	uint16_t hdr_size;
	uint16_t protect_tlv_size;
	uint32_t img_size;
	uint32_t flags;
	struct sdfu_image_version ver;
};

/**
 * Parse a header from `len` bytes (little-endian). Returns 0, SDFU_ERR_INVAL if
 * len < 32, SDFU_ERR_CORRUPT if the magic is wrong or sizes are inconsistent
 * (hdr_size < 32).
 */
int sdfu_image_header_parse(const uint8_t *buf, size_t len, struct sdfu_image_header *hdr);

/** Compare versions (major, minor, revision, and build when `use_build`): <0, 0, >0. */
int sdfu_image_version_cmp(const struct sdfu_image_version *a, const struct sdfu_image_version *b,
			   bool use_build);
/** Render "maj.min.rev" plus ".build" when build != 0. Returns the length written (buf >= 25). */
int sdfu_image_version_str(const struct sdfu_image_version *v, char *buf, size_t size);

/** What img_mgmt needs to know about a slot. */
struct sdfu_image_info {
	struct sdfu_image_header hdr;
	uint8_t hash[SDFU_SHA256_LEN]; /**< the SHA256 TLV value */
	uint32_t total_size;           /**< header + body + all TLV areas */
};

/**
 * Read a slot's header and find its SHA256 TLV (img_mgmt rules). Returns 0, or
 * SDFU_ERR_NOENT (erased header: no image), SDFU_ERR_CORRUPT (bad magic, no
 * TLV info, malformed or duplicated TLV, no hash TLV), SDFU_ERR_IO. Every length
 * is bounds-checked against the area size.
 */
int sdfu_image_read_info(const struct sdfu_flash_area *fa, struct sdfu_image_info *info);

/** A trusted public key (DER as imgtool emits). */
struct sdfu_boot_key {
	enum sdfu_sig_alg alg;
	const uint8_t *der;
	size_t der_len;
};

/** The keys a device trusts; with count == 0 unsigned images (hash only) are accepted. */
struct sdfu_boot_keys {
	const struct sdfu_boot_key *keys;
	size_t count;
};

/**
 * Full validation as MCUboot does before booting: header, TLV layout, SHA-256
 * over header+body+protected TLVs equal to the hash TLV, and (when keys are
 * given) a signature TLV by a trusted key (matched by KEYHASH or PUBKEY TLV).
 * Returns 0, SDFU_ERR_NOENT (no image), SDFU_ERR_CORRUPT (malformed),
 * SDFU_ERR_VERIFY (hash or signature mismatch), SDFU_ERR_IO.
 * With keys: signatures by unknown keys, of another algorithm, or placed before
 * the hash TLV are ignored; one good signature suffices; an algorithm the crypto
 * port lacks never verifies (the host port has ECDSA P-256, RSA-2048-PSS, and Ed25519
 * through libsodium: signature over the 32-byte hash, as imgtool signs by default). `keys` may be NULL and
 * `info` may be NULL. Uses ~450 bytes of stack; reads the slot in 128-byte chunks.
 */
int sdfu_image_validate(const struct sdfu_flash_area *fa, const struct sdfu_boot_keys *keys,
			struct sdfu_image_info *info);

/**
 * Feed area bytes [off, off+len) into a started SHA-256 (chunked reads, no big
 * buffer). The caller owns `sha` and finishes it. Returns 0, a flash error
 * (SDFU_ERR_RANGE past the area) or SDFU_ERR_IO from the crypto port.
 */
int sdfu_image_hash_range(const struct sdfu_flash_area *fa, uint32_t off, uint32_t len,
			  struct sdfu_sha256 *sha);

/* ---- Trailer ----------------------------------------------------------- */
enum sdfu_boot_magic_state { SDFU_BOOT_MAGIC_UNSET = 0, SDFU_BOOT_MAGIC_GOOD, SDFU_BOOT_MAGIC_BAD };
enum sdfu_boot_flag_state { SDFU_BOOT_FLAG_UNSET = 0, SDFU_BOOT_FLAG_SET, SDFU_BOOT_FLAG_BAD };

/** MCUboot swap types (values as BOOT_SWAP_TYPE_*). */
enum sdfu_boot_swap_type {
	SDFU_BOOT_SWAP_NONE = 1,
	SDFU_BOOT_SWAP_TEST = 2,
	SDFU_BOOT_SWAP_PERM = 3,
	SDFU_BOOT_SWAP_REVERT = 4,
	SDFU_BOOT_SWAP_FAIL = 5,
	SDFU_BOOT_SWAP_PANIC = 0xff,
};

/** Bootloader modes; values are MCUboot's MCUBOOT_MODE_* (reported by OS 0/8). */
enum sdfu_boot_mode {
	SDFU_BOOT_MODE_SWAP_SCRATCH = 1,
	SDFU_BOOT_MODE_OVERWRITE_ONLY = 2,
	SDFU_BOOT_MODE_SWAP_MOVE = 3,
	SDFU_BOOT_MODE_DIRECT_XIP = 4,
	SDFU_BOOT_MODE_DIRECT_XIP_REVERT = 5,
};

/** True when the build supports bootloader mode `m` (SDFU_BOOT_MODES, config.h); a constant. */
#define SDFU_BOOT_MODE_ENABLED(m) ((((unsigned)(SDFU_BOOT_MODES)) >> (unsigned)(m)) & 1u)
/** `mode` is one of the enabled direct-XIP modes (folds to false when none is enabled). */
#define SDFU_BOOT_IS_DIRECT_XIP(mode)                                                        \
	((SDFU_BOOT_MODE_ENABLED(SDFU_BOOT_MODE_DIRECT_XIP) &&                               \
	  (mode) == SDFU_BOOT_MODE_DIRECT_XIP) ||                                           \
	 (SDFU_BOOT_MODE_ENABLED(SDFU_BOOT_MODE_DIRECT_XIP_REVERT) &&                        \
	  (mode) == SDFU_BOOT_MODE_DIRECT_XIP_REVERT))
/** `mode` is exactly `m` and `m` is enabled (folds to false when `m` is compiled out). */
#define SDFU_BOOT_MODE_IS(mode, m) (SDFU_BOOT_MODE_ENABLED(m) && (mode) == (m))

/** Decoded trailer of one slot. */
struct sdfu_boot_trailer {
	enum sdfu_boot_magic_state magic;
	enum sdfu_boot_flag_state image_ok;
	enum sdfu_boot_flag_state copy_done;
	uint8_t swap_type; /**< low nibble of swap_info (SDFU_BOOT_SWAP_*), NONE when erased/invalid */
	uint8_t image_num; /**< high nibble of swap_info */
	uint32_t swap_size; /**< 0xFFFFFFFF when unset */
};

/** Trailer geometry for a write alignment `align` (1..32), derived as MCUboot does. */
struct sdfu_boot_trailer_layout {
	uint32_t magic_off;     /**< area offset of the 16 magic bytes */
	uint32_t image_ok_off;
	uint32_t copy_done_off;
	uint32_t swap_info_off;
	uint32_t swap_size_off;
	uint32_t status_off;    /**< start of the swap-status area (swap modes) */
	uint32_t trailer_size;  /**< bytes from status_off (or swap_size_off) to the slot end */
	uint16_t align;         /**< max(write_align, 8)-style field alignment used */
};

/** Compute the layout for `fa` in `mode`. */
void sdfu_boot_trailer_layout(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode,
			      struct sdfu_boot_trailer_layout *lo);
/** Read and decode the trailer. 0 or SDFU_ERR_IO. */
int sdfu_boot_trailer_read(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode,
			   struct sdfu_boot_trailer *tr);
/** The 16 trailer magic bytes for a given alignment. */
void sdfu_boot_trailer_magic(uint16_t align, uint8_t out[16]);
/** Write single fields (each a padded aligned block). 0 or a flash error. */
int sdfu_boot_write_magic(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode);
int sdfu_boot_write_image_ok(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode);
int sdfu_boot_write_copy_done(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode);
int sdfu_boot_write_swap_info(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode,
			      uint8_t swap_type, uint8_t image_num);
int sdfu_boot_write_swap_size(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode,
			      uint32_t swap_size);
/** Erase the sector(s) holding the trailer of `fa`. */
int sdfu_boot_erase_trailer(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode);

/**
 * MCUboot's swap decision from the two trailers (boot_swap_tables). Pure. Rows in
 * order: secondary GOOD + image_ok UNSET -> TEST; secondary GOOD + image_ok SET ->
 * PERM; primary GOOD, image_ok UNSET, copy_done SET and secondary magic UNSET ->
 * REVERT (MCUboot's table wants the secondary UNSET here; spec §8.5 says "any");
 * otherwise NONE.
 */
enum sdfu_boot_swap_type sdfu_boot_swap_type_decide(const struct sdfu_boot_trailer *primary,
						    const struct sdfu_boot_trailer *secondary);
/** Read both trailers and decide. A read error on the secondary counts as empty. */
enum sdfu_boot_swap_type sdfu_boot_swap_type(const struct sdfu_flash_area *primary,
					     const struct sdfu_flash_area *secondary,
					     enum sdfu_boot_mode mode);

/**
 * boot_set_next: mark `fa` for the next boot. For swap/overwrite modes:
 * active+confirm writes image_ok; non-active writes magic (+image_ok when
 * `confirm`) + swap_info (test 2 / perm 3). Direct-XIP: magic, then copy_done
 * and image_ok when confirming. Returns 0, SDFU_ERR_CORRUPT for a BAD magic
 * (BOOT_EBADIMAGE / EBADVECT when active), or a flash error.
 * A non-active slot with a BAD magic is erased whole (as MCUboot does) before
 * SDFU_ERR_CORRUPT is returned; fields already set are never rewritten.
 */
int sdfu_boot_set_next(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode, bool active,
		       bool confirm);
/** Request an upgrade of the secondary (test or permanent). */
int sdfu_boot_request_upgrade(const struct sdfu_flash_area *secondary, enum sdfu_boot_mode mode,
			      bool permanent);
/** Confirm the running image (boot_write_img_confirmed). */
int sdfu_boot_confirm(const struct sdfu_flash_area *active, enum sdfu_boot_mode mode);

/* ---- Boot context seen by the application ------------------------------ */
/**
 * What the application knows about its boot: mode, both slots of image 0,
 * which slot runs, trusted keys. Caller-owned; filled by the platform (the
 * host bootloader simulation) before the groups are initialised.
 */
struct sdfu_boot_ctx {
	enum sdfu_boot_mode mode;
	const struct sdfu_flash_area *slot[2]; /**< [0] primary, [1] secondary */
	uint8_t active_slot;                   /**< 0 or 1 (1 only in direct-XIP) */
	struct sdfu_boot_keys keys;
	bool downgrade_prevention;             /**< reported by bootloader info */
};

#endif /* SDFU_BOOT_H */
