/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto port: SHA-256, signature verification, provided by the port (Mbed TLS + libsodium on the host). */
#ifndef SDFU_CRYPTO_H
#define SDFU_CRYPTO_H

#include "sdfu/config.h"
#include <stddef.h>
#include <stdint.h>


#define SDFU_SHA256_LEN 32

/** Caller-owned SHA-256 context; the port keeps its state in `raw`. */
struct sdfu_sha256 {
	union {
		uint64_t align;
		uint8_t raw[SDFU_SHA256_CTX_SIZE];
	} u;
};

/** Start a hash. Returns 0 or SDFU_ERR_IO. */
int sdfu_sha256_start(struct sdfu_sha256 *ctx);
/** Add `len` bytes. Returns 0 or SDFU_ERR_IO. */
int sdfu_sha256_update(struct sdfu_sha256 *ctx, const void *data, size_t len);
/** Write the 32-byte digest to `out`. Returns 0 or SDFU_ERR_IO. */
int sdfu_sha256_finish(struct sdfu_sha256 *ctx, uint8_t out[SDFU_SHA256_LEN]);

/** Signature schemes as stored in MCUboot TLVs. */
enum sdfu_sig_alg {
	SDFU_SIG_ECDSA_P256 = 1, /**< TLV 0x22, DER signature over the 32-byte image hash */
	SDFU_SIG_RSA2048_PSS = 2, /**< TLV 0x20, RSA-PSS (SHA-256, MGF1, salt 32) */
	SDFU_SIG_ED25519 = 3,    /**< TLV 0x24, over the 32-byte image hash */
};

/**
 * Verify `sig` over `hash` (32 bytes) with the public key `key` in the DER form
 * imgtool embeds (SubjectPublicKeyInfo for EC and Ed25519, PKCS#1 RSAPublicKey for
 * RSA). Ed25519 signs the 32-byte hash itself as its message (imgtool's default,
 * not "pure"), and its signature is exactly 64 bytes.
 * Returns 0 when valid, SDFU_ERR_VERIFY when the signature does not match,
 * SDFU_ERR_INVAL on a malformed key or signature, SDFU_ERR_NOTSUP when the port
 * lacks the algorithm, SDFU_ERR_IO when the crypto library cannot start.
 * The host port uses Mbed TLS (ECDSA, RSA) and libsodium (Ed25519).
 */
int sdfu_sig_verify(enum sdfu_sig_alg alg, const uint8_t *key, size_t key_len,
		    const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len);

#endif /* SDFU_CRYPTO_H */
