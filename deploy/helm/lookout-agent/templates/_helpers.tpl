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

{{- define "lookout-agent.leaseName" -}}
{{- printf "%s-leader" (include "lookout-agent.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "lookout-agent.validate" -}}
{{- $v := .Values }}
{{- if and $v.token.existingSecret $v.token.value }}
{{- fail "give the agent token once: token.existingSecret OR token.value, not both" }}
{{- end }}
{{- if not (or $v.token.existingSecret $v.token.value) }}
{{- fail "the agent needs its token: set token.existingSecret (a Secret with key token.existingSecretKey) or token.value; `lookout-master cluster add NAME` prints it" }}
{{- end }}
{{- if and $v.master.plaintext (or $v.master.tls.caSecret $v.master.tls.ca $v.master.tls.clientCertSecret) }}
{{- fail "master.plaintext=true contradicts the master.tls settings: pick one (plaintext is for labs only)" }}
{{- end }}
{{- end }}
