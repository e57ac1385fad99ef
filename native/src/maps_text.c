/* Parsing /proc/PID/maps text. Pure functions: tests feed synthetic text. */
#include "vaoci/maps.h"

static int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* read_hex parses lower-case hex at line[*i] up to a non-hex character. */
static int read_hex(const char *line, size_t len, size_t *i, uint64_t *out) {
  uint64_t v = 0;
  size_t start = *i;
  while (*i < len && hex_value(line[*i]) >= 0) {
    if (*i - start == 16)
      return -1;
    v = v << 4 | (uint64_t)hex_value(line[*i]);
    (*i)++;
  }
  *out = v;
  return *i > start ? 0 : -1;
}

/* skip_field moves past one space-separated field and the spaces after it. */
static void skip_field(const char *line, size_t len, size_t *i) {
  while (*i < len && line[*i] != ' ')
    (*i)++;
  while (*i < len && line[*i] == ' ')
    (*i)++;
}

static void copy_name(const char *line, size_t len, size_t i, struct vaoci_vma *out) {
  size_t n = 0;
  while (i < len && n + 1 < sizeof out->name)
    out->name[n++] = line[i++];
  out->name[n] = '\0';
}

int vaoci_maps_parse_line(const char *line, size_t len, struct vaoci_vma *out) {
  size_t i = 0;
  if (read_hex(line, len, &i, &out->start) < 0 || i >= len || line[i++] != '-')
    return -1;
  if (read_hex(line, len, &i, &out->end) < 0 || i >= len || line[i++] != ' ' || out->end <= out->start)
    return -1;
  if (i + 4 >= len || line[i + 4] != ' ')
    return -1;
  for (int k = 0; k < 4; k++)
    out->perms[k] = line[i + k];
  out->perms[4] = '\0';
  i += 5;
  uint64_t inode = 0;
  skip_field(line, len, &i); /* offset */
  skip_field(line, len, &i); /* dev */
  if (read_hex(line, len, &i, &inode) < 0) /* inode is decimal, but 0 reads the same */
    return -1;
  while (i < len && line[i] == ' ')
    i++;
  copy_name(line, len, i, out);
  out->anonymous = inode == 0 && out->name[0] == '\0';
  return 0;
}

int vaoci_maps_parse_text(const char *text, size_t len, vaoci_maps_visit_fn fn, void *ctx, vaoci_error_t *err) {
  size_t pos = 0;
  int line_no = 0;
  while (pos < len) {
    size_t end = pos;
    while (end < len && text[end] != '\n')
      end++;
    line_no++;
    if (end > pos) {
      struct vaoci_vma vma;
      if (vaoci_maps_parse_line(text + pos, end - pos, &vma) < 0)
        return vaoci_make_error(err, VAOCI_E_INVALID, 0, "maps line %d: expected `START-END PERMS ...`", line_no);
      int stop = fn(ctx, &vma);
      if (stop)
        return stop;
    }
    pos = end + 1;
  }
  return 0;
}
