/* SPDX-License-Identifier: Apache-2.0 */
/* The tests' one image builder: unsigned MCUboot images in memory, or signed ones with imgtool. */
#ifndef SDFU_IMAGE_BUILDER_H
#define SDFU_IMAGE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- in memory, no tools (unit, fuzz and power-loss tests) ----------------- */

/** Largest image ib_build() makes, header and TLVs included. */
#define IB_IMAGE_MAX (64u * 1024u)
/** Header size of the images ib_build() makes. */
#define IB_HDR_SIZE 0x200u

/** An MCUboot image in memory and the two hashes SMP clients see. */
struct test_image {
	uint8_t buf[IB_IMAGE_MAX];
	size_t len;
	uint8_t hash[32];     /**< SHA256 TLV value (the image state "hash") */
	uint8_t file_sha[32]; /**< SHA-256 of the whole file (the upload "sha") */
};

/**
 * Build an unsigned image into `im`: an IB_HDR_SIZE header (magic, `body_len`,
 * `flags`, version maj.min.rev+0, load address 0), a pseudo-random body from
 * `seed`, and a TLV area with the SHA256 entry only. Deterministic: the same
 * arguments give the same bytes. Returns 0, or -1 when it does not fit
 * IB_IMAGE_MAX or the crypto port fails. Uses the crypto port's SHA-256.
 */
int ib_build(struct test_image *im, uint8_t maj, uint8_t min, uint16_t rev, uint32_t body_len,
	     uint32_t seed, uint32_t flags);

/** Little-endian stores (image headers and TLVs). */
void ib_put_le16(uint8_t *p, uint16_t v);
void ib_put_le32(uint8_t *p, uint32_t v);

/** SHA-256 of `len` bytes into `out`. 0 or -1 (crypto port error). */
int ib_sha256(const void *data, size_t len, uint8_t out[32]);

/**
 * Find the SHA256 TLV value of an image (header size and body length from its
 * header, then the unprotected TLV area). 0, or -1 when the header or TLV area
 * is malformed or has no 32-byte SHA256 entry.
 */
int ib_tlv_sha256(const uint8_t *img, size_t len, uint8_t out[32]);

/* ---- with imgtool (keys, signatures, trailers) -------------------------------- */

/*
 * imgtool comes from $SDFU_VENV/bin/imgtool (CTest sets SDFU_VENV to the repo's .venv;
 * fallback: the .venv next to the source tree). Files go to a per-process directory
 * under $SDFU_TEST_TMP (fallback /tmp). Every function returns 0 on success and -1 on
 * failure (the reason is printed to stderr). Buffers returned through `uint8_t **` are
 * malloc'd and owned by the caller (free()). Not thread-safe.
 */

/** Key types accepted by ib_key(). */
#define IB_KEY_NONE NULL
#define IB_KEY_EC "ecdsa-p256"
#define IB_KEY_RSA "rsa-2048"
#define IB_KEY_ED "ed25519"

/** Per-process temp directory (created on first use, removed at exit unless SDFU_TEST_KEEP=1). */
const char *ib_tmpdir(void);

/**
 * Path of a private key of `type` named `name` (keygen on first use, cached for the
 * process). `name` lets a test have two keys of one type ("a", "b").
 */
const char *ib_key(const char *type, const char *name);

/** Public key DER exactly as imgtool embeds / hashes it (`imgtool getpub -e raw`). */
int ib_pubkey_der(const char *key_path, uint8_t **der, size_t *len);

/** Options for ib_sign(); zero-init then set what you need. */
struct ib_sign_opts {
	const char *key;          /**< private key path, NULL = unsigned */
	const char *version;      /**< "1.2.3+4"; NULL = "1.0.0" */
	uint32_t header_size;     /**< 0 = 0x200 */
	uint32_t slot_size;       /**< required */
	unsigned align;           /**< --align; 0 = omitted (imgtool default 1) */
	bool pad;                 /**< --pad (trailer magic: pending test) */
	bool confirm;             /**< --confirm (implies pad, image_ok set) */
	bool overwrite_only;      /**< --overwrite-only */
	bool pubkey_full;         /**< --public-key-format full (PUBKEY TLV instead of KEYHASH) */
	const char *extra;        /**< extra raw arguments appended (e.g. "-s 3"), may be NULL */
};

/**
 * Sign `body` (len bytes, header padded in with --pad-header) into a new file and load
 * the result into memory (`*img`, `*img_len`). `out_path` (may be NULL) receives the
 * file path (static buffer reused on the next call).
 */
int ib_sign(const struct ib_sign_opts *o, const uint8_t *body, size_t body_len, uint8_t **img,
	    size_t *img_len, const char **out_path);

/** Deterministic pseudo-random body of `len` bytes from `seed` (malloc'd). */
uint8_t *ib_body(size_t len, uint32_t seed);

/** Load a whole file. */
int ib_load(const char *path, uint8_t **buf, size_t *len);
/** Write a whole file. */
int ib_save(const char *path, const uint8_t *buf, size_t len);

/** Run a shell command line; 0 when it exits with status 0 (stdout discarded, stderr kept). */
int ib_run(const char *cmd);

/** Path of the imgtool executable. */
const char *ib_imgtool(void);

#endif /* SDFU_IMAGE_BUILDER_H */
