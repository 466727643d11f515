/** Reconnect delays as data: exponential with full jitter, capped (STYLE.md §9). Pure. */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const STREAM_BACKOFF: BackoffPolicy = { baseMs: 1_000, capMs: 30_000 };

export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = STREAM_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.max(0, attempt));
  // Never less than half the ceiling: full jitter spreads reconnects, the floor avoids a storm.
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
