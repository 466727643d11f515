/**
 * View shapes of the remediation routes' JSON (master/gateway/routes/remediation_views.py):
 * the OpenAPI types them as `{}` (pre-encoded answers).
 */
export type RemediationState =
  | 'suggested'
  | 'previewed'
  | 'pending_approval'
  | 'approved'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'resolved'
  | 'no_effect'
  | 'worse'
  | 'expired'
  | 'rejected';

export interface Target {
  kind: string;
  namespace: string;
  name: string;
}

export interface Action {
  type: string;
  target: Target;
  params: Record<string, unknown>;
}

export interface Suggestion {
  id: string;
  reason: string;
  why: string;
  evidence: Record<string, unknown>;
  action: Action;
  inverse: Action | null;
}

export interface Amounts {
  limits: Record<string, string>;
  requests: Record<string, string>;
}

export interface Impact {
  replicas?: { desired: number; available: number };
  pods_on_node?: number;
  pdbs: {
    name: string;
    disruptions_allowed: number;
    current_healthy: number;
    desired_healthy: number;
  }[];
  warnings: string[];
}

export interface Preview {
  command_id: string;
  state: string;
  diff: Record<string, unknown> | null;
  error: string | null;
  impact: Impact | null;
}

export interface HistoryNote {
  state: RemediationState;
  at_ms: number;
  by: string;
  why: string;
}

export interface Remediation {
  id: string;
  cluster: string;
  namespace: string | null;
  target: Target;
  fingerprint: string;
  reason: string;
  state: RemediationState;
  auto: boolean;
  suggestion: Suggestion;
  requested_by: string | null;
  approvals: { by: string; at_ms: number }[];
  preview: Preview | null;
  preview_command_id: string | null;
  run_command_id: string | null;
  outcome: string | null;
  message: string | null;
  created_ms: number;
  updated_ms: number;
  expires_ms: number | null;
  ran_ms: number | null;
  succeeded_ms: number | null;
  history?: HistoryNote[];
}

export interface RemediationPage {
  items: Remediation[];
  next_before_ms: number | null;
}

export interface PolicyRule {
  cluster: string;
  namespace: string;
  approve_roles: ('operator' | 'admin')[];
  approvers: number;
  two_person: boolean;
  expiry_s: number;
  watch_s: number;
  auto_approve: boolean;
  auto_reasons: string[];
  dry_run_only: boolean;
  rate_per_hour: number;
  breaker_failures: number;
  breaker_window_s: number;
}

export interface PolicyConfig {
  rules: PolicyRule[];
}
