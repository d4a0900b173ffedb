/* SPDX-License-Identifier: Apache-2.0 */
/* Transports in the core: SMP-over-console serial framing (base64 + CRC16 lines) and a UDP adapter. */
#ifndef SDFU_TRANSPORT_H
#define SDFU_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/base64.h"
#include "sdfu/config.h"
#include "sdfu/crc16.h"
#include "sdfu/smp_server.h"

/*
 * Everything here is portable framing: no OS calls, no allocation. The port
 * owns the byte source (UART, pty, socket) and calls these functions from the
 * core loop. None of them is thread-safe; call them from one context.
 */

/* CRC-16/XMODEM and base64 of the serial lines: sdfu/crc16.h, sdfu/base64.h (src/util). */

/* ---- Serial console framing ------------------------------------------- */
/** Smallest line that can carry one base64 group (2 start bytes + 4 chars + '\n'). */
#define SDFU_SERIAL_LINE_MIN 7

/** Line start bytes (first line of a packet / continuation line). */
#define SDFU_SERIAL_START_1 0x06
#define SDFU_SERIAL_START_2 0x09
#define SDFU_SERIAL_CONT_1 0x04
#define SDFU_SERIAL_CONT_2 0x14

/** Called with each complete frame whose CRC matched (CRC stripped); `frame` valid during the call. */
typedef void (*sdfu_serial_frame_fn)(void *ctx, const uint8_t *frame, size_t len);

/**
 * Receive state machine. Caller-owned; initialise with sdfu_serial_rx_init().
 * Lines are decoded as they arrive (4 base64 chars at a time), so a line may
 * be of any length; the packet must fit SDFU_SERIAL_RX_BUF_SIZE.
 */
struct sdfu_serial_rx {
	uint8_t line_state;  /**< internal: position in the current line */
	bool in_packet;      /**< a 06 09 line started a packet that is not complete */
	uint8_t quad[4];     /**< pending base64 characters */
	uint8_t quad_len;
	uint8_t len_bytes;   /**< how many of the 2 length bytes were decoded */
	uint16_t pkt_len;    /**< length field: frame + CRC */
	uint16_t got;        /**< bytes of frame + CRC decoded so far */
	uint8_t buf[SDFU_SERIAL_RX_BUF_SIZE];
	/* statistics */
	uint32_t frames;     /**< good frames delivered */
	uint32_t dropped;    /**< packets dropped (bad base64, CRC, length, truncated) */
};

/** Reset to "between lines, no packet". */
void sdfu_serial_rx_init(struct sdfu_serial_rx *rx);

/**
 * Feed received bytes (any split: partial lines, several lines, non-SMP text).
 * Each good frame is passed to `fn` when the line that completes it ends. A
 * packet with bad base64, a bad CRC, a length that does not fit, more data
 * than its length, or one interrupted by a new 06 09 line is dropped with a
 * warning and counted in `dropped`; the next good packet is served. Lines that
 * do not start with 06 09 / 04 14 are ignored, and so are 04 14 lines when no
 * packet is open. Returns the number of frames delivered by this call.
 */
int sdfu_serial_rx_feed(struct sdfu_serial_rx *rx, const uint8_t *data, size_t len,
			sdfu_serial_frame_fn fn, void *ctx);

/** Write `len` bytes of encoded output. Returns 0 or a negative sdfu_err. */
typedef int (*sdfu_serial_out_fn)(void *ctx, const uint8_t *data, size_t len);

/**
 * Transmit encoder. Caller-owned. The line being built lives on the stack of
 * sdfu_serial_tx_frame() (SDFU_SERIAL_LINE_MAX bytes), which runs after a request's
 * handler has returned, so it is not on the deepest stack path and costs no static RAM.
 */
struct sdfu_serial_tx {
	uint16_t line_len;   /**< max bytes per line incl. start bytes and '\n' */
	sdfu_serial_out_fn out;
	void *out_ctx;
};

/**
 * Prepare an encoder. `line_len` 0 selects SDFU_SERIAL_LINE_LEN; values are
 * clamped to [SDFU_SERIAL_LINE_MIN, SDFU_SERIAL_LINE_MAX]. `out` receives one
 * whole line per call.
 */
void sdfu_serial_tx_init(struct sdfu_serial_tx *tx, uint16_t line_len, sdfu_serial_out_fn out,
			 void *out_ctx);

/**
 * Encode one SMP frame as a packet (u16 BE length, frame, CRC16 BE), base64,
 * cut into lines: the first starts with 06 09, the rest with 04 14, each ends
 * with '\n' and is at most line_len bytes. Each line's base64 text is a
 * multiple of 4 characters and decodes on its own; only the last line may carry
 * '=' padding. Returns 0, SDFU_ERR_MSGSIZE when len > 65533, or the first error
 * from `out` (the rest of the packet is not sent).
 */
int sdfu_serial_tx_frame(struct sdfu_serial_tx *tx, const uint8_t *frame, size_t len);

/**
 * A serial SMP endpoint: bytes in -> frames -> sdfu_smp_process -> lines out.
 * Caller-owned; `srv` must outlive it.
 */
struct sdfu_serial {
	struct sdfu_serial_rx rx;
	struct sdfu_serial_tx tx;
	struct sdfu_smp_server *srv;
	struct sdfu_smp_transport transport; /**< name "serial" */
	uint32_t tx_errors;
};

/**
 * Initialise the endpoint. `line_len` as for sdfu_serial_tx_init(); responses
 * are written through `out` (the port's UART or pty write).
 */
void sdfu_serial_init(struct sdfu_serial *s, struct sdfu_smp_server *srv, uint16_t line_len,
		      sdfu_serial_out_fn out, void *out_ctx);

/**
 * Feed received bytes; every complete frame is processed by the SMP server and
 * its responses are sent as lines before this returns. Returns the number of
 * frames handed to the server. Loop context.
 */
int sdfu_serial_feed(struct sdfu_serial *s, const uint8_t *data, size_t len);

/* ---- UDP --------------------------------------------------------------- */
/**
 * A UDP SMP endpoint: one SMP frame per datagram, one datagram per response.
 * The socket lives in the port; the port passes each datagram and a tx
 * function that replies to the sender (tx_ctx = the sender's address).
 */
struct sdfu_udp {
	struct sdfu_smp_server *srv;
	struct sdfu_smp_transport transport; /**< name "udp" */
};

/** Initialise; `srv` must outlive `u`. */
void sdfu_udp_init(struct sdfu_udp *u, struct sdfu_smp_server *srv);

/**
 * Handle one received datagram. Responses go to `tx` (one call per response
 * frame). Returns what sdfu_smp_process returns: frames handled, or a negative
 * sdfu_err when nothing usable was received (no reply). Loop context.
 */
int sdfu_udp_rx(struct sdfu_udp *u, const uint8_t *dgram, size_t len, sdfu_smp_tx_fn tx,
		void *tx_ctx);

#endif /* SDFU_TRANSPORT_H */
