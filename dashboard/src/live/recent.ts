/** Objects the stream just added, so tables can highlight new rows for a moment. */
const RECENT_MS = 3_000;
const seen = new Map<string, number>();

export function markRecent(keys: string[], now = Date.now()): void {
  for (const k of keys) seen.set(k, now);
  if (seen.size > 2_000) for (const [k, at] of seen) if (now - at > RECENT_MS) seen.delete(k);
}

export function isRecent(key: string, now = Date.now()): boolean {
  const at = seen.get(key);
  return at !== undefined && now - at < RECENT_MS;
}
