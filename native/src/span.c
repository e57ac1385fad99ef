/* The sorted, coalescing span set. Sets are small (tens of spans in
 * practice), so linear scans and memmove-style shifts are the simple choice. */
#include "vaoci/span.h"

static void shift_right(struct vaoci_span_set *s, size_t at) {
  for (size_t i = s->count; i > at; i--)
    s->items[i] = s->items[i - 1];
  s->count++;
}

static void shift_left(struct vaoci_span_set *s, size_t at, size_t by) {
  for (size_t i = at; i + by < s->count; i++)
    s->items[i] = s->items[i + by];
  s->count -= by;
}

int vaoci_span_set_add(struct vaoci_span_set *s, uint64_t start, uint64_t end) {
  if (start >= end)
    return 0;
  size_t i = 0;
  while (i < s->count && s->items[i].end < start)
    i++;
  /* items[i..j) touch or overlap [start,end): fold them into one span. */
  size_t j = i;
  while (j < s->count && s->items[j].start <= end) {
    if (s->items[j].start < start)
      start = s->items[j].start;
    if (s->items[j].end > end)
      end = s->items[j].end;
    j++;
  }
  if (j == i) {
    if (s->count == VAOCI_SPAN_SET_MAX)
      return -1;
    shift_right(s, i);
  } else if (j - i > 1) {
    shift_left(s, i + 1, j - i - 1);
  }
  s->items[i].start = start;
  s->items[i].end = end;
  return 0;
}

int vaoci_span_set_remove(struct vaoci_span_set *s, uint64_t start, uint64_t end) {
  for (size_t i = 0; i < s->count && start < end; i++) {
    struct vaoci_span cur = s->items[i];
    if (cur.end <= start || cur.start >= end)
      continue;
    if (cur.start < start && cur.end > end) { /* split in two */
      if (s->count == VAOCI_SPAN_SET_MAX)
        return -1;
      shift_right(s, i + 1);
      s->items[i].end = start;
      s->items[i + 1].start = end;
      s->items[i + 1].end = cur.end;
      return 0;
    }
    if (cur.start < start) {
      s->items[i].end = start;
    } else if (cur.end > end) {
      s->items[i].start = end;
    } else {
      shift_left(s, i, 1);
      i--;
    }
  }
  return 0;
}

uint64_t vaoci_span_set_bytes(const struct vaoci_span_set *s) {
  uint64_t total = 0;
  for (size_t i = 0; i < s->count; i++)
    total += vaoci_span_len(s->items[i]);
  return total;
}

int vaoci_span_set_covers(const struct vaoci_span_set *s, uint64_t start, uint64_t end) {
  for (size_t i = 0; i < s->count; i++)
    if (s->items[i].start <= start && end <= s->items[i].end)
      return 1;
  return 0;
}
