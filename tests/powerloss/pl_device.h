/* SPDX-License-Identifier: Apache-2.0 */
/* Power-loss harness: a simulated device (bootloader sim + fresh core objects per boot) and its client. */
#ifndef PL_DEVICE_H
#define PL_DEVICE_H

/*
 * Included by test_dfu_powerloss.c only (one translation unit; everything is static).
 *
 * The device: a struct sim_flash, the bootloader simulation run at every (re)start, then
 * a fresh RAM state exactly as after a reset: SMP server, image and OS groups, and with
 * `full` also the event bus, the DFU lock, dfu_mcumgr (confirms the running image at
 * main READY) and dfu_cfgchan (erases the update slot in the background at boot).
 * When the armed power cut fires, every flash call fails; the device is "dead" until the
 * harness powers it on and boots it again (pl_boot()).
 *
 * The client: SMP frames built with smp_test.h and run through sdfu_smp_process()
 * in-process, chunked like mcumgr clients (first chunk with len + sha, then off/data).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "boot/sim_boot.h"
#include "fake_port.h"
#include "image_builder.h"
#include "flash/sim_flash.h"
#include "sdfu/boot.h"
#include "sdfu/crypto.h"
#include "sdfu/dfu_cfgchan.h"
#include "sdfu/dfu_lock.h"
#include "sdfu/dfu_mcumgr.h"
#include "sdfu/err.h"
#include "sdfu/evt.h"
#include "sdfu/img.h"
#include "sdfu/os.h"
#include "sdfu/port.h"
#include "sdfu/smp.h"
#include "sdfu/stack.h"
#include "sdfu/timer.h"
#include "smp_test.h"

static const char *cur_id = "";
static unsigned pl_failures;
/* armed around one case: a failed check ends the case, the run goes on with the next */
static jmp_buf pl_case_jmp;
static bool pl_case_armed;

#define PL_CHECK(c)                                                                              \
	do {                                                                                     \
		if (!(c)) {                                                                      \
			if (pl_failures < 200) {                                                 \
				fprintf(stderr, "POWERLOSS FAILURE id=%s: %s (line %d)\n",      \
					cur_id, #c, __LINE__);                                   \
			}                                                                        \
			pl_failures++;                                                           \
			if (pl_case_armed) {                                                     \
				longjmp(pl_case_jmp, 1);                                         \
			}                                                                        \
			fail();                                                                  \
		}                                                                                \
	} while (0)

/* One image file (as imgtool wrote it) and its file SHA-256 (the upload "sha"). */
struct pl_image {
	uint8_t *buf;
	size_t len;
	int major;
	uint8_t file_sha[SDFU_SHA256_LEN];
	uint8_t tlv_hash[SDFU_SHA256_LEN]; /* SHA256 TLV value: the "hash" of image state */
};

/* Find the SHA256 TLV value of an image file (imgtool layout, no protected TLVs). */
static void pl_image_hash(struct pl_image *im)
{
	const uint8_t *b = im->buf;
	size_t hdr = (size_t)b[8] | ((size_t)b[9] << 8);
	size_t body = (size_t)b[12] | ((size_t)b[13] << 8) | ((size_t)b[14] << 16) | ((size_t)b[15] << 24);
	size_t t = hdr + body;
	size_t end;

	assert_true(t + 4 <= im->len);
	assert_int_equal(b[t] | (b[t + 1] << 8), SDFU_TLV_INFO_MAGIC);
	end = t + ((size_t)b[t + 2] | ((size_t)b[t + 3] << 8));
	for (size_t p = t + 4; p + 4 <= end;) {
		unsigned type = b[p] | (b[p + 1] << 8);
		size_t len = (size_t)b[p + 2] | ((size_t)b[p + 3] << 8);

		if (type == SDFU_TLV_SHA256 && len == 32) {
			memcpy(im->tlv_hash, b + p + 4, 32);
			return;
		}
		p += 4 + len;
	}
	fail_msg("no SHA256 TLV");
}

/* The device. */
struct pl_dev {
	struct sim_flash f;
	enum sdfu_boot_mode mode;
	bool full;
	struct sdfu_boot_ctx boot;
	struct sim_boot_report rep;
	struct sdfu_stack st; /* RAM: timers, bus, lock, server, groups, DFU modules */
	unsigned boots;      /* bootloader runs that completed */
	unsigned powerfails; /* cuts that fired */
	int booted_major;
};

static struct pl_dev dev;

static bool pl_dead(void)
{
	return !dev.f.powered;
}

/* Advance the clock `ms` milliseconds (1 ms steps), stop early when the power goes. */
static void pl_run(uint32_t ms)
{
	for (uint32_t i = 0; i < ms && !pl_dead(); i++) {
		fake_port_advance(1);
		sdfu_stack_poll(&dev.st, sdfu_port_uptime_ms());
	}
}

/*
 * Fresh RAM state after the bootloader handed over: server, groups and, with `full`,
 * dfu_mcumgr (lock only, confirms at main READY) and dfu_cfgchan, main READY processed.
 */
static void pl_init_ram(void)
{
	struct sdfu_stack_cfg cfg;

	sdfu_stack_cfg_default(&cfg);
	cfg.boot = &dev.boot;
	cfg.dfu_mcumgr = dev.full;
	cfg.dfu.flags = SDFU_DFU_MCUMGR_F_LOCK;
	cfg.cfgchan = dev.full;
	cfg.ready = dev.full;
	assert_int_equal(sdfu_stack_init(&dev.st, &cfg), 0);
}

/* Power on when needed, run the bootloader until it completes (resuming after cuts), start the app. */
static int pl_boot(void)
{
	struct sim_boot_cfg cfg = {.mode = dev.mode};

	for (unsigned tries = 0; tries < 16; tries++) {
		int rc;

		if (pl_dead()) {
			dev.powerfails++;
			sim_flash_power_on(&dev.f);
		}
		memset(&dev.boot, 0, sizeof(dev.boot));
		rc = sim_boot_run_ex(&dev.f, &cfg, &dev.boot, &dev.rep);
		if (rc == SDFU_ERR_POWERLOSS) {
			continue;
		}
		if (rc != 0) {
			return rc;
		}
		dev.boots++;
		dev.booted_major = dev.rep.booted_ver.major;
		pl_init_ram(); /* the boot actions may die too: the caller checks pl_dead() */
		return 0;
	}
	return SDFU_ERR_POWERLOSS;
}

/* ---- client --------------------------------------------------------------------------- */

static int64_t pl_rc(const struct smp_rsp *r)
{
	int64_t rc = 0;
	uint16_t g = 0, grc = 0;

	if (smp_rsp_rc(r, &rc)) {
		return rc;
	}
	if (smp_rsp_err(r, &g, &grc)) {
		return 1000 + grc; /* group error */
	}
	return 0;
}

struct pl_entry {
	bool present;
	int major;
	uint8_t hash[32];
	bool pending, confirmed, active, permanent;
};

/* Image state read; false when the request failed (rc in *rc). */
static bool pl_state(struct pl_entry e[2], int64_t *rc)
{
	const struct smp_rsp *r = smp_test_req(&dev.st.srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2,
					       SDFU_SMP_GROUP_IMG, SDFU_IMG_ID_STATE, NULL, 0);
	const uint8_t *arr;
	size_t alen;
	int n;

	memset(e, 0, 2 * sizeof(*e));
	*rc = pl_rc(r);
	if (*rc != 0) {
		return false;
	}
	PL_CHECK(smp_rsp_get_raw(r, "images", &arr, &alen));
	n = smp_array_len(arr, alen);
	PL_CHECK(n >= 0 && n <= 2);
	for (int i = 0; i < n; i++) {
		const uint8_t *mp;
		size_t ml;
		uint64_t slot;
		struct zcbor_string s;
		struct pl_entry *x;

		PL_CHECK(smp_array_get(arr, alen, (size_t)i, &mp, &ml));
		PL_CHECK(smp_map_get_uint(mp, ml, "slot", &slot) && slot < 2);
		x = &e[slot];
		x->present = true;
		PL_CHECK(smp_map_get_tstr(mp, ml, "version", &s) && s.len > 0);
		x->major = atoi((const char *)s.value); /* "N.0.0": stops at '.' */
		PL_CHECK(smp_map_get_bstr(mp, ml, "hash", &s) && s.len == 32);
		memcpy(x->hash, s.value, 32);
		PL_CHECK(smp_map_get_bool(mp, ml, "pending", &x->pending));
		PL_CHECK(smp_map_get_bool(mp, ml, "confirmed", &x->confirmed));
		PL_CHECK(smp_map_get_bool(mp, ml, "active", &x->active));
		PL_CHECK(smp_map_get_bool(mp, ml, "permanent", &x->permanent));
	}
	return true;
}

static int64_t pl_state_write(const uint8_t *hash, bool confirm)
{
	struct smp_test_kv kv[] = {
		SMP_KV_BOOL("confirm", confirm),
		SMP_KV_BSTR("hash", hash, 32),
	};

	return pl_rc(smp_test_req(&dev.st.srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, SDFU_SMP_GROUP_IMG,
				  SDFU_IMG_ID_STATE, kv, hash != NULL ? 2 : 1));
}

static int64_t pl_cmd(uint8_t op, uint16_t group, uint8_t id)
{
	return pl_rc(smp_test_req(&dev.st.srv, op, SDFU_SMP_VER_2, group, id, NULL, 0));
}

static int64_t pl_echo(void)
{
	struct smp_test_kv kv[] = {SMP_KV_TSTR("d", "alive")};
	const struct smp_rsp *r = smp_test_req(&dev.st.srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2,
					       SDFU_SMP_GROUP_OS, SDFU_OS_ID_ECHO, kv, 1);

	if (pl_rc(r) != 0) {
		return pl_rc(r);
	}
	return smp_rsp_tstr_eq(r, "r", "alive") ? 0 : -1;
}

#define PL_CHUNK 1024u

/*
 * Upload `im` like a client: first chunk (off 0, len, sha), then follow the offset the
 * device answers. Returns 0 when the device answered the final offset with a sha match,
 * else the rc (1000 + group rc for group errors); stops at once when the power is off.
 */
static int64_t pl_upload(const struct pl_image *im)
{
	size_t off = 0;

	for (unsigned guard = 0; guard < 100000; guard++) {
		size_t n = im->len - off < PL_CHUNK ? im->len - off : PL_CHUNK;
		const struct smp_rsp *r;
		uint64_t noff = 0;
		int64_t rc;

		if (off == 0) {
			struct smp_test_kv kv[] = {
				SMP_KV_UINT("image", 0),
				SMP_KV_UINT("len", im->len),
				SMP_KV_UINT("off", 0),
				SMP_KV_BSTR("sha", im->file_sha, 32),
				SMP_KV_BSTR("data", im->buf, n),
			};

			r = smp_test_req(&dev.st.srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2,
					 SDFU_SMP_GROUP_IMG, SDFU_IMG_ID_UPLOAD, kv, 5);
		} else {
			struct smp_test_kv kv[] = {
				SMP_KV_UINT("off", off),
				SMP_KV_BSTR("data", im->buf + off, n),
			};

			r = smp_test_req(&dev.st.srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2,
					 SDFU_SMP_GROUP_IMG, SDFU_IMG_ID_UPLOAD, kv, 2);
		}
		rc = pl_rc(r);
		if (rc != 0 || pl_dead()) {
			return rc != 0 ? rc : SDFU_ERR_POWERLOSS;
		}
		PL_CHECK(smp_rsp_get_uint(r, "off", &noff));
		PL_CHECK(noff <= im->len);
		if (noff == im->len) {
			bool match = false;

			PL_CHECK(smp_rsp_get_bool(r, "match", &match) && match);
			return 0;
		}
		off = (size_t)noff;
	}
	PL_CHECK(0 && "upload makes no progress");
	return -1;
}

/* ---- flash content checks -------------------------------------------------------------- */

static bool pl_slot_equals(int slot, const struct pl_image *im)
{
	static uint8_t *buf;
	static size_t cap;
	const struct sdfu_flash_area *fa = sim_flash_area(&dev.f, slot ? SDFU_FA_SECONDARY : SDFU_FA_PRIMARY);

	if (cap < im->len) {
		free(buf);
		buf = malloc(im->len);
		cap = im->len;
	}
	return sim_flash_peek(&dev.f, fa->off, buf, im->len) == 0 && memcmp(buf, im->buf, im->len) == 0;
}

static bool pl_slot_erased(int slot)
{
	const struct sdfu_flash_area *fa = sim_flash_area(&dev.f, slot ? SDFU_FA_SECONDARY : SDFU_FA_PRIMARY);

	return sdfu_flash_area_is_erased(fa, 0, fa->size);
}

/* No valid image header at the start of the slot. */
static bool pl_slot_no_image(int slot)
{
	const struct sdfu_flash_area *fa = sim_flash_area(&dev.f, slot ? SDFU_FA_SECONDARY : SDFU_FA_PRIMARY);

	return sdfu_image_validate(fa, NULL, NULL) != 0;
}

#endif /* PL_DEVICE_H */
