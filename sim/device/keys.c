/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device --key: load a PEM/DER key (ECDSA, RSA, Ed25519) and keep the public part as imgtool embeds it. */
#include <stdio.h>
#include <string.h>

#include <mbedtls/pk.h>
#include <sodium.h>

#include "device.h"
#include "sdfu/base64.h"
#include "sdfu/crypto.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "device"

/*
 * Ed25519 keys (RFC 8410), which Mbed TLS 2.28 cannot parse: the public key as the
 * 44-byte SubjectPublicKeyInfo imgtool embeds (12-byte prefix + 32-byte key), or the
 * private key as PKCS#8 `imgtool keygen -t ed25519` writes (16-byte prefix + 32-byte seed;
 * version 0, or 1 with the optional public key after the seed).
 */
static const uint8_t ed_spki_prefix[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
					   0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
/* after SEQUENCE(len) INTEGER(version): AlgorithmIdentifier{Ed25519}, OCTET STRING{OCTET STRING(32)} */
static const uint8_t ed_pkcs8_alg_seed[11] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,
					      0x70, 0x04, 0x22, 0x04, 0x20};

static size_t read_file(const char *path, uint8_t *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL) {
		return 0;
	}
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

/* Base64 body of the first PEM block (any label) into `der`. 0 or -1. */
static int pem_body(const char *text, uint8_t *der, size_t size, size_t *olen)
{
	static const char end_tag[] = "-----END ";
	const char *b = strstr(text, "-----BEGIN ");
	const char *e;
	uint8_t b64[4096];
	size_t t = 0;

	if (b == NULL || (b = strstr(b + 11, "-----")) == NULL) {
		return -1;
	}
	e = strstr(b, end_tag);
	if (e == NULL) {
		return -1;
	}
	for (const char *p = b + 5; p < e; p++) {
		if (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t') {
			continue;
		}
		if (t == sizeof(b64)) {
			return -1;
		}
		b64[t++] = (uint8_t)*p;
	}
	return sdfu_base64_decode(der, size, olen, b64, t) == 0 ? 0 : -1;
}

/* An Ed25519 public (SPKI) or private (PKCS#8) key, PEM or DER, to the SPKI in `k`. 0 or -1. */
static int load_ed25519(const uint8_t *raw, size_t n, struct device_key *k)
{
	uint8_t der[256];
	size_t len = 0;

	if (strstr((const char *)raw, "-----BEGIN ") != NULL) {
		if (pem_body((const char *)raw, der, sizeof(der), &len) != 0) {
			return -1;
		}
	} else {
		if (n > sizeof(der)) {
			return -1;
		}
		memcpy(der, raw, n);
		len = n;
	}
	if (len == sizeof(ed_spki_prefix) + crypto_sign_PUBLICKEYBYTES &&
	    memcmp(der, ed_spki_prefix, sizeof(ed_spki_prefix)) == 0) {
		memcpy(k->der, der, len);
		k->der_len = len;
		return 0;
	}
	/* PKCS#8: 30 LL 02 01 0V <alg+seed wrapper> <32-byte seed> [attributes, public key] */
	if (len >= 16u + crypto_sign_SEEDBYTES && der[0] == 0x30 && der[1] == len - 2u &&
	    der[2] == 0x02 && der[3] == 0x01 && der[4] <= 1u &&
	    memcmp(&der[5], ed_pkcs8_alg_seed, sizeof(ed_pkcs8_alg_seed)) == 0) {
		uint8_t pk[crypto_sign_PUBLICKEYBYTES];
		uint8_t sk[crypto_sign_SECRETKEYBYTES];
		int rc;

		if (sodium_init() < 0) {
			return -1;
		}
		rc = crypto_sign_seed_keypair(pk, sk, &der[16]);
		sodium_memzero(sk, sizeof(sk));
		sodium_memzero(der, sizeof(der));
		if (rc != 0) {
			return -1;
		}
		memcpy(k->der, ed_spki_prefix, sizeof(ed_spki_prefix));
		memcpy(k->der + sizeof(ed_spki_prefix), pk, sizeof(pk));
		k->der_len = sizeof(ed_spki_prefix) + sizeof(pk);
		return 0;
	}
	return -1;
}

int device_key_load(const char *path, struct device_key *k, struct sdfu_boot_key *out)
{
	static uint8_t raw[8192];
	uint8_t tmp[DEVICE_KEY_DER_MAX];
	mbedtls_pk_context pk;
	size_t n = read_file(path, raw, sizeof(raw));
	int rc;

	if (n == 0) {
		SDFU_LOGE("cannot read key file %s", path);
		return -1;
	}
	mbedtls_pk_init(&pk);
	rc = mbedtls_pk_parse_public_key(&pk, raw, strstr((char *)raw, "-----") ? n + 1 : n);
	if (rc != 0) {
		mbedtls_pk_free(&pk);
		mbedtls_pk_init(&pk);
		rc = mbedtls_pk_parse_key(&pk, raw, strstr((char *)raw, "-----") ? n + 1 : n, NULL,
					  0);
	}
	if (rc != 0) {
		mbedtls_pk_free(&pk);
		if (load_ed25519(raw, n, k) == 0) {
			out->alg = SDFU_SIG_ED25519;
			out->der = k->der;
			out->der_len = k->der_len;
			SDFU_LOGI("key %s: ed25519 (%zu bytes)", path, k->der_len);
			return 0;
		}
		SDFU_LOGE("key %s: not a usable PEM/DER key (-0x%04x): expected an unencrypted "
			  "ECDSA P-256, RSA or Ed25519 key, private or public", path,
			  (unsigned)-rc);
		return -1;
	}
	if (mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECKEY)) {
		/* SubjectPublicKeyInfo, written at the end of tmp */
		rc = mbedtls_pk_write_pubkey_der(&pk, tmp, sizeof(tmp));
		out->alg = SDFU_SIG_ECDSA_P256;
	} else if (mbedtls_pk_can_do(&pk, MBEDTLS_PK_RSA)) {
		/* PKCS#1 RSAPublicKey, written backwards from the end of tmp */
		unsigned char *p = tmp + sizeof(tmp);

		rc = mbedtls_pk_write_pubkey(&p, tmp, &pk);
		out->alg = SDFU_SIG_RSA2048_PSS;
	} else {
		rc = -1;
	}
	mbedtls_pk_free(&pk);
	if (rc <= 0) {
		SDFU_LOGE("key %s: unsupported key type", path);
		return -1;
	}
	memcpy(k->der, tmp + sizeof(tmp) - (size_t)rc, (size_t)rc);
	k->der_len = (size_t)rc;
	out->der = k->der;
	out->der_len = k->der_len;
	SDFU_LOGI("key %s: %s (%zu bytes)", path,
		  out->alg == SDFU_SIG_ECDSA_P256 ? "ecdsa-p256" : "rsa", k->der_len);
	return 0;
}
