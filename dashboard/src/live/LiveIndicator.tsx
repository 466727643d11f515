/** "Live" / "Paused, last update at HH:MM:SS" / "Polling": announced politely (aria-live). */
import { useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import { clock } from '../ui/format';
import { getLiveStatus, subscribeLive } from './status';

export function LiveIndicator() {
  const { t, i18n } = useTranslation();
  const s = useSyncExternalStore(subscribeLive, getLiveStatus);
  const at = s.lastEventAt ? clock(s.lastEventAt, i18n.language) : null;
  const text =
    s.mode === 'live'
      ? t('live.live')
      : s.mode === 'polling'
        ? t('live.polling')
        : s.mode === 'connecting'
          ? t('live.connecting')
          : at
            ? t('live.pausedAt', { time: at })
            : t('live.paused');
  return (
    <span className={`live live-${s.mode}`} role="status" aria-live="polite">
      <span className="live-dot" aria-hidden="true" />
      {text}
      {s.mode === 'live' && at && <span className="muted"> {t('live.lastAt', { time: at })}</span>}
    </span>
  );
}
