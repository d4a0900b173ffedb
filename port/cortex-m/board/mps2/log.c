/* SPDX-License-Identifier: Apache-2.0 */
/* Log output on UART1: the port's log hook, formatted by fmt.c. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mps2.h"
#include "port_cortexm.h"
#include "sdfu/port.h"

#define LOG_LINE_MAX 200

static void emit(int level, const char *module, const char *fmt, va_list ap)
{
	/* the host port's format, so the same log patterns match the simulator and the firmware */
	static const char *const lvl[] = {"???", "ERR", "WRN", "INF", "DBG"};
	char line[LOG_LINE_MAX];
	uint32_t ms = sdfu_port_uptime_ms();
	int n = mps2_snprintf(line, sizeof(line), "[%02u:%02u:%02u.%03u] %s %s: ",
			      (unsigned)(ms / 3600000u), (unsigned)(ms / 60000u % 60u),
			      (unsigned)(ms / 1000u % 60u), (unsigned)(ms % 1000u),
			      lvl[(level >= 1 && level <= 4) ? level : 0], module);
	size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1u;

	n = mps2_vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	len += (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1u;
	mps2_uart1_write(line, len);
	mps2_uart1_write("\n", 1);
}

void mps2_log_init(void)
{
	sdfu_cm_log_hook = emit;
}

void mps2_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(SDFU_LOG_INF, "board", fmt, ap);
	va_end(ap);
}
