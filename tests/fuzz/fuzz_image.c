/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: MCUboot image header / TLV parser and validation on a RAM flash area. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "harness.h"
#include "sdfu/boot.h"
#include "sdfu/err.h"
#include "seed_keys.h"

/*
 * Input: byte 0 = options (bit 0: trust the seed keys; bits 1..3: area size
 * 4 KiB << n, capped at 64 KiB; bit 4: recompute the SHA256 TLV after the mutation so
 * the signature and key-matching code is reached), rest = the area content (then 0xFF). Runs
 * sdfu_image_header_parse() on the raw bytes, sdfu_image_read_info() and
 * sdfu_image_validate() on the area. Checks the documented return codes and that
 * read_info and validate agree: a validated image has read_info 0 with the same hash
 * and total size within the area. The parser must never write or erase.
 * The seed corpus holds images signed by imgtool with the keys in seed_keys.h.
 */
static struct fz_ram_flash fz_img_ram;

static uint32_t fz_img_le(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;

	while (n-- > 0u) {
		v = (v << 8) | p[n];
	}
	return v;
}

/* Write the SHA-256 of header + body + protected TLVs into the first 32-byte SHA256 TLV. */
static void fz_img_fix_hash(uint8_t *m, uint32_t area)
{
	uint32_t hs = fz_img_le(m + 8, 2), prot = fz_img_le(m + 10, 2), isz = fz_img_le(m + 12, 4);
	uint64_t covered = (uint64_t)hs + isz + prot;
	uint64_t off = covered, end;
	struct sdfu_sha256 h;
	uint8_t digest[32];

	if (covered + 4u > area || fz_img_le(m + off, 2) != SDFU_TLV_INFO_MAGIC) {
		return;
	}
	end = off + fz_img_le(m + off + 2, 2);
	if (end > area) {
		end = area;
	}
	if (sdfu_sha256_start(&h) != 0 || sdfu_sha256_update(&h, m, (size_t)covered) != 0 ||
	    sdfu_sha256_finish(&h, digest) != 0) {
		return;
	}
	for (off += 4u; off + 4u <= end;) {
		uint32_t t = fz_img_le(m + off, 2), n = fz_img_le(m + off + 2, 2);

		if (t == SDFU_TLV_SHA256 && n == 32u && off + 36u <= end) {
			memcpy(m + off + 4, digest, 32);
			return;
		}
		off += 4u + n;
	}
}

int fz_image_one(const uint8_t *data, size_t size)
{
	struct sdfu_image_header hdr;
	struct sdfu_image_info info, vinfo;
	struct sdfu_boot_key keys[3] = {
		{SDFU_SIG_ECDSA_P256, fz_seed_key_ec, sizeof(fz_seed_key_ec)},
		{SDFU_SIG_ED25519, fz_seed_key_ed, sizeof(fz_seed_key_ed)},
		{SDFU_SIG_RSA2048_PSS, fz_seed_key_rsa, sizeof(fz_seed_key_rsa)},
	};
	struct sdfu_boot_keys ks = {keys, 0};
	uint32_t area;
	int hrc, irc, vrc;
	uint8_t opt;

	if (size < 1) {
		return 0;
	}
	opt = data[0];
	if (opt & 1u) {
		ks.count = 3;
	}
	area = 4096u << ((data[0] >> 1) & 7u);
	if (area > FZ_RAM_FLASH_MAX) {
		area = FZ_RAM_FLASH_MAX;
	}
	data++;
	size--;

	hrc = sdfu_image_header_parse(data, size, &hdr);
	FZ_CHECK(hrc == 0 || hrc == SDFU_ERR_INVAL || hrc == SDFU_ERR_CORRUPT);
	if (hrc == 0) {
		FZ_CHECK(size >= SDFU_IMAGE_HEADER_SIZE && hdr.magic == SDFU_IMAGE_MAGIC);
		FZ_CHECK(hdr.hdr_size >= SDFU_IMAGE_HEADER_SIZE);
	}
	fz_ram_flash_init(&fz_img_ram, area, data, size);
	if ((opt & 0x10u) != 0u) {
		fz_img_fix_hash(fz_img_ram.mem, area);
	}
	memset(&info, 0, sizeof(info));
	irc = sdfu_image_read_info(&fz_img_ram.fa, &info);
	FZ_CHECK(irc == 0 || irc == SDFU_ERR_NOENT || irc == SDFU_ERR_CORRUPT || irc == SDFU_ERR_IO);
	if (irc == 0) {
		FZ_CHECK(info.total_size <= area);
		FZ_CHECK(info.total_size >= (uint32_t)info.hdr.hdr_size + info.hdr.img_size);
	}
	memset(&vinfo, 0, sizeof(vinfo));
	vrc = sdfu_image_validate(&fz_img_ram.fa, &ks, &vinfo);
	FZ_CHECK(vrc == 0 || vrc == SDFU_ERR_NOENT || vrc == SDFU_ERR_CORRUPT ||
		 vrc == SDFU_ERR_VERIFY || vrc == SDFU_ERR_IO);
	if (vrc == 0) {
		FZ_CHECK(irc == 0);
		FZ_CHECK(memcmp(vinfo.hash, info.hash, sizeof(info.hash)) == 0);
		FZ_CHECK(vinfo.total_size == info.total_size);
	}
	if (getenv("FZ_VERBOSE") != NULL) {
		fprintf(stderr, "fuzz_image: keys %u area %u: header %d, read_info %d, validate %d\n",
			(unsigned)ks.count, (unsigned)area, hrc, irc, vrc);
	}
	if (irc == SDFU_ERR_NOENT) {
		FZ_CHECK(vrc == SDFU_ERR_NOENT);
	}
	return 0;
}

#ifndef FZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_image_one(data, size);
}
#endif
