{{- define "datadive.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "datadive.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else if contains (include "datadive.name" .) .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name (include "datadive.name" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "datadive.selectorLabels" -}}
app.kubernetes.io/name: {{ include "datadive.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "datadive.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "datadive.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "datadive.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "datadive.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "datadive.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "datadive.secretName" -}}
{{- default (include "datadive.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{- define "datadive.baseUrl" -}}
{{- if .Values.baseUrl }}
{{- .Values.baseUrl }}
{{- else if .Values.ingress.enabled }}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host }}
{{- end }}
{{- end }}

{{- define "datadive.storageUrl" -}}
{{- $s3 := .Values.storage.s3 }}
{{- $query := list }}
{{- with $s3.endpointUrl }}{{ $query = append $query (printf "endpoint_url=%s" (urlquery .)) }}{{ end }}
{{- with $s3.region }}{{ $query = append $query (printf "region=%s" (urlquery .)) }}{{ end }}
{{- printf "s3://%s/%s" $s3.bucket (trimAll "/" $s3.prefix) | trimSuffix "/" }}
{{- with $query }}?{{ join "&" . }}{{ end }}
{{- end }}

{{- /*
Refuse values that would deploy something broken, with a message that says what to change.
Included by every template, so that `helm template` and `helm install` stop before anything
reaches the cluster.
*/}}
{{- define "datadive.checkValues" -}}
{{- $v := .Values }}
{{- $replicas := int $v.replicaCount }}
{{- if not (has $v.database.type (list "postgresql" "sqlite")) }}
{{- fail (printf "database.type=%q: use postgresql or sqlite" $v.database.type) }}
{{- end }}
{{- if not (has $v.storage.type (list "s3" "local")) }}
{{- fail (printf "storage.type=%q: use s3 or local" $v.storage.type) }}
{{- end }}
{{- if not (has $v.execution.backend (list "jupyterhub" "local")) }}
{{- fail (printf "execution.backend=%q: use jupyterhub or local" $v.execution.backend) }}
{{- end }}
{{- if and (eq $v.database.type "sqlite") (gt $replicas 1) }}
{{- fail (printf "database.type=sqlite with replicaCount=%d: SQLite is a file that only one replica may write; use database.type=postgresql (an external PostgreSQL) or replicaCount=1" $replicas) }}
{{- end }}
{{- if and (eq $v.storage.type "local") (gt $replicas 1) }}
{{- fail (printf "storage.type=local with replicaCount=%d: each replica would keep its own files; use storage.type=s3 or replicaCount=1" $replicas) }}
{{- end }}
{{- if and (eq $v.execution.backend "local") (gt $replicas 1) }}
{{- fail (printf "execution.backend=local with replicaCount=%d: project servers would run inside one replica, out of reach of the others; use execution.backend=jupyterhub or replicaCount=1" $replicas) }}
{{- end }}
{{- if and (or (eq $v.database.type "sqlite") (eq $v.storage.type "local") (eq $v.execution.backend "local")) (not $v.dataVolume.existingClaim) }}
{{- fail "database.type=sqlite, storage.type=local and execution.backend=local (project workspaces) keep data in the data folder: set dataVolume.existingClaim to a PersistentVolumeClaim, or it is lost when the pod restarts" }}
{{- end }}
{{- if eq $v.storage.type "s3" }}
{{- $_ := required "storage.s3.bucket is required with storage.type=s3" $v.storage.s3.bucket }}
{{- end }}
{{- if eq $v.execution.backend "jupyterhub" }}
{{- $_ := required "execution.jupyterhub.url is required with execution.backend=jupyterhub (z2jh's proxy-public service, e.g. http://proxy-public.jupyterhub.svc.cluster.local)" $v.execution.jupyterhub.url }}
{{- end }}
{{- if and $v.ingress.enabled (not $v.ingress.host) }}
{{- fail "ingress.enabled=true needs ingress.host" }}
{{- end }}
{{- if not $v.secret.existingSecret }}
{{- $_ := required "secret.values.secretKey is required when the chart creates the Secret (secret.existingSecret is empty)" $v.secret.values.secretKey }}
{{- if eq $v.database.type "postgresql" }}
{{- $_ := required "secret.values.databaseUrl (postgresql://…) is required with database.type=postgresql when the chart creates the Secret" $v.secret.values.databaseUrl }}
{{- if not (hasPrefix "postgresql" $v.secret.values.databaseUrl) }}
{{- fail "secret.values.databaseUrl must be a postgresql:// URL with database.type=postgresql" }}
{{- end }}
{{- end }}
{{- if eq $v.execution.backend "jupyterhub" }}
{{- $_ := required "secret.values.hubApiToken (the datadive service's token in JupyterHub) is required with execution.backend=jupyterhub when the chart creates the Secret" $v.secret.values.hubApiToken }}
{{- end }}
{{- end }}
{{- end }}

{{- /* The environment every Datadive container gets: settings from the ConfigMap, secrets by key. */}}
{{- define "datadive.env" -}}
- name: DATADIVE_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "datadive.secretName" . }}
      key: secret-key
{{- if eq .Values.database.type "postgresql" }}
- name: DATADIVE_DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "datadive.secretName" . }}
      key: database-url
{{- end }}
{{- if eq .Values.execution.backend "jupyterhub" }}
- name: DATADIVE_JUPYTERHUB_API_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "datadive.secretName" . }}
      key: hub-api-token
{{- end }}
{{- if eq .Values.storage.type "s3" }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "datadive.secretName" . }}
      key: s3-access-key-id
      optional: true
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "datadive.secretName" . }}
      key: s3-secret-access-key
      optional: true
{{- end }}
- name: DATADIVE_SMTP_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "datadive.secretName" . }}
      key: smtp-url
      optional: true
{{- end }}
