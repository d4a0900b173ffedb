/* SPDX-License-Identifier: Apache-2.0 */
/* MCUboot image trailer: layout for a write alignment, field decode, padded field writes, erase. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdfu/boot.h"
#include "sdfu/byteorder.h"
#include "sdfu/err.h"
#include "sdfu/flash.h"

#define MAGIC_SZ 16u

/* Trailer magic when the field alignment is 8 (MCUboot boot_img_magic, little-endian words). */
static const uint8_t magic8[MAGIC_SZ] = { 0x77, 0xC2, 0x95, 0xF3, 0x60, 0xD2, 0xEF, 0x7F,
					  0x35, 0x52, 0x50, 0x0F, 0x2C, 0xB6, 0x79, 0x80 };
/* Tail used after the 2-byte alignment for any other field alignment. */
static const uint8_t magic_tail[MAGIC_SZ - 2] = { 0x2D, 0xE1, 0x5D, 0x29, 0x41, 0x0B, 0x8D,
						  0x77, 0x67, 0x9C, 0x11, 0x0F, 0x1F, 0x8A };

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return (v + a - 1u) / a * a;
}

/* Field alignment: BOOT_MAX_ALIGN, raised to the flash write size when that is larger. */
static uint16_t field_align(const struct sdfu_flash_area *fa)
{
	uint16_t w = sdfu_flash_area_align(fa);

	return w > SDFU_BOOT_MAX_ALIGN ? w : (uint16_t)SDFU_BOOT_MAX_ALIGN;
}

static bool swap_mode(enum sdfu_boot_mode mode)
{
	return SDFU_BOOT_MODE_IS(mode, SDFU_BOOT_MODE_SWAP_SCRATCH) ||
	       SDFU_BOOT_MODE_IS(mode, SDFU_BOOT_MODE_SWAP_MOVE);
}

void sdfu_boot_trailer_layout(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode,
			      struct sdfu_boot_trailer_layout *lo)
{
	uint32_t a = field_align(fa);
	uint32_t s = fa->size;
	uint32_t magic_area = align_up(MAGIC_SZ, a);

	lo->align = (uint16_t)a;
	lo->magic_off = s - MAGIC_SZ;
	lo->image_ok_off = s - magic_area - a;
	lo->copy_done_off = lo->image_ok_off - a;
	lo->swap_info_off = lo->copy_done_off - a;
	lo->swap_size_off = lo->swap_info_off - a;
	if (swap_mode(mode)) {
		uint32_t status = (uint32_t)SDFU_BOOT_MAX_IMG_SECTORS * 3u * sdfu_flash_area_align(fa);

		lo->status_off = lo->swap_size_off - status;
	} else {
		lo->status_off = lo->swap_size_off;
	}
	lo->trailer_size = s - lo->status_off;
}

void sdfu_boot_trailer_magic(uint16_t align, uint8_t out[16])
{
	if (align == 8) {
		memcpy(out, magic8, MAGIC_SZ);
		return;
	}
	out[0] = (uint8_t)(align & 0xFFu);
	out[1] = (uint8_t)(align >> 8);
	memcpy(out + 2, magic_tail, sizeof(magic_tail));
}

static bool all_erased(const uint8_t *p, size_t n, uint8_t ev)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != ev) {
			return false;
		}
	}
	return true;
}

static int read_flag(const struct sdfu_flash_area *fa, uint32_t off, enum sdfu_boot_flag_state *st)
{
	uint8_t v;
	int rc = sdfu_flash_area_read(fa, off, &v, 1);

	if (rc != SDFU_OK) {
		return rc;
	}
	if (v == sdfu_flash_area_erased_val(fa)) {
		*st = SDFU_BOOT_FLAG_UNSET;
	} else {
		*st = v == 0x01u ? SDFU_BOOT_FLAG_SET : SDFU_BOOT_FLAG_BAD;
	}
	return SDFU_OK;
}

int sdfu_boot_trailer_read(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode,
			   struct sdfu_boot_trailer *tr)
{
	struct sdfu_boot_trailer_layout lo;
	uint8_t m[MAGIC_SZ], good[MAGIC_SZ], b[4];
	uint8_t ev = sdfu_flash_area_erased_val(fa);
	int rc;

	sdfu_boot_trailer_layout(fa, mode, &lo);
	rc = sdfu_flash_area_read(fa, lo.magic_off, m, sizeof(m));
	if (rc != SDFU_OK) {
		return rc;
	}
	sdfu_boot_trailer_magic(lo.align, good);
	if (all_erased(m, sizeof(m), ev)) {
		tr->magic = SDFU_BOOT_MAGIC_UNSET;
	} else {
		tr->magic = memcmp(m, good, sizeof(m)) == 0 ? SDFU_BOOT_MAGIC_GOOD : SDFU_BOOT_MAGIC_BAD;
	}
	rc = sdfu_flash_area_read(fa, lo.swap_info_off, b, 1);
	if (rc != SDFU_OK) {
		return rc;
	}
	tr->swap_type = b[0] & 0x0Fu;
	tr->image_num = (uint8_t)(b[0] >> 4);
	if (b[0] == ev || tr->swap_type > SDFU_BOOT_SWAP_REVERT) {
		tr->swap_type = SDFU_BOOT_SWAP_NONE;
		tr->image_num = 0;
	}
	rc = read_flag(fa, lo.copy_done_off, &tr->copy_done);
	if (rc == SDFU_OK) {
		rc = read_flag(fa, lo.image_ok_off, &tr->image_ok);
	}
	if (rc != SDFU_OK) {
		return rc;
	}
	rc = sdfu_flash_area_read(fa, lo.swap_size_off, b, 4);
	if (rc != SDFU_OK) {
		return rc;
	}
	tr->swap_size = sdfu_get_le32(b);
	if (all_erased(b, 4, ev)) {
		tr->swap_size = 0xFFFFFFFFu;
	}
	return SDFU_OK;
}

/* Write `len` (<= 4) bytes at `off` as one block padded to the flash write size. */
static int write_field(const struct sdfu_flash_area *fa, uint32_t off, const uint8_t *val, size_t len)
{
	uint8_t buf[SDFU_FLASH_MAX_ALIGN > 8 ? SDFU_FLASH_MAX_ALIGN : 8];
	uint32_t n = align_up((uint32_t)len, sdfu_flash_area_align(fa));

	if (n > sizeof(buf)) {
		return SDFU_ERR_INVAL;
	}
	memset(buf, sdfu_flash_area_erased_val(fa), n);
	memcpy(buf, val, len);
	return sdfu_flash_area_write(fa, off, buf, n);
}

int sdfu_boot_write_magic(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode)
{
	struct sdfu_boot_trailer_layout lo;
	uint8_t buf[SDFU_FLASH_MAX_ALIGN > 16 ? SDFU_FLASH_MAX_ALIGN : 16];
	uint32_t n;

	sdfu_boot_trailer_layout(fa, mode, &lo);
	n = align_up(MAGIC_SZ, lo.align);
	if (n > sizeof(buf)) {
		return SDFU_ERR_INVAL;
	}
	memset(buf, sdfu_flash_area_erased_val(fa), n);
	sdfu_boot_trailer_magic(lo.align, buf + n - MAGIC_SZ);
	return sdfu_flash_area_write(fa, fa->size - n, buf, n);
}

int sdfu_boot_write_image_ok(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode)
{
	struct sdfu_boot_trailer_layout lo;
	const uint8_t v = 0x01;

	sdfu_boot_trailer_layout(fa, mode, &lo);
	return write_field(fa, lo.image_ok_off, &v, 1);
}

int sdfu_boot_write_copy_done(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode)
{
	struct sdfu_boot_trailer_layout lo;
	const uint8_t v = 0x01;

	sdfu_boot_trailer_layout(fa, mode, &lo);
	return write_field(fa, lo.copy_done_off, &v, 1);
}

int sdfu_boot_write_swap_info(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode,
			      uint8_t swap_type, uint8_t image_num)
{
	struct sdfu_boot_trailer_layout lo;
	uint8_t v = (uint8_t)(((image_num & 0x0Fu) << 4) | (swap_type & 0x0Fu));

	sdfu_boot_trailer_layout(fa, mode, &lo);
	return write_field(fa, lo.swap_info_off, &v, 1);
}

int sdfu_boot_write_swap_size(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode,
			      uint32_t swap_size)
{
	struct sdfu_boot_trailer_layout lo;
	uint8_t v[4];

	sdfu_put_le32(v, swap_size);
	sdfu_boot_trailer_layout(fa, mode, &lo);
	return write_field(fa, lo.swap_size_off, v, 4);
}

int sdfu_boot_erase_trailer(const struct sdfu_flash_area *fa, enum sdfu_boot_mode mode)
{
	struct sdfu_boot_trailer_layout lo;
	uint32_t so, ss;
	int rc;

	sdfu_boot_trailer_layout(fa, mode, &lo);
	rc = sdfu_flash_area_sector(fa, lo.status_off, &so, &ss);
	if (rc != SDFU_OK) {
		return rc;
	}
	return sdfu_flash_area_erase(fa, so, fa->size - so);
}
