/** The calendar report of a period (this month, last month, this quarter): HTML in a new tab, CSV as a file. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../../ui/States';
import { downloadReport, openHtmlReport, useSlos } from './api';
import { reportPeriods } from './model';

export function ReportLinks() {
  const { t } = useTranslation();
  const tz = useSlos().data?.timezone ?? 'UTC';
  const periods = reportPeriods(Date.now(), tz);
  const [chosen, setChosen] = useState<keyof typeof periods>('thisMonth');
  const [error, setError] = useState<unknown>(null);
  const period = periods[chosen];
  const run = (f: () => Promise<void>) => {
    setError(null);
    f().catch(setError);
  };
  return (
    <section className="section" aria-labelledby="slo-reports">
      <h2 id="slo-reports">{t('slos.reports.title')}</h2>
      <p className="muted">{t('slos.reports.hint', { tz })}</p>
      <div className="filters">
        <label>
          {t('slos.reports.period')}
          <select
            value={chosen}
            onChange={(e) => setChosen(e.target.value as keyof typeof periods)}
          >
            {(Object.keys(periods) as (keyof typeof periods)[]).map((k) => (
              <option key={k} value={k}>
                {t(`slos.reports.${k}`, { period: periods[k] })}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => run(() => openHtmlReport(period))}>
          {t('slos.reports.html')}
        </button>
        <button type="button" onClick={() => run(() => downloadReport(period, 'csv'))}>
          {t('slos.reports.csv')}
        </button>
      </div>
      {error !== null && <ErrorState error={error} />}
    </section>
  );
}
