# hook/: the C side of the policy contract (hook/policy/), what the wrapper
# and the hook share (hook/common/: detection, config.json I/O, modifiers),
# the runtime wrapper (hook/runtime/ → vaoci-runtime), the OCI hook
# (hook/ocihook/ → vaoci-hook) and their tests, built for x86_64 and aarch64
# into build/<arch>/ like native/. Needs native.mk first (compilers,
# NATIVE_CFLAGS, libvaoci.a) and jansson (libjansson-dev,
# libjansson-dev:arm64), linked statically. The two programs of the arches in
# HOOK_MUSL_ARCHES are linked against musl instead (hook/musl/musl.mk).

POLICY_GEN_OUT := hook/policy/policy_gen.h cli/src/lib/policy/grammar.gen.ts
POLICY_GEN_IN := schemas/annotations.schema.json schemas/node-config.schema.json schemas/policy.schema.json \
                 schemas/gen/policy-messages.json schemas/gen/cri-sandbox.json schemas/gen/policy-gen.mjs
HOOK_CFLAGS := $(NATIVE_CFLAGS) -Ihook/policy -Ihook/common
# Paths and lines are cut on purpose (snprintf into fixed buffers).
HOOKX_CFLAGS := $(HOOK_CFLAGS) -Ihook/runtime -Ihook/ocihook -Wno-format-truncation
HOOK_POLICY_SRCS := $(sort $(wildcard hook/policy/*.c))
HOOK_COMMON_SRCS := $(sort $(wildcard hook/common/*.c))
HOOK_RUNTIME_SRCS := $(sort $(wildcard hook/runtime/*.c))
HOOK_OCIHOOK_SRCS := $(sort $(wildcard hook/ocihook/*.c))
HOOK_MUSL_ARCHES := x86_64
HOOK_TEST_NAMES := $(patsubst hook/tests/%.c,%,$(sort $(wildcard hook/tests/test_*.c)))
HOOK_HDRS := $(wildcard hook/policy/*.h hook/common/*.h hook/runtime/*.h hook/ocihook/*.h) $(NATIVE_HDRS)
# The compile flags are NATIVE_CFLAGS (native.mk) and this file's: every hook
# object depends on both, so a changed flag rebuilds what it built, as
# native.mk's objects do. The links take no flags but -static.
HOOK_MK := $(NATIVE_MK) hook/hook.mk

# The generated tables must be what the schemas say: regenerate into a
# temporary directory and diff; a stale committed file fails the build.
build/policy-gen.ok: $(POLICY_GEN_IN) $(POLICY_GEN_OUT)
	@mkdir -p $(@D)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && node schemas/gen/policy-gen.mjs --out "$$tmp" && \
	  for f in $(POLICY_GEN_OUT); do diff -u "$$f" "$$tmp/$$f" || \
	    { echo "$$f is stale: run \`make policy-gen\` and commit it" >&2; exit 1; }; done
	@touch $@

# policy-gen rewrites the generated tables from the schemas.
policy-gen:
	node schemas/gen/policy-gen.mjs

define hook_arch
build/$(1)/obj/hook/%.o: hook/policy/%.c $(HOOK_HDRS) $(HOOK_MK) build/policy-gen.ok
	@mkdir -p $$(@D)
	$(CC_$(1)) $(HOOK_CFLAGS) -c $$< -o $$@

build/$(1)/obj/hook-tests/%.o: hook/tests/%.c $(HOOK_HDRS) $(HOOK_MK) build/policy-gen.ok
	@mkdir -p $$(@D)
	$(CC_$(1)) $(HOOKX_CFLAGS) -c $$< -o $$@

build/$(1)/libvaoci-policy.a: $(patsubst hook/policy/%.c,build/$(1)/obj/hook/%.o,$(HOOK_POLICY_SRCS))
	@rm -f $$@
	$(AR_$(1)) rcs $$@ $$^

build/$(1)/obj/hookx/%.o: hook/%.c $(HOOK_HDRS) $(HOOK_MK) build/policy-gen.ok
	@mkdir -p $$(@D)
	$(CC_$(1)) $(HOOKX_CFLAGS) -c $$< -o $$@

build/$(1)/libvaoci-hookcommon.a: $(patsubst hook/%.c,build/$(1)/obj/hookx/%.o,$(HOOK_COMMON_SRCS))
	@rm -f $$@
	$(AR_$(1)) rcs $$@ $$^

HOOK_LIBS_$(1) := build/$(1)/libvaoci-hookcommon.a build/$(1)/libvaoci-policy.a build/$(1)/libvaoci.a

# The hook's stages without its main, for vaoci-nri: it verifies on NRI's
# PostStartContainer with the hook's own code (settle.c, report.c).
build/$(1)/libvaoci-hookstages.a: $(filter-out build/$(1)/obj/hookx/ocihook/main.o,$(patsubst hook/%.c,build/$(1)/obj/hookx/%.o,$(HOOK_OCIHOOK_SRCS)))
	@rm -f $$@
	$(AR_$(1)) rcs $$@ $$^

ifeq ($(filter $(1),$(HOOK_MUSL_ARCHES)),)
build/$(1)/vaoci-runtime: $(patsubst hook/%.c,build/$(1)/obj/hookx/%.o,$(HOOK_RUNTIME_SRCS)) $$(HOOK_LIBS_$(1))
	$(CC_$(1)) -static -o $$@ $$^ -ljansson

build/$(1)/vaoci-hook: $(patsubst hook/%.c,build/$(1)/obj/hookx/%.o,$(HOOK_OCIHOOK_SRCS)) $$(HOOK_LIBS_$(1))
	$(CC_$(1)) -static -o $$@ $$^ -ljansson
endif

build/$(1)/hook-tests/%: build/$(1)/obj/hook-tests/%.o $(filter-out build/$(1)/obj/hookx/runtime/main.o,$(patsubst hook/%.c,build/$(1)/obj/hookx/%.o,$(HOOK_RUNTIME_SRCS))) $$(HOOK_LIBS_$(1))
	@mkdir -p $$(@D)
	$(CC_$(1)) -static -o $$@ $$^ -ljansson

hook-$(1): build/$(1)/libvaoci-policy.a build/$(1)/libvaoci-hookstages.a build/$(1)/vaoci-runtime build/$(1)/vaoci-hook \
           $(addprefix build/$(1)/hook-tests/,$(HOOK_TEST_NAMES))
endef

$(foreach a,$(NATIVE_ARCHES),$(eval $(call hook_arch,$(a))))

.PHONY: policy-gen hook-x86_64 hook-aarch64
