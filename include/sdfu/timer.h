/* SPDX-License-Identifier: Apache-2.0 */
/* One-shot software timers that fire on the core's loop (no threads, no interrupts). */
#ifndef SDFU_TIMER_H
#define SDFU_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct sdfu_timer;
typedef void (*sdfu_timer_fn)(struct sdfu_timer *timer);

/** A caller-owned one-shot timer. Initialise with sdfu_timer_init(). */
struct sdfu_timer {
	struct sdfu_timer *next; /**< list link, owned by the timer list */
	uint32_t deadline;       /**< absolute ms (port uptime) */
	bool armed;
	sdfu_timer_fn fn;        /**< called once when the deadline passes */
	void *ctx;               /**< for the callback's use */
};

/** The list of armed timers; caller-owned, zero-initialised or sdfu_timer_list_init(). */
struct sdfu_timer_list {
	struct sdfu_timer *head;
};

void sdfu_timer_list_init(struct sdfu_timer_list *list);
/** Prepare a timer. It is not armed. */
void sdfu_timer_init(struct sdfu_timer *timer, sdfu_timer_fn fn, void *ctx);
/** Arm (or re-arm: k_work_reschedule semantics) to fire `delay_ms` from now. */
void sdfu_timer_start(struct sdfu_timer_list *list, struct sdfu_timer *timer, uint32_t delay_ms);
/** Disarm; harmless when not armed. */
void sdfu_timer_stop(struct sdfu_timer_list *list, struct sdfu_timer *timer);
bool sdfu_timer_is_armed(const struct sdfu_timer *timer);
/**
 * Fire every timer whose deadline is at or before `now_ms`, in deadline order.
 * A callback may start or stop any timer. Loop context only.
 */
void sdfu_timer_process(struct sdfu_timer_list *list, uint32_t now_ms);
/** Milliseconds until the next deadline (0 if overdue), or -1 when no timer is armed. */
int32_t sdfu_timer_next_ms(const struct sdfu_timer_list *list, uint32_t now_ms);
/** Number of armed timers (tests check it returns to 0). */
unsigned sdfu_timer_count(const struct sdfu_timer_list *list);

#endif /* SDFU_TIMER_H */
