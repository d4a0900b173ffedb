/* SPDX-License-Identifier: Apache-2.0 */
/* Host port: monotonic clock, recursive critical section, reset flag and the stderr log sink. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "port_posix.h"
#include "sdfu/port.h"

static pthread_mutex_t crit = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
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
	pthread_mutex_lock(&crit);
}

void sdfu_port_crit_exit(void)
{
	pthread_mutex_unlock(&crit);
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
	struct timespec ts;
	va_list ap;

	if (level > log_level) {
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	flockfile(stderr);
	fprintf(stderr, "%lld.%03ld %s %s: ", (long long)ts.tv_sec, ts.tv_nsec / 1000000L,
		names[level >= 1 && level <= 4 ? level : 0], module);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}
