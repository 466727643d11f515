/**
 * Pure SLO logic for the pages: worst-first order and the filter, the budget as time in
 * parts a catalogue words, rule window names, the burn sparkline's SVG path, latency bounds
 * and report periods in the configured time zone. No React, no fetching.
 */
import type { Estimate, Slo, SloRule } from './types';

/** The server's order, kept when the list is re-sorted here: least budget left first, no traffic last. */
export function budgetKey(s: Slo): number {
  return s.budget === null || s.total === 0 ? 2 : s.budget.remaining;
}

export function compareSlos(a: Slo, b: Slo): number {
  return budgetKey(a) - budgetKey(b) || a.name.localeCompare(b.name);
}

export const FILTER_NAMES = ['q', 'cluster', 'sli', 'firing'] as const;
export type SloFilters = Record<(typeof FILTER_NAMES)[number], string>;

/** `q` matches name, cluster, namespace, service, route or an owner label's value (any case). */
export function matchesFilters(s: Slo, f: SloFilters): boolean {
  if (f.cluster && s.cluster !== f.cluster) return false;
  if (f.sli && s.sli !== f.sli) return false;
  if (f.firing === 'page' && !s.firing.some((x) => x.urgency === 'page')) return false;
  if (f.firing === 'any' && s.firing.length === 0) return false;
  const q = f.q.trim().toLowerCase();
  if (!q) return true;
  const hay = [s.name, s.cluster, s.namespace, s.service, s.route, ...Object.values(s.owner)];
  return hay.some((h) => h.toLowerCase().includes(q));
}

export function sloRows(items: Slo[], f: SloFilters): Slo[] {
  return items.filter((s) => matchesFilters(s, f)).sort(compareSlos);
}

export function clusters(items: Slo[]): string[] {
  return [...new Set(items.map((s) => s.cluster))].sort();
}

/** The worst `n` SLOs with traffic (the fleet card): what has budget to lose. */
export function worst(items: Slo[], n = 3): Slo[] {
  return [...items].sort(compareSlos).slice(0, n);
}

export type Unit = 'd' | 'h' | 'min' | 's';
export interface DurationPart {
  unit: Unit;
  n: number;
}

const SIZES: [Unit, number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1_000],
];

/**
 * A length of time as its two largest non-zero units, rounded down ("43 min 12 s",
 * "2 h 5 min", "3 d 4 h"); under a second is `0 s`. Negative lengths give the parts of their
 * absolute value (the caller says "over budget").
 */
export function durationParts(ms: number): DurationPart[] {
  // To the nearest second: 0.1 % of 30 days is 43 min 12 s, not 43 min 11.999 s shown as 11.
  let rest = Math.round(Math.abs(ms) / 1000) * 1000;
  const out: DurationPart[] = [];
  for (const [unit, size] of SIZES) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || out.length > 0) out.push({ unit, n });
    if (out.length === 2) break;
  }
  const parts = out.filter((p) => p.n > 0);
  return parts.length > 0 ? parts : [{ unit: 's', n: 0 }];
}

/** Seconds as a rule window's name, as the master labels alerts: 3600 -> "1h", 300 -> "5m". */
export function windowName(seconds: number): string {
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
  ] as const) {
    if (seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

export interface RuleRow {
  rule: SloRule;
  window: string; // "1h/5m", as alerts carry it
  longBurn: number | null;
  shortBurn: number | null;
  firing: boolean;
}

/** Each burn rule with the burn of its two windows (from burn_rates when the window is standard). */
export function ruleRows(s: Slo): RuleRow[] {
  return s.rules.map((rule) => {
    const long = windowName(rule.long_s);
    const short = windowName(rule.short_s);
    const window = `${long}/${short}`;
    const hit = s.firing.find((f) => f.window === window && f.urgency === rule.severity);
    return {
      rule,
      window,
      longBurn: hit?.long_burn ?? s.burn_rates[long] ?? null,
      shortBurn: hit?.short_burn ?? s.burn_rates[short] ?? null,
      firing: hit !== undefined,
    };
  });
}

/** The worst urgency firing: page beats ticket; '' when nothing fires. */
export function worstFiring(s: Slo): 'page' | 'ticket' | '' {
  if (s.firing.some((f) => f.urgency === 'page')) return 'page';
  return s.firing.length > 0 ? 'ticket' : '';
}

/**
 * The sparkline as an SVG path over a `width` x `height` box: one point per hour, y scaled to
 * max(1, the highest burn) so a burn of 1 (spending the budget exactly over the window) sits at
 * the same height on every row that burns less; hours without traffic break the line.
 */
export function sparklinePath(
  values: (number | null)[],
  width: number,
  height: number,
): { d: string; max: number; oneY: number } {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  const max = Math.max(1, ...finite);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const y = (v: number) => round(height - (Math.min(v, max) / max) * height);
  let d = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    const x = round(values.length > 1 ? i * step : width / 2);
    d += `${pen ? 'L' : 'M'}${x} ${y(v)}`;
    pen = true;
  });
  return { d, max, oneY: y(1) };
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** A fraction as a percentage with enough digits for an objective: 0.999 -> "99.9 %". */
export function pct(x: number | null, locale: string, digits = 3): string {
  if (x === null || !Number.isFinite(x)) return '–';
  return new Intl.NumberFormat(locale, {
    style: 'percent',
    maximumFractionDigits: digits,
    minimumFractionDigits: 0,
  }).format(x);
}

export function seconds(x: number, locale: string): string {
  return new Intl.NumberFormat(locale, { maximumSignificantDigits: 3 }).format(x);
}

/** A latency estimate's bounds: lower and upper bucket edge; upper null = past the last bucket. */
export function estimateBounds(e: Estimate): { lower: number; upper: number | null } {
  return { lower: e.lower_s, upper: e.upper_s };
}

export interface Periods {
  thisMonth: string;
  lastMonth: string;
  thisQuarter: string;
}

/** The report periods the detail page offers, as of `nowMs` in time zone `tz`. */
export function reportPeriods(nowMs: number, tz: string): Periods {
  let year = new Date(nowMs).getUTCFullYear();
  let month = new Date(nowMs).getUTCMonth() + 1;
  try {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      year: 'numeric',
      month: 'numeric',
    }).formatToParts(nowMs);
    year = Number(parts.find((p) => p.type === 'year')?.value ?? year);
    month = Number(parts.find((p) => p.type === 'month')?.value ?? month);
  } catch {
    // An unknown zone: UTC, as the master would refuse it anyway.
  }
  const mm = (m: number) => String(m).padStart(2, '0');
  const last = month === 1 ? `${year - 1}-12` : `${year}-${mm(month - 1)}`;
  return {
    thisMonth: `${year}-${mm(month)}`,
    lastMonth: last,
    thisQuarter: `${year}-Q${Math.floor((month - 1) / 3) + 1}`,
  };
}

/** uPlot's data for a detail series: seconds on x, SLI and budget remaining as percentages. */
export function chartData(
  series: { start_ms: number; sli: number | null; budget_remaining: number | null }[],
): { times: number[]; sli: (number | null)[]; budget: (number | null)[] } {
  return {
    times: series.map((p) => p.start_ms),
    sli: series.map((p) => (p.sli === null ? null : p.sli * 100)),
    budget: series.map((p) => (p.budget_remaining === null ? null : p.budget_remaining * 100)),
  };
}
