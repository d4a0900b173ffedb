/* SPDX-License-Identifier: Apache-2.0 */
/* OS management group (0): echo, reset, MCUmgr parameters, OS/application info, bootloader info. */
#ifndef SDFU_OS_H
#define SDFU_OS_H

#include "sdfu/config.h"
#include <stdbool.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "sdfu/smp_cb.h"
#include "sdfu/smp_server.h"
#include "sdfu/timer.h"


/** MCUmgr group id of the OS group. */
#define SDFU_SMP_GROUP_OS 0
/** Callback group of the OS group's events. */
#define SDFU_SMP_CB_GRP_OS 2u
/** OS reset accepted by the handler, before it is scheduled; may veto. data = struct sdfu_os_reset_data. */
#define SDFU_SMP_EVT_OS_RESET SDFU_SMP_EVT(SDFU_SMP_CB_GRP_OS, 0)

/** OS group command ids. */
#define SDFU_OS_ID_ECHO 0
#define SDFU_OS_ID_RESET 5
#define SDFU_OS_ID_PARAMS 6
#define SDFU_OS_ID_INFO 7
#define SDFU_OS_ID_BOOTLOADER_INFO 8

/** os_mgmt_err_code_t */
enum sdfu_os_err {
	SDFU_OS_ERR_OK = 0,
	SDFU_OS_ERR_UNKNOWN = 1,
	SDFU_OS_ERR_INVALID_FORMAT = 2,
	SDFU_OS_ERR_QUERY_YIELDS_NO_ANSWER = 3,
	SDFU_OS_ERR_RTC_NOT_SET = 4,
	SDFU_OS_ERR_RTC_COMMAND_FAILED = 5,
	SDFU_OS_ERR_QUERY_RESPONSE_VALUE_NOT_VALID = 6,
};

/** Data of SDFU_SMP_EVT_OS_RESET (a callback may veto, typically with EBUSY). */
struct sdfu_os_reset_data {
	bool force;
	uint8_t boot_mode;
};

/** Strings reported by OS info (0/7); NULL fields fall back to config defaults. */
struct sdfu_os_info {
	const char *kernel_name;   /**< 's' */
	const char *node_name;     /**< 'n' */
	const char *release;       /**< 'r' */
	const char *version;       /**< 'v' */
	const char *build_date;    /**< 'b' */
	const char *machine;       /**< 'm' */
	const char *processor;     /**< 'p' */
	const char *platform;      /**< 'i' */
	const char *os;            /**< 'o' */
};

/** The OS group object; caller-owned. */
struct sdfu_os {
	struct sdfu_smp_group grp;
	struct sdfu_smp_server *srv;
	struct sdfu_timer_list *timers;
	struct sdfu_timer reset_timer;
	const struct sdfu_boot_ctx *boot; /**< for bootloader info; may be NULL */
	struct sdfu_os_info info;
	uint32_t reset_delay_ms;
	uint8_t pending_boot_mode;
};

/**
 * Initialise and register group 0 with `srv`. `timers` runs the delayed reset;
 * `boot` (may be NULL) gives the bootloader mode; `info` (may be NULL) the
 * info strings (copied by value; the strings must stay alive).
 * Returns 0, SDFU_ERR_EXIST (group 0 already registered) or SDFU_ERR_INVAL
 * (os, srv or timers NULL). Init time, loop context.
 *
 * Behaviour (Zephyr os_mgmt compatible):
 * - echo 0/0 (read/write): {"d": tstr} -> {"r": same}; "d" missing/wrong type -> rc 3.
 * - reset 0/5 (write): "force" (bool or uint) and "boot_mode" (uint) decoded
 *   leniently (errors ignored); SDFU_SMP_EVT_OS_RESET notified (a callback may
 *   veto: ERROR_RC -> {"rc"}, ERROR_ERR -> group error); else {} is answered and
 *   reset_timer is armed for reset_delay_ms (SDFU_OS_RESET_DELAY_MS); its expiry
 *   calls sdfu_port_reset(). pending_boot_mode holds the requested boot mode.
 * - params 0/6 (read): {"buf_size", "buf_count"} (buf_size limited by a
 *   transport mtu when that is smaller).
 * - info 0/7 (read): {"format": letters of "snrvbmpioa"} (default "s"), output
 *   in the fixed order s n r v b m p i o, space separated; unknown letter ->
 *   group err {0, 2}; too long -> rc 7.
 * - bootloader info 0/8 (read): {} -> {"bootloader": "MCUboot"}; {"query":"mode"}
 *   -> {"mode": boot->mode or -1} (+ "no-downgrade": true); other -> err {0, 3}.
 * - anything else in group 0 -> rc 8, as is a command compiled out with
 *   SDFU_OS_ECHO / SDFU_OS_PARAMS / SDFU_OS_INFO / SDFU_OS_BOOTLOADER_INFO 0
 *   (config.h; all 1 by default). With SDFU_OS_INFO 0 `info` is not stored.
 */
int sdfu_os_init(struct sdfu_os *os, struct sdfu_smp_server *srv, struct sdfu_timer_list *timers,
		 const struct sdfu_boot_ctx *boot, const struct sdfu_os_info *info);

/** v1 translation of an OS group rc to MGMT_ERR (spec 2.3): 2->3, 3/4->5, others->1. */
int sdfu_os_translate(uint16_t group_rc);

#endif /* SDFU_OS_H */
