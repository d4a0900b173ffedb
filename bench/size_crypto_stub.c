/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto port stubs (SHA-256, signatures) for the code-size build; not referenced by the smp_svr set. */
#include <stddef.h>
#include <stdint.h>

#include "sdfu/crypto.h"
#include "sdfu/err.h"

/*
 * The Cortex-M reference port has no crypto: a product links Mbed TLS, TinyCrypt or a
 * hardware accelerator. These stubs only resolve the symbols so the size build links.
 * The smp_svr configuration (SDFU_IMG_VERIFY_SHA 0, SDFU_IMG_VALIDATE_ON_TEST 0) links
 * none of them, so its figure contains no stub; base64 is real core code
 * (src/util/base64.c) and is counted.
 */
int sdfu_sha256_start(struct sdfu_sha256 *ctx)
{
	(void)ctx;
	return SDFU_ERR_NOTSUP;
}

int sdfu_sha256_update(struct sdfu_sha256 *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)data;
	(void)len;
	return SDFU_ERR_NOTSUP;
}

int sdfu_sha256_finish(struct sdfu_sha256 *ctx, uint8_t out[SDFU_SHA256_LEN])
{
	(void)ctx;
	(void)out;
	return SDFU_ERR_NOTSUP;
}

int sdfu_sig_verify(enum sdfu_sig_alg alg, const uint8_t *key, size_t key_len, const uint8_t *hash,
		    size_t hash_len, const uint8_t *sig, size_t sig_len)
{
	(void)alg;
	(void)key;
	(void)key_len;
	(void)hash;
	(void)hash_len;
	(void)sig;
	(void)sig_len;
	return SDFU_ERR_NOTSUP;
}
