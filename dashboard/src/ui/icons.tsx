/** Inline SVG icons (nothing loaded from outside the master). Decorative: aria-hidden. */
import type { ReactElement } from 'react';

function Svg({ d, className }: { d: string; className?: string }): ReactElement {
  return (
    <svg
      className={className ?? 'icon'}
      viewBox="0 0 16 16"
      width="14"
      height="14"
      aria-hidden="true"
      focusable="false"
    >
      <path d={d} fill="currentColor" />
    </svg>
  );
}

export const CriticalIcon = () => (
  <Svg d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm-.9 3.5v5h1.8v-5H7.1Zm0 6.2V12h1.8v-1.3H7.1Z" />
);
export const WarningIcon = () => (
  <Svg d="M8 1 15.5 14.5H.5L8 1Zm-.9 5v4.2h1.8V6H7.1Zm0 5.4v1.4h1.8v-1.4H7.1Z" />
);
export const InfoIcon = () => (
  <Svg d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm-.9 6v5h1.8V7H7.1Zm0-3v1.6h1.8V4H7.1Z" />
);
export const OkIcon = () => (
  <Svg d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm3.3 4.3L7 9.6 4.9 7.5 3.7 8.7 7 12l5.5-5.5-1.2-1.2Z" />
);
export const UnknownIcon = () => (
  <Svg d="M8 1a7 7 0 1 1 0 14A7 7 0 0 1 8 1Zm0 2.5A2.5 2.5 0 0 0 5.5 6h1.6a.9.9 0 1 1 1.4.8C7.7 7.3 7.2 8 7.2 9v.5h1.6V9c0-.4.3-.7.8-1.1A2.5 2.5 0 0 0 8 3.5Zm-.8 7.3v1.6h1.6v-1.6H7.2Z" />
);
export const SunIcon = () => (
  <Svg d="M8 4.5a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7ZM7.3 0h1.4v2.5H7.3V0Zm0 13.5h1.4V16H7.3v-2.5ZM0 7.3h2.5v1.4H0V7.3Zm13.5 0H16v1.4h-2.5V7.3Z" />
);
export const MoonIcon = () => <Svg d="M6 1a7 7 0 1 0 9 9A6 6 0 0 1 6 1Z" />;
export const SearchIcon = () => (
  <Svg d="M6.5 1a5.5 5.5 0 0 1 4.4 8.8l4 4-1.1 1.1-4-4A5.5 5.5 0 1 1 6.5 1Zm0 1.6a3.9 3.9 0 1 0 0 7.8 3.9 3.9 0 0 0 0-7.8Z" />
);

/** A trend line: statistical (baseline) findings. */
export const TrendIcon = () => (
  <Svg d="M1 13h14v1.5H1V13Zm1-2.2 4-4.3 3 2.6 4.6-5.3 1.1 1-5.6 6.4-3-2.6-3 3.3L2 10.8Z" />
);
