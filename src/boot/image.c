/* SPDX-License-Identifier: Apache-2.0 */
/* MCUboot image header and TLV parsing, slot info for img_mgmt, hash and signature validation. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdfu/boot.h"
#include "sdfu/byteorder.h"
#include "sdfu/crypto.h"
#include "sdfu/err.h"
#include "sdfu/flash.h"

#define SDFU_LOG_MODULE "image"
#include "sdfu/port.h"

/* Largest signature TLV we read (RSA-2048: 256 bytes; ECDSA P-256 DER: <= 72). */
#define SIG_MAX 256u
/* Chunk size used to stream slot bytes into the hash or a comparison. */
#define CHUNK 128u

int sdfu_image_header_parse(const uint8_t *buf, size_t len, struct sdfu_image_header *hdr)
{
	if (buf == NULL || hdr == NULL || len < SDFU_IMAGE_HEADER_SIZE) {
		return SDFU_ERR_INVAL;
	}
	hdr->magic = sdfu_get_le32(buf + 0);
	hdr->load_addr = sdfu_get_le32(buf + 4);
	hdr->hdr_size = sdfu_get_le16(buf + 8);
	hdr->protect_tlv_size = sdfu_get_le16(buf + 10);
	hdr->img_size = sdfu_get_le32(buf + 12);
	hdr->flags = sdfu_get_le32(buf + 16);
	hdr->ver.major = buf[20];
	hdr->ver.minor = buf[21];
	hdr->ver.revision = sdfu_get_le16(buf + 22);
	hdr->ver.build = sdfu_get_le32(buf + 24);
	if (hdr->magic != SDFU_IMAGE_MAGIC || hdr->hdr_size < SDFU_IMAGE_HEADER_SIZE) {
		return SDFU_ERR_CORRUPT;
	}
	return SDFU_OK;
}

int sdfu_image_version_cmp(const struct sdfu_image_version *a, const struct sdfu_image_version *b,
			   bool use_build)
{
	if (a->major != b->major) {
		return a->major < b->major ? -1 : 1;
	}
	if (a->minor != b->minor) {
		return a->minor < b->minor ? -1 : 1;
	}
	if (a->revision != b->revision) {
		return a->revision < b->revision ? -1 : 1;
	}
	if (use_build && a->build != b->build) {
		return a->build < b->build ? -1 : 1;
	}
	return 0;
}

/* Append the decimal form of `v`; returns the new position (never past size - 1). */
static size_t put_uint(char *buf, size_t size, size_t pos, uint32_t v)
{
	char tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + (v % 10u));
		v /= 10u;
	} while (v != 0 && n < sizeof(tmp));
	while (n > 0 && pos + 1 < size) {
		buf[pos++] = tmp[--n];
	}
	return pos;
}

int sdfu_image_version_str(const struct sdfu_image_version *v, char *buf, size_t size)
{
	size_t pos = 0;

	if (buf == NULL || size == 0) {
		return 0;
	}
	pos = put_uint(buf, size, pos, v->major);
	if (pos + 1 < size) {
		buf[pos++] = '.';
	}
	pos = put_uint(buf, size, pos, v->minor);
	if (pos + 1 < size) {
		buf[pos++] = '.';
	}
	pos = put_uint(buf, size, pos, v->revision);
	if (v->build != 0) {
		if (pos + 1 < size) {
			buf[pos++] = '.';
		}
		pos = put_uint(buf, size, pos, v->build);
	}
	buf[pos] = '\0';
	return (int)pos;
}

/* ---- TLV layout ---------------------------------------------------------- */

/* Where the TLV areas of an image are (area offsets). */
struct tlv_layout {
	uint32_t prot_off;  /* start of the protected info header (== unprot_off when none) */
	uint32_t unprot_off; /* start of the unprotected info header */
	uint32_t end;       /* end of the unprotected area */
};

/*
 * Read the header and locate both TLV areas, checking every size against the
 * area. NOENT when the header word is erased.
 */
/* Read the 4-byte TLV info header (magic, total size) at area offset `off`. */
static int read_tlv_info(const struct sdfu_flash_area *fa, uint64_t off, uint16_t *magic,
			 uint16_t *tot)
{
	uint8_t b[4];
	int rc;

	if (off + 4u > fa->size) {
		return SDFU_ERR_CORRUPT;
	}
	rc = sdfu_flash_area_read(fa, (uint32_t)off, b, 4);
	if (rc != SDFU_OK) {
		return rc;
	}
	*magic = sdfu_get_le16(b);
	*tot = sdfu_get_le16(b + 2);
	return SDFU_OK;
}

static int locate(const struct sdfu_flash_area *fa, struct sdfu_image_header *hdr,
		  struct tlv_layout *lo)
{
	uint8_t b[SDFU_IMAGE_HEADER_SIZE];
	uint64_t off;
	uint16_t magic, tot;
	int rc;

	rc = sdfu_flash_area_read(fa, 0, b, sizeof(b));
	if (rc != SDFU_OK) {
		return rc == SDFU_ERR_RANGE ? SDFU_ERR_CORRUPT : rc;
	}
	{
		uint8_t ev = sdfu_flash_area_erased_val(fa);

		if (b[0] == ev && b[1] == ev && b[2] == ev && b[3] == ev) {
			return SDFU_ERR_NOENT;
		}
	}
	rc = sdfu_image_header_parse(b, sizeof(b), hdr);
	if (rc != SDFU_OK) {
		return SDFU_ERR_CORRUPT;
	}
	off = (uint64_t)hdr->hdr_size + hdr->img_size;
	lo->prot_off = (uint32_t)off;
	rc = read_tlv_info(fa, off, &magic, &tot);
	if (rc != SDFU_OK) {
		return rc;
	}
	if (hdr->protect_tlv_size != 0) {
		if (magic != SDFU_TLV_PROT_INFO_MAGIC || tot != hdr->protect_tlv_size || tot < 4u) {
			return SDFU_ERR_CORRUPT;
		}
		off += tot;
		rc = read_tlv_info(fa, off, &magic, &tot);
		if (rc != SDFU_OK) {
			return rc;
		}
	}
	if (magic != SDFU_TLV_INFO_MAGIC || tot < 4u || off + tot > fa->size) {
		return SDFU_ERR_CORRUPT;
	}
	lo->unprot_off = (uint32_t)off;
	lo->end = (uint32_t)(off + tot);
	return SDFU_OK;
}

/* Iterator over the entries of one TLV area [start+4, end). */
struct tlv_it {
	const struct sdfu_flash_area *fa;
	uint32_t pos;
	uint32_t end;
};

/* Next entry: 1 with type/len/value offset, 0 at the end, <0 malformed or I/O. */
static int tlv_next(struct tlv_it *it, uint16_t *type, uint16_t *len, uint32_t *val_off)
{
	uint8_t b[4];
	int rc;

	if (it->pos == it->end) {
		return 0;
	}
	if (it->end - it->pos < 4u) {
		return SDFU_ERR_CORRUPT;
	}
	rc = sdfu_flash_area_read(it->fa, it->pos, b, 4);
	if (rc != SDFU_OK) {
		return rc;
	}
	*type = sdfu_get_le16(b);
	*len = sdfu_get_le16(b + 2);
	if (*type == 0xFFFFu || (*type == 0xFFu && *len == 0xFFFFu)) {
		return SDFU_ERR_CORRUPT; /* erased flash where a TLV should be */
	}
	if ((uint32_t)*len > it->end - it->pos - 4u) {
		return SDFU_ERR_CORRUPT;
	}
	*val_off = it->pos + 4u;
	it->pos += 4u + *len;
	return 1;
}

/* Check the protected area's entries tile it exactly. */
static int check_protected(const struct sdfu_flash_area *fa, const struct tlv_layout *lo)
{
	struct tlv_it it = { fa, lo->prot_off + 4u, lo->unprot_off };
	uint16_t t = 0, l = 0;
	uint32_t v = 0;
	int rc;

	if (lo->prot_off == lo->unprot_off) {
		return SDFU_OK;
	}
	while ((rc = tlv_next(&it, &t, &l, &v)) > 0) {
	}
	return rc;
}

/* Find the single 32-byte SHA256 TLV in the unprotected area. */
static int find_hash(const struct sdfu_flash_area *fa, const struct tlv_layout *lo,
		     uint8_t hash[SDFU_SHA256_LEN])
{
	struct tlv_it it = { fa, lo->unprot_off + 4u, lo->end };
	uint16_t t = 0, l = 0;
	uint32_t v = 0;
	bool found = false;
	int rc;

	while ((rc = tlv_next(&it, &t, &l, &v)) > 0) {
		if (t != SDFU_TLV_SHA256) {
			continue;
		}
		if (l != SDFU_SHA256_LEN || found) {
			return SDFU_ERR_CORRUPT; /* wrong size or duplicated */
		}
		rc = sdfu_flash_area_read(fa, v, hash, SDFU_SHA256_LEN);
		if (rc != SDFU_OK) {
			return rc;
		}
		found = true;
	}
	if (rc < 0) {
		return rc;
	}
	return found ? SDFU_OK : SDFU_ERR_CORRUPT;
}

int sdfu_image_read_info(const struct sdfu_flash_area *fa, struct sdfu_image_info *info)
{
	struct tlv_layout lo;
	int rc;

	if (fa == NULL || info == NULL) {
		return SDFU_ERR_INVAL;
	}
	memset(info, 0, sizeof(*info));
	rc = locate(fa, &info->hdr, &lo);
	if (rc != SDFU_OK) {
		return rc;
	}
	rc = find_hash(fa, &lo, info->hash);
	if (rc != SDFU_OK) {
		return rc;
	}
	info->total_size = lo.end;
	return SDFU_OK;
}

/* ---- validation ---------------------------------------------------------- */

int sdfu_image_hash_range(const struct sdfu_flash_area *fa, uint32_t off, uint32_t len,
			  struct sdfu_sha256 *sha)
{
	uint8_t buf[CHUNK];
	int rc;

	while (len > 0) {
		uint32_t n = len < CHUNK ? len : CHUNK;

		rc = sdfu_flash_area_read(fa, off, buf, n);
		if (rc != SDFU_OK) {
			return rc;
		}
		rc = sdfu_sha256_update(sha, buf, n);
		if (rc != SDFU_OK) {
			return rc;
		}
		off += n;
		len -= n;
	}
	return SDFU_OK;
}

/* True when area bytes [off, off+len) equal `ref` (len bytes). */
static int equal_range(const struct sdfu_flash_area *fa, uint32_t off, const uint8_t *ref,
		       size_t len, bool *eq)
{
	uint8_t buf[CHUNK];
	int rc;

	*eq = true;
	while (len > 0) {
		size_t n = len < CHUNK ? len : CHUNK;

		rc = sdfu_flash_area_read(fa, off, buf, n);
		if (rc != SDFU_OK) {
			return rc;
		}
		if (memcmp(buf, ref, n) != 0) {
			*eq = false;
			return SDFU_OK;
		}
		off += (uint32_t)n;
		ref += n;
		len -= n;
	}
	return SDFU_OK;
}

static enum sdfu_sig_alg sig_alg_of(uint16_t type, bool *is_sig)
{
	*is_sig = true;
	switch (type) {
	case SDFU_TLV_ECDSA_SIG:
		return SDFU_SIG_ECDSA_P256;
	case SDFU_TLV_RSA2048_PSS:
		return SDFU_SIG_RSA2048_PSS;
	case SDFU_TLV_ED25519:
		return SDFU_SIG_ED25519;
	default:
		*is_sig = false;
		return SDFU_SIG_ECDSA_P256;
	}
}

/* Index of the trusted key whose SHA-256 is `kh`, or -1. */
static int key_by_hash(const struct sdfu_boot_keys *keys, const uint8_t kh[SDFU_SHA256_LEN])
{
	for (size_t i = 0; i < keys->count; i++) {
		struct sdfu_sha256 sha;
		uint8_t h[SDFU_SHA256_LEN];

		if (sdfu_sha256_start(&sha) != SDFU_OK ||
		    sdfu_sha256_update(&sha, keys->keys[i].der, keys->keys[i].der_len) != SDFU_OK ||
		    sdfu_sha256_finish(&sha, h) != SDFU_OK) {
			return -1;
		}
		if (memcmp(h, kh, SDFU_SHA256_LEN) == 0) {
			return (int)i;
		}
	}
	return -1;
}

/* Index of the trusted key equal to the PUBKEY TLV value at `off` (len bytes), or -1. */
static int key_by_value(const struct sdfu_flash_area *fa, const struct sdfu_boot_keys *keys,
			uint32_t off, uint16_t len, int *err)
{
	for (size_t i = 0; i < keys->count; i++) {
		bool eq = false;

		if (keys->keys[i].der_len != len) {
			continue;
		}
		*err = equal_range(fa, off, keys->keys[i].der, len, &eq);
		if (*err != SDFU_OK) {
			return -1;
		}
		if (eq) {
			return (int)i;
		}
	}
	return -1;
}

/* Walk the unprotected TLVs: hash must match; with keys, a trusted signature must verify. */
static int check_unprotected(const struct sdfu_flash_area *fa, const struct tlv_layout *lo,
			     const struct sdfu_boot_keys *keys, const uint8_t digest[SDFU_SHA256_LEN],
			     uint8_t stored[SDFU_SHA256_LEN])
{
	struct tlv_it it = { fa, lo->unprot_off + 4u, lo->end };
	bool use_keys = keys != NULL && keys->count > 0;
	bool hash_found = false, sig_ok = false;
	int key_idx = -1;
	uint16_t t = 0, l = 0;
	uint32_t v = 0;
	int rc;

	while ((rc = tlv_next(&it, &t, &l, &v)) > 0) {
		bool is_sig;
		enum sdfu_sig_alg alg = sig_alg_of(t, &is_sig);

		if (t == SDFU_TLV_SHA256) {
			if (l != SDFU_SHA256_LEN || hash_found) {
				return SDFU_ERR_CORRUPT;
			}
			rc = sdfu_flash_area_read(fa, v, stored, SDFU_SHA256_LEN);
			if (rc != SDFU_OK) {
				return rc;
			}
			if (memcmp(stored, digest, SDFU_SHA256_LEN) != 0) {
				SDFU_LOGW("image hash mismatch");
				return SDFU_ERR_VERIFY;
			}
			hash_found = true;
		} else if (!use_keys) {
			continue;
		} else if (t == SDFU_TLV_KEYHASH) {
			uint8_t kh[SDFU_SHA256_LEN];

			if (l != SDFU_SHA256_LEN) {
				return SDFU_ERR_CORRUPT;
			}
			rc = sdfu_flash_area_read(fa, v, kh, sizeof(kh));
			if (rc != SDFU_OK) {
				return rc;
			}
			key_idx = key_by_hash(keys, kh);
		} else if (t == SDFU_TLV_PUBKEY) {
			int err = SDFU_OK;

			key_idx = key_by_value(fa, keys, v, l, &err);
			if (err != SDFU_OK) {
				return err;
			}
		} else if (is_sig) {
			uint8_t sig[SIG_MAX];

			if (!hash_found || key_idx < 0 || keys->keys[key_idx].alg != alg) {
				continue; /* unknown key or hash not yet checked: ignore */
			}
			if (l > SIG_MAX || l == 0) {
				return SDFU_ERR_CORRUPT;
			}
			rc = sdfu_flash_area_read(fa, v, sig, l);
			if (rc != SDFU_OK) {
				return rc;
			}
			rc = sdfu_sig_verify(alg, keys->keys[key_idx].der, keys->keys[key_idx].der_len,
					     digest, SDFU_SHA256_LEN, sig, l);
			if (rc == SDFU_OK) {
				sig_ok = true;
			} else {
				SDFU_LOGW("signature (tlv 0x%x) rejected: %d", (unsigned)t, rc);
			}
			key_idx = -1;
		}
	}
	if (rc < 0) {
		return rc;
	}
	if (!hash_found) {
		return SDFU_ERR_CORRUPT;
	}
	if (use_keys && !sig_ok) {
		SDFU_LOGW("no valid signature by a trusted key");
		return SDFU_ERR_VERIFY;
	}
	return SDFU_OK;
}

int sdfu_image_validate(const struct sdfu_flash_area *fa, const struct sdfu_boot_keys *keys,
			struct sdfu_image_info *info)
{
	struct sdfu_image_info local;
	struct tlv_layout lo;
	struct sdfu_sha256 sha;
	uint8_t digest[SDFU_SHA256_LEN];
	int rc;

	if (fa == NULL) {
		return SDFU_ERR_INVAL;
	}
	if (info == NULL) {
		info = &local;
	}
	memset(info, 0, sizeof(*info));
	rc = locate(fa, &info->hdr, &lo);
	if (rc != SDFU_OK) {
		return rc;
	}
	rc = check_protected(fa, &lo);
	if (rc != SDFU_OK) {
		return rc;
	}
	rc = sdfu_sha256_start(&sha);
	if (rc == SDFU_OK) {
		rc = sdfu_image_hash_range(fa, 0, lo.unprot_off, &sha);
	}
	if (rc == SDFU_OK) {
		rc = sdfu_sha256_finish(&sha, digest);
	} else {
		(void)sdfu_sha256_finish(&sha, digest);
	}
	if (rc != SDFU_OK) {
		return rc;
	}
	rc = check_unprotected(fa, &lo, keys, digest, info->hash);
	if (rc != SDFU_OK) {
		return rc;
	}
	info->total_size = lo.end;
	return SDFU_OK;
}
