{{/* Chart name, truncated to 63 characters (a DNS label). */}}
{{- define "pod-v5.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified app name: the release name, prefixed by the chart name unless it already
contains it; fullnameOverride wins. Truncated to 63 characters.
*/}}
{{- define "pod-v5.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* chart label value: name-version */}}
{{- define "pod-v5.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels; call with (dict "context" $ "component" "api"). */}}
{{- define "pod-v5.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pod-v5.name" .context }}
app.kubernetes.io/instance: {{ .context.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{/* Common labels; call with (dict "context" $ "component" "api"). */}}
{{- define "pod-v5.labels" -}}
helm.sh/chart: {{ include "pod-v5.chart" .context }}
{{ include "pod-v5.selectorLabels" . }}
app.kubernetes.io/version: {{ .context.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .context.Release.Service }}
app.kubernetes.io/part-of: pod-v5
{{- end -}}

{{/*
ServiceAccount names; call with (dict "context" $ "component" "api"|"operator").
serviceAccount.create false and no name: the namespace's "default".
*/}}
{{- define "pod-v5.serviceAccountName" -}}
{{- $sa := (index .context.Values .component).serviceAccount -}}
{{- if $sa.create -}}
{{- default (printf "%s-%s" (include "pod-v5.fullname" .context) .component) $sa.name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- default "default" $sa.name -}}
{{- end -}}
{{- end -}}

{{/* Image reference: repository:tag (tag defaults to the appVersion) or @digest. */}}
{{- define "pod-v5.image" -}}
{{- $image := .image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default .context.Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding SECRET_KEY (and DATABASE_URL). */}}
{{- define "pod-v5.djangoSecretName" -}}
{{- default (printf "%s-django" (include "pod-v5.fullname" .)) .Values.django.existingSecret -}}
{{- end -}}

{{/* The callback Secret (the operator gives it to worker pods, by name, in their namespace). */}}
{{- define "pod-v5.callbackSecretName" -}}
{{- default .Values.callback.secretName .Values.callback.existingSecret -}}
{{- end -}}

{{/* The Secret of S3 settings and credentials (env-named keys), "" unless storage is s3. */}}
{{- define "pod-v5.s3SecretName" -}}
{{- if eq .Values.storage.backend "s3" -}}
{{- default (printf "%s-s3" (include "pod-v5.fullname" .)) .Values.storage.s3.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "pod-v5.apiServiceName" -}}
{{- printf "%s-api" (include "pod-v5.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The API's non-secret settings (ConfigMap data; the migration Job gets them inline). */}}
{{- define "pod-v5.apiConfig" -}}
DEBUG: "0"
DJANGO_SETTINGS_MODULE: "api.settings"
{{- $hosts := list (include "pod-v5.apiServiceName" .) (printf "%s.%s.svc" (include "pod-v5.apiServiceName" .) .Release.Namespace) }}
{{- if .Values.ingress.enabled }}{{ $hosts = append $hosts .Values.ingress.host }}{{ end }}
ALLOWED_HOSTS: {{ join "," (concat .Values.api.config.allowedHosts $hosts | uniq) | quote }}
CSRF_TRUSTED_ORIGINS: {{ join "," .Values.api.config.csrfTrustedOrigins | quote }}
CORS_ALLOWED_ORIGINS: {{ join "," .Values.api.config.corsAllowedOrigins | quote }}
POD_VAR_DIR: "/tmp/pod-v5"
STORAGE_BACKEND: {{ .Values.storage.backend | quote }}
{{- if eq .Values.storage.backend "s3" }}
{{- $s3 := .Values.storage.s3 }}
S3_BUCKET: {{ required "storage.s3.bucket is required with storage.backend=s3" $s3.bucket | quote }}
{{- with $s3.endpointUrl }}
S3_ENDPOINT_URL: {{ . | quote }}
{{- end }}
{{- with $s3.region }}
S3_REGION: {{ . | quote }}
{{- end }}
{{- with $s3.publicEndpointUrl }}
S3_PUBLIC_ENDPOINT_URL: {{ . | quote }}
{{- end }}
{{- end }}
MEDIA_ROOT: {{ .Values.media.mountPath | quote }}
MEDIA_SERVE: {{ ternary "1" "0" .Values.api.config.mediaServe | quote }}
{{- if .Values.ingress.mediaAccelRedirect.enabled }}
MEDIA_ACCEL_REDIRECT: {{ .Values.ingress.mediaAccelRedirect.internalPath | quote }}
{{- end }}
UPLOAD_SPOOL_DIR: {{ printf "%s/uploads" .Values.media.mountPath | quote }}
UPLOAD_MAX_SIZE: {{ .Values.api.config.uploadMaxSize | int64 | quote }}
ENCODING_BACKEND: "kubernetes"
LIVE_BACKEND: "kubernetes"
{{- /* rate-limit counters shared by every API pod and worker (table made by migrate) */}}
CACHE_BACKEND: "database"
ENCODING_NAMESPACE: {{ .Release.Namespace | quote }}
API_BASE_URL: {{ default (printf "http://%s.%s.svc:%d" (include "pod-v5.apiServiceName" .) .Release.Namespace (int .Values.api.service.port)) .Values.api.config.apiBaseUrl | quote }}
{{- if .Values.ingress.enabled }}
{{- /* the Ingress controller is the API's trusted reverse proxy (docs/api.md "Behind a proxy, TLS") */}}
TRUSTED_PROXY_CIDRS: {{ join "," .Values.ingress.trustedProxy.cidrs | quote }}
TRUSTED_PROXY_HOPS: {{ .Values.ingress.trustedProxy.hops | int | quote }}
{{- end }}
{{- $public := .Values.api.config.publicBaseUrl }}
{{- if and (not $public) .Values.ingress.enabled }}
{{- $public = printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host }}
{{- end }}
{{- with $public }}
PUBLIC_BASE_URL: {{ . | quote }}
{{- end }}
{{- if and .Values.ingress.enabled .Values.ingress.tls.enabled }}
{{- $tls := .Values.ingress.tls }}
SESSION_COOKIE_SECURE: "1"
CSRF_COOKIE_SECURE: "1"
SECURE_HSTS_SECONDS: {{ $tls.hstsSeconds | int | quote }}
SECURE_HSTS_INCLUDE_SUBDOMAINS: {{ ternary "1" "0" $tls.hstsIncludeSubdomains | quote }}
SECURE_HSTS_PRELOAD: {{ ternary "1" "0" $tls.hstsPreload | quote }}
SECURE_SSL_REDIRECT: {{ ternary "1" "0" $tls.sslRedirect | quote }}
{{- end }}
{{- $sse := .Values.ingress.eventStreams }}
{{- if ge (float64 $sse.heartbeatSeconds) (float64 $sse.proxyReadTimeout) }}
{{- fail "ingress.eventStreams.heartbeatSeconds must be below ingress.eventStreams.proxyReadTimeout (nginx would cut idle event streams)" }}
{{- end }}
SSE_HEARTBEAT_SECONDS: {{ $sse.heartbeatSeconds | toString | quote }}
SSE_MAX_STREAMS: {{ $sse.maxStreamsPerPod | int | quote }}
TIME_ZONE: {{ .Values.api.config.timeZone | quote }}
LOG_LEVEL: {{ .Values.api.config.logLevel | quote }}
{{- range $key, $value := .Values.api.config.extraEnv }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Secret env of the API (and the migration Job). */}}
{{- define "pod-v5.apiSecretEnv" -}}
- name: SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "pod-v5.djangoSecretName" . }}
      key: {{ .Values.django.secretKeyKey }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "pod-v5.djangoSecretName" . }}
      key: {{ .Values.django.databaseUrlKey }}
- name: CALLBACK_SIGNING_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ include "pod-v5.callbackSecretName" . }}
      key: {{ .Values.callback.secretKey }}
{{- end -}}

{{/* The pod securityContext and the container securityContext (shared by every pod). */}}
{{- define "pod-v5.podSecurityContext" -}}
{{ toYaml .Values.podSecurityContext }}
{{- end -}}
{{- define "pod-v5.containerSecurityContext" -}}
{{ toYaml .Values.containerSecurityContext }}
{{- end -}}

{{/* Volumes every pod has: an emptyDir for /tmp (the root filesystem is read-only). */}}
{{- define "pod-v5.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{/* The media volume shared by the API and the workers. */}}
{{- define "pod-v5.mediaVolume" -}}
- name: media
{{- if .Values.media.existingClaim }}
  persistentVolumeClaim:
    claimName: {{ .Values.media.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
{{- end -}}

{{/*
One operator.config value as a MEDIA_OPERATOR_* variable: imagePullSecrets comma-separated,
other lists and maps as JSON, whole numbers without an exponent (values files give numbers
as float64: 2592000 would print as 2.592e+06), the rest as text.
*/}}
{{- define "pod-v5.operatorEnvValue" -}}
{{- $value := .value -}}
{{- if and (kindIs "slice" $value) (eq .key "imagePullSecrets") -}}
{{- join "," $value -}}
{{- else if or (kindIs "slice" $value) (kindIs "map" $value) -}}
{{- toJson $value -}}
{{- else if and (kindIs "float64" $value) (eq $value (floor $value)) -}}
{{- printf "%d" (int64 $value) -}}
{{- else -}}
{{- toString $value -}}
{{- end -}}
{{- end -}}
