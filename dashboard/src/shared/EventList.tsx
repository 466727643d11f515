import { useTranslation } from 'react-i18next';
import { SeverityChip } from '../ui/SeverityChip';
import { RelTime } from '../ui/Time';
import type { EventRow } from './k8s';

export function EventList({
  rows,
  showObject = false,
}: {
  rows: EventRow[];
  showObject?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <table className="table compact">
      <thead>
        <tr>
          <th scope="col">{t('events.type')}</th>
          <th scope="col">{t('events.reason')}</th>
          {showObject && <th scope="col">{t('events.object')}</th>}
          <th scope="col">{t('events.message')}</th>
          <th scope="col">{t('events.count')}</th>
          <th scope="col">{t('events.last')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((e) => (
          <tr key={e.key}>
            <td>{e.type === 'Warning' ? <SeverityChip severity="warning" /> : e.type}</td>
            <td>{e.reason}</td>
            {showObject && (
              <td className="mono">
                {e.involved.kind} {e.involved.namespace ? `${e.involved.namespace}/` : ''}
                {e.involved.name}
              </td>
            )}
            <td>{e.message}</td>
            <td>{e.count}</td>
            <td>
              <RelTime ms={e.lastMs} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
