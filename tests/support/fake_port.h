/* SPDX-License-Identifier: Apache-2.0 */
/* Port for unit tests: a fake clock the test advances, captured logs and reset requests. */
#ifndef SDFU_FAKE_PORT_H
#define SDFU_FAKE_PORT_H

#include <stdint.h>

/** Set / advance the fake clock returned by sdfu_port_uptime_ms(). */
void fake_port_set_time(uint32_t ms);
void fake_port_advance(uint32_t ms);
/** Number of sdfu_port_reset() calls since fake_port_reset_state(). */
unsigned fake_port_reset_count(void);
/** Nesting depth of the critical section (tests check it ends at 0). */
int fake_port_crit_depth(void);
/** Count of log lines at `level` or more severe since the last reset_state. */
unsigned fake_port_log_count(int max_level);
/** Last log line text (formatted). */
const char *fake_port_last_log(void);
/** Return true if any captured log line contains `needle`. */
int fake_port_log_contains(const char *needle);
/** Reset clock to 0 and clear counters and the log capture. */
void fake_port_reset_state(void);
/** Print logs to stderr as well (default off; SDFU_TEST_VERBOSE=1 turns it on). */
void fake_port_set_verbose(int on);

#endif
