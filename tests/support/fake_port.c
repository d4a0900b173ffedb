/* SPDX-License-Identifier: Apache-2.0 */
/* Port for unit tests: a fake clock the test advances, captured logs and reset requests. */
#include "fake_port.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdfu/port.h"

#define LOG_KEEP 256

static uint32_t now_ms;
static unsigned resets;
static int crit_depth;
static unsigned log_counts[5];
static char logs[LOG_KEEP][160];
static unsigned log_n;
static int verbose = -1;

uint32_t sdfu_port_uptime_ms(void) { return now_ms; }
void sdfu_port_crit_enter(void) { crit_depth++; }
void sdfu_port_crit_exit(void) { crit_depth--; }
void sdfu_port_reset(void) { resets++; }

void sdfu_port_log(int level, const char *module, const char *fmt, ...)
{
	va_list ap;
	char *line = logs[log_n % LOG_KEEP];
	int n;

	if (verbose < 0) {
		const char *v = getenv("SDFU_TEST_VERBOSE");
		verbose = (v != NULL && v[0] == '1');
	}
	n = snprintf(line, sizeof(logs[0]), "%s: ", module);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(logs[0]) - (size_t)n, fmt, ap);
	va_end(ap);
	log_n++;
	if (level >= 1 && level <= 4) {
		log_counts[level]++;
	}
	if (verbose) {
		fprintf(stderr, "[%u] <%d> %s\n", (unsigned)now_ms, level, line);
	}
}

void fake_port_set_time(uint32_t ms) { now_ms = ms; }
void fake_port_advance(uint32_t ms) { now_ms += ms; }
unsigned fake_port_reset_count(void) { return resets; }
int fake_port_crit_depth(void) { return crit_depth; }

unsigned fake_port_log_count(int max_level)
{
	unsigned n = 0;

	for (int l = 1; l <= max_level && l <= 4; l++) {
		n += log_counts[l];
	}
	return n;
}

const char *fake_port_last_log(void)
{
	return log_n ? logs[(log_n - 1) % LOG_KEEP] : "";
}

int fake_port_log_contains(const char *needle)
{
	unsigned first = log_n > LOG_KEEP ? log_n - LOG_KEEP : 0;

	for (unsigned i = first; i < log_n; i++) {
		if (strstr(logs[i % LOG_KEEP], needle) != NULL) {
			return 1;
		}
	}
	return 0;
}

void fake_port_reset_state(void)
{
	now_ms = 0;
	resets = 0;
	crit_depth = 0;
	memset(log_counts, 0, sizeof(log_counts));
	log_n = 0;
}

void fake_port_set_verbose(int on) { verbose = on; }
