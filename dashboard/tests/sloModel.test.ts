/** The SLO pages' pure logic: worst-first order, the filter, budget time, rule rows, sparkline, periods. */
import { describe, expect, it } from 'vitest';
import {
  chartData,
  compareSlos,
  durationParts,
  reportPeriods,
  ruleRows,
  sloRows,
  sparklinePath,
  windowName,
  worst,
  worstFiring,
  type SloFilters,
} from '../src/features/slos/model';
import type { Slo, SloBudget } from '../src/features/slos/types';

const NO_FILTER: SloFilters = { q: '', cluster: '', sli: '', firing: '' };

function budget(remaining: number): SloBudget {
  return {
    consumed: 1 - remaining,
    remaining,
    allowed_bad: 100,
    bad: (1 - remaining) * 100,
    remaining_requests: remaining * 100,
    allowed_ms: 2_592_000,
    consumed_ms: (1 - remaining) * 2_592_000,
    remaining_ms: remaining * 2_592_000,
  };
}

function slo(name: string, remaining: number | null, over: Partial<Slo> = {}): Slo {
  return {
    name,
    cluster: 'c1',
    namespace: 'shop',
    service: name,
    route: '',
    sli: 'availability',
    objective: 0.999,
    threshold_s: null,
    window: { kind: 'rolling', days: 30 },
    owner: { team: 'payments' },
    budget_policy: false,
    rules: [
      { severity: 'page', long_s: 3600, short_s: 300, factor: 14.4 },
      { severity: 'page', long_s: 21600, short_s: 1800, factor: 6 },
      { severity: 'ticket', long_s: 86400, short_s: 7200, factor: 3 },
    ],
    guard: { min_requests: 100, min_bad: 5 },
    problem: null,
    evaluated_ms: 1,
    window_start_ms: 0,
    window_end_ms: 1,
    sli_value: remaining === null ? null : 0.999,
    good: remaining === null ? 0 : 99_900,
    total: remaining === null ? 0 : 100_000,
    budget: remaining === null ? null : budget(remaining),
    burn_rates: { '5m': 20, '30m': 8, '1h': 16, '2h': 1, '6h': 7, '1d': 2, '3d': 0.5 },
    firing: [],
    ...over,
  };
}

describe('order and filter', () => {
  const items = [
    slo('quiet', null),
    slo('healthy', 0.9),
    slo('burnt', -0.4),
    slo('half', 0.5, { sli: 'latency', threshold_s: 0.25, cluster: 'c2' }),
    slo('also-half', 0.5),
  ];

  it('puts the least budget first, ties by name, no traffic last', () => {
    expect([...items].sort(compareSlos).map((s) => s.name)).toEqual([
      'burnt',
      'also-half',
      'half',
      'healthy',
      'quiet',
    ]);
  });

  it('filters by text over name, where and owner, by cluster, SLI and firing', () => {
    expect(sloRows(items, { ...NO_FILTER, q: 'HAL' }).map((s) => s.name)).toEqual([
      'also-half',
      'half',
    ]);
    expect(sloRows(items, { ...NO_FILTER, q: 'payments' })).toHaveLength(5);
    expect(sloRows(items, { ...NO_FILTER, cluster: 'c2' }).map((s) => s.name)).toEqual(['half']);
    expect(sloRows(items, { ...NO_FILTER, sli: 'latency' }).map((s) => s.name)).toEqual(['half']);
    const paging = slo('paging', 0.1, {
      firing: [
        {
          severity: 'critical',
          urgency: 'page',
          window: '1h/5m',
          long_burn: 16,
          short_burn: 20,
          factor: 14.4,
        },
      ],
    });
    const ticketing = slo('ticketing', 0.2, {
      firing: [
        {
          severity: 'warning',
          urgency: 'ticket',
          window: '1d/2h',
          long_burn: 3.2,
          short_burn: 4,
          factor: 3,
        },
      ],
    });
    const all = [...items, paging, ticketing];
    expect(sloRows(all, { ...NO_FILTER, firing: 'any' }).map((s) => s.name)).toEqual([
      'paging',
      'ticketing',
    ]);
    expect(sloRows(all, { ...NO_FILTER, firing: 'page' }).map((s) => s.name)).toEqual(['paging']);
    expect(worstFiring(paging)).toBe('page');
    expect(worstFiring(ticketing)).toBe('ticket');
    expect(worstFiring(items[0] as Slo)).toBe('');
  });

  it('gives the fleet card the worst three', () => {
    expect(worst(items).map((s) => s.name)).toEqual(['burnt', 'also-half', 'half']);
    expect(worst([])).toEqual([]);
  });
});

describe('budget as time', () => {
  it('keeps the two largest units, to the nearest second', () => {
    // 99.9 % of 30 days: 43 min 12 s of bad time.
    expect(durationParts(0.001 * 30 * 86_400_000)).toEqual([
      { unit: 'min', n: 43 },
      { unit: 's', n: 12 },
    ]);
    expect(durationParts(43 * 60_000 + 499)).toEqual([{ unit: 'min', n: 43 }]);
    // 99.9 / 100 in floating point leaves 43 min 11.99… s: still 43 min 12 s.
    expect(durationParts((1 - 99.9 / 100) * 30 * 86_400_000)).toEqual([
      { unit: 'min', n: 43 },
      { unit: 's', n: 12 },
    ]);
    expect(durationParts(2 * 3_600_000 + 5 * 60_000 + 7_000)).toEqual([
      { unit: 'h', n: 2 },
      { unit: 'min', n: 5 },
    ]);
    expect(durationParts(3 * 86_400_000 + 4 * 3_600_000 + 59_000)).toEqual([
      { unit: 'd', n: 3 },
      { unit: 'h', n: 4 },
    ]);
    // A day and a few seconds: the hour is zero, so the day alone (no "0 h").
    expect(durationParts(86_400_000 + 30_000)).toEqual([{ unit: 'd', n: 1 }]);
  });

  it('reads an overspent budget by its size and shows nothing left as 0 s', () => {
    expect(durationParts(-90_000)).toEqual([
      { unit: 'min', n: 1 },
      { unit: 's', n: 30 },
    ]);
    expect(durationParts(400)).toEqual([{ unit: 's', n: 0 }]);
    expect(durationParts(0)).toEqual([{ unit: 's', n: 0 }]);
  });
});

describe('burn rules', () => {
  it('names windows as the master labels alerts', () => {
    expect([300, 1800, 3600, 21600, 86400, 259200, 90].map(windowName)).toEqual([
      '5m',
      '30m',
      '1h',
      '6h',
      '1d',
      '3d',
      '90s',
    ]);
  });

  it('gives each rule its windows’ burn, the firing one the alert’s own figures', () => {
    const s = slo('web', -0.2, {
      firing: [
        {
          severity: 'critical',
          urgency: 'page',
          window: '1h/5m',
          long_burn: 16.5,
          short_burn: 21,
          factor: 14.4,
        },
      ],
    });
    expect(ruleRows(s)).toEqual([
      { rule: s.rules[0], window: '1h/5m', longBurn: 16.5, shortBurn: 21, firing: true },
      { rule: s.rules[1], window: '6h/30m', longBurn: 7, shortBurn: 8, firing: false },
      { rule: s.rules[2], window: '1d/2h', longBurn: 2, shortBurn: 1, firing: false },
    ]);
    const odd = slo('odd', 1, {
      rules: [{ severity: 'ticket', long_s: 7 * 86400, short_s: 43200, factor: 1 }],
    });
    expect(ruleRows(odd)[0]).toMatchObject({ window: '7d/12h', longBurn: null, shortBurn: null });
  });
});

describe('sparkline', () => {
  it('scales to the highest burn and marks 1x', () => {
    const { d, max, oneY } = sparklinePath([0, 2, 4], 100, 20);
    expect(max).toBe(4);
    expect(d).toBe('M0 20L50 10L100 0');
    expect(oneY).toBe(15);
  });

  it('keeps 1x as the top when nothing burns faster, and breaks the line on hours without traffic', () => {
    const { d, max, oneY } = sparklinePath([0.5, null, 0.25, 1], 30, 10);
    expect(max).toBe(1);
    expect(oneY).toBe(0);
    expect(d).toBe('M0 5M20 7.5L30 0');
  });

  it('draws a single hour in the middle and nothing for no values', () => {
    expect(sparklinePath([2], 120, 24).d).toBe('M60 0');
    expect(sparklinePath([null, null], 120, 24).d).toBe('');
  });
});

describe('report periods', () => {
  it('are this month, last month and this quarter in the configured zone', () => {
    const dec4 = Date.UTC(2026, 11, 4, 19, 0);
    expect(reportPeriods(dec4, 'UTC')).toEqual({
      thisMonth: '2026-12',
      lastMonth: '2026-11',
      thisQuarter: '2026-Q4',
    });
    // 1 January 02:00 in Tokyo is still 31 December in UTC.
    const newYearTokyo = Date.UTC(2026, 11, 31, 17, 0);
    expect(reportPeriods(newYearTokyo, 'Asia/Tokyo')).toEqual({
      thisMonth: '2027-01',
      lastMonth: '2026-12',
      thisQuarter: '2027-Q1',
    });
    expect(reportPeriods(newYearTokyo, 'UTC').thisMonth).toBe('2026-12');
    expect(reportPeriods(Date.UTC(2026, 4, 10), 'Nowhere/Else').thisQuarter).toBe('2026-Q2');
  });
});

describe('chart data', () => {
  it('gives percentages, keeping hours without traffic as gaps', () => {
    expect(
      chartData([
        { start_ms: 0, sli: 0.99, budget_remaining: 0.5 },
        { start_ms: 3_600_000, sli: null, budget_remaining: null },
      ]),
    ).toEqual({ times: [0, 3_600_000], sli: [99, null], budget: [50, null] });
  });
});
