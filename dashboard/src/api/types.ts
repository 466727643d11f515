/**
 * Hand-typed view shapes of the master's JSON answers, read from master/gateway/routes/*.py.
 * The OpenAPI describes most of these as `{}` (the routes answer pre-encoded JSON), so the
 * generated schema.d.ts types requests and these type responses.
 */
import type { components } from './schema';

export type Severity = 'critical' | 'warning' | 'info';
export type Health = 'ok' | 'warning' | 'critical' | 'unknown' | string;
export type ClusterStatus = 'connected' | 'reconnecting' | 'offline' | string;

export interface Items<T> {
  items: T[];
}

export interface ClusterView {
  name: string;
  status: ClusterStatus;
  last_heartbeat_ms: number | null;
  agent_version: string | null;
  agent_instance: string | null;
  connected_since_ms: number | null;
  synced: boolean;
  resource_counts: Record<string, number>;
  active_findings: number;
  journal: { high_water_mark: number; gaps_dropped: number; agent_spool_depth: number };
  sources: Record<string, { state: string; message: string }>;
  limits: { degraded: boolean; exceeded: { limit: string; message: string }[] };
}

export interface ClusterSummary {
  name: string;
  status: ClusterStatus;
  synced: boolean;
  degraded: boolean;
  counts: Record<string, number>;
  health: Record<string, Record<string, number>>;
  findings: Record<Severity, number>;
}

export interface MetricsSummary {
  nodes: number;
  cpu_percent: number | null;
  memory: { used_bytes: number; total_bytes: number };
  disk: { used_bytes: number; total_bytes: number };
  per_node: Record<
    string,
    {
      at_ms: number;
      cpu_percent: number;
      memory_used_bytes: number;
      memory_total_bytes: number;
      load1: number;
    }
  >;
}

export interface ObjectRefView {
  kind: string;
  namespace: string;
  name: string;
  uid?: string;
}

/** Raw Kubernetes object as the agent trimmed and redacted it. */
export interface K8sObject {
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string; uid?: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ResourceItem {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resource_version: string;
  health: Health;
  labels: Record<string, string>;
  object: K8sObject;
}

export interface ResourcePage {
  items: ResourceItem[];
  next_cursor: string | null;
}

export interface Finding {
  fingerprint: string;
  reason: string;
  severity: Severity;
  category: string;
  subject: ObjectRefView;
  owner: ObjectRefView | null;
  node: string | null;
  message: string;
  first_seen_ms: number;
  last_seen_ms: number;
  count: number;
  attrs: Record<string, string>;
}

export interface FindingOccurrence {
  id: number | string;
  fingerprint: string;
  reason: string;
  severity: Severity;
  subject: ObjectRefView;
  message: string;
  opened_ms: number;
  last_seen_ms: number;
  resolved_ms: number | null;
  count: number;
}

export type CommandState =
  | 'pending'
  | 'dispatched'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'timed_out'
  | string;

export interface CommandTransition {
  state: CommandState;
  at_ms: number;
  message: string | null;
}

export interface CommandView {
  id: string;
  cluster: string;
  type: string;
  target: string;
  params: Record<string, unknown>;
  dry_run: boolean;
  idempotency_key: string | null;
  state: CommandState;
  terminal: boolean;
  created_ms: number;
  updated_ms: number;
  deadline_ms: number;
  requested_by: string;
  result: unknown;
  error_code: string | null;
  message: string | null;
  transitions?: CommandTransition[];
}

export interface CommandPage {
  items: CommandView[];
  next_before_ms: number | null;
  next_before_id: string | null;
}

export type CommandRequest = components['schemas']['CommandIn'];

export interface Grant {
  role: string;
  cluster: string;
  namespace: string;
}

export interface Me {
  name: string;
  kind: 'user' | 'token' | string;
  role: string;
  groups: string[];
  grants: Grant[];
}

export interface LoginAnswer {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_expires_ms: number;
  user: { username: string; role: string; must_change_password: boolean };
}

export interface OidcStatus {
  enabled: boolean;
  login_url: string;
}

export interface UserView {
  username: string;
  role: string;
  disabled: boolean;
  created_ms: number;
}

export interface TokenView {
  id: string;
  name: string;
  owner: string;
  owner_kind: string;
  created_by: string;
  created_ms: number;
  expires_ms: number | null;
  last_used_ms: number | null;
  revoked: boolean;
  bindings: Grant[];
}

export interface NewTokenAnswer extends TokenView {
  token: string;
}

export interface BindingView {
  id: string;
  subject_kind: 'user' | 'group' | 'token';
  subject: string;
  role: string;
  cluster: string;
  namespace: string;
  created_ms: number;
  created_by: string;
}

export interface AuditEntry {
  id: number | string;
  at_ms: number;
  actor: string;
  action: string;
  cluster: string;
  target: string;
  outcome: string;
  trace_id?: string;
  detail: Record<string, unknown>;
}

export interface AuditPage {
  items: AuditEntry[];
  next_before_id: string | number | null;
}

export interface IssuedClusterToken {
  name: string;
  token_id: string;
  token: string;
}

export interface NodeSeries {
  cluster: string;
  node: string;
  from_ms: number;
  to_ms: number;
  resolution: string;
  step_ms: number;
  times_ms: number[];
  series: Record<string, (number | null)[]>;
}
