// A real OpenID Connect provider for the OIDC login test: panva's oidc-provider
// (certified OpenID implementation) with its development login/consent pages, which
// accept any password for the accounts given in OIDC_ACCOUNTS (JSON: id → claims).
// Usage: node oidc_provider.mjs <port> <redirect uri> (run from the folder holding
// node_modules/oidc-provider; tests/api/accounts/test_oidc.py does it).
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'pod',
    client_secret: 'pod-test-secret',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  scopes: ['openid', 'email', 'profile', 'edu'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['preferred_username', 'given_name', 'family_name'],
    edu: ['eduPersonAffiliation', 'schacHomeOrganization', 'groups'],
  },
  async findAccount(ctx, id) {
    if (!accounts[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
  },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['pod-test-cookie-key'] },
});
provider.listen(Number(port), '127.0.0.1', () => console.log(`listening ${port}`));
