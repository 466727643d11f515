/**
 * View shapes of the alerting routes' JSON (master/gateway/routes/alerts.py, alert_views.py,
 * silences.py, notifications.py): the OpenAPI types them as `{}` (pre-encoded answers).
 */

/** The engine's record status; `state` is the server's filter value derived from it. */
export type AlertStatus = 'pending' | 'firing' | 'flapping' | 'resolved' | string;
export type ServerState = 'active' | 'suppressed' | 'pending' | 'resolved' | string;

export interface Alert {
  fingerprint: string;
  status: AlertStatus;
  state: ServerState;
  flapping: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  rule: string;
  starts_at_ms: number;
  ends_at_ms: number | null;
  updated_at_ms: number;
  acked_by: string | null;
  acked_at_ms: number | null;
  silenced_by: string[];
  inhibited_by: { rule: string; by: string } | null;
  receivers: string[];
}

export interface AlertGroup {
  receiver: string;
  group_key: string;
  labels: Record<string, string>;
  count: number;
  last_notified_ms: number | null;
  alerts: Alert[];
}

export interface Silence {
  id: string;
  matchers: string[];
  starts_at_ms: number;
  ends_at_ms: number;
  created_by: string;
  comment: string;
  created_at_ms: number;
  state: 'active' | 'pending' | 'expired' | string;
}

export interface NewSilence {
  matchers: string[];
  duration_s: number;
  comment: string;
}

export interface Receiver {
  name: string;
  channel: string;
  language: string;
  max_concurrency: number;
  config: Record<string, unknown>;
}

export interface TestSendResult {
  receiver: string;
  sent: boolean;
  status: number | null;
  error?: string;
}

export interface Notification {
  id: number;
  receiver: string;
  group_key: string;
  idempotency_key: string;
  status: 'firing' | 'resolved' | string | null;
  alerts: number;
  state: string;
  attempts: number;
  next_at_ms: number | null;
  last_status: number | null;
  last_error: string | null;
  created_ms: number;
  updated_ms: number;
}

export interface DeliveryAttempt {
  id: number;
  notification_id: number;
  receiver: string;
  channel: string;
  attempt: number;
  at_ms: number;
  outcome: string;
  status: number | null;
  error: string | null;
  next_attempt_ms: number | null;
}

export interface NoiseRow {
  scope: 'rule' | 'receiver' | string;
  name: string;
  days: number;
  counts: Record<string, number>;
  total: number;
}
