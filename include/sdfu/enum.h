/* SPDX-License-Identifier: Apache-2.0 */
/* Enumeration management group (10): which SMP groups the device serves, with names and handler counts. */
#ifndef SDFU_ENUM_H
#define SDFU_ENUM_H

#include <stddef.h>
#include <stdint.h>

#include "sdfu/smp.h"

#define SDFU_SMP_GROUP_ENUM 10

/** Command ids (as Zephyr's enum_mgmt). */
enum sdfu_enum_cmd {
	SDFU_ENUM_CMD_COUNT = 0,   /**< number of groups */
	SDFU_ENUM_CMD_LIST = 1,    /**< all group ids */
	SDFU_ENUM_CMD_SINGLE = 2,  /**< the group id at an index */
	SDFU_ENUM_CMD_DETAILS = 3, /**< id, name and handler count per group */
};

/** Group error codes (v2 "err" rc), Zephyr's enum_mgmt_err_code_t values. */
enum sdfu_enum_err {
	SDFU_ENUM_ERR_OK = 0,
	SDFU_ENUM_ERR_UNKNOWN = 1,
	SDFU_ENUM_ERR_TOO_MANY_GROUP_ENTRIES = 2,
	SDFU_ENUM_ERR_INSUFFICIENT_HEAP_FOR_ENTRIES = 3,
	SDFU_ENUM_ERR_INDEX_TOO_LARGE = 4,
};

/** A group's name for the details command (the core's groups carry none). */
struct sdfu_enum_name {
	uint16_t group_id;
	const char *name;
};

/** The enum group object; caller-owned, alive as long as the server. */
struct sdfu_enum {
	struct sdfu_smp_group grp;
	const struct sdfu_enum_name *names; /**< may be NULL */
	size_t name_count;
};

/**
 * Initialise and register group 10 with `srv`. `names` (may be NULL; caller-owned, static)
 * gives the names reported by the details command; a group without an entry is reported
 * with an empty name. Returns 0, SDFU_ERR_EXIST (group 10 already registered) or
 * SDFU_ERR_INVAL (en or srv NULL). Init time, loop context.
 *
 * Behaviour (Zephyr enum_mgmt compatible; groups in registration order, this one included):
 * - count 10/0 (read): {} -> {"count": n}.
 * - list 10/1 (read): {} -> {"groups": [id, ...]}.
 * - single 10/2 (read): {"index": i} (default 0) -> {"group": id} plus "end": true when it is
 *   the last group; i past the end -> group err {10, 4}; i > 65535 or a bad type -> rc 3.
 * - details 10/3 (read): {"groups": [id, ...]} optional filter (missing or [] = all) ->
 *   {"groups": [{"group": id, "name": tstr, "handlers": n}, ...]} for the registered groups
 *   in the filter (unknown ids skipped); more than SDFU_ENUM_DETAILS_MAX_FILTER ids ->
 *   group err {10, 2}; a non-list or a non-uint entry -> rc 3.
 * - v1 translation: 2 -> MGMT_ERR_EINVAL, others -> MGMT_ERR_EUNKNOWN (as Zephyr).
 */
int sdfu_enum_init(struct sdfu_enum *en, struct sdfu_smp_server *srv, const struct sdfu_enum_name *names,
		   size_t name_count);

/** v1 translation of an enum group rc to MGMT_ERR. */
int sdfu_enum_translate(uint16_t group_rc);

#endif /* SDFU_ENUM_H */
