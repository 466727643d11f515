/** The fleet overview's SLO card: the three SLOs with least budget left, each linking to its page. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { Skeleton } from '../../ui/States';
import { useSlos } from './api';
import { BudgetBar, FiringChips } from './Budget';
import { worst } from './model';
import { sloPath } from './paths';
import './slos.css';

export function SloCard() {
  const { t } = useTranslation();
  const slos = useSlos();
  const items = slos.data?.items ?? [];
  const top = worst(items, 3);
  return (
    <section className="section slo-card" aria-labelledby="slo-card-title">
      <header className="card-head">
        <h2 id="slo-card-title">
          <Link to="/slos">{t('slos.card.title')}</Link>
        </h2>
        {items.length > 0 && <Link to="/slos">{t('slos.card.all')}</Link>}
      </header>
      {slos.isPending ? (
        <Skeleton rows={2} />
      ) : slos.isError ? (
        <p className="muted" role="alert">
          {slos.error instanceof Error ? slos.error.message : String(slos.error)}
        </p>
      ) : items.length === 0 ? (
        <p className="muted">
          {t('slos.card.none')} {t('slos.card.noneHint')}
        </p>
      ) : (
        <>
          <ul className="slo-card-list">
            {top.map((s) => (
              <li key={s.name}>
                <Link className="mono" to={sloPath(s.name)}>
                  {s.name}
                </Link>
                <span className="mono muted">{s.cluster}</span>
                <BudgetBar slo={s} />
                <FiringChips firing={s.firing} />
              </li>
            ))}
          </ul>
          {items.length > top.length && (
            <p className="muted">
              <Link to="/slos">{t('slos.card.more', { count: items.length - top.length })}</Link>
            </p>
          )}
        </>
      )}
    </section>
  );
}
