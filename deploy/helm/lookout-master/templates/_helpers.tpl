{{/*
Names, labels and the cross-field checks the schema cannot express. Every template includes
"lookout-master.validate" through "lookout-master.labels", so a bad combination fails early with
one readable message.
*/}}
{{- define "lookout-master.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lookout-master.fullname" -}}
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

{{- define "lookout-master.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lookout-master.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lookout-master.labels" -}}
{{- include "lookout-master.validate" . -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "lookout-master.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: master
app.kubernetes.io/part-of: lookout
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "lookout-master.image" -}}
{{- $img := .Values.image }}
{{- if $img.digest }}
{{- printf "%s@%s" $img.repository $img.digest }}
{{- else }}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) }}
{{- end }}
{{- end }}

{{- define "lookout-master.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "lookout-master.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* "true" when the master generates credentials into its data volume (master.bootstrap). */}}
{{- define "lookout-master.generatesCredentials" -}}
{{- or (not .Values.auth.existingSecret) (eq (include "lookout-master.tlsMode" .) "generated") }}
{{- end }}

{{/* "true" when the data volume is a PersistentVolumeClaim: the SQLite file, or the generated
credentials of a MySQL install, must outlive the pod. */}}
{{- define "lookout-master.dataClaim" -}}
{{- $p := .Values.store.persistence }}
{{- and $p.enabled (or (eq .Values.store.type "sqlite") (eq (include "lookout-master.generatesCredentials" .) "true")) }}
{{- end }}

{{/* JSON list of the names the self-signed certificate covers: the Services, then extras. */}}
{{- define "lookout-master.selfSignedHosts" -}}
{{- $full := include "lookout-master.fullname" . }}
{{- $grpc := include "lookout-master.grpcServiceName" . }}
{{- $ns := .Release.Namespace }}
{{- $hosts := list $grpc (printf "%s.%s" $grpc $ns) (printf "%s.%s.svc" $grpc $ns) (printf "%s.%s.svc.cluster.local" $grpc $ns) $full }}
{{- concat $hosts .Values.tls.selfSigned.dnsNames .Values.tls.selfSigned.ipAddresses | uniq | toJson }}
{{- end }}

{{/* "existing", "generated" or "plaintext": where the gRPC server certificate comes from. */}}
{{- define "lookout-master.tlsMode" -}}
{{- if .Values.tls.plaintext }}plaintext
{{- else if .Values.tls.existingSecret }}existing
{{- else }}generated
{{- end }}
{{- end }}

{{- define "lookout-master.grpcServiceName" -}}
{{- printf "%s-grpc" (include "lookout-master.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The ClusterIP Service of /metrics, apart from the HTTP Service so that a LoadBalancer or
NodePort service.http.type never publishes it. */}}
{{- define "lookout-master.metricsServiceName" -}}
{{- printf "%s-metrics" (include "lookout-master.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The ConfigMap the SLO definitions come from: the chart's own for slo.definitions, else
slo.existingConfigMap; "" when the master keeps them in its data volume. */}}
{{- define "lookout-master.sloConfigMap" -}}
{{- if .Values.slo.definitions }}
{{- printf "%s-slo" (include "lookout-master.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- .Values.slo.existingConfigMap }}
{{- end }}
{{- end }}

{{/* The dashboard URL notifications link to: alerting.externalUrl, else what the Ingress serves
(its first host, https when it has TLS blocks, and its path); "" for no links. */}}
{{- define "lookout-master.externalUrl" -}}
{{- $v := .Values }}
{{- if $v.alerting.externalUrl }}
{{- $v.alerting.externalUrl }}
{{- else if and $v.ingress.enabled $v.ingress.hosts }}
{{- printf "%s://%s%s" (ternary "https" "http" (not (empty $v.ingress.tls))) (first $v.ingress.hosts) (trimSuffix "/" $v.ingress.path) }}
{{- end }}
{{- end }}

{{- define "lookout-master.validate" -}}
{{- $v := .Values }}
{{- if and $v.tls.plaintext $v.tls.existingSecret }}
{{- fail "tls.plaintext=true and tls.existingSecret are contradictory: pick one (plaintext is for labs only)" }}
{{- end }}
{{- if and $v.tls.plaintext $v.tls.clientCaSecret }}
{{- fail "tls.clientCaSecret (mTLS) needs TLS: unset tls.plaintext" }}
{{- end }}
{{- if and (not $v.tls.plaintext) (not $v.tls.existingSecret) (not $v.tls.selfSigned.enabled) }}
{{- fail "gRPC needs a certificate: set tls.existingSecret (a kubernetes.io/tls Secret, e.g. from cert-manager), or tls.selfSigned.enabled=true, or tls.plaintext=true for a lab" }}
{{- end }}
{{- if and (eq $v.store.type "mysql") (not $v.store.mysql.existingSecret) }}
{{- fail "store.type=mysql needs store.mysql.existingSecret: the name of a Secret holding the DSN (key store.mysql.dsnKey)" }}
{{- end }}
{{- if $v.serviceMonitor }}
{{- fail "serviceMonitor moved to metrics.serviceMonitor (enabled, interval, labels): the master serves /metrics on its own port, metrics.port, no longer on the HTTP port" }}
{{- end }}
{{- if and $v.metrics.enabled (has (int $v.metrics.port) (list 8080 7443)) }}
{{- fail (printf "metrics.port=%d is taken by the HTTP (8080) or gRPC (7443) listener: pick another port" (int $v.metrics.port)) }}
{{- end }}
{{- if and $v.slo.definitions $v.slo.existingConfigMap }}
{{- fail (printf "slo.definitions and slo.existingConfigMap (%s) are both set: give one (inline definitions go into the chart's own ConfigMap; existingConfigMap names one you manage)" $v.slo.existingConfigMap) }}
{{- end }}
{{- if $v.slo.definitions }}
{{- with (fromYaml $v.slo.definitions).Error }}
{{- fail (printf "slo.definitions is not a YAML mapping (timezone:, slos: [...]): %s" .) }}
{{- end }}
{{- end }}
{{- if and $v.metrics.serviceMonitor.enabled (not $v.metrics.enabled) }}
{{- fail "metrics.serviceMonitor.enabled=true needs metrics.enabled=true (nothing to scrape otherwise)" }}
{{- end }}
{{- end }}
