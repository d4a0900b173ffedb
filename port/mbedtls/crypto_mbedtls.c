/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto port for host and target: SHA-256, ECDSA/RSA-PSS through Mbed TLS, Ed25519 through libsodium (host). */
#include <string.h>

#include "sdfu/config.h"

#if SDFU_CRYPTO_ED25519
#include <sodium.h>
#endif

#include <mbedtls/ecdsa.h>
#include <mbedtls/pk.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include "sdfu/crypto.h"
#include "sdfu/err.h"

_Static_assert(sizeof(mbedtls_sha256_context) <= SDFU_SHA256_CTX_SIZE,
	       "SDFU_SHA256_CTX_SIZE too small for mbedtls_sha256_context");

static mbedtls_sha256_context *sha_ctx(struct sdfu_sha256 *ctx)
{
	return (mbedtls_sha256_context *)(void *)ctx->u.raw;
}

int sdfu_sha256_start(struct sdfu_sha256 *ctx)
{
	mbedtls_sha256_init(sha_ctx(ctx));
	return mbedtls_sha256_starts_ret(sha_ctx(ctx), 0) == 0 ? SDFU_OK : SDFU_ERR_IO;
}

int sdfu_sha256_update(struct sdfu_sha256 *ctx, const void *data, size_t len)
{
	return mbedtls_sha256_update_ret(sha_ctx(ctx), data, len) == 0 ? SDFU_OK : SDFU_ERR_IO;
}

int sdfu_sha256_finish(struct sdfu_sha256 *ctx, uint8_t out[SDFU_SHA256_LEN])
{
	int rc = mbedtls_sha256_finish_ret(sha_ctx(ctx), out);

	mbedtls_sha256_free(sha_ctx(ctx));
	return rc == 0 ? SDFU_OK : SDFU_ERR_IO;
}

#if SDFU_CRYPTO_ED25519
/*
 * SubjectPublicKeyInfo of an Ed25519 key (RFC 8410), as imgtool embeds it: SEQUENCE {
 * SEQUENCE { OID 1.3.101.112 }, BIT STRING (0 unused bits) } -- a fixed 12-byte prefix
 * followed by the 32-byte public key.
 */
static const uint8_t ed25519_spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
						0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

/*
 * Ed25519 as MCUboot checks it (bootutil image_ed25519.c): the key must be that SPKI, the
 * signature exactly 64 bytes, and the signed message is the 32-byte image hash (imgtool's
 * default, non-"pure" Ed25519 signing: Ed25519Key.sign_digest(sha256 digest)).
 * Mbed TLS 2.28 has no Ed25519, so this goes to libsodium.
 */
static int ed25519_verify(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
			  const uint8_t *sig, size_t sig_len)
{
	const size_t plen = sizeof(ed25519_spki_prefix);

	if (key_len != plen + crypto_sign_PUBLICKEYBYTES ||
	    memcmp(key, ed25519_spki_prefix, plen) != 0 || sig_len != crypto_sign_BYTES) {
		return SDFU_ERR_INVAL;
	}
	if (sodium_init() < 0) {
		return SDFU_ERR_IO;
	}
	return crypto_sign_verify_detached(sig, msg, msg_len, key + plen) == 0 ? SDFU_OK
									       : SDFU_ERR_VERIFY;
}
#else
static int ed25519_verify(const uint8_t *key, size_t key_len, const uint8_t *msg, size_t msg_len,
			  const uint8_t *sig, size_t sig_len)
{
	(void)key, (void)key_len, (void)msg, (void)msg_len, (void)sig, (void)sig_len;
	return SDFU_ERR_NOTSUP;
}
#endif

int sdfu_sig_verify(enum sdfu_sig_alg alg, const uint8_t *key, size_t key_len,
		    const uint8_t *hash, size_t hash_len, const uint8_t *sig, size_t sig_len)
{
	mbedtls_pk_context pk;
	int rc;
	int ret = SDFU_ERR_VERIFY;

	if (alg == SDFU_SIG_ED25519) {
		return ed25519_verify(key, key_len, hash, hash_len, sig, sig_len);
	}
	mbedtls_pk_init(&pk);
	rc = mbedtls_pk_parse_public_key(&pk, key, key_len);
	if (rc != 0) {
		mbedtls_pk_free(&pk);
		return SDFU_ERR_INVAL;
	}
	switch (alg) {
	case SDFU_SIG_ECDSA_P256:
		if (!mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECKEY)) {
			ret = SDFU_ERR_INVAL;
			break;
		}
		rc = mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, hash, hash_len, sig, sig_len);
		ret = rc == 0 ? SDFU_OK : SDFU_ERR_VERIFY;
		break;
	case SDFU_SIG_RSA2048_PSS: {
		mbedtls_pk_rsassa_pss_options opt = {
			.mgf1_hash_id = MBEDTLS_MD_SHA256,
			.expected_salt_len = 32,
		};
		if (!mbedtls_pk_can_do(&pk, MBEDTLS_PK_RSA)) {
			ret = SDFU_ERR_INVAL;
			break;
		}
		rc = mbedtls_pk_verify_ext(MBEDTLS_PK_RSASSA_PSS, &opt, &pk, MBEDTLS_MD_SHA256, hash,
					   hash_len, sig, sig_len);
		ret = rc == 0 ? SDFU_OK : SDFU_ERR_VERIFY;
		break;
	}
	default:
		ret = SDFU_ERR_NOTSUP;
		break;
	}
	mbedtls_pk_free(&pk);
	return ret;
}
