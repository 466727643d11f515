{{/*
RBAC derivation: what each command needs beyond reading whole objects (those reads come from
sources.watch), and the helpers that turn values into PolicyRules. The rows follow the command
catalogue's (shared/commands/catalogue.py, `rbac` of each row): tests/deploy/test_chart_commands.py
renders the chart and fails when they disagree, so a new command or verb is added in both. A permission is "scope|apiGroup|resource|verb": scope "ns" permissions follow
policy.allowedNamespaces (RoleBindings) when it is set; "cluster" ones stay in the ClusterRole
(nodes are cluster-scoped; drain evicts pods wherever the node runs them). "core" is the "" group.
*/}}
{{- define "lookout-agent.commandPermissions" -}}
restart_pod: ["ns|core|pods|delete"]
delete_pod: ["ns|core|pods|delete"]
rollout_restart: ["ns|apps|deployments|patch", "ns|apps|statefulsets|patch", "ns|apps|daemonsets|patch"]
scale: ["ns|apps|deployments/scale|get", "ns|apps|deployments/scale|patch", "ns|apps|statefulsets/scale|get", "ns|apps|statefulsets/scale|patch"]
set_image: ["ns|apps|deployments|patch", "ns|apps|statefulsets|patch", "ns|apps|daemonsets|patch"]
set_resources: ["ns|apps|deployments|patch", "ns|apps|statefulsets|patch", "ns|apps|daemonsets|patch"]
rollback: ["ns|apps|deployments|patch"]
cordon: ["cluster|core|nodes|patch"]
uncordon: ["cluster|core|nodes|patch"]
drain: ["cluster|core|nodes|patch", "cluster|core|pods/eviction|create"]
pod_logs: ["ns|core|pods/log|get"]
describe: []
{{- end }}

{{/* Commands that are both allowed and switched on (drain needs policy.drainEnabled too). */}}
{{- define "lookout-agent.enabledCommands" -}}
{{- $out := list }}
{{- range .Values.policy.allowedCommands }}
{{- if or (ne . "drain") $.Values.policy.drainEnabled }}
{{- $out = append $out . }}
{{- end }}
{{- end }}
{{- toJson (uniq $out) }}
{{- end }}

{{/*
Renders PolicyRules for permissions "apiGroup|resource|verb" (a JSON list), one rule per
(apiGroup, resource) with its verbs sorted, rules sorted: stable output for the plain manifests.
*/}}
{{- define "lookout-agent.rules" -}}
{{- $byKey := dict }}
{{- range (fromJsonArray .) }}
{{- $p := splitList "|" . }}
{{- $key := printf "%s|%s" (index $p 0) (index $p 1) }}
{{- $_ := set $byKey $key (append (get $byKey $key | default list) (index $p 2)) }}
{{- end }}
{{- range $key := keys $byKey | sortAlpha }}
{{- $p := splitList "|" $key }}
- apiGroups: [{{ ternary "" (index $p 0) (eq (index $p 0) "core") | quote }}]
  resources: [{{ index $p 1 }}]
  verbs: [{{ get $byKey $key | uniq | sortAlpha | join ", " }}]
{{- end }}
{{- end }}

{{/* "apiGroup|resource|verb" list (JSON) for scope "cluster" or "ns" of the enabled commands. */}}
{{- define "lookout-agent.commandPerms" -}}
{{- $table := include "lookout-agent.commandPermissions" .root | fromYaml }}
{{- $out := list }}
{{- range (include "lookout-agent.enabledCommands" .root | fromJsonArray) }}
{{- range (get $table .) }}
{{- $p := splitList "|" . }}
{{- if eq (index $p 0) $.scope }}
{{- $out = append $out (join "|" (rest $p)) }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $out }}
{{- end }}

{{/* Everything the ClusterRole grants, as a JSON list of "apiGroup|resource|verb". */}}
{{- define "lookout-agent.clusterPerms" -}}
{{- $out := list }}
{{- range $group, $resources := .Values.sources.watch }}
{{- range $res := $resources }}
{{- range $verb := list "get" "list" "watch" }}
{{- $out = append $out (printf "%s|%s|%s" $group $res $verb) }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.sources.secretsEnabled }}
{{- /* list/watch only: the agent needs names and metadata, never a single Secret by name. */}}
{{- $out = concat $out (list "core|secrets|list" "core|secrets|watch") }}
{{- end }}
{{- if and .Values.ingressMetrics.enabled .Values.ingressMetrics.selectors }}
{{- /* Discovery lists controller pods by label; it never watches or changes them. */}}
{{- $out = concat $out (list "core|pods|get" "core|pods|list") }}
{{- end }}
{{- if .Values.podMetrics.enabled }}
{{- /* metrics-server's usage lists (agent/pod_metrics): read, never watched (it serves no watch). */}}
{{- $out = concat $out (list "metrics.k8s.io|pods|get" "metrics.k8s.io|pods|list" "metrics.k8s.io|nodes|get" "metrics.k8s.io|nodes|list") }}
{{- end }}
{{- $out = concat $out (include "lookout-agent.commandPerms" (dict "root" . "scope" "cluster") | fromJsonArray) }}
{{- if not .Values.policy.allowedNamespaces }}
{{- $out = concat $out (include "lookout-agent.commandPerms" (dict "root" . "scope" "ns") | fromJsonArray) }}
{{- end }}
{{- toJson $out }}
{{- end }}
