// @vitest-environment jsdom
/** A statistical finding (the master's baselines) reads differently from the agent's: the
 *  badge and its plain-words summary; a discrete one carries no badge. The page's `extra`
 *  piece (its suggested fix) sits beside each finding. */
import { cleanup, render, screen, within } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../src/api/types';
import { FindingsList } from '../src/shared/FindingsList';
import '../src/i18n';

function finding(
  fp: string,
  reason: string,
  attrs: Record<string, string>,
  message: string,
): Finding {
  return {
    fingerprint: fp,
    reason,
    severity: 'warning',
    category: attrs.statistical ? 'anomaly' : 'resources',
    subject: { kind: 'Pod', namespace: 'shop', name: `cart-${fp}` },
    owner: null,
    node: null,
    message,
    first_seen_ms: 1,
    last_seen_ms: 2,
    count: 1,
    attrs,
  };
}

afterEach(cleanup);

describe('findings list', () => {
  it('marks statistical findings and only them', () => {
    const leak = finding(
      'a',
      'PredictedOOM',
      { statistical: 'true', container: 'main' },
      'memory growing 4 MiB/min; at this rate it reaches its 128 MiB limit in ~12 min',
    );
    const oom = finding('b', 'OOMKilled', { container: 'main' }, 'container main was OOMKilled');
    render(
      <MemoryRouter>
        <FindingsList
          cluster="c1"
          items={[leak, oom]}
          extra={(f) => <a href={`#fix-${f.fingerprint}`}>fix {f.reason}</a>}
        />
      </MemoryRouter>,
    );
    const [first, second] = screen.getAllByRole('listitem');
    expect(within(first!).getByText('statistical')).toBeTruthy();
    expect(within(first!).getByText(/reaches its 128 MiB limit in ~12 min/)).toBeTruthy();
    expect(first!.className).toContain('finding-statistical');
    expect(within(second!).queryByText('statistical')).toBeNull();
    expect(within(second!).getByRole('link', { name: 'fix OOMKilled' })).toBeTruthy();
  });
});
