/** After the decision: who approved, the command's run (linked to the command log), and the
 *  verification's verdict — with the undo linked when the fix made things worse. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { CommandStateChip } from '../../ui/CommandProgress';
import { RelTime } from '../../ui/Time';
import { useRemediations } from './api';
import { inverseOf, VERDICTS } from './model';
import { RemediationStateChip } from './RemediationStateChip';
import type { Remediation } from './types';

export function Approvals({ remediation: r }: { remediation: Remediation }) {
  const { t } = useTranslation();
  return (
    <section className="section" aria-labelledby="rem-approvals">
      <h2 id="rem-approvals">{t('remediation.detail.approvals')}</h2>
      {r.requested_by && <p>{t('remediation.detail.requestedBy', { name: r.requested_by })}</p>}
      {r.approvals.length === 0 ? (
        <p className="muted">{t('remediation.detail.noApprovals')}</p>
      ) : (
        <ul className="plain">
          {r.approvals.map((a) => (
            <li key={a.by}>
              <strong>{t('remediation.detail.approvedBy', { name: a.by })}</strong>{' '}
              <RelTime ms={a.at_ms} />
            </li>
          ))}
        </ul>
      )}
      {r.state === 'pending_approval' && r.expires_ms && (
        <p className="muted">
          {t('remediation.detail.expires')} <RelTime ms={r.expires_ms} />
        </p>
      )}
    </section>
  );
}

function InverseLink({ remediation: r }: { remediation: Remediation }) {
  const { t } = useTranslation();
  // Shown only after a `worse` verdict, when the undo is being added: poll fast meanwhile.
  const list = useRemediations({ cluster: r.cluster }, true);
  const inverse = inverseOf(list.data?.items ?? [], r);
  if (!inverse)
    return (
      <p className="muted">
        {t('remediation.detail.inverseMissing')}{' '}
        <Link
          to={`/remediations?cluster=${encodeURIComponent(r.cluster)}&namespace=${encodeURIComponent(r.namespace ?? '')}`}
        >
          {t('remediation.detail.openOnes')}
        </Link>
      </p>
    );
  return (
    <p>
      <Link to={`/remediations/${encodeURIComponent(inverse.id)}`}>
        {t('remediation.detail.inverse', { id: inverse.id })}
      </Link>{' '}
      <RemediationStateChip state={inverse.state} />
    </p>
  );
}

export function Outcome({ remediation: r }: { remediation: Remediation }) {
  const { t } = useTranslation();
  const verdict = r.outcome && VERDICTS.has(r.outcome) ? r.outcome : null;
  return (
    <section className="section" aria-labelledby="rem-outcome">
      <h2 id="rem-outcome">{t('remediation.detail.outcome')}</h2>
      {r.run_command_id ? (
        <p>
          <Link to={`/commands/${encodeURIComponent(r.run_command_id)}`}>
            {t('remediation.detail.runCommand')}
          </Link>{' '}
          {r.state === 'running' && <CommandStateChip state="running" />}
          {r.ran_ms && (
            <span className="muted">
              {t('remediation.detail.ranAt')} <RelTime ms={r.ran_ms} />
            </span>
          )}
        </p>
      ) : (
        <p className="muted">{t('remediation.detail.notRun')}</p>
      )}
      {r.state === 'succeeded' && <p>{t('remediation.detail.watching')}</p>}
      {verdict && (
        <div
          className={`verdict verdict-${verdict}`}
          role="status"
          aria-label={t('remediation.detail.verdict')}
        >
          <RemediationStateChip state={verdict} />
          <span>{t(`remediation.verdict.${verdict}`)}</span>
          {r.message && <span className="muted">{r.message}</span>}
        </div>
      )}
      {verdict === 'worse' && <InverseLink remediation={r} />}
    </section>
  );
}
