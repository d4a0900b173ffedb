/* SPDX-License-Identifier: Apache-2.0 */
/* Application event bus: static event pool as a FIFO ring, prioritised dispatch. */
#include "sdfu/evt.h"

#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "evt"

_Static_assert(sizeof(struct sdfu_evt_hdr) <= SDFU_EVT_MAX_SIZE, "SDFU_EVT_MAX_SIZE too small");
_Static_assert(SDFU_EVT_POOL_SIZE > 0 && SDFU_EVT_POOL_SIZE < 65535, "bad SDFU_EVT_POOL_SIZE");

void sdfu_evt_init(struct sdfu_evt_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

int sdfu_evt_subscribe(struct sdfu_evt_bus *bus, struct sdfu_evt_sub *sub)
{
	struct sdfu_evt_sub **pp;

	if (sub == NULL || sub->fn == NULL || sub->type == NULL ||
	    (unsigned)sub->prio > (unsigned)SDFU_EVT_PRIO_FINAL) {
		return SDFU_ERR_INVAL;
	}
	for (struct sdfu_evt_sub *s = bus->subs; s != NULL; s = s->next) {
		if (s == sub) {
			return SDFU_ERR_ALREADY;
		}
		if (s->type == sub->type && s->prio == sub->prio &&
		    (sub->prio == SDFU_EVT_PRIO_FIRST || sub->prio == SDFU_EVT_PRIO_FINAL)) {
			SDFU_LOGE("second %s subscriber for %s", sub->prio == SDFU_EVT_PRIO_FIRST ?
				  "FIRST" : "FINAL", sub->type->name);
			return SDFU_ERR_EXIST;
		}
	}
	/* Keep the list sorted by priority; equal priorities in registration order. */
	pp = &bus->subs;
	while (*pp != NULL && (*pp)->prio <= sub->prio) {
		pp = &(*pp)->next;
	}
	sub->next = *pp;
	*pp = sub;
	return SDFU_OK;
}

int sdfu_evt_subscribe_fn(struct sdfu_evt_bus *bus, struct sdfu_evt_sub *sub,
			  const struct sdfu_evt_type *type, enum sdfu_evt_prio prio,
			  sdfu_evt_handler_fn fn, void *user)
{
	sub->next = NULL;
	sub->type = type;
	sub->prio = prio;
	sub->fn = fn;
	sub->user = user;
	return sdfu_evt_subscribe(bus, sub);
}

void sdfu_evt_unsubscribe(struct sdfu_evt_bus *bus, struct sdfu_evt_sub *sub)
{
	struct sdfu_evt_sub **pp = &bus->subs;

	while (*pp != NULL) {
		if (*pp == sub) {
			*pp = sub->next;
			/* keep sub->next: a dispatch loop may be standing on `sub` */
			return;
		}
		pp = &(*pp)->next;
	}
}

int sdfu_evt_submit(struct sdfu_evt_bus *bus, struct sdfu_evt_hdr *evt, size_t size)
{
	uint16_t slot;
	uint16_t seq;
	unsigned dropped;

	if (evt == NULL || evt->type == NULL || size < sizeof(struct sdfu_evt_hdr)) {
		return SDFU_ERR_INVAL;
	}
	if (size > SDFU_EVT_MAX_SIZE) {
		sdfu_port_crit_enter();
		bus->stats.too_big++;
		sdfu_port_crit_exit();
		SDFU_LOGE("event %s too big (%u > %u)", evt->type->name, (unsigned)size,
			  (unsigned)SDFU_EVT_MAX_SIZE);
		return SDFU_ERR_INVAL;
	}
	sdfu_port_crit_enter();
	if (bus->count >= SDFU_EVT_POOL_SIZE) {
		dropped = ++bus->stats.dropped;
		sdfu_port_crit_exit();
		SDFU_LOGE("event pool full: %s dropped (%u so far)", evt->type->name, dropped);
		return SDFU_ERR_NOMEM;
	}
	slot = (uint16_t)((bus->head + bus->count) % SDFU_EVT_POOL_SIZE);
	seq = bus->seq++;
	evt->size = (uint16_t)size;
	evt->seq = seq;
	memcpy(bus->pool[slot].bytes, evt, size);
	bus->count++;
	bus->stats.submitted++;
	if (bus->count > bus->stats.high_water) {
		bus->stats.high_water = bus->count;
	}
	sdfu_port_crit_exit();
	return SDFU_OK;
}

/* Deliver one event to its subscribers in priority order until one consumes it. */
static void dispatch_one(struct sdfu_evt_bus *bus, const struct sdfu_evt_hdr *evt)
{
	struct sdfu_evt_sub *s = bus->subs;

	if (evt->type->log != NULL) {
		evt->type->log(evt);
	}
	while (s != NULL) {
		/* read next first: the handler may unsubscribe itself */
		struct sdfu_evt_sub *next = s->next;

		if (s->type == evt->type && s->fn(evt, s->user)) {
			bus->stats.consumed++;
			SDFU_LOGD("%s #%u consumed", evt->type->name, (unsigned)evt->seq);
			break;
		}
		s = next;
	}
}

unsigned sdfu_evt_process(struct sdfu_evt_bus *bus)
{
	unsigned n = 0;

	if (bus->dispatching) {
		return 0;
	}
	bus->dispatching = true;
	for (;;) {
		const struct sdfu_evt_hdr *evt;

		sdfu_port_crit_enter();
		if (bus->count == 0) {
			sdfu_port_crit_exit();
			break;
		}
		evt = &bus->pool[bus->head].hdr;
		sdfu_port_crit_exit();

		/* The slot stays allocated during dispatch; submit only writes behind it. */
		dispatch_one(bus, evt);

		sdfu_port_crit_enter();
		bus->head = (uint16_t)((bus->head + 1u) % SDFU_EVT_POOL_SIZE);
		bus->count--;
		bus->stats.dispatched++;
		sdfu_port_crit_exit();
		n++;
	}
	bus->dispatching = false;
	return n;
}

unsigned sdfu_evt_pending(const struct sdfu_evt_bus *bus)
{
	return bus->count;
}

unsigned sdfu_evt_sub_count(const struct sdfu_evt_bus *bus)
{
	unsigned n = 0;

	for (const struct sdfu_evt_sub *s = bus->subs; s != NULL; s = s->next) {
		n++;
	}
	return n;
}

unsigned sdfu_evt_sub_count_type(const struct sdfu_evt_bus *bus, const struct sdfu_evt_type *type)
{
	unsigned n = 0;

	for (const struct sdfu_evt_sub *s = bus->subs; s != NULL; s = s->next) {
		n += (s->type == type) ? 1u : 0u;
	}
	return n;
}
