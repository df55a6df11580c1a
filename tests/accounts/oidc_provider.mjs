// A real OpenID Connect provider for the single sign-on tests: panva's certified `oidc-provider`
// (pinned in package.json), configured from the environment by tests/accounts/conftest.py. It
// stands in for the national sign-on service; nothing in it is mocked. Its sign-in and consent
// pages are the library's own development interactions, which accept any password: who may sign
// in is decided by the accounts the tests give it.
import { readFileSync } from 'node:fs';

import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`oidc_provider.mjs: ${name} must be set`);
    process.exit(2);
  }
  return value;
};

const port = Number(env('OIDC_TEST_PORT'));
const issuer = `http://127.0.0.1:${port}`;
// Read at every sign-in, so that a test can change what the provider says about someone.
const accountsFile = env('OIDC_TEST_ACCOUNTS_FILE');

const provider = new Provider(issuer, {
  clients: [{
    client_id: env('OIDC_TEST_CLIENT_ID'),
    client_secret: env('OIDC_TEST_CLIENT_SECRET'),
    redirect_uris: env('OIDC_TEST_REDIRECT_URIS').split(','),
    post_logout_redirect_uris: (process.env.OIDC_TEST_POST_LOGOUT_URIS || 'http://testserver/')
      .split(','),
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: JSON.parse(env('OIDC_TEST_JWKS')),
  cookies: { keys: ['oidc-test-provider-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'given_name', 'family_name', 'locale'],
    roles: ['roles'],
  },
  scopes: ['openid', 'email', 'profile', 'roles'],
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
  async findAccount(ctx, id) {
    const claims = JSON.parse(readFileSync(accountsFile, 'utf8'))[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
