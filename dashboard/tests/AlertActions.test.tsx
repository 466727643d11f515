// @vitest-environment jsdom
/** Alert buttons follow the signed-in principal's grants: none for a viewer, all for an operator there. */
import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it } from 'vitest';
import { keys } from '../src/api/keys';
import type { Me } from '../src/api/types';
import { makeQueryClient } from '../src/app/queryClient';
import { AlertActions } from '../src/features/alerts/AlertActions';
import type { Alert } from '../src/features/alerts/types';
import '../src/i18n';

const firing: Alert = {
  fingerprint: 'fp1',
  status: 'firing',
  state: 'active',
  flapping: false,
  labels: { alertname: 'CrashLoopBackOff', cluster: 'demo-1', namespace: 'shop' },
  annotations: {},
  rule: 'default',
  starts_at_ms: 1,
  ends_at_ms: null,
  updated_at_ms: 1,
  acked_by: null,
  acked_at_ms: null,
  silenced_by: [],
  inhibited_by: null,
  receivers: ['hook'],
};

function me(role: string, grants: Me['grants'] = []): Me {
  return { name: 'u', kind: 'user', role, groups: [], grants };
}

function show(who: Me, alert: Alert = firing) {
  const client = makeQueryClient();
  client.setQueryData(keys.me, who);
  render(
    <QueryClientProvider client={client}>
      <MemoryRouter>
        <AlertActions alert={alert} />
      </MemoryRouter>
    </QueryClientProvider>,
  );
}

afterEach(cleanup);

describe('AlertActions', () => {
  it('shows a viewer nothing to press', () => {
    show(me('viewer'));
    expect(screen.queryByRole('link')).toBeNull();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('offers an operator silence (prefilled from this alert) and acknowledge', () => {
    show(me('operator'));
    const silence = screen.getByRole('link', { name: 'Silence CrashLoopBackOff' });
    expect(silence.getAttribute('href')).toBe('/alerts/silences/new?alert=fp1');
    expect(screen.getByRole('button', { name: 'Acknowledge CrashLoopBackOff' })).toBeTruthy();
  });

  it("follows a namespace grant: operator in the alert's namespace only", () => {
    const grant = (namespace: string) => [
      { role: 'operator', cluster: 'demo-1', namespace } as Me['grants'][number],
    ];
    show(me('viewer', grant('other')));
    expect(screen.queryByRole('button')).toBeNull();
    cleanup();
    show(me('viewer', grant('shop')));
    expect(screen.getByRole('button', { name: 'Acknowledge CrashLoopBackOff' })).toBeTruthy();
  });

  it('offers unacknowledge, not acknowledge, once someone acknowledged', () => {
    show(me('operator'), { ...firing, acked_by: 'olga', acked_at_ms: 2 });
    expect(screen.getByRole('button', { name: 'Unacknowledge CrashLoopBackOff' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Acknowledge CrashLoopBackOff' })).toBeNull();
  });
});
