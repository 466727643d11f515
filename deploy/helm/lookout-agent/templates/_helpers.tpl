{{/*
Names, labels and the cross-field checks the schema cannot express ("lookout-agent.validate",
pulled in by every template through "lookout-agent.labels").
*/}}
{{- define "lookout-agent.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lookout-agent.fullname" -}}
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

{{- define "lookout-agent.selectorLabels" -}}
app.kubernetes.io/name: {{ include "lookout-agent.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "lookout-agent.labels" -}}
{{- include "lookout-agent.validate" . -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "lookout-agent.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: lookout
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "lookout-agent.image" -}}
{{- $img := .Values.image }}
{{- if $img.digest }}
{{- printf "%s@%s" $img.repository $img.digest }}
{{- else }}
{{- printf "%s:%s" $img.repository (default .Chart.AppVersion $img.tag) }}
{{- end }}
{{- end }}

{{- define "lookout-agent.serviceAccountName" -}}
{{- default (include "lookout-agent.fullname" .) .Values.serviceAccount.name }}
{{- end }}

{{- define "lookout-agent.tokenSecretName" -}}
{{- default (printf "%s-token" (include "lookout-agent.fullname" .)) .Values.token.existingSecret }}
{{- end }}

{{- define "lookout-agent.intakeSecretName" -}}
{{- default (printf "%s-intake" (include "lookout-agent.fullname" .)) .Values.metrics.intakeToken.existingSecret }}
{{- end }}

{{- define "lookout-agent.intakeServiceName" -}}
{{- printf "%s-intake" (include "lookout-agent.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Headless Service of the agent's own /metrics, made only for the ServiceMonitor. */}}
{{- define "lookout-agent.metricsServiceName" -}}
{{- printf "%s-metrics" (include "lookout-agent.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lookout-agent.leaseName" -}}
{{- printf "%s-leader" (include "lookout-agent.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Mode of mounted Secret files the agent must read. With fsGroup kubelet makes them
root:<fsGroup>, so 0440 (owner and group) is enough and keeps other uids out; without it they stay
root:root and only the "other" bits reach uid 10001. */}}
{{- define "lookout-agent.secretMode" -}}
{{- if .Values.podSecurityContext.fsGroup }}0440{{ else }}0444{{ end }}
{{- end }}

{{/* Size of the spool volume: spool.size, or 5 x spoolMaxMiB + 10 MiB (the arithmetic is in
values.yaml, next to spool.size). */}}
{{- define "lookout-agent.spoolSize" -}}
{{- if .Values.spool.size }}{{ .Values.spool.size }}
{{- else }}{{ add (mul (int .Values.spoolMaxMiB) 5) 10 }}Mi
{{- end }}
{{- end }}

{{- define "lookout-agent.spoolClaimName" -}}
{{- default (printf "%s-spool" (include "lookout-agent.fullname" .)) .Values.spool.persistentVolumeClaim.existingClaim }}
{{- end }}

{{/* The intake token the chart derives from token.value (stable across renders; the agent token
cannot be recovered from it). */}}
{{- define "lookout-agent.derivedIntakeToken" -}}
{{- printf "lookout-intake/v1:%s" .Values.token.value | sha256sum }}
{{- end }}

{{/* Egress rule for name lookups: port 53 at any address, because cluster DNS may be a Service,
a node-local cache on a link-local address or the node's resolver. */}}
{{- define "lookout-agent.dnsEgress" -}}
# DNS.
- ports:
    - protocol: UDP
      port: 53
    - protocol: TCP
      port: 53
{{- end }}

{{- define "lookout-agent.validate" -}}
{{- $v := .Values }}
{{- if and $v.token.existingSecret $v.token.value }}
{{- fail "give the agent token once: token.existingSecret OR token.value, not both" }}
{{- end }}
{{- if not (or $v.token.existingSecret $v.token.value) }}
{{- fail "the agent needs its token: set token.existingSecret (a Secret with key token.existingSecretKey) or token.value; `lookout-master cluster add NAME` prints it" }}
{{- end }}
{{- if and $v.metrics.enabled (not $v.metrics.intakeToken.existingSecret) (not $v.token.value) }}
{{- fail "the metrics daemons need an intake token, and with token.existingSecret the chart cannot derive one: create a Secret once (kubectl create secret generic lookout-agent-intake --from-literal=token=\"$(head -c 32 /dev/urandom | base64)\") and set metrics.intakeToken.existingSecret=lookout-agent-intake, or set metrics.enabled=false" }}
{{- end }}
{{- if and (eq $v.spool.volume "persistentVolumeClaim") (gt (int $v.replicas) 1) }}
{{- fail "spool.volume=persistentVolumeClaim needs replicas: 1 (one claim follows one pod; with leader election every replica keeps its own emptyDir spool)" }}
{{- end }}
{{- if and $v.master.plaintext (or $v.master.tls.caSecret $v.master.tls.ca $v.master.tls.clientCertSecret) }}
{{- fail "master.plaintext=true contradicts the master.tls settings: pick one (plaintext is for labs only)" }}
{{- end }}
{{- if and $v.selfMetrics.enabled $v.metrics.enabled (eq (int $v.selfMetrics.port) (int $v.metrics.port)) }}
{{- fail (printf "selfMetrics.port=%d is the intake port (metrics.port): pick another port for the agent's /metrics" (int $v.selfMetrics.port)) }}
{{- end }}
{{- if and $v.selfMetrics.serviceMonitor.enabled (not $v.selfMetrics.enabled) }}
{{- fail "selfMetrics.serviceMonitor.enabled=true needs selfMetrics.enabled=true (nothing to scrape otherwise)" }}
{{- end }}
{{- end }}
