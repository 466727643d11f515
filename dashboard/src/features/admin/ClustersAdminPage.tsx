/** Clusters: register one (agent token shown once, with the helm line), rotate or revoke a token. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call, enc } from '../../api/client';
import { keys } from '../../api/keys';
import { useClusters } from '../../api/queries';
import type { IssuedClusterToken } from '../../api/types';
import { ClusterStatusChip } from '../../ui/SeverityChip';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { defaultGrpcAddress, helmInstall } from './helmLine';
import { MutationError } from './MutationError';
import { SecretOnce } from './SecretOnce';

export default function ClustersAdminPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const clusters = useClusters();
  const [name, setName] = useState('');
  const [grpc, setGrpc] = useState(() => defaultGrpcAddress(window.location.host));
  const [issued, setIssued] = useState<IssuedClusterToken | null>(null);
  const onIssued = (tok: IssuedClusterToken) => {
    setIssued(tok);
    void client.invalidateQueries({ queryKey: keys.clusters });
  };
  const register = useMutation({
    mutationFn: () => call<IssuedClusterToken>('clusters', { method: 'POST', body: { name } }),
    onSuccess: (tok) => {
      setName('');
      onIssued(tok);
    },
  });
  const rotate = useMutation({
    mutationFn: (c: string) =>
      call<IssuedClusterToken>(`clusters/${enc(c)}/token`, { method: 'POST' }),
    onSuccess: onIssued,
  });
  const revoke = useMutation({
    mutationFn: (c: string) => call<void>(`clusters/${enc(c)}/token`, { method: 'DELETE' }),
    onSuccess: () => void client.invalidateQueries({ queryKey: keys.clusters }),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    register.mutate();
  }
  return (
    <section aria-labelledby="cl-admin-title" className="page">
      <h2 id="cl-admin-title">{t('admin.nav.clusters')}</h2>
      <form className="form section" onSubmit={submit} aria-label={t('admin.clusters.register')}>
        <label>
          {t('admin.clusters.name')}
          <input
            required
            pattern="[a-z0-9]([\-a-z0-9]{0,61}[a-z0-9])?"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          {t('admin.clusters.grpc')}
          <input value={grpc} onChange={(e) => setGrpc(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={register.isPending}>
          {t('admin.clusters.register')}
        </button>
      </form>
      <MutationError error={register.error ?? rotate.error ?? revoke.error} />
      {issued && (
        <SecretOnce
          label={t('admin.clusters.tokenFor', { name: issued.name })}
          secret={issued.token}
        >
          <p>{t('admin.clusters.installHint')}</p>
          <pre className="output" aria-label={t('admin.clusters.helm')}>
            {helmInstall(issued.name, issued.token, grpc)}
          </pre>
          <button type="button" onClick={() => setIssued(null)}>
            {t('common.close')}
          </button>
        </SecretOnce>
      )}
      <QueryState query={clusters}>
        {() =>
          clusters.data?.items.length ? (
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">{t('admin.clusters.name')}</th>
                  <th scope="col">{t('commands.state')}</th>
                  <th scope="col">{t('fleet.agent')}</th>
                  <th scope="col">{t('fleet.lastHeard')}</th>
                  <th scope="col">{t('admin.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {clusters.data.items.map((c) => (
                  <tr key={c.name}>
                    <td className="mono">{c.name}</td>
                    <td>
                      <ClusterStatusChip status={c.status} />
                    </td>
                    <td className="mono">{c.agent_version ?? ''}</td>
                    <td>
                      <RelTime ms={c.last_heartbeat_ms} />
                    </td>
                    <td className="actions">
                      <ConfirmButton
                        label={t('admin.clusters.rotate')}
                        onConfirm={() => rotate.mutate(c.name)}
                      />
                      <ConfirmButton
                        label={t('admin.clusters.revoke')}
                        onConfirm={() => revoke.mutate(c.name)}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <EmptyState title={t('fleet.empty')} />
          )
        }
      </QueryState>
    </section>
  );
}
