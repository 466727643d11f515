/** The remediation pages' pure decisions (which moves a state offers, the chip, the
 *  set_resources diff, the command in words, the finding's fix, the undo) and the stream
 *  refetching exactly the remediation caches an event names. */
import { describe, expect, it } from 'vitest';
import { makeQueryClient } from '../src/app/queryClient';
import { remediationKeys } from '../src/features/remediation/keys';
import { relevant } from '../src/features/remediation/merge';
import {
  canApprove,
  canPreview,
  canReject,
  commandWords,
  forFinding,
  inverseOf,
  isMoving,
  resourceDiff,
  resourceParams,
  stateLevel,
  visible,
} from '../src/features/remediation/model';
import type { Action, Remediation } from '../src/features/remediation/types';
import { mergeEvent } from '../src/live/merge';

const action: Action = {
  type: 'set_resources',
  target: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
  params: { container: 'main', limits: { memory: '192Mi' }, requests: { memory: '128Mi' } },
};

function rem(id: string, over: Partial<Remediation> = {}): Remediation {
  return {
    id,
    cluster: 'c1',
    namespace: 'shop',
    target: action.target,
    fingerprint: `fp-${id}`,
    reason: 'OOMKilled',
    state: 'suggested',
    auto: false,
    suggestion: {
      id: `s-${id}`,
      reason: 'OOMKilled',
      why: 'w',
      evidence: {},
      action,
      inverse: null,
    },
    requested_by: null,
    approvals: [],
    preview: null,
    preview_command_id: null,
    run_command_id: null,
    outcome: null,
    message: null,
    created_ms: 1_000,
    updated_ms: 1_000,
    expires_ms: null,
    ran_ms: null,
    succeeded_ms: null,
    ...over,
  };
}

describe('remediation moves', () => {
  it('offers preview, approve and reject only where the server allows them', () => {
    expect([canPreview('suggested'), canApprove('suggested'), canReject('suggested')]).toEqual([
      true,
      false,
      true,
    ]);
    expect([canPreview('pending_approval'), canApprove('pending_approval')]).toEqual([true, true]);
    expect([canPreview('running'), canApprove('running'), canReject('running')]).toEqual([
      false,
      false,
      false,
    ]);
    expect(canApprove('approved')).toBe(false); // single use: approving twice is a 409
    expect(canPreview('expired')).toBe(true); // a lapsed request is renewed by a new preview
  });

  it('polls fast only while the command runs or verification watches', () => {
    expect(['approved', 'running', 'succeeded'].map(isMoving)).toEqual([true, true, true]);
    expect(['pending_approval', 'resolved', 'worse', undefined].map(isMoving)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('colours verdicts by meaning', () => {
    expect(
      ['worse', 'failed', 'no_effect', 'resolved', 'rejected', 'running'].map(stateLevel),
    ).toEqual(['critical', 'critical', 'warning', 'ok', 'unknown', 'info']);
  });
});

describe('the dry run diff and the command in words', () => {
  it('lists set_resources before → after, marking what changes', () => {
    const rows = resourceDiff({
      container: 'main',
      before: { limits: { memory: '128Mi', cpu: '1' }, requests: { memory: '64Mi' } },
      after: { limits: { memory: '192Mi', cpu: '1' }, requests: { memory: '128Mi' } },
    });
    expect(rows).toEqual([
      { field: 'limits', resource: 'cpu', before: '1', after: '1', changed: false },
      { field: 'limits', resource: 'memory', before: '128Mi', after: '192Mi', changed: true },
      { field: 'requests', resource: 'memory', before: '64Mi', after: '128Mi', changed: true },
    ]);
  });

  it('is not a resource diff for another command', () => {
    expect(resourceDiff({ revision: 3 })).toBeNull();
    expect(resourceDiff(null)).toBeNull();
  });

  it('names the command, its target and what it sets', () => {
    expect(commandWords(action)).toEqual({
      key: 'set_resources',
      values: { target: 'Deployment shop/cart', container: 'main' },
    });
    expect(resourceParams(action)).toEqual([
      { field: 'limits', resource: 'memory', value: '192Mi' },
      { field: 'requests', resource: 'memory', value: '128Mi' },
    ]);
    const drain: Action = {
      type: 'drain',
      target: { kind: 'Node', namespace: '', name: 'n1' },
      params: {},
    };
    expect(commandWords(drain)).toEqual({ key: 'drain', values: { target: 'Node n1' } });
    expect(commandWords({ ...drain, type: 'exotic' }).key).toBe('other');
  });
});

describe('lists', () => {
  it('filters by namespace and puts the newest first', () => {
    const items = [
      rem('a', { created_ms: 1 }),
      rem('b', { created_ms: 3, namespace: 'other' }),
      rem('c', { created_ms: 2 }),
    ];
    expect(visible(items, { state: '', cluster: '', namespace: 'shop' }).map((r) => r.id)).toEqual([
      'c',
      'a',
    ]);
    expect(visible(items, { state: '', cluster: '', namespace: '' }).map((r) => r.id)).toEqual([
      'b',
      'c',
      'a',
    ]);
  });

  it("finds a finding's open fix before its finished ones", () => {
    const items = [
      rem('old', { fingerprint: 'f', state: 'no_effect', created_ms: 5 }),
      rem('open', { fingerprint: 'f', state: 'pending_approval', created_ms: 2 }),
    ];
    expect(forFinding(items, 'f')?.id).toBe('open');
    expect(forFinding([items[0]!], 'f')?.id).toBe('old');
    expect(forFinding(items, 'nope')).toBeUndefined();
  });

  it('links a worse verdict to its undo', () => {
    const worse = rem('w', { state: 'worse', outcome: 'worse' });
    const undo = rem('u', {
      suggestion: { ...worse.suggestion, id: `${worse.suggestion.id}-inverse` },
    });
    expect(inverseOf([worse, undo], worse)?.id).toBe('u');
    expect(inverseOf([worse], worse)).toBeUndefined();
  });
});

describe('the stream and the remediation caches', () => {
  it('knows which caches an event names', () => {
    const r = rem('r', { run_command_id: 'cmd-1' });
    expect(relevant(r, { commandId: 'cmd-1' })).toBe(true);
    expect(relevant(r, { commandId: 'cmd-2' })).toBe(false);
    expect(relevant(r, { fingerprint: 'fp-r', opened: false })).toBe(true);
    const page = { items: [r], next_before_ms: null };
    expect(relevant(page, { fingerprint: 'other', opened: false })).toBe(false);
    expect(relevant(page, { fingerprint: 'other', opened: true })).toBe(true); // a new suggestion may follow
  });

  it('marks a command event’s remediation stale and leaves the others', () => {
    const client = makeQueryClient();
    const mine = rem('mine', { run_command_id: 'cmd-1' });
    const other = rem('other', { run_command_id: 'cmd-9' });
    client.setQueryData(remediationKeys.detail('mine'), mine);
    client.setQueryData(remediationKeys.detail('other'), other);
    mergeEvent(client, {
      type: 'command',
      data: { command: { id: 'cmd-1', state: 'succeeded' } as never },
    });
    const stale = (id: string) =>
      client.getQueryCache().find({ queryKey: remediationKeys.detail(id) })?.state.isInvalidated;
    expect(stale('mine')).toBe(true);
    expect(stale('other')).toBe(false);
  });
});
