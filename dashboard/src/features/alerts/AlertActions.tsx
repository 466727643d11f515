/**
 * Silence and acknowledge/unacknowledge for one alert, shown only to who may operate where the
 * alert is (its cluster and namespace labels); the server checks again.
 */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useMe } from '../../api/queries';
import { canOperate } from '../../auth/permissions';
import { useAcknowledge } from './api';
import { displayState } from './model';
import type { Alert } from './types';

export function AlertActions({ alert }: { alert: Alert }) {
  const { t } = useTranslation();
  const me = useMe();
  const ack = useAcknowledge();
  const { cluster = '', namespace = '' } = alert.labels;
  if (!canOperate(me.data, cluster, namespace)) return null;
  const state = displayState(alert);
  const name = alert.labels.alertname ?? alert.fingerprint;
  return (
    <span className="alert-actions">
      {state !== 'silenced' && state !== 'resolved' && (
        <Link
          className="button"
          to={`/alerts/silences/new?alert=${encodeURIComponent(alert.fingerprint)}`}
          aria-label={t('alerts.actions.silenceThis', { name })}
        >
          {t('alerts.actions.silence')}
        </Link>
      )}
      {(state === 'firing' || state === 'flapping') && (
        <button
          type="button"
          disabled={ack.isPending}
          aria-label={t('alerts.actions.ackThis', { name })}
          onClick={() => ack.mutate({ fingerprint: alert.fingerprint, ack: true })}
        >
          {t('alerts.actions.ack')}
        </button>
      )}
      {alert.acked_by && (
        <button
          type="button"
          disabled={ack.isPending}
          aria-label={t('alerts.actions.unackThis', { name })}
          onClick={() => ack.mutate({ fingerprint: alert.fingerprint, ack: false })}
        >
          {t('alerts.actions.unack')}
        </button>
      )}
      {ack.isError && (
        <span role="alert" className="warning-text">
          {ack.error.message}
        </span>
      )}
    </span>
  );
}
