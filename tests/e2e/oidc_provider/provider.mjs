// A real, certified OpenID provider (panva's oidc-provider) for the sign-in tests
// (tests/e2e/test_oidc_login.py). Development only: an http issuer on the loopback
// address, keys made at start-up, everything in memory, and the built-in development
// login form ("devInteractions"), which takes the account id as login and any password.
//
//   node provider.mjs PORT
//
// Environment: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (comma-separated),
// OIDC_UNIT (the unit the account "chuyenvien.ubkt" belongs to, in its claims).
import { generateKeyPairSync, randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const port = Number(process.argv[2] || process.env.OIDC_PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node provider.mjs PORT');
  process.exit(2);
}
const required = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};

// The accounts the login form accepts (login = account id = sub). Only the first carries
// chidao's unit and roles claims; the second is a chidao account known by its subject
// (the test creates it); the third is known to no one in chidao.
const ACCOUNTS = {
  'chuyenvien.ubkt': {
    name: 'Nguyễn Thị Chuyên Viên',
    email: 'chuyenvien.ubkt@example.org',
    chidao_unit: required('OIDC_UNIT'),
    chidao_roles: ['chuyen_vien'],
  },
  'lanhdao.local': { name: 'Trần Văn Lãnh Đạo', email: 'lanhdao@example.org' },
  'nguoila': { name: 'Người Lạ', email: 'nguoila@example.org' },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-1', use: 'sig', alg: 'RS256' };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: required('OIDC_CLIENT_ID'),
      client_secret: required('OIDC_CLIENT_SECRET'),
      redirect_uris: required('OIDC_REDIRECT_URIS').split(',').map((uri) => uri.trim()),
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true }, // a confidential client too (only S256 is accepted)
  // The profile scope carries chidao's claims, and they go into the ID token itself
  // (not only to the userinfo endpoint) since conformIdTokenClaims is false.
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username', 'chidao_unit', 'chidao_roles'],
    email: ['email', 'email_verified'],
  },
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, preferred_username: id, email_verified: true, ...account };
      },
    };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on http://127.0.0.1:${port}`);
});
