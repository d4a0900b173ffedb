/* SPDX-License-Identifier: Apache-2.0 */
/* mps2 startup: vector table, reset handler (data/bss init, stack painting), fault handler. */
#include <stdint.h>

#include "mps2.h"
#include "sdfu/port.h"

/* Linker symbols (mps2.ld). */
extern uint32_t _sstack, _estack, _sidata, _sdata, _edata, _sbss, _ebss;

int main(void);
void mps2_reset_handler(void);
void mps2_default_handler(void);
void mps2_fault_handler(void);
void mps2_uart0_rx_isr(void);
void mps2_uart0_tx_isr(void);
void sdfu_cm_systick_handler(void);

#define STACK_PAINT 0xC5C5C5C5u
/* Bytes below the caller's frame left unpainted by mps2_stack_repaint() (its own frame). */
#define STACK_REPAINT_GUARD 64u

#define SCB_VTOR (*(volatile uint32_t *)0xE000ED08u)
#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define SCB_CFSR (*(volatile uint32_t *)0xE000ED28u)
#define SCB_HFSR (*(volatile uint32_t *)0xE000ED2Cu)
#define SCB_MMFAR (*(volatile uint32_t *)0xE000ED34u)
#define SCB_BFAR (*(volatile uint32_t *)0xE000ED38u)

#define IRQ_COUNT 48

typedef void (*vector_fn)(void);

/* Cortex-M vector table: initial SP, 15 system exceptions, then the device IRQs. */
__attribute__((section(".vectors"), used)) const void *const mps2_vectors[16 + IRQ_COUNT] = {
	[0] = &_estack,
	[1] = (const void *)mps2_reset_handler,
	[2] = (const void *)mps2_default_handler,  /* NMI */
	[3] = (const void *)mps2_fault_handler,    /* HardFault */
	[4] = (const void *)mps2_fault_handler,    /* MemManage */
	[5] = (const void *)mps2_fault_handler,    /* BusFault */
	[6] = (const void *)mps2_fault_handler,    /* UsageFault */
	[11] = (const void *)mps2_default_handler, /* SVCall */
	[12] = (const void *)mps2_default_handler, /* DebugMon */
	[14] = (const void *)mps2_default_handler, /* PendSV */
	[15] = (const void *)sdfu_cm_systick_handler,
	[16 + MPS2_UART0_RX_IRQ] = (const void *)mps2_uart0_rx_isr,
	[16 + MPS2_UART0_TX_IRQ] = (const void *)mps2_uart0_tx_isr,
};

static inline uint32_t current_sp(void)
{
	uint32_t sp;

	__asm volatile("mov %0, sp" : "=r"(sp));
	return sp;
}

/* Paint [_sstack, limit) with the pattern, word by word. */
static void paint_below(uint32_t limit)
{
	volatile uint32_t *p = &_sstack;

	while ((uint32_t)p + 4u <= limit) {
		*p++ = STACK_PAINT;
	}
}

void mps2_reset_handler(void)
{
	uint32_t *src = &_sidata;
	uint32_t *dst;

	/* paint before anything uses much stack: the high-water mark then covers the whole run */
	paint_below(current_sp() - STACK_REPAINT_GUARD);
	for (dst = &_sdata; dst < &_edata;) {
		*dst++ = *src++;
	}
	for (dst = &_sbss; dst < &_ebss;) {
		*dst++ = 0;
	}
	SCB_VTOR = (uint32_t)mps2_vectors;
	/* MemManage, BusFault and UsageFault get their own exception (same handler) */
	SCB_SHCSR |= (7u << 16);
	(void)main();
	sdfu_port_reset();
}

uint32_t mps2_stack_size(void)
{
	return (uint32_t)&_estack - (uint32_t)&_sstack;
}

uint32_t mps2_stack_peak(void)
{
	const uint32_t *p = &_sstack;

	while (p < &_estack && *p == STACK_PAINT) {
		p++;
	}
	return (uint32_t)&_estack - (uint32_t)p;
}

void mps2_stack_repaint(void)
{
	/* Interrupts may run below the current SP meanwhile: they only push over paint. */
	paint_below(current_sp() - STACK_REPAINT_GUARD);
}

void mps2_default_handler(void)
{
	uint32_t ipsr;

	__asm volatile("mrs %0, ipsr" : "=r"(ipsr));
	mps2_log("unexpected exception %u: reset", (unsigned)(ipsr & 0x1FFu));
	sdfu_port_reset();
}

/* Called by the naked fault entry with the stacked exception frame (r0-r3, r12, lr, pc, xpsr). */
void mps2_fault_report(const uint32_t *frame);
void mps2_fault_report(const uint32_t *frame)
{
	uint32_t ipsr;

	__asm volatile("mrs %0, ipsr" : "=r"(ipsr));
	mps2_log("FAULT exception %u: pc=0x%08x lr=0x%08x cfsr=0x%08x hfsr=0x%08x bfar=0x%08x "
		 "mmfar=0x%08x; reset",
		 (unsigned)(ipsr & 0x1FFu), (unsigned)frame[6], (unsigned)frame[5], (unsigned)SCB_CFSR,
		 (unsigned)SCB_HFSR, (unsigned)SCB_BFAR, (unsigned)SCB_MMFAR);
	sdfu_port_reset();
}

__attribute__((naked)) void mps2_fault_handler(void)
{
	__asm volatile("tst lr, #4\n"
		       "ite eq\n"
		       "mrseq r0, msp\n"
		       "mrsne r0, psp\n"
		       "b mps2_fault_report\n");
}
