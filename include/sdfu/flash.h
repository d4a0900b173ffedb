/* SPDX-License-Identifier: Apache-2.0 */
/* Flash devices (function pointers + geometry), flash areas, and the streaming image writer. */
#ifndef SDFU_FLASH_H
#define SDFU_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/config.h"

/** A run of `count` equal sectors of `size` bytes; a device lists runs in address order. */
struct sdfu_flash_sector_range {
	uint32_t count;
	uint32_t size;
};

/**
 * A flash device, caller-owned. Offsets are device-relative. `write` must be
 * called with `off` and `len` multiples of `write_align` on erased bytes; `erase`
 * on whole sectors. Each returns 0 or a negative sdfu_err (SDFU_ERR_IO on a
 * device fault; a power cut in the host simulation looks like SDFU_ERR_IO too).
 */
struct sdfu_flash_dev {
	void *ctx;
	int (*read)(void *ctx, uint32_t off, void *buf, size_t len);
	int (*write)(void *ctx, uint32_t off, const void *buf, size_t len);
	int (*erase)(void *ctx, uint32_t off, size_t len);
	uint32_t size;
	uint16_t write_align; /**< 1..SDFU_FLASH_MAX_ALIGN, power of two */
	uint8_t erased_val;   /**< 0xFF for NOR */
	uint8_t sector_range_count;
	struct sdfu_flash_sector_range sectors[SDFU_FLASH_MAX_SECTOR_RANGES];
};

/** Flash area ids (MCUboot-like). */
enum sdfu_flash_area_id {
	SDFU_FA_BOOTLOADER = 0,
	SDFU_FA_PRIMARY = 1,   /**< image 0 slot 0 */
	SDFU_FA_SECONDARY = 2, /**< image 0 slot 1 */
	SDFU_FA_SCRATCH = 3,
	SDFU_FA_STORAGE = 4,
	SDFU_FA_COUNT
};

/** A named region of a device. Caller-owned. */
struct sdfu_flash_area {
	uint8_t id;
	const struct sdfu_flash_dev *dev;
	uint32_t off;  /**< device offset of the area start */
	uint32_t size;
};

/** Area read/write/erase with bounds checks (offsets are area-relative). 0 or negative sdfu_err. */
int sdfu_flash_area_read(const struct sdfu_flash_area *fa, uint32_t off, void *buf, size_t len);
int sdfu_flash_area_write(const struct sdfu_flash_area *fa, uint32_t off, const void *buf, size_t len);
/** Erase [off, off+len); both must fall on sector boundaries of the area, else SDFU_ERR_INVAL. */
int sdfu_flash_area_erase(const struct sdfu_flash_area *fa, uint32_t off, size_t len);
/** The sector holding area offset `off`: its area-relative start and size. 0 or SDFU_ERR_RANGE. */
int sdfu_flash_area_sector(const struct sdfu_flash_area *fa, uint32_t off, uint32_t *sec_off,
			   uint32_t *sec_size);
/** Number of sectors in the area (area must start and end on sector boundaries). */
uint32_t sdfu_flash_area_sector_count(const struct sdfu_flash_area *fa);
/** True when [off, off+len) reads as the erased value. Read errors give false. */
bool sdfu_flash_area_is_erased(const struct sdfu_flash_area *fa, uint32_t off, size_t len);
/** Erase the sectors covering [off, off+len), skipping those already erased. 0 or negative sdfu_err. */
int sdfu_flash_area_erase_range(const struct sdfu_flash_area *fa, uint32_t off, size_t len);
uint16_t sdfu_flash_area_align(const struct sdfu_flash_area *fa);
uint8_t sdfu_flash_area_erased_val(const struct sdfu_flash_area *fa);

/**
 * Streaming image writer: accepts bytes at increasing offsets, erases sectors
 * just ahead of the data it writes (progressive erase), buffers to the write
 * alignment and pads the last block with the erased value on flush.
 * Caller-owned; RAM = SDFU_FLASH_MAX_ALIGN + a few words.
 */
struct sdfu_flash_stream {
	const struct sdfu_flash_area *fa;
	uint32_t off;         /**< area offset of the next byte to accept */
	uint32_t erased_end;  /**< everything below this area offset was erased by us */
	uint32_t limit;       /**< bytes beyond this are refused (area size by default) */
	uint16_t buf_len;
	uint8_t buf[SDFU_FLASH_MAX_ALIGN];
};

/**
 * Start writing at area offset `start` (aligned to the write size). Nothing is erased
 * yet. Each sector is erased (unconditionally, once) when the first block that lands
 * in it is written; when `start` is inside a sector, the rest of that sector must
 * already be erased (it is not erased, to keep the bytes below `start`). Callers may
 * set `limit` below the area size after init, or raise `erased_end` when they erased
 * ahead themselves. 0 or SDFU_ERR_INVAL. Caller-owned; no locking; core loop only.
 */
int sdfu_flash_stream_init(struct sdfu_flash_stream *s, const struct sdfu_flash_area *fa,
			   uint32_t start);
/**
 * Append `len` bytes (erasing ahead as needed); with `flush` write out the
 * partial block too, padded with the erased value (after a padded flush the stream
 * is closed: further data gives SDFU_ERR_BADSTATE). Returns 0, SDFU_ERR_NOSPC when
 * the data would pass `limit` (nothing accepted), SDFU_ERR_BADSTATE, SDFU_ERR_INVAL,
 * or a flash error. On a flash error some of the bytes may have been accepted:
 * sdfu_flash_stream_offset() tells how many, and the caller may resend from there.
 */
int sdfu_flash_stream_write(struct sdfu_flash_stream *s, const void *data, size_t len, bool flush);
/** Bytes accepted so far (area offset of the next byte). */
uint32_t sdfu_flash_stream_offset(const struct sdfu_flash_stream *s);

#endif /* SDFU_FLASH_H */
