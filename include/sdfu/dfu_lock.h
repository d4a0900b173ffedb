/* SPDX-License-Identifier: Apache-2.0 */
/* DFU lock: one owner at a time over the update slot, with a hand-over notification. */
#ifndef SDFU_DFU_LOCK_H
#define SDFU_DFU_LOCK_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Voluntary arbitration between DFU transports (SMP, config channel, ...).
 * Owners are identified by the address of their descriptor. The lock remembers
 * the last owner that released it (`previous`); when a DIFFERENT owner claims
 * next, the previous owner's owner_changed() runs once, inside the critical
 * section, in the claimer's context, so it can invalidate its progress (reset
 * an upload, mark its slot dirty). Keep the callback short: no flash erase.
 */

struct sdfu_dfu_lock_owner;

/**
 * Called on `self` (the most recent releaser) when `new_owner` claims the lock.
 * Runs inside sdfu_dfu_lock_claim() with the port critical section held.
 */
typedef void (*sdfu_dfu_lock_changed_fn)(const struct sdfu_dfu_lock_owner *self,
					 const struct sdfu_dfu_lock_owner *new_owner);

/** Owner descriptor: static or caller-owned, alive while it may own or be previous. */
struct sdfu_dfu_lock_owner {
	const char *name;
	sdfu_dfu_lock_changed_fn owner_changed; /**< optional */
	void *user;                              /**< for the callback's use */
};

/** The lock: caller-owned; zero-initialised or sdfu_dfu_lock_init(). */
struct sdfu_dfu_lock {
	const struct sdfu_dfu_lock_owner *current;  /**< NULL when free */
	const struct sdfu_dfu_lock_owner *previous; /**< last releaser, never cleared */
	unsigned claims_refused;                    /**< statistics */
};

/** Free lock, no previous owner. Init time. */
void sdfu_dfu_lock_init(struct sdfu_dfu_lock *lock);

/**
 * Claim for `owner` (non-NULL). Returns 0 when the lock was free (owner set;
 * the previous owner is notified if it differs from `owner` and has a
 * callback) or already held by `owner` (no change, no callback);
 * SDFU_ERR_ACCES when held by another owner (nothing changes); SDFU_ERR_INVAL
 * for NULL. Thread-safe entry point (port critical section); not from an ISR
 * that can interrupt a holder of the critical section on ports where it is a mutex.
 */
int sdfu_dfu_lock_claim(struct sdfu_dfu_lock *lock, const struct sdfu_dfu_lock_owner *owner);

/**
 * Release by `owner`. Returns 0 (lock free, previous = owner) or
 * SDFU_ERR_PERM when `owner` is not the current owner (also when the lock is
 * free); nothing changes then. Thread-safe entry point.
 */
int sdfu_dfu_lock_release(struct sdfu_dfu_lock *lock, const struct sdfu_dfu_lock_owner *owner);

/** Current owner or NULL. A snapshot; any context. */
const struct sdfu_dfu_lock_owner *sdfu_dfu_lock_owner_get(const struct sdfu_dfu_lock *lock);
/** Last releaser or NULL. */
const struct sdfu_dfu_lock_owner *sdfu_dfu_lock_previous(const struct sdfu_dfu_lock *lock);
/** True when nobody owns the lock. */
bool sdfu_dfu_lock_is_free(const struct sdfu_dfu_lock *lock);

#endif /* SDFU_DFU_LOCK_H */
