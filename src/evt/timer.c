/* SPDX-License-Identifier: Apache-2.0 */
/* One-shot software timers kept in a deadline-sorted list and fired from the core loop. */
#include "sdfu/timer.h"

#include <stddef.h>

#include "sdfu/port.h"

/* Wrap-safe "a is before or at b". */
static bool time_reached(uint32_t now, uint32_t deadline)
{
	return (int32_t)(now - deadline) >= 0;
}

void sdfu_timer_list_init(struct sdfu_timer_list *list)
{
	list->head = NULL;
}

void sdfu_timer_init(struct sdfu_timer *timer, sdfu_timer_fn fn, void *ctx)
{
	timer->next = NULL;
	timer->deadline = 0;
	timer->armed = false;
	timer->fn = fn;
	timer->ctx = ctx;
}

static void unlink_timer(struct sdfu_timer_list *list, struct sdfu_timer *timer)
{
	struct sdfu_timer **pp = &list->head;

	while (*pp != NULL) {
		if (*pp == timer) {
			*pp = timer->next;
			break;
		}
		pp = &(*pp)->next;
	}
	timer->next = NULL;
	timer->armed = false;
}

void sdfu_timer_start(struct sdfu_timer_list *list, struct sdfu_timer *timer, uint32_t delay_ms)
{
	uint32_t now = sdfu_port_uptime_ms();
	struct sdfu_timer **pp;

	if (timer->armed) {
		unlink_timer(list, timer);
	}
	timer->deadline = now + delay_ms;
	timer->armed = true;
	/* Insert after every timer due at or before ours: equal deadlines fire in start order. */
	pp = &list->head;
	while (*pp != NULL && (int32_t)((*pp)->deadline - timer->deadline) <= 0) {
		pp = &(*pp)->next;
	}
	timer->next = *pp;
	*pp = timer;
}

void sdfu_timer_stop(struct sdfu_timer_list *list, struct sdfu_timer *timer)
{
	if (timer->armed) {
		unlink_timer(list, timer);
	}
}

bool sdfu_timer_is_armed(const struct sdfu_timer *timer)
{
	return timer->armed;
}

void sdfu_timer_process(struct sdfu_timer_list *list, uint32_t now_ms)
{
	while (list->head != NULL && time_reached(now_ms, list->head->deadline)) {
		struct sdfu_timer *t = list->head;

		list->head = t->next;
		t->next = NULL;
		t->armed = false;
		if (t->fn != NULL) {
			t->fn(t);
		}
	}
}

int32_t sdfu_timer_next_ms(const struct sdfu_timer_list *list, uint32_t now_ms)
{
	int32_t d;

	if (list->head == NULL) {
		return -1;
	}
	d = (int32_t)(list->head->deadline - now_ms);
	return d < 0 ? 0 : d;
}

unsigned sdfu_timer_count(const struct sdfu_timer_list *list)
{
	unsigned n = 0;

	for (const struct sdfu_timer *t = list->head; t != NULL; t = t->next) {
		n++;
	}
	return n;
}
