/* SPDX-License-Identifier: Apache-2.0 */
/* Crypto port stubs for the code-size build; real ones (e.g. Mbed TLS) are sized separately. */
#include <stddef.h>
#include <stdint.h>

#include "sdfu/crypto.h"
#include "sdfu/err.h"

/*
 * The Cortex-M reference port has no crypto: a product links Mbed TLS, TinyCrypt, a
 * hardware accelerator or its RTOS's base64. These stubs only resolve the symbols so
 * the size build links; docs/BENCHMARKS.md adds the measured size of Mbed TLS's base64
 * (what the serial transport needs) to the smp_svr-equivalent total.
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

int sdfu_base64_encode(uint8_t *dst, size_t dlen, size_t *olen, const uint8_t *src, size_t slen)
{
	(void)dst;
	(void)dlen;
	(void)src;
	(void)slen;
	*olen = 0;
	return SDFU_ERR_NOTSUP;
}

int sdfu_base64_decode(uint8_t *dst, size_t dlen, size_t *olen, const uint8_t *src, size_t slen)
{
	(void)dst;
	(void)dlen;
	(void)src;
	(void)slen;
	*olen = 0;
	return SDFU_ERR_NOTSUP;
}
