import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/live/backoff';

describe('backoffDelay', () => {
  const policy = { baseMs: 1000, capMs: 30_000 };

  it('doubles the ceiling per attempt and stays within [ceiling/2, ceiling]', () => {
    expect(backoffDelay(0, policy, () => 0)).toBe(500);
    expect(backoffDelay(0, policy, () => 1)).toBe(1000);
    expect(backoffDelay(3, policy, () => 0)).toBe(4000);
    expect(backoffDelay(3, policy, () => 1)).toBe(8000);
  });

  it('is capped however many attempts failed', () => {
    expect(backoffDelay(50, policy, () => 1)).toBe(30_000);
    expect(backoffDelay(50, policy, () => 0)).toBe(15_000);
  });
});
