// @vitest-environment jsdom
/** The action dialog in a DOM: target named, confirm only after a successful dry run, outcome shown. */
import { QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { makeQueryClient } from '../src/app/queryClient';
import { ACTIONS } from '../src/features/actions/catalogue';
import { ActionDialog } from '../src/features/actions/ActionDialog';
import '../src/i18n';

const scale = ACTIONS.find((a) => a.type === 'scale')!;
const target = { cluster: 'demo-1', kind: 'Deployment', namespace: 'shop', name: 'web' };

function command(dryRun: boolean) {
  return {
    id: dryRun ? 'dry' : 'real',
    cluster: 'demo-1',
    type: 'scale',
    target: 'Deployment/shop/web',
    params: { replicas: 4 },
    dry_run: dryRun,
    idempotency_key: null,
    state: 'succeeded',
    terminal: true,
    created_ms: 1,
    updated_ms: 2,
    deadline_ms: 3,
    requested_by: 'op',
    result: { replicas_before: 3, replicas: 4, dry_run: dryRun },
    error_code: null,
    message: 'done',
    transitions: [
      { state: 'pending', at_ms: 1, message: null },
      { state: 'succeeded', at_ms: 2, message: 'done' },
    ],
  };
}

describe('ActionDialog', () => {
  const fetchMock = vi.fn();
  beforeEach(() => {
    vi.stubGlobal('fetch', fetchMock);
    fetchMock.mockImplementation(async (_url: string, init: RequestInit) => {
      const body = JSON.parse(String(init.body)) as { dry_run: boolean };
      return new Response(JSON.stringify(command(body.dry_run)), { status: 202 });
    });
  });
  afterEach(() => {
    cleanup();
    vi.unstubAllGlobals();
    fetchMock.mockReset();
  });

  it('names the target, needs a dry run before confirming, then shows the outcome', async () => {
    render(
      <QueryClientProvider client={makeQueryClient()}>
        <MemoryRouter>
          <ActionDialog
            def={scale}
            target={target}
            initial={{ replicas: '3' }}
            onClose={() => undefined}
          />
        </MemoryRouter>
      </QueryClientProvider>,
    );
    for (const v of ['demo-1', 'shop', 'Deployment', 'web'])
      expect(screen.getByText(v)).toBeTruthy();
    const confirm = screen.getByRole('button', { name: /Confirm/ }) as HTMLButtonElement;
    expect(confirm.disabled).toBe(true);

    fireEvent.change(screen.getByLabelText('Replicas'), { target: { value: '4' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview (dry run)' }));
    await waitFor(() => expect(confirm.disabled).toBe(false));
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/v1/clusters/demo-1/commands');
    expect(JSON.parse(init.body)).toMatchObject({
      type: 'scale',
      dry_run: true,
      params: { replicas: 4 },
    });
    expect(screen.getByText(/"replicas_before": 3/)).toBeTruthy();

    // Changing a parameter drops the preview: confirm is disabled again.
    fireEvent.change(screen.getByLabelText('Replicas'), { target: { value: '5' } });
    expect(confirm.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Replicas'), { target: { value: '4' } });
    fireEvent.click(screen.getByRole('button', { name: 'Preview (dry run)' }));
    await waitFor(() =>
      expect((screen.getByRole('button', { name: /Confirm/ }) as HTMLButtonElement).disabled).toBe(
        false,
      ),
    );

    fireEvent.click(screen.getByRole('button', { name: /Confirm/ }));
    await screen.findByRole('heading', { name: 'Outcome' });
    const real = JSON.parse(fetchMock.mock.calls[2]![1].body);
    expect(real).toMatchObject({ dry_run: false, params: { replicas: 4 } });
    expect(real.idempotency_key).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open the command' }).getAttribute('href')).toBe(
      '/commands/real',
    );
    expect(screen.queryByRole('button', { name: /Confirm/ })).toBeNull(); // nothing runs twice
  });
});
