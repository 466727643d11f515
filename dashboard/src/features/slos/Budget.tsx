/** Budget pieces every SLO page shares: the remaining bar, durations, urgency chips. */
import { useTranslation } from 'react-i18next';
import { CriticalIcon, UnknownIcon, WarningIcon } from '../../ui/icons';
import { durationParts, pct } from './model';
import type { Slo, SloFiring } from './types';

/** "43 min 12 s" in the page's language. */
export function useDuration(): (ms: number) => string {
  const { t } = useTranslation();
  return (ms: number) =>
    durationParts(ms)
      .map((p) => t(`slos.units.${p.unit}`, { n: p.n }))
      .join(' ');
}

/** A bar of the budget left (empty and red past zero) with the percentage beside it. */
export function BudgetBar({ slo }: { slo: Slo }) {
  const { t, i18n } = useTranslation();
  if (slo.budget === null || slo.total === 0)
    return <span className="muted">{t('slos.noTraffic')}</span>;
  const r = slo.budget.remaining;
  const level = r < 0 ? 'critical' : r < 0.25 ? 'warning' : 'ok';
  const width = `${Math.max(0, Math.min(1, r)) * 100}%`;
  const text = pct(r, i18n.language, 1);
  return (
    <span className={`budget budget-${level}`}>
      <span
        className="budget-bar"
        role="meter"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(Math.max(0, Math.min(1, r)) * 100)}
        aria-label={t('slos.budgetOf', { pct: text })}
      >
        <span className="budget-fill" style={{ width }} />
      </span>
      <span className="budget-pct">{text}</span>
      {r < 0 && <span className="budget-over">{t('slos.overspent')}</span>}
    </span>
  );
}

const URGENCY_SEVERITY: Record<string, string> = { page: 'critical', ticket: 'warning' };

/** One chip per urgency firing (page red, ticket amber): icon, word and how many rules. */
export function FiringChips({ firing }: { firing: SloFiring[] }) {
  const { t } = useTranslation();
  if (firing.length === 0) return <span className="muted">{t('slos.quiet')}</span>;
  const by = new Map<string, number>();
  for (const f of firing) by.set(f.urgency, (by.get(f.urgency) ?? 0) + 1);
  return (
    <span className="chips">
      {['page', 'ticket']
        .filter((u) => by.has(u))
        .map((u) => (
          <UrgencyChip key={u} urgency={u} count={by.get(u) ?? 0} />
        ))}
    </span>
  );
}

export function UrgencyChip({ urgency, count }: { urgency: string; count?: number }) {
  const { t } = useTranslation();
  const sev = URGENCY_SEVERITY[urgency] ?? 'unknown';
  return (
    <span className={`chip chip-${sev}`} data-urgency={urgency}>
      <SeverityIcon severity={sev} />
      <span>{t(`slos.urgency.${urgency === 'page' ? 'page' : 'ticket'}`)}</span>
      {count !== undefined && count > 1 && <span className="chip-count">{count}</span>}
    </span>
  );
}

function SeverityIcon({ severity }: { severity: string }) {
  // The shared chip's icons; the urgency is the word here.
  if (severity === 'critical') return <CriticalIcon />;
  if (severity === 'warning') return <WarningIcon />;
  return <UnknownIcon />;
}

/** The SLI's kind: "availability", or "latency ≤ 0.25 s". */
export function SliText({ slo }: { slo: Pick<Slo, 'sli' | 'threshold_s'> }) {
  const { t, i18n } = useTranslation();
  if (slo.sli === 'latency' && slo.threshold_s !== null)
    return (
      <>
        {t('slos.latencyUnder', {
          threshold: new Intl.NumberFormat(i18n.language).format(slo.threshold_s),
        })}
      </>
    );
  return <>{t(`slos.sliKind.${slo.sli === 'latency' ? 'latency' : 'availability'}`)}</>;
}
