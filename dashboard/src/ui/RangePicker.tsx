/** The time ranges every metric chart offers (1 h / 6 h / 24 h / 7 d) and the buttons that pick one. */
import type { ReactNode } from 'react';

export const RANGES = {
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
} as const;
export type Range = keyof typeof RANGES;

export function RangePicker({
  label,
  value,
  onChange,
}: {
  label: string;
  value: Range;
  onChange: (r: Range) => void;
}): ReactNode {
  return (
    <div className="actions" role="group" aria-label={label}>
      {(Object.keys(RANGES) as Range[]).map((r) => (
        <button
          key={r}
          type="button"
          aria-pressed={r === value}
          className={r === value ? 'primary' : ''}
          onClick={() => onChange(r)}
        >
          {r}
        </button>
      ))}
    </div>
  );
}
