// A SAML 2.0 identity provider (samlify + xml-crypto) for the integration tests. Test-only.
//
// Configuration: one JSON object, as the first argument or in the env var IDP_CONFIG
// (the argument wins):
//
//   {
//     "port": 4020,                                   // required; 127.0.0.1 only
//     "entityId": "http://127.0.0.1:4020/metadata",   // default as shown
//     "spEntityId": "http://127.0.0.1:8080/saml/metadata",  // required
//     "acsUrl": "http://127.0.0.1:8080/saml/acs"            // required
//   }
//
// Endpoints (see README.md for every field):
//   GET  /metadata   IdP metadata: entityID, SSO at /sso (Redirect + POST), signing cert
//   GET  /sso        HTTP-Redirect binding (deflated SAMLRequest, RelayState) -> login form
//   POST /sso        HTTP-POST binding (base64 SAMLRequest, RelayState)       -> login form
//   POST /login      the login form (email) -> auto-posting form to the ACS with a signed
//                    SAMLResponse (assertion and response both signed, rsa-sha256)
//   POST /forge      JSON in, {SAMLResponse, xml} out: good and bad responses on demand
//
// Signing key and certificate: keys/idp.key + keys/idp.crt ("signWith": "other" uses
// keys/other.*, a different self-signed pair with the same subject).
//
// Prints exactly one line `READY <port>` on stdout when listening. Exits on SIGTERM,
// SIGINT, and when stdin closes; set IDP_IGNORE_STDIN=1 to run it by hand.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import * as samlify from 'samlify';
import { SignedXml } from 'xml-crypto';

// The IdP only parses the SP's own AuthnRequests; the SP under test does its own
// verification of what we send, so no XSD validation here.
samlify.setSchemaValidator({ validate: async () => 'skipped' });

// stdout carries only the READY line; samlify's warning that this IdP has no
// SingleLogoutService is dropped (IDP_VERBOSE=1 keeps it).
const warn = console.warn.bind(console);
console.warn = (...args) => {
  if (process.env.IDP_VERBOSE === '1' || !/SingleLogoutService/.test(String(args[0]))) warn(...args);
};
console.log = console.error.bind(console);
console.info = console.error.bind(console);

const raw = process.argv[2] ?? process.env.IDP_CONFIG;
if (!raw) {
  console.error('usage: node saml-idp.mjs \'{"port":4020,"spEntityId":"...","acsUrl":"..."}\' (or IDP_CONFIG)');
  process.exit(2);
}
const config = JSON.parse(raw);
const port = Number(config.port);
if (!Number.isInteger(port) || port <= 0 || !config.spEntityId || !config.acsUrl) {
  console.error('saml-idp.mjs: "port", "spEntityId" and "acsUrl" are required');
  process.exit(2);
}
const base = `http://127.0.0.1:${port}`;
const entityId = config.entityId ?? `${base}/metadata`;
const { spEntityId, acsUrl } = config;

const keyDir = new URL('./keys/', import.meta.url);
const keys = {
  idp: { key: readFileSync(new URL('idp.key', keyDir), 'utf8'), cert: readFileSync(new URL('idp.crt', keyDir), 'utf8') },
  other: { key: readFileSync(new URL('other.key', keyDir), 'utf8'), cert: readFileSync(new URL('other.crt', keyDir), 'utf8') },
};

const NS = {
  protocol: 'urn:oasis:names:tc:SAML:2.0:protocol',
  assertion: 'urn:oasis:names:tc:SAML:2.0:assertion',
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
  email: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
};
const ALGS = {
  'rsa-sha256': {
    signature: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    digest: 'http://www.w3.org/2001/04/xmlenc#sha256',
  },
  'rsa-sha1': {
    signature: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
    digest: 'http://www.w3.org/2000/09/xmldsig#sha1',
  },
};
const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

const idp = samlify.IdentityProvider({
  entityID: entityId,
  signingCert: keys.idp.cert,
  wantAuthnRequestsSigned: false,
  nameIDFormat: [NS.email],
  singleSignOnService: [
    { Binding: NS.redirect, Location: `${base}/sso` },
    { Binding: NS.post, Location: `${base}/sso` },
  ],
});
const sp = samlify.ServiceProvider({
  entityID: spEntityId,
  assertionConsumerService: [{ Binding: NS.post, Location: acsUrl }],
});

// ---- the Response builder (shared by /login and /forge) ----

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const newId = () => `_${randomBytes(16).toString('hex')}`;
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function sign(xml, localName, alg, pair) {
  const sig = new SignedXml({
    privateKey: pair.key,
    publicCert: pair.cert,
    signatureAlgorithm: alg.signature,
    canonicalizationAlgorithm: EXC_C14N,
  });
  const path = localName === 'Response'
    ? "/*[local-name(.)='Response']"
    : "/*[local-name(.)='Response']/*[local-name(.)='Assertion']";
  sig.addReference({ xpath: path, transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: alg.digest });
  // SAML's schema puts ds:Signature right after the element's Issuer.
  sig.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: `${path}/*[local-name(.)='Issuer']`, action: 'after' },
  });
  return sig.getSignedXml();
}

/** Builds (and signs) a SAML Response; every field optional except nameId. */
function buildResponse(o) {
  const now = Date.now();
  const nameId = o.nameId;
  const issueInstant = o.issueInstant ?? iso(now);
  const notBefore = o.notBefore ?? iso(now - 2 * 60_000);
  const notOnOrAfter = o.notOnOrAfter ?? iso(now + 5 * 60_000);
  const audience = o.audience ?? spEntityId;
  const recipient = o.recipient ?? acsUrl;
  const destination = o.destination ?? acsUrl;
  const issuer = o.issuer ?? entityId;
  const email = o.email ?? nameId;
  const status = o.statusCode ?? 'urn:oasis:names:tc:SAML:2.0:status:Success';
  const responseId = newId();
  const assertionId = o.assertionId ?? newId();
  const inResponseTo = o.inResponseTo ? ` InResponseTo="${esc(o.inResponseTo)}"` : '';

  let xml = [
    `<samlp:Response xmlns:samlp="${NS.protocol}" xmlns:saml="${NS.assertion}" ID="${responseId}" Version="2.0"`,
    ` IssueInstant="${esc(issueInstant)}" Destination="${esc(destination)}"${inResponseTo}>`,
    `<saml:Issuer>${esc(issuer)}</saml:Issuer>`,
    `<samlp:Status><samlp:StatusCode Value="${esc(status)}"/></samlp:Status>`,
    `<saml:Assertion ID="${esc(assertionId)}" Version="2.0" IssueInstant="${esc(issueInstant)}">`,
    `<saml:Issuer>${esc(issuer)}</saml:Issuer>`,
    '<saml:Subject>',
    `<saml:NameID Format="${NS.email}">${esc(nameId)}</saml:NameID>`,
    '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">',
    `<saml:SubjectConfirmationData NotOnOrAfter="${esc(notOnOrAfter)}" Recipient="${esc(recipient)}"${inResponseTo}/>`,
    '</saml:SubjectConfirmation>',
    '</saml:Subject>',
    `<saml:Conditions NotBefore="${esc(notBefore)}" NotOnOrAfter="${esc(notOnOrAfter)}">`,
    `<saml:AudienceRestriction><saml:Audience>${esc(audience)}</saml:Audience></saml:AudienceRestriction>`,
    '</saml:Conditions>',
    `<saml:AuthnStatement AuthnInstant="${esc(issueInstant)}" SessionIndex="${newId()}">`,
    '<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext>',
    '</saml:AuthnStatement>',
    '<saml:AttributeStatement>',
    '<saml:Attribute Name="email" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic">',
    `<saml:AttributeValue>${esc(email)}</saml:AttributeValue>`,
    '</saml:Attribute>',
    '</saml:AttributeStatement>',
    '</saml:Assertion>',
    '</samlp:Response>',
  ].join('');

  const signWith = o.signWith ?? 'idp';
  if (signWith !== 'none') {
    const pair = keys[signWith];
    const alg = ALGS[o.sigAlg ?? 'rsa-sha256'];
    if (!pair) throw new Error(`signWith must be "idp", "other" or "none", not ${JSON.stringify(signWith)}`);
    if (!alg) throw new Error(`sigAlg must be "rsa-sha256" or "rsa-sha1", not ${JSON.stringify(o.sigAlg)}`);
    // The assertion first: the response signature then covers the signed assertion.
    if (o.signAssertion ?? true) xml = sign(xml, 'Assertion', alg, pair);
    if (o.signResponse ?? false) xml = sign(xml, 'Response', alg, pair);
  }
  return { xml, SAMLResponse: Buffer.from(xml, 'utf8').toString('base64'), responseId, assertionId };
}

// ---- pages ----

function page(title, body) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title></head><body>${body}</body></html>`;
}

function loginForm({ requestId, relayState }) {
  return page('Test IdP sign-in', [
    '<main><h1>Test IdP</h1>',
    '<form method="post" action="/login">',
    '<label for="email">Email</label> ',
    '<input id="email" name="email" type="email" autocomplete="off" required autofocus>',
    `<input type="hidden" name="requestId" value="${esc(requestId)}">`,
    `<input type="hidden" name="RelayState" value="${esc(relayState ?? '')}">`,
    `<input type="hidden" name="acsUrl" value="${esc(acsUrl)}">`,
    ' <button type="submit" id="sign-in">Sign in</button>',
    '</form></main>',
  ].join(''));
}

function autoPost({ SAMLResponse }, relayState) {
  return page('Signing in', [
    `<form id="saml-post" method="post" action="${esc(acsUrl)}">`,
    `<input type="hidden" name="SAMLResponse" value="${esc(SAMLResponse)}">`,
    relayState ? `<input type="hidden" name="RelayState" value="${esc(relayState)}">` : '',
    '<noscript><p>Scripts are off: press Continue.</p><button type="submit">Continue</button></noscript>',
    '<button type="submit" id="saml-submit">Continue</button>',
    '</form>',
    '<script>document.getElementById("saml-post").submit();</script>',
  ].join(''));
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
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}
const html = (res, status, body) => send(res, status, 'text/html; charset=utf-8', body);
const fail = (res, status, message) => html(res, status, page('Error', `<p id="error">${esc(message)}</p>`));

/** Parses an AuthnRequest with samlify; answers the login form or an error page. */
async function sso(res, binding, fields) {
  if (!fields.SAMLRequest) return fail(res, 400, 'SAMLRequest is missing');
  let parsed;
  try {
    parsed = binding === 'redirect'
      ? await idp.parseLoginRequest(sp, 'redirect', { query: fields, octetString: '' })
      : await idp.parseLoginRequest(sp, 'post', { body: fields });
  } catch (err) {
    return fail(res, 400, `cannot parse the AuthnRequest: ${err.message ?? err}`);
  }
  const { request, issuer } = parsed.extract;
  if (!request?.id) return fail(res, 400, 'the AuthnRequest has no ID');
  if (issuer !== spEntityId) {
    return fail(res, 403, `unknown service provider ${JSON.stringify(issuer)} (expected ${JSON.stringify(spEntityId)})`);
  }
  const asked = request.assertionConsumerServiceUrl;
  if (asked && asked !== acsUrl) {
    return fail(res, 403, `AssertionConsumerServiceURL ${JSON.stringify(asked)} is not ${JSON.stringify(acsUrl)}`);
  }
  return html(res, 200, loginForm({ requestId: request.id, relayState: fields.RelayState }));
}

async function handle(req, res) {
  const url = new URL(req.url, base);
  const route = `${req.method} ${url.pathname}`;
  switch (route) {
    case 'GET /metadata':
      return send(res, 200, 'application/samlmetadata+xml', idp.getMetadata());
    case 'GET /sso':
      return sso(res, 'redirect', Object.fromEntries(url.searchParams));
    case 'POST /sso':
      return sso(res, 'post', Object.fromEntries(new URLSearchParams(await readBody(req))));
    case 'POST /login': {
      const form = new URLSearchParams(await readBody(req));
      const email = (form.get('email') ?? '').trim();
      if (!email) return fail(res, 400, 'email is required');
      const built = buildResponse({
        nameId: email,
        inResponseTo: form.get('requestId') || undefined,
        signAssertion: true,
        signResponse: true,
      });
      return html(res, 200, autoPost(built, form.get('RelayState')));
    }
    case 'POST /forge': {
      let body;
      try {
        body = JSON.parse(await readBody(req));
      } catch {
        return send(res, 400, 'application/json', JSON.stringify({ error: 'body must be JSON' }));
      }
      if (!body.nameId) return send(res, 400, 'application/json', JSON.stringify({ error: 'nameId is required' }));
      try {
        return send(res, 200, 'application/json', JSON.stringify(buildResponse(body)));
      } catch (err) {
        return send(res, 400, 'application/json', JSON.stringify({ error: String(err.message ?? err) }));
      }
    }
    default:
      return fail(res, 404, `no route ${route}`);
  }
}

const server = createServer((req, res) => {
  handle(req, res).catch((err) => {
    console.error('saml-idp:', err);
    if (!res.headersSent) fail(res, 500, String(err.message ?? err));
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
