/* SPDX-License-Identifier: Apache-2.0 */
/* Mbed TLS 2.28 configuration for the bare-metal Cortex-M firmware: verify-only crypto, static heap. */
#ifndef SDFU_MBEDTLS_CONFIG_BAREMETAL_H
#define SDFU_MBEDTLS_CONFIG_BAREMETAL_H

/*
 * Only what port/mbedtls/crypto_mbedtls.c needs: SHA-256, ECDSA P-256 and
 * RSA-2048-PSS signature verification over keys parsed from DER (SubjectPublicKeyInfo /
 * PKCS#1 RSAPublicKey). No entropy, no time, no file system, no libc heap: Mbed TLS
 * allocates from the static buffer given to mbedtls_memory_buffer_alloc_init() by the board.
 */

/* System */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS
/* Fatal errors of the buffer allocator end in the board's handler (log + reset). */
void sdfu_mbedtls_exit(int status);
#define MBEDTLS_PLATFORM_EXIT_MACRO sdfu_mbedtls_exit
/* The allocator's debug dumps go nowhere (its arguments, stderr included, are dropped). */
#define MBEDTLS_PLATFORM_FPRINTF_MACRO(...) 0
/* Only oid.c's numeric-string helper formats; the firmware never calls it (gc-sections drops it). */
#include <stdio.h>
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO snprintf
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
/* Keeps the allocator's peak (mbedtls_memory_buffer_alloc_max_get), reported by the firmware. */
#define MBEDTLS_MEMORY_DEBUG
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 8

/* Hashes and codecs (base64 is the core's: src/util/base64.c) */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_MD_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* required by MBEDTLS_ECDSA_C */
#define MBEDTLS_OID_C

/* Public keys */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
/* Verification handles no secret, so no blinding RNG is needed (and there is no DRBG here). */
#define MBEDTLS_ECP_NO_INTERNAL_RNG
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_MPI_MAX_SIZE 256 /* RSA-2048 */
#define MBEDTLS_MPI_WINDOW_SIZE 2

#include "mbedtls/check_config.h"

#endif /* SDFU_MBEDTLS_CONFIG_BAREMETAL_H */
