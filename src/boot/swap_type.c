/* SPDX-License-Identifier: Apache-2.0 */
/* MCUboot swap-type decision: the trailer state table evaluated row by row. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/boot.h"
#include "sdfu/err.h"

#define SDFU_LOG_MODULE "boot"
#include "sdfu/port.h"

/* Table wildcards (outside the enum ranges). */
#define ANY 0xFFu

struct swap_row {
	uint8_t magic_primary;
	uint8_t magic_secondary;
	uint8_t image_ok_primary;
	uint8_t image_ok_secondary;
	uint8_t copy_done_primary;
	uint8_t swap_type;
};

/*
 * First match wins; no match -> NONE. The secondary slot's state has priority,
 * so its rows come first (MCUboot boot_swap_tables).
 */
static const struct swap_row rows[] = {
	{ ANY, SDFU_BOOT_MAGIC_GOOD, ANY, SDFU_BOOT_FLAG_UNSET, ANY, SDFU_BOOT_SWAP_TEST },
	{ ANY, SDFU_BOOT_MAGIC_GOOD, ANY, SDFU_BOOT_FLAG_SET, ANY, SDFU_BOOT_SWAP_PERM },
	{ SDFU_BOOT_MAGIC_GOOD, SDFU_BOOT_MAGIC_UNSET, SDFU_BOOT_FLAG_UNSET, ANY, SDFU_BOOT_FLAG_SET,
	  SDFU_BOOT_SWAP_REVERT },
};

static bool match(uint8_t want, unsigned have)
{
	return want == ANY || want == have;
}

enum sdfu_boot_swap_type sdfu_boot_swap_type_decide(const struct sdfu_boot_trailer *primary,
						    const struct sdfu_boot_trailer *secondary)
{
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct swap_row *r = &rows[i];

		if (match(r->magic_primary, primary->magic) &&
		    match(r->magic_secondary, secondary->magic) &&
		    match(r->image_ok_primary, primary->image_ok) &&
		    match(r->image_ok_secondary, secondary->image_ok) &&
		    match(r->copy_done_primary, primary->copy_done)) {
			return (enum sdfu_boot_swap_type)r->swap_type;
		}
	}
	return SDFU_BOOT_SWAP_NONE;
}

enum sdfu_boot_swap_type sdfu_boot_swap_type(const struct sdfu_flash_area *primary,
					     const struct sdfu_flash_area *secondary,
					     enum sdfu_boot_mode mode)
{
	struct sdfu_boot_trailer p, s;

	if (sdfu_boot_trailer_read(primary, mode, &p) != SDFU_OK) {
		return SDFU_BOOT_SWAP_PANIC;
	}
	if (secondary == NULL || sdfu_boot_trailer_read(secondary, mode, &s) != SDFU_OK) {
		SDFU_LOGI("secondary slot unreadable: treated as empty");
		s.magic = SDFU_BOOT_MAGIC_UNSET;
		s.image_ok = SDFU_BOOT_FLAG_UNSET;
		s.copy_done = SDFU_BOOT_FLAG_UNSET;
		s.swap_type = SDFU_BOOT_SWAP_NONE;
		s.image_num = 0;
		s.swap_size = 0xFFFFFFFFu;
	}
	return sdfu_boot_swap_type_decide(&p, &s);
}
