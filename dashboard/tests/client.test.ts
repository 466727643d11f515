/** The API client's session handling: Bearer on every call, one refresh on 401, errors typed. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { call } from '../src/api/client';
import { ApiError } from '../src/api/errors';
import { accessToken, adopt, clear } from '../src/auth/session';

const answer = (token: string) => ({
  access_token: token,
  token_type: 'bearer',
  expires_in: 300,
  refresh_token: 'lkr_x',
  refresh_expires_ms: 0,
  user: { username: 'op', role: 'operator', must_change_password: false },
});

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

describe('call()', () => {
  let fetchMock: ReturnType<typeof vi.fn>;
  beforeEach(() => {
    vi.useFakeTimers();
    fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    vi.stubGlobal('document', { cookie: 'lookout_csrf=csrf123' });
    adopt(answer('old'));
  });
  afterEach(() => {
    clear();
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('sends the access token as a Bearer header', async () => {
    fetchMock.mockResolvedValueOnce(json(200, { items: [] }));
    await call('clusters');
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe('/api/v1/clusters');
    expect(init.headers.Authorization).toBe('Bearer old');
  });

  it('on 401 refreshes once with the CSRF header from the cookie, then retries', async () => {
    fetchMock
      .mockResolvedValueOnce(json(401, { error: 'unauthorized', message: 'expired' }))
      .mockResolvedValueOnce(json(200, answer('new')))
      .mockResolvedValueOnce(json(200, { ok: true }));
    expect(await call('auth/me')).toEqual({ ok: true });
    const [refreshUrl, refreshInit] = fetchMock.mock.calls[1]!;
    expect(refreshUrl).toBe('/api/v1/auth/refresh');
    expect(refreshInit.headers['X-CSRF-Token']).toBe('csrf123');
    expect(refreshInit.body).toBeUndefined(); // the cookie carries the refresh token
    expect(fetchMock.mock.calls[2]![1].headers.Authorization).toBe('Bearer new');
    expect(accessToken()).toBe('new');
  });

  it('a refused refresh ends the session and the 401 surfaces as an ApiError', async () => {
    fetchMock
      .mockResolvedValueOnce(json(401, { error: 'unauthorized', message: 'expired' }))
      .mockResolvedValueOnce(
        json(401, { error: 'unauthorized', message: 'invalid refresh token' }),
      );
    await expect(call('auth/me')).rejects.toMatchObject({ status: 401 });
    expect(accessToken()).toBeNull();
  });

  it("errors carry the master's code, message and trace id", async () => {
    fetchMock.mockResolvedValueOnce(
      json(404, { error: 'not_found', message: 'no Pod x' }, { 'x-trace-id': 'abc' }),
    );
    const e = await call('clusters/c/resources/Pod/ns/x').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({
      status: 404,
      code: 'not_found',
      message: 'no Pod x',
      traceId: 'abc',
    });
  });
});
