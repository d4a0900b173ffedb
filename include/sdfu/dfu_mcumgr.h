/* SPDX-License-Identifier: Apache-2.0 */
/* DFU MCUmgr module: gates image/reset SMP commands with the DFU lock, inactivity release, hints. */
#ifndef SDFU_DFU_MCUMGR_H
#define SDFU_DFU_MCUMGR_H

#include <stdbool.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "sdfu/config.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/evt.h"
#include "sdfu/img.h"
#include "sdfu/module_state.h"
#include "sdfu/smp_cb.h"
#include "sdfu/smp_server.h"
#include "sdfu/timer.h"

/* ---- compile-time options (config.h holds SDFU_DFU_MCUMGR, _LOCK, _TIMEOUT_MS) ---- */

#if SDFU_DFU_MCUMGR && SDFU_CAF_BLE_SMP
#error "SDFU_DFU_MCUMGR and SDFU_CAF_BLE_SMP cannot be enabled together"
#endif

/* ---- the event this module owns --------------------------------------- */
/**
 * ble_smp_transfer_event: "SMP data is flowing; keep the link fast". Header
 * only. Submitted by dfu_mcumgr (one in flight at a time); handled by
 * ble_latency. Subscribers must not consume it. Defined whatever
 * SDFU_DFU_MCUMGR says, so its subscribers always link.
 */
struct sdfu_ble_smp_transfer_evt {
	struct sdfu_evt_hdr hdr;
};
SDFU_EVT_TYPE_DECLARE(sdfu_ble_smp_transfer_evt);

/* ---- runtime flags (default from the macros above) ---------------------- */
#define SDFU_DFU_MCUMGR_F_LOCK 0x01u                /**< arbitrate with the DFU lock */
#define SDFU_DFU_MCUMGR_F_BLE_TRANSPORT 0x02u       /**< submit ble_smp_transfer events */
#define SDFU_DFU_MCUMGR_F_READONLY_UNLOCKED 0x04u
#define SDFU_DFU_MCUMGR_F_EVT_BLE_ONLY 0x08u
#define SDFU_DFU_MCUMGR_F_RELEASE_ON_COMPLETE 0x10u

#define SDFU_DFU_MCUMGR_F_DEFAULT                                                          \
	((SDFU_DFU_LOCK ? SDFU_DFU_MCUMGR_F_LOCK : 0u) |                            \
	 (SDFU_DFU_MCUMGR_BLE_TRANSPORT ? SDFU_DFU_MCUMGR_F_BLE_TRANSPORT : 0u) |   \
	 (SDFU_DFU_MCUMGR_READONLY_UNLOCKED ? SDFU_DFU_MCUMGR_F_READONLY_UNLOCKED : 0u) | \
	 (SDFU_DFU_MCUMGR_EVT_BLE_ONLY ? SDFU_DFU_MCUMGR_F_EVT_BLE_ONLY : 0u) |     \
	 (SDFU_DFU_MCUMGR_RELEASE_ON_COMPLETE ? SDFU_DFU_MCUMGR_F_RELEASE_ON_COMPLETE : 0u))

/** Module configuration; sdfu_dfu_mcumgr_cfg_default() fills it from the macros. */
struct sdfu_dfu_mcumgr_cfg {
	uint32_t flags;      /**< SDFU_DFU_MCUMGR_F_* */
	uint32_t timeout_ms; /**< inactivity before releasing the lock */
	const char *version; /**< logged at start; NULL = read from the running image header */
};

/** Collaborators; all caller-owned and alive as long as the module. */
struct sdfu_dfu_mcumgr_deps {
	struct sdfu_smp_server *srv;   /**< required: the hook is installed here */
	struct sdfu_evt_bus *bus;      /**< required */
	struct sdfu_timer_list *timers; /**< required: the loop's timer list */
	struct sdfu_dfu_lock *lock;    /**< required with F_LOCK */
	struct sdfu_img *img;          /**< upload reset on owner change; NULL = none */
	struct sdfu_boot_ctx *boot;    /**< confirm at start; NULL = no confirm, no version */
};

/** Counters (tests and the device's state dump read them). */
struct sdfu_dfu_mcumgr_stats {
	uint32_t dfu_cmds;        /**< DFU commands seen */
	uint32_t accepted;        /**< DFU commands let through */
	uint32_t rejected;        /**< vetoed with rc 11 */
	uint32_t timeouts;        /**< inactivity timer expiries */
	uint32_t release_errors;  /**< timeout release refused (tolerated, logged) */
	uint32_t upload_resets;   /**< owner_changed -> sdfu_img_upload_reset() */
	uint32_t evt_submitted;
	uint32_t evt_skipped;     /**< not submitted: one already in flight */
	uint32_t evt_failed;      /**< submit refused (pool full) */
	uint32_t evt_unexpected;  /**< final subscriber saw an event we had not submitted */
	uint32_t completions;     /**< F_RELEASE_ON_COMPLETE releases */
	uint32_t confirm_errors;
};

/** The module object; caller-owned. Fields are private except `stats`. */
struct sdfu_dfu_mcumgr {
	struct sdfu_dfu_mcumgr_cfg cfg;
	struct sdfu_dfu_mcumgr_deps d;
	struct sdfu_dfu_lock_owner owner; /**< name "MCUmgr" */
	struct sdfu_timer timeout;
	struct sdfu_smp_cb cb_recv;
	struct sdfu_smp_cb cb_done;
	struct sdfu_smp_cb cb_img;
	struct sdfu_evt_sub sub_state;
	struct sdfu_evt_sub sub_transfer;
	bool started;        /**< main READY handled: hook installed */
	bool owns;           /**< we hold the lock (local record, see docs/DFU_MODULE.md) */
	bool evt_in_flight;  /**< one transfer event submitted, not yet seen by us (FINAL) */
	bool upload_pending; /**< F_RELEASE_ON_COMPLETE: last upload reached DFU_PENDING */
	struct sdfu_dfu_mcumgr_stats stats;
};

/** Fill `cfg` from the SDFU_DFU_MCUMGR_* macros. */
void sdfu_dfu_mcumgr_cfg_default(struct sdfu_dfu_mcumgr_cfg *cfg);

/**
 * Initialise (state S0 UNINIT): subscribe to module_state_event (NORMAL) and,
 * with F_BLE_TRANSPORT, to ble_smp_transfer_event as its FINAL subscriber.
 * The hook is installed later, when `main` reports READY (or on
 * sdfu_dfu_mcumgr_start()). `cfg` NULL = defaults; it is copied.
 * Returns 0, SDFU_ERR_INVAL (missing dependency), SDFU_ERR_EXIST (another FINAL
 * subscriber of the transfer event exists, e.g. a CAF-SMP-like module),
 * SDFU_ERR_NOTSUP (SMP callbacks compiled out: SDFU_SMP_HOOKS 0).
 * Loop context, init time.
 */
int sdfu_dfu_mcumgr_init(struct sdfu_dfu_mcumgr *m, const struct sdfu_dfu_mcumgr_deps *deps,
			 const struct sdfu_dfu_mcumgr_cfg *cfg);

/**
 * Boot actions, normally run by the `main` READY event: confirm the running
 * image unless the boot mode is plain direct-XIP (direct-XIP with revert is
 * confirmed, like the swap modes; confirm errors count in stats), install
 * the SMP CMD_RECV hook, log the image version. Idempotent. Never publishes a
 * module state. Loop context.
 */
void sdfu_dfu_mcumgr_start(struct sdfu_dfu_mcumgr *m);

/**
 * Undo init/start (for tests and orderly shutdown): remove hooks and
 * subscriptions, stop the timer and release the lock if held. Loop context.
 */
void sdfu_dfu_mcumgr_deinit(struct sdfu_dfu_mcumgr *m);

/** True while the module holds the DFU lock. */
bool sdfu_dfu_mcumgr_owns_lock(const struct sdfu_dfu_mcumgr *m);
/** True while a transfer event is in flight. */
bool sdfu_dfu_mcumgr_evt_in_flight(const struct sdfu_dfu_mcumgr *m);

#endif /* SDFU_DFU_MCUMGR_H */
