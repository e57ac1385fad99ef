# native/: the reserver library, the preload, the static tool and their tests,
# built for x86_64 (here) and aarch64 (cross) into build/<arch>/.

NATIVE_ARCHES := x86_64 aarch64
CC_x86_64 := gcc
CC_aarch64 := aarch64-linux-gnu-gcc
AR_x86_64 := ar
AR_aarch64 := aarch64-linux-gnu-ar

NATIVE_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Inative/include -fno-strict-aliasing
# The preload is loaded into arbitrary programs: no libc, no stack protector
# (it would call libc), no compiler-invented memset loops calling themselves.
PRELOAD_CFLAGS := $(NATIVE_CFLAGS) -DVAOCI_PRELOAD -fPIC -fvisibility=hidden -ffreestanding -fno-stack-protector \
                  -fno-tree-loop-distribute-patterns
PRELOAD_LDFLAGS := -shared -nostdlib -Wl,-z,now -Wl,-z,noexecstack -Wl,--hash-style=both

LIB_SRCS := $(sort $(wildcard native/src/*.c))
# Range allocation and verification are not needed inside every process.
PRELOAD_LIB_SRCS := $(filter-out native/src/alloc%.c native/src/verify.c,$(LIB_SRCS))
PRELOAD_SRCS := native/preload/preload.c native/preload/freestanding.c
TOOL_SRCS := $(sort $(wildcard native/tool/*.c))
NATIVE_HDRS := $(wildcard native/include/vaoci/*.h native/src/*.h native/tool/*.h native/tests/*.h)
TEST_SRCS := $(sort $(wildcard native/tests/test_*.c))
TEST_NAMES := $(patsubst native/tests/%.c,%,$(TEST_SRCS))

define native_arch
build/$(1)/obj/lib/%.o: native/src/%.c $(NATIVE_HDRS)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(NATIVE_CFLAGS) -c $$< -o $$@

build/$(1)/obj/pic/%.o: native/%.c $(NATIVE_HDRS)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(PRELOAD_CFLAGS) -c $$< -o $$@

build/$(1)/obj/tool/%.o: native/tool/%.c $(NATIVE_HDRS)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(NATIVE_CFLAGS) -c $$< -o $$@

build/$(1)/obj/tests/%.o: native/tests/%.c $(NATIVE_HDRS)
	@mkdir -p $$(@D)
	$(CC_$(1)) $(NATIVE_CFLAGS) -Inative/src -c $$< -o $$@

build/$(1)/libvaoci.a: $(patsubst native/src/%.c,build/$(1)/obj/lib/%.o,$(LIB_SRCS))
	@rm -f $$@
	$(AR_$(1)) rcs $$@ $$^

build/$(1)/libvaoci-preload.so: $(patsubst native/%.c,build/$(1)/obj/pic/%.o,$(PRELOAD_LIB_SRCS) $(PRELOAD_SRCS))
	$(CC_$(1)) $(PRELOAD_CFLAGS) $(PRELOAD_LDFLAGS) -o $$@ $$^ -lgcc

build/$(1)/vaoci-reserve: $(patsubst native/tool/%.c,build/$(1)/obj/tool/%.o,$(TOOL_SRCS)) build/$(1)/libvaoci.a
	$(CC_$(1)) -static -o $$@ $$^

build/$(1)/tests/%: build/$(1)/obj/tests/%.o build/$(1)/libvaoci.a
	@mkdir -p $$(@D)
	$(CC_$(1)) -static -o $$@ $$^

native-$(1): build/$(1)/vaoci-reserve build/$(1)/libvaoci-preload.so $(addprefix build/$(1)/tests/,$(TEST_NAMES))
endef

$(foreach a,$(NATIVE_ARCHES),$(eval $(call native_arch,$(a))))

.PHONY: native-x86_64 native-aarch64
