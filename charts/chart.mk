# The Helm chart (charts/vaoci) with the real helm: lint, template with default
# and non-default values, the schema refusing nonsense, the rendered manifests,
# and the two scripts the chart runs in pods (the helm test's check under the
# real preload, the uninstall hook against a fake API server). helm is built
# once into build/tools/helm by .ci/install-helm. Included by the Makefile.

.PHONY: test-chart

test-chart: native-x86_64
	@.ci/install-helm
	@npx jest test/ts/chart.test.ts
