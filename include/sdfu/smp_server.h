/* SPDX-License-Identifier: Apache-2.0 */
/* SMP server: transports, handler tables, group registry, dispatch, v1/v2 error responses. */
#ifndef SDFU_SMP_SERVER_H
#define SDFU_SMP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zcbor_common.h>
#include <zcbor_decode.h>
#include <zcbor_encode.h>

#include "sdfu/config.h"
#include "sdfu/smp_hdr.h"

struct sdfu_smp_cb;

/* ---- Transports -------------------------------------------------------- */
/** Transport flags, seen by callbacks (e.g. "came over BLE"). */
#define SDFU_SMP_TRANSPORT_F_BLE 0x01u

/**
 * Identity of the transport a request arrived on. Caller-owned, static for the
 * life of the server. `mtu` is the largest frame it can carry (0 = buf_size).
 */
struct sdfu_smp_transport {
	const char *name;
	uint32_t flags;
	uint16_t mtu;
};

/**
 * Send one complete response frame (header + CBOR). Called synchronously from
 * sdfu_smp_process(); `frame` is valid only during the call.
 * Returns 0 or a negative sdfu_err (logged; processing continues).
 */
typedef int (*sdfu_smp_tx_fn)(void *tx_ctx, const uint8_t *frame, size_t len);

/* ---- Handlers ---------------------------------------------------------- */
/**
 * What a handler sees. `zsd` is positioned inside the request map (already
 * opened); `zse` inside the response map (already opened; the dispatcher closes
 * both). A handler returns 0 with its fields encoded, or a negative sdfu_err
 * that maps to an "rc" (the dispatcher discards the partial map), or 0 after
 * sdfu_smp_set_group_err() to report a group error.
 *
 * Details of the dispatcher:
 * - the request payload has been checked to be one well-formed CBOR map
 *   (definite or indefinite, nesting <= SDFU_SMP_CBOR_STATES levels); a zero
 *   length payload is presented as an empty map. Strings in the request
 *   (zcbor_string.value) point into the caller's receive buffer.
 * - mgmt_rc != 0 (set by the handler) wins over the returned error; it also
 *   turns a 0 return into an {"rc": mgmt_rc} response.
 * - if the response encoder ran out of space (zcbor ZCBOR_ERR_NO_PAYLOAD) the
 *   response is {"rc": 7} whatever the handler returned.
 * - a group error discards the partial map: v2 gets {"err": {"group", "rc"}}
 *   only, v1 gets {"rc": translate(rc)} using the translate function of the
 *   group whose id is the error's group (EUNKNOWN when none).
 * - SMP-level errors ({"rc"}) abort the rest of a multi-frame buffer; group
 *   errors do not.
 */
struct sdfu_smp_ctx {
	struct sdfu_smp_server *srv;
	const struct sdfu_smp_transport *transport;
	struct sdfu_smp_hdr req_hdr;
	zcbor_state_t *zsd;
	zcbor_state_t *zse;
	/* group error set by a handler or callback (v2 "err"; v1 translated) */
	bool has_group_err;
	uint16_t err_group;
	uint16_t err_rc;
	/* set by a handler that wants a specific MGMT rc instead of mapping its sdfu_err */
	int mgmt_rc;
	/* the group being dispatched (its ->ctx is the group object); set by the dispatcher */
	const struct sdfu_smp_group *grp;
};

typedef int (*sdfu_smp_handler_fn)(struct sdfu_smp_ctx *ctx);

/** Handlers for one command id; NULL = op not supported (rc 8). */
struct sdfu_smp_handler {
	sdfu_smp_handler_fn read;
	sdfu_smp_handler_fn write;
};

/** Translate a group rc to a legacy MGMT_ERR for v1 requests. */
typedef int (*sdfu_smp_translate_fn)(uint16_t group_rc);

/** A management group: caller-owned, static, registered once at init. */
struct sdfu_smp_group {
	struct sdfu_smp_group *next; /**< owned by the registry */
	const struct sdfu_smp_handler *handlers; /**< indexed by command id */
	uint8_t handler_count;
	uint16_t group_id;
	sdfu_smp_translate_fn translate; /**< NULL = every group rc maps to EUNKNOWN */
	void *ctx;                       /**< the group object (for its handlers) */
};

/* ---- Server ------------------------------------------------------------ */
/** Caller-owned server; holds the response buffer (SDFU_SMP_BUF_SIZE bytes). */
struct sdfu_smp_server {
	struct sdfu_smp_group *groups;
	struct sdfu_smp_cb *cbs;
	uint16_t buf_size;  /**< advertised, <= SDFU_SMP_BUF_SIZE */
	uint16_t buf_count;
	uint8_t rsp[SDFU_SMP_BUF_SIZE];
	/* statistics */
	uint32_t rx_frames;
	uint32_t tx_frames;
	uint32_t rx_errors;
};

/** Initialise; no groups, no callbacks. buf_size = SDFU_SMP_BUF_SIZE. */
void sdfu_smp_server_init(struct sdfu_smp_server *srv);

/**
 * Register a group (caller keeps `grp` alive). Returns 0, SDFU_ERR_EXIST if the
 * group id is already registered. Init time only.
 */
int sdfu_smp_register_group(struct sdfu_smp_server *srv, struct sdfu_smp_group *grp);

/**
 * Process a received buffer holding one or more SMP frames. Each response is
 * passed to `tx`. Returns the number of frames handled, or a negative sdfu_err
 * when the buffer held no usable header (nothing was sent). Loop context.
 *
 * `buf` is caller-owned, read only during the call and must not alias
 * srv->rsp. `tr` may be NULL. Per frame, in this order: payload shorter than
 * the header length -> {"rc": 9}; version 2/3 -> {"rc": 13} (response version
 * clamped to 1); frame longer than srv->buf_size -> {"rc": 7}; op other than
 * READ/WRITE, unknown group/command, or no handler for the op -> {"rc": 8};
 * then SDFU_SMP_EVT_CMD_RECV, request map check (-> {"rc": 3}), the handler,
 * and SDFU_SMP_EVT_CMD_DONE (CMD_RECV/CMD_DONE only when a handler exists).
 * Responses never exceed min(srv->buf_size, SDFU_SMP_BUF_SIZE, tr->mtu if not 0).
 * The response echoes version (clamped), group, sequence and command id, with
 * op 1 for a READ request and 3 otherwise. Trailing bytes shorter than a header
 * are ignored (logged). Returns SDFU_ERR_CORRUPT when len < 8.
 */
int sdfu_smp_process(struct sdfu_smp_server *srv, const struct sdfu_smp_transport *tr,
		     const uint8_t *buf, size_t len, sdfu_smp_tx_fn tx, void *tx_ctx);

/** Report a group error from a handler (v2 "err"; v1 translated). Returns 0. */
int sdfu_smp_set_group_err(struct sdfu_smp_ctx *ctx, uint16_t group, uint16_t rc);

/** Map a negative sdfu_err to an MGMT_ERR_* value. */
int sdfu_smp_err_to_mgmt(int err);

#endif /* SDFU_SMP_SERVER_H */
