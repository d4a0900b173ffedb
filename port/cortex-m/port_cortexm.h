/* SPDX-License-Identifier: Apache-2.0 */
/* Cortex-M port hooks a board sets: the log sink, the pre-reset step, the SysTick handler. */
#ifndef SDFU_PORT_CORTEXM_H
#define SDFU_PORT_CORTEXM_H

#include <stdarg.h>
#include <stdint.h>

/** Log sink: formats `fmt` with `ap` (the port itself has no printf). NULL = logs dropped. */
extern void (*sdfu_cm_log_hook)(int level, const char *module, const char *fmt, va_list ap);
/** Called by sdfu_port_reset() before SYSRESETREQ (e.g. drain the UART). NULL = none. */
extern void (*sdfu_cm_pre_reset_hook)(void);
/** Milliseconds since start; incremented by sdfu_cm_systick_handler(). */
extern volatile uint32_t sdfu_cm_ticks_ms;
/** Put this in the vector table's SysTick slot; SysTick must fire every millisecond. */
void sdfu_cm_systick_handler(void);

#endif /* SDFU_PORT_CORTEXM_H */
