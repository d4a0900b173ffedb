/* SPDX-License-Identifier: Apache-2.0 */
/* Config-channel DFU: the competing DFU owner (start/data/sync/reboot, background slot erase). */
#ifndef SDFU_DFU_CFGCHAN_H
#define SDFU_DFU_CFGCHAN_H

#include "sdfu/config.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/evt.h"
#include "sdfu/flash.h"
#include "sdfu/module_state.h"
#include "sdfu/timer.h"


_Static_assert(SDFU_DFU_CFGCHAN_SYNC_BUFFER_SIZE % SDFU_FLASH_MAX_ALIGN == 0,
	       "sync buffer must be a multiple of SDFU_FLASH_MAX_ALIGN");

/** Sync states; values must match the host tool. */
enum sdfu_dfu_cfgchan_state {
	SDFU_DFU_CFGCHAN_INACTIVE = 0,
	SDFU_DFU_CFGCHAN_ACTIVE_CONFIG_CHANNEL = 1,
	SDFU_DFU_CFGCHAN_STORING = 2,
	SDFU_DFU_CFGCHAN_CLEANING = 3,
	SDFU_DFU_CFGCHAN_ACTIVE_OTHER = 4,
};

/** Request ids carried by the config_event this module submits for each request. */
enum sdfu_dfu_cfgchan_opt {
	SDFU_DFU_CFGCHAN_OPT_START = 0,
	SDFU_DFU_CFGCHAN_OPT_DATA = 1,
	SDFU_DFU_CFGCHAN_OPT_SYNC = 2,
	SDFU_DFU_CFGCHAN_OPT_REBOOT = 3,
};

/** The module's id in module_state_event. */
SDFU_MODULE_ID_DECLARE(dfu_cfgchan);

/**
 * config_event: a config-channel request was handled (submitted by dfu_cfgchan
 * for every request). ble_latency lowers the latency on it.
 */
struct sdfu_config_evt {
	struct sdfu_evt_hdr hdr;
	uint8_t opt; /**< request id (module-specific) */
	bool is_request;
};
SDFU_EVT_TYPE_DECLARE(sdfu_config_evt);

/** Answer of a sync request. */
struct sdfu_dfu_cfgchan_sync {
	uint8_t state;        /**< enum sdfu_dfu_cfgchan_state */
	uint32_t img_length;  /**< announced by start */
	uint32_t img_csum;    /**< CRC-32 announced by start */
	uint32_t offset;      /**< bytes stored in flash so far */
	uint16_t sync_buffer_size;
};

/** Collaborators; caller-owned, outliving the module. */
struct sdfu_dfu_cfgchan_deps {
	struct sdfu_evt_bus *bus;       /**< required */
	struct sdfu_timer_list *timers; /**< required */
	struct sdfu_dfu_lock *lock;     /**< NULL = no arbitration */
	struct sdfu_boot_ctx *boot;     /**< required: mode and slots */
};

/** Counters for tests and the state dump. */
struct sdfu_dfu_cfgchan_stats {
	uint32_t erased_sectors;
	uint32_t stores;
	uint32_t completions;
	uint32_t csum_errors;
	uint32_t flash_errors;
	uint32_t timeouts;
	uint32_t refused;     /**< requests refused because another owner holds the lock */
};

/** The module; caller-owned. Fields are private except `stats`. */
struct sdfu_dfu_cfgchan {
	struct sdfu_dfu_cfgchan_deps d;
	const struct sdfu_flash_area *slot; /**< the update slot */
	struct sdfu_dfu_lock_owner owner;   /**< name "Config Channel" */
	struct sdfu_timer timeout;
	struct sdfu_timer erase_timer;
	struct sdfu_timer store_timer;
	struct sdfu_timer reboot_timer;
	struct sdfu_evt_sub sub_state;
	bool started;
	bool active;         /**< a transfer is in progress */
	bool storing;        /**< staging buffer waiting to be written */
	bool erasing;        /**< background erase pending/running */
	bool reboot_pending;
	bool slot_clean;     /**< the slot is known to be erased */
	volatile bool slot_dirty; /**< another owner used the slot (set in its context) */
	uint32_t img_length;
	uint32_t img_csum;
	uint32_t offset;     /**< stored bytes */
	uint32_t erase_off;
	uint16_t buf_len;
	uint8_t buf[SDFU_DFU_CFGCHAN_SYNC_BUFFER_SIZE];
	struct sdfu_flash_stream stream; /**< writes the staging buffer (opened by start) */
	struct sdfu_dfu_cfgchan_stats stats;
};

/**
 * Initialise and subscribe to module_state_event; the boot actions run when
 * `main` reports READY (or on sdfu_dfu_cfgchan_boot()). The update slot is
 * slot[1] in swap/overwrite modes and the inactive slot in both direct-XIP modes.
 * A complete, checksum-verified upload requests a test boot of that slot in every
 * mode but plain direct-XIP (there MCUboot simply boots the higher version).
 * Returns 0 or SDFU_ERR_INVAL (missing dependency or slot). Loop context.
 */
int sdfu_dfu_cfgchan_init(struct sdfu_dfu_cfgchan *cc, const struct sdfu_dfu_cfgchan_deps *deps);
/**
 * Boot actions: confirm the running image (not in plain direct-XIP; direct-XIP
 * with revert is confirmed like the swap modes), claim the lock
 * (expected to succeed; if another transport already holds it the slot is
 * treated as dirty and no erase starts), then erase the update slot in the
 * background, sector by sector, releasing the lock when clean. Idempotent.
 */
void sdfu_dfu_cfgchan_boot(struct sdfu_dfu_cfgchan *cc);
/** Stop timers, unsubscribe, release the lock if held. Loop context. */
void sdfu_dfu_cfgchan_deinit(struct sdfu_dfu_cfgchan *cc);

/**
 * start: begin (offset 0) or resume (offset = stored offset, same length and
 * checksum) a transfer of `length` bytes whose CRC-32 (sdfu_crc32(), crc32.h) is `csum`.
 * Returns 0; SDFU_ERR_ACCES (another transport holds the lock; ignored);
 * SDFU_ERR_BUSY (the slot must be cleaned first: an erase was scheduled or is
 * running; retry when sync no longer reports CLEANING); SDFU_ERR_INVAL (bad
 * length or resume mismatch). Loop context.
 */
int sdfu_dfu_cfgchan_start(struct sdfu_dfu_cfgchan *cc, uint32_t length, uint32_t csum,
			   uint32_t offset);
/**
 * data: append `len` bytes to the staging buffer; a full buffer (or the end of
 * the image) is stored to flash after SDFU_DFU_CFGCHAN_STORE_DELAY_MS.
 * Returns 0; SDFU_ERR_BADSTATE (no transfer / lock not ours); SDFU_ERR_BUSY
 * (still storing: sync first); SDFU_ERR_NOSPC (buffer would overflow: sync
 * first); SDFU_ERR_RANGE (beyond the announced length).
 */
int sdfu_dfu_cfgchan_data(struct sdfu_dfu_cfgchan *cc, const uint8_t *data, size_t len);
/**
 * sync: report progress. Claims the lock (state ACTIVE_OTHER when another owner
 * holds it); releases it again at once when nothing of ours is pending.
 */
void sdfu_dfu_cfgchan_sync(struct sdfu_dfu_cfgchan *cc, struct sdfu_dfu_cfgchan_sync *out);
/**
 * reboot: claim; on success keep the lock and reset after
 * SDFU_DFU_CFGCHAN_REBOOT_DELAY_MS (returns true), else false.
 */
bool sdfu_dfu_cfgchan_reboot(struct sdfu_dfu_cfgchan *cc);
/** The device is in use (HID reports, BLE peer events): postpone the background erase. */
void sdfu_dfu_cfgchan_device_in_use(struct sdfu_dfu_cfgchan *cc);
/** Bootloader variant string: "MCUBOOT+XIP" in plain direct-XIP, else "MCUBOOT" (also revert). */
const char *sdfu_dfu_cfgchan_variant(const struct sdfu_dfu_cfgchan *cc);
/** True while the module holds the DFU lock. */
bool sdfu_dfu_cfgchan_owns_lock(const struct sdfu_dfu_cfgchan *cc);

#endif /* SDFU_DFU_CFGCHAN_H */
