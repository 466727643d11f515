/** The dry run's answer: the diff (before → after; set_resources as a table, other commands'
 *  results as their JSON) and the impact check (replicas that stay available, PDB headroom,
 *  the server's warnings). */
import { useTranslation } from 'react-i18next';
import { resourceDiff } from './model';
import type { Impact, Preview } from './types';

function Diff({ preview }: { preview: Preview }) {
  const { t } = useTranslation();
  if (preview.error)
    return <p role="alert">{t('remediation.diff.failed', { error: preview.error })}</p>;
  const rows = resourceDiff(preview.diff);
  if (!rows)
    return (
      <details open>
        <summary>{t('remediation.diff.raw')}</summary>
        <pre className="mono">{JSON.stringify(preview.diff, null, 2)}</pre>
      </details>
    );
  if (!rows.some((r) => r.changed)) return <p>{t('remediation.diff.nothing')}</p>;
  return (
    <table className="table compact diff">
      <caption>
        {t('remediation.diff.caption', { container: String(preview.diff?.container ?? '') })}
      </caption>
      <thead>
        <tr>
          <th scope="col">{t('remediation.diff.setting')}</th>
          <th scope="col">{t('remediation.diff.before')}</th>
          <th scope="col">{t('remediation.diff.after')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.field}.${r.resource}`} className={r.changed ? 'changed' : undefined}>
            <th scope="row">
              {r.resource} {t(`remediation.command.field.${r.field}`)}
            </th>
            <td className="mono">{r.before ?? t('remediation.diff.unset')}</td>
            <td className="mono">
              {r.changed ? (
                <>
                  <span aria-hidden="true">→ </span>
                  <strong>{r.after ?? t('remediation.diff.unset')}</strong>
                </>
              ) : (
                <span className="muted">{t('remediation.diff.unchanged')}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ImpactCheck({ impact }: { impact: Impact }) {
  const { t } = useTranslation();
  return (
    <div className="impact">
      <h3>{t('remediation.detail.impact')}</h3>
      <ul className="plain">
        {impact.replicas && (
          <li>
            {t('remediation.impactCheck.replicas', {
              available: impact.replicas.available,
              desired: impact.replicas.desired,
            })}
          </li>
        )}
        {impact.pods_on_node !== undefined && (
          <li>{t('remediation.impactCheck.podsOnNode', { count: impact.pods_on_node })}</li>
        )}
        {impact.pdbs.length === 0 ? (
          <li>{t('remediation.impactCheck.noPdbs')}</li>
        ) : (
          impact.pdbs.map((p) => (
            <li key={p.name}>
              {t('remediation.impactCheck.pdb', {
                name: p.name,
                allowed: p.disruptions_allowed,
                healthy: p.current_healthy,
                required: p.desired_healthy,
              })}
            </li>
          ))
        )}
      </ul>
      {impact.warnings.length > 0 && (
        <div
          className="state-warning"
          role="note"
          aria-label={t('remediation.impactCheck.warnings')}
        >
          <ul className="plain">
            {impact.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}

export function PreviewPanel({ preview }: { preview: Preview }) {
  const { t } = useTranslation();
  return (
    <section className="section preview" aria-labelledby="rem-preview">
      <h2 id="rem-preview">{t('remediation.detail.preview')}</h2>
      <Diff preview={preview} />
      {preview.impact && <ImpactCheck impact={preview.impact} />}
    </section>
  );
}
