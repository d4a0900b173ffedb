/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated NOR flash: RAM or file backed, write/erase rule checks, op counters, faults, snapshots. */
#include "sim_flash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdfu/err.h"

/* ---- built-in layouts ---------------------------------------------------- */

static const struct sim_flash_layout layouts[] = {
	{
		/* nRF52840-like: MCUboot 48 KiB, two 472 KiB slots, scratch, storage. */
		.name = "nrf52840",
		.size = 0x100000,
		.write_align = 4,
		.erased_val = 0xFF,
		.sector_range_count = 1,
		.sectors = { { 256, 0x1000 } },
		.areas = {
			[SDFU_FA_BOOTLOADER] = { 0x0, 0xC000 },
			[SDFU_FA_PRIMARY] = { 0xC000, 0x76000 },
			[SDFU_FA_SECONDARY] = { 0x82000, 0x76000 },
			[SDFU_FA_SCRATCH] = { 0xF8000, 0x2000 },
			[SDFU_FA_STORAGE] = { 0xFA000, 0x6000 },
		},
	},
	{
		/* Mixed sector sizes (4, 8, 16 KiB), 8-byte writes; slots in 16 KiB sectors. */
		.name = "mixed8",
		.size = 0x88000,
		.write_align = 8,
		.erased_val = 0xFF,
		.sector_range_count = 3,
		.sectors = { { 8, 0x1000 }, { 2, 0x2000 }, { 31, 0x4000 } },
		.areas = {
			[SDFU_FA_BOOTLOADER] = { 0x0, 0x8000 },
			[SDFU_FA_STORAGE] = { 0x8000, 0x4000 },
			[SDFU_FA_PRIMARY] = { 0xC000, 0x3C000 },
			[SDFU_FA_SECONDARY] = { 0x48000, 0x3C000 },
			[SDFU_FA_SCRATCH] = { 0x84000, 0x4000 },
		},
	},
	{
		/* STM32H7-like: 2 MiB of 128 KiB sectors, 32-byte flash words. */
		.name = "large128k",
		.size = 0x200000,
		.write_align = 32,
		.erased_val = 0xFF,
		.sector_range_count = 1,
		.sectors = { { 16, 0x20000 } },
		.areas = {
			[SDFU_FA_BOOTLOADER] = { 0x0, 0x20000 },
			[SDFU_FA_PRIMARY] = { 0x20000, 0xC0000 },
			[SDFU_FA_SECONDARY] = { 0xE0000, 0xC0000 },
			[SDFU_FA_SCRATCH] = { 0x1A0000, 0x20000 },
			[SDFU_FA_STORAGE] = { 0x1C0000, 0x40000 },
		},
	},
	{
		/* 1 MiB image slots (nRF5340/nRF54-class parts with big apps): 8 KiB sectors,
		 * so a slot is 128 sectors (MCUboot's default MAX_IMG_SECTORS). */
		.name = "big1m",
		.size = 0x230000,
		.write_align = 4,
		.erased_val = 0xFF,
		.sector_range_count = 1,
		.sectors = { { 280, 0x2000 } },
		.areas = {
			[SDFU_FA_BOOTLOADER] = { 0x0, 0x10000 },
			[SDFU_FA_PRIMARY] = { 0x10000, 0x100000 },
			[SDFU_FA_SECONDARY] = { 0x110000, 0x100000 },
			[SDFU_FA_SCRATCH] = { 0x210000, 0x10000 },
			[SDFU_FA_STORAGE] = { 0x220000, 0x10000 },
		},
	},
	{
		/* The QEMU mps2 firmware's flash (port/cortex-m/board/mps2): nrf52840's areas in the
		 * first MiB of a 16 MiB file, the size QEMU 7.2 needs to back the machine's PSRAM. */
		.name = "mps2",
		.size = 0x1000000,
		.write_align = 4,
		.erased_val = 0xFF,
		.sector_range_count = 1,
		.sectors = { { 4096, 0x1000 } },
		.areas = {
			[SDFU_FA_BOOTLOADER] = { 0x0, 0xC000 },
			[SDFU_FA_PRIMARY] = { 0xC000, 0x76000 },
			[SDFU_FA_SECONDARY] = { 0x82000, 0x76000 },
			[SDFU_FA_SCRATCH] = { 0xF8000, 0x2000 },
			[SDFU_FA_STORAGE] = { 0xFA000, 0x6000 },
		},
	},
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

/* ---- helpers ------------------------------------------------------------- */

/* Sector holding device offset `off`: start and size. False when outside. */
static bool sector_of(const struct sim_flash *f, uint32_t off, uint32_t *start, uint32_t *size)
{
	uint32_t base = 0;

	for (unsigned r = 0; r < f->dev.sector_range_count; r++) {
		const struct sdfu_flash_sector_range *sr = &f->dev.sectors[r];
		uint64_t end = (uint64_t)base + (uint64_t)sr->count * sr->size;

		if (off < end) {
			uint32_t idx = (off - base) / sr->size;

			*start = base + idx * sr->size;
			*size = sr->size;
			return true;
		}
		base = (uint32_t)end;
	}
	return false;
}

/* Device sector number holding `off`, or UINT32_MAX. */
static uint32_t sector_index(const struct sim_flash *f, uint32_t off)
{
	uint32_t base = 0, idx = 0;

	for (unsigned r = 0; r < f->dev.sector_range_count; r++) {
		const struct sdfu_flash_sector_range *sr = &f->dev.sectors[r];
		uint64_t end = (uint64_t)base + (uint64_t)sr->count * sr->size;

		if (off < end) {
			return idx + (off - base) / sr->size;
		}
		idx += sr->count;
		base = (uint32_t)end;
	}
	return UINT32_MAX;
}

/* Bad-region draw for an op touching [off, off+len). */
static bool bad_hit(struct sim_flash *f, uint32_t off, size_t len)
{
	uint32_t x;

	if (f->bad_permille == 0 || off >= f->bad_off + f->bad_len || off + len <= f->bad_off) {
		return false;
	}
	x = f->bad_seed;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	f->bad_seed = x;
	return x % 1000u < f->bad_permille;
}

static int file_sync(struct sim_flash *f, uint32_t off, size_t len)
{
	if (f->fd < 0 || len == 0) {
		return SDFU_OK;
	}
	const uint8_t *p = f->mem + off;
	off_t pos = off;

	while (len > 0) {
		ssize_t n = pwrite(f->fd, p, len, pos);

		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			return SDFU_ERR_IO;
		}
		p += n;
		pos += n;
		len -= (size_t)n;
	}
	return SDFU_OK;
}

static void trace(const struct sim_flash *f, const char *op, uint32_t off, size_t len, int rc)
{
	if (f->oplog != NULL && (rc == 0 || strstr(op, "CUT") != NULL)) {
		/* one line per mutating op that ran (the cut one included), MCUboot golden format */
		if (op[0] == 'w' || op[0] == 'e') {
			fprintf(f->oplog, "%c 0x%x %zu%s\n", op[0] == 'w' ? 'W' : 'E', (unsigned)off, len,
				rc == 0 ? "" : " CUT");
		}
	}
	if (f->trace) {
		fprintf(stderr, "[simflash %s] #%llu %s off=0x%x len=0x%zx rc=%d\n", f->layout->name,
			(unsigned long long)f->op_count, op, (unsigned)off, len, rc);
	}
}

/* Decide the fate of a mutating op: 0 run normally, 1 cut it (power now off), <0 error. */
static int fault_check(struct sim_flash *f)
{
	if (!f->powered) {
		return SDFU_ERR_IO;
	}
	f->op_count++;
	if (f->cut_at != 0 && f->op_count == f->cut_at) {
		f->powered = false;
		f->cut_happened = true;
		return 1;
	}
	if (f->fail_at != 0 && (f->op_count == f->fail_at || (f->fail_sticky && f->op_count > f->fail_at))) {
		f->stats.failed++;
		return SDFU_ERR_IO;
	}
	return 0;
}

/* Landed prefix for a cut op of `len` bytes, rounded down to `unit`. */
static size_t cut_prefix(const struct sim_flash *f, size_t len, uint32_t unit)
{
	uint64_t p = (uint64_t)len * (f->cut_param > 100 ? 100 : f->cut_param) / 100;

	p -= p % unit;
	if (p >= len && len >= unit) {
		p = len - unit; /* a cut op never completes fully */
	}
	return (size_t)p;
}

/*
 * A written write unit counts as programmed (padding included) unless all of it is the
 * erased value: writing all ones changes no bit, so NOR flash takes a later write there
 * (nRF52 NVMC: a word may be written twice). This is what lets the application confirm
 * after MCUboot's overwrite-only copy, which writes the secondary's erased trailer
 * fields into the primary.
 */
static void mark_programmed(struct sim_flash *f, uint32_t off, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint32_t a = f->dev.write_align;

	for (size_t u = 0; u < len; u += a) {
		size_t n = len - u < a ? len - u : a;
		bool blank = true;

		for (size_t i = 0; i < n; i++) {
			blank = blank && b[u + i] == f->dev.erased_val;
		}
		if (!blank) {
			memset(f->prog + off + u, 1, n);
		}
	}
}

/* ---- device callbacks ---------------------------------------------------- */

static int dev_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	struct sim_flash *f = ctx;

	if (!f->powered) {
		trace(f, "read", off, len, SDFU_ERR_IO);
		return SDFU_ERR_IO;
	}
	if ((uint64_t)off + len > f->dev.size) {
		f->stats.violations++;
		return SDFU_ERR_INVAL;
	}
	memcpy(buf, f->mem + off, len);
	f->stats.reads++;
	f->stats.bytes_read += len;
	return SDFU_OK;
}

static int dev_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	struct sim_flash *f = ctx;
	uint32_t a = f->dev.write_align;
	int fc;

	if (!f->powered) {
		trace(f, "write", off, len, SDFU_ERR_IO);
		return SDFU_ERR_IO;
	}
	if ((uint64_t)off + len > f->dev.size || off % a != 0 || len % a != 0) {
		f->stats.violations++;
		fprintf(stderr, "[simflash] VIOLATION: misaligned/out-of-range write off=0x%x len=0x%zx\n",
			(unsigned)off, len);
		return SDFU_ERR_INVAL;
	}
	for (size_t i = 0; i < len; i++) {
		if (f->prog[off + i]) {
			f->stats.violations++;
			fprintf(stderr, "[simflash] VIOLATION: write to unerased flash at 0x%x\n",
				(unsigned)(off + i));
			return SDFU_ERR_IO;
		}
	}
	fc = fault_check(f);
	if (fc < 0) {
		trace(f, "write", off, len, fc);
		return fc;
	}
	if (fc == 0 && bad_hit(f, off, len)) {
		f->stats.failed++;
		trace(f, "write BAD", off, len, SDFU_ERR_IO);
		return SDFU_ERR_IO;
	}
	if (fc == 1) {
		size_t n = f->cut_mode == SIM_FLASH_CUT_TORN_WRITE ? cut_prefix(f, len, a) : 0;

		memcpy(f->mem + off, buf, n);
		mark_programmed(f, off, buf, n);
		(void)file_sync(f, off, n);
		trace(f, "write CUT", off, len, SDFU_ERR_IO);
		return SDFU_ERR_IO;
	}
	memcpy(f->mem + off, buf, len);
	mark_programmed(f, off, buf, len);
	f->stats.writes++;
	f->stats.bytes_written += len;
	trace(f, "write", off, len, 0);
	return file_sync(f, off, len);
}

static int dev_erase(void *ctx, uint32_t off, size_t len)
{
	struct sim_flash *f = ctx;
	uint32_t s_start, s_size, pos;
	int fc;

	if (!f->powered) {
		trace(f, "erase", off, len, SDFU_ERR_IO);
		return SDFU_ERR_IO;
	}
	/* Both ends must be sector boundaries. */
	if (len == 0 || (uint64_t)off + len > f->dev.size || !sector_of(f, off, &s_start, &s_size) ||
	    s_start != off ||
	    ((uint64_t)off + len < f->dev.size &&
	     (!sector_of(f, (uint32_t)(off + len), &s_start, &s_size) || s_start != off + len))) {
		f->stats.violations++;
		fprintf(stderr, "[simflash] VIOLATION: erase not on sector boundaries off=0x%x len=0x%zx\n",
			(unsigned)off, len);
		return SDFU_ERR_INVAL;
	}
	fc = fault_check(f);
	if (fc < 0) {
		trace(f, "erase", off, len, fc);
		return fc;
	}
	if (fc == 1) {
		size_t n = f->cut_mode == SIM_FLASH_CUT_PARTIAL_ERASE ? cut_prefix(f, len, 1) : 0;

		memset(f->mem + off, f->dev.erased_val, n);
		memset(f->prog + off, 0, n);
		(void)file_sync(f, off, n);
		trace(f, "erase CUT", off, len, SDFU_ERR_IO);
		return SDFU_ERR_IO;
	}
	memset(f->mem + off, f->dev.erased_val, len);
	memset(f->prog + off, 0, len);
	f->stats.erases++;
	for (pos = off; pos < off + len; pos += s_size) {
		uint32_t si = sector_index(f, pos);

		(void)sector_of(f, pos, &s_start, &s_size);
		f->stats.sectors_erased++;
		if (si < f->sector_total) {
			f->sector_erases[si]++;
		}
	}
	trace(f, "erase", off, len, 0);
	return file_sync(f, off, len);
}

/* ---- lifecycle ----------------------------------------------------------- */

int sim_flash_open(struct sim_flash *f, const struct sim_flash_layout *layout, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (layout == NULL) {
		return SDFU_ERR_INVAL;
	}
	f->layout = layout;
	f->mem = malloc(layout->size);
	f->prog = calloc(layout->size, 1);
	for (unsigned r = 0; r < layout->sector_range_count; r++) {
		f->sector_total += layout->sectors[r].count;
	}
	f->sector_erases = calloc(f->sector_total ? f->sector_total : 1u, sizeof(uint32_t));
	if (f->mem == NULL || f->prog == NULL || f->sector_erases == NULL) {
		sim_flash_close(f);
		return SDFU_ERR_NOMEM;
	}
	memset(f->mem, layout->erased_val, layout->size);
	f->dev.ctx = f;
	f->dev.read = dev_read;
	f->dev.write = dev_write;
	f->dev.erase = dev_erase;
	f->dev.size = layout->size;
	f->dev.write_align = layout->write_align;
	f->dev.erased_val = layout->erased_val;
	f->dev.sector_range_count = layout->sector_range_count;
	memcpy(f->dev.sectors, layout->sectors, sizeof(f->dev.sectors));
	for (unsigned id = 0; id < SDFU_FA_COUNT; id++) {
		f->areas[id].id = (uint8_t)id;
		f->areas[id].dev = &f->dev;
		f->areas[id].off = layout->areas[id].off;
		f->areas[id].size = layout->areas[id].size;
	}
	f->powered = true;
	f->cut_param = 50;
	if (path != NULL) {
		struct stat st;
		bool load = false;

		f->fd = open(path, O_RDWR | O_CREAT, 0644);
		if (f->fd < 0) {
			sim_flash_close(f);
			return SDFU_ERR_IO;
		}
		if (fstat(f->fd, &st) == 0 && st.st_size == (off_t)layout->size) {
			load = true;
		}
		if (load) {
			size_t got = 0;

			while (got < layout->size) {
				ssize_t n = pread(f->fd, f->mem + got, layout->size - got, (off_t)got);

				if (n <= 0) {
					sim_flash_close(f);
					return SDFU_ERR_IO;
				}
				got += (size_t)n;
			}
			for (uint32_t i = 0; i < layout->size; i++) {
				f->prog[i] = f->mem[i] != layout->erased_val;
			}
		} else if (ftruncate(f->fd, 0) != 0 || file_sync(f, 0, layout->size) != 0) {
			sim_flash_close(f);
			return SDFU_ERR_IO;
		}
	}
	return SDFU_OK;
}

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

int sim_flash_load_file(struct sim_flash *f, const char *path)
{
	FILE *fp;
	size_t got;

	if (f == NULL || f->mem == NULL || f->fd >= 0 || path == NULL) {
		return SDFU_ERR_INVAL;
	}
	fp = fopen(path, "rb");
	if (fp == NULL) {
		return SDFU_ERR_NOENT;
	}
	got = fread(f->mem, 1, f->layout->size, fp);
	if (got != f->layout->size || fgetc(fp) != EOF) {
		fclose(fp);
		memset(f->mem, f->layout->erased_val, f->layout->size);
		return SDFU_ERR_INVAL;
	}
	fclose(fp);
	for (uint32_t i = 0; i < f->layout->size; i++) {
		f->prog[i] = f->mem[i] != f->layout->erased_val;
	}
	return SDFU_OK;
}

void sim_flash_close(struct sim_flash *f)
{
	if (f->fd >= 0) {
		close(f->fd);
	}
	f->fd = -1;
	free(f->mem);
	free(f->prog);
	free(f->sector_erases);
	f->mem = NULL;
	f->prog = NULL;
	f->sector_erases = NULL;
}

const struct sdfu_flash_area *sim_flash_area(struct sim_flash *f, enum sdfu_flash_area_id id)
{
	if ((unsigned)id >= SDFU_FA_COUNT || f->areas[id].size == 0) {
		return NULL;
	}
	return &f->areas[id];
}

void sim_flash_wipe(struct sim_flash *f)
{
	memset(f->mem, f->dev.erased_val, f->dev.size);
	memset(f->prog, 0, f->dev.size);
	(void)file_sync(f, 0, f->dev.size);
}

int sim_flash_poke(struct sim_flash *f, uint32_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if ((uint64_t)off + len > f->dev.size) {
		return SDFU_ERR_RANGE;
	}
	memcpy(f->mem + off, buf, len);
	for (size_t i = 0; i < len; i++) {
		f->prog[off + i] = p[i] != f->dev.erased_val;
	}
	return file_sync(f, off, len);
}

int sim_flash_peek(const struct sim_flash *f, uint32_t off, void *buf, size_t len)
{
	if ((uint64_t)off + len > f->dev.size) {
		return SDFU_ERR_RANGE;
	}
	memcpy(buf, f->mem + off, len);
	return SDFU_OK;
}

/* ---- fault injection ----------------------------------------------------- */

void sim_flash_disarm(struct sim_flash *f)
{
	f->op_count = 0;
	f->fail_at = 0;
	f->fail_sticky = false;
	f->cut_at = 0;
	f->cut_happened = false;
}

void sim_flash_fail_at(struct sim_flash *f, uint64_t n, bool sticky)
{
	f->op_count = 0;
	f->fail_at = n;
	f->fail_sticky = sticky;
}

void sim_flash_cut_at(struct sim_flash *f, uint64_t n, enum sim_flash_cut_mode mode, uint32_t param)
{
	f->op_count = 0;
	f->cut_at = n;
	f->cut_mode = mode;
	f->cut_param = param;
	f->cut_happened = false;
}

void sim_flash_power_off(struct sim_flash *f)
{
	f->powered = false;
}

void sim_flash_power_on(struct sim_flash *f)
{
	sim_flash_disarm(f);
	f->powered = true;
}

uint64_t sim_flash_ops(const struct sim_flash *f)
{
	return f->op_count;
}

/* ---- snapshots ----------------------------------------------------------- */

int sim_flash_snapshot_take(const struct sim_flash *f, struct sim_flash_snapshot *s)
{
	s->size = f->dev.size;
	s->mem = malloc(s->size);
	s->prog = malloc(s->size);
	if (s->mem == NULL || s->prog == NULL) {
		sim_flash_snapshot_free(s);
		return SDFU_ERR_NOMEM;
	}
	memcpy(s->mem, f->mem, s->size);
	memcpy(s->prog, f->prog, s->size);
	return SDFU_OK;
}

int sim_flash_snapshot_restore(struct sim_flash *f, const struct sim_flash_snapshot *s)
{
	if (s->mem == NULL || s->size != f->dev.size) {
		return SDFU_ERR_INVAL;
	}
	memcpy(f->mem, s->mem, s->size);
	memcpy(f->prog, s->prog, s->size);
	return file_sync(f, 0, s->size);
}

void sim_flash_snapshot_free(struct sim_flash_snapshot *s)
{
	free(s->mem);
	free(s->prog);
	s->mem = NULL;
	s->prog = NULL;
	s->size = 0;
}

void sim_flash_stats_reset(struct sim_flash *f)
{
	memset(&f->stats, 0, sizeof(f->stats));
	if (f->sector_erases != NULL) {
		memset(f->sector_erases, 0, f->sector_total * sizeof(uint32_t));
	}
}

uint32_t sim_flash_sector_erases(const struct sim_flash *f, uint32_t off)
{
	uint32_t si = sector_index(f, off);

	return si < f->sector_total ? f->sector_erases[si] : 0u;
}

void sim_flash_bad_region(struct sim_flash *f, uint32_t off, uint32_t len, uint32_t permille,
			  uint32_t seed)
{
	f->bad_off = off;
	f->bad_len = len;
	f->bad_permille = permille > 1000u ? 1000u : permille;
	f->bad_seed = seed != 0 ? seed : 0x2545F491u;
}
