// A forging OpenID provider for negative protocol tests of the relying party. Test-only.
//
// Unlike oidc.mjs this is no real provider: there is no login and no authorization code
// check. The test prepares what the next `POST /token` answers (`POST /next`), drives the
// app's callback itself with any `code`, and then reads what the app sent
// (`GET /last-token-request`) and how often it fetched the JWKS (`GET /stats`). The JWTs
// are built by hand with node:crypto, so bad ones (alg none, HS256 keyed with the public
// key, unknown kid, ...) come out exactly as asked.
//
// Configuration: one JSON object, as the first argument or in the env var IDP_CONFIG
// (the argument wins):
//
//   {
//     "port": 4030,                        // required; listens on 127.0.0.1 only
//     "issuer": "http://127.0.0.1:4030"    // default: http://127.0.0.1:<port>
//   }
//
// Endpoints (see README.md for every field):
//   GET  /.well-known/openid-configuration   discovery (endpoints below, RS256, S256)
//   GET  /jwks                 key A (kid "key-a"); key B too once /publish-b was called
//   POST /publish-b            publish key B (kid "key-b") from now on -> 204
//   GET  /auth                 400: the test drives its own flow
//   POST /next                 JSON: what the next /token answers -> 204
//   POST /token                records the request; answers what /next prepared (once)
//   GET  /me                   userinfo: sub and email of the last prepared claims
//   GET  /last-token-request   JSON: the last /token request (or null)
//   GET  /stats                JSON: {"jwks_requests", "token_requests", ...}
//
// Keys A and B are RSA 2048, new each run.
//
// Prints exactly one line `READY <port>` on stdout when listening. Exits on SIGTERM,
// SIGINT, and when stdin closes; set IDP_IGNORE_STDIN=1 to run it by hand.

import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { createServer } from 'node:http';

console.log = console.error.bind(console);
console.info = console.error.bind(console);

const raw = process.argv[2] ?? process.env.IDP_CONFIG;
if (!raw) {
  console.error('usage: node oidc-forge.mjs \'{"port":4030}\' (or IDP_CONFIG)');
  process.exit(2);
}
const config = JSON.parse(raw);
const port = Number(config.port);
if (!Number.isInteger(port) || port <= 0) {
  console.error('oidc-forge.mjs: "port" is required');
  process.exit(2);
}
const base = `http://127.0.0.1:${port}`;
const issuer = config.issuer ?? base;

// ---- keys ----

function newKey(kid) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    kid,
    privateKey,
    jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' },
    // The key-confusion attack's HMAC key: the SPKI PEM text, trailing newline included
    // (what createPublicKey(jwk).export({type: 'spki', format: 'pem'}) gives back).
    pem: publicKey.export({ type: 'spki', format: 'pem' }),
  };
}
const keys = { 'key-a': newKey('key-a'), 'key-b': newKey('key-b') };

// ---- state ----

let keyBPublished = false;
let prepared = null; // the /next body the next /token answers with; consumed by /token
let lastPrepared = null; // the last /next body, for /me
let lastTokenRequest = null;
const stats = { jwks_requests: 0, token_requests: 0, userinfo_requests: 0, discovery_requests: 0 };

// ---- JWTs, by hand ----

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const ALGS = ['RS256', 'none', 'HS256-with-public-key', 'HS256-with-secret'];
const KIDS = ['key-a', 'key-b', 'unknown', null];

/** Checks a /next body; returns an error message or null. */
function checkNext(body) {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'body must be a JSON object';
  if (body.omit_id_token !== true && (typeof body.claims !== 'object' || body.claims === null)) {
    return '"claims" (an object) is required unless "omit_id_token" is true';
  }
  const alg = body.alg ?? 'RS256';
  if (!ALGS.includes(alg)) return `"alg" must be one of ${JSON.stringify(ALGS)}, not ${JSON.stringify(alg)}`;
  if ('kid' in body && !KIDS.includes(body.kid)) {
    return `"kid" must be one of ${JSON.stringify(KIDS)}, not ${JSON.stringify(body.kid)}`;
  }
  if (alg === 'HS256-with-secret' && typeof body.secret !== 'string') return '"secret" is required for HS256-with-secret';
  if ('status' in body && !(Number.isInteger(body.status) && body.status >= 200 && body.status <= 599)) {
    return '"status" must be an HTTP status code';
  }
  return null;
}

/**
 * The ID token for a (checked) /next body. `kid` absent: "key-a" for RS256 and
 * HS256-with-public-key, no kid for none and HS256-with-secret; null: no kid header;
 * "unknown": header kid "unknown-kid", signed (RS256) with key A.
 */
function buildIdToken(body) {
  const alg = body.alg ?? 'RS256';
  const kidDefault = alg === 'RS256' || alg === 'HS256-with-public-key' ? 'key-a' : null;
  const kid = 'kid' in body ? body.kid : kidDefault;
  const key = keys[kid === 'key-b' ? 'key-b' : 'key-a'];
  const headerKid = kid === 'unknown' ? 'unknown-kid' : kid;

  if (alg === 'none') {
    const header = { alg: 'none', typ: 'JWT', ...(headerKid ? { kid: headerKid } : {}) };
    return `${b64url(header)}.${b64url(body.claims)}.`;
  }
  const header = { alg: alg === 'RS256' ? 'RS256' : 'HS256', typ: 'JWT', ...(headerKid ? { kid: headerKid } : {}) };
  const input = `${b64url(header)}.${b64url(body.claims)}`;
  let signature;
  if (alg === 'RS256') {
    signature = sign('sha256', Buffer.from(input), key.privateKey); // RSASSA-PKCS1-v1_5
  } else {
    const secret = alg === 'HS256-with-secret' ? body.secret : key.pem;
    signature = createHmac('sha256', secret).update(input).digest();
  }
  return `${input}.${signature.toString('base64url')}`;
}

// ---- HTTP ----

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1 << 20) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, type, body) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', pragma: 'no-cache' });
  res.end(body);
}
const json = (res, status, value) => send(res, status, 'application/json', JSON.stringify(value));
const noContent = (res) => {
  res.writeHead(204, { 'cache-control': 'no-store' });
  res.end();
};

/** RFC 6749 2.3.1: id and secret are form-urlencoded, then joined by ":" and base64'd. */
function parseBasic(header) {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header ?? '');
  if (!m) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { client_id: null, client_secret: null, raw: decoded };
  const unform = (s) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { client_id: unform(decoded.slice(0, colon)), client_secret: unform(decoded.slice(colon + 1)), raw: decoded };
}

async function token(req, res) {
  stats.token_requests += 1;
  const text = await readBody(req);
  const form = Object.fromEntries(new URLSearchParams(text));
  const basic = parseBasic(req.headers.authorization);
  let authMethod = 'none';
  if (basic) authMethod = 'client_secret_basic';
  else if ('client_secret' in form) authMethod = 'client_secret_post';
  lastTokenRequest = {
    grant_type: form.grant_type ?? null,
    code: form.code ?? null,
    code_verifier: form.code_verifier ?? null,
    redirect_uri: form.redirect_uri ?? null,
    // The client credentials whichever way they came (Basic wins).
    client_id: basic ? basic.client_id : (form.client_id ?? null),
    client_secret: basic ? basic.client_secret : (form.client_secret ?? null),
    auth_method: authMethod,
    basic,
    authorization: req.headers.authorization ?? null,
    content_type: req.headers['content-type'] ?? null,
    form,
  };

  const next = prepared;
  prepared = null;
  if (!next) return json(res, 400, { error: 'invalid_grant', error_description: 'nothing prepared with POST /next' });
  const status = next.status ?? 200;
  if (status !== 200) return json(res, status, { error: 'invalid_grant', error_description: 'forged refusal' });
  const out = { access_token: 'at-1', token_type: 'Bearer', expires_in: 300 };
  if (next.omit_id_token !== true) out.id_token = buildIdToken(next);
  return json(res, 200, out);
}

async function handle(req, res) {
  const url = new URL(req.url, base);
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /.well-known/openid-configuration':
      stats.discovery_requests += 1;
      return json(res, 200, {
        issuer,
        authorization_endpoint: `${base}/auth`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        userinfo_endpoint: `${base}/me`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
        token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        scopes_supported: ['openid', 'email'],
        grant_types_supported: ['authorization_code'],
      });
    case 'GET /jwks':
      stats.jwks_requests += 1;
      return json(res, 200, { keys: keyBPublished ? [keys['key-a'].jwk, keys['key-b'].jwk] : [keys['key-a'].jwk] });
    case 'POST /publish-b':
      keyBPublished = true;
      return noContent(res);
    case 'GET /auth':
      return send(res, 400, 'text/plain; charset=utf-8', "use the test's own flow\n");
    case 'POST /next': {
      let body;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return json(res, 400, { error: 'body must be JSON' });
      }
      const problem = checkNext(body);
      if (problem) return json(res, 400, { error: problem });
      prepared = body;
      lastPrepared = body;
      return noContent(res);
    }
    case 'POST /token':
      return token(req, res);
    case 'GET /me':
    case 'POST /me': {
      stats.userinfo_requests += 1;
      if (!lastPrepared) return json(res, 401, { error: 'invalid_token', error_description: 'nothing prepared with POST /next' });
      const claims = lastPrepared.claims ?? {};
      return json(res, 200, { sub: claims.sub ?? null, email: lastPrepared.userinfo_email ?? claims.email ?? null });
    }
    case 'GET /last-token-request':
      return json(res, 200, lastTokenRequest);
    case 'GET /stats':
      return json(res, 200, stats);
    default:
      return json(res, 404, { error: `no route ${route}` });
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error('oidc-forge:', err);
    if (!res.headersSent) json(res, 500, { error: String(err.message ?? err) });
  });
});
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
