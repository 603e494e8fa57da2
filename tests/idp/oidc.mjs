// A real OpenID Connect provider (oidc-provider) for the integration tests. Test-only.
//
// Configuration: one JSON object, as the first argument or in the env var IDP_CONFIG
// (the argument wins):
//
//   {
//     "port": 4010,                              // required; listens on 127.0.0.1 only
//     "issuer": "http://127.0.0.1:4010",         // default: http://127.0.0.1:<port>
//     "clients": [{                              // confidential clients
//       "client_id": "hub",
//       "client_secret": "hub-secret",
//       "redirect_uris": ["http://127.0.0.1:8080/auth/oidc/callback"],
//       "token_endpoint_auth_method": "client_secret_basic"  // optional; either
//     }],                                        // basic or post is accepted anyway
//     "accounts": ["ada@example.com"]            // who may sign in; [] or absent = anyone
//   }
//
// Flow: authorization code, PKCE S256 required for every client. The only interaction
// is oidc-provider's development login form at /interaction/<uid> (fields `login` and
// `password`; any password; the login becomes the account id = `sub` = `email`).
// Consent is granted automatically (loadExistingGrant below). A login that is not in
// `accounts` ends the flow with error=access_denied at the redirect_uri. Claims for the
// scope `email`: email, email_verified (true), also put in the ID token.
//
// Prints exactly one line `READY <port>` on stdout when listening. Exits on SIGTERM,
// SIGINT, and when stdin closes (so a test process that dies takes it along); set
// IDP_IGNORE_STDIN=1 to run it by hand in the background.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

// stdout carries only the READY line; oidc-provider's notices go to stderr, and its
// warnings about this being a development setup are dropped (IDP_VERBOSE=1 keeps them).
const warn = console.warn.bind(console);
console.warn = (...args) => {
  if (process.env.IDP_VERBOSE === '1' || !/Unsupported runtime|development-only/.test(String(args[0]))) warn(...args);
};
console.log = console.error.bind(console);
console.info = console.error.bind(console);
// Imported after the lines above: it warns when it loads.
const { default: Provider } = await import('oidc-provider');

const raw = process.argv[2] ?? process.env.IDP_CONFIG;
if (!raw) {
  console.error('usage: node oidc.mjs \'{"port":4010,"clients":[...],"accounts":[...]}\' (or IDP_CONFIG)');
  process.exit(2);
}
const config = JSON.parse(raw);
const port = Number(config.port);
if (!Number.isInteger(port) || port <= 0) {
  console.error('oidc.mjs: "port" is required');
  process.exit(2);
}
const issuer = config.issuer ?? `http://127.0.0.1:${port}`;
const accounts = new Set((config.accounts ?? []).map(String));
const allowed = (id) => accounts.size === 0 || accounts.has(id);

const clients = (config.clients ?? []).map((c) => ({
  client_id: c.client_id,
  client_secret: c.client_secret,
  redirect_uris: c.redirect_uris,
  post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
  response_types: ['code'],
  grant_types: ['authorization_code'],
  token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
}));

// A fresh RS256 signing key per run (the client reads it from jwks_uri).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-idp-rs256', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  // Put the scope's claims in the ID token too, not only at the userinfo endpoint.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  ttl: { AuthorizationCode: 60, AccessToken: 3600, IdToken: 3600, Interaction: 600, Session: 3600, Grant: 3600 },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    if (!allowed(id)) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: id, email_verified: true };
      },
    };
  },
  // No consent page: every client gets what it asks for.
  async loadExistingGrant(ctx) {
    const { oidc } = ctx;
    const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
    let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
    if (!grant) {
      grant = new oidc.provider.Grant({ accountId: oidc.session.accountId, clientId: oidc.client.clientId });
    }
    grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
    const claims = [...oidc.requestParamClaims];
    if (claims.length) grant.addOIDCClaims(claims);
    await grant.save();
    return grant;
  },
  // Keep error pages plain and short.
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><title>oops</title><pre id="error">${
      Object.entries(out).map(([k, v]) => `${k}: ${String(v).replace(/[<&>]/g, '')}`).join('\n')
    }</pre>`;
  },
});

// The dev login form takes any login: refuse the ones not in `accounts`.
const interactionFinished = provider.interactionFinished.bind(provider);
provider.interactionFinished = (req, res, result, options) => {
  if (result?.login && !allowed(result.login.accountId)) {
    result = { error: 'access_denied', error_description: 'unknown account' };
    options = { ...options, mergeWithLastSubmission: false };
  }
  return interactionFinished(req, res, result, options);
};

provider.on('server_error', (_ctx, err) => console.error('oidc server_error:', err));

const server = createServer(provider.callback());
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${port}\n`);
});

const stop = () => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (process.env.IDP_IGNORE_STDIN !== '1') {
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
}
