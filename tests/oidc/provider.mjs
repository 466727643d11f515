// A real OpenID Connect provider (oidc-provider 9.x) for the master's SSO integration tests.
// Loopback only; one confidential client; PKCE required; dev interactions (a login form that
// takes any login and password, and a consent form). The account id typed at the login form
// is the account; ACCOUNTS says which groups it has.
//
// Environment: OIDC_PORT (0: any free port), OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
// OIDC_REDIRECT_URI. Prints "ready <port>" on stdout once it listens; logs go to stderr.
// Resolve oidc-provider from the cache scripts/oidc-provider.sh fills (NODE_PATH does not apply
// to ES modules, so the test passes the directory as OIDC_NODE_MODULES).
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const modules = process.env.OIDC_NODE_MODULES;
const entry = modules
  ? pathToFileURL(join(modules, 'oidc-provider', 'lib', 'index.js')).href
  : 'oidc-provider';
const { default: Provider } = await import(entry);

const ACCOUNTS = {
  alice: { groups: ['sre'], email: 'alice@example.test' },
  bob: { groups: ['dev'], email: 'bob@example.test' },
  carol: { groups: [], email: 'carol@example.test' },
};

const need = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

// Fresh signing keys per run (RS256 and ES256), so nothing secret is committed.
const key = (type, options, alg) => {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), alg, use: 'sig', kid: `${alg}-${Date.now()}` };
};
const jwks = {
  keys: [key('rsa', { modulusLength: 2048 }, 'RS256'), key('ec', { namedCurve: 'P-256' }, 'ES256')],
};

const server = createServer();
await new Promise((resolve) => server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: need('OIDC_CLIENT_ID'),
      client_secret: need('OIDC_CLIENT_SECRET'),
      redirect_uris: [need('OIDC_REDIRECT_URI')],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: process.env.OIDC_ID_TOKEN_ALG || 'RS256',
    },
  ],
  jwks,
  pkce: { required: () => true },
  // The groups claim comes with the `groups` scope, and in the ID token itself (not only at
  // userinfo): conformIdTokenClaims would keep scope-requested claims out of the ID token.
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email'],
    groups: ['groups'],
  },
  scopes: ['openid', 'profile', 'email', 'groups'],
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['lookout-test-provider-cookie-key'] },
  async findAccount(ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, name: id, ...account };
      },
    };
  },
  ttl: { AccessToken: 300, AuthorizationCode: 60, IdToken: 300, Interaction: 600, Session: 600, Grant: 600 },
});
// Plain HTTP on loopback is what the tests use; oidc-provider allows it for an http issuer.
provider.on('server_error', (ctx, err) => console.error('server_error', err));

server.on('request', provider.callback());
process.stdout.write(`ready ${port}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
