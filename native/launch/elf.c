/* Reading PROGRAM and every refusal about it, before anything is mapped:
 * a file exec would not run, an ELF of another class or machine, a dynamic
 * one, program headers the kernel would reject or that would make the jump
 * go wrong, segments outside the window. Each refusal is one line that names
 * the file. The checks on the bytes are pure (tests feed synthetic headers).
 * The header is read as detection reads it (vaoci/elf.h); the refusals are
 * worded for what this launcher loads. */
#include <fcntl.h>
#include <linux/stat.h>
#include <sys/vfs.h>
#include "launch.h"
#include "lsys.h"
#include "vaoci/elf.h"

#define REFUSE(...) vaoci_make_error(err, VAOCI_E_UNSUPPORTED, 0, __VA_ARGS__)

static const char *machine_name(unsigned m) {
  switch (m) {
  case EM_386: return "i386";
  case EM_X86_64: return "x86_64";
  case EM_AARCH64: return "aarch64";
  case EM_ARM: return "arm";
  case EM_RISCV: return "riscv";
  case EM_PPC64: return "ppc64";
  case EM_S390: return "s390";
  default: return 0;
  }
}

static int check_ident(const struct launch_image *img, vaoci_error_t *err) {
  const unsigned char *h = img->head;
  struct vaoci_elf_ehdr e;
  if (img->head_len >= 2 && h[0] == '#' && h[1] == '!')
    return REFUSE("%s: a #! script: vaoci-launch loads ELF programs; launch its interpreter", img->path);
  switch (vaoci_elf_ehdr_read(h, img->head_len, &e)) {
  case VAOCI_ELF_NOT_ELF: return REFUSE("%s: not an ELF file", img->path);
  case VAOCI_ELF_TRUNCATED: return REFUSE("%s: truncated ELF header", img->path);
  case VAOCI_ELF_BIG_ENDIAN:
    return REFUSE("%s: a big-endian ELF file: this vaoci-launch loads little-endian " LAUNCH_ARCH " programs",
                  img->path);
  case VAOCI_ELF_OK: break;
  }
  if (e.elf_class != VAOCI_ELFCLASS64) {
    const char *name = machine_name(e.machine);
    return REFUSE("%s: a 32-bit %s program: this vaoci-launch loads 64-bit " LAUNCH_ARCH " ones", img->path,
                  name ? name : "ELF");
  }
  return 0;
}

static int check_header(struct launch_image *img, vaoci_error_t *err) {
  int r = check_ident(img, err);
  if (r < 0)
    return r;
  const Elf64_Ehdr *e = (const Elf64_Ehdr *)img->head;
  img->eh = *e;
  if (e->e_machine != LAUNCH_EM) {
    const char *name = machine_name(e->e_machine);
    if (name)
      return REFUSE("%s: an %s program: this vaoci-launch loads " LAUNCH_ARCH " ones", img->path, name);
    return REFUSE("%s: a program for ELF machine %u: this vaoci-launch loads " LAUNCH_ARCH " ones", img->path,
                  (unsigned)e->e_machine);
  }
  if (e->e_type != ET_EXEC && e->e_type != ET_DYN)
    return REFUSE("%s: not an executable (ELF type %u)", img->path, (unsigned)e->e_type);
  if (e->e_phentsize != vaoci_elf_phentsize(VAOCI_ELFCLASS64))
    return REFUSE("%s: program header size %u, expected %u", img->path, (unsigned)e->e_phentsize,
                  vaoci_elf_phentsize(VAOCI_ELFCLASS64));
  if (e->e_phnum == 0 || e->e_phnum > LAUNCH_PHDR_MAX)
    return REFUSE("%s: %u program headers, expected 1-%u", img->path, (unsigned)e->e_phnum, (unsigned)LAUNCH_PHDR_MAX);
  uint64_t table = (uint64_t)e->e_phnum * sizeof(Elf64_Phdr);
  if (e->e_phoff > img->file_size || table > img->file_size - e->e_phoff)
    return REFUSE("%s: program headers past the end of the file", img->path);
  img->pie = e->e_type == ET_DYN;
  return 0;
}

/* interp_name copies PT_INTERP's string when it is among the bytes read. */
static const char *interp_name(const struct launch_image *img, const Elf64_Phdr *p, char *buf, size_t size) {
  if (p->p_offset >= img->head_len || p->p_filesz == 0 || p->p_filesz > img->head_len - p->p_offset)
    return "?";
  size_t n = p->p_filesz < size ? (size_t)p->p_filesz : size - 1;
  for (size_t i = 0; i < n; i++)
    buf[i] = (char)img->head[p->p_offset + i];
  buf[n] = '\0';
  return buf;
}

/* note_has_bti reads a PT_GNU_PROPERTY note (when among the bytes read) for
 * the aarch64 BTI feature bit: the kernel then maps the text with PROT_BTI. */
static int note_has_bti(const struct launch_image *img, const Elf64_Phdr *p) {
  if (img->eh.e_machine != EM_AARCH64 || p->p_offset > img->head_len || p->p_filesz > img->head_len - p->p_offset)
    return 0;
  const unsigned char *n = img->head + p->p_offset, *end = n + p->p_filesz;
  if (end - n < 16)
    return 0;
  uint32_t namesz = *(const uint32_t *)n, descsz = *(const uint32_t *)(n + 4), type = *(const uint32_t *)(n + 8);
  if (namesz != 4 || type != NT_GNU_PROPERTY_TYPE_0 || n[12] != 'G' || n[13] != 'N' || n[14] != 'U' ||
      descsz > (uint64_t)(end - n - 16))
    return 0;
  for (const unsigned char *q = n + 16, *qe = n + 16 + descsz; qe - q >= 8;) {
    uint32_t pr_type = *(const uint32_t *)q, datasz = *(const uint32_t *)(q + 4);
    if (datasz > (uint64_t)(qe - q - 8))
      return 0;
    if (pr_type == GNU_PROPERTY_AARCH64_FEATURE_1_AND && datasz >= 4)
      return (*(const uint32_t *)(q + 8) & GNU_PROPERTY_AARCH64_FEATURE_1_BTI) != 0;
    q += 8 + ((datasz + 7) & ~7u);
  }
  return 0;
}

static int check_load(struct launch_image *img, unsigned i, const Elf64_Phdr *p, const Elf64_Phdr *prev,
                      vaoci_error_t *err) {
  uint64_t page = img->page;
  if (p->p_filesz > p->p_memsz)
    return REFUSE("%s: segment %u: file size 0x%lx exceeds its memory size 0x%lx", img->path, i,
                  (unsigned long)p->p_filesz, (unsigned long)p->p_memsz);
  if (p->p_offset > img->file_size || p->p_filesz > img->file_size - p->p_offset)
    return REFUSE("%s: segment %u extends past the end of the file", img->path, i);
  if (p->p_align > 1 && (p->p_align & (p->p_align - 1)))
    return REFUSE("%s: segment %u: alignment 0x%lx is not a power of two", img->path, i, (unsigned long)p->p_align);
  if ((p->p_vaddr - p->p_offset) % page)
    return REFUSE("%s: segment %u: address 0x%lx and file offset 0x%lx disagree modulo the page size", img->path, i,
                  (unsigned long)p->p_vaddr, (unsigned long)p->p_offset);
  if (p->p_vaddr >= (1ull << 62) || p->p_memsz >= (1ull << 62))
    return REFUSE("%s: segment %u: address 0x%lx beyond any user address space", img->path, i,
                  (unsigned long)p->p_vaddr);
  if (prev && p->p_vaddr < prev->p_vaddr + prev->p_memsz)
    return REFUSE("%s: segment %u overlaps the one before it or is out of order", img->path, i);
  uint64_t lo = launch_page_down(p->p_vaddr, page), hi = launch_page_up(p->p_vaddr + p->p_memsz, page);
  img->lo = lo < img->lo ? lo : img->lo;
  img->hi = hi > img->hi ? hi : img->hi;
  if (p->p_align > img->align)
    img->align = p->p_align;
  uint64_t phoff = img->eh.e_phoff, table = (uint64_t)img->eh.e_phnum * sizeof(Elf64_Phdr);
  if (phoff >= p->p_offset && phoff - p->p_offset + table <= p->p_filesz)
    img->phdr_vaddr = p->p_vaddr + (phoff - p->p_offset);
  return 0;
}

static int entry_ok(const struct launch_image *img) {
  for (unsigned i = 0; i < img->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &img->ph[i];
    if (p->p_type == PT_LOAD && (p->p_flags & PF_X) && img->eh.e_entry >= p->p_vaddr &&
        img->eh.e_entry - p->p_vaddr < p->p_memsz)
      return 1;
  }
  return 0;
}

static int check_program(struct launch_image *img, vaoci_error_t *err) {
  const Elf64_Phdr *prev = 0;
  img->exec_stack = img->bti = 0;
  img->lo = UINT64_MAX;
  img->hi = 0;
  img->align = img->page;
  img->phdr_vaddr = UINT64_MAX;
  for (unsigned i = 0; i < img->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &img->ph[i];
    char interp[128];
    if (p->p_type == PT_INTERP)
      return REFUSE("%s: dynamically linked (interpreter %s): vaoci-launch loads static programs; "
                    "dynamic ones take the preload",
                    img->path, interp_name(img, p, interp, sizeof interp));
    if (p->p_type == PT_GNU_STACK)
      img->exec_stack = (p->p_flags & PF_X) != 0;
    if (p->p_type == PT_GNU_PROPERTY)
      img->bti = note_has_bti(img, p);
    if (p->p_type != PT_LOAD || p->p_memsz == 0)
      continue;
    int r = check_load(img, i, p, prev, err);
    if (r < 0)
      return r;
    prev = p;
  }
  if (!prev)
    return REFUSE("%s: no loadable segment", img->path);
  if (!entry_ok(img))
    return REFUSE("%s: its entry point 0x%lx is not in an executable segment", img->path,
                  (unsigned long)img->eh.e_entry);
  if (img->phdr_vaddr == UINT64_MAX)
    return REFUSE("%s: its program headers are not in a loaded segment (AT_PHDR would point nowhere)", img->path);
  return 0;
}

/* The program headers when they are beyond the bytes read or unaligned there:
 * outside struct launch_image, so its hot part stays small (src/hot.h). The
 * launcher opens one program. */
static Elf64_Phdr phdr_copy[LAUNCH_PHDR_MAX];

int launch_elf_check(struct launch_image *img, vaoci_error_t *err) {
  int r = check_header(img, err);
  if (r < 0)
    return r;
  if (!img->ph) { /* among the bytes read: used in place when aligned, as they nearly always are */
    uint64_t table = (uint64_t)img->eh.e_phnum * sizeof(Elf64_Phdr);
    if (img->eh.e_phoff + table > img->head_len)
      return REFUSE("%s: program headers not read", img->path);
    img->ph = (const Elf64_Phdr *)(img->head + img->eh.e_phoff);
    if (img->eh.e_phoff % 8) {
      unsigned char *dst = (unsigned char *)phdr_copy;
      for (uint64_t k = 0; k < table; k++)
        dst[k] = img->head[img->eh.e_phoff + k];
      img->ph = phdr_copy;
    }
  }
  return check_program(img, err);
}

/* check_file refuses what exec would: not a regular file, not executable
 * for our effective ids, on a noexec mount. */
static int check_file(struct launch_image *img, vaoci_error_t *err) {
  struct statx st;
  long r = launch_sys_statx(img->fd, "", LAUNCH_AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE, &st);
  if (vaoci_sys_failed(r))
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, (int)-r, "%s: cannot stat", img->path);
  if ((st.stx_mode & 0170000) != 0100000)
    return REFUSE("%s: not a regular file", img->path);
  img->file_size = st.stx_size;
  r = launch_sys_access_fd(img->fd, img->path, LAUNCH_X_OK);
  if (vaoci_sys_failed(r))
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, (int)-r, "%s: not executable", img->path);
  struct statfs fs;
  if (!vaoci_sys_failed(launch_sys_fstatfs(img->fd, &fs)) && (fs.f_flags & 8 /* ST_NOEXEC */))
    return REFUSE("%s: on a noexec mount", img->path);
  return 0;
}

static long read_at(int fd, void *buf, uint64_t len, uint64_t off) {
  uint64_t got = 0;
  while (got < len) {
    long n = launch_sys_pread(fd, (char *)buf + got, len - got, off + got);
    if (n == -4 /* EINTR */)
      continue;
    if (vaoci_sys_failed(n))
      return n;
    if (n == 0)
      break;
    got += (uint64_t)n;
  }
  return (long)got;
}

/* read_headers reads the first bytes and the program headers (img->fd,
 * from img->base), then checks them all. */
static int read_headers(struct launch_image *img, vaoci_error_t *err) {
  int r;
  long n =
      read_at(img->fd, img->head, sizeof img->head < img->file_size ? sizeof img->head : img->file_size, img->base);
  if (n < 0)
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, (int)-n, "%s: cannot read", img->path);
  img->head_len = (uint64_t)n;
  if (n >= (long)sizeof(Elf64_Ehdr) && (r = check_header(img, err)) == 0) {
    uint64_t table = (uint64_t)img->eh.e_phnum * sizeof(Elf64_Phdr);
    if (img->eh.e_phoff + table > img->head_len) { /* beyond the first page: read it */
      if (read_at(img->fd, phdr_copy, table, img->base + img->eh.e_phoff) != (long)table)
        return REFUSE("%s: cannot read its program headers", img->path);
      img->ph = phdr_copy;
    }
  }
  return launch_elf_check(img, err);
}

int launch_elf_open(const char *path, struct launch_image *img, vaoci_error_t *err) {
  img->path = path;
  img->ph = 0;
  img->base = 0;
  long fd = vaoci_sys_openat(LAUNCH_AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (fd == -2 || fd == -20) /* ENOENT, ENOTDIR */
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, (int)-fd, "%s: not found", path);
  if (vaoci_sys_failed(fd))
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, (int)-fd, "%s: cannot open", path);
  img->fd = (int)fd;
  int r = check_file(img, err);
  return r < 0 ? r : read_headers(img, err);
}

/* launch_elf_open_embedded takes an ELF inside an open file (the bundle's
 * emulator): size bytes at base. The file itself passed check_file when the
 * kernel ran it as our interpreter. */
int launch_elf_open_embedded(int fd, uint64_t base, uint64_t size, const char *name, struct launch_image *img,
                             vaoci_error_t *err) {
  img->path = name;
  img->ph = 0;
  img->fd = fd;
  img->base = base;
  img->file_size = size;
  return read_headers(img, err);
}

int launch_elf_fits(const struct launch_image *img, const struct vaoci_window *w, uint64_t floor, vaoci_error_t *err) {
  char text[VAOCI_WINDOW_TEXT_MAX];
  if (w)
    vaoci_window_format(w, text, sizeof text);
  if (img->pie) {
    uint64_t low = w && w->lower > floor ? w->lower : floor;
    if (w && !vaoci_window_wraps(w) && img->hi - img->lo + img->align > w->upper - low)
      return REFUSE("%s: its image (0x%lx bytes) does not fit the window %s", img->path,
                    (unsigned long)(img->hi - img->lo), text);
    return 0;
  }
  for (unsigned i = 0; i < img->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &img->ph[i];
    if (p->p_type != PT_LOAD || p->p_memsz == 0)
      continue;
    uint64_t s = launch_page_down(p->p_vaddr, img->page), e = launch_page_up(p->p_vaddr + p->p_memsz, img->page);
    if (s < floor)
      return REFUSE("%s: its segment 0x%lx-0x%lx lies below the lowest mappable address 0x%lx", img->path,
                    (unsigned long)s, (unsigned long)e, (unsigned long)floor);
    if (w && !vaoci_window_contains(w, s, e))
      return REFUSE("%s: its segment 0x%lx-0x%lx is outside the window %s", img->path, (unsigned long)s,
                    (unsigned long)e, text);
  }
  return 0;
}
