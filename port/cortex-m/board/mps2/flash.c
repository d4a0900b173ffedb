/* SPDX-License-Identifier: Apache-2.0 */
/* NOR flash driver over the file-backed PSRAM: erase to 0xFF, writes only on erased aligned words. */
#include <stdint.h>
#include <string.h>

#include "mps2.h"
#include "sdfu/err.h"

/*
 * The rules of the host simulation (sim/flash), enforced on the memory QEMU maps from the
 * flash file: a write must be aligned to MPS2_FLASH_ALIGN in offset and length, inside
 * the device, and land on erased bytes only (so it can only turn 1s into 0s, and never
 * programs a byte twice between erases, except re-writing 0xFF which NOR cannot tell);
 * an erase covers whole 4 KiB sectors and sets them to 0xFF. A refused operation changes
 * nothing, returns SDFU_ERR_INVAL (misaligned, out of range) or SDFU_ERR_IO (unerased
 * target), and is counted.
 */

#define FLASH_ERASED 0xFFu

/* The areas of sim layout "mps2" (= nrf52840's, in the first MiB of the 16 MiB PSRAM). */
static const struct {
	uint32_t off, size;
} area_map[SDFU_FA_COUNT] = {
	[SDFU_FA_BOOTLOADER] = {0x0, 0xC000},
	[SDFU_FA_PRIMARY] = {0xC000, 0x76000},
	[SDFU_FA_SECONDARY] = {0x82000, 0x76000},
	[SDFU_FA_SCRATCH] = {0xF8000, 0x2000},
	[SDFU_FA_STORAGE] = {0xFA000, 0x6000},
};

static struct sdfu_flash_dev dev;
static struct sdfu_flash_area areas[SDFU_FA_COUNT];
static uint32_t violations;

/* Plain RAM to the CPU; QEMU writes it through to the file (MAP_SHARED). */
static inline uint8_t *mem(uint32_t off)
{
	return (uint8_t *)(uintptr_t)(MPS2_FLASH_BASE + off);
}

static bool in_range(uint32_t off, size_t len)
{
	return off <= MPS2_FLASH_SIZE && len <= MPS2_FLASH_SIZE - off;
}

static int fl_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	(void)ctx;
	if (!in_range(off, len)) {
		violations++;
		return SDFU_ERR_INVAL;
	}
	memcpy(buf, mem(off), len);
	return SDFU_OK;
}

static int fl_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	const uint8_t *src = buf;

	(void)ctx;
	if (!in_range(off, len) || off % MPS2_FLASH_ALIGN != 0u || len % MPS2_FLASH_ALIGN != 0u) {
		violations++;
		return SDFU_ERR_INVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (*mem(off + (uint32_t)i) != FLASH_ERASED) {
			violations++;
			return SDFU_ERR_IO;
		}
	}
	for (size_t i = 0; i < len; i++) {
		/* NOR programming can only clear bits */
		*mem(off + (uint32_t)i) &= src[i];
	}
	return SDFU_OK;
}

static int fl_erase(void *ctx, uint32_t off, size_t len)
{
	(void)ctx;
	if (!in_range(off, len) || off % MPS2_FLASH_SECTOR != 0u || len % MPS2_FLASH_SECTOR != 0u) {
		violations++;
		return SDFU_ERR_INVAL;
	}
	memset(mem(off), FLASH_ERASED, len);
	return SDFU_OK;
}

void mps2_flash_init(void)
{
	dev.ctx = NULL;
	dev.read = fl_read;
	dev.write = fl_write;
	dev.erase = fl_erase;
	dev.size = MPS2_FLASH_SIZE;
	dev.write_align = MPS2_FLASH_ALIGN;
	dev.erased_val = FLASH_ERASED;
	dev.sector_range_count = 1;
	dev.sectors[0].count = MPS2_FLASH_SIZE / MPS2_FLASH_SECTOR;
	dev.sectors[0].size = MPS2_FLASH_SECTOR;
	for (unsigned i = 0; i < SDFU_FA_COUNT; i++) {
		areas[i].id = (uint8_t)i;
		areas[i].dev = &dev;
		areas[i].off = area_map[i].off;
		areas[i].size = area_map[i].size;
	}
}

const struct sdfu_flash_area *mps2_flash_area(enum sdfu_flash_area_id id)
{
	return (unsigned)id < SDFU_FA_COUNT ? &areas[id] : NULL;
}

uint32_t mps2_flash_violations(void)
{
	return violations;
}
