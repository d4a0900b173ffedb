/* SPDX-License-Identifier: Apache-2.0 */
/* SMP server core: header codec, group registry, dispatch, v1/v2 errors, callbacks that may veto. */
#ifndef SDFU_SMP_H
#define SDFU_SMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zcbor_common.h>
#include <zcbor_decode.h>
#include <zcbor_encode.h>

#include "sdfu/config.h"

/* ---- Wire constants (MCUmgr) ------------------------------------------ */
#define SDFU_SMP_HDR_SIZE 8

enum sdfu_smp_op {
	SDFU_SMP_OP_READ = 0,
	SDFU_SMP_OP_READ_RSP = 1,
	SDFU_SMP_OP_WRITE = 2,
	SDFU_SMP_OP_WRITE_RSP = 3,
};

enum sdfu_smp_ver {
	SDFU_SMP_VER_1 = 0, /**< legacy "rc" errors */
	SDFU_SMP_VER_2 = 1, /**< group "err" errors */
};

#define SDFU_SMP_GROUP_OS 0
#define SDFU_SMP_GROUP_IMG 1

/** MGMT_ERR_* values carried in "rc". */
enum sdfu_mgmt_err {
	SDFU_MGMT_EOK = 0,
	SDFU_MGMT_EUNKNOWN = 1,
	SDFU_MGMT_ENOMEM = 2,
	SDFU_MGMT_EINVAL = 3,
	SDFU_MGMT_ETIMEOUT = 4,
	SDFU_MGMT_ENOENT = 5,
	SDFU_MGMT_EBADSTATE = 6,
	SDFU_MGMT_EMSGSIZE = 7,
	SDFU_MGMT_ENOTSUP = 8,
	SDFU_MGMT_ECORRUPT = 9,
	SDFU_MGMT_EBUSY = 10,
	SDFU_MGMT_EACCESSDENIED = 11,
	SDFU_MGMT_UNSUPPORTED_TOO_OLD = 12,
	SDFU_MGMT_UNSUPPORTED_TOO_NEW = 13,
};

/** Decoded 8-byte SMP header (host order). */
struct sdfu_smp_hdr {
	uint8_t op;      /**< enum sdfu_smp_op (3 bits) */
	uint8_t ver;     /**< enum sdfu_smp_ver (2 bits) */
	uint8_t flags;
	uint16_t len;    /**< CBOR payload length */
	uint16_t group;
	uint8_t seq;
	uint8_t id;      /**< command id */
};

/** Encode `hdr` into 8 bytes at `out` (big-endian, byte by byte). */
void sdfu_smp_hdr_encode(const struct sdfu_smp_hdr *hdr, uint8_t out[SDFU_SMP_HDR_SIZE]);
/** Decode 8 bytes at `in`. Never fails; the caller checks the fields. */
void sdfu_smp_hdr_decode(const uint8_t in[SDFU_SMP_HDR_SIZE], struct sdfu_smp_hdr *hdr);

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

/* ---- Callbacks (notifications that may veto) -------------------------- */
/** Event ids: (callback group << 16) | bit. */
#define SDFU_SMP_CB_GRP_SMP 1u
#define SDFU_SMP_CB_GRP_OS 2u
#define SDFU_SMP_CB_GRP_IMG 3u
#define SDFU_SMP_EVT(grp, bit) (((uint32_t)(grp) << 16) | (1u << (bit)))
#define SDFU_SMP_EVT_ALL_OF(grp) (((uint32_t)(grp) << 16) | 0xFFFFu)

/** Before a handler runs; data = struct sdfu_smp_cmd_info. Non-OK skips the handler. */
#define SDFU_SMP_EVT_CMD_RECV SDFU_SMP_EVT(SDFU_SMP_CB_GRP_SMP, 0)
/** After each command (also after a veto); data = struct sdfu_smp_cmd_done. */
#define SDFU_SMP_EVT_CMD_DONE SDFU_SMP_EVT(SDFU_SMP_CB_GRP_SMP, 2)
/** OS reset accepted by the handler, before it is scheduled; may veto. data = struct sdfu_os_reset_data. */
#define SDFU_SMP_EVT_OS_RESET SDFU_SMP_EVT(SDFU_SMP_CB_GRP_OS, 0)
/* Image group events are defined in sdfu/img.h with SDFU_SMP_CB_GRP_IMG. */

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

/* ---- CBOR helpers on zcbor (used by handlers) -------------------------- */
/** Types a bulk map decode can fill. */
enum sdfu_cbor_type {
	SDFU_CBOR_UINT32,   /**< uint32_t */
	SDFU_CBOR_UINT64,   /**< uint64_t */
	SDFU_CBOR_INT64,    /**< int64_t */
	SDFU_CBOR_BOOL,     /**< bool */
	SDFU_CBOR_BOOL_OR_UINT, /**< bool; an unsigned int is taken as != 0 (reset "force") */
	SDFU_CBOR_TSTR,     /**< struct zcbor_string */
	SDFU_CBOR_BSTR,     /**< struct zcbor_string */
	SDFU_CBOR_BSTR_OR_NULL, /**< struct zcbor_string; CBOR null gives len 0 */
};

/** One expected key of a request map. */
struct sdfu_cbor_field {
	const char *key;
	enum sdfu_cbor_type type;
	void *out;
	bool found; /**< set by the decoder */
};

/**
 * Decode the remaining entries of the request map at ctx->zsd into `fields`:
 * unknown keys are skipped, keys may come in any order, a known key with a wrong
 * type or present twice fails the request. Returns 0 or SDFU_ERR_INVAL.
 * Every `found` is reset first and set for the keys present. Unsigned values
 * are accepted in any encoded width. Call it once per request (it consumes the
 * map). Returning its error from the handler gives {"rc": 3}.
 */
int sdfu_smp_decode_map(struct sdfu_smp_ctx *ctx, struct sdfu_cbor_field *fields, size_t n);

#endif /* SDFU_SMP_H */
