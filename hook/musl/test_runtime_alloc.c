/* vaoci-runtime's allocator (runtime_alloc.c), linked in place of musl's as in
 * vaoci-runtime: blocks are 16-byte aligned and disjoint, calloc's memory is
 * zero even after blocks were written, shrunk and grown around it, realloc
 * keeps the contents (in place and moved), requests past the arena and past
 * a chunk are served, and overflowing sizes fail with ENOMEM. jansson parses
 * and dumps through it. Ends with `test_runtime_alloc: N passed, N failed`. */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "../../native/tests/check.h"

static int all_zero(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i])
      return 0;
  return 1;
}

static int aligned(const void *p) { return ((uintptr_t)p & 15) == 0; }

int main(void) {
  /* Disjoint and aligned: each block filled with its own byte keeps it. */
  unsigned char *blocks[64];
  for (int i = 0; i < 64; i++) {
    size_t n = 1 + (size_t)i * 37;
    blocks[i] = malloc(n);
    CHECK(blocks[i] && aligned(blocks[i]), "malloc(%zu): %p", n, (void *)blocks[i]);
    memset(blocks[i], i + 1, n);
  }
  int kept = 1;
  for (int i = 0; i < 64; i++)
    for (size_t j = 0; j < 1 + (size_t)i * 37; j++)
      kept &= blocks[i][j] == (unsigned char)(i + 1);
  CHECK(kept, "64 blocks filled one after another each keep their own bytes");

  /* The last block dirtied and shrunk in place: calloc after it gets zeros, not its old bytes. */
  unsigned char *last = malloc(4096);
  memset(last, 0xAA, 4096);
  uintptr_t held_end = (uintptr_t)last + 4096; /* as a number: gcc refuses a pointer used after realloc */
  CHECK((uintptr_t)realloc(last, 16) == held_end - 4096, "the last block shrinks in place");
  unsigned char *z = calloc(1000, 8);
  CHECK(z && aligned(z) && all_zero(z, 8000), "calloc after a dirtied, shrunk block: 8000 zero bytes");
  CHECK((uintptr_t)z >= held_end, "... placed after all the block ever held");

  /* The last block grows in place, its bytes kept; calloc after it still gets zeros. */
  unsigned char *g = malloc(16);
  memset(g, 0xBB, 16);
  uintptr_t g_at = (uintptr_t)g;
  unsigned char *grown = realloc(g, 8192);
  CHECK((uintptr_t)grown == g_at && grown[0] == 0xBB && grown[15] == 0xBB,
        "the last block grows in place, its bytes kept");
  memset(grown, 0xCC, 8192);
  unsigned char *z2 = calloc(1, 256);
  CHECK(z2 && all_zero(z2, 256) && z2 >= grown + 8192, "calloc after the grown, dirtied block: zero, after it");

  /* realloc of a block that is not the last moves it, contents kept. */
  char *a = malloc(6), *b = malloc(6);
  memcpy(a, "hello", 6);
  memcpy(b, "world", 6);
  char *a2 = realloc(a, 100000);
  CHECK(a2 && a2 != a && !strcmp(a2, "hello") && !strcmp(b, "world"),
        "realloc of an earlier block moves it, both kept");
  CHECK(realloc(NULL, 10) != NULL, "realloc(NULL) is malloc");

  /* Past the 1 MiB arena and past a 4 MiB chunk: served, zeroed, writable. */
  unsigned char *big = calloc(1, 3u << 20), *huge = calloc(1, 9u << 20);
  CHECK(big && all_zero(big, 3u << 20), "3 MiB calloc: zero");
  CHECK(huge && all_zero(huge, 9u << 20), "9 MiB calloc (larger than a chunk): zero");
  memset(huge, 1, 9u << 20);
  unsigned char *after = calloc(1, 64);
  CHECK(after && all_zero(after, 64) && (after >= huge + (9u << 20) || after + 64 <= huge),
        "calloc after it: zero, outside it");

  volatile size_t most = SIZE_MAX - 8, half = SIZE_MAX / 2; /* volatile: past what gcc lets a call ask for */
  errno = 0;
  CHECK(malloc(most) == NULL && errno == ENOMEM, "malloc(SIZE_MAX - 8): NULL, ENOMEM");
  errno = 0;
  CHECK(calloc(half, 4) == NULL && errno == ENOMEM, "calloc overflowing size_t: NULL, ENOMEM");

  /* jansson, as vaoci-runtime uses it. */
  json_error_t jerr;
  json_t *doc = json_loads("{\"process\": {\"env\": [\"A=1\", \"B=2\"]}, \"n\": 18446744073709551}", 0, &jerr);
  char *text = doc ? json_dumps(doc, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
  CHECK(text && !strcmp(text, "{\"n\":18446744073709551,\"process\":{\"env\":[\"A=1\",\"B=2\"]}}"),
        "jansson round trip: %s", text ? text : jerr.text);
  free(text);
  json_decref(doc);
  return check_summary("test_runtime_alloc");
}
