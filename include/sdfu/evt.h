/* SPDX-License-Identifier: Apache-2.0 */
/* Application event bus: typed events from a static pool, prioritised subscribers, module states. */
#ifndef SDFU_EVT_H
#define SDFU_EVT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sdfu/config.h"

/*
 * Model: an event type is a static descriptor (sdfu_evt_type). An event is a
 * caller-defined struct whose FIRST member is `struct sdfu_evt_hdr`. Submitting
 * copies the event into a slot of the bus's static pool and appends it to a FIFO;
 * sdfu_evt_process(), run on the core loop, hands each queued event to the
 * subscribers of its type in priority order FIRST -> EARLY -> NORMAL -> FINAL
 * (registration order inside a priority) until one returns true (consumed), then
 * frees the slot. A subscriber sees a pointer to the pool copy, valid only during
 * its call.
 *
 * Pool capacity is SDFU_EVT_POOL_SIZE events of at most SDFU_EVT_MAX_SIZE bytes
 * each. An event being dispatched still occupies its slot.
 */


struct sdfu_evt_hdr;

/** Optional per-type log function; called (loop context) just before dispatch. */
typedef void (*sdfu_evt_log_fn)(const struct sdfu_evt_hdr *evt);

/** Static event type descriptor. Identity is the descriptor's address. */
struct sdfu_evt_type {
	const char *name;
	sdfu_evt_log_fn log; /**< NULL = not logged */
};

/** Common header; first member of every event struct. Filled by sdfu_evt_submit(). */
struct sdfu_evt_hdr {
	const struct sdfu_evt_type *type;
	uint16_t size; /**< size of the whole event struct */
	uint16_t seq;  /**< submission sequence number (wraps), for logs */
};

/** Define / declare a type descriptor named <name>_type. */
#define SDFU_EVT_TYPE_DEFINE(name, log_fn) \
	const struct sdfu_evt_type name##_type = {#name, (log_fn)}
#define SDFU_EVT_TYPE_DECLARE(name) extern const struct sdfu_evt_type name##_type

/** Subscriber priorities, dispatched in this order. */
enum sdfu_evt_prio {
	SDFU_EVT_PRIO_FIRST = 0, /**< at most one per event type */
	SDFU_EVT_PRIO_EARLY = 1,
	SDFU_EVT_PRIO_NORMAL = 2,
	SDFU_EVT_PRIO_FINAL = 3, /**< at most one per event type; sees events nobody consumed */
};

/** Handler: return true to consume the event (later subscribers do not see it). */
typedef bool (*sdfu_evt_handler_fn)(const struct sdfu_evt_hdr *evt, void *user);

/** A subscription; caller-owned, kept alive while subscribed. */
struct sdfu_evt_sub {
	struct sdfu_evt_sub *next; /**< owned by the bus */
	const struct sdfu_evt_type *type;
	enum sdfu_evt_prio prio;
	sdfu_evt_handler_fn fn;
	void *user;
};

/** Bus statistics (tests check them). */
struct sdfu_evt_stats {
	uint32_t submitted;   /**< events accepted into the pool */
	uint32_t dispatched;  /**< events fully processed and freed */
	uint32_t consumed;    /**< events stopped by a subscriber returning true */
	uint32_t dropped;     /**< submits refused: pool full (SDFU_ERR_NOMEM) */
	uint32_t too_big;     /**< submits refused: size > SDFU_EVT_MAX_SIZE (SDFU_ERR_INVAL) */
	uint16_t high_water;  /**< most slots ever in use at once */
};

/** The bus: caller-owned (one per application), zero-initialise with sdfu_evt_init(). */
struct sdfu_evt_bus {
	struct sdfu_evt_sub *subs; /**< sorted by priority, stable */
	uint16_t head;             /**< ring index of the oldest queued event */
	uint16_t count;            /**< slots in use (queued + the one in dispatch) */
	uint16_t seq;
	bool dispatching;
	struct sdfu_evt_stats stats;
	union {
		uint64_t align_;
		struct sdfu_evt_hdr hdr; /**< the header of the copy in this slot */
		uint8_t bytes[SDFU_EVT_MAX_SIZE];
	} pool[SDFU_EVT_POOL_SIZE];
};

/** Initialise an empty bus (no subscribers, empty pool). Init time. */
void sdfu_evt_init(struct sdfu_evt_bus *bus);

/**
 * Subscribe `sub` (fields type, prio, fn, user set by the caller). Returns 0,
 * SDFU_ERR_EXIST when a FIRST or FINAL subscriber already exists for the type,
 * SDFU_ERR_ALREADY when `sub` is already on the list, SDFU_ERR_INVAL for a NULL
 * fn/type or a bad priority. Loop context.
 */
int sdfu_evt_subscribe(struct sdfu_evt_bus *bus, struct sdfu_evt_sub *sub);
/** Convenience: fill `sub` and subscribe. Same returns. */
int sdfu_evt_subscribe_fn(struct sdfu_evt_bus *bus, struct sdfu_evt_sub *sub,
			  const struct sdfu_evt_type *type, enum sdfu_evt_prio prio,
			  sdfu_evt_handler_fn fn, void *user);
/**
 * Remove `sub`; harmless if not subscribed. Loop context. A handler may
 * unsubscribe itself (only itself) while being called.
 */
void sdfu_evt_unsubscribe(struct sdfu_evt_bus *bus, struct sdfu_evt_sub *sub);

/**
 * Copy `size` bytes of the event at `evt` (header first; type set by the caller)
 * into the pool and queue it. The header's size and seq are filled in.
 * Returns 0, SDFU_ERR_NOMEM when the pool is full (counted in stats.dropped and
 * logged as an error: never silent), SDFU_ERR_INVAL when size is below the header
 * size or above SDFU_EVT_MAX_SIZE or type is NULL.
 * Thread-safe entry point: may be called from any context (takes the port
 * critical section); never dispatches synchronously.
 */
int sdfu_evt_submit(struct sdfu_evt_bus *bus, struct sdfu_evt_hdr *evt, size_t size);

/**
 * Dispatch queued events (including those submitted by handlers meanwhile)
 * until the queue is empty. Returns the number of events dispatched.
 * Loop context only; not reentrant (a nested call returns 0).
 */
unsigned sdfu_evt_process(struct sdfu_evt_bus *bus);

/** Events queued or in dispatch (0 when idle). Any context. */
unsigned sdfu_evt_pending(const struct sdfu_evt_bus *bus);
/** Number of subscriptions (tests check it returns to 0). */
unsigned sdfu_evt_sub_count(const struct sdfu_evt_bus *bus);
/** Subscriptions for one type. */
unsigned sdfu_evt_sub_count_type(const struct sdfu_evt_bus *bus, const struct sdfu_evt_type *type);

/** True when `evt` is of `type`. */
static inline bool sdfu_evt_is(const struct sdfu_evt_hdr *evt, const struct sdfu_evt_type *type)
{
	return evt->type == type;
}

#endif /* SDFU_EVT_H */
