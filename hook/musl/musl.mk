# vaoci-runtime and vaoci-hook for x86_64, linked statically against musl
# instead of glibc. Static glibc's start-up runs CPUID 43 times, each an exit to
# the hypervisor on a VM (3.6 us here): ~0.3 ms of every run of each program,
# and a container with a vaoci annotation runs both (docs/benchmarks.md, per
# container). musl's start-up runs none. aarch64 keeps glibc (hook/hook.mk):
# arm64 has no CPUID to trap, and Debian 12 ships no musl cross compiler.
#
# jansson is built from Debian's own source (the orig tarball of the
# libjansson-dev the glibc builds link, checked against the sha256 in its .dsc)
# with musl-gcc, into build/x86_64-musl/. The hook's unit tests and
# vaoci-nri's cgo link keep the glibc objects of hook/hook.mk.

MUSL_CC := musl-gcc
MUSL_BUILD := build/x86_64-musl
JANSSON_VERSION := 2.14
JANSSON_URL := http://deb.debian.org/debian/pool/main/j/jansson/jansson_$(JANSSON_VERSION).orig.tar.gz
JANSSON_SHA256 := c739578bf6b764aa0752db9a2fdadcfe921c78f1228c7ec0bb47fa804c55d17b
JANSSON_TARBALL := build/dl/jansson_$(JANSSON_VERSION).orig.tar.gz
JANSSON_DIR := $(MUSL_BUILD)/jansson-$(JANSSON_VERSION)
JANSSON_NAMES := dump error hashtable hashtable_seed load memory pack_unpack strbuffer strconv utf value version
JANSSON_CONFIG := $(wildcard hook/musl/jansson/*.h)
# musl-gcc searches only musl's headers; the kernel's UAPI ones (linux/openat2.h)
# come from the machine's linux-libc-dev through this directory.
MUSL_UAPI := $(MUSL_BUILD)/uapi
# jansson.h from the tarball, its two configuration headers from hook/musl/jansson.
JANSSON_INCLUDES := -Ihook/musl/jansson -I$(JANSSON_DIR)/src
MUSL_CFLAGS := $(HOOKX_CFLAGS) -isystem $(MUSL_UAPI) $(JANSSON_INCLUDES)
# This file's flags join hook.mk's (HOOK_MK): every musl object depends on it too.
MUSL_MK := hook/musl/musl.mk

# build/dl survives nothing but `make clean`; a failed or altered download
# leaves no file behind.
$(JANSSON_TARBALL):
	@mkdir -p $(@D)
	curl -fsSL --retry 3 -o $@.tmp $(JANSSON_URL)
	@echo "$(JANSSON_SHA256)  $@.tmp" | sha256sum -c --quiet - >/dev/null 2>&1 || \
	  { rm -f $@.tmp; echo "$(JANSSON_URL): not the sha256 $(JANSSON_SHA256) hook/musl/musl.mk expects" >&2; exit 1; }
	@mv $@.tmp $@

$(JANSSON_DIR)/.unpacked: $(JANSSON_TARBALL)
	@rm -rf $(JANSSON_DIR) && mkdir -p $(MUSL_BUILD)
	tar -xzf $< -C $(MUSL_BUILD) jansson-$(JANSSON_VERSION)/src
	@touch $@

$(MUSL_UAPI)/.linked:
	@mkdir -p $(@D)
	ln -sfn /usr/include/linux $(MUSL_UAPI)/linux
	ln -sfn /usr/include/asm-generic $(MUSL_UAPI)/asm-generic
	ln -sfn /usr/include/x86_64-linux-gnu/asm $(MUSL_UAPI)/asm
	@touch $@

$(MUSL_BUILD)/obj/jansson/%.o: $(JANSSON_DIR)/.unpacked $(JANSSON_CONFIG) $(MUSL_MK)
	@mkdir -p $(@D)
	$(MUSL_CC) -O2 -g -DHAVE_CONFIG_H $(JANSSON_INCLUDES) -c $(JANSSON_DIR)/src/$*.c -o $@

$(MUSL_BUILD)/libjansson.a: $(patsubst %,$(MUSL_BUILD)/obj/jansson/%.o,$(JANSSON_NAMES))
	@rm -f $@
	$(AR_x86_64) rcs $@ $^

# native/src and hook/ sources, each compiled as for glibc (HOOKX_CFLAGS).
$(MUSL_BUILD)/obj/%.o: %.c $(HOOK_HDRS) $(HOOK_MK) $(MUSL_MK) build/policy-gen.ok $(MUSL_UAPI)/.linked $(JANSSON_DIR)/.unpacked $(JANSSON_CONFIG)
	@mkdir -p $(@D)
	$(MUSL_CC) $(MUSL_CFLAGS) -c $< -o $@

MUSL_SHARED_OBJS := $(patsubst %.c,$(MUSL_BUILD)/obj/%.o,$(LIB_SRCS) $(HOOK_POLICY_SRCS) $(HOOK_COMMON_SRCS))

$(MUSL_BUILD)/libvaoci-hookshared.a: $(MUSL_SHARED_OBJS)
	@rm -f $@
	$(AR_x86_64) rcs $@ $^

# vaoci-runtime takes runtime_alloc.c's allocator in place of musl's (why: its header).
RUNTIME_ALLOC := $(MUSL_BUILD)/obj/hook/musl/runtime_alloc.o

# The programs linked statically against musl, each from its prerequisites below.
MUSL_PROGRAMS := build/x86_64/vaoci-runtime build/x86_64/vaoci-hook build/x86_64/hook-tests/test_runtime_alloc
$(MUSL_PROGRAMS):
	@mkdir -p $(@D)
	$(MUSL_CC) -static -o $@ $^

build/x86_64/vaoci-runtime: $(patsubst %.c,$(MUSL_BUILD)/obj/%.o,$(HOOK_RUNTIME_SRCS)) $(RUNTIME_ALLOC) $(MUSL_BUILD)/libvaoci-hookshared.a $(MUSL_BUILD)/libjansson.a
build/x86_64/vaoci-hook: $(patsubst %.c,$(MUSL_BUILD)/obj/%.o,$(HOOK_OCIHOOK_SRCS)) $(MUSL_BUILD)/libvaoci-hookshared.a $(MUSL_BUILD)/libjansson.a
# runtime_alloc.c's test, run by make test-native with the hook's other tests.
build/x86_64/hook-tests/test_runtime_alloc: $(MUSL_BUILD)/obj/hook/musl/test_runtime_alloc.o $(RUNTIME_ALLOC) $(MUSL_BUILD)/libjansson.a

hook-x86_64: build/x86_64/hook-tests/test_runtime_alloc
