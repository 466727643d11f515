/** API tokens: create one (shown once), list and revoke. Admins see every token, others their own. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call, enc } from '../../api/client';
import type { Items, NewTokenAnswer, TokenView } from '../../api/types';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { MutationError } from './MutationError';
import { RoleSelect } from './RoleSelect';
import { SecretOnce } from './SecretOnce';

const EMPTY = { name: '', role: 'viewer', cluster: '', namespace: '', days: '30' };

export default function TokensPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const tokens = useQuery({
    queryKey: ['tokens'],
    queryFn: () => call<Items<TokenView>>('tokens'),
  });
  const [form, setForm] = useState(EMPTY);
  const [issued, setIssued] = useState<NewTokenAnswer | null>(null);
  const done = () => void client.invalidateQueries({ queryKey: ['tokens'] });
  const create = useMutation({
    mutationFn: () =>
      call<NewTokenAnswer>('tokens', {
        method: 'POST',
        body: {
          name: form.name,
          role: form.role,
          cluster: form.cluster,
          namespace: form.namespace,
          expires_in_days: form.days ? Number(form.days) : null,
        },
      }),
    onSuccess: (tok) => {
      setIssued(tok);
      setForm(EMPTY);
      done();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => call<void>(`tokens/${enc(id)}`, { method: 'DELETE' }),
    onSuccess: done,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <section aria-labelledby="tok-title" className="page">
      <h2 id="tok-title">{t('admin.nav.tokens')}</h2>
      <form className="form section" onSubmit={submit} aria-label={t('admin.tokens.create')}>
        <label>
          {t('admin.tokens.name')}
          <input
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        </label>
        <RoleSelect value={form.role} onChange={(role) => setForm({ ...form, role })} />
        <label>
          {t('topbar.cluster')}
          <input
            value={form.cluster}
            placeholder={t('admin.bindings.any')}
            onChange={(e) => setForm({ ...form, cluster: e.target.value })}
          />
        </label>
        <label>
          {t('filters.namespace')}
          <input
            value={form.namespace}
            placeholder={t('admin.bindings.any')}
            onChange={(e) => setForm({ ...form, namespace: e.target.value })}
          />
        </label>
        <label>
          {t('admin.tokens.days')}
          <input
            type="number"
            min={1}
            value={form.days}
            onChange={(e) => setForm({ ...form, days: e.target.value })}
          />
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          {t('admin.tokens.create')}
        </button>
      </form>
      <MutationError error={create.error} />
      <MutationError error={revoke.error} />
      {issued && (
        <SecretOnce label={t('admin.tokens.issued', { name: issued.name })} secret={issued.token}>
          <button type="button" onClick={() => setIssued(null)}>
            {t('common.close')}
          </button>
        </SecretOnce>
      )}
      <QueryState query={tokens}>
        {() =>
          tokens.data?.items.length ? (
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">{t('admin.tokens.name')}</th>
                  <th scope="col">{t('admin.tokens.owner')}</th>
                  <th scope="col">{t('admin.bindings.scope')}</th>
                  <th scope="col">{t('admin.tokens.expires')}</th>
                  <th scope="col">{t('admin.tokens.lastUsed')}</th>
                  <th scope="col">{t('admin.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {tokens.data.items.map((k) => (
                  <tr key={k.id}>
                    <td>
                      {k.name} <span className="muted mono">{k.id}</span>
                    </td>
                    <td>{k.owner}</td>
                    <td className="mono">
                      {k.bindings
                        .map(
                          (b) =>
                            `${b.role}@${b.cluster || '*'}${b.namespace ? `/${b.namespace}` : ''}`,
                        )
                        .join(', ')}
                    </td>
                    <td>{k.expires_ms ? <RelTime ms={k.expires_ms} /> : t('common.never')}</td>
                    <td>
                      <RelTime ms={k.last_used_ms} />
                    </td>
                    <td>
                      {k.revoked ? (
                        <span className="muted">{t('admin.tokens.revoked')}</span>
                      ) : (
                        <ConfirmButton
                          label={t('admin.tokens.revoke')}
                          onConfirm={() => revoke.mutate(k.id)}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <EmptyState title={t('admin.tokens.empty')} />
          )
        }
      </QueryState>
    </section>
  );
}
