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

type Level = keyof typeof ICONS;

function level(s: string): Level {
  return s in ICONS ? (s as Level) : 'unknown';
}

export function SeverityChip({ severity, count }: { severity: string; count?: number }) {
  const { t } = useTranslation();
  const l = level(severity);
  const Icon = ICONS[l];
  return (
    <span className={`chip chip-${l}`}>
      <Icon />
      <span>{t(`severity.${l}`)}</span>
      {count !== undefined && <span className="chip-count">{count}</span>}
    </span>
  );
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
  const Icon = ICONS[l];
  const known = ['connected', 'reconnecting', 'offline', 'never_connected'].includes(status);
  return (
    <span className={`chip chip-${l}`}>
      <Icon />
      <span>{known ? t(`cluster.status.${status}`) : status}</span>
    </span>
  );
}
