/**
 * Every SLO the caller may see, least budget left first (no traffic last): SLI now, the
 * budget bar, a 24 h burn sparkline and the burn alerts firing. Filters in the URL; polled.
 */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useMe } from '../../api/queries';
import { isAdmin } from '../../auth/permissions';
import { EmptyState, QueryState } from '../../ui/States';
import { FilterSelect } from '../../ui/FilterSelect';
import { useUrlState } from '../../ui/useUrlState';
import { useSlos } from './api';
import { BudgetBar, FiringChips, SliText } from './Budget';
import { clusters, FILTER_NAMES, pct, sloRows } from './model';
import { sloPath } from './paths';
import { Sparkline } from './Sparkline';
import type { Slo } from './types';

function Row({ slo }: { slo: Slo }) {
  const { t, i18n } = useTranslation();
  const where = [slo.cluster, slo.namespace, slo.service].filter(Boolean).join(' / ');
  return (
    <tr data-slo={slo.name}>
      <td>
        <Link className="mono slo-name" to={sloPath(slo.name)}>
          {slo.name}
        </Link>
        {slo.problem && (
          <div className="warning-text slo-problem">
            {t('slos.problem', { problem: slo.problem })}
          </div>
        )}
      </td>
      <td className="mono nowrap">
        {where}
        {slo.route && <span className="muted"> {slo.route}</span>}
      </td>
      <td className="nowrap">
        <SliText slo={slo} />
      </td>
      <td className="num">{pct(slo.objective, i18n.language)}</td>
      <td className="num">
        {slo.evaluated_ms === null ? (
          <span className="muted">{t('slos.notEvaluated')}</span>
        ) : slo.sli_value === null ? (
          <span className="muted">{t('slos.noTraffic')}</span>
        ) : (
          pct(slo.sli_value, i18n.language)
        )}
      </td>
      <td>
        <BudgetBar slo={slo} />
      </td>
      <td>
        <Sparkline values={slo.sparkline} />
      </td>
      <td>
        <FiringChips firing={slo.firing} />
      </td>
    </tr>
  );
}

export default function SloListPage() {
  const { t } = useTranslation();
  const [f, set] = useUrlState(FILTER_NAMES);
  const slos = useSlos();
  const me = useMe();
  const items = slos.data?.items ?? [];
  const rows = sloRows(items, f);
  return (
    <section className="page" aria-labelledby="slos-title">
      <h1 id="slos-title">{t('slos.title')}</h1>
      <div className="filters">
        <label>
          {t('slos.filters.search')}
          <input
            type="search"
            value={f.q}
            placeholder={t('slos.filters.searchPlaceholder')}
            onChange={(e) => set({ q: e.target.value })}
          />
        </label>
        <FilterSelect
          label={t('slos.filters.cluster')}
          value={f.cluster}
          options={clusters(items)}
          onChange={(v) => set({ cluster: v })}
        />
        <FilterSelect
          label={t('slos.filters.sli')}
          value={f.sli}
          options={['availability', 'latency']}
          optionLabel={(v) => t(`slos.sliKind.${v}`)}
          onChange={(v) => set({ sli: v })}
        />
        <FilterSelect
          label={t('slos.filters.firing')}
          value={f.firing}
          options={['any', 'page']}
          optionLabel={(v) =>
            v === 'page' ? t('slos.filters.firingPage') : t('slos.filters.firingAny')
          }
          onChange={(v) => set({ firing: v })}
        />
        <span className="muted" aria-live="polite">
          {t('slos.shown', { count: rows.length })}
        </span>
        {isAdmin(me.data) && <Link to="/admin/slos">{t('slos.definitions.link')}</Link>}
      </div>
      <QueryState query={slos}>
        {() =>
          items.length === 0 ? (
            <EmptyState title={t('slos.empty')}>
              <p>{t('slos.emptyHint')}</p>
            </EmptyState>
          ) : rows.length === 0 ? (
            <EmptyState title={t('slos.noMatch')} />
          ) : (
            <table className="table compact slo-table" aria-label={t('slos.title')}>
              <thead>
                <tr>
                  <th scope="col">{t('slos.table.name')}</th>
                  <th scope="col">{t('slos.table.where')}</th>
                  <th scope="col">{t('slos.table.sli')}</th>
                  <th scope="col" className="num">
                    {t('slos.table.objective')}
                  </th>
                  <th scope="col" className="num">
                    {t('slos.table.current')}
                  </th>
                  <th scope="col" aria-sort="ascending">
                    {t('slos.table.budget')}
                  </th>
                  <th scope="col">{t('slos.table.burn')}</th>
                  <th scope="col">{t('slos.table.alerts')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((s) => (
                  <Row key={s.name} slo={s} />
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
    </section>
  );
}
