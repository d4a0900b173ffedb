/* SPDX-License-Identifier: Apache-2.0 */
/* Cortex-M port: SysTick millisecond clock, PRIMASK critical section, AIRCR reset, log hook with formatted arguments. */
#include <stdarg.h>
#include <stdint.h>

#include "port_cortexm.h"
#include "sdfu/port.h"

volatile uint32_t sdfu_cm_ticks_ms;
static uint32_t crit_nesting;
static uint32_t crit_saved_primask;

/*
 * Optional log hook: the application points this at its own logger (UART, RTT) and
 * formats `fmt` with `ap` itself, so the port pulls in no printf.
 */
void (*sdfu_cm_log_hook)(int level, const char *module, const char *fmt, va_list ap);
/* Optional: called before the reset request (e.g. to drain a UART transmit ring). */
void (*sdfu_cm_pre_reset_hook)(void);

void sdfu_cm_systick_handler(void)
{
	sdfu_cm_ticks_ms++;
}

uint32_t sdfu_port_uptime_ms(void)
{
	return sdfu_cm_ticks_ms;
}

void sdfu_port_crit_enter(void)
{
	uint32_t primask;

	__asm volatile("mrs %0, primask\n cpsid i" : "=r"(primask)::"memory");
	if (crit_nesting++ == 0) {
		crit_saved_primask = primask;
	}
}

void sdfu_port_crit_exit(void)
{
	if (--crit_nesting == 0) {
		__asm volatile("msr primask, %0" ::"r"(crit_saved_primask) : "memory");
	}
}

#define SCB_AIRCR (*(volatile uint32_t *)0xE000ED0CUL)
#define SCB_AIRCR_VECTKEY (0x05FAUL << 16)
#define SCB_AIRCR_SYSRESETREQ (1UL << 2)

void sdfu_port_reset(void)
{
	if (sdfu_cm_pre_reset_hook != 0) {
		sdfu_cm_pre_reset_hook();
	}
	__asm volatile("dsb 0xF" ::: "memory");
	SCB_AIRCR = SCB_AIRCR_VECTKEY | SCB_AIRCR_SYSRESETREQ;
	__asm volatile("dsb 0xF" ::: "memory");
	for (;;) {
	}
}

void sdfu_port_log(int level, const char *module, const char *fmt, ...)
{
	va_list ap;

	/* Formatting is left to the hook so the port pulls in no printf. */
	if (sdfu_cm_log_hook != 0) {
		va_start(ap, fmt);
		sdfu_cm_log_hook(level, module, fmt, ap);
		va_end(ap);
	}
}
