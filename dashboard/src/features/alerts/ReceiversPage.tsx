/**
 * Receivers (admin): channel, language, concurrency and config with secrets masked as the
 * API returns them (write-only); a test-send per receiver with what the receiver answered;
 * then the dead letters with retry.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../api/queries';
import { isAdmin } from '../../auth/permissions';
import { EmptyState, QueryState } from '../../ui/States';
import { useReceivers, useTestSend } from './api';
import { DeadLetters } from './DeadLetters';
import type { Receiver, TestSendResult } from './types';

function TestSend({ receiver }: { receiver: string }) {
  const { t } = useTranslation();
  const send = useTestSend();
  const [result, setResult] = useState<TestSendResult | null>(null);
  return (
    <span className="alert-actions">
      <button
        type="button"
        disabled={send.isPending}
        aria-label={t('alerts.receivers.testThis', { name: receiver })}
        onClick={() => send.mutate(receiver, { onSuccess: setResult })}
      >
        {send.isPending ? t('alerts.receivers.sending') : t('alerts.receivers.test')}
      </button>
      <span role="status">
        {result &&
          (result.sent
            ? t('alerts.receivers.sent', { status: result.status ?? '' })
            : result.status !== null
              ? t('alerts.receivers.failedStatus', {
                  status: result.status,
                  error: result.error ?? '',
                })
              : t('alerts.receivers.failed', { error: result.error ?? '' }))}
        {send.isError && send.error.message}
      </span>
    </span>
  );
}

function ReceiverRow({ r }: { r: Receiver }) {
  return (
    <tr>
      <td className="mono">{r.name}</td>
      <td>{r.channel}</td>
      <td>{r.language}</td>
      <td>{r.max_concurrency}</td>
      <td>
        <pre className="mono">{JSON.stringify(r.config, null, 2)}</pre>
      </td>
      <td>
        <TestSend receiver={r.name} />
      </td>
    </tr>
  );
}

export default function ReceiversPage() {
  const { t } = useTranslation();
  const me = useMe();
  const admin = isAdmin(me.data);
  const receivers = useReceivers(admin);
  if (!admin) return <EmptyState title={t('alerts.receivers.adminOnly')} />;
  return (
    <section className="page" aria-labelledby="receivers-title">
      <h2 id="receivers-title">{t('alerts.receivers.title')}</h2>
      <QueryState query={receivers}>
        {() =>
          (receivers.data?.items ?? []).length === 0 ? (
            <EmptyState title={t('alerts.receivers.empty')} />
          ) : (
            <table className="table compact" aria-label={t('alerts.receivers.title')}>
              <thead>
                <tr>
                  <th scope="col">{t('alerts.receivers.name')}</th>
                  <th scope="col">{t('alerts.receivers.channel')}</th>
                  <th scope="col">{t('alerts.receivers.language')}</th>
                  <th scope="col">{t('alerts.receivers.concurrency')}</th>
                  <th scope="col">{t('alerts.receivers.config')}</th>
                  <th scope="col">{t('alerts.table.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {(receivers.data?.items ?? []).map((r) => (
                  <ReceiverRow key={r.name} r={r} />
                ))}
              </tbody>
            </table>
          )
        }
      </QueryState>
      <DeadLetters />
    </section>
  );
}
