/* A small printf for messages: the preload cannot rely on libc's. */
#include <stdarg.h>
#include <stdint.h>
#include "vaoci/error.h"

struct out {
  char *buf;
  unsigned long size, len;
};

static void put_char(struct out *o, char c) {
  if (o->len + 1 < o->size)
    o->buf[o->len] = c;
  o->len++;
}

static void put_str(struct out *o, const char *s) {
  if (!s)
    s = "(null)";
  while (*s)
    put_char(o, *s++);
}

static void put_unsigned(struct out *o, uint64_t v, unsigned base) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  while (n)
    put_char(o, digits[--n]);
}

static void put_signed(struct out *o, int64_t v) {
  if (v < 0) {
    put_char(o, '-');
    put_unsigned(o, (uint64_t)0 - (uint64_t)v, 10);
  } else {
    put_unsigned(o, (uint64_t)v, 10);
  }
}

/* put_conversion handles one %-directive after the '%' and its modifiers. */
static void put_conversion(struct out *o, char conv, int longness, va_list *ap) {
  uint64_t u;
  switch (conv) {
  case 's': put_str(o, va_arg(*ap, const char *)); return;
  case 'c': put_char(o, (char)va_arg(*ap, int)); return;
  case '%': put_char(o, '%'); return;
  case 'd': put_signed(o, longness ? va_arg(*ap, long long) : va_arg(*ap, int)); return;
  case 'u':
  case 'x':
    u = longness ? va_arg(*ap, unsigned long long) : va_arg(*ap, unsigned);
    put_unsigned(o, u, conv == 'x' ? 16 : 10);
    return;
  default:
    put_char(o, '%');
    put_char(o, conv);
    return;
  }
}

int vaoci_format(char *buf, unsigned long size, const char *fmt, va_list ap) {
  struct out o = {buf, size, 0};
  va_list args;
  va_copy(args, ap);
  for (const char *p = fmt; *p; p++) {
    if (*p != '%') {
      put_char(&o, *p);
      continue;
    }
    int longness = 0; /* long, long long and size_t are all 64-bit here */
    while (p[1] == 'l' || p[1] == 'z') {
      longness = 1;
      p++;
    }
    if (!p[1])
      break;
    put_conversion(&o, *++p, longness, &args);
  }
  va_end(args);
  if (size)
    buf[o.len < size ? o.len : size - 1] = '\0';
  return (int)o.len;
}

int vaoci_formatf(char *buf, unsigned long size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vaoci_format(buf, size, fmt, ap);
  va_end(ap);
  return n;
}
