/* SPDX-License-Identifier: Apache-2.0 */
/* Composition root: builds timers, event bus, DFU lock, SMP server, groups and DFU modules in one order. */
#ifndef SDFU_STACK_H
#define SDFU_STACK_H

#include <stdbool.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "sdfu/config.h"
#include "sdfu/img.h"
#include "sdfu/os.h"
#include "sdfu/smp_server.h"
#include "sdfu/timer.h"
#if SDFU_STACK_DFU
#include "sdfu/ble_latency.h"
#include "sdfu/dfu_cfgchan.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/dfu_mcumgr.h"
#include "sdfu/evt.h"
#endif

/*
 * One struct sdfu_stack is everything an application (the simulated device, a
 * Cortex-M firmware, a test) needs between its transports and its flash: the
 * timer list, the SMP server with the OS and image groups and, with
 * SDFU_STACK_DFU (config.h), the event bus, the DFU lock, the DFU MCUmgr
 * module, the config-channel DFU and the BLE latency module. The caller owns
 * the object (static storage, ~SDFU_SMP_BUF_SIZE + a few KiB) and the boot
 * context it points to; the stack owns everything inside it.
 *
 * sdfu_stack_init() is a simulated power-on of the application: it zeroes the
 * object and builds it in this order (the order is the code in stack.c):
 *   1. timer list; event bus and DFU lock (SDFU_STACK_DFU);
 *   2. SMP server; OS group; image group (allow_erase_pending applied);
 *   3. cfg->extend(): the application's extra groups, SMP callbacks, event
 *      subscribers and transport bindings, before any DFU module;
 *   4. DFU MCUmgr module, config-channel DFU, BLE latency module (each when
 *      configured);
 *   5. with cfg->ready: `main` reports READY and the events are dispatched, so
 *      the boot actions (confirm the running image, install the SMP gate, the
 *      config channel's claim and background erase) complete before the caller
 *      polls any transport.
 * Then the caller's loop calls sdfu_stack_poll() (timers, then events) and
 * feeds transport input to &stack->srv; sdfu_stack_next_ms() says how long the
 * loop may sleep. Everything runs in the loop context (docs/DESIGN.md).
 */

struct sdfu_stack;

/** Stack configuration; sdfu_stack_cfg_default() fills it, the caller changes fields. */
struct sdfu_stack_cfg {
	/** Required: the application's boot context (mode, slots, keys, active slot);
	 * caller-owned, outlives the stack. Filled by the bootloader hand-over. */
	struct sdfu_boot_ctx *boot;
	/** OS info strings (0/7); NULL = built-in defaults. Caller-owned. */
	const struct sdfu_os_info *os_info;
	/** Image group: erase a slot scheduled for test/permanent (default SDFU_IMG_ALLOW_ERASE_PENDING). */
	bool allow_erase_pending;
	/**
	 * Called once after the built-in groups exist and before the DFU modules:
	 * register extra groups (sdfu_stack_add_group()), SMP callbacks, event
	 * subscribers, bind transports. A non-zero return aborts the init and is
	 * returned by sdfu_stack_init(). NULL = nothing.
	 */
	int (*extend)(struct sdfu_stack *stack, void *user);
	void *user; /**< passed to extend() */
#if SDFU_STACK_DFU
	bool dfu_mcumgr;                  /**< build the DFU MCUmgr module (default 1) */
	struct sdfu_dfu_mcumgr_cfg dfu;   /**< its configuration (default: the macros) */
	/** The module confirms the running image at main READY (default 1). 0: no
	 * confirm, and dfu.version is what it logs. */
	bool confirm_at_boot;
	bool cfgchan;                     /**< build the config-channel DFU (default 0; needs SDFU_STACK_CFGCHAN) */
	/** BLE link of the latency module; NULL = no BLE latency module (default). Needs
	 * SDFU_STACK_BLE_LATENCY. */
	const struct sdfu_ble_link *ble_link;
	const struct sdfu_ble_latency_cfg *ble_latency; /**< NULL = defaults */
	/** Report `main` READY at the end of init and dispatch it (default 1). 0: the
	 * caller reports it later (sdfu_module_set_state(&stack->bus, &sdfu_module_main, ...)). */
	bool ready;
#endif
};

/** The stack; caller-owned. Fields are readable (tests, state dumps); change them only through the API. */
struct sdfu_stack {
	struct sdfu_timer_list timers;
	struct sdfu_smp_server srv;
	struct sdfu_os os;
	struct sdfu_img img;
#if SDFU_STACK_DFU
	struct sdfu_boot_ctx *boot; /**< cfg->boot, for modules built late */
	struct sdfu_evt_bus bus;
	struct sdfu_dfu_lock lock;
	struct sdfu_dfu_mcumgr mcumgr;
#if SDFU_STACK_CFGCHAN
	struct sdfu_dfu_cfgchan cfgchan;
#endif
#if SDFU_STACK_BLE_LATENCY
	struct sdfu_ble_latency lat;
#endif
	bool mcumgr_on;  /**< mcumgr initialised */
	bool cfgchan_on; /**< cfgchan initialised */
	bool lat_on;     /**< lat initialised */
#endif
};

/** Fill `cfg` with the defaults (no boot context: the caller must set cfg->boot). */
void sdfu_stack_cfg_default(struct sdfu_stack_cfg *cfg);

/**
 * Build the stack in the documented order (see above). `cfg` is read during the
 * call only (its pointers must outlive the stack). `stack` and `cfg` must not be
 * NULL. Returns 0, SDFU_ERR_INVAL (no cfg->boot), the error of the group or module init that
 * failed, or extend()'s non-zero return; on error the stack is unusable
 * (call sdfu_stack_init() again). Loop context, at (re)start.
 */
int sdfu_stack_init(struct sdfu_stack *stack, const struct sdfu_stack_cfg *cfg);

/** Register an extra SMP group (e.g. from cfg->extend). Returns sdfu_smp_register_group()'s result. */
int sdfu_stack_add_group(struct sdfu_stack *stack, struct sdfu_smp_group *grp);

/**
 * One loop step at time `now_ms` (sdfu_port_uptime_ms()): fire due timers, then
 * dispatch queued events until none is left. Loop context.
 */
void sdfu_stack_poll(struct sdfu_stack *stack, uint32_t now_ms);

/** Milliseconds the loop may sleep from `now_ms`: 0 when events are queued, -1 when nothing is scheduled. */
int32_t sdfu_stack_next_ms(const struct sdfu_stack *stack, uint32_t now_ms);

#if SDFU_STACK_DFU
/**
 * Build the config-channel DFU after init (a channel that comes up late); the
 * caller then runs its boot actions (sdfu_dfu_cfgchan_boot()) or lets main READY
 * do it. Returns 0, SDFU_ERR_ALREADY, SDFU_ERR_NOTSUP (SDFU_STACK_CFGCHAN 0), or
 * sdfu_dfu_cfgchan_init()'s error. Loop context.
 */
int sdfu_stack_add_cfgchan(struct sdfu_stack *stack);
#endif

/**
 * Orderly shutdown (tests): deinit the DFU modules (releasing the lock, removing
 * hooks, subscriptions and timers) and stop the OS reset timer. Events still
 * queued are left for the caller's next poll. Loop context.
 */
void sdfu_stack_deinit(struct sdfu_stack *stack);

#endif /* SDFU_STACK_H */
