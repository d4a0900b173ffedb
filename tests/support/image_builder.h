/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers: make MCUboot images with the venv's imgtool (keys, signing) and load files. */
#ifndef SDFU_IMAGE_BUILDER_H
#define SDFU_IMAGE_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
