/**
 * Preview, approve and reject, for those who may operate where the remediation acts (the
 * server decides regardless: the approval policy's 403 and a state's 409 are shown as the
 * server's message, never swallowed). Approve is offered once a dry run succeeded; reject
 * asks why (audited).
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorState } from '../../ui/States';
import { useMove } from './api';
import { canApprove, canPreview, canReject } from './model';
import type { Remediation } from './types';

export function Decision({ remediation: r }: { remediation: Remediation }) {
  const { t } = useTranslation();
  const preview = useMove(r.id, 'preview');
  const approve = useMove(r.id, 'approve');
  const reject = useMove(r.id, 'reject');
  const [rejecting, setRejecting] = useState(false);
  const [reason, setReason] = useState('');
  const busy = preview.isPending || approve.isPending || reject.isPending;
  const error = preview.error ?? approve.error ?? reject.error;
  const reset = () => [preview, approve, reject].forEach((m) => m.reset());
  if (!canPreview(r.state) && !canApprove(r.state) && !canReject(r.state) && !error) return null;
  return (
    <section className="section" aria-labelledby="rem-decision">
      <h2 id="rem-decision">{t('remediation.detail.decision')}</h2>
      <div className="actions" role="group" aria-label={t('remediation.detail.decision')}>
        {canPreview(r.state) && (
          <button
            type="button"
            className={r.preview ? '' : 'primary'}
            disabled={busy}
            onClick={() => {
              reset();
              preview.mutate(undefined);
            }}
          >
            {preview.isPending
              ? t('remediation.actions.previewing')
              : r.preview
                ? t('remediation.actions.previewAgain')
                : t('remediation.actions.preview')}
          </button>
        )}
        {canApprove(r.state) && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => {
              reset();
              approve.mutate(undefined);
            }}
          >
            {approve.isPending
              ? t('remediation.actions.approving')
              : t('remediation.actions.approve')}
          </button>
        )}
        {canReject(r.state) && !rejecting && (
          <button type="button" disabled={busy} onClick={() => setRejecting(true)}>
            {t('remediation.actions.reject')}
          </button>
        )}
      </div>
      {rejecting && canReject(r.state) && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            reset();
            reject.mutate(reason, { onSuccess: () => setRejecting(false) });
          }}
        >
          <label>
            {t('remediation.actions.rejectReason')}
            <input value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" className="danger" disabled={busy}>
            {t('remediation.actions.confirmReject')}
          </button>
          <button type="button" onClick={() => setRejecting(false)}>
            {t('common.cancel')}
          </button>
        </form>
      )}
      <p className="muted">
        {canApprove(r.state)
          ? t('remediation.actions.policyNote')
          : t('remediation.actions.needPreview')}
      </p>
      {error && <ErrorState error={error} />}
    </section>
  );
}
