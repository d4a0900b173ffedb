/* SPDX-License-Identifier: Apache-2.0 */
/* Host port: monotonic clock, critical-section nesting, reset flag and the stderr log sink. */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "port_posix.h"
#include "sdfu/port.h"

/*
 * The host programs (smpdfu-device, smpdfu-boot, the tests) run the core from one thread
 * and call nothing of it from signal handlers: no other context can enter, so the critical
 * section is a nesting count (sdfu/port.h allows a no-op on a single-loop host). It was a
 * recursive pthread mutex: ~70 instructions a pair, 9 pairs per upload request.
 */
static unsigned crit_depth;
static volatile int reset_requested;
static int log_level = SDFU_LOG_INF;

uint32_t sdfu_port_uptime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

void sdfu_port_crit_enter(void)
{
	crit_depth++;
}

void sdfu_port_crit_exit(void)
{
	assert(crit_depth > 0u);
	crit_depth--;
}

void sdfu_port_reset(void)
{
	reset_requested = 1;
}

int posix_port_take_reset(void)
{
	int r = reset_requested;

	reset_requested = 0;
	return r;
}

static bool log_iso;
static struct timespec log_t0;

void posix_port_set_log_time_iso(bool iso)
{
	log_iso = iso;
}

/* "[hh:mm:ss.mmm]" since the first log line (the process start, in practice), or ISO 8601 UTC. */
static void log_stamp(char *out, size_t n)
{
	struct timespec ts;

	if (log_iso) {
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(out, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			 (unsigned)((unsigned long)ts.tv_nsec / 1000000UL % 1000UL));
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (log_t0.tv_sec == 0 && log_t0.tv_nsec == 0) {
		log_t0 = ts;
	}
	long long ms = ((long long)ts.tv_sec - log_t0.tv_sec) * 1000LL + (ts.tv_nsec - log_t0.tv_nsec) / 1000000L;
	snprintf(out, n, "[%02lld:%02lld:%02lld.%03lld]", ms / 3600000LL, ms / 60000LL % 60, ms / 1000LL % 60,
		 ms % 1000LL);
}

void posix_port_set_log_level(int level)
{
	log_level = level;
}

int posix_port_log_enabled(int level)
{
	return level <= log_level;
}

void sdfu_port_log(int level, const char *module, const char *fmt, ...)
{
	static const char *const names[] = {"?", "ERR", "WRN", "INF", "DBG"};
	char stamp[96];
	va_list ap;

	if (level > log_level) {
		return;
	}
	log_stamp(stamp, sizeof(stamp));
	flockfile(stderr);
	fprintf(stderr, "%s %s %s: ", stamp, names[level >= 1 && level <= 4 ? level : 0], module);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}
