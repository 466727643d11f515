/** Users: create (username, password, role), change role, disable / enable. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { call, enc } from '../../api/client';
import type { Items, UserView } from '../../api/types';
import { ConfirmButton } from '../../ui/ConfirmButton';
import { EmptyState, QueryState } from '../../ui/States';
import { RelTime } from '../../ui/Time';
import { MutationError } from './MutationError';
import { RoleSelect } from './RoleSelect';

export default function UsersPage() {
  const { t } = useTranslation();
  const client = useQueryClient();
  const users = useQuery({ queryKey: ['users'], queryFn: () => call<Items<UserView>>('users') });
  const [form, setForm] = useState({ username: '', password: '', role: 'viewer' });
  const done = () => void client.invalidateQueries({ queryKey: ['users'] });
  const create = useMutation({
    mutationFn: () => call<UserView>('users', { method: 'POST', body: form }),
    onSuccess: () => {
      setForm({ username: '', password: '', role: 'viewer' });
      done();
    },
  });
  const change = useMutation({
    mutationFn: (v: { username: string; role?: string; disabled?: boolean }) =>
      call<UserView>(`users/${enc(v.username)}`, {
        method: 'PATCH',
        body: { role: v.role, disabled: v.disabled },
      }),
    onSuccess: done,
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    create.mutate();
  }
  return (
    <section aria-labelledby="users-title" className="page">
      <h2 id="users-title">{t('admin.nav.users')}</h2>
      <form className="form section" onSubmit={submit} aria-label={t('admin.users.create')}>
        <label>
          {t('login.username')}
          <input
            required
            value={form.username}
            onChange={(e) => setForm({ ...form, username: e.target.value })}
          />
        </label>
        <label>
          {t('login.password')}
          <input
            required
            type="password"
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
        </label>
        <RoleSelect value={form.role} allowNone onChange={(role) => setForm({ ...form, role })} />
        <button type="submit" className="primary" disabled={create.isPending}>
          {t('admin.users.create')}
        </button>
      </form>
      <MutationError error={create.error} />
      <MutationError error={change.error} />
      <QueryState query={users}>
        {() =>
          users.data?.items.length ? (
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">{t('login.username')}</th>
                  <th scope="col">{t('admin.role')}</th>
                  <th scope="col">{t('admin.users.state')}</th>
                  <th scope="col">{t('commands.created')}</th>
                  <th scope="col">{t('admin.actions')}</th>
                </tr>
              </thead>
              <tbody>
                {users.data.items.map((u) => (
                  <tr key={u.username}>
                    <td className="mono">{u.username}</td>
                    <td>
                      <RoleSelect
                        label={t('admin.users.roleOf', { user: u.username })}
                        hideLabel
                        value={u.role}
                        allowNone
                        onChange={(role) => change.mutate({ username: u.username, role })}
                      />
                    </td>
                    <td>{u.disabled ? t('admin.users.disabled') : t('admin.users.active')}</td>
                    <td>
                      <RelTime ms={u.created_ms} />
                    </td>
                    <td>
                      <ConfirmButton
                        label={u.disabled ? t('admin.users.enable') : t('admin.users.disable')}
                        onConfirm={() =>
                          change.mutate({ username: u.username, disabled: !u.disabled })
                        }
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <EmptyState title={t('admin.users.empty')} />
          )
        }
      </QueryState>
    </section>
  );
}
