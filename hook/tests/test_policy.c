/* The policy contract, C side: every shared vector in schemas/vectors/ (every .json)
 * (or the directory given as argv[1]) must resolve to exactly its expected
 * policy (JSON-equal, reasons aside: those are the TypeScript side's) or
 * its exact error lines, as the TypeScript resolver does in
 * test/ts/policy.test.ts. Ends with `test_policy: N passed, N failed`. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy.h"

static int passed, failed;

static void fail(const char *file, const char *name, const char *why, const json_t *want, const json_t *got) {
  char *w = want ? json_dumps(want, JSON_SORT_KEYS | JSON_INDENT(1)) : NULL;
  char *g = got ? json_dumps(got, JSON_SORT_KEYS | JSON_INDENT(1)) : NULL;
  failed++;
  fprintf(stderr, "FAIL %s: %s: %s\n  expected: %s\n  got: %s\n", file, name, why, w ? w : "-", g ? g : "-");
  free(w);
  free(g);
}

static json_t *lines_json(const struct vaoci_problems *p) {
  json_t *a = json_array();
  for (int i = 0; i < p->count; i++)
    json_array_append_new(a, json_string(p->lines[i]));
  return a;
}

/* run_vector resolves one vector and compares; a policy is large, so it lives on the heap. */
static void run_vector(const char *file, const json_t *v) {
  const char *name = json_string_value(json_object_get(v, "name"));
  const json_t *expect = json_object_get(v, "expect");
  const json_t *want_policy = json_object_get(expect, "policy"), *want_errors = json_object_get(expect, "errors");
  struct vaoci_detected detected;
  vaoci_error_t err = {0};
  const json_t *det = json_object_get(v, "detected");
  if (vaoci_detected_from_json(det, &detected, &err) < 0)
    return fail(file, name, err.msg, NULL, NULL);
  struct vaoci_policy *p = calloc(1, sizeof *p);
  int rc = vaoci_policy_resolve(json_object_get(v, "annotations"), json_object_get(v, "node_config"),
                                json_string_value(json_object_get(v, "container")), det ? &detected : NULL, p);
  json_t *got = rc < 0 ? lines_json(&p->problems) : vaoci_policy_to_json(p);
  if (want_errors && rc >= 0)
    fail(file, name, "expected errors, got a policy", want_errors, got);
  else if (want_policy && rc < 0)
    fail(file, name, "expected a policy, got errors", want_policy, got);
  else if (!json_equal((json_t *)(want_errors ? want_errors : want_policy), got))
    fail(file, name, "differs", want_errors ? want_errors : want_policy, got);
  else
    passed++;
  json_decref(got);
  free(p);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

static int is_json(const struct dirent *d) {
  size_t n = strlen(d->d_name);
  return n > 5 && !strcmp(d->d_name + n - 5, ".json");
}

static void run_file(const char *dir, const char *file) {
  char path[4096];
  json_error_t jerr;
  snprintf(path, sizeof path, "%s/%s", dir, file);
  json_t *doc = json_load_file(path, 0, &jerr);
  const json_t *vectors = json_object_get(doc, "vectors"), *v;
  size_t i;
  if (!json_is_array(vectors)) {
    failed++;
    fprintf(stderr, "FAIL %s: not a vector file (%s)\n", path, doc ? "no vectors array" : jerr.text);
  }
  json_array_foreach(vectors, i, v) run_vector(file, v);
  json_decref(doc);
}

/* test_unit covers what vectors cannot: the line cap and bad detected facts. */
static void test_unit(void) {
  json_t *many = json_object();
  for (int i = 0; i < VAOCI_POLICY_PROBLEMS_MAX + 3; i++) {
    char key[32];
    snprintf(key, sizeof key, "vaoci.io/nope%02d", i);
    json_object_set_new(many, key, json_string("x"));
  }
  struct vaoci_policy *p = calloc(1, sizeof *p);
  int rc = vaoci_policy_resolve(many, NULL, "app", NULL, p);
  if (rc < 0 && p->problems.count == VAOCI_POLICY_PROBLEMS_MAX && p->problems.dropped == 3)
    passed++;
  else
    failed++, fprintf(stderr, "FAIL unit: %d problems, %d dropped\n", p->problems.count, p->problems.dropped);
  free(p);
  json_decref(many);

  struct vaoci_detected d;
  vaoci_error_t err = {0};
  json_t *bad = json_pack("{s:{s:s, s:s, s:s}}", "entrypoint", "path", "/x", "arch", "riscv64", "linkage", "static");
  if (vaoci_detected_from_json(bad, &d, &err) < 0 && strstr(err.msg, "riscv64"))
    passed++;
  else
    failed++, fprintf(stderr, "FAIL unit: bad detected arch accepted (%s)\n", err.msg);
  json_decref(bad);
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "schemas/vectors";
  struct dirent **names;
  int n = scandir(dir, &names, is_json, by_name);
  if (n <= 0) {
    fprintf(stderr, "FAIL no vector files in %s\n", dir);
    failed++;
  }
  for (int i = 0; i < n; i++) {
    run_file(dir, names[i]->d_name);
    free(names[i]);
  }
  if (n > 0)
    free(names);
  test_unit();
  printf("test_policy: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
