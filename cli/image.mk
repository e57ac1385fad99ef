# The demo image `vaoci run demo` runs: an OCI layout in build/demo-image,
# written by test/demo-image/build.mjs (busybox-static, the probe built with
# gcc and its libraries, one gzip layer, deterministic). Needs node_modules
# (tar-stream), gcc and /bin/busybox; no network. Included by the Makefile.

DEMO_IMAGE := build/demo-image
DEMO_IMAGE_IN := test/demo-image/build.mjs test/hook/probe.c $(wildcard /bin/busybox) package-lock.json

.PHONY: demo-image

demo-image: $(DEMO_IMAGE)/index.json

$(DEMO_IMAGE)/index.json: $(DEMO_IMAGE_IN)
	@mkdir -p $(dir $(DEMO_IMAGE))
	@node test/demo-image/build.mjs $(DEMO_IMAGE)
