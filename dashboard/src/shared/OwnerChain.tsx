/** Owner links up the chain: Pod → ReplicaSet → Deployment (one more hop is read if mirrored). */
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';
import { call, enc } from '../api/client';
import { keys } from '../api/keys';
import type { K8sObject, ResourceItem } from '../api/types';
import { subjectPath } from '../ui/links';
import { ownerOf } from './k8s';

export function OwnerChain({
  cluster,
  namespace,
  obj,
}: {
  cluster: string;
  namespace: string;
  obj: K8sObject;
}) {
  const { t } = useTranslation();
  const first = ownerOf(obj);
  const parent = useQuery({
    queryKey: first ? keys.resource(cluster, first.kind, namespace, first.name) : ['none'],
    queryFn: () =>
      call<ResourceItem>(
        `clusters/${enc(cluster)}/resources/${enc(first!.kind)}/${enc(namespace || '-')}/${enc(first!.name)}`,
      ),
    enabled: !!first,
    retry: false,
  });
  if (!first) return null;
  const chain = [first];
  const grand = parent.data ? ownerOf(parent.data.object) : null;
  if (grand) chain.push(grand);
  return (
    <p>
      <span className="muted">{t('detail.owners')} </span>
      {chain.map((o, i) => (
        <span key={`${o.kind}/${o.name}`}>
          {i > 0 && ' ← '}
          {o.kind}{' '}
          <Link
            className="mono"
            to={subjectPath(cluster, { kind: o.kind, namespace, name: o.name })}
          >
            {o.name}
          </Link>
        </span>
      ))}
    </p>
  );
}
