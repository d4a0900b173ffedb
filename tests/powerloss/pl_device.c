/* SPDX-License-Identifier: Apache-2.0 */
/* Power-loss harness: a simulated device (bootloader sim + fresh stack per boot) and its SMP client. */
#include "pl_device.h"

#include <stdlib.h>
#include <string.h>

#include "boot/sim_boot.h"
#include "fake_port.h"
#include "image_builder.h"
#include "sdfu/crypto.h"
#include "sdfu/err.h"
#include "sdfu/port.h"
#include "smp_test.h"

struct pl_dev dev;

void pl_image_make(struct pl_image *im, size_t body, uint32_t seed, const char *ver, int major,
		   uint32_t slot_size, unsigned align)
{
	struct ib_sign_opts o = {0};
	uint8_t *b = ib_body(body, seed);

	o.slot_size = slot_size;
	o.align = align;
	o.version = ver;
	assert_int_equal(ib_sign(&o, b, body, &im->buf, &im->len, NULL), 0);
	free(b);
	im->major = major;
	assert_int_equal(ib_tlv_sha256(im->buf, im->len, im->tlv_hash), 0);
	assert_int_equal(ib_sha256(im->buf, im->len, im->file_sha), 0);
}

void pl_image_free(struct pl_image *im)
{
	free(im->buf);
	im->buf = NULL;
	im->len = 0;
}

bool pl_dead(void)
{
	return !dev.f.powered;
}

/* Advance the clock `ms` milliseconds (1 ms steps), stop early when the power goes. */
void pl_run(uint32_t ms)
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
int pl_boot(void)
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
		if (rc != 0 && pl_dead()) {
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
	return SDFU_ERR_IO; /* power cut at every try */
}

/* ---- client --------------------------------------------------------------------------- */

/* Image state read; false when the request failed (rc in *rc). */
bool pl_state(struct pl_entry e[2], int64_t *rc)
{
	const struct smp_rsp *r = smp_test_req(&dev.st.srv, SDFU_SMP_OP_READ, SDFU_SMP_VER_2,
					       SDFU_SMP_GROUP_IMG, SDFU_IMG_ID_STATE, NULL, 0);
	const uint8_t *arr;
	size_t alen;
	int n;

	memset(e, 0, 2 * sizeof(*e));
	*rc = smp_rsp_any_rc(r);
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

int64_t pl_state_write(const uint8_t *hash, bool confirm)
{
	struct smp_test_kv kv[] = {
		SMP_KV_BOOL("confirm", confirm),
		SMP_KV_BSTR("hash", hash, 32),
	};

	return smp_rsp_any_rc(smp_test_req(&dev.st.srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2, SDFU_SMP_GROUP_IMG,
				  SDFU_IMG_ID_STATE, kv, hash != NULL ? 2 : 1));
}

int64_t pl_cmd(uint8_t op, uint16_t group, uint8_t id)
{
	return smp_rsp_any_rc(smp_test_req(&dev.st.srv, op, SDFU_SMP_VER_2, group, id, NULL, 0));
}

int64_t pl_echo(void)
{
	struct smp_test_kv kv[] = {SMP_KV_TSTR("d", "alive")};
	const struct smp_rsp *r = smp_test_req(&dev.st.srv, SDFU_SMP_OP_WRITE, SDFU_SMP_VER_2,
					       SDFU_SMP_GROUP_OS, SDFU_OS_ID_ECHO, kv, 1);

	if (smp_rsp_any_rc(r) != 0) {
		return smp_rsp_any_rc(r);
	}
	return smp_rsp_tstr_eq(r, "r", "alive") ? 0 : -1;
}

/*
 * Upload `im` like a client: first chunk (off 0, len, sha), then follow the offset the
 * device answers. Returns 0 when the device answered the final offset with a sha match,
 * else the rc (1000 + group rc for group errors); stops at once when the power is off.
 */
int64_t pl_upload(const struct pl_image *im)
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
		rc = smp_rsp_any_rc(r);
		if (rc != 0 || pl_dead()) {
			return rc != 0 ? rc : SDFU_ERR_IO;
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

bool pl_slot_equals(int slot, const struct pl_image *im)
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

bool pl_slot_erased(int slot)
{
	const struct sdfu_flash_area *fa = sim_flash_area(&dev.f, slot ? SDFU_FA_SECONDARY : SDFU_FA_PRIMARY);

	return sdfu_flash_area_is_erased(fa, 0, fa->size);
}

/* No valid image header at the start of the slot. */
bool pl_slot_no_image(int slot)
{
	const struct sdfu_flash_area *fa = sim_flash_area(&dev.f, slot ? SDFU_FA_SECONDARY : SDFU_FA_PRIMARY);

	return sdfu_image_validate(fa, NULL, NULL) != 0;
}
