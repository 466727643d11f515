import { useTranslation } from 'react-i18next';
import type { Condition } from './k8s';
import { RelTime } from '../ui/Time';
import { parseTime } from '../ui/format';

/** Conditions as a table; a condition that is not as it should be is marked with a word. */
export function Conditions({
  items,
  goodWhenFalse = [],
}: {
  items: Condition[];
  goodWhenFalse?: string[];
}) {
  const { t } = useTranslation();
  if (items.length === 0) return <p className="muted">{t('common.none')}</p>;
  return (
    <table className="table compact">
      <thead>
        <tr>
          <th scope="col">{t('detail.conditionType')}</th>
          <th scope="col">{t('detail.conditionStatus')}</th>
          <th scope="col">{t('detail.reason')}</th>
          <th scope="col">{t('detail.message')}</th>
          <th scope="col">{t('detail.since')}</th>
        </tr>
      </thead>
      <tbody>
        {items.map((c) => {
          const good = goodWhenFalse.includes(c.type) ? c.status === 'False' : c.status === 'True';
          return (
            <tr key={c.type} className={good ? '' : 'bad-row'}>
              <td>{c.type}</td>
              <td>
                {c.status}
                {!good && <span className="warning-text"> · {t('detail.attention')}</span>}
              </td>
              <td>{c.reason}</td>
              <td>{c.message}</td>
              <td>
                <RelTime ms={parseTime(c.lastTransitionTime)} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
