// SPDX-License-Identifier: Apache-2.0
// The QEMU firmware's log formatter (port/cortex-m/board/mps2/fmt.c) against the host's snprintf.
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mps2.h" /* mps2_vsnprintf, mps2_snprintf (fmt.c, built with this test) */

/* Format with both and compare text and return value; `size` exercises truncation. */
static void same(size_t size, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void same(size_t size, const char *fmt, ...)
{
	char want[256], got[256];
	va_list ap, aq;
	int nw, ng;

	memset(want, 0x55, sizeof(want));
	memset(got, 0x55, sizeof(got));
	va_start(ap, fmt);
	va_copy(aq, ap);
	nw = vsnprintf(want, size, fmt, ap);
	ng = mps2_vsnprintf(got, size, fmt, aq);
	va_end(aq);
	va_end(ap);
	if (nw != ng || memcmp(want, got, size < sizeof(want) ? size + 1 : size) != 0) {
		print_error("format \"%s\" size %zu: libc %d \"%s\", mps2 %d \"%s\"\n", fmt, size, nw,
			    size ? want : "", ng, size ? got : "");
		fail();
	}
}

static void test_integers(void **state)
{
	(void)state;
	same(64, "%d %i %u", 0, -1, 4294967295u);
	same(64, "%d", -2147483647 - 1);
	same(64, "%x %X %08x %8x %-8x|", 0xdeadbeefu, 0xabcu, 0x1fu, 0x1fu, 0x1fu);
	same(64, "%02u:%02u:%03u", 1u, 59u, 7u);
	same(64, "%ld %lu %lx", -123456789L, 4000000000UL, 0xfffffffful);
	same(64, "%lld %llu %llx", -9000000000000000000LL, 18446744073709551615ULL, 0x123456789abcULL);
	same(64, "%zu %hu %hhu", (size_t)12345, (unsigned short)65535, (unsigned char)255);
	same(64, "%05d %-5d| %5d", -42, -42, 42);
}

static void test_strings_chars(void **state)
{
	(void)state;
	same(64, "%s and %s", "abc", "");
	same(64, "[%10s][%-10s]", "right", "left");
	same(64, "%.3s|%.*s|%.0s", "abcdef", 2, "xyz", "gone");
	same(64, "%c%c%c %%", 'o', 'k', '!');
	same(64, "no conversions at all");
	same(64, "%*d|%-*d|", 6, 7, 6, 7);
}

static void test_truncation(void **state)
{
	(void)state;
	same(1, "%s", "abc");
	same(4, "%s", "abcdef");
	same(8, "value %u end", 123456u);
	same(5, "%08x", 0x1234u);
	same(0, "%d", 99); /* nothing written, the length still counted */
}

static void test_pointer(void **state)
{
	char got[64], want[64];
	void *p = (void *)(uintptr_t)0x2003f000u;

	(void)state;
	(void)snprintf(want, sizeof(want), "%p", p);
	(void)mps2_snprintf(got, sizeof(got), "%p", p);
	assert_string_equal(got, want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_pointer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
