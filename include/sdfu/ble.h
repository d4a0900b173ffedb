/* SPDX-License-Identifier: Apache-2.0 */
/* SMP over BLE GATT: reassembly of characteristic writes into frames, notification fragmentation. */
#ifndef SDFU_BLE_H
#define SDFU_BLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/config.h"
#include "sdfu/smp_server.h"

/*
 * Portable rules of the SMP GATT transport (spec 7.4), no radio, no OS:
 * - requests arrive as Write Without Response values on the SMP characteristic.
 *   The first write of a frame carries at least the 8-byte SMP header; the
 *   expected frame size is 8 + header length. Following writes append until the
 *   frame is complete. A frame larger than the reassembly buffer is refused at
 *   its first write; a write that would overrun the expected size drops the
 *   whole partial frame (the write itself included). Disabling notifications
 *   (CCCD) or disconnecting drops a partial frame (sdfu_ble_rx_reset()).
 * - responses leave as notifications of at most ATT_MTU - 3 bytes, in order.
 *   When the stack refuses a notification (no buffer) the chunk is halved (not
 *   below SDFU_BLE_MIN_CHUNK) and retried.
 * Not thread-safe: call from one context (the core loop).
 */

/** Smallest ATT MTU (BLE default). */
#define SDFU_BLE_ATT_MTU_MIN 23
/** ATT notification header overhead (opcode + handle). */
#define SDFU_BLE_ATT_OVERHEAD 3
/** Smallest notification payload the halving retry goes down to. */
#define SDFU_BLE_MIN_CHUNK 20


/** Request reassembly state; caller-owned, sdfu_ble_rx_init() first. */
struct sdfu_ble_rx {
	uint16_t max_frame; /**< frames above this are refused (<= SDFU_BLE_RX_BUF_SIZE) */
	uint16_t expected;  /**< total bytes of the frame in progress, 0 = idle */
	uint16_t got;       /**< bytes of it received so far */
	uint8_t buf[SDFU_BLE_RX_BUF_SIZE];
	/* statistics */
	uint32_t frames;   /**< complete frames delivered */
	uint32_t refused;  /**< first writes refused (too short, frame too large) */
	uint32_t dropped;  /**< partial frames dropped (overrun, reset) */
};

/** Reset to idle with frames limited to `max_frame` bytes (0 or too big = the buffer size). */
void sdfu_ble_rx_init(struct sdfu_ble_rx *rx, uint16_t max_frame);

/** Drop a partial frame (CCCD disabled, disconnect); counted in `dropped` when one was open. */
void sdfu_ble_rx_reset(struct sdfu_ble_rx *rx);

/**
 * Feed one characteristic write. Returns:
 *  - 0: accepted, the frame is not complete yet;
 *  - 1: the frame is complete: *frame / *frame_len point into rx->buf (valid
 *    until the next call) and the state is idle again;
 *  - SDFU_ERR_CORRUPT: first write shorter than the SMP header (refused);
 *  - SDFU_ERR_MSGSIZE: the announced frame exceeds max_frame (refused; state idle);
 *  - SDFU_ERR_RANGE: the write overruns the expected size: the partial frame is
 *    dropped and the state is idle;
 *  - SDFU_ERR_INVAL: NULL arguments or an empty write (ignored).
 * `frame`/`frame_len` may be NULL only when the caller does not need the frame.
 */
int sdfu_ble_rx_write(struct sdfu_ble_rx *rx, const uint8_t *data, size_t len,
		      const uint8_t **frame, size_t *frame_len);

/** True while a partial frame is being reassembled. */
bool sdfu_ble_rx_busy(const struct sdfu_ble_rx *rx);

/** Send one notification; returns 0, SDFU_ERR_NOMEM/SDFU_ERR_BUSY (no buffer: retry smaller) or another error. */
typedef int (*sdfu_ble_notify_fn)(void *ctx, const uint8_t *data, size_t len);

/**
 * Split `frame` into notifications of at most att_mtu - 3 bytes, in order.
 * When `notify` returns SDFU_ERR_NOMEM or SDFU_ERR_BUSY the chunk size is
 * halved (not below SDFU_BLE_MIN_CHUNK) and the same data retried; at the
 * minimum size that error is returned. Any other error is returned at once (the
 * rest of the frame is not sent). Returns the number of notifications sent
 * (> 0), or SDFU_ERR_INVAL (att_mtu < 23, empty frame, NULL notify).
 */
int sdfu_ble_tx_frame(const uint8_t *frame, size_t len, uint16_t att_mtu, sdfu_ble_notify_fn notify,
		      void *ctx);

/**
 * A BLE SMP endpoint: writes in -> frames -> sdfu_smp_process -> whole response
 * frames to `tx` (the port queues them until its next connection event and
 * fragments them with sdfu_ble_tx_frame()). Its transport has
 * SDFU_SMP_TRANSPORT_F_BLE. Caller-owned; `srv` must outlive it.
 */
struct sdfu_ble {
	struct sdfu_ble_rx rx;
	struct sdfu_smp_server *srv;
	struct sdfu_smp_transport transport; /**< name "ble", flags F_BLE */
	sdfu_smp_tx_fn tx;
	void *tx_ctx;
};

/** Initialise; `max_frame` as for sdfu_ble_rx_init() (0 = the server's buf_size). */
void sdfu_ble_init(struct sdfu_ble *b, struct sdfu_smp_server *srv, uint16_t max_frame,
		   sdfu_smp_tx_fn tx, void *tx_ctx);

/**
 * Feed one write; a completed frame is processed by the SMP server before this
 * returns (responses through `tx`). Returns sdfu_ble_rx_write()'s result, with
 * 1 meaning a frame was processed. Loop context.
 */
int sdfu_ble_write(struct sdfu_ble *b, const uint8_t *data, size_t len);

#endif /* SDFU_BLE_H */
