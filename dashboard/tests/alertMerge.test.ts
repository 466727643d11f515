/** Alert events from the live stream merged into the alert caches: the list, the header
 *  badge's criticals and the grouped view; and the alert reads' polling, live or not. */
import { describe, expect, it } from 'vitest';
import type { Items } from '../src/api/types';
import { makeQueryClient } from '../src/app/queryClient';
import {
  ALERTS_LIVE_POLL_MS,
  ALERTS_POLL_MS,
  alertKeys,
  alertsPollMs,
} from '../src/features/alerts/api';
import { isActiveCritical, mergeAlert } from '../src/features/alerts/merge';
import type { Alert, AlertGroup } from '../src/features/alerts/types';
import { mergeEvents, toEvent } from '../src/live/merge';

function alert(fp: string, over: Partial<Alert> = {}, severity = 'critical'): Alert {
  return {
    fingerprint: fp,
    status: 'firing',
    state: 'active',
    flapping: false,
    labels: { alertname: 'CrashLoop', cluster: 'c1', namespace: 'shop', severity },
    annotations: {},
    rule: 'default',
    starts_at_ms: 1_000,
    ends_at_ms: null,
    updated_at_ms: 1_000,
    acked_by: null,
    acked_at_ms: null,
    silenced_by: [],
    inhibited_by: null,
    receivers: ['team'],
    ...over,
  };
}

function group(key: string, alerts: Alert[]): AlertGroup {
  return {
    receiver: 'team',
    group_key: key,
    labels: {},
    count: alerts.length,
    last_notified_ms: null,
    alerts,
  };
}

const list = (qc: ReturnType<typeof makeQueryClient>) =>
  qc.getQueryData<Items<Alert>>(alertKeys.list)?.items.map((a) => [a.fingerprint, a.state]);
const criticals = (qc: ReturnType<typeof makeQueryClient>) =>
  qc.getQueryData<Items<Alert>>(alertKeys.criticals)?.items.map((a) => a.fingerprint);
const grouped = (qc: ReturnType<typeof makeQueryClient>) =>
  qc
    .getQueryData<{ groups: AlertGroup[] }>(alertKeys.grouped)
    ?.groups.map((g) => [g.group_key, g.count, g.alerts.map((a) => [a.fingerprint, a.acked_by])]);

describe('mergeAlert', () => {
  it('adds a new alert to the list and, when active and critical, to the badge', () => {
    const qc = makeQueryClient();
    qc.setQueryData<Items<Alert>>(alertKeys.list, { items: [alert('a')] });
    qc.setQueryData<Items<Alert>>(alertKeys.criticals, { items: [alert('a')] });
    mergeAlert(qc, { op: 'changed', alert: alert('b') });
    mergeAlert(qc, { op: 'changed', alert: alert('w', {}, 'warning') });
    expect(list(qc)).toEqual([
      ['a', 'active'],
      ['b', 'active'],
      ['w', 'active'],
    ]);
    expect(criticals(qc)).toEqual(['a', 'b']);
  });

  it('replaces a changed alert in place and drops it from the badge once held back', () => {
    const qc = makeQueryClient();
    qc.setQueryData<Items<Alert>>(alertKeys.list, { items: [alert('a'), alert('b')] });
    qc.setQueryData<Items<Alert>>(alertKeys.criticals, { items: [alert('a'), alert('b')] });
    mergeAlert(qc, {
      op: 'changed',
      alert: alert('a', { state: 'suppressed', silenced_by: ['s1'] }),
    });
    expect(list(qc)).toEqual([
      ['a', 'suppressed'],
      ['b', 'active'],
    ]);
    expect(criticals(qc)).toEqual(['b']);
    // unsilenced: back on the badge
    mergeAlert(qc, { op: 'changed', alert: alert('a') });
    expect(criticals(qc)).toEqual(['b', 'a']);
  });

  it('keeps a resolved alert in the list, off the badge, and forgets a removed one', () => {
    const qc = makeQueryClient();
    qc.setQueryData<Items<Alert>>(alertKeys.list, { items: [alert('a'), alert('b')] });
    qc.setQueryData<Items<Alert>>(alertKeys.criticals, { items: [alert('a'), alert('b')] });
    const resolved = alert('a', { status: 'resolved', state: 'resolved', ends_at_ms: 2_000 });
    mergeAlert(qc, { op: 'resolved', alert: resolved });
    expect(list(qc)).toEqual([
      ['a', 'resolved'],
      ['b', 'active'],
    ]);
    expect(criticals(qc)).toEqual(['b']);
    mergeAlert(qc, { op: 'removed', alert: resolved });
    expect(list(qc)).toEqual([['b', 'active']]);
  });

  it('updates the grouped view where the alert is placed, and refetches it for a new one', async () => {
    const qc = makeQueryClient();
    qc.setQueryData(alertKeys.grouped, {
      groups: [group('g1', [alert('a'), alert('b')]), group('g2', [alert('c')])],
    });
    mergeAlert(qc, { op: 'changed', alert: alert('a', { acked_by: 'otto', acked_at_ms: 5 }) });
    expect(grouped(qc)).toEqual([
      [
        'g1',
        2,
        [
          ['a', 'otto'],
          ['b', null],
        ],
      ],
      ['g2', 1, [['c', null]]],
    ]);
    mergeAlert(qc, { op: 'removed', alert: alert('c') });
    expect(grouped(qc)).toEqual([
      [
        'g1',
        2,
        [
          ['a', 'otto'],
          ['b', null],
        ],
      ],
    ]);
    expect(qc.getQueryState(alertKeys.grouped)?.isInvalidated).toBe(false);
    mergeAlert(qc, { op: 'changed', alert: alert('new') }); // only the master knows its group
    expect(qc.getQueryState(alertKeys.grouped)?.isInvalidated).toBe(true);
  });

  it('leaves caches nobody loaded alone', () => {
    const qc = makeQueryClient();
    mergeAlert(qc, { op: 'changed', alert: alert('a') });
    expect(qc.getQueryData(alertKeys.list)).toBeUndefined();
    expect(qc.getQueryData(alertKeys.criticals)).toBeUndefined();
    expect(qc.getQueryData(alertKeys.grouped)).toBeUndefined();
  });

  it('asks what the badge query asks the master: critical and active', () => {
    expect(isActiveCritical(alert('a'))).toBe(true);
    expect(isActiveCritical(alert('a', { acked_by: 'otto' }))).toBe(true); // acked stays active
    expect(isActiveCritical(alert('a', { status: 'pending', state: 'pending' }))).toBe(false);
    expect(isActiveCritical(alert('a', {}, 'warning'))).toBe(false);
  });
});

describe('alert frames from the stream', () => {
  it('are parsed and merged with the other events of a batch', () => {
    const qc = makeQueryClient();
    qc.setQueryData<Items<Alert>>(alertKeys.list, { items: [] });
    const ev = toEvent('alert', JSON.stringify({ op: 'changed', alert: alert('a') }));
    expect(ev?.type).toBe('alert');
    mergeEvents(qc, [ev!]);
    expect(list(qc)).toEqual([['a', 'active']]);
  });
});

describe('alert polling', () => {
  it('is a slow fallback while the stream is live, 10 s while it is down', () => {
    expect(alertsPollMs(true)).toBe(ALERTS_LIVE_POLL_MS);
    expect(alertsPollMs(false)).toBe(ALERTS_POLL_MS);
    expect(ALERTS_POLL_MS).toBe(10_000);
    expect(ALERTS_LIVE_POLL_MS).toBeGreaterThanOrEqual(60_000);
  });
});
