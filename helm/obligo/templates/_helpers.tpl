{{- define "obligo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "obligo.fullname" -}}
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

{{- define "obligo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "obligo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "obligo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "obligo.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: obligo
{{- end -}}

{{- define "obligo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "obligo.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "obligo.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* Where the contracts are inside the container. */}}
{{- define "obligo.contractsDir" -}}
{{- if .Values.gitSync.enabled -}}
{{- printf "/git/current/%s" (.Values.gitSync.contractsPath | trimPrefix "/") | trimSuffix "/" -}}
{{- else if or .Values.contracts.existingConfigMap .Values.contracts.files -}}
/etc/obligo/contracts
{{- else -}}
/app/contracts
{{- end -}}
{{- end -}}

{{/* Where hand-written policies are, or "" for the policies shipped in the image. */}}
{{- define "obligo.policiesDir" -}}
{{- if and .Values.gitSync.enabled .Values.gitSync.policiesPath -}}
{{- printf "/git/current/%s" (.Values.gitSync.policiesPath | trimPrefix "/") | trimSuffix "/" -}}
{{- else if or .Values.policies.existingConfigMap .Values.policies.files -}}
/etc/obligo/policies
{{- end -}}
{{- end -}}

{{/* Refuse combinations that cannot work, with a message naming the values. */}}
{{- define "obligo.validate" -}}
{{- if and (eq .Values.store.type "sqlite") (gt (int .Values.replicaCount) 1) -}}
{{- fail "replicaCount > 1 needs store.type postgres: a SQLite file cannot be shared by replicas" -}}
{{- end -}}
{{- if and (eq .Values.store.type "postgres") (not .Values.store.postgres.urlSecret.name) -}}
{{- fail "store.type postgres needs store.postgres.urlSecret.name and .key (an existing Secret holding the URL)" -}}
{{- end -}}
{{- $sources := 0 -}}
{{- if .Values.contracts.files }}{{ $sources = add1 $sources }}{{ end -}}
{{- if .Values.contracts.existingConfigMap }}{{ $sources = add1 $sources }}{{ end -}}
{{- if .Values.gitSync.enabled }}{{ $sources = add1 $sources }}{{ end -}}
{{- if gt $sources 1 -}}
{{- fail "contracts: set only one of contracts.files, contracts.existingConfigMap, gitSync.enabled" -}}
{{- end -}}
{{- if and .Values.policies.files .Values.policies.existingConfigMap -}}
{{- fail "policies: set only one of policies.files, policies.existingConfigMap" -}}
{{- end -}}
{{- if and .Values.gitSync.enabled (not .Values.gitSync.repo) -}}
{{- fail "gitSync.enabled needs gitSync.repo" -}}
{{- end -}}
{{- end -}}

{{/*
The serve configuration (obligo.yaml), exactly the schema of src/server/config.ts. Secrets appear only as
{ env: NAME } references; the Deployment sets NAME from the referenced Secret.
*/}}
{{- define "obligo.serveConfig" -}}
{{- $v := .Values -}}
{{- $prom := dict "url" $v.prometheus.url "headers" (default (dict) $v.prometheus.headers) "timeout" $v.prometheus.timeout "useRules" $v.prometheus.useRules -}}
{{- if $v.prometheus.maxBytes }}{{ $_ := set $prom "maxBytes" (int64 $v.prometheus.maxBytes) }}{{ end -}}
{{- if $v.prometheus.bearerTokenSecret.name }}{{ $_ := set $prom "bearerToken" (dict "env" "OBLIGO_PROMETHEUS_BEARER_TOKEN") }}{{ end -}}
{{- if $v.prometheus.basicAuth.username }}{{ $_ := set $prom "basicAuth" (dict "username" $v.prometheus.basicAuth.username "password" (dict "env" "OBLIGO_PROMETHEUS_PASSWORD")) }}{{ end -}}
{{- $store := dict -}}
{{- if eq $v.store.type "postgres" -}}
{{- $pg := dict "url" (dict "env" "OBLIGO_POSTGRES_URL") -}}
{{- if $v.store.postgres.schema }}{{ $_ := set $pg "schema" $v.store.postgres.schema }}{{ end -}}
{{- $_ := set $store "postgres" $pg -}}
{{- else -}}
{{- $_ := set $store "sqlite" "/var/lib/obligo/obligo.db" -}}
{{- end -}}
{{- $pd := dict "eventsUrl" $v.pagerduty.eventsUrl "timeout" $v.pagerduty.timeout -}}
{{- if $v.pagerduty.routingKeySecret.name }}{{ $_ := set $pd "routingKey" (dict "env" "OBLIGO_PAGERDUTY_ROUTING_KEY") }}{{ end -}}
{{- $tokens := list -}}
{{- range $i, $t := $v.api.tokens }}{{ $tokens = append $tokens (dict "name" $t.name "role" $t.role "token" (dict "env" (printf "OBLIGO_API_TOKEN_%d" $i))) }}{{ end -}}
{{- $server := dict "listen" "0.0.0.0:8080" "tokens" $tokens "rateLimitPerMinute" (int64 $v.api.rateLimitPerMinute) -}}
{{- $links := dict -}}
{{- if $v.links.grafana }}{{ $_ := set $links "grafana" $v.links.grafana }}{{ end -}}
{{- if $v.links.runbooks }}{{ $_ := set $links "runbooks" $v.links.runbooks }}{{ end -}}
{{- $eval := dict "interval" $v.evaluation.interval "pageFor" $v.evaluation.pageFor "ticketFor" $v.evaluation.ticketFor "resolveAfter" $v.evaluation.resolveAfter -}}
{{- $cfg := dict "contracts" (include "obligo.contractsDir" .) "prometheus" $prom "store" $store "evaluation" $eval "pagerduty" $pd "server" $server "links" $links "log" (dict "level" $v.log.level) -}}
{{- with include "obligo.policiesDir" . }}{{ $_ := set $cfg "policies" . }}{{ end -}}
{{- toYaml $cfg -}}
{{- end -}}

{{/* Environment variables from existing Secrets (the { env: NAME } references of obligo.yaml and contracts). */}}
{{- define "obligo.secretEnv" -}}
{{- $v := .Values -}}
{{- with $v.prometheus.bearerTokenSecret }}{{ if .name }}
- name: OBLIGO_PROMETHEUS_BEARER_TOKEN
  valueFrom: { secretKeyRef: { name: {{ .name | quote }}, key: {{ required "prometheus.bearerTokenSecret.key" .key | quote }} } }
{{- end }}{{ end }}
{{- if $v.prometheus.basicAuth.username }}
- name: OBLIGO_PROMETHEUS_PASSWORD
  valueFrom: { secretKeyRef: { name: {{ required "prometheus.basicAuth.passwordSecret.name" $v.prometheus.basicAuth.passwordSecret.name | quote }}, key: {{ required "prometheus.basicAuth.passwordSecret.key" $v.prometheus.basicAuth.passwordSecret.key | quote }} } }
{{- end }}
{{- if eq $v.store.type "postgres" }}
- name: OBLIGO_POSTGRES_URL
  valueFrom: { secretKeyRef: { name: {{ $v.store.postgres.urlSecret.name | quote }}, key: {{ required "store.postgres.urlSecret.key" $v.store.postgres.urlSecret.key | quote }} } }
{{- end }}
{{- with $v.pagerduty.routingKeySecret }}{{ if .name }}
- name: OBLIGO_PAGERDUTY_ROUTING_KEY
  valueFrom: { secretKeyRef: { name: {{ .name | quote }}, key: {{ required "pagerduty.routingKeySecret.key" .key | quote }} } }
{{- end }}{{ end }}
{{- range $i, $t := $v.api.tokens }}
- name: {{ printf "OBLIGO_API_TOKEN_%d" $i }}
  valueFrom: { secretKeyRef: { name: {{ $t.secret.name | quote }}, key: {{ $t.secret.key | quote }} } }
{{- end }}
{{- range $name, $ref := $v.secretEnv }}
- name: {{ $name }}
  valueFrom: { secretKeyRef: { name: {{ $ref.secret | quote }}, key: {{ $ref.key | quote }} } }
{{- end }}
{{- end -}}

{{/* The git-sync container (v4 flags as environment variables); oneTime: the init container. */}}
{{- define "obligo.gitSyncContainer" -}}
{{- $v := .root.Values -}}
image: {{ printf "%s:%s" $v.gitSync.image.repository $v.gitSync.image.tag | quote }}
imagePullPolicy: {{ $v.gitSync.image.pullPolicy }}
env:
  - { name: GITSYNC_REPO, value: {{ $v.gitSync.repo | quote }} }
  - { name: GITSYNC_REF, value: {{ $v.gitSync.ref | quote }} }
  - { name: GITSYNC_ROOT, value: /git }
  - { name: GITSYNC_LINK, value: current }
  - { name: GITSYNC_PERIOD, value: {{ $v.gitSync.period | quote }} }
  - { name: GITSYNC_ONE_TIME, value: {{ .oneTime | quote }} }
  {{- with $v.gitSync.credentialsSecret }}{{ if .name }}
  - name: GITSYNC_USERNAME
    valueFrom: { secretKeyRef: { name: {{ .name | quote }}, key: username } }
  - name: GITSYNC_PASSWORD
    valueFrom: { secretKeyRef: { name: {{ .name | quote }}, key: password } }
  {{- end }}{{ end }}
resources: {{- toYaml $v.gitSync.resources | nindent 2 }}
securityContext: {{- toYaml $v.securityContext | nindent 2 }}
volumeMounts:
  - { name: git, mountPath: /git }
  - { name: tmp, mountPath: /tmp }
{{- end -}}
