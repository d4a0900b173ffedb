/* SPDX-License-Identifier: Apache-2.0 */
/* The tests' one image builder: unsigned images in memory; imgtool (keygen, getpub, sign) into a temp dir. */
#include "image_builder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sdfu/boot.h"
#include "sdfu/crypto.h"

#define PATH_LEN 600

/* ---- in memory ---------------------------------------------------------------- */

void ib_put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void ib_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le16(const uint8_t *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

int ib_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct sdfu_sha256 h;

	if (sdfu_sha256_start(&h) != 0 || sdfu_sha256_update(&h, data, len) != 0 ||
	    sdfu_sha256_finish(&h, out) != 0) {
		fprintf(stderr, "image_builder: SHA-256 failed\n");
		return -1;
	}
	return 0;
}

int ib_build(struct test_image *im, uint8_t maj, uint8_t min, uint16_t rev, uint32_t body_len,
	     uint32_t seed, uint32_t flags)
{
	uint8_t *b = im->buf;
	uint32_t x = seed * 2654435761u + 1u;
	size_t t = IB_HDR_SIZE + (size_t)body_len;

	if (body_len > IB_IMAGE_MAX || t + 40u > IB_IMAGE_MAX) {
		fprintf(stderr, "image_builder: body of %u bytes does not fit\n", (unsigned)body_len);
		return -1;
	}
	memset(b, 0, IB_HDR_SIZE);
	ib_put_le32(b + 0, SDFU_IMAGE_MAGIC);
	ib_put_le32(b + 4, 0); /* load address */
	ib_put_le16(b + 8, IB_HDR_SIZE);
	ib_put_le16(b + 10, 0); /* protected TLV size */
	ib_put_le32(b + 12, body_len);
	ib_put_le32(b + 16, flags);
	b[20] = maj;
	b[21] = min;
	ib_put_le16(b + 22, rev);
	ib_put_le32(b + 24, 0); /* build number */
	for (uint32_t i = 0; i < body_len; i++) {
		x = x * 1103515245u + 12345u;
		b[IB_HDR_SIZE + i] = (uint8_t)(x >> 16);
	}
	if (ib_sha256(b, t, im->hash) != 0) {
		return -1;
	}
	ib_put_le16(b + t, SDFU_TLV_INFO_MAGIC);
	ib_put_le16(b + t + 2, 4 + 4 + 32);
	ib_put_le16(b + t + 4, SDFU_TLV_SHA256);
	ib_put_le16(b + t + 6, 32);
	memcpy(b + t + 8, im->hash, 32);
	im->len = t + 40;
	return ib_sha256(b, im->len, im->file_sha);
}

int ib_tlv_sha256(const uint8_t *b, size_t len, uint8_t out[32])
{
	size_t t, end;

	if (len < 32) {
		return -1;
	}
	t = get_le16(b + 8) + ((size_t)get_le16(b + 12) | ((size_t)get_le16(b + 14) << 16));
	if (t + 4 > len || get_le16(b + t) != SDFU_TLV_INFO_MAGIC) {
		return -1;
	}
	end = t + get_le16(b + t + 2);
	if (end > len) {
		return -1;
	}
	for (size_t p = t + 4; p + 4 <= end;) {
		uint32_t type = get_le16(b + p);
		size_t n = get_le16(b + p + 2);

		if (type == SDFU_TLV_SHA256 && n == 32 && p + 4 + n <= end) {
			memcpy(out, b + p + 4, 32);
			return 0;
		}
		p += 4 + n;
	}
	return -1;
}

/* ---- with imgtool -------------------------------------------------------------- */

const char *ib_imgtool(void)
{
	static char path[PATH_LEN];

	if (path[0] == '\0') {
		const char *venv = getenv("SDFU_VENV");

		if (venv != NULL && venv[0] != '\0') {
			snprintf(path, sizeof(path), "%s/bin/imgtool", venv);
		} else {
			/* __FILE__ is <repo>/tests/support/image_builder.c in CMake builds */
			const char *f = __FILE__;
			const char *cut = strstr(f, "tests/support/");
			int root = cut != NULL ? (int)(cut - f) : 0;

			snprintf(path, sizeof(path), "%.*s.venv/bin/imgtool", root, f);
		}
	}
	return path;
}

static char tmp_dir[PATH_LEN];

/* Remove the per-process directory at exit unless SDFU_TEST_KEEP=1. */
static void cleanup(void)
{
	const char *keep = getenv("SDFU_TEST_KEEP");
	char cmd[PATH_LEN + 16];

	if (tmp_dir[0] != '\0' && (keep == NULL || keep[0] != '1')) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_dir);
		if (system(cmd) != 0) {
			fprintf(stderr, "image_builder: cannot remove %s\n", tmp_dir);
		}
	}
}

const char *ib_tmpdir(void)
{
	char *dir = tmp_dir;

	if (dir[0] == '\0') {
		const char *t = getenv("SDFU_TEST_TMP");

		snprintf(dir, sizeof(tmp_dir), "%s/ib-%d", (t != NULL && t[0] != '\0') ? t : "/tmp",
			 (int)getpid());
		atexit(cleanup);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "image_builder: cannot create %s\n", dir);
		}
	}
	return dir;
}

int ib_run(const char *cmd)
{
	char full[4 * PATH_LEN + 16];
	int rc;

	if (snprintf(full, sizeof(full), "%s >/dev/null", cmd) >= (int)sizeof(full)) {
		fprintf(stderr, "image_builder: command too long: %s\n", cmd);
		return -1;
	}
	rc = system(full);
	if (rc != 0) {
		fprintf(stderr, "image_builder: command failed (%d): %s\n", rc, cmd);
		return -1;
	}
	return 0;
}

const char *ib_key(const char *type, const char *name)
{
	static struct {
		char path[PATH_LEN];
	} cache[16];
	static unsigned used;
	char path[PATH_LEN], cmd[3 * PATH_LEN];
	struct stat st;

	if (type == NULL) {
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/key-%s-%s.pem", ib_tmpdir(), type, name ? name : "a");
	for (unsigned i = 0; i < used; i++) {
		if (strcmp(cache[i].path, path) == 0) {
			return cache[i].path;
		}
	}
	if (stat(path, &st) != 0) {
		snprintf(cmd, sizeof(cmd), "'%s' keygen -k '%s' -t %s", ib_imgtool(), path, type);
		if (ib_run(cmd) != 0) {
			return NULL;
		}
	}
	if (used >= sizeof(cache) / sizeof(cache[0])) {
		return NULL;
	}
	snprintf(cache[used].path, sizeof(cache[used].path), "%s", path);
	return cache[used++].path;
}

int ib_load(const char *path, uint8_t **buf, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	long n;

	if (fp == NULL) {
		fprintf(stderr, "image_builder: cannot open %s\n", path);
		return -1;
	}
	if (fseek(fp, 0, SEEK_END) != 0 || (n = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
		fclose(fp);
		return -1;
	}
	*buf = malloc(n > 0 ? (size_t)n : 1);
	if (*buf == NULL || fread(*buf, 1, (size_t)n, fp) != (size_t)n) {
		free(*buf);
		*buf = NULL;
		fclose(fp);
		return -1;
	}
	*len = (size_t)n;
	fclose(fp);
	return 0;
}

int ib_save(const char *path, const uint8_t *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");
	int ok;

	if (fp == NULL) {
		return -1;
	}
	ok = fwrite(buf, 1, len, fp) == len;
	ok = (fclose(fp) == 0) && ok;
	return ok ? 0 : -1;
}

int ib_pubkey_der(const char *key_path, uint8_t **der, size_t *len)
{
	char out[PATH_LEN + 8], cmd[3 * PATH_LEN];

	snprintf(out, sizeof(out), "%s.der", key_path);
	snprintf(cmd, sizeof(cmd), "'%s' getpub -k '%s' -e raw -o '%s'", ib_imgtool(), key_path, out);
	if (ib_run(cmd) != 0) {
		return -1;
	}
	return ib_load(out, der, len);
}

uint8_t *ib_body(size_t len, uint32_t seed)
{
	uint8_t *b = malloc(len ? len : 1);
	uint32_t x = seed * 2654435761u + 12345u;

	for (size_t i = 0; b != NULL && i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		b[i] = (uint8_t)x;
	}
	return b;
}

int ib_sign(const struct ib_sign_opts *o, const uint8_t *body, size_t body_len, uint8_t **img,
	    size_t *img_len, const char **out_path)
{
	static unsigned counter;
	static char outp[PATH_LEN];
	char inp[PATH_LEN], cmd[4 * PATH_LEN], opt[64];
	int n;

	counter++;
	snprintf(inp, sizeof(inp), "%s/body-%u.bin", ib_tmpdir(), counter);
	snprintf(outp, sizeof(outp), "%s/img-%u.bin", ib_tmpdir(), counter);
	if (ib_save(inp, body, body_len) != 0) {
		return -1;
	}
	n = snprintf(cmd, sizeof(cmd), "'%s' sign -v %s -H 0x%x --pad-header -S 0x%x", ib_imgtool(),
		     o->version ? o->version : "1.0.0",
		     (unsigned)(o->header_size ? o->header_size : 0x200), (unsigned)o->slot_size);
	if (o->key != NULL) {
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " -k '%s'", o->key);
	}
	if (o->align != 0) {
		snprintf(opt, sizeof(opt), " --align %u", o->align);
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, "%s", opt);
	}
	if (o->confirm) {
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --confirm");
	} else if (o->pad) {
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --pad");
	}
	if (o->overwrite_only) {
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --overwrite-only");
	}
	if (o->pubkey_full) {
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " --public-key-format full");
	}
	if (o->extra != NULL) {
		n += snprintf(cmd + n, sizeof(cmd) - (size_t)n, " %s", o->extra);
	}
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, " '%s' '%s'", inp, outp);
	if (ib_run(cmd) != 0) {
		return -1;
	}
	unlink(inp);
	if (out_path != NULL) {
		*out_path = outp;
	}
	return ib_load(outp, img, img_len);
}
