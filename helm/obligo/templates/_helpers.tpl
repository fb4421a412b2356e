{{- define "obligo.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "obligo.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "obligo.env" -}}
- name: OBLIGO_PROMETHEUS_URL
  value: {{ .Values.prometheus.url | quote }}
- name: OBLIGO_DB
  value: /var/lib/obligo/obligo.db
{{- with .Values.prometheus.bearerTokenSecret }}
{{- if .name }}
- name: OBLIGO_PROMETHEUS_BEARER_TOKEN
  valueFrom: { secretKeyRef: { name: {{ .name }}, key: {{ .key }} } }
{{- end }}
{{- end }}
{{- if .Values.prometheus.headers }}
- name: OBLIGO_PROMETHEUS_HEADERS
  value: {{ .Values.prometheus.headers | toJson | quote }}
{{- end }}
{{- range $name, $ref := .Values.secretEnv }}
- name: {{ $name }}
  valueFrom: { secretKeyRef: { name: {{ $ref.secret }}, key: {{ $ref.key }} } }
{{- end }}
{{- end -}}
