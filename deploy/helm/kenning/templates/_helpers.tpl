{{- define "kenning.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kenning.labels" -}}
app.kubernetes.io/name: kenning
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component: include "kenning.selector" (list . "web") */}}
{{- define "kenning.selector" -}}
app.kubernetes.io/name: kenning
app.kubernetes.io/instance: {{ (index . 0).Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "kenning.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "kenning.fullname" .)) -}}
{{- end -}}

{{- define "kenning.modelService" -}}{{ include "kenning.fullname" . }}-model{{- end -}}

{{/* One URL per model-server pod (stable StatefulSet DNS names): the client's affinity ring. */}}
{{- define "kenning.modelUrls" -}}
{{- $svc := include "kenning.modelService" . -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.model.replicas) -}}
{{- $urls = append $urls (printf "http://%s-%d.%s.%s.svc:%d" $svc $i $svc $.Release.Namespace (int $.Values.model.port)) -}}
{{- end -}}
{{- join "," $urls -}}
{{- end -}}

{{- define "kenning.redisUrl" -}}
{{- if .Values.redis.bundled -}}
redis://{{ include "kenning.fullname" . }}-redis:6379/0
{{- else -}}
{{- required "redis.url is required when redis.bundled is false" .Values.redis.url -}}
{{- end -}}
{{- end -}}

{{- define "kenning.postgresHost" -}}
{{- if .Values.postgresql.bundled -}}
{{ include "kenning.fullname" . }}-postgresql
{{- else -}}
{{- required "postgresql.host is required when postgresql.bundled is false" .Values.postgresql.host -}}
{{- end -}}
{{- end -}}

{{- define "kenning.qdrantUrl" -}}
{{- if .Values.qdrant.bundled -}}
http://{{ include "kenning.fullname" . }}-qdrant:6333
{{- else -}}
{{- required "qdrant.url is required when qdrant.bundled is false" .Values.qdrant.url -}}
{{- end -}}
{{- end -}}

{{- define "kenning.neo4jUrl" -}}
{{- if .Values.neo4j.bundled -}}
bolt://{{ include "kenning.fullname" . }}-neo4j:7687
{{- else -}}
{{- required "neo4j.url is required when neo4j.bundled is false" .Values.neo4j.url -}}
{{- end -}}
{{- end -}}

{{/* Environment shared by web, workers, migrations and model servers (settings.py reads it). */}}
{{- define "kenning.env" -}}
- name: KENNING_DEV
  value: "false"
- name: KENNING_VAR_DIR
  value: /var/lib/kenning
- name: ALLOWED_HOSTS
  value: {{ .Values.config.allowedHosts | quote }}
- name: CSRF_TRUSTED_ORIGINS
  value: {{ .Values.config.csrfTrustedOrigins | quote }}
- name: SECURE_SSL_REDIRECT
  value: {{ .Values.config.secureSslRedirect | quote }}
- name: LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: HF_HUB_OFFLINE
  value: "1"
- name: TRANSFORMERS_OFFLINE
  value: "1"
- name: REDIS_URL
  value: {{ include "kenning.redisUrl" . | quote }}
- name: NEO4J_URL
  value: {{ include "kenning.neo4jUrl" . | quote }}
- name: NEO4J_USER
  value: {{ .Values.neo4j.user | quote }}
- name: QDRANT_URL
  value: {{ include "kenning.qdrantUrl" . | quote }}
- name: QDRANT_COLLECTION
  value: {{ .Values.qdrant.collection | quote }}
- name: MODEL_SERVER_URL
  value: {{ include "kenning.modelUrls" . | splitList "," | first | quote }}
- name: MODEL_SERVER_URLS
  value: {{ include "kenning.modelUrls" . | quote }}
- name: CELERY_GRAPH_QUEUE
  value: {{ .Values.celery.graphQueue | quote }}
- name: MODEL_SMALL
  value: {{ .Values.model.small | quote }}
- name: MODEL_LARGE
  value: {{ .Values.model.large | quote }}
- name: MODEL_MOE
  value: {{ .Values.model.moe | quote }}
- name: MODEL_MOE_TIER
  value: {{ .Values.model.moeTier | quote }}
- name: SECRET_KEY_FILE
  value: /run/secrets/kenning/SECRET_KEY
- name: NEO4J_PASSWORD_FILE
  value: /run/secrets/kenning/NEO4J_PASSWORD
- name: QDRANT_API_KEY_FILE
  value: /run/secrets/kenning/QDRANT_API_KEY
- name: MODEL_SERVER_API_KEY_FILE
  value: /run/secrets/kenning/MODEL_SERVER_API_KEY
- name: CACHE_URL
  value: {{ include "kenning.redisUrl" . | trimSuffix "/0" | printf "%s/1" | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ include "kenning.secretName" . }}
      key: DATABASE_URL
{{- range $k, $v := .Values.config.extraEnv }}
- name: {{ $k }}
  value: {{ $v | quote }}
{{- end }}
{{- end -}}

{{- define "kenning.secretVolume" -}}
- name: secrets
  secret:
    secretName: {{ include "kenning.secretName" . }}
    defaultMode: 0440
{{- end -}}

{{- define "kenning.secretMount" -}}
- name: secrets
  mountPath: /run/secrets/kenning
  readOnly: true
{{- end -}}

{{- define "kenning.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  runAsGroup: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "kenning.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: [ALL]
{{- end -}}

{{/* Init container: wait until the migration Job has applied every migration. */}}
{{- define "kenning.waitForMigrations" -}}
- name: wait-for-migrations
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command: ["sh", "-c", "until python manage.py migrate --check >/dev/null 2>&1; do echo waiting for migrations; sleep 5; done"]
  env:
    {{- include "kenning.env" . | nindent 4 }}
  volumeMounts:
    {{- include "kenning.secretMount" . | nindent 4 }}
  {{- include "kenning.containerSecurity" . | nindent 2 }}
{{- end -}}
