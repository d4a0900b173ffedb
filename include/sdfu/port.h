/* SPDX-License-Identifier: Apache-2.0 */
/* The port layer the core links against: clock, critical section, reset, log. */
#ifndef SDFU_PORT_H
#define SDFU_PORT_H

#include <stdint.h>
#include "sdfu/config.h"

/*
 * Every function here is provided by the port at link time (port/posix for the
 * host, port/cortex-m for the size build, tests/support/fake_port.c for unit
 * tests with a fake clock). There are no weak defaults: a missing port fails
 * the link. Flash is not here: flash devices are caller-owned structs of
 * function pointers (sdfu/flash.h). Crypto is in sdfu/crypto.h.
 */

/** Monotonic milliseconds since an arbitrary origin; wraps at 2^32. Any context. */
uint32_t sdfu_port_uptime_ms(void);

/**
 * Enter / leave the core's critical section. Recursive. Guards the few entry
 * points documented as callable from another context (dfu_lock claim/release,
 * sdfu_img_upload_reset). On a single-loop host it may be a no-op.
 */
void sdfu_port_crit_enter(void);
void sdfu_port_crit_exit(void);

/**
 * Request a system reset. Called from the core loop after the reset response
 * was sent. On a device it does not return; on the host it sets a flag that the
 * loop acts on (it returns).
 */
void sdfu_port_reset(void);

/** Log levels for sdfu_port_log(). */
#define SDFU_LOG_ERR 1
#define SDFU_LOG_WRN 2
#define SDFU_LOG_INF 3
#define SDFU_LOG_DBG 4

/**
 * Emit one log line. `module` is a short static name, `fmt` a printf-style
 * format that the port renders (the core never calls printf itself). Any context
 * the port allows; the core calls it from its loop only.
 */
void sdfu_port_log(int level, const char *module, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

#define SDFU_LOG_(lvl, mod, ...)                                                    \
	do {                                                                        \
		if ((lvl) <= SDFU_LOG_LEVEL) {                                      \
			sdfu_port_log((lvl), (mod), __VA_ARGS__);                   \
		}                                                                   \
	} while (0)
/** Convenience macros; a file defines SDFU_LOG_MODULE "name" before using them. */
#define SDFU_LOGE(...) SDFU_LOG_(SDFU_LOG_ERR, SDFU_LOG_MODULE, __VA_ARGS__)
#define SDFU_LOGW(...) SDFU_LOG_(SDFU_LOG_WRN, SDFU_LOG_MODULE, __VA_ARGS__)
#define SDFU_LOGI(...) SDFU_LOG_(SDFU_LOG_INF, SDFU_LOG_MODULE, __VA_ARGS__)
#define SDFU_LOGD(...) SDFU_LOG_(SDFU_LOG_DBG, SDFU_LOG_MODULE, __VA_ARGS__)

#endif /* SDFU_PORT_H */
