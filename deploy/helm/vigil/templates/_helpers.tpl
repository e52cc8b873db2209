{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "vigil.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. Kept to 52 characters so that role suffixes
("-indexer", "-edge-<id>", "-pki-ca") still fit in 63.
*/}}
{{- define "vigil.fullname" -}}
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

{{- define "vigil.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "vigil.labels" -}}
helm.sh/chart: {{ include "vigil.chart" . }}
{{ include "vigil.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: vigil
{{- end }}

{{- define "vigil.selectorLabels" -}}
app.kubernetes.io/name: {{ include "vigil.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one role's objects: (dict "root" $ "component" "engine"). */}}
{{- define "vigil.componentLabels" -}}
{{ include "vigil.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "vigil.componentSelectorLabels" -}}
{{ include "vigil.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Object name of one edge: ids may hold upper case, "." and "_", names may not. */}}
{{- define "vigil.edgeName" -}}
{{- $id := .id | lower | replace "_" "-" | replace "." "-" }}
{{- printf "%s-edge-%s" (include "vigil.fullname" .root) $id | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "vigil.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{- define "vigil.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "vigil.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the pods mount: ca.crt and <edge-id>.crt/.key. */}}
{{- define "vigil.pkiSecretName" -}}
{{- if eq .Values.pki.mode "existingSecret" }}
{{- required "pki.existingSecret is required with pki.mode=existingSecret" .Values.pki.existingSecret }}
{{- else if eq .Values.pki.mode "job" }}
{{- printf "%s-pki" (include "vigil.fullname" .) }}
{{- else }}
{{- fail (printf "pki.mode must be job or existingSecret, not %q" .Values.pki.mode) }}
{{- end }}
{{- end }}

{{- define "vigil.adminSecretName" -}}
{{- default (include "vigil.fullname" .) .Values.admin.existingSecret }}
{{- end }}

{{- define "vigil.adminSecretKey" -}}
{{- if .Values.admin.existingSecret }}{{ .Values.admin.existingSecretKey }}{{ else }}admin-password{{ end }}
{{- end }}

{{- define "vigil.opensearchSecretName" -}}
{{- default (include "vigil.fullname" .) .Values.opensearch.existingSecret }}
{{- end }}

{{- define "vigil.opensearchSecretKey" -}}
{{- if .Values.opensearch.existingSecret }}{{ .Values.opensearch.existingSecretKey }}{{ else }}opensearch-url{{ end }}
{{- end }}

{{- define "vigil.apiUrl" -}}
{{- if .Values.edge.apiUrl }}
{{- .Values.edge.apiUrl }}
{{- else }}
{{- printf "http://%s-api:%d" (include "vigil.fullname" .) (int .Values.api.service.port) }}
{{- end }}
{{- end }}

{{/*
Pod annotations of a role: config checksums (so pods restart when the configuration
changes), Prometheus scrape hints, then the user's. (dict "root" $ "role" .Values.engine "port" 8091)
*/}}
{{- define "vigil.podAnnotations" -}}
checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
checksum/secret: {{ include (print .root.Template.BasePath "/secret.yaml") .root | sha256sum }}
{{- if .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- with (merge (dict) (.role.podAnnotations | default dict) (.root.Values.podAnnotations | default dict)) }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Startup, liveness and readiness probes on /healthz of the named port. (dict "root" $ "role" .Values.engine "port" "ops") */}}
{{- define "vigil.probes" -}}
{{- $probes := mergeOverwrite (deepCopy .root.Values.probes) (.role.probes | default dict) -}}
startupProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml $probes.startup | nindent 2 }}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml $probes.liveness | nindent 2 }}
readinessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  {{- toYaml $probes.readiness | nindent 2 }}
{{- end }}

{{/* Environment shared by every role: the ConfigMap, then the secrets, then the user's. */}}
{{- define "vigil.commonEnv" -}}
envFrom:
  - configMapRef:
      name: {{ include "vigil.fullname" .root }}
env:
  {{- if .secrets }}
  - name: VIGIL_OPENSEARCH_URL
    valueFrom:
      secretKeyRef:
        name: {{ include "vigil.opensearchSecretName" .root }}
        key: {{ include "vigil.opensearchSecretKey" .root }}
  {{- end }}
  {{- with .env }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- with .root.Values.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- with .role.extraEnv }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Whether a VIGIL_CONFIG file is mounted; `config` and `configSecret` exclude each other. */}}
{{- define "vigil.hasConfigFile" -}}
{{- if and .Values.config .Values.configSecret }}
{{- fail "set config or configSecret, not both: Vigil reads one configuration file" }}
{{- end }}
{{- if or .Values.config .Values.configSecret }}true{{ end }}
{{- end }}

{{/* Volumes every Vigil pod has: /tmp, the VIGIL_CONFIG file when there is one, the user's. */}}
{{- define "vigil.commonVolumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if .Values.configSecret }}
- name: config
  secret:
    secretName: {{ .Values.configSecret }}
    items:
      - key: vigil.yaml
        path: vigil.yaml
{{- else if .Values.config }}
- name: config
  configMap:
    name: {{ include "vigil.fullname" . }}-config
    items:
      - key: vigil.yaml
        path: vigil.yaml
{{- end }}
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "vigil.commonVolumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "vigil.hasConfigFile" . }}
- name: config
  mountPath: /etc/vigil/config
  readOnly: true
{{- end }}
{{- with .Values.extraVolumeMounts }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Scheduling of a role: its own settings, else the chart-wide ones. */}}
{{- define "vigil.scheduling" -}}
{{- with (.role.nodeSelector | default .root.Values.nodeSelector) }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (.role.affinity | default .root.Values.affinity) }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with (.role.tolerations | default .root.Values.tolerations) }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* The pod-level settings every Vigil pod shares. */}}
{{- define "vigil.podCommon" -}}
serviceAccountName: {{ include "vigil.serviceAccountName" . }}
automountServiceAccountToken: false
enableServiceLinks: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/* A PVC's spec: (dict "persistence" .Values.api.persistence) */}}
{{- define "vigil.pvcSpec" -}}
accessModes:
  {{- toYaml .persistence.accessModes | nindent 2 }}
{{- if .persistence.storageClass }}
{{- if eq "-" .persistence.storageClass }}
storageClassName: ""
{{- else }}
storageClassName: {{ .persistence.storageClass | quote }}
{{- end }}
{{- end }}
resources:
  requests:
    storage: {{ .persistence.size | quote }}
{{- end }}
