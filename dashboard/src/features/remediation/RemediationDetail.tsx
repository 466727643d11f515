/**
 * One remediation: what it fixes and why, the finding and its evidence, the command in words,
 * the dry run's diff and impact, the decision (for those who may operate there), approvals,
 * the command's outcome, the verdict and the history.
 */
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router-dom';
import { useMe } from '../../api/queries';
import { canOperate } from '../../auth/permissions';
import { subjectPath } from '../../ui/links';
import { QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { useRemediation } from './api';
import { CommandWords } from './CommandWords';
import { Decision } from './Decision';
import { Evidence } from './Evidence';
import { Approvals, Outcome } from './Outcome';
import { PreviewPanel } from './PreviewPanel';
import { RemediationStateChip } from './RemediationStateChip';
import type { Remediation } from './types';

function History({ remediation: r }: { remediation: Remediation }) {
  const { t } = useTranslation();
  return (
    <section className="section" aria-labelledby="rem-history">
      <h2 id="rem-history">{t('remediation.detail.history')}</h2>
      <ol className="plain history">
        {(r.history ?? []).map((h, i) => (
          <li key={i}>
            <RelTime ms={h.at_ms} /> <RemediationStateChip state={h.state} />{' '}
            <span className="muted">{t('remediation.detail.by', { name: h.by })}</span>{' '}
            <span>{h.why}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function Page({ remediation: r }: { remediation: Remediation }) {
  const { t } = useTranslation();
  const me = useMe();
  const target = r.target;
  return (
    <article className="page remediation-detail" aria-labelledby="rem-title">
      <header className="detail-head">
        <div>
          <p className="muted">
            <Link to="/remediations">{t('remediation.title')}</Link> ·{' '}
            <span className="mono">{r.cluster}</span>
          </p>
          <h1 id="rem-title">{t('remediation.detail.of', { reason: r.reason })}</h1>
          <p className="chips">
            <RemediationStateChip state={r.state} />
            {r.auto && <span className="muted">{t('remediation.auto')}</span>}
            <Link className="mono" to={subjectPath(r.cluster, target)}>
              {target.kind} {target.namespace ? `${target.namespace}/` : ''}
              {target.name}
            </Link>
            <span className="muted">
              <RelTime ms={r.created_ms} />
            </span>
          </p>
          <p className="why">{r.suggestion.why}</p>
        </div>
      </header>
      <div className="grid-2">
        <section className="section" aria-labelledby="rem-finding">
          <h2 id="rem-finding">{t('remediation.detail.finding')}</h2>
          <Evidence cluster={r.cluster} evidence={r.suggestion.evidence} />
        </section>
        <section className="section" aria-labelledby="rem-command">
          <h2 id="rem-command">{t('remediation.detail.command')}</h2>
          <p>
            <CommandWords action={r.suggestion.action} />
          </p>
          {r.preview_command_id && (
            <p className="muted">
              <Link to={`/commands/${encodeURIComponent(r.preview_command_id)}`}>
                {t('remediation.detail.previewCommand')}
              </Link>
            </p>
          )}
        </section>
      </div>
      {r.preview && <PreviewPanel preview={r.preview} />}
      {canOperate(me.data, r.cluster, r.namespace ?? '') && <Decision remediation={r} />}
      <div className="grid-2">
        <Approvals remediation={r} />
        <Outcome remediation={r} />
      </div>
      <History remediation={r} />
    </article>
  );
}

export default function RemediationDetail() {
  const { id = '' } = useParams();
  const q = useRemediation(id);
  return <QueryState query={q}>{() => <Page remediation={q.data!} />}</QueryState>;
}
