{{/* vim: set filetype=mustache: */}}

{{/* vaoci.name is the chart name, or nameOverride. */}}
{{- define "vaoci.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
vaoci.fullname prefixes every object name: RELEASE-vaoci, or RELEASE when it
already contains the chart name. 52 characters at most, so suffixes such as
"-webhook-tls" keep names within Kubernetes' 63.
*/}}
{{- define "vaoci.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* vaoci.chart is NAME-VERSION for the helm.sh/chart label. */}}
{{- define "vaoci.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* vaoci.labels are the labels of every object. */}}
{{- define "vaoci.labels" -}}
helm.sh/chart: {{ include "vaoci.chart" . }}
app.kubernetes.io/name: {{ include "vaoci.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ include "vaoci.tag" . | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: vaoci
{{- end }}

{{/*
vaoci.selectorLabels select one component's pods: name + instance + component.
The component is needed because the node DaemonSet and the webhook Deployment
share name and instance; all three are fixed for a release, so selectors never
change across upgrades. Call with (dict "ctx" $ "component" "node").
*/}}
{{- define "vaoci.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vaoci.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* vaoci.componentLabels are the labels plus the component. Call with (dict "ctx" $ "component" "node"). */}}
{{- define "vaoci.componentLabels" -}}
{{ include "vaoci.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* vaoci.tag is the image tag: image.tag, else the chart's appVersion. */}}
{{- define "vaoci.tag" -}}
{{- default .Chart.AppVersion .Values.image.tag }}
{{- end }}

{{/* vaoci.image is REPOSITORY:TAG (or REPOSITORY@sha256:… for a digest). */}}
{{- define "vaoci.image" -}}
{{- $tag := include "vaoci.tag" . }}
{{- if hasPrefix "sha256:" $tag }}
{{- printf "%s@%s" .Values.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* vaoci.nodeConfig is the node config JSON (schemas/node-config.schema.json) from .Values.nodeConfig. */}}
{{- define "vaoci.nodeConfig" -}}
{{- $nc := .Values.nodeConfig }}
{{- $prefix := .Values.installer.prefix | trimSuffix "/" | default "/" }}
{{- $d := $nc.defaults | default dict }}
{{- $i := $nc.injection | default dict }}
{{- $defaults := dict "va_limit" ($d.vaLimit | default "auto") "guest_arch" ($d.guestArch | default "auto") "emulator" ($d.emulator | default "auto") "on_error" ($d.onError | default "fail") }}
{{- $preload := $i.preload | default (printf "%s/lib/libvaoci-preload.so" $prefix) }}
{{- $bind := ternary true $i.bindMount (kindIs "invalid" $i.bindMount) }}
{{- $libs := $i.libraryDirs | default (list "/lib/aarch64-linux-gnu" "/usr/lib/aarch64-linux-gnu") }}
{{- $injection := dict "host_dir" $prefix "preload" $preload "bind_mount" $bind "library_dirs" $libs }}
{{- $doc := dict "runtime" $nc.runtime "defaults" $defaults "injection" $injection }}
{{- $_ := set $doc "log" ($nc.log | default "/var/log/vaoci.log") }}
{{- $_ := set $doc "reports_dir" ($nc.reportsDir | default "/run/vaoci") }}
{{- $_ := set $doc "binfmt_dir" ($nc.binfmtDir | default "/proc/sys/fs/binfmt_misc") }}
{{- toPrettyJson $doc }}
{{- end }}

{{/* vaoci.webhookService is the webhook Service's name (also the certificate's subject). */}}
{{- define "vaoci.webhookService" -}}
{{- printf "%s-webhook" (include "vaoci.fullname" .) }}
{{- end }}

{{/* vaoci.webhookTLSSecret holds the webhook's serving certificate (self-signed or cert-manager's). */}}
{{- define "vaoci.webhookTLSSecret" -}}
{{- printf "%s-webhook-tls" (include "vaoci.fullname" .) }}
{{- end }}

{{/* vaoci.restrictedSecurityContext is the restricted securityContext of every unprivileged container. */}}
{{- define "vaoci.restrictedSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* vaoci.restartArgs: how install and uninstall restart the engine (installer.restart, installer.restartCommand), as a list. */}}
{{- define "vaoci.restartArgs" -}}
{{- if not .Values.installer.restart -}}
[]
{{- else if .Values.installer.restartCommand -}}
{{ list "--restart-command" .Values.installer.restartCommand | toJson }}
{{- else -}}
["--restart"]
{{- end -}}
{{- end }}

{{/* vaoci.criSocket is the engine's CRI socket the agent asks: agent.criSocket, else the engine's default. */}}
{{- define "vaoci.criSocket" -}}
{{- if .Values.agent.criSocket -}}
{{ .Values.agent.criSocket }}
{{- else if eq .Values.installer.engine "cri-o" -}}
/var/run/crio/crio.sock
{{- else -}}
/run/containerd/containerd.sock
{{- end -}}
{{- end }}
