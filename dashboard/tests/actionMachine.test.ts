import { describe, expect, it } from 'vitest';
import type { CommandView } from '../src/api/types';
import { ACTIONS, problems, toParams } from '../src/features/actions/catalogue';
import {
  actionReducer,
  canConfirm,
  canOverride,
  canPreview,
  initialAction,
  isBusy,
  type ActionEvent,
  type ActionState,
} from '../src/features/actions/machine';

function cmd(state: string, terminal: boolean, dryRun = false): CommandView {
  return {
    id: 'c1',
    cluster: 'c',
    type: 'scale',
    target: 'Deployment/ns/web',
    params: { replicas: 4 },
    dry_run: dryRun,
    idempotency_key: null,
    state,
    terminal,
    created_ms: 1,
    updated_ms: 1,
    deadline_ms: 1,
    requested_by: 'op',
    result: { replicas_before: 3, replicas: 4 },
    error_code: null,
    message: null,
  };
}

const run = (events: ActionEvent[], from: ActionState = initialAction) =>
  events.reduce(actionReducer, from);

describe('action dialog state machine', () => {
  it('cannot confirm before a successful preview', () => {
    expect(canConfirm(initialAction)).toBe(false);
    expect(run([{ type: 'confirm' }])).toEqual(initialAction);
    const previewing = run([{ type: 'preview' }]);
    expect(previewing.step).toBe('previewing');
    expect(canConfirm(previewing)).toBe(false);
  });

  it('goes preview → previewed → submitting → running → done', () => {
    const previewed = run([
      { type: 'preview' },
      { type: 'previewed', command: cmd('succeeded', true, true) },
    ]);
    expect(previewed.step).toBe('previewed');
    expect(canConfirm(previewed)).toBe(true);
    const submitting = actionReducer(previewed, { type: 'confirm' });
    expect(submitting.step).toBe('submitting');
    expect(isBusy(submitting)).toBe(true);
    const running = actionReducer(submitting, { type: 'progress', command: cmd('running', false) });
    expect(running.step).toBe('running');
    const done = actionReducer(running, { type: 'progress', command: cmd('succeeded', true) });
    expect(done).toMatchObject({ step: 'done', command: { state: 'succeeded' } });
  });

  it('a failed dry run does not allow confirming, but allows another preview', () => {
    const failed = run([
      { type: 'preview' },
      { type: 'previewed', command: cmd('failed', true, true) },
    ]);
    expect(canConfirm(failed)).toBe(false);
    expect(canPreview(failed)).toBe(true);
  });

  it('editing parameters drops the preview', () => {
    const previewed = run([
      { type: 'preview' },
      { type: 'previewed', command: cmd('succeeded', true, true) },
    ]);
    expect(actionReducer(previewed, { type: 'edit' })).toEqual({ step: 'edit' });
  });

  it('editing once the real command runs changes nothing, and it cannot be confirmed twice', () => {
    const submitting = run([
      { type: 'preview' },
      { type: 'previewed', command: cmd('succeeded', true, true) },
      { type: 'confirm' },
    ]);
    expect(actionReducer(submitting, { type: 'edit' })).toBe(submitting);
    expect(actionReducer(submitting, { type: 'confirm' })).toBe(submitting);
    expect(actionReducer(submitting, { type: 'preview' })).toBe(submitting);
  });

  it('errors say whether the preview or the run failed', () => {
    const e = new Error('boom');
    expect(run([{ type: 'preview' }, { type: 'failed', error: e }])).toMatchObject({
      step: 'error',
      during: 'preview',
    });
    const runFail = run([
      { type: 'preview' },
      { type: 'previewed', command: cmd('succeeded', true, true) },
      { type: 'confirm' },
      { type: 'progress', command: cmd('running', false) },
      { type: 'failed', error: e },
    ]);
    expect(runFail).toMatchObject({ step: 'error', during: 'run', command: { state: 'running' } });
    expect(canPreview(runFail)).toBe(false);
  });

  it('a late preview answer after editing is ignored', () => {
    const edited = run([{ type: 'preview' }, { type: 'edit' }]);
    // previewing is busy: edit is refused, so the answer lands; then editing drops it
    expect(edited.step).toBe('previewing');
    expect(
      run([{ type: 'previewed', command: cmd('succeeded', true, true) }], { step: 'edit' }),
    ).toEqual({ step: 'edit' });
  });
});

describe('action parameters', () => {
  const scale = ACTIONS.find((a) => a.type === 'scale')!;
  const setImage = ACTIONS.find((a) => a.type === 'set_image')!;

  it('parses ints, keeps true booleans and drops empty optionals', () => {
    expect(toParams(scale, { replicas: '4', allow_zero: false })).toEqual({ replicas: 4 });
    expect(toParams(scale, { replicas: '0', allow_zero: true })).toEqual({
      replicas: 0,
      allow_zero: true,
    });
  });

  it('nests fields that have a param path and leaves empty ones out', () => {
    const setResources = ACTIONS.find((a) => a.type === 'set_resources')!;
    const values = {
      container: 'app',
      memory_limit: ' 512Mi ',
      memory_request: '',
      cpu_limit: '1',
    };
    expect(toParams(setResources, values)).toEqual({
      container: 'app',
      limits: { memory: '512Mi', cpu: '1' },
    });
  });

  it('names missing and out-of-range fields', () => {
    expect(problems(scale, {})).toEqual(['replicas']);
    expect(problems(scale, { replicas: '1001' })).toEqual(['replicas']);
    expect(problems(scale, { replicas: '2.5' })).toEqual(['replicas']);
    expect(problems(setImage, { container: 'main' })).toEqual(['image']);
    expect(problems(setImage, { container: 'main', image: 'nginx:1.27' })).toEqual([]);
  });
});

describe('an override after a refusal', () => {
  const previewed: ActionState = { step: 'previewed', preview: cmd('succeeded', true, true) };

  it('is offered when the run was refused before any command existed', () => {
    const refused = actionReducer(actionReducer(previewed, { type: 'confirm' }), {
      type: 'failed',
      error: new Error('held'),
    });
    expect(canOverride(refused)).toBe(true);
    expect(actionReducer(refused, { type: 'override' }).step).toBe('submitting');
  });

  it('is not offered once a command ran, so nothing runs twice', () => {
    const running = actionReducer(actionReducer(previewed, { type: 'confirm' }), {
      type: 'progress',
      command: cmd('running', false),
    });
    const failed = actionReducer(running, { type: 'failed', error: new Error('lost') });
    expect(canOverride(failed)).toBe(false);
    expect(actionReducer(failed, { type: 'override' })).toBe(failed);
  });
});
