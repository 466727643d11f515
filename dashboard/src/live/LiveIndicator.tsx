/**
 * "Live" / "Paused, last update at HH:MM:SS" / "Polling": the mode is announced politely
 * (aria-live) when it changes; the ticking last-update time is not, or a screen reader would
 * read out every event.
 */
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
    <span className={`live live-${s.mode}`}>
      <span className="live-dot" aria-hidden="true" />
      <span role="status" aria-live="polite">
        {text}
      </span>
      {s.mode === 'live' && at && (
        <span className="muted live-last">{t('live.lastAt', { time: at })}</span>
      )}
    </span>
  );
}
