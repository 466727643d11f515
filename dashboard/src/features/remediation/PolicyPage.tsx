/**
 * The approval policy (admins): its rules as a table, and the whole document edited as JSON
 * and replaced whole (PUT); the server validates, and its refusal — the message and each
 * problem's field — is shown as it said it.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../../api/errors';
import { ErrorState, QueryState } from '../../ui/States';
import { usePolicy, useSavePolicy } from './api';
import type { PolicyConfig, PolicyRule } from './types';
import './remediation.css';

function Rules({ rules }: { rules: PolicyRule[] }) {
  const { t } = useTranslation();
  if (rules.length === 0) return <p className="muted">{t('remediation.policy.none')}</p>;
  const secs = (n: number) => t('remediation.policy.seconds', { count: n });
  return (
    <table className="table compact" aria-label={t('remediation.policy.title')}>
      <thead>
        <tr>
          <th scope="col">{t('remediation.policy.scope')}</th>
          <th scope="col">{t('remediation.policy.roles')}</th>
          <th scope="col">{t('remediation.policy.approvers')}</th>
          <th scope="col">{t('remediation.policy.twoPerson')}</th>
          <th scope="col">{t('remediation.policy.expiry')}</th>
          <th scope="col">{t('remediation.policy.watch')}</th>
          <th scope="col">{t('remediation.policy.auto')}</th>
        </tr>
      </thead>
      <tbody>
        {rules.map((r) => (
          <tr key={`${r.cluster}/${r.namespace}`}>
            <td className="mono">
              {r.cluster} / {r.namespace}
            </td>
            <td>{r.approve_roles.join(', ')}</td>
            <td>{r.approvers}</td>
            <td>{r.two_person ? t('common.yes') : t('common.no')}</td>
            <td>{secs(r.expiry_s)}</td>
            <td>{secs(r.watch_s)}</td>
            <td>
              {!r.auto_approve
                ? t('remediation.policy.autoOff')
                : r.dry_run_only
                  ? t('remediation.policy.autoDryRun')
                  : t('remediation.policy.autoOn', {
                      reasons: r.auto_reasons.join(', ') || t('remediation.policy.allReasons'),
                      rate: r.rate_per_hour,
                      failures: r.breaker_failures,
                    })}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Problems({ error }: { error: unknown }) {
  const { t } = useTranslation();
  const problems = isApiError(error) && Array.isArray(error.problems) ? error.problems : [];
  return (
    <div role="alert">
      <ErrorState error={error} />
      {problems.length > 0 && (
        <>
          <p>{t('remediation.policy.problems')}</p>
          <ul className="plain">
            {(problems as { field?: string; message?: string }[]).map((p, i) => (
              <li key={i}>
                <code>{p.field}</code> {p.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

function Editor({ policy }: { policy: PolicyConfig }) {
  const { t } = useTranslation();
  const save = useSavePolicy();
  const [text, setText] = useState(() => JSON.stringify(policy, null, 2));
  const [parseError, setParseError] = useState('');
  return (
    <form
      className="policy-editor"
      onSubmit={(e) => {
        e.preventDefault();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch (err) {
          setParseError(t('remediation.policy.badJson', { error: String(err) }));
          return;
        }
        setParseError('');
        save.mutate(body, { onSuccess: (p) => setText(JSON.stringify(p, null, 2)) });
      }}
    >
      <label htmlFor="policy-json">{t('remediation.policy.editor')}</label>
      <textarea
        id="policy-json"
        className="mono"
        rows={16}
        spellCheck={false}
        value={text}
        onChange={(e) => setText(e.target.value)}
      />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          {save.isPending ? t('remediation.policy.saving') : t('remediation.policy.save')}
        </button>
        {save.isSuccess && !parseError && (
          <span role="status">{t('remediation.policy.saved')}</span>
        )}
      </div>
      {parseError && <p role="alert">{parseError}</p>}
      {save.error && <Problems error={save.error} />}
    </form>
  );
}

export default function PolicyPage() {
  const { t } = useTranslation();
  const q = usePolicy();
  return (
    <section className="page" aria-labelledby="policy-title">
      <h2 id="policy-title">{t('remediation.policy.title')}</h2>
      <p className="muted">{t('remediation.policy.intro')}</p>
      <QueryState query={q}>
        {() => (
          <>
            <Rules rules={q.data!.rules} />
            <details>
              <summary>{t('remediation.policy.edit')}</summary>
              <Editor policy={q.data!} />
            </details>
          </>
        )}
      </QueryState>
    </section>
  );
}
