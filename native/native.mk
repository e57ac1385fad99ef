# native/: the reserver library, the preload, the static tool and their tests,
# built for x86_64 (here) and aarch64 (cross) into build/<arch>/.

NATIVE_ARCHES := x86_64 aarch64
CC_x86_64 := gcc
CC_aarch64 := aarch64-linux-gnu-gcc
AR_x86_64 := ar
AR_aarch64 := aarch64-linux-gnu-ar

NATIVE_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Inative/include -Ibuild/gen -fno-strict-aliasing
# The preload is loaded into arbitrary programs: no libc, no stack protector
# (it would call libc), no compiler-invented memset loops calling themselves.
PRELOAD_CFLAGS := $(NATIVE_CFLAGS) -DVAOCI_PRELOAD -fPIC -fvisibility=hidden -ffreestanding -fno-stack-protector \
                  -fno-tree-loop-distribute-patterns
# hot.ld puts the records every run writes first in .bss (native/src/hot.h:
# each page written first is a fault, ~2 us in a VM). Every program linked
# with it is linked to $@.tmp and moved in place only once check-hot.sh has
# seen the script take effect.
HOT_LD := native/src/hot.ld
HOT_LDFLAGS := -Wl,-T,$(HOT_LD)
HOT_CHECKED_MV = @native/check-hot.sh $@.tmp || { rm -f $@.tmp; exit 1; }; mv $@.tmp $@
# Two segments, not four, and no RELRO: ld.so maps each PT_LOAD with a call
# of its own and write-protects RELRO with one more, ~18 us of the ~95 the
# preload adds to a dynamic /bin/true here (4 000 interleaved spawns each).
# What RELRO would guard (the GOT's environ and getauxval, the string tables)
# is read only by the constructor, which has run before the program can
# write anything; the preload has no other code the program could enter.
PRELOAD_LDFLAGS := -shared -nostdlib -Wl,-z,now -Wl,-z,noexecstack -Wl,--hash-style=both \
                   -Wl,-z,noseparate-code -Wl,-z,norelro $(HOT_LDFLAGS)

LIB_SRCS := $(sort $(wildcard native/src/*.c))
# Range allocation and verification are not needed inside every process.
# floor.c is make bench's floor row: only in libvaoci-bench-floor.so, the
# preload built again with -DVAOCI_BENCH_FLOOR (never installed).
PRELOAD_LIB_SRCS := $(filter-out native/src/alloc%.c native/src/verify.c native/src/launch_conf.c native/src/elf.c native/src/floor.c,$(LIB_SRCS))
PRELOAD_SRCS := native/preload/preload.c native/preload/freestanding.c
# vaoci-overlay-marks (the unpacker's whiteout writer) is its own program;
# its test links overlay_marks.o alone.
OVERLAY_MARKS_SRCS := native/tool/overlay_marks.c native/tool/overlay_marks_main.c
TOOL_SRCS := $(filter-out $(OVERLAY_MARKS_SRCS),$(sort $(wildcard native/tool/*.c)))
# vaoci's version (vaoci/version.h), generated from package.json; rewritten
# only when the version changed, so a touched package.json recompiles nothing.
VERSION_H := build/gen/vaoci_version.h
NATIVE_HDRS := $(wildcard native/include/vaoci/*.h native/src/*.h native/tool/*.h native/tests/*.h) $(VERSION_H)
# The flags are in this file: every object and link below depends on it, so
# a changed flag rebuilds what it built (a link's inputs filter out %.mk).
NATIVE_MK := native/native.mk

$(VERSION_H): package.json native/version-gen.mjs
	@mkdir -p $(@D)
	@node native/version-gen.mjs $@
TEST_SRCS := $(sort $(wildcard native/tests/test_*.c))
TEST_NAMES := $(patsubst native/tests/%.c,%,$(TEST_SRCS))

define native_arch
build/$(1)/obj/lib/%.o: native/src/%.c $(NATIVE_HDRS) $(NATIVE_MK)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(NATIVE_CFLAGS) -c $$< -o $$@

build/$(1)/obj/pic/%.o: native/%.c $(NATIVE_HDRS) $(NATIVE_MK)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(PRELOAD_CFLAGS) -c $$< -o $$@

build/$(1)/obj/pic-floor/preload.o: native/preload/preload.c $(NATIVE_HDRS) $(NATIVE_MK)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(PRELOAD_CFLAGS) -DVAOCI_BENCH_FLOOR -c $$< -o $$@

build/$(1)/obj/tool/%.o: native/tool/%.c $(NATIVE_HDRS) $(NATIVE_MK)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(NATIVE_CFLAGS) -c $$< -o $$@

build/$(1)/obj/tests/%.o: native/tests/%.c $(NATIVE_HDRS) $(NATIVE_MK)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(NATIVE_CFLAGS) -Inative/src -c $$< -o $$@

build/$(1)/libvaoci.a: $(patsubst native/src/%.c,build/$(1)/obj/lib/%.o,$(LIB_SRCS))
	@rm -f $$@
	$(AR_$(1)) rcs $$@ $$^

build/$(1)/libvaoci-preload.so: $(patsubst native/%.c,build/$(1)/obj/pic/%.o,$(PRELOAD_LIB_SRCS) $(PRELOAD_SRCS)) $(HOT_LD) $(NATIVE_MK)
	$(CC_$(1)) $(PRELOAD_CFLAGS) $(PRELOAD_LDFLAGS) -o $$@.tmp $$(filter-out %.ld %.mk,$$^) -lgcc
	$$(HOT_CHECKED_MV)

build/$(1)/libvaoci-bench-floor.so: $(patsubst native/%.c,build/$(1)/obj/pic/%.o,$(PRELOAD_LIB_SRCS) native/src/floor.c native/preload/freestanding.c) build/$(1)/obj/pic-floor/preload.o $(HOT_LD) $(NATIVE_MK)
	$(CC_$(1)) $(PRELOAD_CFLAGS) $(PRELOAD_LDFLAGS) -o $$@.tmp $$(filter-out %.ld %.mk,$$^) -lgcc
	$$(HOT_CHECKED_MV)

build/$(1)/vaoci-reserve: $(patsubst native/tool/%.c,build/$(1)/obj/tool/%.o,$(TOOL_SRCS)) build/$(1)/libvaoci.a $(HOT_LD) $(NATIVE_MK)
	$(CC_$(1)) -static $(HOT_LDFLAGS) -o $$@.tmp $$(filter-out %.ld %.mk,$$^)
	$$(HOT_CHECKED_MV)

build/$(1)/vaoci-overlay-marks: $(patsubst native/tool/%.c,build/$(1)/obj/tool/%.o,$(OVERLAY_MARKS_SRCS)) build/$(1)/libvaoci.a
	$(CC_$(1)) -static -o $$@ $$^

build/$(1)/tests/%: build/$(1)/obj/tests/%.o build/$(1)/libvaoci.a
	@mkdir -p $$(@D)
	$(CC_$(1)) -static -o $$@ $$^

build/$(1)/tests/test_overlay_marks: build/$(1)/obj/tests/test_overlay_marks.o build/$(1)/obj/tool/overlay_marks.o build/$(1)/libvaoci.a
	@mkdir -p $$(@D)
	$(CC_$(1)) -static -o $$@ $$^

native-$(1): build/$(1)/vaoci-reserve build/$(1)/vaoci-overlay-marks build/$(1)/libvaoci-preload.so build/$(1)/libvaoci-bench-floor.so $(addprefix build/$(1)/tests/,$(TEST_NAMES))
endef

$(foreach a,$(NATIVE_ARCHES),$(eval $(call native_arch,$(a))))

.PHONY: native-x86_64 native-aarch64

# vaoci-launch (native/launch/): freestanding and static-pie. No libc start-up
# leaves state (TLS, rseq, a heap) behind for the program it loads, and being
# position-independent it never sits at 0x400000, where static programs go.
# Links libvaoci.a and the preload's memory routines. -z norelro: no loader
# would apply RELRO, and without it .data follows the relocated data in the
# same page; -z noseparate-code: the kernel maps two segments at exec, not
# four (~10 us of a launch here); hot.ld as for the preload (HOT_LDFLAGS).
LAUNCH_CFLAGS := $(NATIVE_CFLAGS) -fPIE -fvisibility=hidden -ffreestanding -fno-stack-protector \
                 -fno-tree-loop-distribute-patterns
LAUNCH_LDFLAGS := -static-pie -nostdlib -Wl,-z,noexecstack -Wl,-z,text -Wl,-z,norelro -Wl,-z,noseparate-code \
                  $(HOT_LDFLAGS)
LAUNCH_SRCS := $(sort $(wildcard native/launch/*.c))
LAUNCH_HDRS := $(wildcard native/launch/*.h)
# The parts its unit test links (everything but _start, the jump and main).
LAUNCH_UNIT := args binfmt elf stack

define launch_arch
build/$(1)/obj/launch/%.o: native/launch/%.c $(NATIVE_HDRS) $(LAUNCH_HDRS) $(NATIVE_MK)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(LAUNCH_CFLAGS) -c $$< -o $$@

build/$(1)/obj/launch/freestanding.o: native/preload/freestanding.c $(NATIVE_MK)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(LAUNCH_CFLAGS) -c $$< -o $$@

# The launcher relocates itself and knows only R_*_RELATIVE: refuse any other.
build/$(1)/vaoci-launch: $(patsubst native/launch/%.c,build/$(1)/obj/launch/%.o,$(LAUNCH_SRCS)) \
                         build/$(1)/obj/launch/freestanding.o build/$(1)/libvaoci.a $(HOT_LD) $(NATIVE_MK)
	$(CC_$(1)) $(LAUNCH_LDFLAGS) -o $$@.tmp $$(filter-out %.ld %.mk,$$^) -lgcc
	@if readelf -rW $$@.tmp | grep -E '^[0-9a-f]+ ' | grep -v RELATIVE; then \
	  echo "vaoci-launch: relocations other than R_*_RELATIVE" >&2; rm -f $$@.tmp; exit 1; fi
	$$(HOT_CHECKED_MV)

# Registered as a binfmt_misc interpreter, the launcher goes by this name.
build/$(1)/vaoci-binfmt: build/$(1)/vaoci-launch
	ln -sf vaoci-launch $$@

build/$(1)/obj/tests/test_launch.o: $(LAUNCH_HDRS)

build/$(1)/tests/test_launch: build/$(1)/obj/tests/test_launch.o \
                              $(patsubst %,build/$(1)/obj/launch/%.o,$(LAUNCH_UNIT)) build/$(1)/libvaoci.a
	@mkdir -p $$(@D)
	$(CC_$(1)) -static -o $$@ $$^

native-$(1): build/$(1)/vaoci-launch build/$(1)/vaoci-binfmt
endef

$(foreach a,$(NATIVE_ARCHES),$(eval $(call launch_arch,$(a))))
