/** The alert pages' pure logic: display state, filters, worst-first grouping, matcher prefill, badge. */
import { describe, expect, it } from 'vitest';
import {
  attemptsOf,
  cleanMatchers,
  displayState,
  equalityMatcher,
  firingCriticals,
  groupRows,
  labelValues,
  matchersFromLabels,
  noiseRows,
  pinnedScope,
  timelineOf,
  type AlertFilters,
} from '../src/features/alerts/model';
import type { Alert, AlertGroup, DeliveryAttempt } from '../src/features/alerts/types';

function alert(fp: string, over: Partial<Alert> = {}, labels: Record<string, string> = {}): Alert {
  return {
    fingerprint: fp,
    status: 'firing',
    state: 'active',
    flapping: false,
    labels: {
      alertname: 'CrashLoop',
      cluster: 'c1',
      namespace: 'shop',
      severity: 'critical',
      ...labels,
    },
    annotations: {},
    rule: 'default',
    starts_at_ms: 1_000,
    ends_at_ms: null,
    updated_at_ms: 1_000,
    acked_by: null,
    acked_at_ms: null,
    silenced_by: [],
    inhibited_by: null,
    receivers: ['hook'],
    ...over,
  };
}

function group(key: string, alerts: Alert[]): AlertGroup {
  return {
    receiver: 'hook',
    group_key: key,
    labels: { namespace: key },
    count: alerts.length,
    last_notified_ms: null,
    alerts,
  };
}

const NONE: AlertFilters = { cluster: '', namespace: '', severity: '', state: '' };

describe('displayState', () => {
  it('reads what holds an alert back before its record status', () => {
    expect(displayState(alert('a'))).toBe('firing');
    expect(displayState(alert('a', { status: 'flapping', flapping: true }))).toBe('flapping');
    expect(displayState(alert('a', { status: 'pending', state: 'pending' }))).toBe('pending');
    expect(displayState(alert('a', { acked_by: 'olga', acked_at_ms: 2 }))).toBe('acknowledged');
    expect(displayState(alert('a', { acked_by: 'olga', silenced_by: ['s1'] }))).toBe('silenced');
    expect(displayState(alert('a', { inhibited_by: { rule: 'node', by: 'x' } }))).toBe('inhibited');
    expect(displayState(alert('a', { status: 'resolved', ends_at_ms: 5 }))).toBe('resolved');
  });
});

describe('groupRows', () => {
  const warning = alert('w', { starts_at_ms: 9_000 }, { severity: 'warning', namespace: 'web' });
  const oldCritical = alert('c-old', { starts_at_ms: 1_000 });
  const newCritical = alert('c-new', { starts_at_ms: 5_000 });
  const silenced = alert('c-silenced', { starts_at_ms: 8_000, silenced_by: ['s1'] });
  const groups = [group('web', [warning]), group('shop', [oldCritical, silenced, newCritical])];

  it('puts the worst group first and, inside, severity, then unhandled, then newest', () => {
    const rows = groupRows(groups, NONE);
    expect(rows.map((r) => r.labels.namespace)).toEqual(['shop', 'web']);
    expect(rows[0]!.alerts.map((a) => a.fingerprint)).toEqual(['c-new', 'c-old', 'c-silenced']);
  });

  it('filters by the URL filters and drops groups left empty', () => {
    const rows = groupRows(groups, { ...NONE, state: 'silenced' });
    expect(rows.map((r) => r.alerts.map((a) => a.fingerprint))).toEqual([['c-silenced']]);
    expect(groupRows(groups, { ...NONE, namespace: 'web' }).map((r) => r.id)).toEqual([
      'hook\u0000web',
    ]);
    expect(groupRows(groups, { ...NONE, cluster: 'elsewhere' })).toEqual([]);
  });

  it('offers the label values present as filter options', () => {
    expect(labelValues(groups, 'namespace')).toEqual(['shop', 'web']);
  });
});

describe('silence matchers from an alert', () => {
  it('pins every label with =, scope first, the rest alphabetical', () => {
    const labels = {
      severity: 'critical',
      alertname: 'CrashLoop',
      namespace: 'shop',
      cluster: 'c1',
      kind: 'Pod',
      empty: '',
    };
    expect(matchersFromLabels(labels)).toEqual([
      'cluster="c1"',
      'namespace="shop"',
      'alertname="CrashLoop"',
      'kind="Pod"',
      'severity="critical"',
    ]);
  });

  it('escapes quotes, backslashes and newlines as the master parses them', () => {
    expect(equalityMatcher('msg', 'a "b" \\ c\nd')).toBe('msg="a \\"b\\" \\\\ c\\nd"');
  });

  it('reads back the scope a silence pins, quoted or not', () => {
    expect(pinnedScope(['cluster="c\\"1"', 'namespace = shop', 'alertname=~"C.*"'])).toEqual({
      cluster: 'c"1',
      namespace: 'shop',
    });
    expect(pinnedScope(['cluster!="c1"'])).toEqual({ cluster: '', namespace: '' });
  });

  it('sends only the matchers a form holds', () => {
    expect(cleanMatchers(['  a="1" ', '', '   '])).toEqual(['a="1"']);
  });
});

describe('the header badge', () => {
  it('counts critical alerts firing with nobody on them', () => {
    const items = [
      alert('a'),
      alert('b', { status: 'flapping' }),
      alert('c', { acked_by: 'olga' }),
      alert('d', { silenced_by: ['s'] }),
      alert('e', {}, { severity: 'warning' }),
      alert('f'),
    ];
    expect(firingCriticals(items)).toBe(2);
  });
});

describe('timeline', () => {
  const attempt = (id: number, nid: number, at: number, outcome: string): DeliveryAttempt => ({
    id,
    notification_id: nid,
    receiver: 'hook',
    channel: 'webhook',
    attempt: 1,
    at_ms: at,
    outcome,
    status: outcome === 'sent' ? 200 : 503,
    error: null,
    next_attempt_ms: null,
  });

  it("keeps only the attempts of the alert's groups' notifications, in time order", () => {
    const outbox = [
      { id: 1, group_key: 'g-mine' },
      { id: 2, group_key: 'g-other' },
    ];
    const attempts = [
      attempt(10, 1, 3_000, 'sent'),
      attempt(11, 2, 2_500, 'sent'),
      attempt(12, 1, 2_000, 'retry'),
    ];
    const mine = attemptsOf(new Set(['g-mine']), outbox, attempts);
    expect(mine.map((a) => a.id)).toEqual([10, 12]);
    const a = alert('a', { acked_by: 'olga', acked_at_ms: 4_000 });
    expect(timelineOf(a, mine).map((e) => e.kind)).toEqual([
      'started',
      'failed',
      'notified',
      'acknowledged',
    ]);
  });
});

describe('noise', () => {
  it('shows one window, noisiest first', () => {
    const row = (name: string, days: number, total: number) => ({
      scope: 'rule',
      name,
      days,
      counts: { fires: total },
      total,
    });
    const rows = [row('quiet', 7, 1), row('loud', 7, 9), row('loud', 30, 40), row('mid', 7, 4)];
    expect(noiseRows(rows, 7).map((r) => r.name)).toEqual(['loud', 'mid', 'quiet']);
    expect(noiseRows(rows, 30).map((r) => r.total)).toEqual([40]);
  });
});
