/* SPDX-License-Identifier: Apache-2.0 */
/* OS management group (0): echo, reset, MCUmgr parameters, OS/application info, bootloader info. */
#ifndef SDFU_OS_H
#define SDFU_OS_H

#include <stdbool.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "sdfu/smp.h"
#include "sdfu/timer.h"

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
 * Returns 0 or SDFU_ERR_EXIST.
 */
int sdfu_os_init(struct sdfu_os *os, struct sdfu_smp_server *srv, struct sdfu_timer_list *timers,
		 const struct sdfu_boot_ctx *boot, const struct sdfu_os_info *info);

#endif /* SDFU_OS_H */
