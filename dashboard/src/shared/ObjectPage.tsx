/**
 * The frame of a plain object's detail page (Service, Ingress, PVC): kind, namespace, name,
 * health and age in the header; the page's own sections, its findings and events under the
 * Overview tab; its YAML under the other.
 */
import { Fragment, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { useResource } from '../api/queries';
import type { ResourceItem } from '../api/types';
import { parseTime } from '../ui/format';
import { SeverityChip } from '../ui/SeverityChip';
import { QueryState } from '../ui/States';
import { RelTime } from '../ui/Time';
import { DetailTabs } from './DetailTabs';
import { ObjectEvents } from './ObjectEvents';
import { ObjectFindings } from './ObjectFindings';

export function ObjectPage({
  cluster,
  kind,
  namespace,
  name,
  children,
}: {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  children: (item: ResourceItem) => ReactNode;
}) {
  const { t } = useTranslation();
  const query = useResource(cluster, kind, namespace, name);
  return (
    <QueryState query={query}>
      {() => {
        const item = query.data!;
        return (
          <article className="page" aria-labelledby="object-title">
            <header className="detail-head">
              <div>
                <p className="muted">
                  {kind} · <span className="mono">{namespace}</span>
                </p>
                <h2 id="object-title" className="mono">
                  {name}
                </h2>
                <p className="chips">
                  <SeverityChip severity={item.health} />
                  <span className="muted">
                    {t('detail.age')}{' '}
                    <RelTime ms={parseTime(item.object.metadata?.creationTimestamp)} />
                  </span>
                </p>
              </div>
            </header>
            <DetailTabs item={item}>
              {children(item)}
              <section className="section" aria-labelledby="object-findings">
                <h3 id="object-findings">{t('cluster.findings')}</h3>
                <ObjectFindings cluster={cluster} kind={kind} namespace={namespace} name={name} />
              </section>
              <section className="section" aria-labelledby="object-events">
                <h3 id="object-events">{t('cluster.nav.events')}</h3>
                <ObjectEvents cluster={cluster} kind={kind} namespace={namespace} name={name} />
              </section>
            </DetailTabs>
          </article>
        );
      }}
    </QueryState>
  );
}

/** A two-column list of facts (term / value). */
export function Facts({ items }: { items: [string, ReactNode][] }) {
  return (
    <dl className="target">
      {items.map(([term, value]) => (
        <Fragment key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** Links to pods by name, one per line, or "none". */
export function PodLinks({ names, to }: { names: string[]; to: (name: string) => string }) {
  const { t } = useTranslation();
  if (names.length === 0) return <p className="muted">{t('common.none')}</p>;
  return (
    <ul className="finding-list">
      {names.map((n) => (
        <li key={n}>
          <Link className="mono" to={to(n)}>
            {n}
          </Link>
        </li>
      ))}
    </ul>
  );
}
