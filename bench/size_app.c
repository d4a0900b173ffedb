/* SPDX-License-Identifier: Apache-2.0 */
/* Minimal Cortex-M application for the code-size build: the objects an smp_svr-like app defines. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sdfu/boot.h"
#include "sdfu/flash.h"
#include "sdfu/port.h"
#include "sdfu/stack.h"
#include "sdfu/transport.h"

/*
 * An smp_svr-equivalent application with the serial (UART) transport: OS and image
 * groups, the SMP core, the serial framing, flash areas and the stream writer, the
 * boot helpers, put together by the composition root (sdfu/stack.h). With
 * -DSIZE_APP_DFU=1 (SMP hooks on, so SDFU_STACK_DFU) it also runs the event bus, the DFU
 * lock, the MCUmgr DFU module and the config-channel DFU module (the nRF Desktop variant).
 * The "hardware" is an nRF52-like UART and NVMC at fixed addresses; nothing here is
 * meant to run, only to link the way a real application would.
 */

#define UART_BASE 0x40002000UL
#define UART_RXDRDY (*(volatile uint32_t *)(UART_BASE + 0x108))
#define UART_TXDRDY (*(volatile uint32_t *)(UART_BASE + 0x11C))
#define UART_RXD (*(volatile uint32_t *)(UART_BASE + 0x518))
#define UART_TXD (*(volatile uint32_t *)(UART_BASE + 0x51C))
#define NVMC_BASE 0x4001E000UL
#define NVMC_READY (*(volatile uint32_t *)(NVMC_BASE + 0x400))
#define NVMC_CONFIG (*(volatile uint32_t *)(NVMC_BASE + 0x504))
#define NVMC_ERASEPAGE (*(volatile uint32_t *)(NVMC_BASE + 0x508))

#define FLASH_SIZE (1024u * 1024u)
#define SECTOR 4096u
#define SLOT_SIZE (472u * 1024u)

/* ---- flash driver (the application's / board's) ------------------------- */
static void nvmc_wait(void)
{
	while (NVMC_READY == 0) {
	}
}

static int fl_read(void *ctx, uint32_t off, void *buf, size_t len)
{
	(void)ctx;
	memcpy(buf, (const void *)(uintptr_t)off, len);
	return 0;
}

static int fl_write(void *ctx, uint32_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	(void)ctx;
	NVMC_CONFIG = 1;
	for (size_t i = 0; i < len; i += 4) {
		uint32_t w = (uint32_t)p[i] | ((uint32_t)p[i + 1] << 8) | ((uint32_t)p[i + 2] << 16) |
			     ((uint32_t)p[i + 3] << 24);
		*(volatile uint32_t *)(uintptr_t)(off + i) = w;
		nvmc_wait();
	}
	NVMC_CONFIG = 0;
	return 0;
}

static int fl_erase(void *ctx, uint32_t off, size_t len)
{
	(void)ctx;
	NVMC_CONFIG = 2;
	for (size_t i = 0; i < len; i += SECTOR) {
		NVMC_ERASEPAGE = off + (uint32_t)i;
		nvmc_wait();
	}
	NVMC_CONFIG = 0;
	return 0;
}

static const struct sdfu_flash_dev flash_dev = {
	.read = fl_read,
	.write = fl_write,
	.erase = fl_erase,
	.size = FLASH_SIZE,
	.write_align = 4,
	.erased_val = 0xFF,
	.sector_range_count = 1,
	.sectors = {{FLASH_SIZE / SECTOR, SECTOR}},
};

static const struct sdfu_flash_area slot0 = {SDFU_FA_PRIMARY, &flash_dev, 0xC000, SLOT_SIZE};
static const struct sdfu_flash_area slot1 = {SDFU_FA_SECONDARY, &flash_dev, 0xC000 + SLOT_SIZE,
					     SLOT_SIZE};

/* ---- caller-owned core objects (what RAM must count) -------------------- */
static struct sdfu_stack stack;
static struct sdfu_serial serial;
static struct sdfu_boot_ctx boot = {
	.mode = SDFU_BOOT_MODE_SWAP_MOVE,
	.slot = {&slot0, &slot1},
};

static const struct sdfu_os_info os_info = {
	.kernel_name = "smpdfu",
	.machine = "cortex-m4",
};

static int uart_out(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	for (size_t i = 0; i < len; i++) {
		UART_TXDRDY = 0;
		UART_TXD = data[i];
		while (UART_TXDRDY == 0) {
		}
	}
	return 0;
}

int main(void);
int main(void)
{
	struct sdfu_stack_cfg cfg;

	sdfu_stack_cfg_default(&cfg);
	cfg.boot = &boot;
	cfg.os_info = &os_info;
#if SIZE_APP_DFU
	cfg.cfgchan = true;
#endif
	(void)sdfu_stack_init(&stack, &cfg);
	sdfu_serial_init(&serial, &stack.srv, SDFU_SERIAL_LINE_LEN, uart_out, NULL);
	for (;;) {
		if (UART_RXDRDY != 0) {
			uint8_t b = (uint8_t)UART_RXD;

			UART_RXDRDY = 0;
			(void)sdfu_serial_feed(&serial, &b, 1);
		}
		sdfu_stack_poll(&stack, sdfu_port_uptime_ms());
	}
}

/* ---- minimal startup: vector table and reset handler -------------------- */
extern uint32_t _estack;
extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss;
void size_reset_handler(void);
void sdfu_cm_systick_handler(void);

void size_reset_handler(void)
{
	uint32_t *src = &_sidata;

	for (uint32_t *dst = &_sdata; dst < &_edata;) {
		*dst++ = *src++;
	}
	for (uint32_t *dst = &_sbss; dst < &_ebss;) {
		*dst++ = 0;
	}
	(void)main();
	for (;;) {
	}
}

__attribute__((section(".isr_vector"), used)) static const void *const vectors[16] = {
	&_estack, (const void *)size_reset_handler, [15] = (const void *)sdfu_cm_systick_handler,
};
