/* SPDX-License-Identifier: Apache-2.0 */
/* Host port extras used by the device program (not part of the core's port contract). */
#ifndef SDFU_PORT_POSIX_H
#define SDFU_PORT_POSIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/** Return and clear the "reset requested" flag set by sdfu_port_reset(). */
int posix_port_take_reset(void);
/** Only lines at or above this severity (1 err .. 4 debug) are printed. */
void posix_port_set_log_level(int level);
/**
 * Log line time stamps: false (default) device uptime as Zephyr prints it, "[00:00:01.234]";
 * true, wall-clock ISO 8601 UTC ("2026-12-04T03:31:05.123Z"). Call before logging starts.
 */
void posix_port_set_log_time_iso(bool iso);
/** True when a line at `level` would be printed (to skip formatting work otherwise). */
int posix_port_log_enabled(int level);

/* ---- UDP socket (net_posix.c) -------------------------------------------- */
/** A bound, non-blocking UDP socket. */
struct posix_udp {
	int fd;          /**< -1 when closed */
	char bound[80];  /**< actual local address "HOST:PORT" ("[V6]:PORT") after bind */
};

/** The sender of a datagram; the tx context that replies to it. */
struct posix_udp_peer {
	int fd;
	struct sockaddr_storage addr;
	socklen_t len;
};

/**
 * Bind `spec` ("HOST:PORT", "[V6]:PORT" or "PORT"; port 0 picks a free one; the
 * result is in u->bound). Returns 0, SDFU_ERR_INVAL (bad spec) or SDFU_ERR_IO.
 */
int posix_udp_open(struct posix_udp *u, const char *spec);
void posix_udp_close(struct posix_udp *u);
/**
 * Receive one datagram into `buf` (non-blocking). Returns its length (> 0), 0
 * when nothing is pending or the datagram was too large (dropped with a log
 * line), or SDFU_ERR_IO. Fills `peer` for posix_udp_send().
 */
int posix_udp_recv(struct posix_udp *u, uint8_t *buf, size_t size, struct posix_udp_peer *peer);
/** sdfu_smp_tx_fn: send one datagram to the peer `ctx` (struct posix_udp_peer *). */
int posix_udp_send(void *ctx, const uint8_t *frame, size_t len);
/** Render the peer address into `buf`; returns buf. */
const char *posix_udp_peer_str(const struct posix_udp_peer *peer, char *buf, size_t size);

/**
 * A listening, non-blocking, close-on-exec unix socket of `type` (SOCK_STREAM,
 * SOCK_SEQPACKET) at `path` (an old file there is removed) with `backlog`.
 * Returns the fd, or -1 with errno set (ENAMETOOLONG: `path` does not fit).
 */
int posix_unix_listen(const char *path, int type, int backlog);

/* ---- Serial: pseudo-terminal or existing tty (pty_posix.c) --------------- */
struct posix_serial {
	int fd;          /**< master side (pty) or the opened device; -1 when closed */
	int slave_fd;    /**< pty only: kept open so clients may come and go */
	bool is_pty;
	bool warned_full;
	char name[128];  /**< path clients open, e.g. /dev/pts/5 */
};

/**
 * Open the serial side: `spec` "pty" (or NULL) creates a new raw pseudo-terminal,
 * anything else is a tty/device path opened non-blocking (set raw when a tty).
 * Returns 0 or SDFU_ERR_IO.
 */
int posix_serial_open(struct posix_serial *s, const char *spec);
void posix_serial_close(struct posix_serial *s);
/** Read what is available (non-blocking): bytes read, 0 when none, or SDFU_ERR_IO. */
int posix_serial_read(struct posix_serial *s, uint8_t *buf, size_t size);
/**
 * sdfu_serial_out_fn: write all of `data` (ctx = struct posix_serial *). Waits up
 * to 200 ms for a full pty to drain, then drops the output (SDFU_ERR_BUSY).
 */
int posix_serial_write(void *ctx, const uint8_t *data, size_t len);

#endif
