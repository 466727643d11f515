/**
 * View shapes of the SLO routes' JSON (master/gateway/routes/slos.py): the OpenAPI types them
 * as `{}` (pre-encoded answers). Every ratio is a fraction (0.999, not 99.9).
 */

export type SliKind = 'availability' | 'latency' | string;

export type SloWindow =
  | { kind: 'rolling'; days: number }
  | { kind: 'calendar'; unit: 'month' | 'quarter' | string; tz: string };

export interface SloRule {
  severity: string;
  long_s: number;
  short_s: number;
  factor: number;
}

export interface SloBudget {
  consumed: number;
  remaining: number; // 1 - consumed: negative when overspent
  allowed_bad: number;
  bad: number;
  remaining_requests: number;
  allowed_ms: number;
  consumed_ms: number;
  remaining_ms: number;
}

export interface SloFiring {
  severity: string;
  urgency: 'page' | 'ticket' | string;
  window: string;
  long_burn: number;
  short_burn: number;
  factor: number;
}

export interface Slo {
  name: string;
  cluster: string;
  namespace: string;
  service: string;
  route: string;
  sli: SliKind;
  objective: number;
  threshold_s: number | null;
  window: SloWindow;
  owner: Record<string, string>;
  budget_policy: boolean;
  rules: SloRule[];
  guard: { min_requests: number; min_bad: number };
  problem: string | null;
  evaluated_ms: number | null;
  window_start_ms: number | null;
  window_end_ms: number | null;
  sli_value: number | null;
  good: number;
  total: number;
  budget: SloBudget | null;
  burn_rates: Record<string, number | null>;
  firing: SloFiring[];
  /** Hourly burn rates, oldest first; null for an hour without traffic (list only). */
  sparkline?: (number | null)[];
}

export interface SloList {
  items: Slo[];
  timezone: string;
}

export interface SloPoint {
  start_ms: number;
  good: number;
  total: number;
  sli: number | null;
  burn: number | null;
}

export interface Estimate {
  value_s: number;
  lower_s: number;
  upper_s: number | null; // null: past the last finite bucket
}

export interface SloAlert {
  severity: string;
  urgency: string;
  window: string;
  starts_at_ms: number;
  ends_at_ms: number | null;
  state: string;
}

export interface SloDetail extends Slo {
  series: (SloPoint & { budget_remaining: number | null })[];
  latency: Record<'p50' | 'p95' | 'p99' | string, Estimate | null>;
  alerts: SloAlert[];
}

/** GET /slo-config (admin): the definitions as running, the file's text among them. */
export interface SloConfig {
  source: string;
  timezone: string;
  yaml: string;
  slos: Pick<
    Slo,
    | 'name'
    | 'cluster'
    | 'namespace'
    | 'service'
    | 'route'
    | 'sli'
    | 'objective'
    | 'threshold_s'
    | 'window'
    | 'owner'
    | 'budget_policy'
    | 'rules'
    | 'guard'
  >[];
}
