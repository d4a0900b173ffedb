/* SPDX-License-Identifier: Apache-2.0 */
/* QEMU mps2-an385/an386 board support: memory map, boot info block, UART, flash and figures. */
#ifndef SDFU_BOARD_MPS2_H
#define SDFU_BOARD_MPS2_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/flash.h"

/* ---- memory map (QEMU hw/arm/mps2.c, AN385/AN386) ---------------------------------- */
#define MPS2_UART0_BASE 0x40004000u /* SMP serial transport (RX IRQ 0, TX IRQ 1) */
#define MPS2_UART1_BASE 0x40005000u /* log output (polled) */
#define MPS2_UART0_RX_IRQ 0
#define MPS2_UART0_TX_IRQ 1
#define MPS2_SYSCLK_HZ 25000000u     /* SysTick runs from the 25 MHz CPU clock */
/*
 * The flash: the machine's 16 MiB PSRAM at 0x21000000, backed by the launcher's flash file
 * (-object memory-backend-file,...,share=on -machine memory-backend=...), so every write
 * lands in the file. Laid out as sim layout "mps2": nrf52840's areas in the first MiB.
 */
#define MPS2_FLASH_BASE 0x21000000u
#define MPS2_FLASH_SIZE 0x01000000u
#define MPS2_FLASH_SECTOR 0x1000u
#define MPS2_FLASH_ALIGN 4u

/* ---- boot info: written into RAM by the launcher before the CPU starts ---------------- */
#define MPS2_BOOTINFO_ADDR 0x2003F000u /* the linker keeps RAM below this address */
#define MPS2_BOOTINFO_MAGIC 0x49424453u /* "SDBI" little-endian */
#define MPS2_BOOTINFO_VERSION 1u
#define MPS2_BOOTINFO_MAX_KEYS 4u
#define MPS2_BOOTINFO_KEY_MAX 600u
#define MPS2_BOOTINFO_F_CONFIRM_AT_BOOT 0x1u
#define MPS2_BOOTINFO_F_DOWNGRADE_PREVENTION 0x2u

/**
 * What the boot step (smpdfu-boot, run by scripts/qemu-device.sh before QEMU starts)
 * decided, and the keys the bootloader trusts. All fields little-endian u32; the
 * launcher loads it with -device loader,file=...,addr=MPS2_BOOTINFO_ADDR,force-raw=on.
 */
struct mps2_bootinfo {
	uint32_t magic;        /**< MPS2_BOOTINFO_MAGIC */
	uint32_t version;      /**< MPS2_BOOTINFO_VERSION */
	uint32_t mode;         /**< enum sdfu_boot_mode */
	int32_t booted_slot;   /**< -1 nothing bootable, 0 primary, 1 secondary (direct-XIP) */
	uint32_t flags;        /**< MPS2_BOOTINFO_F_* */
	uint32_t boot_count;   /**< starts of this launcher (1 = first) */
	uint32_t key_count;
	uint32_t key_alg[MPS2_BOOTINFO_MAX_KEYS]; /**< enum sdfu_sig_alg */
	uint32_t key_len[MPS2_BOOTINFO_MAX_KEYS];
	uint8_t key_der[MPS2_BOOTINFO_MAX_KEYS][MPS2_BOOTINFO_KEY_MAX];
};

/* ---- UART (uart.c) ----------------------------------------------------------------- */
/** Start UART0 (RX/TX interrupts, ring buffers) and UART1 (polled log). Init time. */
void mps2_uart_init(void);
/** Move up to `len` received UART0 bytes out of the RX ring. Loop context. Returns the count. */
size_t mps2_uart0_read(uint8_t *buf, size_t len);
/** True when UART0 bytes wait in the RX ring (call with interrupts off before WFI). */
bool mps2_uart0_rx_pending(void);
/** Queue bytes for UART0 (interrupt-driven; waits with WFI while the ring is full). Loop context. */
void mps2_uart0_write(const uint8_t *data, size_t len);
/** Wait until UART0 has sent everything queued (before a reset). */
void mps2_uart0_drain(void);
/** Bytes lost because the RX ring was full. */
uint32_t mps2_uart0_rx_overruns(void);
/** Write bytes to UART1 (log), polled. Any context. */
void mps2_uart1_write(const char *s, size_t len);

/* ---- log (log.c) --------------------------------------------------------------------- */
/** Small printf subset (%d %i %u %x %X %p %s %c %%, flags - 0, width, .precision, h l ll z). */
int mps2_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int mps2_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** Install the log hook of port_cortexm.c: "[ms] <lvl> module: text" lines on UART1. */
void mps2_log_init(void);
/** Log one line from the board (printf format). */
void mps2_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- flash (flash.c) ---------------------------------------------------------------- */
/** The PSRAM-backed NOR flash device and its areas (sim layout "mps2"). Init time. */
void mps2_flash_init(void);
const struct sdfu_flash_area *mps2_flash_area(enum sdfu_flash_area_id id);
/** Rule violations refused by the driver (misaligned, unerased write, partial-sector erase). */
uint32_t mps2_flash_violations(void);

/* ---- figures (startup.c / main.c) ---------------------------------------------------- */
/** Stack bytes used since the last repaint (painted high-water mark). */
uint32_t mps2_stack_peak(void);
/** Stack size in bytes. */
uint32_t mps2_stack_size(void);
/** Repaint the unused stack below the caller (starts a new high-water measurement). */
void mps2_stack_repaint(void);

#endif /* SDFU_BOARD_MPS2_H */
