/** Submitting a command and following it to its end (long-poll wait; the stream may also update it). */
import { call, enc } from '../../api/client';
import type { CommandRequest, CommandView } from '../../api/types';

const PREVIEW_WAIT_S = 30;
const WAIT_S = 25;
// Past this deadline the master times the command out unrun (a drain's own timeout is shorter).
const COMMAND_TIMEOUT_S = 300;

export interface Target {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
}

export function submit(
  target: Target,
  type: string,
  params: Record<string, unknown>,
  opts: { dryRun: boolean; idempotencyKey: string; waitS?: number },
): Promise<CommandView> {
  const body: CommandRequest = {
    type,
    target: { kind: target.kind, namespace: target.namespace, name: target.name },
    params,
    dry_run: opts.dryRun,
    idempotency_key: opts.idempotencyKey,
    timeout_s: COMMAND_TIMEOUT_S,
    override_reason: '', // the error-budget override is not offered here: none
  };
  return call<CommandView>(`clusters/${enc(target.cluster)}/commands`, {
    method: 'POST',
    body,
    headers: { Prefer: `wait=${opts.waitS ?? (opts.dryRun ? PREVIEW_WAIT_S : 1)}` },
    timeoutMs: 65_000,
  });
}

/** Calls `onUpdate` with each new state until the command is terminal or `signal` aborts. */
export async function follow(
  first: CommandView,
  onUpdate: (c: CommandView) => void,
  signal: AbortSignal,
): Promise<CommandView> {
  let c = first;
  onUpdate(c);
  while (!c.terminal && !signal.aborted) {
    c = await call<CommandView>(`commands/${enc(c.id)}/wait?timeout_s=${WAIT_S}`, { signal });
    onUpdate(c);
  }
  return c;
}

export function newKey(): string {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}
