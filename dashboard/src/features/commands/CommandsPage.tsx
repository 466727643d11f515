/** The command log, newest first; cluster / state / type filters and the page cursor in the URL. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useClusters, useCommands } from '../../api/queries';
import { CommandStateChip } from '../../ui/CommandProgress';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { ACTIONS } from '../actions/catalogue';
import { FilterSelect } from '../../ui/FilterSelect';
import { useUrlState } from '../../ui/useUrlState';

export const STATES = [
  'pending',
  'sent',
  'running',
  'succeeded',
  'failed',
  'timed_out',
  'cancelled',
];
const TYPES = [...ACTIONS.map((a) => a.type), 'pod_logs', 'describe'].sort();

export default function CommandsPage() {
  const { t } = useTranslation();
  const [f, set] = useUrlState(['cluster', 'state', 'type', 'before_ms', 'before_id'] as const);
  const clusters = useClusters();
  const filters = Object.fromEntries(Object.entries(f).filter(([, v]) => v)) as Record<
    string,
    string
  >;
  const commands = useCommands(filters);
  const page = commands.data;
  return (
    <section className="page" aria-labelledby="cmd-title">
      <h1 id="cmd-title">{t('commands.title')}</h1>
      <div className="filters">
        <FilterSelect
          label={t('topbar.cluster')}
          value={f.cluster}
          options={clusters.data?.items.map((c) => c.name) ?? []}
          onChange={(v) => set({ cluster: v, before_ms: '', before_id: '' })}
        />
        <FilterSelect
          label={t('commands.state')}
          value={f.state}
          options={STATES}
          onChange={(v) => set({ state: v, before_ms: '', before_id: '' })}
        />
        <FilterSelect
          label={t('commands.type')}
          value={f.type}
          options={TYPES}
          onChange={(v) => set({ type: v, before_ms: '', before_id: '' })}
        />
        {f.before_ms && (
          <button type="button" onClick={() => set({ before_ms: '', before_id: '' })}>
            {t('commands.newest')}
          </button>
        )}
      </div>
      <QueryState query={commands}>
        {() =>
          !page || page.items.length === 0 ? (
            <EmptyState title={t('commands.empty')} />
          ) : (
            <>
              <table className="table compact">
                <thead>
                  <tr>
                    <th scope="col">{t('commands.state')}</th>
                    <th scope="col">{t('commands.type')}</th>
                    <th scope="col">{t('topbar.cluster')}</th>
                    <th scope="col">{t('commands.target')}</th>
                    <th scope="col">{t('commands.by')}</th>
                    <th scope="col">{t('commands.created')}</th>
                    <th scope="col">{t('commands.message')}</th>
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((c) => (
                    <tr key={c.id}>
                      <td>
                        <CommandStateChip state={c.state} />
                        {c.dry_run && <span className="muted"> {t('commands.dryRun')}</span>}
                      </td>
                      <td>
                        <Link to={`/commands/${encodeURIComponent(c.id)}`}>{c.type}</Link>
                      </td>
                      <td className="mono">{c.cluster}</td>
                      <td className="mono">{c.target}</td>
                      <td>{c.requested_by}</td>
                      <td>
                        <RelTime ms={c.created_ms} />
                      </td>
                      <td className="muted">{c.message}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {page.next_before_ms !== null && (
                <button
                  type="button"
                  onClick={() =>
                    set({
                      before_ms: String(page.next_before_ms),
                      before_id: page.next_before_id ?? '',
                    })
                  }
                >
                  {t('commands.older')}
                </button>
              )}
            </>
          )
        }
      </QueryState>
    </section>
  );
}
