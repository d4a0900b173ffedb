/* SPDX-License-Identifier: Apache-2.0 */
/* Simulated NOR flash for the host: RAM or file backed, real write/erase rules, fault injection. */
#ifndef SDFU_SIM_FLASH_H
#define SDFU_SIM_FLASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sdfu/flash.h"

/*
 * A `struct sim_flash` owns one simulated device and fills a `struct sdfu_flash_dev`
 * (`f->dev`) plus one `struct sdfu_flash_area` per SDFU_FA_* id (`f->areas`), laid out
 * by a built-in geometry (`sim_layout_get`). Host only: uses malloc and stdio.
 *
 * Rules enforced like real NOR flash (MCUboot simflash style):
 *  - write: `off` and `len` multiples of `write_align`, inside the device, and every
 *    byte not programmed since its sector was last erased. Misalignment or out of
 *    range -> SDFU_ERR_INVAL; a write over programmed bytes -> SDFU_ERR_IO (nothing is
 *    written). Both bump `stats.violations`.
 *  - erase: whole sectors only (start and end on sector boundaries) -> else SDFU_ERR_INVAL
 *    and a violation.
 *  - "programmed" is tracked per write unit (one bit each) since the last erase: a write
 *    of a unit that is not all erased value consumes it. When a file is loaded, units with
 *    a byte that differs from the erased value count as programmed, the rest as erased.
 *
 * Memory: a file-backed device maps its file read-only (MAP_SHARED) as `mem`, so only the
 * pages read become resident and the page cache is the one copy; writes, erases and pokes
 * go through pwrite first and the programmed bits change only for what the file accepted,
 * so the content seen and the file never disagree. A failed file write (EIO, ENOSPC...)
 * fails the op with SDFU_ERR_IO and counts in stats.file_errors. A RAM-only device holds
 * `mem` in a malloc'd buffer. The programmed map is size / write_align bits.
 *
 * Fault injection counts *mutating* operations (write and erase calls) from 1 after
 * arming; reads never count and never fail unless the power is off. A power cut makes
 * the chosen op behave per `enum sim_flash_cut_mode` and then every call (read, write,
 * erase) returns SDFU_ERR_IO until sim_flash_power_on(): the code above sees an I/O error
 * like on a device; only the harness knows (f->powered false, f->cut_happened).
 *
 * Not thread-safe; call from one thread.
 */

/** Built-in geometry: device, sectors and the SDFU_FA_* areas. */
struct sim_flash_layout {
	const char *name;
	uint32_t size;
	uint16_t write_align;
	uint8_t erased_val;
	uint8_t sector_range_count;
	struct sdfu_flash_sector_range sectors[SDFU_FLASH_MAX_SECTOR_RANGES];
	struct {
		uint32_t off;
		uint32_t size;
	} areas[SDFU_FA_COUNT]; /**< indexed by enum sdfu_flash_area_id; size 0 = absent */
};

/**
 * Look up a built-in layout by name: "nrf52840" (1 MiB, 4 KiB sectors, align 4,
 * 48 KiB bootloader, two 472 KiB slots, 8 KiB scratch, 24 KiB storage), "mixed8"
 * (align 8; 4/8/16 KiB sectors; 240 KiB slots in 16 KiB sectors), "large128k"
 * (2 MiB, 128 KiB sectors, align 32, 768 KiB slots), "big1m", "mps2" (nrf52840's areas in a
 * 16 MiB device: the QEMU firmware's PSRAM-backed flash file). NULL when unknown.
 */
const struct sim_flash_layout *sim_layout_get(const char *name);
/** The i-th built-in layout (0..), NULL past the end; for "run on every geometry" loops. */
const struct sim_flash_layout *sim_layout_at(unsigned i);

/** How an armed power cut treats the op it hits. */
enum sim_flash_cut_mode {
	SIM_FLASH_CUT_ATOMIC = 0,    /**< the op does not happen at all */
	SIM_FLASH_CUT_TORN_WRITE,    /**< a write lands a prefix (whole align units); erases as ATOMIC */
	SIM_FLASH_CUT_PARTIAL_ERASE, /**< an erase erases a prefix of the range; writes as ATOMIC */
};

/** Operation counters since sim_flash_open() or sim_flash_stats_reset(). */
struct sim_flash_stats {
	uint64_t reads;
	uint64_t writes;
	uint64_t erases;      /**< erase calls */
	uint64_t sectors_erased;
	uint64_t bytes_read;
	uint64_t bytes_written;
	uint64_t violations;  /**< rule violations (misaligned, unerased write, partial-sector erase) */
	uint64_t failed;      /**< ops failed by injection (SDFU_ERR_IO) */
	uint64_t file_errors; /**< writes to the backing file that failed (real or sim_flash_file_fail) */
};

/** One simulated device. Caller-owned; fields are read-only outside sim_flash.c except where noted. */
struct sim_flash {
	struct sdfu_flash_dev dev;                    /**< hand &dev or &areas[id] to the core */
	struct sdfu_flash_area areas[SDFU_FA_COUNT];  /**< area.size 0 when the layout lacks it */
	const struct sim_flash_layout *layout;
	uint8_t *mem;     /**< device content (size bytes): malloc'd, or the file's read-only mapping */
	uint64_t *prog;   /**< programmed bit per write unit (bit u%64 of word u/64), malloc'd */
	int fd;           /**< backing file or -1 */
	bool created;     /**< sim_flash_open() created (or re-created) the file erased */
	struct sim_flash_stats stats;
	/* fault injection */
	uint64_t op_count;  /**< mutating ops since the last arm */
	uint64_t fail_at;   /**< 0 = off; op number that returns SDFU_ERR_IO (op dropped) */
	bool fail_sticky;   /**< keep failing every op from fail_at on */
	uint64_t cut_at;    /**< 0 = off; op number where power is cut */
	enum sim_flash_cut_mode cut_mode;
	uint32_t cut_param; /**< prefix in percent of the op length (0..100); default 50 */
	bool powered;       /**< false after a cut */
	bool cut_happened;  /**< set when the armed cut fired */
	uint32_t cut_op_off; /**< the op the cut hit (valid when cut_happened): device offset, */
	uint32_t cut_op_len; /**< length */
	bool cut_op_erase;   /**< and kind (erase, else write) */
	bool trace;         /**< print every op to stderr */
	FILE *oplog;        /**< NULL, or every completed write/erase as "W|E 0x<off> <len>" (the cut op with " CUT") */
	uint32_t *sector_erases; /**< per device sector erase count (index: sector number), malloc'd */
	uint32_t sector_total;   /**< number of device sectors */
	/* bad region: writes touching it fail with SDFU_ERR_IO at a rate */
	uint32_t bad_off, bad_len;
	uint32_t bad_permille;   /**< 0 = off, 1000 = always */
	uint32_t bad_seed;
	/* injected failure of the backing file's writes (sim_flash_file_fail) */
	uint64_t file_writes;    /**< pwrite calls since armed */
	uint64_t file_fail_at;   /**< 0 = off */
	int file_fail_errno;
	bool file_fail_sticky;
};

/**
 * Open a device with `layout`. With `path` NULL the content lives in RAM only. With a
 * path, the file is created (filled with the erased value) when missing or of the
 * wrong size, otherwise its content is loaded; every write and erase is written
 * through to the file. Returns 0, SDFU_ERR_NOMEM, SDFU_ERR_INVAL (NULL layout) or
 * SDFU_ERR_IO (file error).
 */
int sim_flash_open(struct sim_flash *f, const struct sim_flash_layout *layout, const char *path);
/**
 * Replace the content of a RAM-only device with the file at `path` (exactly the layout's
 * size; bytes != erased value count as programmed). The file is only read.
 * 0, SDFU_ERR_NOENT (unreadable) or SDFU_ERR_INVAL (wrong size or file-backed device).
 */
int sim_flash_load_file(struct sim_flash *f, const char *path);
/**
 * Take an exclusive lock on the flash file `path` (created when missing) for the life of the
 * process: a POSIX record lock on a descriptor the caller keeps open (*fd_out). Another
 * process holding it -> SDFU_ERR_BUSY and *holder_pid its pid (0 when unknown); the file is
 * not modified. SDFU_ERR_IO when the file cannot be opened.
 */
int sim_flash_lock_file(const char *path, int *fd_out, long *holder_pid);
/**
 * Size check before sim_flash_open() of an existing file: 0 when `path` is missing, empty or
 * exactly `layout`'s size; SDFU_ERR_INVAL (and *size the file's size) otherwise. Reads nothing.
 */
int sim_flash_file_check(const char *path, const struct sim_flash_layout *layout, long long *size);
/** Release memory and close the file. Safe on a zeroed or already closed object. */
void sim_flash_close(struct sim_flash *f);

/** Area `id` of the device, or NULL when absent from the layout. */
const struct sdfu_flash_area *sim_flash_area(struct sim_flash *f, enum sdfu_flash_area_id id);

/** Erase the whole device (not counted as an op, no faults). 0 or SDFU_ERR_IO (file write failed). */
int sim_flash_wipe(struct sim_flash *f);

/**
 * Raw write bypassing the rules and faults (test setup, provisioning). Marks each write
 * unit touched programmed when a byte of it differs from the erased value (a unit only
 * partly covered stays programmed if it was). 0, SDFU_ERR_RANGE or SDFU_ERR_IO (file).
 */
int sim_flash_poke(struct sim_flash *f, uint32_t off, const void *buf, size_t len);
/** Raw read bypassing faults. 0 or SDFU_ERR_RANGE. */
int sim_flash_peek(const struct sim_flash *f, uint32_t off, void *buf, size_t len);

/* ---- fault injection ---------------------------------------------------- */

/** Reset the op counter (op numbers count from 1 after this) and disarm all faults. */
void sim_flash_disarm(struct sim_flash *f);
/** Make mutating op number `n` (after the counter reset) fail with SDFU_ERR_IO; `sticky` keeps failing. */
void sim_flash_fail_at(struct sim_flash *f, uint64_t n, bool sticky);
/**
 * Cut power at mutating op number `n` (1-based, counted from now: the counter is
 * reset). `param` is the landed prefix in percent for TORN_WRITE / PARTIAL_ERASE.
 */
void sim_flash_cut_at(struct sim_flash *f, uint64_t n, enum sim_flash_cut_mode mode, uint32_t param);
/** Cut power now: every op fails with SDFU_ERR_IO until sim_flash_power_on(). */
void sim_flash_power_off(struct sim_flash *f);
/** Restore power (disarms pending faults). */
void sim_flash_power_on(struct sim_flash *f);
/** Mutating ops since the last arm / disarm / power on. */
uint64_t sim_flash_ops(const struct sim_flash *f);

/* ---- snapshots ---------------------------------------------------------- */

/** A copy of a device's content and programmed map. */
struct sim_flash_snapshot {
	uint8_t *mem;
	uint64_t *prog;
	uint32_t size;
};

/** Copy the content into `s` (malloc'd). 0 or SDFU_ERR_NOMEM. */
int sim_flash_snapshot_take(const struct sim_flash *f, struct sim_flash_snapshot *s);
/** Put a snapshot back (same layout; file rewritten when file-backed). 0 or SDFU_ERR_INVAL/IO. */
int sim_flash_snapshot_restore(struct sim_flash *f, const struct sim_flash_snapshot *s);
/**
 * Put back only [off, off+len) of a snapshot (rounded out to write units): content and
 * programmed bits. For harnesses that track the range they dirtied. 0, SDFU_ERR_INVAL, SDFU_ERR_IO.
 */
int sim_flash_snapshot_restore_range(struct sim_flash *f, const struct sim_flash_snapshot *s, uint32_t off,
				     uint32_t len);
void sim_flash_snapshot_free(struct sim_flash_snapshot *s);

/** Reset the statistics (the per-sector erase counts too). */
void sim_flash_stats_reset(struct sim_flash *f);

/** Erase count of the device sector holding device offset `off` (0 when outside). */
uint32_t sim_flash_sector_erases(const struct sim_flash *f, uint32_t off);

/**
 * Make writes that touch device range [off, off+len) fail with SDFU_ERR_IO
 * (nothing changes) with probability `permille`/1000, drawn from a PRNG seeded with
 * `seed` (MCUboot simflash add_bad_region). `permille` 0 removes the region. Counted
 * in stats.failed; the op still counts for cut/fail numbering.
 */
void sim_flash_bad_region(struct sim_flash *f, uint32_t off, uint32_t len, uint32_t permille,
			  uint32_t seed);

/**
 * Test hook: make the backing file's write number `n` (counted from 1 now; pwrite calls
 * of writes, erases, pokes and restores) fail with errno `err` (0 = EIO) as a full disk
 * or a failing medium would; `sticky` keeps failing from then on. `n` 0 disarms. Nothing
 * in RAM changes for what the file refused. No effect on a RAM-only device.
 */
void sim_flash_file_fail(struct sim_flash *f, uint64_t n, int err, bool sticky);

#endif /* SDFU_SIM_FLASH_H */
