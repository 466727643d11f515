/** A time shown relative ("3 min ago") with the exact local timestamp on hover. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { duration, exact, relative } from './format';

function useNow(everyMs = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

export function RelTime({ ms }: { ms: number | null | undefined }) {
  const { i18n, t } = useTranslation();
  const now = useNow();
  if (ms === null || ms === undefined) return <span className="muted">{t('common.never')}</span>;
  return (
    <time dateTime={new Date(ms).toISOString()} title={exact(ms, i18n.language)}>
      {relative(ms, now, i18n.language)}
    </time>
  );
}

/** How long something has been so: "for 14m", exact start on hover. */
export function Since({ ms }: { ms: number | null | undefined }) {
  const { i18n } = useTranslation();
  const now = useNow();
  if (ms === null || ms === undefined) return null;
  return (
    <time dateTime={new Date(ms).toISOString()} title={exact(ms, i18n.language)}>
      {duration(now - ms)}
    </time>
  );
}
