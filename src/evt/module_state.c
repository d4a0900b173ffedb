/* SPDX-License-Identifier: Apache-2.0 */
/* module_state_event: module identities, their states on the event bus, one-shot waiters. */
#include "sdfu/module_state.h"

#include <string.h>

#include "sdfu/err.h"
#include "sdfu/port.h"

#define SDFU_LOG_MODULE "evt"

_Static_assert(sizeof(struct sdfu_module_state_evt) <= SDFU_EVT_MAX_SIZE,
	       "SDFU_EVT_MAX_SIZE too small for module_state_event");

static const char *const state_names[SDFU_MODULE_STATE_COUNT] = {
	"READY", "OFF", "STANDBY", "SUSPENDED", "ERROR",
};

const char *sdfu_module_state_name(enum sdfu_module_state state)
{
	return ((unsigned)state < SDFU_MODULE_STATE_COUNT) ? state_names[state] : "?";
}

static void log_module_state(const struct sdfu_evt_hdr *evt)
{
	const struct sdfu_module_state_evt *e = (const struct sdfu_module_state_evt *)evt;

	SDFU_LOGD("module %s state %s", e->module != NULL ? e->module->name : "?",
		  sdfu_module_state_name(e->state));
}

SDFU_EVT_TYPE_DEFINE(sdfu_module_state_evt, log_module_state);

SDFU_MODULE_ID_DEFINE(main);

int sdfu_module_set_state(struct sdfu_evt_bus *bus, const struct sdfu_module_id *module,
			  enum sdfu_module_state state)
{
	struct sdfu_module_state_evt e;

	memset(&e, 0, sizeof(e));
	e.hdr.type = &sdfu_module_state_evt_type;
	e.module = module;
	e.state = state;
	return sdfu_evt_submit(bus, &e.hdr, sizeof(e));
}

bool sdfu_module_check_state(const struct sdfu_evt_hdr *evt, const struct sdfu_module_id *module,
			     enum sdfu_module_state state)
{
	const struct sdfu_module_state_evt *e;

	if (!sdfu_evt_is(evt, &sdfu_module_state_evt_type)) {
		return false;
	}
	e = (const struct sdfu_module_state_evt *)evt;
	return e->module == module && e->state == state;
}

static bool waiter_handler(const struct sdfu_evt_hdr *evt, void *user)
{
	struct sdfu_module_waiter *w = user;

	if (!w->fired && sdfu_module_check_state(evt, w->module, w->state)) {
		w->fired = true;
		sdfu_evt_unsubscribe(w->bus, &w->sub);
		w->fn(w->user);
	}
	return false;
}

int sdfu_module_wait(struct sdfu_evt_bus *bus, struct sdfu_module_waiter *w,
		     const struct sdfu_module_id *module, enum sdfu_module_state state,
		     void (*fn)(void *user), void *user)
{
	if (fn == NULL || module == NULL) {
		return SDFU_ERR_INVAL;
	}
	w->bus = bus;
	w->module = module;
	w->state = state;
	w->fn = fn;
	w->user = user;
	w->fired = false;
	return sdfu_evt_subscribe_fn(bus, &w->sub, &sdfu_module_state_evt_type,
				     SDFU_EVT_PRIO_NORMAL, waiter_handler, w);
}

void sdfu_module_wait_cancel(struct sdfu_module_waiter *w)
{
	if (w->bus != NULL) {
		sdfu_evt_unsubscribe(w->bus, &w->sub);
	}
}
