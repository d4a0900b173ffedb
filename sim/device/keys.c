/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device --key: load a PEM/DER key and keep the public part in the form imgtool embeds. */
#include <stdio.h>
#include <string.h>

#include <mbedtls/pk.h>

#include "device.h"
#include "sdfu/crypto.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "device"

/* OID 1.3.101.112 (Ed25519) as DER bytes, found inside a SubjectPublicKeyInfo. */
static const uint8_t oid_ed25519[] = {0x06, 0x03, 0x2B, 0x65, 0x70};

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

/* Ed25519 SubjectPublicKeyInfo (PEM "PUBLIC KEY" or DER); Mbed TLS 2.28 cannot parse it. */
static int load_ed25519(const uint8_t *raw, size_t n, struct device_key *k)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	static const char end[] = "-----END PUBLIC KEY-----";
	const char *b = strstr((const char *)raw, begin);
	size_t olen = 0;

	if (b != NULL) {
		const char *e = strstr(b, end);
		uint8_t text[1024];
		size_t t = 0;
		const char *p;

		if (e == NULL) {
			return -1;
		}
		for (p = b + sizeof(begin) - 1; p < e && t < sizeof(text); p++) {
			if (*p != '\n' && *p != '\r' && *p != ' ') {
				text[t++] = (uint8_t)*p;
			}
		}
		if (sdfu_base64_decode(k->der, sizeof(k->der), &olen, text, t) != 0) {
			return -1;
		}
	} else {
		if (n > sizeof(k->der)) {
			return -1;
		}
		memcpy(k->der, raw, n);
		olen = n;
	}
	if (olen < 44 || memmem(k->der, olen, oid_ed25519, sizeof(oid_ed25519)) == NULL) {
		return -1;
	}
	k->der_len = olen;
	return 0;
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
		SDFU_LOGE("key %s: not a usable PEM/DER key (-0x%04x); for Ed25519 pass the public "
			  "key (imgtool getpub --encoding pem)", path, (unsigned)-rc);
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
