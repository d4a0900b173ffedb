/* SPDX-License-Identifier: Apache-2.0 */
/* Host port extras used by the device program (not part of the core's port contract). */
#ifndef SDFU_PORT_POSIX_H
#define SDFU_PORT_POSIX_H

/** Return and clear the "reset requested" flag set by sdfu_port_reset(). */
int posix_port_take_reset(void);
/** Only lines at or above this severity (1 err .. 4 debug) are printed. */
void posix_port_set_log_level(int level);

#endif
