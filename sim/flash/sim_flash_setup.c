/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated flash setup: the built-in layouts, and the flash-file checks made before opening (lock, size). */
#include "sim_flash.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdfu/err.h"

/* ---- built-in layouts ---------------------------------------------------- */

/* The five areas (offset, size) in a fixed order: bootloader, primary, secondary, scratch, storage. */
#define AREAS(bo, bs, po, ps, so, ss, co, cs, to, ts)                                              \
	.areas = { [SDFU_FA_BOOTLOADER] = { bo, bs }, [SDFU_FA_PRIMARY] = { po, ps },              \
		   [SDFU_FA_SECONDARY] = { so, ss }, [SDFU_FA_SCRATCH] = { co, cs },               \
		   [SDFU_FA_STORAGE] = { to, ts } }
#define NRF52840_AREAS AREAS(0x0, 0xC000, 0xC000, 0x76000, 0x82000, 0x76000, 0xF8000, 0x2000, \
			     0xFA000, 0x6000)

static const struct sim_flash_layout layouts[] = {
	/* nRF52840-like: MCUboot 48 KiB, two 472 KiB slots, scratch, storage. */
	{ .name = "nrf52840", .size = 0x100000, .write_align = 4, .erased_val = 0xFF,
	  .sector_range_count = 1, .sectors = { { 256, 0x1000 } }, NRF52840_AREAS },
	/* Mixed sector sizes (4, 8, 16 KiB), 8-byte writes; slots in 16 KiB sectors. */
	{ .name = "mixed8", .size = 0x88000, .write_align = 8, .erased_val = 0xFF,
	  .sector_range_count = 3, .sectors = { { 8, 0x1000 }, { 2, 0x2000 }, { 31, 0x4000 } },
	  AREAS(0x0, 0x8000, 0xC000, 0x3C000, 0x48000, 0x3C000, 0x84000, 0x4000,
		0x8000, 0x4000) },
	/* STM32H7-like: 2 MiB of 128 KiB sectors, 32-byte flash words. */
	{ .name = "large128k", .size = 0x200000, .write_align = 32, .erased_val = 0xFF,
	  .sector_range_count = 1, .sectors = { { 16, 0x20000 } },
	  AREAS(0x0, 0x20000, 0x20000, 0xC0000, 0xE0000, 0xC0000, 0x1A0000, 0x20000,
		0x1C0000, 0x40000) },
	/* 1 MiB image slots (nRF5340/nRF54-class parts with big apps): 8 KiB sectors,
	 * so a slot is 128 sectors (MCUboot's default MAX_IMG_SECTORS). */
	{ .name = "big1m", .size = 0x230000, .write_align = 4, .erased_val = 0xFF,
	  .sector_range_count = 1, .sectors = { { 280, 0x2000 } },
	  AREAS(0x0, 0x10000, 0x10000, 0x100000, 0x110000, 0x100000, 0x210000, 0x10000,
		0x220000, 0x10000) },
	/* The QEMU mps2 firmware's flash (port/cortex-m/board/mps2): nrf52840's areas in the
	 * first MiB of a 16 MiB file, the size QEMU 7.2 needs to back the machine's PSRAM. */
	{ .name = "mps2", .size = 0x1000000, .write_align = 4, .erased_val = 0xFF,
	  .sector_range_count = 1, .sectors = { { 4096, 0x1000 } }, NRF52840_AREAS },
};

const struct sim_flash_layout *sim_layout_at(unsigned i)
{
	return i < sizeof(layouts) / sizeof(layouts[0]) ? &layouts[i] : NULL;
}

const struct sim_flash_layout *sim_layout_get(const char *name)
{
	for (unsigned i = 0; name != NULL && sim_layout_at(i) != NULL; i++) {
		if (strcmp(layouts[i].name, name) == 0) {
			return &layouts[i];
		}
	}
	return NULL;
}

/* ---- flash-file checks ---------------------------------------------------- */

int sim_flash_lock_file(const char *path, int *fd_out, long *holder_pid)
{
	struct flock fl;
	int fd = open(path, O_RDWR | O_CREAT, 0644);

	*holder_pid = 0;
	if (fd < 0) {
		return SDFU_ERR_IO;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) != 0) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
			*holder_pid = (long)fl.l_pid;
		}
		close(fd);
		return SDFU_ERR_BUSY;
	}
	*fd_out = fd;
	return SDFU_OK;
}

int sim_flash_file_check(const char *path, const struct sim_flash_layout *layout, long long *size)
{
	struct stat st;

	*size = 0;
	if (stat(path, &st) != 0 || st.st_size == 0) {
		return SDFU_OK;
	}
	*size = (long long)st.st_size;
	return (unsigned long long)st.st_size == layout->size ? SDFU_OK : SDFU_ERR_INVAL;
}
