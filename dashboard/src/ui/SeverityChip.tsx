/** The one severity/health chip: colour, icon and word together (never colour alone). */
import { useTranslation } from 'react-i18next';
import { CriticalIcon, InfoIcon, OkIcon, UnknownIcon, WarningIcon } from './icons';

const ICONS = {
  critical: CriticalIcon,
  warning: WarningIcon,
  info: InfoIcon,
  ok: OkIcon,
  unknown: UnknownIcon,
} as const;

export type Level = keyof typeof ICONS;

/** A chip of one level (colour + icon) with its word: what every state chip is made of. */
export function LevelChip({
  level,
  label,
  count,
}: {
  level: Level;
  label: string;
  count?: number;
}) {
  const Icon = ICONS[level];
  return (
    <span className={`chip chip-${level}`}>
      <Icon />
      <span>{label}</span>
      {count !== undefined && <span className="chip-count">{count}</span>}
    </span>
  );
}

function level(s: string): Level {
  return s in ICONS ? (s as Level) : 'unknown';
}

export function SeverityChip({ severity, count }: { severity: string; count?: number }) {
  const { t } = useTranslation();
  const l = level(severity);
  return <LevelChip level={l} label={t(`severity.${l}`)} count={count} />;
}

/** Cluster link status: connected (neutral), reconnecting (amber), offline (red). */
export function ClusterStatusChip({ status }: { status: string }) {
  const { t } = useTranslation();
  const l: Level =
    status === 'connected'
      ? 'ok'
      : status === 'reconnecting'
        ? 'warning'
        : status === 'offline'
          ? 'critical'
          : 'unknown';
  const known = ['connected', 'reconnecting', 'offline', 'never_connected'].includes(status);
  return <LevelChip level={l} label={known ? t(`cluster.status.${status}`) : status} />;
}
