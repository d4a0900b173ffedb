/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device internals: options, the device object and its lifecycle steps. */
#ifndef SDFU_SIM_DEVICE_H
#define SDFU_SIM_DEVICE_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ble/ble_conn.h"
#include "boot/sim_boot.h"
#include "flash/flash_timing.h"
#include "flash/sim_flash.h"
#include "port_posix.h"
#include "sdfu/ble.h"
#include "sdfu/ble_latency.h"
#include "sdfu/boot.h"
#include "sdfu/dfu_cfgchan.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/dfu_mcumgr.h"
#include "sdfu/enum.h"
#include "sdfu/evt.h"
#include "sdfu/img.h"
#include "sdfu/os.h"
#include "sdfu/smp.h"
#include "sdfu/stack.h"
#include "sdfu/timer.h"
#include "sdfu/transport.h"

struct device;

#define DEVICE_MAX_KEYS 4
#define DEVICE_KEY_DER_MAX 600

/** Command line options (main.c). Strings point into argv. */
struct device_opts {
	const char *flash_path;      /**< --flash, default ./smpdfu.flash */
	const char *udp;             /**< --udp HOST:PORT, NULL = off */
	const char *serial;          /**< --serial pty|PATH, NULL = off */
	const char *layout;          /**< --layout, default nrf52840 */
	enum sdfu_boot_mode mode;    /**< --mode, default swap (swap-move) */
	bool overwrite_fast;         /**< --mode overwrite-only-fast */
	const char *provision;       /**< --provision IMG, NULL = none */
	const char *key_paths[DEVICE_MAX_KEYS];
	unsigned key_count;
	bool downgrade_prevention;   /**< --downgrade-prevention */
	bool wipe;                   /**< --wipe: erase the whole flash first */
	uint16_t line_length;        /**< --line-length, default 127 */
	int log_level;               /**< --log-level 0..4, default 3 */
	/* DFU modules (docs/DFU_MODULE.md) */
	bool dfu_module;             /**< --dfu-module on|off, default on */
	bool confirm_at_boot;        /**< --confirm-at-boot on|off, default on (never in plain direct-XIP) */
	uint32_t dfu_timeout_ms;     /**< --dfu-timeout-ms, default 5000 */
	bool readonly_unlocked;      /**< --dfu-readonly-unlocked */
	bool evt_ble_only;           /**< --dfu-evt-ble-only */
	bool release_on_complete;    /**< --dfu-release-on-complete */
	bool allow_erase_pending;    /**< --erase-pending on|off (image group option), default on */
	/* local sockets */
	const char *ble_path;        /**< --ble PATH: BLE link model (SOCK_SEQPACKET) */
	const char *cfgchan_path;    /**< --cfgchan PATH: config-channel DFU (JSON lines) */
	const char *ctl_path;        /**< --ctl PATH: control interface (JSON lines) */
	uint16_t ble_mtu;            /**< --ble-mtu: largest ATT MTU the device accepts, default 498 */
	uint32_t power_off_ms;       /**< --power-off-ms: off time after a power cut, default 200; 0 = manual */
	bool flash_timing;           /**< --flash-timing on|off: datasheet erase/write times, default off */
	bool radio_sync;             /**< --radio-sync on|off: flash operations take the BLE radio */
};

/** One trusted key loaded from a PEM/DER file (keys.c). */
struct device_key {
	uint8_t der[DEVICE_KEY_DER_MAX];
	size_t der_len;
};

/** The core objects, re-initialised at every simulated (re)start. */
struct device_core {
	struct sdfu_stack stack;     /**< timers, bus, lock, SMP server, groups, DFU modules */
	struct sdfu_enum en;           /**< enum group (10): discovery */
	struct sdfu_boot_ctx boot;
	struct sim_boot_report boot_report;
	bool booted;                 /**< the bootloader found an image to run */
	char version[32];            /**< running image version ("none" without one) */
	struct sdfu_evt_sub sub_xfer;  /**< counts processed ble_smp_transfer events */
	uint32_t xfer_processed;
};

#define DEVICE_LINE_CLIENTS 4
#define DEVICE_LINE_MAX 8192

/** A local stream socket serving newline-delimited JSON requests (jsonl.c). */
struct line_srv {
	const char *what;            /**< "ctl" / "cfgchan", for logs */
	int lfd;                     /**< listening socket, -1 = off */
	char path[108];
	struct {
		int fd;
		size_t len;
		char buf[DEVICE_LINE_MAX];
	} cl[DEVICE_LINE_CLIENTS];
	/** Handle one request line (NUL-terminated, no newline); reply with line_reply(). */
	void (*handle)(struct device *d, int fd, char *line);
};

#define BLE_RXQ_LEN 8

/**
 * The BLE link model (ble_link.c): one central at a time on a SOCK_SEQPACKET socket,
 * carried by the connection-event engine of sim/ble/ble_conn.h on the wall clock.
 */
struct device_ble {
	int lfd;                     /**< listening socket, -1 = off */
	int cfd;                     /**< the connected central, -1 = none */
	char path[108];
	bool connected;              /**< CONNECT received */
	bool secured;
	bool cccd;                   /**< notifications enabled */
	uint16_t mtu;                /**< negotiated ATT MTU */
	uint16_t interval;           /**< 1.25 ms units */
	uint16_t latency;            /**< peripheral latency (events the peripheral may skip) */
	uint16_t timeout;            /**< 10 ms units */
	uint8_t phy;                 /**< enum ble_air_phy */
	uint16_t data_len;           /**< LL payload limit (data length) */
	uint16_t ce_len;             /**< connection event length, 0.625 ms units, 0 = interval */
	uint16_t bufs;               /**< SMP buffers (MCUmgr params buf_count) */
	/* the central's next message, read from the socket and held until it is carried */
	bool held;
	uint64_t held_us;            /**< when the central sent it (monotonic us) */
	uint16_t held_len;
	uint8_t held_msg[1 + BLE_AIR_MTU_MAX + 16];
	/* request frames complete, waiting for the application */
	struct {
		uint64_t at;         /**< when its last packet ended on the air (monotonic us) */
		uint16_t len;
		uint8_t data[SDFU_SMP_BUF_SIZE];
	} rxq[BLE_RXQ_LEN];
	unsigned rxq_head, rxq_count;
	struct ble_conn conn;
	struct sdfu_timer link_timer;
	struct sdfu_ble ep;
	struct sdfu_ble_link link;
	/* statistics */
	uint32_t writes, notifications, frames_out, dropped_out, param_updates, connections;
	uint32_t max_in_use;         /**< most SMP buffers in use at once */
	bool in_app;                 /**< a request frame is being processed (holds its buffer) */
};

/** Everything the program owns. */
struct device {
	const struct device_opts *opts;
	struct sim_flash flash;
	struct flash_timing ftiming; /**< wraps flash.dev when --flash-timing on */
	bool ftiming_on;
	int flash_lock_fd;           /**< holds the flash file's lock for the process's life */
	struct device_key key_der[DEVICE_MAX_KEYS];
	struct sdfu_boot_key keys[DEVICE_MAX_KEYS];
	struct sdfu_boot_keys keyset;
	struct device_core core;
	unsigned boots;              /**< number of (re)starts so far */
	/* transports (transports.c): kept open across resets */
	struct posix_udp udp;
	struct posix_serial ser;
	struct sdfu_udp udp_ep;
	struct sdfu_serial ser_ep;
	bool udp_on;
	bool ser_on;
	struct device_ble ble;
	struct line_srv ctl;
	struct line_srv cfg;
	uint32_t cfg_next_off;       /**< cfgchan socket: next expected data offset */
	/* power model */
	bool powered;                /**< false after a power cut until power on */
	bool auto_power_on;
	uint32_t restart_ms;         /**< off time of the next cut (auto_power_on) */
	uint64_t power_on_at_ms;     /**< when auto_power_on: set at power off */
	unsigned power_cuts;
	const char *last_cut;        /**< "now", "armed" */
};

/** The one device of the program (for callbacks without a context). */
extern struct device *device_current;

/** Set by SIGINT / SIGTERM. */
extern volatile sig_atomic_t device_stop;

/* keys.c */
/** Load `path` (PEM or DER public or private key) into `out` in the form imgtool embeds. 0 or -1. */
int device_key_load(const char *path, struct device_key *k, struct sdfu_boot_key *out);

/* device.c: lifecycle steps, in order */
/** Open (create) the flash file with the layout, optionally wipe and provision. 0 or -1. */
int device_flash_open(struct device *d);
/** Load the --key files. 0 or -1. */
int device_keys_load(struct device *d);
/** Run the bootloader simulation; fills d->core.boot. 0 (also when nothing boots) or -1. */
int device_boot(struct device *d);
/** Initialise the core objects (timers, SMP server, groups) and bind the transports to them. 0 or -1. */
int device_init_core(struct device *d);
/** Reset request: re-run the boot and re-init the core; transports stay open. 0 or -1. */
int device_restart(struct device *d);
/** The poll() loop until device_stop. Returns the exit status. */
int device_loop(struct device *d);
/** Close the flash and the transports. */
void device_close(struct device *d);

/* transports.c */
/** Open UDP and serial per the options. 0 or -1. */
int device_transports_open(struct device *d);
/** (Re)bind the transport adapters to the current SMP server. */
void device_transports_bind(struct device *d);
/** Print the single "ready ..." line on stdout and flush it. */
void device_print_ready(const struct device *d);
#define DEVICE_MAX_FDS 16
/** What a poll slot is: kind 'u' udp, 's' serial, 'B'/'b' BLE listen/conn, 'C'/'c' ctl, 'F'/'f' cfgchan. */
struct poll_slot {
	char kind;
	int idx;                     /**< client index for 'c' / 'f' */
};
/** Fill `fds` (at most DEVICE_MAX_FDS) for poll(); returns the count. */
int device_transports_pollfds(struct device *d, struct pollfd *fds, struct poll_slot *slots);
/** Service one ready fd. */
void device_transport_service(struct device *d, const struct poll_slot *slot, short revents);
void device_transports_close(struct device *d);
/** Powered off: read and discard pending UDP / serial input (nothing is answered). */
void device_transports_drain(struct device *d);

/* device.c: power model */
/** Cut the power now (or note an armed cut that fired): stop serving, drop the BLE link. */
void device_power_off(struct device *d, const char *why);
/** Restore power: the bootloader simulation runs and the core starts again. */
int device_power_on(struct device *d);
/** Monotonic time in microseconds. */
uint64_t device_now_us(void);

/* ble_link.c */
int device_ble_open(struct device *d);
/** (Re)bind the BLE endpoint and timers to the current core; drops a connection. */
void device_ble_bind(struct device *d);
/** Drop the connection (reason sent to the central when it is still there). */
void device_ble_disconnect(struct device *d, uint8_t reason);
void device_ble_accept(struct device *d);
void device_ble_service(struct device *d);
void device_ble_close(struct device *d);
/**
 * flash_timing stall of --radio-sync (ctx: the device): the flash takes the BLE radio as
 * Zephyr's radio-synchronized flash driver does on a single-core nRF52: an erase at once,
 * writes in timeslots of the table's radio_slot_us with the next connection event between
 * two of them; connection events during a timeslot are lost (docs/PROTOCOL.md 3.3).
 */
void device_ble_flash_stall(void *ctx, uint64_t us, bool erase);
/** True when the central's socket should be polled (no message held back by the link). */
bool device_ble_wants_input(const struct device *d);

/* jsonl.c */
int line_srv_open(struct line_srv *s, const char *path, const char *what,
		  void (*handle)(struct device *d, int fd, char *line));
void line_srv_close(struct line_srv *s);
void line_srv_accept(struct line_srv *s);
void line_srv_service(struct device *d, struct line_srv *s, int idx);
/** Write one reply line (printf format; the newline is added). */
void line_reply(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Flat JSON object field access: 0 when found with the right type, -1 otherwise. */
int json_get_str(const char *line, const char *key, char *out, size_t size);
int json_get_int(const char *line, const char *key, long long *out);
int json_get_bool(const char *line, const char *key, bool *out);

/* ctl.c / cfgchan_sock.c: request handlers */
void device_ctl_handle(struct device *d, int fd, char *line);
void device_cfg_handle(struct device *d, int fd, char *line);

#endif /* SDFU_SIM_DEVICE_H */
