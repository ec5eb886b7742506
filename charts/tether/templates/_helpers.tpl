{{/* The chart's name, at most 63 characters (a DNS label). */}}
{{- define "tether.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The name of the release's objects: the release name, with the chart's
name appended unless the release name contains it. */}}
{{- define "tether.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tether.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tether.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tether.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "tether.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: server
{{- end }}

{{- define "tether.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tether.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name: name an existing ServiceAccount when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tether.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/* The Secrets of the key file and the admin token: the user's, or the
one the chart generates. */}}
{{- define "tether.generatedSecretName" -}}
{{- printf "%s-secrets" (include "tether.fullname" .) }}
{{- end }}
{{- define "tether.keySecretName" -}}
{{- default (include "tether.generatedSecretName" .) .Values.secrets.key.existingSecret }}
{{- end }}
{{- define "tether.adminTokenSecretName" -}}
{{- default (include "tether.generatedSecretName" .) .Values.secrets.adminToken.existingSecret }}
{{- end }}

{{/* The claim of the SQLite database. */}}
{{- define "tether.claimName" -}}
{{- default (printf "%s-data" (include "tether.fullname" .)) .Values.storage.sqlite.existingClaim }}
{{- end }}

{{/* checks fails the render on values the schema cannot express clearly:
the replica count each storage mode needs. */}}
{{- define "tether.checks" -}}
{{- if eq .Values.storage.mode "sqlite" }}
{{- if ne (int .Values.replicas) 1 }}
{{- fail (printf "replicas: storage.mode sqlite runs exactly 1 replica (SQLite has one writer), not %d; use storage.mode postgres for more" (int .Values.replicas)) }}
{{- end }}
{{- else if eq .Values.storage.mode "postgres" }}
{{- if lt (int .Values.replicas) 2 }}
{{- fail (printf "replicas: storage.mode postgres runs 2 or more replicas (for availability), not %d" (int .Values.replicas)) }}
{{- end }}
{{- if not .Values.storage.postgres.existingSecret }}
{{- fail "storage.postgres.existingSecret: name the Secret holding the PostgreSQL URL" }}
{{- end }}
{{- end }}
{{- end }}
