/* SPDX-License-Identifier: Apache-2.0 */
/* module_state_event (as CAF's): module identities and their states, carried on the event bus. */
#ifndef SDFU_MODULE_STATE_H
#define SDFU_MODULE_STATE_H

#include <stdbool.h>

#include "sdfu/evt.h"

/*
 * Each module defines its own id (SDFU_MODULE_ID_DEFINE in its .c, _DECLARE in
 * its header) and reports its state with sdfu_module_set_state(); others
 * react with sdfu_module_check_state() in a subscriber or with a waiter.
 */

/** Module states (CAF module_state). */
enum sdfu_module_state {
	SDFU_MODULE_STATE_READY = 0,     /**< active or initialised */
	SDFU_MODULE_STATE_OFF = 1,       /**< suspended by power-down; cannot wake the system */
	SDFU_MODULE_STATE_STANDBY = 2,   /**< suspended; may submit a wake-up */
	SDFU_MODULE_STATE_SUSPENDED = 3, /**< suspended by an explicit request */
	SDFU_MODULE_STATE_ERROR = 4,     /**< fatal error */
	SDFU_MODULE_STATE_COUNT
};

/** A module identity; compared by address. Static, one per module. */
struct sdfu_module_id {
	const char *name;
};

/** Define a module id object named sdfu_module_<name>. */
#define SDFU_MODULE_ID_DEFINE(name) const struct sdfu_module_id sdfu_module_##name = {#name}

/** Declare the module id object of a module (in the module's own header). */
#define SDFU_MODULE_ID_DECLARE(name) extern const struct sdfu_module_id sdfu_module_##name

/** `main`: reported READY by the application when its init is done (sdfu_stack_init()). */
SDFU_MODULE_ID_DECLARE(main);

struct sdfu_module_state_evt {
	struct sdfu_evt_hdr hdr;
	const struct sdfu_module_id *module;
	enum sdfu_module_state state;
};
SDFU_EVT_TYPE_DECLARE(sdfu_module_state_evt);

/** Name of a state ("READY", ...); "?" for out-of-range values. */
const char *sdfu_module_state_name(enum sdfu_module_state state);

/** Submit a module_state_event for `module`. Returns sdfu_evt_submit()'s result. */
int sdfu_module_set_state(struct sdfu_evt_bus *bus, const struct sdfu_module_id *module,
			  enum sdfu_module_state state);

/** True when `evt` is a module_state_event reporting `module` in `state`. */
bool sdfu_module_check_state(const struct sdfu_evt_hdr *evt, const struct sdfu_module_id *module,
			     enum sdfu_module_state state);

/**
 * Waiter: call `fn(user)` once when `module` reports `state` (typically READY).
 * Subscribes at NORMAL priority and unsubscribes itself after firing.
 * Caller-owned; keep it alive until it fired or was cancelled.
 */
struct sdfu_module_waiter {
	struct sdfu_evt_sub sub;
	struct sdfu_evt_bus *bus;
	const struct sdfu_module_id *module;
	enum sdfu_module_state state;
	void (*fn)(void *user);
	void *user;
	bool fired;
};

/** Start waiting. Returns sdfu_evt_subscribe()'s result. Loop context. */
int sdfu_module_wait(struct sdfu_evt_bus *bus, struct sdfu_module_waiter *w,
		     const struct sdfu_module_id *module, enum sdfu_module_state state,
		     void (*fn)(void *user), void *user);
/** Stop waiting (harmless after it fired). Loop context. */
void sdfu_module_wait_cancel(struct sdfu_module_waiter *w);

#endif /* SDFU_MODULE_STATE_H */
