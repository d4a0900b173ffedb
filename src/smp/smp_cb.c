/* SPDX-License-Identifier: Apache-2.0 */
/* SMP callbacks: registration order, first non-OK status wins, later ones are notified only. */
#include "sdfu/smp_cb.h"

#if SDFU_SMP_HOOKS

/*
 * A registration matches an event when it is "everything" (callback group 0,
 * all bits), or has the same callback group and shares at least one bit.
 */
static bool evt_matches(uint32_t cb_id, uint32_t evt)
{
	uint32_t cb_grp = cb_id >> 16;

	if (cb_grp == 0u && (cb_id & 0xFFFFu) == 0xFFFFu) {
		return true;
	}
	if (cb_grp != (evt >> 16)) {
		return false;
	}
	return (cb_id & evt & 0xFFFFu) != 0u;
}

void sdfu_smp_cb_register(struct sdfu_smp_server *srv, struct sdfu_smp_cb *cb)
{
	struct sdfu_smp_cb **pp = &srv->cbs;

	if (cb == NULL || cb->fn == NULL) {
		return;
	}
	while (*pp != NULL) {
		if (*pp == cb) {
			return; /* already registered: keep its place */
		}
		pp = &(*pp)->next;
	}
	cb->next = NULL;
	*pp = cb;
}

void sdfu_smp_cb_unregister(struct sdfu_smp_server *srv, struct sdfu_smp_cb *cb)
{
	struct sdfu_smp_cb **pp = &srv->cbs;

	while (*pp != NULL) {
		if (*pp == cb) {
			*pp = cb->next;
			cb->next = NULL;
			return;
		}
		pp = &(*pp)->next;
	}
}

enum sdfu_smp_cb_ret sdfu_smp_cb_notify(struct sdfu_smp_server *srv, uint32_t event,
					void *data, size_t data_size, int32_t *rc,
					uint16_t *group)
{
	enum sdfu_smp_cb_ret status = SDFU_SMP_CB_OK;
	bool abort_more = false;
	struct sdfu_smp_cb *cb;

	for (cb = srv->cbs; cb != NULL; cb = cb->next) {
		int32_t cb_rc = 0;
		uint16_t cb_group = 0;
		enum sdfu_smp_cb_ret r;

		if (!evt_matches(cb->event_id, event)) {
			continue;
		}
		r = cb->fn(event, status, &cb_rc, &cb_group, &abort_more, data, data_size,
			   cb->user);
		if (status == SDFU_SMP_CB_OK && r != SDFU_SMP_CB_OK) {
			/* Anything that is not ERROR_ERR denies with an rc. */
			status = (r == SDFU_SMP_CB_ERROR_ERR) ? SDFU_SMP_CB_ERROR_ERR
							      : SDFU_SMP_CB_ERROR_RC;
			if (rc != NULL) {
				*rc = cb_rc;
			}
			if (status == SDFU_SMP_CB_ERROR_ERR && group != NULL) {
				*group = cb_group;
			}
		}
		if (abort_more) {
			break;
		}
	}
	return status;
}
#endif /* SDFU_SMP_HOOKS */
