/* The shared formats, C side: every vector in schemas/vectors/formats/ (argv[1]
 * names another vectors directory, whose formats/ is read) read by the C parsers — ELF facts
 * (hook/common/elf.c), binfmt_misc registrations (hook/common/binfmt.c),
 * window texts (native/src/window.c), launch.conf (native/src/launch_conf.c)
 * — must give exactly its expected result, as the TypeScript parsers do in
 * test/ts/formats.test.ts. Ends with `test_formats: N passed, N failed`. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "detect.h"
#include "policy.h"
#include "vaoci/launch_conf.h"
#include "vaoci/window.h"

static int passed, failed;

static void verdict(const char *file, const char *name, const json_t *want, json_t *got) {
  if (json_equal(want, got)) {
    passed++;
  } else {
    char *w = json_dumps(want, JSON_SORT_KEYS | JSON_ENCODE_ANY),
         *g = json_dumps(got, JSON_SORT_KEYS | JSON_ENCODE_ANY);
    failed++;
    fprintf(stderr, "FAIL %s: %s\n  expected: %s\n  got:      %s\n", file, name, w, g);
    free(w);
    free(g);
  }
  json_decref(got);
}

/* error_json is {"error": LINE} cut to the expected line's length: a vector names the start of the line. */
static json_t *error_json(const char *line, const json_t *want) {
  const char *w = json_string_value(json_object_get(want, "error"));
  size_t n = w && strlen(w) < strlen(line) ? strlen(w) : strlen(line);
  return json_pack("{s:s%}", "error", line, n);
}

static int hex_value(char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; }

static json_t *elf_case(const json_t *v) {
  const char *hex = json_string_value(json_object_get(v, "hex"));
  size_t len = strlen(hex) / 2;
  unsigned char *bytes = malloc(len + 1);
  for (size_t i = 0; i < len; i++)
    bytes[i] = (unsigned char)(hex_value(hex[2 * i]) << 4 | hex_value(hex[2 * i + 1]));
  int fd = memfd_create("elf-vector", MFD_CLOEXEC);
  if (fd < 0 || write(fd, bytes, len) != (ssize_t)len) {
    free(bytes);
    return json_pack("{s:s}", "error", "memfd");
  }
  free(bytes);
  struct vaoci_elf elf;
  vaoci_error_t err = {0};
  int r = vaoci_elf_read(fd, &elf, &err);
  close(fd);
  if (r < 0)
    return error_json(err.msg, json_object_get(v, "expect"));
  json_t *got = json_pack("{s:s, s:s}", "arch", vaoci_policy_entry_arch_names[elf.arch], "linkage",
                          elf.linkage == VAOCI_LINKAGE_DYNAMIC ? "dynamic" : "static");
  if (elf.linkage == VAOCI_LINKAGE_DYNAMIC)
    json_object_set_new(got, "interp", json_string(elf.interp));
  return got;
}

static json_t *hex_json(const uint8_t *b, unsigned n) {
  char text[2 * 128 + 1];
  for (unsigned i = 0; i < n; i++)
    snprintf(text + 2 * i, 3, "%02x", b[i]);
  text[2 * n] = '\0';
  return json_string(text);
}

static json_t *binfmt_case(const json_t *v) {
  struct vaoci_binfmt_reg reg;
  if (vaoci_binfmt_parse(json_string_value(json_object_get(v, "text")), &reg) < 0)
    return json_null();
  int magic = reg.has_magic && reg.magic_len > 0;
  return json_pack(
      "{s:b, s:s, s:s, s:I, s:o, s:o, s:{s:b, s:b}}", "enabled", reg.enabled, "interpreter", reg.interpreter, "flags",
      reg.flags, "offset", (json_int_t)reg.offset, "magic", magic ? hex_json(reg.magic, reg.magic_len) : json_null(),
      "mask", magic ? hex_json(reg.mask, reg.magic_len) : json_null(), "handles", "x86_64",
      vaoci_binfmt_handles(&reg, VAOCI_BINFMT_X86_64), "i386", vaoci_binfmt_handles(&reg, VAOCI_BINFMT_I386));
}

static json_t *window_case(const json_t *v) {
  struct vaoci_window w;
  vaoci_error_t err = {0};
  char text[VAOCI_WINDOW_TEXT_MAX], lower[24], upper[24];
  if (vaoci_window_parse(json_string_value(json_object_get(v, "text")), &w, &err) < 0)
    return json_string("invalid");
  vaoci_window_format(&w, text, sizeof text);
  snprintf(lower, sizeof lower, "0x%llx", (unsigned long long)w.lower);
  snprintf(upper, sizeof upper, "0x%llx", (unsigned long long)w.upper);
  return json_pack("{s:s, s:s, s:s, s:b}", "text", text, "lower", lower, "upper", upper, "wraps",
                   vaoci_window_wraps(&w));
}

static json_t *launch_conf_case(const json_t *v) {
  static struct vaoci_launch_conf c;
  vaoci_error_t err = {0};
  const char *text = json_string_value(json_object_get(v, "text"));
  if (vaoci_launch_conf_parse(text, strlen(text), "launch.conf", &c, &err) < 0)
    return error_json(err.msg, json_object_get(v, "expect"));
  return json_pack("{s:s, s:s, s:s, s:s}", "emulator", c.emulator, "va-limit", c.va_limit, "on-error", c.on_error,
                   "algo", c.algo);
}

static const struct {
  const char *file;
  json_t *(*run)(const json_t *);
} formats[] = {
    {"elf.json", elf_case},
    {"binfmt.json", binfmt_case},
    {"window.json", window_case},
    {"launch-conf.json", launch_conf_case},
};

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "schemas/vectors";
  for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
    char path[4096];
    json_error_t jerr;
    snprintf(path, sizeof path, "%s/formats/%s", dir, formats[f].file);
    json_t *doc = json_load_file(path, 0, &jerr), *v;
    const json_t *vectors = json_object_get(doc, "vectors");
    size_t i;
    if (!json_is_array(vectors) || json_array_size(vectors) == 0) {
      failed++;
      fprintf(stderr, "FAIL %s: no vectors (%s)\n", path, doc ? "no vectors array" : jerr.text);
    }
    json_array_foreach(vectors, i, v) {
      verdict(formats[f].file, json_string_value(json_object_get(v, "name")), json_object_get(v, "expect"),
              formats[f].run(v));
    }
    json_decref(doc);
  }
  printf("test_formats: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
