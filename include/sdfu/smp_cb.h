/* SPDX-License-Identifier: Apache-2.0 */
/* SMP callbacks (notification hooks): command received/done, group events, veto. */
#ifndef SDFU_SMP_CB_H
#define SDFU_SMP_CB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/config.h"
#include "sdfu/smp_server.h"

/* ---- Callbacks (notifications that may veto) -------------------------- */
/** Event ids: (callback group << 16) | bit. */
#define SDFU_SMP_CB_GRP_SMP 1u /* SMP core events below; groups define theirs (os.h, img.h) */
#define SDFU_SMP_EVT(grp, bit) (((uint32_t)(grp) << 16) | (1u << (bit)))
#define SDFU_SMP_EVT_ALL_OF(grp) (((uint32_t)(grp) << 16) | 0xFFFFu)

/** Before a handler runs; data = struct sdfu_smp_cmd_info. Non-OK skips the handler. */
#define SDFU_SMP_EVT_CMD_RECV SDFU_SMP_EVT(SDFU_SMP_CB_GRP_SMP, 0)
/** After each command (also after a veto); data = struct sdfu_smp_cmd_done. */
#define SDFU_SMP_EVT_CMD_DONE SDFU_SMP_EVT(SDFU_SMP_CB_GRP_SMP, 2)
/* OS and image group events are defined in sdfu/os.h and sdfu/img.h. */

enum sdfu_smp_cb_ret {
	SDFU_SMP_CB_OK = 0,        /**< allow */
	SDFU_SMP_CB_ERROR_RC = 1,  /**< deny with *rc = MGMT_ERR_* */
	SDFU_SMP_CB_ERROR_ERR = 2, /**< deny with group error *group / *rc */
};

/** Arguments of SDFU_SMP_EVT_CMD_RECV. */
struct sdfu_smp_cmd_info {
	uint16_t group;
	uint8_t id;
	uint8_t op; /**< request op (0 read, 2 write) */
	const struct sdfu_smp_transport *transport;
};

/** Arguments of SDFU_SMP_EVT_CMD_DONE. */
struct sdfu_smp_cmd_done {
	uint16_t group;
	uint8_t id;
	uint8_t op;
	int rc; /**< MGMT rc sent (0 ok); for a group error the v1-translated rc */
	bool group_err; /**< true when a group error was reported (v2 "err", or v1 translated) */
	const struct sdfu_smp_transport *transport;
	uint16_t err_group; /**< group error: group (when group_err) */
	uint16_t err_rc;    /**< group error: the group's own rc (when group_err) */
};

/**
 * A callback. `prev` is the status decided by earlier callbacks (later
 * callbacks are notified only). Set *rc (and *group for ERROR_ERR) when denying.
 * Set *abort_more to stop the chain. Runs in the core loop; it must not call
 * sdfu_smp_process() or unregister callbacks.
 */
typedef enum sdfu_smp_cb_ret (*sdfu_smp_cb_fn)(uint32_t event, enum sdfu_smp_cb_ret prev,
					       int32_t *rc, uint16_t *group, bool *abort_more,
					       void *data, size_t data_size, void *user);

struct sdfu_smp_cb {
	struct sdfu_smp_cb *next; /**< owned by the server */
	uint32_t event_id;        /**< one callback group, OR of bits, or ALL_OF */
	sdfu_smp_cb_fn fn;
	void *user;
};

#if SDFU_SMP_HOOKS
/** Register / unregister a callback (caller keeps `cb` alive). Loop context. */
void sdfu_smp_cb_register(struct sdfu_smp_server *srv, struct sdfu_smp_cb *cb);
void sdfu_smp_cb_unregister(struct sdfu_smp_server *srv, struct sdfu_smp_cb *cb);

/**
 * Run every callback matching `event`, in registration order. Returns the first
 * non-OK status with its *rc / *group (both untouched when OK). Groups call it
 * for their own events (image DFU_CHUNK, OS reset, ...).
 */
enum sdfu_smp_cb_ret sdfu_smp_cb_notify(struct sdfu_smp_server *srv, uint32_t event,
					void *data, size_t data_size, int32_t *rc,
					uint16_t *group);
#else
/* Callbacks compiled out (SDFU_SMP_HOOKS 0): nothing is registered, nothing vetoes. */
static inline void sdfu_smp_cb_register(struct sdfu_smp_server *srv, struct sdfu_smp_cb *cb)
{
	(void)srv;
	(void)cb;
}

static inline void sdfu_smp_cb_unregister(struct sdfu_smp_server *srv, struct sdfu_smp_cb *cb)
{
	(void)srv;
	(void)cb;
}

static inline enum sdfu_smp_cb_ret sdfu_smp_cb_notify(struct sdfu_smp_server *srv,
						      uint32_t event, void *data,
						      size_t data_size, int32_t *rc,
						      uint16_t *group)
{
	(void)srv;
	(void)event;
	(void)data;
	(void)data_size;
	(void)rc;
	(void)group;
	return SDFU_SMP_CB_OK;
}
#endif

#endif /* SDFU_SMP_CB_H */
