/* SPDX-License-Identifier: Apache-2.0 */
/* Flash operation timing: charges datasheet erase/program times per op by wrapping a flash device. */
#include "flash/flash_timing.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/*
 * nRF52840 Product Specification (v1.x), section 4.3 "NVMC - Non-volatile memory
 * controller", its Electrical specification table: t_WRITE, time to write one 32-bit
 * word, max 41 us; t_ERASEPAGE, time to erase one 4 KiB page, max 85 ms. The CPU is
 * halted while the NVMC writes or erases when it executes from flash (same section).
 */
static const struct flash_timing_table tables[] = {
	{
		.layout = "nrf52840",
		.chip = "nRF52840",
		.erase_unit = 4096,
		.erase_us = 85000,
		.write_unit = 4,
		.write_us = 41,
		/* Zephyr drivers/flash/soc_flash_nrf.c: write timeslots of 7.5 ms, an erase at once */
		.radio_slot_us = 7500,
		.source = "nRF52840 Product Specification, 4.3 NVMC, Electrical "
			  "specification: t_ERASEPAGE 85 ms max, t_WRITE 41 us max",
	},
};

const struct flash_timing_table *flash_timing_table_get(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(tables) / sizeof(tables[0]); i++) {
		if (strcmp(tables[i].layout, name) == 0) {
			return &tables[i];
		}
	}
	return NULL;
}

uint64_t flash_timing_erase_us(const struct flash_timing_table *t, size_t len)
{
	return (uint64_t)((len + t->erase_unit - 1u) / t->erase_unit) * t->erase_us;
}

uint64_t flash_timing_write_us(const struct flash_timing_table *t, size_t len)
{
	return (uint64_t)((len + t->write_unit - 1u) / t->write_unit) * t->write_us;
}

double flash_timing_limit(const struct flash_timing_table *t, uint32_t size)
{
	uint64_t us = flash_timing_erase_us(t, size) + flash_timing_write_us(t, size);

	return us == 0u ? 0.0 : (double)size * 1e6 / (double)us;
}

static int timed_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	struct flash_timing *t = ctx;

	return t->orig.read(t->orig.ctx, off, buf, len);
}

static void charge(struct flash_timing *t, uint64_t us, bool erase)
{
	if (us != 0u && t->stall != NULL) {
		t->stall(t->stall_ctx, us, erase);
	}
}

static int timed_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	struct flash_timing *t = ctx;
	int rc = t->orig.write(t->orig.ctx, off, buf, len);

	if (t->enabled && rc == 0) {
		uint64_t us = flash_timing_write_us(t->tab, len);

		t->writes++;
		t->write_us += us;
		charge(t, us, false);
	}
	return rc;
}

static int timed_erase(void *ctx, uint32_t off, size_t len)
{
	struct flash_timing *t = ctx;
	int rc = t->orig.erase(t->orig.ctx, off, len);

	if (t->enabled && rc == 0) {
		uint64_t us = flash_timing_erase_us(t->tab, len);

		t->erases++;
		t->erase_us += us;
		charge(t, us, true);
	}
	return rc;
}

int flash_timing_attach(struct flash_timing *t, struct sdfu_flash_dev *dev,
			const struct flash_timing_table *tab, flash_timing_stall_fn stall,
			void *stall_ctx)
{
	if (t == NULL || dev == NULL || tab == NULL) {
		return -1;
	}
	memset(t, 0, sizeof(*t));
	t->dev = dev;
	t->orig = *dev;
	t->tab = tab;
	t->stall = stall;
	t->stall_ctx = stall_ctx;
	t->enabled = true;
	dev->ctx = t;
	dev->read = timed_read;
	dev->write = timed_write;
	dev->erase = timed_erase;
	return 0;
}

void flash_timing_detach(struct flash_timing *t)
{
	if (t == NULL || t->dev == NULL) {
		return;
	}
	t->dev->ctx = t->orig.ctx;
	t->dev->read = t->orig.read;
	t->dev->write = t->orig.write;
	t->dev->erase = t->orig.erase;
	t->dev = NULL;
}

void flash_timing_enable(struct flash_timing *t, bool on)
{
	t->enabled = on;
}

void flash_timing_sleep(void *ctx, uint64_t us, bool erase)
{
	struct timespec ts = {.tv_sec = (time_t)(us / 1000000u), .tv_nsec = (long)(us % 1000000u) * 1000L};

	(void)ctx;
	(void)erase;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
	}
}
