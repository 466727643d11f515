/**
 * One SLO: objective, window, SLI now, the budget left in requests and as time; SLI and
 * budget burn-down over the window (uPlot); burn rate per window and each alert rule with its
 * factor; latency percentiles with their bucket bounds; the burn alerts it raised; reports.
 */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { isApiError } from '../../api/errors';
import { SeverityChip } from '../../ui/SeverityChip';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime, Since } from '../../ui/Time';
import { exact } from '../../ui/format';
import { rank } from '../../ui/severity';
import { useSlo } from './api';
import { BudgetBar, FiringChips, SliText, UrgencyChip, useDuration } from './Budget';
import { chartData, pct, ruleRows, seconds } from './model';
import { ReportLinks } from './ReportLinks';
import { SloChart } from './SloChart';
import type { Estimate, SloDetail } from './types';

const BURN_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'];

function useNumber() {
  const { i18n } = useTranslation();
  return (n: number, digits = 0) =>
    new Intl.NumberFormat(i18n.language, { maximumFractionDigits: digits }).format(n);
}

function WindowText({ slo }: { slo: SloDetail }) {
  const { t } = useTranslation();
  const w = slo.window;
  if (w.kind === 'rolling') return <>{t('slos.window.rolling', { count: w.days })}</>;
  return <>{t(w.unit === 'quarter' ? 'slos.window.quarter' : 'slos.window.month', { tz: w.tz })}</>;
}

function BudgetFacts({ slo }: { slo: SloDetail }) {
  const { t } = useTranslation();
  const num = useNumber();
  const dur = useDuration();
  const b = slo.budget;
  if (b === null || slo.total === 0) return <span className="muted">{t('slos.noTraffic')}</span>;
  const over = b.remaining < 0;
  return (
    <>
      <BudgetBar slo={slo} />
      <span className={over ? 'critical-text' : ''}>
        {over
          ? t('slos.detail.budgetRequestsOver', {
              over: num(-b.remaining_requests, 1),
              allowed: num(b.allowed_bad, 1),
            })
          : t('slos.detail.budgetRequests', {
              remaining: num(b.remaining_requests, 1),
              allowed: num(b.allowed_bad, 1),
            })}
      </span>
      <span className={over ? 'critical-text' : ''} data-testid="budget-time">
        {over
          ? t('slos.detail.budgetTimeOver', {
              over: dur(-b.remaining_ms),
              allowed: dur(b.allowed_ms),
            })
          : t('slos.detail.budgetTime', { left: dur(b.remaining_ms), allowed: dur(b.allowed_ms) })}
      </span>
    </>
  );
}

function Header({ slo }: { slo: SloDetail }) {
  const { t, i18n } = useTranslation();
  const num = useNumber();
  const where = [slo.cluster, slo.namespace].filter(Boolean).join(' / ');
  return (
    <>
      <header className="scope-head">
        <h1 id="slo-title" className="mono slo-title">
          {slo.name}
        </h1>
        <FiringChips firing={slo.firing} />
        <span className="mono muted">{where}</span>
        {slo.evaluated_ms !== null && (
          <span className="muted">
            {t('slos.detail.evaluated')} <RelTime ms={slo.evaluated_ms} />
          </span>
        )}
      </header>
      {slo.problem && (
        <p className="warning-text" role="note">
          {t('slos.problem', { problem: slo.problem })}
        </p>
      )}
      <dl className="facts slo-facts">
        <dt>{t('slos.detail.service')}</dt>
        <dd className="mono">
          {slo.service}
          {slo.route && <span className="muted"> {slo.route}</span>}
        </dd>
        <dt>{t('slos.table.sli')}</dt>
        <dd>
          <SliText slo={slo} />
        </dd>
        <dt>{t('slos.detail.objective')}</dt>
        <dd>{pct(slo.objective, i18n.language)}</dd>
        <dt>{t('slos.detail.window')}</dt>
        <dd>
          <WindowText slo={slo} />
          {slo.window_start_ms !== null && (
            <span className="muted">
              {' '}
              · {t('slos.detail.windowRange')} {exact(slo.window_start_ms, i18n.language)}
            </span>
          )}
        </dd>
        <dt>{t('slos.detail.sliNow')}</dt>
        <dd>
          {slo.sli_value === null ? (
            <span className="muted">{t('slos.noTraffic')}</span>
          ) : (
            <>
              <strong>{pct(slo.sli_value, i18n.language)}</strong>{' '}
              <span className="muted">
                {t('slos.detail.requests', { good: num(slo.good), total: num(slo.total) })}
              </span>
            </>
          )}
        </dd>
        <dt>{t('slos.detail.budget')}</dt>
        <dd className="slo-budget">
          <BudgetFacts slo={slo} />
        </dd>
        {Object.keys(slo.owner).length > 0 && (
          <>
            <dt>{t('slos.detail.owner')}</dt>
            <dd className="mono">
              {Object.entries(slo.owner)
                .map(([k, v]) => `${k}=${v}`)
                .join(', ')}
            </dd>
          </>
        )}
      </dl>
      {slo.budget_policy && <p className="muted">{t('slos.detail.policy')}</p>}
    </>
  );
}

function Charts({ slo }: { slo: SloDetail }) {
  const { t } = useTranslation();
  const data = useMemo(() => chartData(slo.series), [slo.series]);
  const hasTraffic = slo.series.some((p) => p.total > 0);
  return (
    <section className="section" aria-labelledby="slo-charts">
      <h2 id="slo-charts">{t('slos.detail.charts')}</h2>
      {!hasTraffic ? (
        <p className="muted">{t('slos.detail.noSeries')}</p>
      ) : (
        <div className="charts">
          <SloChart
            title={t('slos.detail.sliChart')}
            label={t('slos.detail.sliSeries')}
            times={data.times}
            values={data.sli}
            digits={2}
            color="accent"
          />
          <SloChart
            title={t('slos.detail.budgetChart')}
            label={t('slos.detail.budgetSeries')}
            times={data.times}
            values={data.budget}
            digits={0}
            color={(slo.budget?.remaining ?? 1) < 0 ? 'critical' : 'accent'}
            zeroLine={t('slos.detail.budgetSpent')}
          />
        </div>
      )}
    </section>
  );
}

function Burn({ slo }: { slo: SloDetail }) {
  const { t } = useTranslation();
  const num = useNumber();
  const factor = (x: number | null) =>
    x === null ? '–' : t('slos.burnFactor', { value: num(x, 2) });
  return (
    <section className="section" aria-labelledby="slo-burn">
      <h2 id="slo-burn">{t('slos.detail.burn')}</h2>
      <table className="table compact burn-table" aria-label={t('slos.detail.burnWindows')}>
        <thead>
          <tr>
            <th scope="col">{t('slos.detail.burnWindow')}</th>
            {BURN_WINDOWS.map((w) => (
              <th scope="col" key={w} className="num mono">
                {w}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">{t('slos.detail.burnRate')}</th>
            {BURN_WINDOWS.map((w) => {
              const v = slo.burn_rates[w] ?? null;
              return (
                <td key={w} className={`num ${v !== null && v >= 1 ? 'critical-text' : ''}`}>
                  {factor(v)}
                </td>
              );
            })}
          </tr>
        </tbody>
      </table>
      <table className="table compact" aria-label={t('slos.detail.rules')}>
        <thead>
          <tr>
            <th scope="col">{t('slos.detail.rule')}</th>
            <th scope="col">{t('slos.detail.ruleWindow')}</th>
            <th scope="col" className="num">
              {t('slos.detail.factor')}
            </th>
            <th scope="col" className="num">
              {t('slos.detail.longBurn')}
            </th>
            <th scope="col" className="num">
              {t('slos.detail.shortBurn')}
            </th>
            <th scope="col">{t('slos.detail.ruleState')}</th>
          </tr>
        </thead>
        <tbody>
          {ruleRows(slo).map((r) => (
            <tr key={`${r.rule.severity}/${r.window}`} data-rule={r.window}>
              <td>
                <UrgencyChip urgency={r.rule.severity} />
              </td>
              <td className="mono">{r.window}</td>
              <td className="num">{factor(r.rule.factor)}</td>
              <td className="num">{factor(r.longBurn)}</td>
              <td className="num">{factor(r.shortBurn)}</td>
              <td>
                {r.firing ? (
                  <strong className="critical-text">{t('slos.detail.ruleFiring')}</strong>
                ) : (
                  <span className="muted">{t('slos.detail.ruleQuiet')}</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        {t('slos.detail.guard', {
          requests: num(slo.guard.min_requests),
          bad: num(slo.guard.min_bad),
        })}
      </p>
    </section>
  );
}

function EstimateText({ e }: { e: Estimate }) {
  const { t, i18n } = useTranslation();
  const s = (x: number) => seconds(x, i18n.language);
  return (
    <>
      {e.upper_s === null
        ? t('slos.detail.latencyOpen', { value: s(e.value_s), lower: s(e.lower_s) })
        : t('slos.detail.latencyEstimate', {
            value: s(e.value_s),
            lower: s(e.lower_s),
            upper: s(e.upper_s),
          })}
    </>
  );
}

function Latency({ slo }: { slo: SloDetail }) {
  const { t } = useTranslation();
  const rows = (['p50', 'p95', 'p99'] as const).filter((p) => slo.latency[p]);
  return (
    <section className="section" aria-labelledby="slo-latency">
      <h2 id="slo-latency">{t('slos.detail.latency')}</h2>
      {rows.length === 0 ? (
        <p className="muted">{t('slos.detail.latencyNone')}</p>
      ) : (
        <table className="table compact" aria-label={t('slos.detail.latency')}>
          <thead>
            <tr>
              <th scope="col">{t('slos.detail.percentile')}</th>
              <th scope="col">{t('slos.detail.estimate')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((p) => (
              <tr key={p}>
                <th scope="row" className="mono">
                  {p}
                </th>
                <td>
                  <EstimateText e={slo.latency[p] as Estimate} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Alerts({ slo }: { slo: SloDetail }) {
  const { t } = useTranslation();
  // Still firing first, then the worst severity, then the newest.
  const alerts = [...slo.alerts].sort(
    (a, b) =>
      Number(b.ends_at_ms === null) - Number(a.ends_at_ms === null) ||
      rank(b.severity) - rank(a.severity) ||
      b.starts_at_ms - a.starts_at_ms ||
      a.window.localeCompare(b.window),
  );
  return (
    <section className="section" aria-labelledby="slo-alerts">
      <h2 id="slo-alerts">{t('slos.detail.alerts')}</h2>
      {alerts.length === 0 ? (
        <p className="muted">{t('slos.detail.noAlerts')}</p>
      ) : (
        <table className="table compact" aria-label={t('slos.detail.alerts')}>
          <thead>
            <tr>
              <th scope="col">{t('slos.detail.alertState')}</th>
              <th scope="col">{t('slos.detail.alertSeverity')}</th>
              <th scope="col">{t('slos.detail.alertUrgency')}</th>
              <th scope="col">{t('slos.detail.alertWindow')}</th>
              <th scope="col">{t('slos.detail.alertStarted')}</th>
              <th scope="col">{t('slos.detail.alertEnded')}</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={`${a.urgency}/${a.window}/${a.starts_at_ms}`}>
                <td>
                  <span className={`chip chip-state chip-state-${a.state}`}>
                    {t(`alerts.state.${a.state}`, { defaultValue: a.state })}
                  </span>
                </td>
                <td>
                  <SeverityChip severity={a.severity} />
                </td>
                <td>
                  <UrgencyChip urgency={a.urgency} />
                </td>
                <td className="mono">{a.window}</td>
                <td>
                  <RelTime ms={a.starts_at_ms} />
                </td>
                <td>
                  {a.ends_at_ms === null ? (
                    <span>
                      {t('slos.detail.stillFiring')} · <Since ms={a.starts_at_ms} />
                    </span>
                  ) : (
                    <RelTime ms={a.ends_at_ms} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export default function SloDetailPage() {
  const { t } = useTranslation();
  const name = useParams().name ?? '';
  const slo = useSlo(name);
  const gone = slo.isError && isApiError(slo.error) && slo.error.status === 404;
  return (
    <article className="page" aria-labelledby="slo-title">
      <nav aria-label={t('slos.detail.back')}>
        <Link to="/slos">← {t('slos.detail.back')}</Link>
      </nav>
      {gone ? (
        <EmptyState title={t('slos.detail.gone')} />
      ) : (
        <QueryState query={slo}>
          {() =>
            slo.data && (
              <>
                <Header slo={slo.data} />
                <Charts slo={slo.data} />
                <Burn slo={slo.data} />
                <Latency slo={slo.data} />
                <Alerts slo={slo.data} />
                <ReportLinks />
              </>
            )
          }
        </QueryState>
      )}
    </article>
  );
}
