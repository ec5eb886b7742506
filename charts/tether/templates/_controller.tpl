{{/* Names and labels of the controller's objects (controller.enabled). */}}

{{/* The controller's objects: the release's name with "-controller". */}}
{{- define "tether.controller.fullname" -}}
{{- printf "%s-controller" (include "tether.fullname" . | trunc 52 | trimSuffix "-") }}
{{- end }}

{{/* Its pods carry a name of their own, so that the server's Service,
Deployment and PodDisruptionBudget (which select name and instance) never
select them. */}}
{{- define "tether.controller.selectorLabels" -}}
app.kubernetes.io/name: {{ printf "%s-controller" (include "tether.name" . | trunc 52 | trimSuffix "-") }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tether.controller.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "tether.controller.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: controller
app.kubernetes.io/part-of: {{ include "tether.name" . }}
{{- end }}

{{- define "tether.controller.serviceAccountName" -}}
{{- default (include "tether.controller.fullname" .) .Values.controller.serviceAccount.name }}
{{- end }}

{{/* Names of cluster-scoped objects carry the namespace: releases in two
namespaces do not collide. */}}
{{- define "tether.controller.clusterName" -}}
{{- printf "%s-%s" .Release.Namespace (include "tether.controller.fullname" .) | trunc 253 }}
{{- end }}

{{/* The chart's own server, as pods of the cluster reach it: its Service. */}}
{{- define "tether.serviceURL" -}}
{{- printf "http://%s.%s.svc" (include "tether.fullname" .) .Release.Namespace }}
{{- if ne (int .Values.service.port) 80 }}:{{ .Values.service.port }}{{ end }}
{{- end }}

{{- define "tether.controller.tetherURL" -}}
{{- default (include "tether.serviceURL" .) .Values.controller.tether.url }}
{{- end }}

{{/* The webhook's Service, and the Secret of its serving certificate. */}}
{{- define "tether.controller.webhookName" -}}
{{- printf "%s-webhook" (include "tether.controller.fullname" .) }}
{{- end }}
{{- define "tether.controller.webhookSecretName" -}}
{{- printf "%s-webhook-tls" (include "tether.controller.fullname" .) }}
{{- end }}
