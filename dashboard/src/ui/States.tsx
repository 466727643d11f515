/** Loading skeletons, empty and error states: every page designs all three. */
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiError } from '../api/errors';

export function Skeleton({ rows = 6 }: { rows?: number }) {
  const { t } = useTranslation();
  return (
    <div className="skeleton" role="status" aria-live="polite">
      <span className="visually-hidden">{t('common.loading')}</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} className="skeleton-row" />
      ))}
    </div>
  );
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const message = error instanceof Error ? error.message : String(error);
  const trace = isApiError(error) ? error.traceId : null;
  const status = isApiError(error) ? error.status : null;
  return (
    <div className="state state-error" role="alert">
      <h2>{t('error.title')}</h2>
      <p>{message}</p>
      {status !== null && <p className="muted">{t('error.status', { status })}</p>}
      {trace && (
        <p className="muted">
          {t('error.trace')} <code>{trace}</code>
        </p>
      )}
      {onRetry && (
        <button type="button" onClick={onRetry}>
          {t('common.retry')}
        </button>
      )}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

/** Loading → error → content, with a timeout: never spin forever (DASHBOARD.md). */
export function QueryState({
  query,
  rows,
  children,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  rows?: number;
  children: () => ReactNode;
}) {
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (query.isPending) return <Skeleton rows={rows} />;
  return <>{children()}</>;
}
