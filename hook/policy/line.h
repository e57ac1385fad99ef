/* Problem lines, the twin of cli/src/lib/policy/line.ts: the same escaping,
 * cutting and suggestions, so both resolvers print the same bytes. */
#ifndef VAOCI_HOOK_POLICY_LINE_H
#define VAOCI_HOOK_POLICY_LINE_H

#include <stddef.h>
#include <jansson.h>
#include "policy.h"

#define VAOCI_LINE_VALUE_MAX 64 /* code points of a value shown */
#define VAOCI_LINE_KEY_MAX 128 /* code points of a key shown */
#define VAOCI_LINE_SUGGEST_MAX 32
#define VAOCI_LINE_PREFIX_MIN 3

/* vaoci_line_problem writes `KEY: value "VALUE" — expected WHAT` (or
 * `value of type T` for a non-string) into buf. */
void vaoci_line_problem(char *buf, size_t size, const char *key, const json_t *value, const char *expected);

/* vaoci_line_problem_text is vaoci_line_problem for a string value. */
void vaoci_line_problem_text(char *buf, size_t size, const char *key, const char *value, const char *expected);

/* vaoci_line_closest returns the candidate `text` begins (3+ characters) or
 * is within Levenshtein distance 2 of (lower-cased, short printable ASCII
 * only), the first such in order; NULL when none. */
const char *vaoci_line_closest(const char *text, size_t len, const char *const *candidates, int count);

/* vaoci_problems_add appends one line (counting it in dropped when full). */
void vaoci_problems_add(struct vaoci_problems *p, const char *line);

#endif
