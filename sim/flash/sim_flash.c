/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated NOR flash: RAM or file backed, write/erase rule checks, op counters, faults, snapshots. */
#include "sim_flash.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "sdfu/err.h"

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

/* ---- programmed bit map (one bit per write unit) -------------------------- */

#define BM_BITS 64u

static size_t bm_words(uint32_t units)
{
	return (units + BM_BITS - 1u) / BM_BITS;
}

/* Mask of bits [lo, hi) inside one word (0 <= lo < hi <= 64). */
static uint64_t bm_mask(uint32_t lo, uint32_t hi)
{
	uint64_t m = hi >= BM_BITS ? ~(uint64_t)0 : (((uint64_t)1 << hi) - 1u);

	return m & ~(((uint64_t)1 << lo) - 1u);
}

/* Any unit in [u0, u1) programmed? Word at a time. */
static bool bm_any(const uint64_t *bm, uint32_t u0, uint32_t u1)
{
	while (u0 < u1) {
		uint32_t w = u0 / BM_BITS, lo = u0 % BM_BITS;
		uint32_t hi = u1 - w * BM_BITS < BM_BITS ? u1 - w * BM_BITS : BM_BITS;

		if ((bm[w] & bm_mask(lo, hi)) != 0) {
			return true;
		}
		u0 = w * BM_BITS + hi;
	}
	return false;
}

/* Set (`on`) or clear units [u0, u1), word at a time. */
static void bm_fill(uint64_t *bm, uint32_t u0, uint32_t u1, bool on)
{
	while (u0 < u1) {
		uint32_t w = u0 / BM_BITS, lo = u0 % BM_BITS;

		if (lo == 0u && u1 - u0 >= BM_BITS) { /* a whole word */
			bm[w] = on ? ~(uint64_t)0 : 0u;
			u0 += BM_BITS;
			continue;
		}
		uint32_t hi = u1 - w * BM_BITS < BM_BITS ? u1 - w * BM_BITS : BM_BITS;
		uint64_t m = bm_mask(lo, hi);

		bm[w] = on ? bm[w] | m : bm[w] & ~m;
		u0 = w * BM_BITS + hi;
	}
}

static bool bm_get(const uint64_t *bm, uint32_t u)
{
	return (bm[u / BM_BITS] >> (u % BM_BITS)) & 1u;
}

/* All of p[0..n) equal to the erased value? Four bytes at a time. */
static bool is_blank(const uint8_t *p, size_t n, uint8_t ev)
{
	uint32_t pat = 0x01010101u * ev;
	size_t i = 0;

	for (; i + 4 <= n; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		if (w != pat) {
			return false;
		}
	}
	for (; i < n; i++) {
		if (p[i] != ev) {
			return false;
		}
	}
	return true;
}

/*
 * A written write unit counts as programmed (padding included) unless all of it is the
 * erased value: writing all ones changes no bit, so NOR flash takes a later write there
 * (nRF52 NVMC: a word may be written twice). This is what lets the application confirm
 * after MCUboot's overwrite-only copy, which writes the secondary's erased trailer
 * fields into the primary. `off` and `len` are whole units here.
 */
static void mark_programmed(struct sim_flash *f, uint32_t off, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint32_t a = f->dev.write_align;
	uint32_t u0 = off / a, n = (uint32_t)(len / a);
	uint8_t ev = f->dev.erased_val;
	uint32_t pat = 0x01010101u * ev;
	size_t i;

	if (n == 0) {
		return;
	}
	/* all programmed, then clear the (rare) units that are all erased value */
	bm_fill(f->prog, u0, u0 + n, true);
	if (a % 4u != 0) {
		for (uint32_t u = 0; u < n; u++) {
			if (is_blank(b + (size_t)u * a, a, ev)) {
				bm_fill(f->prog, u0 + u, u0 + u + 1u, false);
			}
		}
		return;
	}
	/*
	 * A blank unit has an erased, 4-aligned 32-bit word. Each 64-byte block is tested in
	 * one branch-free pass (the compiler vectorises it); only a block that holds such a
	 * word is looked at word by word.
	 */
	size_t total = (size_t)n * a;

	for (i = 0; i < total; i += 64u) {
		uint32_t w[16];
		size_t k, cnt = total - i < sizeof(w) ? (total - i) / 4u : 16u;
		unsigned hit = 0;

		if (cnt == 16u) {
			memcpy(w, b + i, sizeof(w));
			for (k = 0; k < 16u; k++) {
				hit |= w[k] == pat;
			}
			if (hit == 0u) {
				continue;
			}
		} else {
			memcpy(w, b + i, cnt * 4u);
		}
		for (k = 0; k < cnt; k++) {
			if (w[k] == pat) {
				uint32_t u = (uint32_t)((i + k * 4u) / a);

				if (is_blank(b + (size_t)u * a, a, ev)) {
					bm_fill(f->prog, u0 + u, u0 + u + 1u, false);
				}
			}
		}
	}
}

/*
 * Programmed state of the units touched by a raw store of [off, off+len) (poke, load):
 * a unit is programmed when any of its bytes differs from the erased value; a unit only
 * partly covered keeps a programmed state it had.
 */
static void mark_from_content(struct sim_flash *f, uint32_t off, size_t len)
{
	uint32_t a = f->dev.write_align;
	uint32_t u0 = off / a, u1 = (uint32_t)(((uint64_t)off + len + a - 1u) / a);

	for (uint32_t u = u0; u < u1; u++) {
		uint32_t s = u * a;
		bool whole = s >= off && (uint64_t)s + a <= (uint64_t)off + len;
		bool p = !is_blank(f->mem + s, a, f->dev.erased_val) || (!whole && bm_get(f->prog, u));

		bm_fill(f->prog, u, u + 1u, p);
	}
}

/* ---- backing store: RAM buffer, or the file (mem is then its read-only mapping) ---- */

/*
 * The injected file failure (test hook): true when this pwrite must fail, errno set.
 * Counts file writes from 1 after sim_flash_file_fail().
 */
static bool file_fail_now(struct sim_flash *f)
{
	if (f->file_fail_at == 0) {
		return false;
	}
	f->file_writes++;
	if (f->file_writes == f->file_fail_at || (f->file_fail_sticky && f->file_writes > f->file_fail_at)) {
		errno = f->file_fail_errno != 0 ? f->file_fail_errno : EIO;
		return true;
	}
	return false;
}

/*
 * Store `len` bytes at `off`: a copy into RAM, or pwrite into the file (the mapping then
 * shows them; nothing else holds a copy). `buf` NULL stores the erased value. Returns the
 * bytes that landed (== len on success); on a file error *err is the errno.
 */
static size_t store(struct sim_flash *f, uint32_t off, const void *buf, size_t len, int *err)
{
	static const uint8_t *ff_page; /* one page of erased bytes for pwritev, per erased value */
	static uint8_t ff_buf[4096];
	static uint8_t ff_val;
	size_t done = 0;

	*err = 0;
	if (f->fd < 0) {
		if (buf != NULL) {
			memcpy(f->mem + off, buf, len);
		} else {
			memset(f->mem + off, f->dev.erased_val, len);
		}
		return len;
	}
	if (buf == NULL && (ff_page == NULL || ff_val != f->dev.erased_val)) {
		memset(ff_buf, f->dev.erased_val, sizeof(ff_buf));
		ff_val = f->dev.erased_val;
		ff_page = ff_buf;
	}
	while (done < len) {
		ssize_t n;

		if (file_fail_now(f)) {
			*err = errno;
			return done;
		}
		if (buf != NULL) {
			n = pwrite(f->fd, (const uint8_t *)buf + done, len - done, (off_t)(off + done));
		} else {
			struct iovec iov[16];
			size_t left = len - done;
			int cnt = 0;

			while (left > 0 && cnt < 16) {
				size_t k = left < sizeof(ff_buf) ? left : sizeof(ff_buf);

				iov[cnt].iov_base = (void *)ff_page;
				iov[cnt].iov_len = k;
				left -= k;
				cnt++;
			}
			n = pwritev(f->fd, iov, cnt, (off_t)(off + done));
		}
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			*err = n < 0 ? errno : EIO;
			return done;
		}
		done += (size_t)n;
	}
	return done;
}

static void file_error(struct sim_flash *f, const char *op, uint32_t off, size_t len, int err)
{
	f->stats.file_errors++;
	fprintf(stderr, "[simflash] flash file %s failed at 0x%x len 0x%zx: %s (nothing committed past the failure)\n",
		op, (unsigned)off, len, strerror(err));
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

/* Store a write's first `len` bytes and mark what landed programmed; 0 or SDFU_ERR_IO. */
static int commit_write(struct sim_flash *f, uint32_t off, const void *buf, size_t len)
{
	int err;
	size_t n = store(f, off, buf, len, &err);

	mark_programmed(f, off, buf, n - n % f->dev.write_align);
	if (n < len) {
		if (n % f->dev.write_align != 0) {
			/* a unit half-stored in the file: programmed if what is there is not blank */
			mark_from_content(f, (uint32_t)(off + n - n % f->dev.write_align), f->dev.write_align);
		}
		file_error(f, "write", off, len, err);
		return SDFU_ERR_IO;
	}
	return SDFU_OK;
}

/* Erase [off, off+len) in the store and clear its programmed bits; 0 or SDFU_ERR_IO. */
static int commit_erase(struct sim_flash *f, uint32_t off, size_t len)
{
	uint32_t a = f->dev.write_align;
	int err;
	size_t n = store(f, off, NULL, len, &err);

	bm_fill(f->prog, off / a, (uint32_t)((off + n) / a), false);
	if (n < len) {
		file_error(f, "erase", off, len, err);
		return SDFU_ERR_IO;
	}
	return SDFU_OK;
}

static int dev_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	struct sim_flash *f = ctx;
	uint32_t a = f->dev.write_align;
	int fc, rc;

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
	if (bm_any(f->prog, off / a, (uint32_t)((off + len) / a))) {
		uint32_t u = off / a;

		while (!bm_get(f->prog, u)) {
			u++;
		}
		f->stats.violations++;
		fprintf(stderr, "[simflash] VIOLATION: write to unerased flash at 0x%x\n", (unsigned)(u * a));
		return SDFU_ERR_IO;
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

		(void)commit_write(f, off, buf, n);
		f->cut_op_off = off;
		f->cut_op_len = (uint32_t)len;
		f->cut_op_erase = false;
		trace(f, "write CUT", off, len, SDFU_ERR_IO);
		return SDFU_ERR_IO;
	}
	rc = commit_write(f, off, buf, len);
	if (rc != 0) {
		trace(f, "write FILE", off, len, rc);
		return rc;
	}
	f->stats.writes++;
	f->stats.bytes_written += len;
	trace(f, "write", off, len, 0);
	return SDFU_OK;
}

static int dev_erase(void *ctx, uint32_t off, size_t len)
{
	struct sim_flash *f = ctx;
	uint32_t s_start, s_size, pos;
	int fc, rc;

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

		/* the erased prefix may end inside a write unit: that unit keeps its bit unless blank */
		(void)commit_erase(f, off, n - n % f->dev.write_align);
		if (n % f->dev.write_align != 0) {
			uint32_t u = (uint32_t)(off + n - n % f->dev.write_align);
			int err;

			(void)store(f, u, NULL, n % f->dev.write_align, &err);
			mark_from_content(f, u, f->dev.write_align);
		}
		f->cut_op_off = off;
		f->cut_op_len = (uint32_t)len;
		f->cut_op_erase = true;
		trace(f, "erase CUT", off, len, SDFU_ERR_IO);
		return SDFU_ERR_IO;
	}
	rc = commit_erase(f, off, len);
	if (rc != 0) {
		trace(f, "erase FILE", off, len, rc);
		return rc;
	}
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
	return SDFU_OK;
}

/* ---- lifecycle ----------------------------------------------------------- */

/* Programmed bits of the whole device from its content (a loaded file): read through pread
 * in chunks when file-backed, so the mapping's pages stay untouched (not resident). */
static int prog_from_content(struct sim_flash *f)
{
	uint8_t chunk[16384];
	uint32_t a = f->dev.write_align;

	memset(f->prog, 0, bm_words(f->dev.size / a) * sizeof(uint64_t));
	for (uint32_t pos = 0; pos < f->dev.size; pos += sizeof(chunk)) {
		uint32_t n = f->dev.size - pos < sizeof(chunk) ? f->dev.size - pos : (uint32_t)sizeof(chunk);
		const uint8_t *p = f->mem + pos;

		if (f->fd >= 0) {
			size_t got = 0;

			while (got < n) {
				ssize_t r = pread(f->fd, chunk + got, n - got, (off_t)(pos + got));

				if (r < 0 && errno == EINTR) {
					continue;
				}
				if (r <= 0) {
					return SDFU_ERR_IO;
				}
				got += (size_t)r;
			}
			p = chunk;
		}
		if (is_blank(p, n, f->dev.erased_val)) {
			continue;
		}
		for (uint32_t u = 0; u < n; u += a) {
			if (!is_blank(p + u, a, f->dev.erased_val)) {
				uint32_t unit = (pos + u) / a;

				f->prog[unit / BM_BITS] |= (uint64_t)1 << (unit % BM_BITS);
			}
		}
	}
	return SDFU_OK;
}

int sim_flash_open(struct sim_flash *f, const struct sim_flash_layout *layout, const char *path)
{
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	if (layout == NULL || layout->write_align == 0 || layout->size % layout->write_align != 0) {
		return SDFU_ERR_INVAL;
	}
	f->layout = layout;
	f->prog = calloc(bm_words(layout->size / layout->write_align), sizeof(uint64_t));
	for (unsigned r = 0; r < layout->sector_range_count; r++) {
		f->sector_total += layout->sectors[r].count;
	}
	f->sector_erases = calloc(f->sector_total ? f->sector_total : 1u, sizeof(uint32_t));
	if (path == NULL) {
		f->mem = malloc(layout->size);
	}
	if ((path == NULL && f->mem == NULL) || f->prog == NULL || f->sector_erases == NULL) {
		sim_flash_close(f);
		return SDFU_ERR_NOMEM;
	}
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
	if (path == NULL) {
		memset(f->mem, layout->erased_val, layout->size);
		return SDFU_OK;
	}
	struct stat st;
	int err;
	void *map;

	f->fd = open(path, O_RDWR | O_CREAT, 0644);
	if (f->fd < 0 || fstat(f->fd, &st) != 0) {
		sim_flash_close(f);
		return SDFU_ERR_IO;
	}
	if (st.st_size != (off_t)layout->size) {
		/* new (or, when the caller allowed it, of another size): an erased device */
		if (ftruncate(f->fd, 0) != 0 || store(f, 0, NULL, layout->size, &err) != layout->size) {
			sim_flash_close(f);
			return SDFU_ERR_IO;
		}
		f->created = true;
	}
	/* the content is the file's pages, mapped read-only: only pages read become resident,
	 * and every change goes through pwrite, so RAM and file cannot disagree */
	map = mmap(NULL, layout->size, PROT_READ, MAP_SHARED, f->fd, 0);
	if (map == MAP_FAILED) {
		sim_flash_close(f);
		return SDFU_ERR_IO;
	}
	f->mem = map;
	if (!f->created && prog_from_content(f) != 0) {
		sim_flash_close(f);
		return SDFU_ERR_IO;
	}
	return SDFU_OK;
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
	return prog_from_content(f);
}

void sim_flash_close(struct sim_flash *f)
{
	if (f->fd >= 0 && f->mem != NULL) {
		munmap(f->mem, f->dev.size);
	} else {
		free(f->mem);
	}
	if (f->fd >= 0) {
		close(f->fd);
	}
	f->fd = -1;
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

int sim_flash_wipe(struct sim_flash *f)
{
	return commit_erase(f, 0, f->dev.size);
}

int sim_flash_poke(struct sim_flash *f, uint32_t off, const void *buf, size_t len)
{
	int err;
	size_t n;

	if ((uint64_t)off + len > f->dev.size) {
		return SDFU_ERR_RANGE;
	}
	n = store(f, off, buf, len, &err);
	mark_from_content(f, off, n);
	if (n < len) {
		file_error(f, "poke", off, len, err);
		return SDFU_ERR_IO;
	}
	return SDFU_OK;
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
	size_t pb = bm_words(f->dev.size / f->dev.write_align) * sizeof(uint64_t);

	s->size = f->dev.size;
	s->mem = malloc(s->size);
	s->prog = malloc(pb);
	if (s->mem == NULL || s->prog == NULL) {
		sim_flash_snapshot_free(s);
		return SDFU_ERR_NOMEM;
	}
	memcpy(s->mem, f->mem, s->size);
	memcpy(s->prog, f->prog, pb);
	return SDFU_OK;
}

int sim_flash_snapshot_restore(struct sim_flash *f, const struct sim_flash_snapshot *s)
{
	return sim_flash_snapshot_restore_range(f, s, 0, f->dev.size);
}

int sim_flash_snapshot_restore_range(struct sim_flash *f, const struct sim_flash_snapshot *s, uint32_t off,
				     uint32_t len)
{
	uint32_t a = f->dev.write_align;
	uint32_t u0, u1, lo, hi;
	size_t n;
	int err;

	if (s->mem == NULL || s->size != f->dev.size || (uint64_t)off + len > f->dev.size) {
		return SDFU_ERR_INVAL;
	}
	u0 = off / a;
	u1 = (uint32_t)(((uint64_t)off + len + a - 1u) / a);
	lo = u0 * a;
	hi = u1 * a;
	n = store(f, lo, s->mem + lo, hi - lo, &err);
	if (u0 % BM_BITS == 0 && u1 % BM_BITS == 0) {
		memcpy(f->prog + u0 / BM_BITS, s->prog + u0 / BM_BITS, (u1 - u0) / BM_BITS * sizeof(uint64_t));
	} else {
		for (uint32_t u = u0; u < u1; u++) {
			bm_fill(f->prog, u, u + 1u, bm_get(s->prog, u));
		}
	}
	if (n < hi - lo) {
		/* what the file holds decides past the failure */
		mark_from_content(f, (uint32_t)(lo + n), hi - lo - n);
		file_error(f, "restore", lo, hi - lo, err);
		return SDFU_ERR_IO;
	}
	return SDFU_OK;
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

void sim_flash_file_fail(struct sim_flash *f, uint64_t n, int err, bool sticky)
{
	f->file_writes = 0;
	f->file_fail_at = n;
	f->file_fail_errno = err;
	f->file_fail_sticky = sticky;
}
