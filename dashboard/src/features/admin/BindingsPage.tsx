/** Role bindings: a role for a user, group or token, on everything, a cluster or one namespace. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call, enc } from '../../api/client';
import type { BindingView, Items } from '../../api/types';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { EmptyState, QueryState } from '../../ui/States';
import { MutationError } from './MutationError';
import { RoleSelect } from './RoleSelect';

const EMPTY = { subject_kind: 'user', subject: '', role: 'viewer', cluster: '', namespace: '' };

export default function BindingsPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const bindings = useQuery({
    queryKey: ['bindings'],
    queryFn: () => call<Items<BindingView>>('rolebindings'),
  });
  const [form, setForm] = useState(EMPTY);
  const done = () => void client.invalidateQueries({ queryKey: ['bindings'] });
  const create = useMutation({
    mutationFn: () => call<BindingView>('rolebindings', { method: 'POST', body: form }),
    onSuccess: () => {
      setForm(EMPTY);
      done();
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) => call<void>(`rolebindings/${enc(id)}`, { method: 'DELETE' }),
    onSuccess: done,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  const scope = (b: { cluster: string; namespace: string }) =>
    b.cluster
      ? b.namespace
        ? `${b.cluster}/${b.namespace}`
        : b.cluster
      : t('admin.bindings.everywhere');
  return (
    <section aria-labelledby="bind-title" className="page">
      <h2 id="bind-title">{t('admin.nav.bindings')}</h2>
      <form className="form section" onSubmit={submit} aria-label={t('admin.bindings.create')}>
        <label>
          {t('admin.bindings.subjectKind')}
          <select
            value={form.subject_kind}
            onChange={(e) => setForm({ ...form, subject_kind: e.target.value })}
          >
            <option value="user">{t('admin.bindings.kinds.user')}</option>
            <option value="group">{t('admin.bindings.kinds.group')}</option>
            <option value="token">{t('admin.bindings.kinds.token')}</option>
          </select>
        </label>
        <label>
          {t('admin.bindings.subject')}
          <input
            required
            value={form.subject}
            onChange={(e) => setForm({ ...form, subject: e.target.value })}
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
        <button type="submit" className="primary" disabled={create.isPending}>
          {t('admin.bindings.create')}
        </button>
      </form>
      <MutationError error={create.error} />
      <MutationError error={remove.error} />
      <QueryState query={bindings}>
        {() =>
          bindings.data?.items.length ? (
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">{t('admin.bindings.subject')}</th>
                  <th scope="col">{t('admin.role')}</th>
                  <th scope="col">{t('admin.bindings.scope')}</th>
                  <th scope="col">{t('admin.bindings.by')}</th>
                  <th scope="col">{t('admin.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {bindings.data.items.map((b) => (
                  <tr key={b.id}>
                    <td className="mono">
                      {t(`admin.bindings.kinds.${b.subject_kind}`)}: {b.subject}
                    </td>
                    <td>{t(`roles.${b.role}`, { defaultValue: b.role })}</td>
                    <td className="mono">{scope(b)}</td>
                    <td>{b.created_by}</td>
                    <td>
                      <ConfirmButton
                        label={t('common.delete')}
                        onConfirm={() => remove.mutate(String(b.id))}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <EmptyState title={t('admin.bindings.empty')} />
          )
        }
      </QueryState>
    </section>
  );
}
