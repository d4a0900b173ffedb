/* SPDX-License-Identifier: Apache-2.0 */
/* DFU lock: claim/release by owner identity, notifying the last releaser on hand-over. */
#include "sdfu/dfu_lock.h"

#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "dfu_lock"

void sdfu_dfu_lock_init(struct sdfu_dfu_lock *lock)
{
	lock->current = NULL;
	lock->previous = NULL;
	lock->claims_refused = 0;
}

int sdfu_dfu_lock_claim(struct sdfu_dfu_lock *lock, const struct sdfu_dfu_lock_owner *owner)
{
	int rc = SDFU_OK;
	const char *holder = NULL;

	if (owner == NULL) {
		return SDFU_ERR_INVAL;
	}
	sdfu_port_crit_enter();
	if (lock->current == owner) {
		/* already ours: nothing changes, nobody is notified */
	} else if (lock->current != NULL) {
		lock->claims_refused++;
		holder = lock->current->name;
		rc = SDFU_ERR_ACCES;
	} else {
		const struct sdfu_dfu_lock_owner *prev = lock->previous;

		lock->current = owner;
		SDFU_LOGD("claimed by %s", owner->name);
		if (prev != NULL && prev != owner && prev->owner_changed != NULL) {
			/* inside the critical section, in the claimer's context */
			prev->owner_changed(prev, owner);
		}
	}
	sdfu_port_crit_exit();
	if (rc != SDFU_OK) {
		SDFU_LOGD("%s refused: held by %s", owner->name, holder);
	}
	return rc;
}

int sdfu_dfu_lock_release(struct sdfu_dfu_lock *lock, const struct sdfu_dfu_lock_owner *owner)
{
	int rc = SDFU_OK;

	sdfu_port_crit_enter();
	if (owner == NULL || lock->current != owner) {
		rc = SDFU_ERR_PERM;
	} else {
		lock->current = NULL;
		lock->previous = owner;
	}
	sdfu_port_crit_exit();
	if (rc == SDFU_OK) {
		SDFU_LOGD("released by %s", owner->name);
	}
	return rc;
}

const struct sdfu_dfu_lock_owner *sdfu_dfu_lock_owner_get(const struct sdfu_dfu_lock *lock)
{
	return lock->current;
}

const struct sdfu_dfu_lock_owner *sdfu_dfu_lock_previous(const struct sdfu_dfu_lock *lock)
{
	return lock->previous;
}

bool sdfu_dfu_lock_is_free(const struct sdfu_dfu_lock *lock)
{
	return lock->current == NULL;
}
