/** Recent events about one object (from the mirrored Event list), warnings first. */
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useResources } from '../api/queries';
import { QueryState } from '../ui/States';
import { EventList } from './EventList';
import { sortEvents, toEventRow } from './k8s';

export function ObjectEvents({
  cluster,
  kind,
  namespace,
  name,
}: {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
}) {
  const { t } = useTranslation();
  const events = useResources(cluster, 'Event');
  const rows = useMemo(
    () =>
      sortEvents(
        (events.data?.items ?? [])
          .map(toEventRow)
          .filter(
            (e) =>
              e.involved.kind === kind &&
              e.involved.name === name &&
              (e.involved.namespace || '') === namespace,
          ),
      ),
    [events.data, kind, name, namespace],
  );
  return (
    <QueryState query={events} rows={2}>
      {() =>
        rows.length ? (
          <EventList rows={rows.slice(0, 50)} />
        ) : (
          <p className="muted">{t('events.none')}</p>
        )
      }
    </QueryState>
  );
}
