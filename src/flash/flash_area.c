/* SPDX-License-Identifier: Apache-2.0 */
/* Flash areas: bounds-checked read/write/erase on a region of a device, sector lookup, erase helpers. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdfu/err.h"
#include "sdfu/flash.h"

#define SDFU_LOG_MODULE "flash"
#include "sdfu/port.h"

/* True when [off, off+len) fits in an area of `size` bytes (no overflow). */
static bool in_bounds(uint32_t size, uint32_t off, size_t len)
{
	return off <= size && len <= (size_t)(size - off);
}

static bool area_ok(const struct sdfu_flash_area *fa)
{
	return fa != NULL && fa->dev != NULL && (uint64_t)fa->off + fa->size <= fa->dev->size;
}

/* Shared argument check: INVAL for a bad area or a missing buffer, RANGE out of bounds. */
static int check_args(const struct sdfu_flash_area *fa, uint32_t off, size_t len, bool no_buf)
{
	if (!area_ok(fa) || (no_buf && len != 0)) {
		return SDFU_ERR_INVAL;
	}
	if (!in_bounds(fa->size, off, len)) {
		return SDFU_ERR_RANGE;
	}
	return SDFU_OK;
}

int sdfu_flash_area_read(const struct sdfu_flash_area *fa, uint32_t off, void *buf, size_t len)
{
	int rc = check_args(fa, off, len, buf == NULL);

	if (rc != SDFU_OK) {
		return rc;
	}
	if (len == 0) {
		return SDFU_OK;
	}
	return fa->dev->read(fa->dev->ctx, fa->off + off, buf, len);
}

int sdfu_flash_area_write(const struct sdfu_flash_area *fa, uint32_t off, const void *buf, size_t len)
{
	uint32_t a;
	int rc = check_args(fa, off, len, buf == NULL);

	if (rc != SDFU_OK) {
		return rc;
	}
	a = fa->dev->write_align ? fa->dev->write_align : 1u;
	if ((fa->off + off) % a != 0 || len % a != 0) {
		return SDFU_ERR_INVAL;
	}
	if (len == 0) {
		return SDFU_OK;
	}
	return fa->dev->write(fa->dev->ctx, fa->off + off, buf, len);
}

/* Device sector holding device offset `doff`. False when outside the device. */
static bool dev_sector(const struct sdfu_flash_dev *dev, uint32_t doff, uint32_t *start,
		       uint32_t *size)
{
	uint32_t base = 0;

	for (unsigned r = 0; r < dev->sector_range_count && r < SDFU_FLASH_MAX_SECTOR_RANGES; r++) {
		const struct sdfu_flash_sector_range *sr = &dev->sectors[r];
		uint64_t end = (uint64_t)base + (uint64_t)sr->count * sr->size;

		if (sr->size == 0) {
			return false;
		}
		if (doff < end) {
			*start = base + ((doff - base) / sr->size) * sr->size;
			*size = sr->size;
			return true;
		}
		base = (uint32_t)end;
	}
	return false;
}

int sdfu_flash_area_sector(const struct sdfu_flash_area *fa, uint32_t off, uint32_t *sec_off,
			   uint32_t *sec_size)
{
	uint32_t start, size;

	if (!area_ok(fa) || off >= fa->size) {
		return SDFU_ERR_RANGE;
	}
	if (!dev_sector(fa->dev, fa->off + off, &start, &size) || start < fa->off) {
		return SDFU_ERR_RANGE;
	}
	*sec_off = start - fa->off;
	*sec_size = size;
	return SDFU_OK;
}

uint32_t sdfu_flash_area_sector_count(const struct sdfu_flash_area *fa)
{
	uint32_t n = 0, off = 0, so, ss;

	while (area_ok(fa) && off < fa->size && sdfu_flash_area_sector(fa, off, &so, &ss) == SDFU_OK) {
		n++;
		off = so + ss;
	}
	return n;
}

/* True when area offset `off` is a sector start or the area end. */
static bool on_boundary(const struct sdfu_flash_area *fa, uint32_t off)
{
	uint32_t so, ss;

	if (off == fa->size) {
		uint32_t dend = fa->off + fa->size;

		return dend == fa->dev->size ||
		       (dev_sector(fa->dev, dend, &so, &ss) && so == dend);
	}
	return sdfu_flash_area_sector(fa, off, &so, &ss) == SDFU_OK && so == off;
}

int sdfu_flash_area_erase(const struct sdfu_flash_area *fa, uint32_t off, size_t len)
{
	int rc = check_args(fa, off, len, false);

	if (rc != SDFU_OK) {
		return rc;
	}
	if (len == 0) {
		return SDFU_OK;
	}
	if (!on_boundary(fa, off) || !on_boundary(fa, (uint32_t)(off + len))) {
		return SDFU_ERR_INVAL;
	}
	return fa->dev->erase(fa->dev->ctx, fa->off + off, len);
}

bool sdfu_flash_area_is_erased(const struct sdfu_flash_area *fa, uint32_t off, size_t len)
{
	uint8_t buf[64];
	uint8_t ev;

	if (!area_ok(fa) || !in_bounds(fa->size, off, len)) {
		return false;
	}
	ev = fa->dev->erased_val;
	while (len > 0) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);

		if (sdfu_flash_area_read(fa, off, buf, n) != SDFU_OK) {
			return false;
		}
		for (size_t i = 0; i < n; i++) {
			if (buf[i] != ev) {
				return false;
			}
		}
		off += (uint32_t)n;
		len -= n;
	}
	return true;
}

int sdfu_flash_area_erase_range(const struct sdfu_flash_area *fa, uint32_t off, size_t len)
{
	uint32_t pos, end, so, ss;
	int rc = check_args(fa, off, len, false);

	if (rc != SDFU_OK) {
		return rc;
	}
	end = off + (uint32_t)len;
	pos = off;
	while (pos < end) {
		rc = sdfu_flash_area_sector(fa, pos, &so, &ss);
		if (rc != SDFU_OK) {
			return rc;
		}
		if (so + ss > fa->size) {
			return SDFU_ERR_RANGE; /* area does not end on a sector boundary */
		}
		if (!sdfu_flash_area_is_erased(fa, so, ss)) {
			rc = sdfu_flash_area_erase(fa, so, ss);
			if (rc != SDFU_OK) {
				return rc;
			}
		}
		pos = so + ss;
	}
	return SDFU_OK;
}

uint16_t sdfu_flash_area_align(const struct sdfu_flash_area *fa)
{
	return (fa != NULL && fa->dev != NULL && fa->dev->write_align != 0) ? fa->dev->write_align : 1u;
}

uint8_t sdfu_flash_area_erased_val(const struct sdfu_flash_area *fa)
{
	return (fa != NULL && fa->dev != NULL) ? fa->dev->erased_val : 0xFFu;
}
