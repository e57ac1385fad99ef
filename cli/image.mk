# The demo image `vaoci run demo` runs: an OCI layout in build/demo-image,
# written by test/demo-image/build.mjs (busybox-static, the probe built with
# gcc and its libraries, one gzip layer, deterministic). Needs node_modules
# (tar-stream), gcc and /bin/busybox; no network. Included by the Makefile.

DEMO_IMAGE := build/demo-image
DEMO_IMAGE_IN := test/demo-image/build.mjs cli/image/oci.mjs test/hook/probe.c $(wildcard /bin/busybox) package-lock.json

.PHONY: demo-image

demo-image: $(DEMO_IMAGE)/index.json

$(DEMO_IMAGE)/index.json: $(DEMO_IMAGE_IN)
	@mkdir -p $(dir $(DEMO_IMAGE))
	@node test/demo-image/build.mjs $(DEMO_IMAGE)

# vaoci's own image, the one the Helm chart runs (issue 15): linux/amd64 and
# linux/arm64 as an OCI layout (build/image/oci, tagged with Chart.yaml's
# appVersion) and a docker-archive per architecture (build/image/vaoci-ARCH.tar),
# written by cli/image/build.mjs from both architectures' data plane, the CLI,
# the pinned Node.js (cli/image/node.json) and Debian's glibc (cli/image/debs.json),
# downloaded once into build/image/cache. No registry; deterministic.
.PHONY: image

image: native-x86_64 native-aarch64 hook-x86_64 hook-aarch64 nri cli
	@node cli/image/build.mjs build/image
