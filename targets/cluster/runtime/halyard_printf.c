/* A small printf for the simulator's stdout register: %d %i %u %x %X %o %c
   %s %p %%, the l/ll/z/h length modifiers, '-' and '0' flags and a width. */
#include <stdarg.h>

#include "halyard_rt.h"

static int out_str(const char *s, int width, int left) {
    int n = 0, len = 0;
    while (s[len]) len++;
    if (!left) for (; len + n < width; n++) hl_putc(' ');
    for (int i = 0; i < len; i++) hl_putc(s[i]);
    n += len;
    if (left) for (; n < width; n++) hl_putc(' ');
    return n;
}

static int out_num(unsigned long long v, int neg, unsigned base, int upper, int width, int zero, int left) {
    char buf[24];
    int len = 0, n = 0;
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    do {
        buf[len++] = digits[v % base];
        v /= base;
    } while (v);
    int total = len + (neg ? 1 : 0);
    if (!left && !zero) for (; total + n < width; n++) hl_putc(' ');
    if (neg) hl_putc('-');
    if (!left && zero) for (; total + n < width; n++) hl_putc('0');
    while (len) hl_putc(buf[--len]);
    n += total;
    if (left) for (; n < width; n++) hl_putc(' ');
    return n;
}

static int hl_vprintf(const char *fmt, va_list ap) {
    int n = 0;
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            hl_putc(*fmt);
            n++;
            continue;
        }
        fmt++;
        int left = 0, zero = 0, width = 0, lng = 0;
        for (;; fmt++) {
            if (*fmt == '-') left = 1;
            else if (*fmt == '0') zero = 1;
            else break;
        }
        while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
        for (;; fmt++) {
            if (*fmt == 'l') lng++;
            else if (*fmt == 'z' || *fmt == 'h') {
            } else break;
        }
        switch (*fmt) {
        case 'd':
        case 'i': {
            long long v = lng >= 2 ? va_arg(ap, long long) : lng ? va_arg(ap, long) : va_arg(ap, int);
            n += out_num(v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, v < 0, 10, 0, width, zero, left);
            break;
        }
        case 'u':
        case 'x':
        case 'X':
        case 'o': {
            unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long)
                                 : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            unsigned base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;
            n += out_num(v, 0, base, *fmt == 'X', width, zero, left);
            break;
        }
        case 'p':
            n += out_str("0x", 0, 0);
            n += out_num((uintptr_t)va_arg(ap, void *), 0, 16, 0, 8, 1, 0);
            break;
        case 'c':
            hl_putc((char)va_arg(ap, int));
            n++;
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            n += out_str(s ? s : "(null)", width, left);
            break;
        }
        case '%':
            hl_putc('%');
            n++;
            break;
        case 0:
            return n;
        default:
            hl_putc('%');
            hl_putc(*fmt);
            n += 2;
        }
    }
    return n;
}

int hl_printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = hl_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int printf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = hl_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int puts(const char *s) {
    int n = out_str(s, 0, 0);
    hl_putc('\n');
    return n + 1;
}

int putchar(int c) {
    hl_putc((char)c);
    return (unsigned char)c;
}
