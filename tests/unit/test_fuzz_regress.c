/* SPDX-License-Identifier: Apache-2.0 */
/* Replays the fuzz seed corpora and every saved fuzz finding through the fuzz harnesses. */
/*
 * The libFuzzer harnesses (tests/fuzz/fuzz_*.c and harness.c) are built into this test with
 * FZ_NO_MAIN (cmake/tests.cmake), so the same checks run in the normal (gcc, optionally ASan)
 * unit build without clang/libFuzzer:
 *  - every file of tests/fuzz/regress/<target>/ (inputs that once crashed or broke an
 *    invariant; keep them forever) and tests/fuzz/corpus/<target>/ (the seeds);
 *  - the embedded inputs below (findings worth reading in the source).
 * A broken invariant aborts (a failing test); a file list that is empty fails too.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_port.h"
#include "harness.h"

typedef int (*fz_one_fn)(const uint8_t *data, size_t size);

/* tests/fuzz/ next to this file (CMake compiles with absolute source paths). */
static void fuzz_dir(char *out, size_t size, const char *sub, const char *target)
{
	const char *self = __FILE__;
	const char *slash = strrchr(self, '/');
	int n = slash != NULL ? (int)(slash - self) : 1;

	snprintf(out, size, "%.*s/../fuzz/%s/%s", n, slash != NULL ? self : ".", sub, target);
}

/* Run every regular file of tests/fuzz/<sub>/<target>; returns the count. */
static unsigned replay_dir(const char *sub, const char *target, fz_one_fn fn)
{
	char dir[1024];
	DIR *d;
	struct dirent *e;
	unsigned count = 0;

	fuzz_dir(dir, sizeof(dir), sub, target);
	d = opendir(dir);
	if (d == NULL) {
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		char path[1400];
		FILE *f;
		long len;
		uint8_t *buf;

		if (e->d_name[0] == '.') {
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		if (f == NULL) {
			continue;
		}
		assert_int_equal(fseek(f, 0, SEEK_END), 0);
		len = ftell(f);
		assert_true(len >= 0);
		rewind(f);
		buf = malloc((size_t)len + 1u);
		assert_non_null(buf);
		assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
		fclose(f);
		if (getenv("SDFU_TEST_VERBOSE") != NULL) {
			fprintf(stderr, "replay %s\n", path);
		}
		assert_int_equal(fn(buf, (size_t)len), 0);
		free(buf);
		count++;
	}
	closedir(d);
	return count;
}

static void replay_target(const char *target, fz_one_fn fn)
{
	unsigned seeds = replay_dir("corpus", target, fn);
	unsigned regress = replay_dir("regress", target, fn);

	fprintf(stderr, "%s: %u seeds, %u regression inputs\n", target, seeds, regress);
	assert_true(seeds > 0); /* the committed corpus must be there */
	assert_int_equal(fake_port_crit_depth(), 0);
}

static void test_replay_smp(void **state)
{
	(void)state;
	replay_target("fuzz_smp", fz_smp_one);
}

static void test_replay_serial(void **state)
{
	(void)state;
	replay_target("fuzz_serial", fz_serial_one);
}

static void test_replay_ble(void **state)
{
	(void)state;
	replay_target("fuzz_ble", fz_ble_one);
}

static void test_replay_image(void **state)
{
	(void)state;
	replay_target("fuzz_image", fz_image_one);
}

static void test_replay_upload(void **state)
{
	(void)state;
	replay_target("fuzz_upload", fz_upload_one);
}

/* ---- embedded inputs ------------------------------------------------------------------ */

/* A v2 upload: a 512-byte first chunk, then a continuation at offset 2^40 (answered with 512). */
static void test_embedded_upload_far_offset(void **state)
{
	static const uint8_t prog[] = {
		0x00,                                           /* file: the valid update image */
		0x00, 0x0F, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, /* first chunk: off,len,sha,upgrade */
		0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, /* continuation, no data: off = u64 ... */
		0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, /* ... = 2^40 */
		0x0b,                                           /* state read */
	};

	(void)state;
	assert_int_equal(fz_upload_one(prog, sizeof(prog)), 0);
	assert_int_equal(fz.img.upload.slot, 1);
	assert_int_equal(fz.img.upload.off, 0x200);
}

/* Two SMP frames in one buffer: echo then a truncated echo (rc 9). */
static void test_embedded_smp_two_frames(void **state)
{
	static const uint8_t buf[] = {
		0x0A, 0x00, 0x00, 0x09, 0x00, 0x00, 0x2A, 0x00, 0xA1, 0x61, 0x64, 0x65, 0x68, 0x65,
		0x6C, 0x6C, 0x6F, 0x0A, 0x00, 0x00, 0x09, 0x00, 0x00, 0x2B, 0x00, 0xA1, 0x61,
	};

	(void)state;
	assert_int_equal(fz_smp_one(buf, sizeof(buf)), 0);
	assert_int_equal(fz.srv.tx_frames, 2);
	assert_int_equal(fz.srv.rx_errors, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replay_smp),
		cmocka_unit_test(test_replay_serial),
		cmocka_unit_test(test_replay_ble),
		cmocka_unit_test(test_replay_image),
		cmocka_unit_test(test_replay_upload),
		cmocka_unit_test(test_embedded_upload_far_offset),
		cmocka_unit_test(test_embedded_smp_two_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
