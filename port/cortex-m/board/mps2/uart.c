/* SPDX-License-Identifier: Apache-2.0 */
/* CMSDK APB UART driver: UART0 interrupt-driven RX/TX rings for SMP, UART1 polled for the log. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mps2.h"

/* CMSDK APB UART registers (ARM DDI0479C). */
struct cmsdk_uart {
	volatile uint32_t data;
	volatile uint32_t state;     /* bit0 TX full, bit1 RX full, bit2/3 TX/RX overrun */
	volatile uint32_t ctrl;      /* bit0 TX en, bit1 RX en, bit2 TX int, bit3 RX int */
	volatile uint32_t intstatus; /* read: status; write 1: clear. bit0 TX, bit1 RX */
	volatile uint32_t bauddiv;
};

#define UART0 ((struct cmsdk_uart *)MPS2_UART0_BASE)
#define UART1 ((struct cmsdk_uart *)MPS2_UART1_BASE)

#define STATE_TXFULL 0x1u
#define STATE_RXFULL 0x2u
#define CTRL_TXEN 0x1u
#define CTRL_RXEN 0x2u
#define CTRL_TXINT 0x4u
#define CTRL_RXINT 0x8u
#define INT_TX 0x1u
#define INT_RX 0x2u
/* 25 MHz / 217 = 115200 Bd; QEMU only needs a divider >= 16 and paces nothing by it. */
#define BAUDDIV_115200 217u

#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)

/* Rings: sizes are powers of two; head is written by the producer, tail by the consumer. */
#define RX_RING 8192u
#define TX_RING 2048u

static uint8_t rx_buf[RX_RING];
static volatile uint32_t rx_head, rx_tail;
static volatile uint32_t rx_overruns;
static uint8_t tx_buf[TX_RING];
static volatile uint32_t tx_head, tx_tail;
static volatile bool tx_busy; /* a byte is in the UART's holding register */

static inline void irq_off(void)
{
	__asm volatile("cpsid i" ::: "memory");
}

static inline void irq_on(void)
{
	__asm volatile("cpsie i" ::: "memory");
}

void mps2_uart_init(void)
{
	rx_head = rx_tail = 0;
	tx_head = tx_tail = 0;
	tx_busy = false;
	UART0->bauddiv = BAUDDIV_115200;
	UART0->intstatus = INT_TX | INT_RX;
	UART0->ctrl = CTRL_TXEN | CTRL_RXEN | CTRL_TXINT | CTRL_RXINT;
	UART1->bauddiv = BAUDDIV_115200;
	UART1->ctrl = CTRL_TXEN;
	NVIC_ISER0 = (1u << MPS2_UART0_RX_IRQ) | (1u << MPS2_UART0_TX_IRQ);
}

/* UART0 RX interrupt: one byte per interrupt (the CMSDK UART has no FIFO). */
void mps2_uart0_rx_isr(void);
void mps2_uart0_rx_isr(void)
{
	UART0->intstatus = INT_RX;
	while (UART0->state & STATE_RXFULL) {
		uint8_t b = (uint8_t)UART0->data;
		uint32_t h = rx_head;

		if (h - rx_tail < RX_RING) {
			rx_buf[h & (RX_RING - 1u)] = b;
			rx_head = h + 1u;
		} else {
			rx_overruns++;
		}
	}
}

/* UART0 TX interrupt: the holding register is empty; send the next queued byte. */
void mps2_uart0_tx_isr(void);
void mps2_uart0_tx_isr(void)
{
	uint32_t t = tx_tail;

	UART0->intstatus = INT_TX;
	if (t != tx_head) {
		UART0->data = tx_buf[t & (TX_RING - 1u)];
		tx_tail = t + 1u;
	} else {
		tx_busy = false;
	}
}

size_t mps2_uart0_read(uint8_t *buf, size_t len)
{
	size_t n = 0;
	uint32_t t = rx_tail;

	while (n < len && t != rx_head) {
		buf[n++] = rx_buf[t & (RX_RING - 1u)];
		t++;
	}
	rx_tail = t;
	return n;
}

bool mps2_uart0_rx_pending(void)
{
	return rx_head != rx_tail;
}

uint32_t mps2_uart0_rx_overruns(void)
{
	return rx_overruns;
}

void mps2_uart0_write(const uint8_t *data, size_t len)
{
	size_t i = 0;

	while (i < len) {
		irq_off();
		if (!tx_busy) {
			/* idle: the first byte goes straight to the UART, its TX interrupt pulls the rest */
			tx_busy = true;
			UART0->data = data[i++];
		} else if (tx_head - tx_tail < TX_RING) {
			tx_buf[tx_head & (TX_RING - 1u)] = data[i++];
			tx_head = tx_head + 1u;
		} else {
			/* ring full: sleep until the TX interrupt made room (PRIMASK set: WFI still wakes) */
			__asm volatile("wfi");
		}
		irq_on();
	}
}

void mps2_uart0_drain(void)
{
	uint32_t ipsr;

	__asm volatile("mrs %0, ipsr" : "=r"(ipsr));
	if ((ipsr & 0x1FFu) != 0u) {
		return; /* in an exception handler (a fault): the TX interrupt cannot run */
	}
	for (;;) {
		irq_off();
		if (!tx_busy) {
			irq_on();
			break;
		}
		__asm volatile("wfi");
		irq_on();
	}
}

void mps2_uart1_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		while (UART1->state & STATE_TXFULL) {
		}
		UART1->data = (uint8_t)s[i];
	}
}
