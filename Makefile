# vaoci: `make demo` runs the main job on the built-in demo, `make test` passes
# every test; both install what they need first (apt packages, npm ci).

SHELL := /bin/bash
.DEFAULT_GOAL := build

# Node.js 22 LTS (.ci/install-node: the image's pin) first on PATH for every
# recipe; until it is installed the machine's node runs them.
HOST_NODE := build/host-node/bin/node
export PATH := $(CURDIR)/build/host-node/bin:$(PATH)

include native/native.mk
include hook/hook.mk
include hook/musl/musl.mk
include cli/image.mk
include charts/chart.mk

.SECONDARY:

.PHONY: deps build cli demo demo-arm64 tools fuzz reliability lint check test test-unit test-native test-sanitize test-reliability test-preload test-launch test-k8s test-node test-arm64 test-ts test-hook bench bench-native bench-process bench-cli bench-hook bench-launch clean nri test-nri test-crio

deps: $(HOST_NODE)
	@.ci/install-deps

$(HOST_NODE): cli/image/node.json cli/image/fetch.mjs .ci/install-node
	@.ci/install-node

build: native-x86_64 native-aarch64 hook-x86_64 hook-aarch64 nri cli demo-image

# The vaoci CLI: TypeScript to build/ts, then oclif.manifest.json, the schemas'
# validators precompiled (cli/src/lib/startup/validators.ts) and the commands that
# start without oclif bundled (cli/src/lean/bundle.ts); leaves bin/vaoci runnable.
cli:
	@rm -rf build/ts/cli && npm run -s build && npm run -s manifest && npm run -s validators && npm run -s lean

demo: deps build
	@test/demo.sh

# Every linter and formatter check, each timed (test/lint.sh: shellcheck,
# clang-format, eslint, prettier; `test/lint.sh --fix` applies the formatters).
lint: $(HOST_NODE)
	@test/lint.sh

# The fast lane, under two minutes, as any user: the C unit tests (both policy
# resolvers on schemas/vectors among them) and jest's unit project — no root, no
# build/tools, no runtime, no registry (jest.config.js says which tests are
# system tests; test/ts/support/unit-guard.ts keeps the rest honest). Needs
# only the C build of this host and the CLI's TypeScript, built here.
CHECK_LANES := test-native test-unit

check: $(HOST_NODE)
	@LANES_TITLE='make check' test/lanes.sh $(CHECK_LANES)

test-unit: native-x86_64 hook-x86_64 cli
	@npx jest --selectProjects unit

# Every lane, each timed (test/lanes.sh prints a table of lanes and seconds at
# the end and fails if any lane failed; every lane runs even after a failure):
# make check's lanes, then the system lanes (sanitizers, real programs, runtimes,
# the cluster, the arm64 VM).
TEST_LANES := $(CHECK_LANES) test-sanitize test-preload test-launch test-ts test-hook test-reliability test-k8s test-node test-nri test-crio test-arm64

test: deps build
	@test/lanes.sh $(TEST_LANES)

test-native: native-x86_64 hook-x86_64
	@test/run-native-tests.sh build/x86_64/tests
	@test/run-native-tests.sh build/x86_64/hook-tests

# The C tests again under AddressSanitizer, LeakSanitizer and UBSan (test/sanitize.sh says which where).
test-sanitize: build/policy-gen.ok
	@test/sanitize.sh

test-preload: native-x86_64
	@test/preload/run.sh

# vaoci-launch with real programs and real binfmt_misc (root); the aarch64
# build is one of the programs it must refuse. Its bundles are written by the
# CLI's own code (build/ts, from make build).
test-launch: native-x86_64 native-aarch64
	@test/launch/run.sh

# The tools some tests run, built once into build/tools from the Go module proxy:
# helm, the Kubernetes components (with Debian's etcd), containerd 2.2.1 and its
# shim and ctr, crictl. Cold, on a busy 2-core machine: kube-apiserver 19 min, the
# other four 8 min, containerd 7 min, the rest 2 min; seconds once built.
tools:
	@.ci/install-helm
	@.ci/install-kube kube-apiserver kube-controller-manager kube-scheduler kubelet kubectl
	@.ci/install-containerd2
	@.ci/install-node-tools

# jest's system project (make check runs the unit one): root, build/tools, runtimes.
test-ts: build tools
	@npx jest --selectProjects system

# The runtime wrapper and the OCI hook with runc, crun and podman (root).
test-hook: build
	@test/hook/run.sh

# Node agent and admission webhook against a real kube-apiserver with etcd,
# built from source once into build/tools (~10 min on a clean machine).
test-k8s: build tools
	@test/k8s/smoke.sh
	@test/k8s/vaoci.sh

# A real single-node cluster (issue 15): etcd, kube-apiserver, controller-manager,
# scheduler, kubelet and containerd (Debian's 1.6, then 2.2.1) in their own mount and
# network namespace (test/node/cluster.sh); on each a busybox pod, then the chart
# from make image: helm install, annotated pods holding their windows, helm test,
# upgrade, uninstall (test/node/chart.sh). Root.
test-node: build image tools
	@test/node/run.sh

# NRI plugin (issue 16): vaoci-nri, Go around containerd/nri's stub, with
# cgo linking the wrapper's C resolver and modifiers (the hook's static
# libraries), static, for each arch whose C cross compiler cgo can use.
NRI_SRCS := $(wildcard nri/*.go nri/*.c nri/*.h) nri/go.mod nri/go.sum
NRI_GOARCH_x86_64 := amd64
NRI_GOARCH_aarch64 := arm64
define nri_arch
build/$(1)/vaoci-nri: $(NRI_SRCS) build/$(1)/libvaoci-hookstages.a build/$(1)/libvaoci-hookcommon.a build/$(1)/libvaoci-policy.a build/$(1)/libvaoci.a
	cd nri && CGO_ENABLED=1 GOOS=linux GOARCH=$(NRI_GOARCH_$(1)) CC=$(CC_$(1)) CGO_LDFLAGS="-L$(CURDIR)/build/$(1)" \
	  go build -mod=mod -trimpath -tags netgo,osusergo -ldflags '-s -w -linkmode external -extldflags -static' -o $(CURDIR)/$$@ .
endef
$(foreach a,$(NATIVE_ARCHES),$(eval $(call nri_arch,$(a))))

nri: build/x86_64/vaoci-nri build/aarch64/vaoci-nri

# vaoci-nri's go tests as one static aarch64 binary: test-arm64 runs it in the
# VM on every kernel of the matrix (test/arm64/native-suite.sh).
build/aarch64/vaoci-nri.test: $(NRI_SRCS) build/aarch64/libvaoci-hookstages.a build/aarch64/libvaoci-hookcommon.a build/aarch64/libvaoci-policy.a build/aarch64/libvaoci.a
	cd nri && CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=$(CC_aarch64) CGO_LDFLAGS="-L$(CURDIR)/build/aarch64" \
	  go test -c -mod=mod -trimpath -tags netgo,osusergo -ldflags '-linkmode external -extldflags -static' -o $(CURDIR)/$@ .

# test-nri's CRI client for the bench (pure Go).
build/x86_64/vaoci-nri-bench: $(wildcard nri/bench/*.go) nri/go.mod nri/go.sum
	cd nri && CGO_ENABLED=0 go build -mod=mod -trimpath -o $(CURDIR)/$@ ./bench

# The NRI plugin on containerd 2.2.1 (build/tools) with NRI on, through CRI:
# the Pod matrix and the faults; NRI_BENCH=N adds the side-by-side bench
# (N containers per variant: bare, the wrapper, NRI).
test-nri: nri build/x86_64/vaoci-nri-bench native-x86_64 hook-x86_64 tools
	cd nri && CGO_LDFLAGS="-L$(CURDIR)/build/x86_64" go test -mod=mod -count=1 .
	@NRI_BENCH=$${NRI_BENCH:-0} test/nri/run.sh

# The NRI plugin on CRI-O v1.34.0 (crio and pinns built by .ci/install-crio
# from the module proxy; Debian's conmon, runc and CNI plugins) with NRI on:
# the Pod matrix through crictl (test/nri/crio.sh).
test-crio: nri native-x86_64 hook-x86_64 tools
	@.ci/install-crio
	@test/nri/crio.sh

# Reliability (issue 7): 50 containers at once, each with its own window;
# the node letting the wrapper and hook down (runtime or preload missing, disk full, /run read-only,
# RLIMIT_AS, vm.max_map_count, a hook timeout, a read-only rootfs); the symlink corpus through the
# unpacker, the wrapper and the hook; the node installer killed after every step, out of disk,
# racing itself, upgraded (issue 20: containerd 2.2.1 from tools); the C parsers under
# libFuzzer, 10 s each.
test-reliability: build tools
	@test/reliability/concurrency.sh
	@test/reliability/faults.sh
	@test/reliability/corpus/run.sh
	@test/reliability/installer.sh
	@test/fuzz/run.sh 10

# The reliability figures in one table (fuzzing FUZZ_SECONDS per target, default 60).
reliability: build tools
	@test/reliability/report.sh

# The fuzz targets for longer (FUZZ_SECONDS each, default 300).
fuzz: build/policy-gen.ok
	@test/fuzz/run.sh $${FUZZ_SECONDS:-300}

# The aarch64 build on each kernel of the arm64 matrix (Debian 12's 6.1,
# Debian 13's 6.12 with 4K and with 16K pages: test/arm64/kernel.sh): the
# native suite, vaoci-launch, x86-64 containers under crun and vaoci's wrapper,
# the emulators (qemu 7.2 and 10, box64) running real x86-64 programs, and
# (on 6.12) `vaoci run` of x86 images from vaoci's own arm64 image (downloads
# the kernels and arm64 debs once). ARM64_KERNELS="6.12" narrows it.
test-arm64: native-aarch64 hook-aarch64 build/aarch64/vaoci-nri.test image demo-image
	@test/arm64/matrix.sh $(ARM64_KERNELS)

# `vaoci run` where it is meant to run: an arm64 host (Debian 13's 6.12 kernel
# under qemu-system-aarch64) with vaoci's arm64 image (Node.js for arm64, the
# CLI, the data plane), crun and Debian 13's qemu-user 10 registered with flag
# F; x86-64 and i386 images each get their window (test/arm64/run-suite.sh).
demo-arm64: deps build image
	@VAOCI_ARM64_KERNEL=6.12 test/arm64/run-suite.sh

# Benchmarks, not tests: every cost side by side in one run (~5 min here; installs what it
# needs first, like demo and test), written to build/bench (raw JSON per section, report.md,
# SVG plots) and printed as a table. BENCH_ARM64=0 leaves out the arm64 VM; RUNS=N sets every
# section's runs. The bench-* targets run a few sections of it (test/bench/run.sh names them).
bench: deps build
	@test/bench/run.sh

bench-native: build
	@test/bench/run.sh reservation growth arm64

bench-process: build
	@test/bench/run.sh process launch

bench-cli: build
	@test/bench/run.sh cli

bench-hook: build
	@test/bench/run.sh container

bench-launch: build
	@test/bench/run.sh launch

clean:
	rm -rf build
