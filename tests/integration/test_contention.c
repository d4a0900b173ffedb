/* SPDX-License-Identifier: Apache-2.0 */
/* Seeded random interleavings of two SMP transports, the config channel and the clock, checked against a lock model. */
#include "img_fixture.h" /* image builder, simulated flash, SMP helpers */

#include <stdlib.h>

#include "boot/sim_boot.h"
#include "test_loop.h"
#include "sdfu/crc32.h"
#include "sdfu/dfu_cfgchan.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/dfu_mcumgr.h"
#include "sdfu/evt.h"
#include "sdfu/os.h"
#include "sdfu/port.h"
#include "sdfu/stack.h"
#include "sdfu/timer.h"

/*
 * One device: SMP server with the real image and OS groups, dfu_mcumgr (lock, 5 s
 * inactivity release, upload reset on owner change), dfu_cfgchan (start/data/sync/reboot,
 * background erase on timers) on one DFU lock. Each step is drawn from a seeded PRNG:
 * an SMP command from transport A ("uart") or B ("ble", BLE flag) - upload chunk (first
 * or next), image state read, slot info, image erase, echo -, a config-channel request
 * (sync, start, data, reboot, device in use) or a clock advance (1 ms .. 6 s, timers and
 * events processed every millisecond). After every step:
 *  - never two owners: dfu_mcumgr's and dfu_cfgchan's own records agree with the lock
 *    and never both claim it;
 *  - an image/reset command is rejected with rc 11 exactly when the config channel
 *    holds the lock, and a rejected command (or a refused config-channel start) does not
 *    touch the flash (sim_flash write/erase counters unchanged across the call);
 *  - the upload offset answered to a continuing chunk is 0 exactly when the upload was
 *    invalidated since the previous accepted chunk (the config channel took the lock
 *    - observed as a change of the lock's current/previous owner to it -, an image erase,
 *    or a reboot), and off + len otherwise.
 * An accepted config-channel reboot reboots the device (bootloader sim, fresh RAM).
 * Seeds: SDFU_CONTENTION_SEEDS (default 4) x SDFU_CONTENTION_STEPS (default 3000);
 * SDFU_CONTENTION_SEED=<s> runs one seed. A failure prints "seed=<s> step=<k>".
 */

#define OSG SDFU_SMP_GROUP_OS

static struct sdfu_stack st; /* the device's composition root */

static const struct sdfu_smp_transport tr_a = {.name = "uart", .flags = 0, .mtu = 0};
static const struct sdfu_smp_transport tr_b = {.name = "ble", .flags = SDFU_SMP_TRANSPORT_F_BLE, .mtu = 0};

static uint32_t rng;
static unsigned cur_seed, cur_step;

#define C_CHECK(c)                                                                               \
	do {                                                                                     \
		if (!(c)) {                                                                      \
			fprintf(stderr, "CONTENTION FAILURE seed=%u step=%u: %s (line %d); "     \
				"replay: SDFU_CONTENTION_SEED=%u\n",                             \
				cur_seed, cur_step, #c, __LINE__, cur_seed);                     \
			fail();                                                                  \
		}                                                                                \
	} while (0)

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return n ? rng % n : 0;
}

static void loop_once(void)
{
	test_loop_once(&st.timers, &st.bus);
}

/* Power-on: the stack with both DFU owners, main READY processed. */
static void modules_up(void)
{
	struct sdfu_stack_cfg cfg;

	sdfu_stack_cfg_default(&cfg);
	cfg.boot = &boot;
	cfg.extend = fx_stack_extend; /* step 3: the fixture's event capture */
	cfg.dfu.flags = SDFU_DFU_MCUMGR_F_LOCK | SDFU_DFU_MCUMGR_F_BLE_TRANSPORT;
	cfg.cfgchan = true;
	assert_int_equal(sdfu_stack_init(&st, &cfg), 0);
}

static void modules_down(void)
{
	test_stack_down(&st);
}

/* Reset: bootloader sim, then the stack built again (RAM state is gone). */
static void reboot(void)
{
	modules_down();
	assert_int_equal(sim_boot_run(&fl, boot.mode, NULL, &boot), 0);
	modules_up();
}

static uint64_t flash_ops(void)
{
	return fl.stats.writes + fl.stats.erases;
}

/* Slot 1 holds an image scheduled for the next boot (config channel completion). */
static bool slot1_scheduled(void)
{
	return sdfu_boot_swap_type(boot.slot[0], boot.slot[1], boot.mode) != SDFU_BOOT_SWAP_NONE;
}

/* ---- the model ------------------------------------------------------------------------ */
struct model {
	bool up_active;       /* the client believes an upload session exists */
	uint32_t up_off;      /* next offset it sends */
	bool invalidated;     /* hand-over / erase / reboot since the last accepted chunk */
	const struct sdfu_dfu_lock_owner *cur, *prev; /* lock seen after the previous step */
	unsigned rejected, accepted, handovers, restarts, completions, cc_refused, reboots, cc_done;
};

static struct model md;

static void check_owners(void)
{
	const struct sdfu_dfu_lock_owner *cur = sdfu_dfu_lock_owner_get(&st.lock);
	const struct sdfu_dfu_lock_owner *prev = sdfu_dfu_lock_previous(&st.lock);
	bool mo = sdfu_dfu_mcumgr_owns_lock(&st.mcumgr);
	bool co = sdfu_dfu_cfgchan_owns_lock(&st.cfgchan);

	C_CHECK(!(mo && co));
	C_CHECK(mo == (cur == &st.mcumgr.owner));
	C_CHECK(co == (cur == &st.cfgchan.owner));
	C_CHECK(cur == NULL || cur == &st.mcumgr.owner || cur == &st.cfgchan.owner);
	/* the config channel got the lock since the last look: MCUmgr's upload is void */
	if ((cur == &st.cfgchan.owner && md.cur != &st.cfgchan.owner) || (prev == &st.cfgchan.owner && md.prev != &st.cfgchan.owner)) {
		if (md.up_active && !md.invalidated) {
			md.handovers++;
		}
		md.invalidated = true;
	}
	md.cur = cur;
	md.prev = prev;
}

/* Run one SMP DFU command; checks the gate and the flash counters. Returns the response. */
static const struct smp_rsp *dfu_cmd(const struct sdfu_smp_transport *tr, uint8_t op, uint16_t grp,
				     uint8_t id, const struct smp_test_kv *kv, size_t n,
				     bool *rejected)
{
	bool cc_owns = sdfu_dfu_lock_owner_get(&st.lock) == &st.cfgchan.owner;
	uint64_t before = flash_ops();
	const struct smp_rsp *r = smp_test_req_tr(&st.srv, tr, op, V2, grp, id, kv, n);
	int64_t rc = smp_rsp_any_rc(r);

	*rejected = rc == SDFU_MGMT_EACCESSDENIED;
	C_CHECK(*rejected == cc_owns);
	if (*rejected) {
		C_CHECK(flash_ops() == before);
		md.rejected++;
	} else {
		C_CHECK(sdfu_dfu_lock_owner_get(&st.lock) == &st.mcumgr.owner);
		md.accepted++;
	}
	return r;
}

static void step_upload(const struct sdfu_smp_transport *tr)
{
	const struct smp_rsp *r;
	bool rej;
	uint64_t off = UINT64_MAX;
	uint32_t n = 1 + rnd(1500);

	if (!md.up_active || rnd(40) == 0) {
		/* (re)start: a first chunk always opens a new session (and carries the header) */
		n = 32 + rnd(1400);
		if (n > update.len) {
			n = (uint32_t)update.len;
		}
		struct smp_test_kv kv[] = {
			SMP_KV_UINT("off", 0),
			SMP_KV_BSTR("data", update.buf, n),
			SMP_KV_UINT("len", update.len),
		};

		r = dfu_cmd(tr, W, GRP, SDFU_IMG_ID_UPLOAD, kv, 3, &rej);
		if (rej) {
			return;
		}
		if (smp_rsp_any_rc(r) == SMP_RSP_GROUP_RC + SDFU_IMG_ERR_NO_FREE_SLOT) {
			/* the config channel completed and scheduled slot 1: wait for the reboot */
			C_CHECK(slot1_scheduled());
			md.up_active = false;
			return;
		}
		C_CHECK(smp_rsp_any_rc(r) == 0);
		C_CHECK(smp_rsp_get_uint(r, "off", &off));
		C_CHECK(off == n);
		md.up_active = n < update.len;
		md.up_off = n;
		md.invalidated = false;
		md.restarts++;
		return;
	}
	if (n > update.len - md.up_off) {
		n = (uint32_t)(update.len - md.up_off);
	}
	struct smp_test_kv kv[] = {
		SMP_KV_UINT("off", md.up_off),
		SMP_KV_BSTR("data", update.buf + md.up_off, n),
	};

	r = dfu_cmd(tr, W, GRP, SDFU_IMG_ID_UPLOAD, kv, 2, &rej);
	if (rej) {
		return;
	}
	C_CHECK(smp_rsp_any_rc(r) == 0);
	C_CHECK(smp_rsp_get_uint(r, "off", &off));
	if (md.invalidated) {
		C_CHECK(off == 0); /* progress reset by the hand-over: start again */
		md.up_active = false;
		md.invalidated = false;
		return;
	}
	C_CHECK(off == md.up_off + n); /* never reset without a hand-over */
	md.up_off += n;
	if (md.up_off == update.len) {
		md.up_active = false;
		md.completions++;
		assert_slot_holds(1, &update);
	}
}

static void step_smp(void)
{
	const struct sdfu_smp_transport *tr = rnd(2) ? &tr_a : &tr_b;
	uint32_t k = rnd(100);
	bool rej;

	if (k < 60) {
		step_upload(tr);
	} else if (k < 75) {
		const struct smp_rsp *r = dfu_cmd(tr, R, GRP, SDFU_IMG_ID_STATE, NULL, 0, &rej);

		C_CHECK(rej || smp_rsp_any_rc(r) == 0);
	} else if (k < 82) {
		const struct smp_rsp *r = dfu_cmd(tr, R, GRP, SDFU_IMG_ID_SLOT_INFO, NULL, 0, &rej);

		C_CHECK(rej || smp_rsp_any_rc(r) == 0);
	} else if (k < 87) {
		struct smp_test_kv kv[] = {SMP_KV_UINT("slot", 1)};
		const struct smp_rsp *r = dfu_cmd(tr, W, GRP, SDFU_IMG_ID_ERASE, kv, 1, &rej);

		if (!rej && smp_rsp_any_rc(r) == SMP_RSP_GROUP_RC + SDFU_IMG_ERR_NO_FREE_SLOT) {
			C_CHECK(slot1_scheduled()); /* a scheduled image is not erased */
		} else if (!rej) {
			C_CHECK(smp_rsp_any_rc(r) == 0);
			md.invalidated = true; /* image erase resets the upload session */
		}
	} else {
		/* echo is not a DFU command: never gated */
		struct smp_test_kv kv[] = {SMP_KV_TSTR("d", "x")};
		uint64_t before = flash_ops();
		const struct smp_rsp *r = smp_test_req_tr(&st.srv, tr, W, V2, OSG, SDFU_OS_ID_ECHO, kv, 1);

		C_CHECK(smp_rsp_any_rc(r) == 0 && smp_rsp_tstr_eq(r, "r", "x"));
		C_CHECK(flash_ops() == before);
	}
}

static void advance(uint32_t ms)
{
	for (uint32_t i = 0; i < ms; i++) {
		fake_port_advance(1);
		loop_once();
		check_owners();
		if (fake_port_reset_count() > 0) {
			unsigned cc_done_before = st.cfgchan.stats.completions;

			/* the config channel's reboot fired */
			fake_port_reset_state(); /* clears the reset count; clock restarts at 0 */
			reboot();
			md.up_active = false;
			md.invalidated = false;
			md.cur = md.prev = NULL;
			md.reboots++;
			md.cc_done += cc_done_before;
			check_owners();
		}
	}
}

static void step_cc(void)
{
	const struct sdfu_dfu_lock_owner *before_owner = sdfu_dfu_lock_owner_get(&st.lock);
	/* a host tool mid-transfer mostly sends data */
	uint32_t k = st.cfgchan.active && rnd(4) != 0 ? 60 : rnd(100);
	uint32_t crc = sdfu_crc32(0, other.buf, other.len);

	if (k < 35) {
		struct sdfu_dfu_cfgchan_sync s;

		sdfu_dfu_cfgchan_sync(&st.cfgchan, &s);
		C_CHECK((s.state == SDFU_DFU_CFGCHAN_ACTIVE_OTHER) == (before_owner == &st.mcumgr.owner));
	} else if (k < 55) {
		uint64_t fb = flash_ops();
		uint32_t off = rnd(3) == 0 ? st.cfgchan.offset : 0;
		int rc = sdfu_dfu_cfgchan_start(&st.cfgchan, (uint32_t)other.len, crc, off);

		if (before_owner == &st.mcumgr.owner && !st.cfgchan.reboot_pending) {
			C_CHECK(rc == SDFU_ERR_ACCES);
		}
		if (rc == SDFU_ERR_ACCES) {
			C_CHECK(before_owner == &st.mcumgr.owner);
			C_CHECK(flash_ops() == fb);
			md.cc_refused++;
		}
	} else if (k < 93) {
		if (st.cfgchan.active && st.cfgchan.offset + st.cfgchan.buf_len < other.len) {
			uint32_t room = (uint32_t)sizeof(st.cfgchan.buf) - st.cfgchan.buf_len;
			uint32_t left = (uint32_t)other.len - st.cfgchan.offset - st.cfgchan.buf_len;
			uint32_t n = 1 + rnd(room < left ? room : left);

			(void)sdfu_dfu_cfgchan_data(&st.cfgchan, other.buf + st.cfgchan.offset + st.cfgchan.buf_len, n);
		} else {
			(void)sdfu_dfu_cfgchan_data(&st.cfgchan, other.buf, 1); /* refused: no transfer */
		}
	} else if (k < 96) {
		sdfu_dfu_cfgchan_device_in_use(&st.cfgchan);
	} else {
		bool ok = sdfu_dfu_cfgchan_reboot(&st.cfgchan);

		C_CHECK(!ok || sdfu_dfu_lock_owner_get(&st.lock) == &st.cfgchan.owner);
		C_CHECK(ok || before_owner == &st.mcumgr.owner || st.cfgchan.reboot_pending);
	}
}

static void run_seed(unsigned seed, unsigned steps)
{
	unsigned phase = 0;

	cur_seed = seed;
	rng = seed * 2654435761u + 12345u;
	if (rng == 0) {
		rng = 1;
	}
	memset(&md, 0, sizeof(md));
	start_images(SDFU_BOOT_MODE_SWAP_SCRATCH, 0);
	modules_up();
	check_owners();
	for (cur_step = 0; cur_step < steps; cur_step++) {
		uint32_t k = rnd(100);

		/* bursts: phone busy, host tool busy, or both at once */
		if (rnd(50) == 0) {
			phase = rnd(3);
		}
		if (phase == 1 && k < 45) {
			k = rnd(9) == 0 ? k : 50 + rnd(25); /* host tool phase: mostly config channel */
		} else if (phase == 2 && k >= 50 && k < 75) {
			k = rnd(5) == 0 ? k : rnd(50); /* phone phase: mostly SMP */
		}
		if (st.cfgchan.active && k < 50 && phase != 2) {
			k += 50; /* give a running config-channel transfer a chance to finish */
		}
		if (k < 50) {
			step_smp();
			loop_once(); /* the device loop runs after every input */
		} else if (k < 75) {
			step_cc();
			loop_once();
		} else if (k < 97 || (st.cfgchan.active && rnd(8) != 0)) {
			advance(1 + rnd(60));
		} else {
			advance(4000 + rnd(2500)); /* past the inactivity timeouts */
		}
		check_owners();
	}
	/* quiesce: every timeout expires, the lock ends free */
	advance(SDFU_DFU_CFGCHAN_ERASE_BACKOFF_MS + 20000);
	C_CHECK(sdfu_dfu_lock_is_free(&st.lock));
	if (getenv("SDFU_CONTENTION_VERBOSE") != NULL) {
		fprintf(stderr,
			"seed %u: %u steps, accepted %u, rejected %u, hand-overs %u, restarts %u, "
			"uploads done %u, cc refused %u, reboots %u, cc completions %u\n",
			seed, steps, md.accepted, md.rejected, md.handovers, md.restarts,
			md.completions, md.cc_refused, md.reboots, md.cc_done + st.cfgchan.stats.completions);
	}
	/* the mix must actually exercise both sides of the lock */
	if (steps >= 1000) {
		C_CHECK(md.accepted > 0 && md.rejected > 0 && md.handovers > 0);
	}
	modules_down();
	teardown(NULL);
}

static void test_contention_random(void **state)
{
	const char *one = getenv("SDFU_CONTENTION_SEED");
	const char *ns = getenv("SDFU_CONTENTION_SEEDS");
	const char *nst = getenv("SDFU_CONTENTION_STEPS");
	unsigned seeds = ns ? (unsigned)strtoul(ns, NULL, 0) : 4u;
	unsigned steps = nst ? (unsigned)strtoul(nst, NULL, 0) : 3000u;

	(void)state;
	if (one != NULL) {
		run_seed((unsigned)strtoul(one, NULL, 0), steps);
		return;
	}
	for (unsigned s = 1; s <= seeds; s++) {
		run_seed(s, steps);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_contention_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
