/* SPDX-License-Identifier: Apache-2.0 */
/* mps2 firmware: the smpdfu stack (SMP server, OS/image groups, serial, DFU module) on the emulated chip. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/memory_buffer_alloc.h>

#include "mps2.h"
#include "port_cortexm.h"
#include "sdfu/boot.h"
#include "sdfu/port.h"
#include "sdfu/smp.h"
#include "sdfu/stack.h"
#include "sdfu/transport.h"

#define SDFU_LOG_MODULE "main"

#ifndef MPS2_MBEDTLS_HEAP_SIZE
/** Static heap of Mbed TLS: RSA-2048 verification peaks at ~4.7 KiB, P-256 at ~2 KiB (docs/BENCHMARKS.md). */
#define MPS2_MBEDTLS_HEAP_SIZE 8192u
#endif
#ifndef MPS2_BOARD_NAME
#define MPS2_BOARD_NAME "mps2-an386"
#endif
#ifndef MPS2_CPU_NAME
#define MPS2_CPU_NAME "cortex-m4"
#endif

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

/* The core objects: the stack from the composition root (sdfu/stack.h) plus this board's pieces. */
static struct {
	struct sdfu_stack stack;
	struct sdfu_boot_ctx boot;
	struct sdfu_serial ser;
	struct sdfu_smp_cb info_cb;
} core;

static struct sdfu_boot_key keys[MPS2_BOOTINFO_MAX_KEYS];
static bool booted;
static bool confirm_at_boot;
static char version[32];
/* OS info (0/7) field 'v': the running image version and the run-time figures. */
static char figures[160];
static uint8_t mbedtls_heap[MPS2_MBEDTLS_HEAP_SIZE] __attribute__((aligned(8)));

void sdfu_mbedtls_exit(int status)
{
	SDFU_LOGE("Mbed TLS heap fatal error %d: reset", status);
	sdfu_port_reset();
}

static void systick_init(void)
{
	SYST_RVR = MPS2_SYSCLK_HZ / 1000u - 1u;
	SYST_CVR = 0;
	SYST_CSR = 0x7u; /* processor clock, interrupt, enable */
}

static int serial_out(void *ctx, const uint8_t *data, size_t len)
{
	(void)ctx;
	mps2_uart0_write(data, len);
	return 0;
}

/* Read the boot step's decision and the trusted keys from the launcher's boot info block. */
static void read_bootinfo(enum sdfu_boot_mode *mode, int *slot, struct sdfu_boot_keys *ks,
			  uint32_t *boot_count)
{
	const struct mps2_bootinfo *bi = (const struct mps2_bootinfo *)MPS2_BOOTINFO_ADDR;
	size_t n = 0;

	*mode = SDFU_BOOT_MODE_SWAP_MOVE;
	*slot = 0;
	*boot_count = 0;
	confirm_at_boot = true;
	ks->keys = keys;
	ks->count = 0;
	if (bi->magic != MPS2_BOOTINFO_MAGIC || bi->version != MPS2_BOOTINFO_VERSION) {
		SDFU_LOGW("no boot info at 0x%08x: swap-move, primary slot, no keys",
			  (unsigned)MPS2_BOOTINFO_ADDR);
		return;
	}
	if (bi->mode >= 1u && bi->mode <= 5u && SDFU_BOOT_MODE_ENABLED(bi->mode)) {
		*mode = (enum sdfu_boot_mode)bi->mode;
	} else {
		SDFU_LOGE("boot info: unsupported mode %u, using swap-move", (unsigned)bi->mode);
	}
	*slot = bi->booted_slot;
	*boot_count = bi->boot_count;
	confirm_at_boot = (bi->flags & MPS2_BOOTINFO_F_CONFIRM_AT_BOOT) != 0u;
	core.boot.downgrade_prevention = (bi->flags & MPS2_BOOTINFO_F_DOWNGRADE_PREVENTION) != 0u;
	for (uint32_t i = 0; i < bi->key_count && i < MPS2_BOOTINFO_MAX_KEYS; i++) {
		if (bi->key_len[i] == 0u || bi->key_len[i] > MPS2_BOOTINFO_KEY_MAX ||
		    bi->key_alg[i] < SDFU_SIG_ECDSA_P256 || bi->key_alg[i] > SDFU_SIG_ED25519) {
			SDFU_LOGE("boot info: key %u malformed, ignored", (unsigned)i);
			continue;
		}
		keys[n].alg = (enum sdfu_sig_alg)bi->key_alg[i];
		keys[n].der = bi->key_der[i];
		keys[n].der_len = bi->key_len[i];
		n++;
	}
	ks->count = n;
}

/* The running image's version, from the header of the slot the boot step chose. */
static void read_version(void)
{
	struct sdfu_image_info info;

	if (!booted || sdfu_image_read_info(core.boot.slot[core.boot.active_slot], &info) != 0) {
		booted = false; /* nothing to run: serve SMP anyway, like a recovery bootloader */
		(void)mps2_snprintf(version, sizeof(version), "none");
		return;
	}
	(void)sdfu_image_version_str(&info.hdr.ver, version, sizeof(version));
}

/*
 * Before each OS info request: put the figures since the previous one into field 'v', then
 * start a new measurement (repaint the free stack, reset the allocator's peak).
 */
static enum sdfu_smp_cb_ret on_cmd(uint32_t event, enum sdfu_smp_cb_ret prev, int32_t *rc,
				   uint16_t *group, bool *abort_more, void *data, size_t data_size,
				   void *user)
{
	const struct sdfu_smp_cmd_info *ci = data;
	size_t heap_peak = 0;
	size_t heap_blocks = 0;

	(void)event, (void)rc, (void)group, (void)abort_more, (void)data_size, (void)user;
	if (ci->group != 0u || ci->id != SDFU_OS_ID_INFO) {
		return prev;
	}
	mbedtls_memory_buffer_alloc_max_get(&heap_peak, &heap_blocks);
	(void)mps2_snprintf(figures, sizeof(figures),
			    "%s stack_peak=%u stack_size=%u mbedtls_peak=%u mbedtls_size=%u "
			    "rx_overruns=%u flash_violations=%u",
			    version, (unsigned)mps2_stack_peak(), (unsigned)mps2_stack_size(),
			    (unsigned)heap_peak, (unsigned)sizeof(mbedtls_heap),
			    (unsigned)mps2_uart0_rx_overruns(), (unsigned)mps2_flash_violations());
	mps2_stack_repaint();
	mbedtls_memory_buffer_alloc_max_reset();
	return prev;
}

/* Stack step 3: the serial transport and the OS info figures hook, before the DFU modules. */
static int board_extend(struct sdfu_stack *st, void *user)
{
	(void)user;
	sdfu_serial_init(&core.ser, &st->srv, 0, serial_out, NULL);
	core.info_cb.event_id = SDFU_SMP_EVT_CMD_RECV;
	core.info_cb.fn = on_cmd;
	sdfu_smp_cb_register(&st->srv, &core.info_cb);
	return 0;
}

static int init_core(void)
{
	static const struct sdfu_os_info info_tpl = {
		.kernel_name = "smpdfu",
		.node_name = "smpdfu-qemu",
		.machine = MPS2_BOARD_NAME,
		.processor = MPS2_CPU_NAME,
		.platform = "qemu",
		.os = "smpdfu-baremetal",
	};
	struct sdfu_os_info info = info_tpl;
	enum sdfu_boot_mode mode;
	int slot;
	uint32_t boot_count;
	struct sdfu_boot_keys ks;
	struct sdfu_stack_cfg cfg;

	read_bootinfo(&mode, &slot, &ks, &boot_count);
	core.boot.mode = mode;
	core.boot.slot[0] = mps2_flash_area(SDFU_FA_PRIMARY);
	core.boot.slot[1] = mps2_flash_area(SDFU_FA_SECONDARY);
	core.boot.keys = ks;
	booted = slot == 0 || slot == 1;
	core.boot.active_slot = slot == 1 ? 1u : 0u;
	read_version();
	(void)mps2_snprintf(figures, sizeof(figures), "%s", version);
	info.version = figures;

	/* the same composition root as the simulated device: timers, bus, lock, SMP server,
	 * OS and image groups, the nRF Desktop DFU MCUmgr module (docs/DFU_MODULE.md) */
	sdfu_stack_cfg_default(&cfg);
	cfg.boot = &core.boot;
	cfg.os_info = &info;
	cfg.extend = board_extend;
	cfg.dfu.flags |= SDFU_DFU_MCUMGR_F_LOCK;
	cfg.confirm_at_boot = confirm_at_boot && !SDFU_BOOT_IS_DIRECT_XIP(mode) && booted;
	if (!cfg.confirm_at_boot) {
		cfg.dfu.version = version; /* the module does not confirm; it logs our version */
	}
	if (sdfu_stack_init(&core.stack, &cfg) != 0) {
		SDFU_LOGE("stack init failed");
		return -1;
	}
	SDFU_LOGI("ready: boot #%u, mode %u, %s slot %d, version %s, %u key(s), confirm at boot %s",
		  (unsigned)boot_count, (unsigned)mode, booted ? "running" : "no image in", slot,
		  version, (unsigned)ks.count, confirm_at_boot ? "on" : "off");
	return 0;
}

int main(void)
{
	static uint8_t rx[256];

	mps2_log_init();
	mps2_uart_init();
	sdfu_cm_pre_reset_hook = mps2_uart0_drain;
	systick_init();
	mbedtls_memory_buffer_alloc_init(mbedtls_heap, sizeof(mbedtls_heap));
	mps2_flash_init();
	SDFU_LOGI("smpdfu firmware on %s (%s), flash at 0x%08x", MPS2_BOARD_NAME, MPS2_CPU_NAME,
		  (unsigned)MPS2_FLASH_BASE);
	if (init_core() != 0) {
		SDFU_LOGE("init failed: halting");
		for (;;) {
			__asm volatile("wfi");
		}
	}
	for (;;) {
		size_t n;

		/* one pass: received bytes (bounded, so timers get their turn), timers, events */
		n = mps2_uart0_read(rx, sizeof(rx));
		if (n > 0u) {
			(void)sdfu_serial_feed(&core.ser, rx, n);
		}
		sdfu_stack_poll(&core.stack, sdfu_port_uptime_ms());

		/* sleep until an interrupt (UART byte, SysTick) unless work is already waiting */
		__asm volatile("cpsid i" ::: "memory");
		if (!mps2_uart0_rx_pending() && sdfu_stack_next_ms(&core.stack, sdfu_port_uptime_ms()) != 0) {
			__asm volatile("wfi");
		}
		__asm volatile("cpsie i" ::: "memory");
	}
}
