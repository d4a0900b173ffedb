/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for image header/TLV parsing and validation with imgtool-made images. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/sim_boot.h"
#include "fake_port.h"
#include "flash/sim_flash.h"
#include "image_builder.h"
#include "sdfu/boot.h"
#include "sdfu/crypto.h"
#include "sdfu/err.h"

#define SLOT 0x76000u

struct key {
	uint8_t *der;
	size_t len;
	struct sdfu_boot_key k;
};

static struct key ec_a, ec_b, rsa_a;

static void load_key(struct key *k, const char *type, const char *name, enum sdfu_sig_alg alg)
{
	const char *p = ib_key(type, name);

	assert_non_null(p);
	assert_int_equal(ib_pubkey_der(p, &k->der, &k->len), 0);
	k->k.alg = alg;
	k->k.der = k->der;
	k->k.der_len = k->len;
}

static int setup(void **state)
{
	(void)state;
	fake_port_reset_state();
	load_key(&ec_a, IB_KEY_EC, "a", SDFU_SIG_ECDSA_P256);
	load_key(&ec_b, IB_KEY_EC, "b", SDFU_SIG_ECDSA_P256);
	load_key(&rsa_a, IB_KEY_RSA, "a", SDFU_SIG_RSA2048_PSS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(ec_a.der);
	free(ec_b.der);
	free(rsa_a.der);
	return 0;
}

/* Make an image with imgtool; caller frees. */
static uint8_t *make(const char *key, const char *ver, size_t body_len, bool full, const char *extra,
		     size_t *len)
{
	struct ib_sign_opts o = { 0 };
	uint8_t *body = ib_body(body_len, (uint32_t)body_len);
	uint8_t *img = NULL;

	o.key = key;
	o.version = ver;
	o.slot_size = SLOT;
	o.align = 4;
	o.pubkey_full = full;
	o.extra = extra;
	assert_int_equal(ib_sign(&o, body, body_len, &img, len, NULL), 0);
	free(body);
	return img;
}

/* Put raw bytes into the secondary slot of a fresh RAM flash. */
static const struct sdfu_flash_area *place(struct sim_flash *f, const uint8_t *img, size_t len)
{
	assert_int_equal(sim_flash_open(f, sim_layout_get("nrf52840"), NULL), 0);
	assert_int_equal(sim_flash_poke(f, f->areas[SDFU_FA_SECONDARY].off, img, len), 0);
	return sim_flash_area(f, SDFU_FA_SECONDARY);
}

static int validate_with(const uint8_t *img, size_t len, const struct sdfu_boot_key *keys, size_t n,
			 struct sdfu_image_info *info)
{
	struct sim_flash f;
	struct sdfu_boot_keys ks = { keys, n };
	int rc = sdfu_image_validate(place(&f, img, len), &ks, info);

	sim_flash_close(&f);
	return rc;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void test_unsigned_image(void **state)
{
	size_t len;
	uint8_t *img = make(NULL, "1.2.3+4", 3000, false, NULL, &len);
	struct sdfu_image_info info;
	struct sim_flash f;
	struct sdfu_sha256 sha;
	uint8_t digest[32];
	char ver[32];

	(void)state;
	assert_int_equal(sdfu_image_read_info(place(&f, img, len), &info), 0);
	sim_flash_close(&f);
	assert_int_equal(info.hdr.magic, SDFU_IMAGE_MAGIC);
	assert_int_equal(info.hdr.hdr_size, 0x200);
	assert_int_equal(info.hdr.img_size, 3000);
	assert_int_equal(info.hdr.ver.major, 1);
	assert_int_equal(info.hdr.ver.minor, 2);
	assert_int_equal(info.hdr.ver.revision, 3);
	assert_int_equal(info.hdr.ver.build, 4);
	assert_int_equal(info.total_size, len);
	assert_int_equal(sdfu_image_version_str(&info.hdr.ver, ver, sizeof(ver)), 7);
	assert_string_equal(ver, "1.2.3.4");
	/* hash = SHA-256 over header + body (no protected TLVs) */
	assert_int_equal(sdfu_sha256_start(&sha), 0);
	assert_int_equal(sdfu_sha256_update(&sha, img, 0x200 + 3000), 0);
	assert_int_equal(sdfu_sha256_finish(&sha, digest), 0);
	assert_memory_equal(info.hash, digest, 32);
	/* no keys: valid; keys configured: unsigned is invalid */
	assert_int_equal(validate_with(img, len, NULL, 0, &info), 0);
	assert_memory_equal(info.hash, digest, 32);
	assert_int_equal(validate_with(img, len, &ec_a.k, 1, NULL), SDFU_ERR_VERIFY);
	free(img);
}

static void test_signed_images(void **state)
{
	size_t len;
	uint8_t *ec = make(ib_key(IB_KEY_EC, "a"), "2.0.0", 5000, false, NULL, &len);
	size_t rlen;
	uint8_t *rsa = make(ib_key(IB_KEY_RSA, "a"), "2.0.1", 4097, false, NULL, &rlen);
	struct sdfu_boot_key both[2] = { rsa_a.k, ec_a.k };

	(void)state;
	assert_int_equal(validate_with(ec, len, &ec_a.k, 1, NULL), 0);
	assert_int_equal(validate_with(ec, len, &ec_b.k, 1, NULL), SDFU_ERR_VERIFY);
	assert_int_equal(validate_with(ec, len, &rsa_a.k, 1, NULL), SDFU_ERR_VERIFY);
	assert_int_equal(validate_with(ec, len, both, 2, NULL), 0);
	assert_int_equal(validate_with(ec, len, NULL, 0, NULL), 0); /* hash-only build */
	assert_int_equal(validate_with(rsa, rlen, &rsa_a.k, 1, NULL), 0);
	assert_int_equal(validate_with(rsa, rlen, &ec_a.k, 1, NULL), SDFU_ERR_VERIFY);
	assert_int_equal(validate_with(rsa, rlen, both, 2, NULL), 0);
	/* flip one byte of the signature (the last TLV) */
	ec[len - 5] ^= 0x40;
	assert_int_equal(validate_with(ec, len, &ec_a.k, 1, NULL), SDFU_ERR_VERIFY);
	ec[len - 5] ^= 0x40;
	rsa[rlen - 7] ^= 0x01;
	assert_int_equal(validate_with(rsa, rlen, &rsa_a.k, 1, NULL), SDFU_ERR_VERIFY);
	rsa[rlen - 7] ^= 0x01;
	/* flip a body byte: hash mismatch */
	ec[0x200 + 100] ^= 1;
	assert_int_equal(validate_with(ec, len, &ec_a.k, 1, NULL), SDFU_ERR_VERIFY);
	assert_int_equal(validate_with(ec, len, NULL, 0, NULL), SDFU_ERR_VERIFY);
	free(ec);
	free(rsa);
}

static void test_pubkey_full_and_protected(void **state)
{
	size_t len, plen;
	uint8_t *img = make(ib_key(IB_KEY_EC, "a"), "1.0.0", 1000, true, NULL, &len);
	uint8_t *prot = make(ib_key(IB_KEY_EC, "a"), "1.0.0", 1000, false, "-s 7", &plen);
	struct sdfu_image_info info;
	uint16_t ptlv;

	(void)state;
	assert_int_equal(validate_with(img, len, &ec_a.k, 1, NULL), 0);
	assert_int_equal(validate_with(img, len, &ec_b.k, 1, NULL), SDFU_ERR_VERIFY);
	/* protected TLV area (security counter) is covered by the hash */
	ptlv = (uint16_t)(prot[10] | (prot[11] << 8));
	assert_true(ptlv > 4);
	assert_int_equal(validate_with(prot, plen, &ec_a.k, 1, &info), 0);
	assert_int_equal(info.hdr.protect_tlv_size, ptlv);
	assert_int_equal(info.total_size, plen);
	prot[0x200 + 1000 + ptlv - 1] ^= 0x01; /* last byte of the security counter value */
	assert_int_equal(validate_with(prot, plen, &ec_a.k, 1, NULL), SDFU_ERR_VERIFY);
	free(img);
	free(prot);
}

/*
 * Ed25519 images as imgtool 2.5 signs them (`keygen -t ed25519`, default non-pure signing):
 * SHA256 TLV, KEYHASH (or PUBKEY) of the 44-byte SubjectPublicKeyInfo, and a 64-byte
 * ED25519 TLV (0x24) over the 32-byte image hash -- verified through the crypto port
 * (libsodium on the host), as MCUboot's image_ed25519.c does.
 */
static void test_ed25519(void **state)
{
	struct key ed_a, ed_b;
	struct sdfu_image_info info;
	size_t len, flen;
	uint8_t *img, *full, *bad;
	struct sdfu_boot_key mixed[2];

	(void)state;
	load_key(&ed_a, IB_KEY_ED, "a", SDFU_SIG_ED25519);
	load_key(&ed_b, IB_KEY_ED, "b", SDFU_SIG_ED25519);
	assert_int_equal(ed_a.len, 44); /* SPKI: 12-byte prefix + 32-byte key */
	img = make(ib_key(IB_KEY_ED, "a"), "1.0.0", 700, false, NULL, &len);
	full = make(ib_key(IB_KEY_ED, "a"), "1.0.1", 701, true, NULL, &flen);
	/* the signature TLV is the last one: type 0x24, 64 bytes */
	assert_int_equal(img[len - 68], SDFU_TLV_ED25519);
	assert_int_equal(img[len - 66] | (img[len - 65] << 8), 64);

	/* good: trusted key (KEYHASH and PUBKEY forms), among others, and without keys */
	assert_int_equal(validate_with(img, len, &ed_a.k, 1, &info), 0);
	assert_int_equal(info.hdr.ver.major, 1);
	assert_int_equal(validate_with(full, flen, &ed_a.k, 1, NULL), 0);
	mixed[0] = ec_a.k;
	mixed[1] = ed_a.k;
	assert_int_equal(validate_with(img, len, mixed, 2, NULL), 0);
	assert_int_equal(validate_with(img, len, NULL, 0, NULL), 0);

	/* wrong key: an untrusted Ed25519 key, or only an ECDSA key */
	assert_int_equal(validate_with(img, len, &ed_b.k, 1, NULL), SDFU_ERR_VERIFY);
	assert_int_equal(validate_with(full, flen, &ed_b.k, 1, NULL), SDFU_ERR_VERIFY);
	assert_int_equal(validate_with(img, len, &ec_a.k, 1, NULL), SDFU_ERR_VERIFY);
	/* a trusted key of another algorithm with the same bytes is not used for Ed25519 */
	mixed[0] = ed_a.k;
	mixed[0].alg = SDFU_SIG_ECDSA_P256;
	assert_int_equal(validate_with(img, len, mixed, 1, NULL), SDFU_ERR_VERIFY);

	bad = malloc(len);
	assert_non_null(bad);
	/* payload byte flipped: the hash no longer matches */
	memcpy(bad, img, len);
	bad[0x200 + 350] ^= 0x40;
	assert_int_equal(validate_with(bad, len, &ed_a.k, 1, NULL), SDFU_ERR_VERIFY);
	/* signature byte flipped (first and last): the hash matches, the signature does not */
	memcpy(bad, img, len);
	bad[len - 64] ^= 0x01;
	assert_int_equal(validate_with(bad, len, &ed_a.k, 1, NULL), SDFU_ERR_VERIFY);
	memcpy(bad, img, len);
	bad[len - 1] ^= 0x80;
	assert_int_equal(validate_with(bad, len, &ed_a.k, 1, NULL), SDFU_ERR_VERIFY);
	free(bad);
	free(img);
	free(full);
	free(ed_a.der);
	free(ed_b.der);
}

/* The port's Ed25519 against RFC 8032 section 7.1 TEST 2, and malformed keys/signatures. */
static void test_ed25519_port(void **state)
{
	static const uint8_t spki[44] = {
		0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
		0x3d, 0x40, 0x17, 0xc3, 0xe8, 0x43, 0x89, 0x5a, 0x92, 0xb7, 0x0a, 0xa7,
		0x4d, 0x1b, 0x7e, 0xbc, 0x9c, 0x98, 0x2c, 0xcf, 0x2e, 0xc4, 0x96, 0x8c,
		0xc0, 0xcd, 0x55, 0xf1, 0x2a, 0xf4, 0x66, 0x0c};
	static const uint8_t sig[64] = {
		0x92, 0xa0, 0x09, 0xa9, 0xf0, 0xd4, 0xca, 0xb8, 0x72, 0x0e, 0x82, 0x0b, 0x5f,
		0x64, 0x25, 0x40, 0xa2, 0xb2, 0x7b, 0x54, 0x16, 0x50, 0x3f, 0x8f, 0xb3, 0x76,
		0x22, 0x23, 0xeb, 0xdb, 0x69, 0xda, 0x08, 0x5a, 0xc1, 0xe4, 0x3e, 0x15, 0x99,
		0x6e, 0x45, 0x8f, 0x36, 0x13, 0xd0, 0xf1, 0x1d, 0x8c, 0x38, 0x7b, 0x2e, 0xae,
		0xb4, 0x30, 0x2a, 0xee, 0xb0, 0x0d, 0x29, 0x16, 0x12, 0xbb, 0x0c, 0x00};
	const uint8_t msg[1] = {0x72};
	const uint8_t other[1] = {0x73};
	uint8_t k2[44];

	(void)state;
	assert_int_equal(sdfu_sig_verify(SDFU_SIG_ED25519, spki, 44, msg, 1, sig, 64), 0);
	assert_int_equal(sdfu_sig_verify(SDFU_SIG_ED25519, spki, 44, other, 1, sig, 64),
			 SDFU_ERR_VERIFY);
	/* signature of the wrong length, key not an Ed25519 SPKI */
	assert_int_equal(sdfu_sig_verify(SDFU_SIG_ED25519, spki, 44, msg, 1, sig, 63),
			 SDFU_ERR_INVAL);
	assert_int_equal(sdfu_sig_verify(SDFU_SIG_ED25519, spki, 43, msg, 1, sig, 64),
			 SDFU_ERR_INVAL);
	memcpy(k2, spki, sizeof(k2));
	k2[8] = 0x71; /* OID 1.3.101.113 (Ed448) */
	assert_int_equal(sdfu_sig_verify(SDFU_SIG_ED25519, k2, 44, msg, 1, sig, 64),
			 SDFU_ERR_INVAL);
	/* an ECDSA key handed over as Ed25519 */
	assert_int_equal(sdfu_sig_verify(SDFU_SIG_ED25519, ec_a.der, ec_a.len, msg, 1, sig, 64),
			 SDFU_ERR_INVAL);
}

static void test_malformed(void **state)
{
	size_t len;
	uint8_t *img = make(ib_key(IB_KEY_EC, "a"), "1.0.0", 2000, false, NULL, &len);
	uint8_t *m = malloc(len);
	uint32_t tlv = 0x200 + 2000;
	struct sdfu_image_info info;
	struct sim_flash f;

	(void)state;
	/* erased slot: no image */
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
	assert_int_equal(sdfu_image_read_info(sim_flash_area(&f, SDFU_FA_SECONDARY), &info),
			 SDFU_ERR_NOENT);
	assert_int_equal(sdfu_image_validate(sim_flash_area(&f, SDFU_FA_SECONDARY), NULL, NULL),
			 SDFU_ERR_NOENT);
	sim_flash_close(&f);
	/* bad magic */
	memcpy(m, img, len);
	m[0] ^= 1;
	assert_int_equal(validate_with(m, len, NULL, 0, NULL), SDFU_ERR_CORRUPT);
	/* hdr_size < 32 */
	memcpy(m, img, len);
	m[8] = 16;
	m[9] = 0;
	assert_int_equal(validate_with(m, len, NULL, 0, NULL), SDFU_ERR_CORRUPT);
	/* img_size beyond the slot */
	memcpy(m, img, len);
	m[12] = 0xF0;
	m[13] = 0xFF;
	m[14] = 0xFF;
	m[15] = 0xFF;
	assert_int_equal(validate_with(m, len, NULL, 0, NULL), SDFU_ERR_CORRUPT);
	/* truncated: TLV area missing */
	assert_int_equal(validate_with(img, tlv, NULL, 0, NULL), SDFU_ERR_CORRUPT);
	assert_int_equal(validate_with(img, tlv + 2, NULL, 0, NULL), SDFU_ERR_CORRUPT);
	assert_int_equal(validate_with(img, tlv + 4, NULL, 0, NULL), SDFU_ERR_CORRUPT);
	/* cut inside the hash value: the stored hash no longer matches */
	assert_int_equal(validate_with(img, tlv + 10, NULL, 0, NULL), SDFU_ERR_VERIFY);
	/* TLV total beyond the slot / entry overrunning the area */
	memcpy(m, img, len);
	assert_int_equal(le32(m + tlv) & 0xFFFF, SDFU_TLV_INFO_MAGIC);
	m[tlv + 2] = 0xFF;
	m[tlv + 3] = 0xFF;
	assert_int_equal(validate_with(m, len, NULL, 0, NULL), SDFU_ERR_CORRUPT);
	memcpy(m, img, len);
	m[tlv + 6] = 0xF0; /* first entry's len */
	assert_int_equal(validate_with(m, len, NULL, 0, NULL), SDFU_ERR_CORRUPT);
	/* protected size set but no protected info */
	memcpy(m, img, len);
	m[10] = 8;
	assert_int_equal(validate_with(m, len, NULL, 0, NULL), SDFU_ERR_CORRUPT);
	/* hash TLV with the wrong length, or missing (type changed) */
	memcpy(m, img, len);
	{
		/* find the SHA256 TLV */
		uint32_t p = tlv + 4, end = tlv + (m[tlv + 2] | (m[tlv + 3] << 8));
		uint32_t sha_at = 0;

		while (p + 4 <= end) {
			unsigned t = m[p] | (m[p + 1] << 8), l = m[p + 2] | (m[p + 3] << 8);

			if (t == SDFU_TLV_SHA256) {
				sha_at = p;
			}
			p += 4 + l;
		}
		assert_int_not_equal(sha_at, 0);
		m[sha_at] = 0x11; /* SHA384 type: no SHA256 left */
		assert_int_equal(validate_with(m, len, NULL, 0, NULL), SDFU_ERR_CORRUPT);
		{
			struct sim_flash g;

			assert_int_equal(sdfu_image_read_info(place(&g, m, len), &info), SDFU_ERR_CORRUPT);
			sim_flash_close(&g);
		}
		/* duplicate: turn the KEYHASH TLV (also 32 bytes) into a second SHA256 */
		memcpy(m, img, len);
		for (p = tlv + 4; p + 4 <= end;) {
			unsigned t = m[p] | (m[p + 1] << 8), l = m[p + 2] | (m[p + 3] << 8);

			if (t == SDFU_TLV_KEYHASH) {
				m[p] = SDFU_TLV_SHA256;
			}
			p += 4 + l;
		}
		{
			struct sim_flash g;

			assert_int_equal(sdfu_image_read_info(place(&g, m, len), &info), SDFU_ERR_CORRUPT);
			sim_flash_close(&g);
		}
	}
	free(m);
	free(img);
}

/* Random corruption of header and TLV bytes never crashes and never validates. */
static void test_random_corruption(void **state)
{
	size_t len;
	uint8_t *img = make(ib_key(IB_KEY_EC, "a"), "1.0.0", 600, false, NULL, &len);
	uint8_t *m = malloc(len);
	uint32_t x = 0x12345678u;
	struct sim_flash f;

	(void)state;
	assert_int_equal(sim_flash_open(&f, sim_layout_get("nrf52840"), NULL), 0);
	for (int i = 0; i < 400; i++) {
		struct sdfu_image_info info;
		const struct sdfu_flash_area *fa = sim_flash_area(&f, SDFU_FA_SECONDARY);
		int nflip = 1 + (int)(x % 3u);
		int rc;

		memcpy(m, img, len);
		for (int k = 0; k < nflip; k++) {
			uint32_t pos;

			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			/* header (first 32 bytes) or TLV area */
			pos = (x & 1) ? (x >> 8) % 32u : 0x200 + 600 + (x >> 8) % (uint32_t)(len - 0x200 - 600);
			m[pos] ^= (uint8_t)(1u << ((x >> 4) % 8u));
		}
		sim_flash_wipe(&f);
		assert_int_equal(sim_flash_poke(&f, fa->off, m, len), 0);
		rc = sdfu_image_read_info(fa, &info);
		assert_true(rc == 0 || rc == SDFU_ERR_CORRUPT || rc == SDFU_ERR_NOENT);
		rc = sdfu_image_validate(fa, &(struct sdfu_boot_keys){ &ec_a.k, 1 }, &info);
		if (memcmp(m, img, len) != 0 && rc == 0) {
			/* only flips in bytes outside hash and signature coverage may pass: the
			 * 4-byte pad of the header (bytes 28..31) is hashed, so nothing should */
			fail_msg("corrupted image validated (iteration %d)", i);
		}
	}
	sim_flash_close(&f);
	free(m);
	free(img);
}

static void test_version_cmp_str(void **state)
{
	struct sdfu_image_version a = { 1, 2, 3, 4 }, b = { 1, 2, 3, 5 }, c = { 1, 10, 0, 0 };
	char buf[32];

	(void)state;
	assert_int_equal(sdfu_image_version_cmp(&a, &b, false), 0);
	assert_true(sdfu_image_version_cmp(&a, &b, true) < 0);
	assert_true(sdfu_image_version_cmp(&c, &a, false) > 0);
	assert_true(sdfu_image_version_cmp(&a, &c, true) < 0);
	assert_int_equal(sdfu_image_version_str(&c, buf, sizeof(buf)), 6);
	assert_string_equal(buf, "1.10.0");
	{
		struct sdfu_image_version big = { 255, 255, 65535, 4294967295u };

		assert_int_equal(sdfu_image_version_str(&big, buf, sizeof(buf)), 24);
		assert_string_equal(buf, "255.255.65535.4294967295");
		assert_int_equal(sdfu_image_version_str(&big, buf, 8), 7); /* truncated, terminated */
		assert_string_equal(buf, "255.255");
	}
}

static void test_header_parse(void **state)
{
	uint8_t h[32] = { 0x3D, 0xB8, 0xF3, 0x96, 0, 0, 0, 0, 0x00, 0x02, 0, 0, 0x10, 0, 0, 0,
			  0x10, 0, 0, 0, 1, 2, 3, 0, 4, 0, 0, 0, 0, 0, 0, 0 };
	struct sdfu_image_header hdr;

	(void)state;
	assert_int_equal(sdfu_image_header_parse(h, 31, &hdr), SDFU_ERR_INVAL);
	assert_int_equal(sdfu_image_header_parse(h, 32, &hdr), 0);
	assert_int_equal(hdr.hdr_size, 0x200);
	assert_int_equal(hdr.img_size, 16);
	assert_int_equal(hdr.flags, SDFU_IMAGE_F_NON_BOOTABLE);
	assert_int_equal(hdr.ver.revision, 3);
	assert_int_equal(hdr.ver.build, 4);
	h[3] = 0x97;
	assert_int_equal(sdfu_image_header_parse(h, 32, &hdr), SDFU_ERR_CORRUPT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_parse),
		cmocka_unit_test(test_version_cmp_str),
		cmocka_unit_test(test_unsigned_image),
		cmocka_unit_test(test_signed_images),
		cmocka_unit_test(test_pubkey_full_and_protected),
		cmocka_unit_test(test_ed25519),
		cmocka_unit_test(test_ed25519_port),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_random_corruption),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
