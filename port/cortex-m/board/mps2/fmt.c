/* SPDX-License-Identifier: Apache-2.0 */
/* A small printf subset for the firmware's log (no newlib printf): %d %i %u %x %X %p %s %c %%. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mps2.h"

struct out {
	char *buf;
	size_t size;
	size_t n; /* characters produced (may exceed size - 1: truncated) */
};

static void put(struct out *o, char c)
{
	if (o->n + 1u < o->size) {
		o->buf[o->n] = c;
	}
	o->n++;
}

static void put_padded(struct out *o, const char *s, size_t len, unsigned width, bool left,
		       char pad)
{
	size_t fill = width > len ? width - len : 0u;

	if (!left && pad == '0' && len > 0 && s[0] == '-') {
		/* zero padding goes between the sign and the digits */
		put(o, '-');
		s++;
		len--;
	}
	while (!left && fill-- > 0u) {
		put(o, pad);
	}
	while (len-- > 0u) {
		put(o, *s++);
	}
	while (left && fill-- > 0u) {
		put(o, ' ');
	}
}

/* Render `v` in `base` into the end of tmp; returns the start. */
static char *utoa_rev(unsigned long long v, unsigned base, bool upper, char *end)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v != 0u);
	return p;
}

int mps2_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = {buf, size, 0};

	for (const char *f = fmt; *f != '\0'; f++) {
		bool left = false;
		char pad = ' ';
		unsigned width = 0;
		int prec = -1;
		int lng = 0; /* 0 int, 1 long, 2 long long, 3 size_t, -1 short */
		char tmp[24];
		char *end = tmp + sizeof(tmp);
		char *s;

		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		f++;
		for (;; f++) {
			if (*f == '-') {
				left = true;
			} else if (*f == '0') {
				pad = '0';
			} else {
				break;
			}
		}
		if (*f == '*') {
			int w = va_arg(ap, int);

			if (w < 0) {
				left = true;
				w = -w;
			}
			width = (unsigned)w;
			f++;
		}
		while (*f >= '0' && *f <= '9') {
			width = width * 10u + (unsigned)(*f++ - '0');
		}
		if (*f == '.') {
			f++;
			prec = 0;
			if (*f == '*') {
				prec = va_arg(ap, int);
				f++;
			}
			while (*f >= '0' && *f <= '9') {
				prec = prec * 10 + (*f++ - '0');
			}
		}
		if (*f == 'h') {
			lng = -1;
			f += f[1] == 'h' ? 2 : 1;
		} else if (*f == 'l') {
			lng = f[1] == 'l' ? 2 : 1;
			f += lng;
		} else if (*f == 'z') {
			lng = 3;
			f++;
		}
		switch (*f) {
		case 'd':
		case 'i': {
			long long v = lng == 2 ? va_arg(ap, long long)
				    : lng == 1 ? va_arg(ap, long)
				    : lng == 3 ? (long long)va_arg(ap, size_t)
					       : va_arg(ap, int);
			unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v
						       : (unsigned long long)v;

			s = utoa_rev(mag, 10, false, end);
			if (v < 0) {
				*--s = '-';
			}
			put_padded(&o, s, (size_t)(end - s), width, left, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v = lng == 2 ? va_arg(ap, unsigned long long)
					     : lng == 1 ? va_arg(ap, unsigned long)
					     : lng == 3 ? va_arg(ap, size_t)
							: va_arg(ap, unsigned int);

			if (lng == -1) {
				v &= 0xFFFFu;
			}
			s = utoa_rev(v, *f == 'u' ? 10u : 16u, *f == 'X', end);
			put_padded(&o, s, (size_t)(end - s), width, left, pad);
			break;
		}
		case 'p':
			s = utoa_rev((uintptr_t)va_arg(ap, void *), 16, false, end);
			*--s = 'x';
			*--s = '0';
			put_padded(&o, s, (size_t)(end - s), width, left, ' ');
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);
			size_t len = 0;

			if (str == NULL) {
				str = "(null)";
			}
			while (str[len] != '\0' && (prec < 0 || len < (size_t)prec)) {
				len++;
			}
			put_padded(&o, str, len, width, left, ' ');
			break;
		}
		case 'c':
			tmp[0] = (char)va_arg(ap, int);
			put_padded(&o, tmp, 1, width, left, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		case '\0':
			f--; /* lone '%' at the end */
			break;
		default:
			/* unknown conversion: print it as written */
			put(&o, '%');
			put(&o, *f);
			break;
		}
	}
	if (size > 0u) {
		buf[o.n < size ? o.n : size - 1u] = '\0';
	}
	return (int)o.n;
}

int mps2_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = mps2_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
