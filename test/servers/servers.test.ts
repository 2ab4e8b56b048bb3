// Proves the local test servers behave as documented, so failures elsewhere point at src/, not here.
import { createServer } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LOANS,
  refusedUrl,
  startFaultServer,
  startJwtApi,
  startNodeOauthServer,
  startOidcServer,
  startTlsFaultServer,
  WHITELABEL_HTML,
} from './index.ts';
import type { FaultServer, JwtApi, NodeOauthServer, OidcServer } from './index.ts';
import { closer, listen, sendJson } from './util.ts';

const AUDIENCE = 'https://partner-api.example.test';
const BOTH_SCOPES = 'read:loans create:loan_draft';
// Recognisable canary secret with the characters that trip Basic encoding: + / = (no % or :).
const CANARY = 'CANARY+s3cr3t/with=chars==';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown>;
}

async function answer(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Non-JSON bodies are asserted through `text`.
  }
  return { status: response.status, headers: response.headers, text, json };
}

function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form),
    redirect: 'manual',
  }).then(answer);
}

/** RFC 6749 §2.3.1 says id and secret are form-urlencoded before base64; `raw` skips that step. */
function basic(id: string, secret: string, mode: 'raw' | 'form-encoded' = 'raw'): string {
  const encode = (value: string) =>
    mode === 'raw' ? value : new URLSearchParams({ v: value }).toString().slice(2);
  return `Basic ${Buffer.from(`${encode(id)}:${encode(secret)}`).toString('base64')}`;
}

function getWithToken(url: string, token: string): Promise<Answer> {
  return fetch(url, { headers: { authorization: `Bearer ${token}` } }).then(answer);
}

describe('oidc-provider server', () => {
  let oidc: OidcServer;
  let canary: OidcServer;

  beforeAll(async () => {
    [oidc, canary] = await Promise.all([
      startOidcServer({ audience: AUDIENCE }),
      startOidcServer({
        audience: AUDIENCE,
        clients: {
          basic: { id: 'canary-basic', secret: CANARY },
          post: { id: 'canary-post', secret: CANARY },
        },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([oidc.close(), canary.close()]);
  });

  const basicClient = () => basic(oidc.clients.basic.id, oidc.clients.basic.secret);

  it('advertises the token endpoint and JWKS it reports', async () => {
    const discovery = await fetch(`${oidc.issuer}/.well-known/openid-configuration`).then(answer);
    expect(discovery.status).toBe(200);
    expect(discovery.json.issuer).toBe(oidc.issuer);
    expect(discovery.json.token_endpoint).toBe(oidc.tokenUrl);
    expect(discovery.json.jwks_uri).toBe(oidc.jwksUri);
    expect(discovery.json.grant_types_supported).toContain('client_credentials');
  });

  it('issues an RS256 JWT for the audience to the client_secret_basic client', async () => {
    const res = await postForm(
      oidc.tokenUrl,
      { grant_type: 'client_credentials', audience: AUDIENCE, scope: BOTH_SCOPES },
      { authorization: basicClient() },
    );
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect(String(res.json.scope).split(' ').sort()).toEqual(['create:loan_draft', 'read:loans']);
    const token = String(res.json.access_token);
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(decodeJwt(token)).toMatchObject({
      iss: oidc.issuer,
      aud: AUDIENCE,
      client_id: oidc.clients.basic.id,
      scope: res.json.scope,
    });
  });

  it('issues a JWT to the client_secret_post client', async () => {
    const res = await postForm(oidc.tokenUrl, {
      grant_type: 'client_credentials',
      audience: AUDIENCE,
      scope: 'read:loans',
      client_id: oidc.clients.post.id,
      client_secret: oidc.clients.post.secret,
    });
    expect(res.status).toBe(200);
    expect(res.json.scope).toBe('read:loans');
    expect(decodeJwt(String(res.json.access_token))).toMatchObject({
      aud: AUDIENCE,
      scope: 'read:loans',
      client_id: oidc.clients.post.id,
    });
  });

  it('grants no scope when none is requested (oidc-provider does not default to the allowed set)', async () => {
    const res = await postForm(
      oidc.tokenUrl,
      { grant_type: 'client_credentials', audience: AUDIENCE },
      { authorization: basicClient() },
    );
    expect(res.status).toBe(200);
    expect(res.json).not.toHaveProperty('scope');
    expect(decodeJwt(String(res.json.access_token))).not.toHaveProperty('scope');
  });

  it('accepts the RFC 8707 resource parameter as well as audience', async () => {
    const res = await postForm(
      oidc.tokenUrl,
      { grant_type: 'client_credentials', resource: AUDIENCE, scope: 'read:loans' },
      { authorization: basicClient() },
    );
    expect(res.status).toBe(200);
    expect(decodeJwt(String(res.json.access_token)).aud).toBe(AUDIENCE);
  });

  it('answers 401 invalid_client for a wrong secret', async () => {
    const res = await postForm(
      oidc.tokenUrl,
      { grant_type: 'client_credentials', audience: AUDIENCE },
      { authorization: basic(oidc.clients.basic.id, 'wrong-secret') },
    );
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_client');
    expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm=".*error="invalid_client"/);
  });

  it('answers 400 invalid_target for an unknown audience', async () => {
    const res = await postForm(
      oidc.tokenUrl,
      { grant_type: 'client_credentials', audience: 'https://unknown.example.test' },
      { authorization: basicClient() },
    );
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_target');
  });

  it('answers 400 invalid_scope for a scope the API does not define', async () => {
    const res = await postForm(
      oidc.tokenUrl,
      { grant_type: 'client_credentials', audience: AUDIENCE, scope: 'read:loans delete:loans' },
      { authorization: basicClient() },
    );
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: 'invalid_scope', scope: 'delete:loans' });
  });

  it('counts POSTs to the token endpoint, failed ones included, and nothing else', async () => {
    const before = oidc.tokenRequests();
    await fetch(oidc.jwksUri).then(answer);
    await postForm(oidc.tokenUrl, { grant_type: 'client_credentials' });
    await postForm(
      oidc.tokenUrl,
      { grant_type: 'client_credentials', audience: AUDIENCE },
      { authorization: basicClient() },
    );
    expect(oidc.tokenRequests() - before).toBe(2);
  });

  it('honours accessTokenTtlSeconds', async () => {
    const short = await startOidcServer({ accessTokenTtlSeconds: 120 });
    try {
      const res = await postForm(
        short.tokenUrl,
        { grant_type: 'client_credentials', audience: short.audience, scope: 'read:loans' },
        { authorization: basic(short.clients.basic.id, short.clients.basic.secret) },
      );
      expect(res.json.expires_in).toBe(120);
      const claims = decodeJwt(String(res.json.access_token));
      expect(Number(claims.exp) - Number(claims.iat)).toBe(120);
    } finally {
      await short.close();
    }
  });

  describe('a secret containing + / =', () => {
    const grant = { grant_type: 'client_credentials', audience: AUDIENCE, scope: 'read:loans' };

    it('is rejected in Basic when sent raw: oidc-provider form-decodes it, so + becomes a space', async () => {
      const res = await postForm(canary.tokenUrl, grant, {
        authorization: basic('canary-basic', CANARY, 'raw'),
      });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('invalid_client');
    });

    it('authenticates in Basic when form-urlencoded first (RFC 6749 §2.3.1)', async () => {
      const res = await postForm(canary.tokenUrl, grant, {
        authorization: basic('canary-basic', CANARY, 'form-encoded'),
      });
      expect(res.status).toBe(200);
    });

    it('authenticates with client_secret_post (the form body carries it encoded)', async () => {
      const res = await postForm(canary.tokenUrl, {
        ...grant,
        client_id: 'canary-post',
        client_secret: CANARY,
      });
      expect(res.status).toBe(200);
    });

    it('survives raw Basic when it has only / and = (decodeURIComponent leaves them alone)', async () => {
      const server = await startOidcServer({
        clients: { basic: { id: 'slash-basic', secret: 'no/plus=here==' } },
      });
      try {
        const res = await postForm(
          server.tokenUrl,
          { ...grant, audience: server.audience },
          { authorization: basic('slash-basic', 'no/plus=here==', 'raw') },
        );
        expect(res.status).toBe(200);
      } finally {
        await server.close();
      }
    });
  });
});

describe('@node-oauth/oauth2-server server', () => {
  let server: NodeOauthServer;

  beforeAll(async () => {
    server = await startNodeOauthServer({
      audience: AUDIENCE,
      client: { id: 'externalapp', secret: CANARY },
    });
  });
  afterAll(async () => {
    await server.close();
  });

  it('issues a JWT with the ExternalApp extra fields to a raw Basic canary secret', async () => {
    const before = server.tokenRequests();
    const res = await postForm(
      server.tokenUrl,
      { grant_type: 'client_credentials', audience: AUDIENCE },
      { authorization: basic('externalapp', CANARY, 'raw') },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.json).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: BOTH_SCOPES,
      iss: server.issuer,
      partnerId: 'partner-4711',
    });
    const claims = decodeJwt(String(res.json.access_token));
    expect(claims).toMatchObject({
      iss: server.issuer,
      aud: AUDIENCE,
      scope: BOTH_SCOPES,
      partnerId: 'partner-4711',
      jti: res.json.jti,
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
    expect(server.tokenRequests() - before).toBe(1);
  });

  it('accepts credentials in the form body and narrows to the requested scope', async () => {
    const res = await postForm(server.tokenUrl, {
      grant_type: 'client_credentials',
      client_id: 'externalapp',
      client_secret: CANARY,
      scope: 'read:loans',
    });
    expect(res.status).toBe(200);
    expect(res.json.scope).toBe('read:loans');
    expect(decodeJwt(String(res.json.access_token)).scope).toBe('read:loans');
  });

  it('does not form-decode Basic credentials: the RFC-encoded canary is rejected', async () => {
    const res = await postForm(
      server.tokenUrl,
      { grant_type: 'client_credentials' },
      { authorization: basic('externalapp', CANARY, 'form-encoded') },
    );
    expect(res.status).toBe(401);
    expect(res.json.error).toBe('invalid_client');
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Service"');
  });

  it('answers 403 access_denied like Auth0 for a wrong audience', async () => {
    const res = await postForm(
      server.tokenUrl,
      { grant_type: 'client_credentials', audience: 'https://wrong.example' },
      { authorization: basic('externalapp', CANARY) },
    );
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      error: 'access_denied',
      error_description: 'Service not enabled within domain: https://wrong.example',
    });
  });

  it('answers 400 invalid_scope for a scope the client may not have', async () => {
    const res = await postForm(
      server.tokenUrl,
      { grant_type: 'client_credentials', scope: 'delete:loans' },
      { authorization: basic('externalapp', CANARY) },
    );
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_scope');
  });
});

describe('JWT-protected API', () => {
  let oidc: OidcServer;
  let nodeOauth: NodeOauthServer;
  let api: JwtApi;
  let scpIssuer: { issuer: string; jwksUri: string; sign(claims: object): Promise<string> };
  let closeScpIssuer: () => Promise<void>;

  beforeAll(async () => {
    // A bare JWKS host that signs tokens with an `scp` array claim, as Azure AD / Okta do.
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'scp', alg: 'RS256' };
    const jwksServer = createServer((_req, res) => sendJson(res, 200, { keys: [jwk] }));
    const port = await listen(jwksServer);
    closeScpIssuer = closer(jwksServer);
    const issuer = `http://127.0.0.1:${port}`;
    scpIssuer = {
      issuer,
      jwksUri: `${issuer}/jwks`,
      sign: (claims) =>
        new SignJWT({ ...claims })
          .setProtectedHeader({ alg: 'RS256', kid: 'scp' })
          .setIssuer(issuer)
          .setAudience(AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('5m')
          .sign(privateKey),
    };

    [oidc, nodeOauth] = await Promise.all([
      startOidcServer({ audience: AUDIENCE }),
      startNodeOauthServer({ audience: AUDIENCE }),
    ]);
    api = await startJwtApi({ audience: AUDIENCE, issuers: [oidc, nodeOauth, scpIssuer] });
  });
  afterAll(async () => {
    await Promise.all([api.close(), oidc.close(), nodeOauth.close(), closeScpIssuer()]);
  });

  async function oidcToken(scope: string): Promise<string> {
    const res = await postForm(
      oidc.tokenUrl,
      { grant_type: 'client_credentials', audience: AUDIENCE, scope },
      { authorization: basic(oidc.clients.basic.id, oidc.clients.basic.secret) },
    );
    return String(res.json.access_token);
  }

  async function nodeOauthToken(): Promise<string> {
    const res = await postForm(
      nodeOauth.tokenUrl,
      { grant_type: 'client_credentials', audience: AUDIENCE },
      { authorization: basic(nodeOauth.client.id, nodeOauth.client.secret) },
    );
    return String(res.json.access_token);
  }

  it('serves /loans to tokens from both servers and records the calls', async () => {
    const [fromOidc, fromNodeOauth] = await Promise.all([oidcToken(BOTH_SCOPES), nodeOauthToken()]);
    const first = await getWithToken(`${api.baseUrl}/loans`, fromOidc);
    const second = await getWithToken(`${api.baseUrl}/loans`, fromNodeOauth);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    expect(JSON.parse(first.text)).toEqual(LOANS);
    expect(second.status).toBe(200);
    expect(api.requests().slice(-2)).toEqual([
      { method: 'GET', path: '/loans', authorization: `Bearer ${fromOidc}` },
      { method: 'GET', path: '/loans', authorization: `Bearer ${fromNodeOauth}` },
    ]);
  });

  it('accepts an scp array claim', async () => {
    const token = await scpIssuer.sign({ scp: ['read:loans'] });
    expect((await getWithToken(`${api.baseUrl}/loans`, token)).status).toBe(200);
  });

  it('answers 401 invalid_token for a garbage token and for none', async () => {
    const garbage = await getWithToken(`${api.baseUrl}/loans`, 'not.a.jwt');
    expect(garbage.status).toBe(401);
    expect(garbage.headers.get('www-authenticate')).toMatch(
      /^Bearer error="invalid_token", error_description=".+"$/,
    );
    expect(garbage.json.error).toBe('invalid_token');
    expect(typeof garbage.json.error_description).toBe('string');

    const none = await fetch(`${api.baseUrl}/loans`).then(answer);
    expect(none.status).toBe(401);
    expect(none.json.error).toBe('invalid_token');
  });

  it('answers 401 for a token minted for another audience', async () => {
    const other = await startNodeOauthServer({ audience: 'https://other-api.example.test' });
    try {
      const res = await postForm(
        other.tokenUrl,
        { grant_type: 'client_credentials' },
        { authorization: basic(other.client.id, other.client.secret) },
      );
      const token = String(res.json.access_token);
      const call = await getWithToken(`${api.baseUrl}/loans`, token);
      expect(call.status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('answers 403 insufficient_scope when read:loans is missing, and still allows drafts', async () => {
    const token = await oidcToken('create:loan_draft');
    const loans = await getWithToken(`${api.baseUrl}/loans`, token);
    expect(loans.status).toBe(403);
    expect(loans.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="read:loans"',
    );
    expect(loans.json.error).toBe('insufficient_scope');

    const draft = await fetch(`${api.baseUrl}/loans/drafts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 2500, partner: 'x' }),
    }).then(answer);
    expect(draft.status).toBe(201);
    expect(draft.json).toEqual({ amount: 2500, partner: 'x' });
  });
});

describe('fault server', () => {
  let faults: FaultServer;

  beforeAll(async () => {
    faults = await startFaultServer();
  });
  afterAll(async () => {
    await faults.close();
  });

  const grant = { grant_type: 'client_credentials' };

  it('records method, url, lower-cased headers and the raw body', async () => {
    faults.reset();
    await postForm(faults.url('/ok'), grant, { 'X-Trace-Id': 'abc' });
    expect(faults.requests()).toEqual([
      expect.objectContaining({
        method: 'POST',
        url: '/ok',
        body: 'grant_type=client_credentials',
        headers: expect.objectContaining({
          'x-trace-id': 'abc',
          'content-type': 'application/x-www-form-urlencoded',
        }),
      }),
    ]);
  });

  it('serves the Spring Boot whitelabel page as a 401', async () => {
    const res = await postForm(faults.url('/whitelabel'), grant);
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('text/html;charset=UTF-8');
    expect(res.text).toBe(WHITELABEL_HTML);
  });

  it.each([
    ['/invalid-client', 401, 'invalid_client'],
    ['/unsupported-grant', 400, 'unsupported_grant_type'],
    ['/unauthorized-client', 400, 'unauthorized_client'],
    ['/audience', 403, 'access_denied'],
    ['/invalid-target', 400, 'invalid_target'],
    ['/invalid-scope', 400, 'invalid_scope'],
    ['/invalid-request', 400, 'invalid_request'],
    ['/429', 429, 'too_many_requests'],
  ])('POST %s answers %i %s', async (path, status, error) => {
    const res = await postForm(faults.url(path), grant);
    expect(res.status).toBe(status);
    expect(res.json.error).toBe(error);
    expect(typeof res.json.error_description).toBe('string');
  });

  it('sends the headers that go with the errors', async () => {
    const [invalidClient, audience, invalidRequest, tooMany, unavailable] = await Promise.all(
      ['/invalid-client', '/audience', '/invalid-request', '/429', '/503'].map((path) =>
        postForm(faults.url(path), grant),
      ),
    );
    expect(invalidClient?.headers.get('www-authenticate')).toBe('Basic realm="oauth"');
    expect(audience?.json.error_description).toBe(
      'Service not enabled within domain: https://wrong.example',
    );
    expect(invalidRequest?.json.error_description).toBe('Missing parameter: foo');
    expect(tooMany?.headers.get('retry-after')).toBe('30');
    expect(unavailable?.status).toBe(503);
    expect(unavailable?.headers.get('retry-after')).toBe('120');
    expect(unavailable?.text).toMatch(/^<html>/);
  });

  it('answers /ok with a decodable JWT and the ExternalApp fields', async () => {
    const res = await postForm(faults.url('/ok'), grant);
    expect(res.json).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'create:loan_draft read:loans',
      iss: faults.baseUrl,
      partnerId: 'partner-4711',
    });
    expect(typeof res.json.jti).toBe('string');
    const token = String(res.json.access_token);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'k1' });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: faults.baseUrl, aud: AUDIENCE, partnerId: 'partner-4711' });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3600);
  });

  it('serves the malformed and edge-case token bodies', async () => {
    const [narrowed, notJson, noToken, stringExpires, huge, short, redirect] = await Promise.all(
      [
        '/scope-narrowed',
        '/not-json',
        '/no-token',
        '/string-expires',
        '/huge-token',
        '/short-expiry',
        '/redirect',
      ].map((path) => postForm(faults.url(path), grant)),
    );
    expect(narrowed?.json.scope).toBe('read:loans');
    expect(decodeJwt(String(narrowed?.json.access_token)).scope).toBe('read:loans');
    expect(notJson?.headers.get('content-type')).toBe('text/html');
    expect(notJson?.text).toContain('<title>Sign in</title>');
    expect(noToken?.json).toEqual({ token_type: 'Bearer', expires_in: 3600 });
    expect(stringExpires?.json.expires_in).toBe('3600');
    expect(String(huge?.json.access_token)).toHaveLength(120_000);
    expect(decodeJwt(String(huge?.json.access_token)).partnerId).toBe('partner-4711');
    expect(short?.json.expires_in).toBe(60);
    expect(redirect?.status).toBe(302);
    expect(redirect?.headers.get('location')).toBe('https://login.example.test/oauth/token');
  });

  it('answers /slow only after ?ms= and lets a client time out', async () => {
    const started = Date.now();
    const res = await postForm(faults.url('/slow?ms=150'), grant);
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    await expect(
      fetch(faults.url('/slow'), { method: 'POST', signal: AbortSignal.timeout(100) }),
    ).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('closes promptly with a /slow request still pending', async () => {
    const server = await startFaultServer();
    const pending = fetch(server.url('/slow?ms=60000'), { method: 'POST' }).then(
      () => 'answered',
      () => 'failed',
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    expect(await pending).toBe('failed');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('serves the API routes, with /api/401-once re-armed by reset()', async () => {
    const ok = await getWithToken(faults.url('/api/ok'), 't');
    expect(ok.status).toBe(200);
    const unauthorized = await getWithToken(faults.url('/api/401'), 't');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
    const forbidden = await getWithToken(faults.url('/api/403'), 't');
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('www-authenticate')).toBe(
      'Bearer error="insufficient_scope", scope="read:loans"',
    );
    expect(forbidden.json).toEqual({ error: 'insufficient_scope' });

    faults.reset();
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      statuses.push((await getWithToken(faults.url('/api/401-once'), 't')).status);
    }
    faults.reset();
    statuses.push((await getWithToken(faults.url('/api/401-once'), 't')).status);
    expect(statuses).toEqual([401, 200, 200, 401]);
  });
});

describe('network failures', () => {
  it('TLS server: fetch rejects its self-signed certificate, a client trusting it gets /ok', async () => {
    const tls = await startTlsFaultServer();
    try {
      await expect(fetch(`${tls.baseUrl}/ok`, { method: 'POST' })).rejects.toMatchObject({
        cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' },
      });
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const req = httpsRequest(`${tls.baseUrl}/ok`, { method: 'POST', ca: tls.certificatePem });
        req.on('response', (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      await tls.close();
    }
  });

  it('refusedUrl: nothing listens there', async () => {
    const url = await refusedUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth\/token$/);
    await expect(fetch(url, { method: 'POST' })).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
  });
});
