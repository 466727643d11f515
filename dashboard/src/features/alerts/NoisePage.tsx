/** Noise per rule and receiver over 7 or 30 days, noisiest first, so the noisy rules get fixed. */
import { useTranslation } from 'react-i18next';
import { EmptyState, QueryState } from '../../ui/States';
import { useUrlState } from '../../ui/useUrlState';
import { useNoise } from './api';
import { NOISE_KINDS, noiseRows } from './model';

export default function NoisePage() {
  const { t } = useTranslation();
  const [f, set] = useUrlState(['days'] as const);
  const days = f.days === '30' ? 30 : 7;
  const noise = useNoise();
  const rows = noiseRows(noise.data?.items ?? [], days);
  return (
    <section className="page" aria-labelledby="noise-title">
      <h2 id="noise-title">{t('alerts.noise.title')}</h2>
      <div className="filters">
        <label>
          {t('alerts.noise.window')}
          <select
            value={String(days)}
            onChange={(e) => set({ days: e.target.value === '7' ? '' : e.target.value })}
          >
            {[7, 30].map((d) => (
              <option key={d} value={d}>
                {t('alerts.noise.days', { count: d })}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryState query={noise}>
        {() =>
          rows.length === 0 ? (
            <EmptyState title={t('alerts.noise.empty')} />
          ) : (
            <table className="table compact" aria-label={t('alerts.noise.title')}>
              <thead>
                <tr>
                  <th scope="col">{t('alerts.noise.scope')}</th>
                  <th scope="col">{t('alerts.noise.name')}</th>
                  {NOISE_KINDS.map((k) => (
                    <th scope="col" key={k}>
                      {t(`alerts.noise.kinds.${k}`)}
                    </th>
                  ))}
                  <th scope="col" aria-sort="descending">
                    {t('alerts.noise.total')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${r.scope}/${r.name}`}>
                    <td>{t(`alerts.noise.scopes.${r.scope}`, { defaultValue: r.scope })}</td>
                    <td className="mono">{r.name}</td>
                    {NOISE_KINDS.map((k) => (
                      <td key={k}>{r.counts[k] ?? 0}</td>
                    ))}
                    <td>
                      <strong>{r.total}</strong>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </section>
  );
}
