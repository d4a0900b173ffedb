/* SPDX-License-Identifier: Apache-2.0 */
/* smpdfu-device internals: options, the device object and its lifecycle steps. */
#ifndef SDFU_SIM_DEVICE_H
#define SDFU_SIM_DEVICE_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/sim_boot.h"
#include "flash/sim_flash.h"
#include "port_posix.h"
#include "sdfu/boot.h"
#include "sdfu/img.h"
#include "sdfu/os.h"
#include "sdfu/smp.h"
#include "sdfu/timer.h"
#include "sdfu/transport.h"

#define DEVICE_MAX_KEYS 4
#define DEVICE_KEY_DER_MAX 600

/** Command line options (main.c). Strings point into argv. */
struct device_opts {
	const char *flash_path;      /**< --flash, default ./smpdfu.flash */
	const char *udp;             /**< --udp HOST:PORT, NULL = off */
	const char *serial;          /**< --serial pty|PATH, NULL = off */
	const char *layout;          /**< --layout, default nrf52840 */
	enum sdfu_boot_mode mode;    /**< --mode, default swap (swap-move) */
	const char *provision;       /**< --provision IMG, NULL = none */
	const char *key_paths[DEVICE_MAX_KEYS];
	unsigned key_count;
	bool downgrade_prevention;   /**< --downgrade-prevention */
	bool wipe;                   /**< --wipe: erase the whole flash first */
	uint16_t line_length;        /**< --line-length, default 127 */
	int log_level;               /**< --log-level 0..4, default 3 */
};

/** One trusted key loaded from a PEM/DER file (keys.c). */
struct device_key {
	uint8_t der[DEVICE_KEY_DER_MAX];
	size_t der_len;
};

/** The core objects, re-initialised at every simulated (re)start. */
struct device_core {
	struct sdfu_timer_list timers;
	struct sdfu_smp_server srv;
	struct sdfu_os os;
	struct sdfu_img img;
	struct sdfu_boot_ctx boot;
	struct sim_boot_report boot_report;
	bool booted;                 /**< the bootloader found an image to run */
};

/** Everything the program owns. */
struct device {
	const struct device_opts *opts;
	struct sim_flash flash;
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
};

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
/** Fill `fds` (at most 2) for poll(); returns the count. `kinds` gets 'u' / 's' per slot. */
int device_transports_pollfds(struct device *d, struct pollfd *fds, char *kinds);
/** Service one ready transport fd. */
void device_transport_service(struct device *d, char kind, short revents);
void device_transports_close(struct device *d);

#endif /* SDFU_SIM_DEVICE_H */
