import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { CalloutConfig, ConfigInput } from '../../src/config/schema.ts';
import { Secret } from '../../src/config/secret.ts';
import { buildTokenRequest, encodeForm } from '../../src/exchange/tokenRequest.ts';
import { HttpClient } from '../../src/harness/http.ts';
import { verifyService } from '../../src/harness/verify.ts';
import {
  DEFAULT_AUDIENCE,
  refusedUrl,
  startFaultServer,
  startJwtApi,
  startNodeOauthServer,
  startOidcServer,
  startTlsFaultServer,
  type FaultServer,
  type JwtApi,
  type NodeOauthServer,
  type OidcServer,
} from '../servers/index.ts';
import { CANARY_SECRET, exampleConfig } from '../helpers/fixtures.ts';

let oidc: OidcServer;
let nodeOauth: NodeOauthServer;
let api: JwtApi;
let faults: FaultServer;
const client = new HttpClient();

beforeAll(async () => {
  [oidc, nodeOauth, faults] = await Promise.all([
    startOidcServer({
      clients: {
        basic: { id: 'basic-client', secret: CANARY_SECRET },
        post: { id: 'post-client', secret: CANARY_SECRET },
      },
    }),
    startNodeOauthServer({ client: { id: 'node-client', secret: CANARY_SECRET } }),
    startFaultServer(),
  ]);
  api = await startJwtApi({
    audience: DEFAULT_AUDIENCE,
    issuers: [
      { issuer: oidc.issuer, jwksUri: oidc.jwksUri },
      { issuer: nodeOauth.issuer, jwksUri: nodeOauth.jwksUri },
    ],
  });
});

afterAll(async () => {
  await client.close();
  await Promise.all([oidc?.close(), nodeOauth?.close(), api?.close(), faults?.close()]);
});

function configFor(
  service: Partial<ConfigInput['services'][string]>,
  top: Partial<ConfigInput> = {},
): CalloutConfig {
  return parseConfig({
    ...exampleConfig({ audience: DEFAULT_AUDIENCE, apiBaseUrl: api.baseUrl, ...service }),
    ...top,
  });
}

async function verify(
  service: Partial<ConfigInput['services'][string]>,
  options = { detectAuth: false, probe: true },
  top: Partial<ConfigInput> = {},
) {
  const config = configFor(service, top);
  const [name, svc] = Object.entries(config.services)[0]!;
  return verifyService(client, config, name, svc, new Secret(CANARY_SECRET), options);
}

describe('verify against oidc-provider', () => {
  // (client auth style detection is tested against the fault server below)
  it('verifies Basic client auth: JWT for the audience, scope granted, probe accepted', async () => {
    const report = await verify({
      tokenUrl: oidc.tokenUrl,
      clientId: 'basic-client',
      clientAuth: 'basic',
    });
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.response?.httpStatus).toBe(200);
    expect(report.response?.jwt?.claims.aud).toBe(DEFAULT_AUDIENCE);
    expect(report.response?.jwt?.header.alg).toBe('RS256');
    expect(report.response?.scope.missing).toEqual([]);
    expect(report.probe).toMatchObject({ ok: true, httpStatus: 200 });
    expect(report.request.headers.Authorization).toBe('Basic ****');
  });

  it('verifies body client auth', async () => {
    const report = await verify({
      tokenUrl: oidc.tokenUrl,
      clientId: 'post-client',
      clientAuth: 'body',
    });
    expect(report.ok).toBe(true);
    expect(report.request.form.client_secret).toBe('****');
  });

  it('reports a wrong client auth style, and --detect-auth names the config change', async () => {
    // oidc-provider accepts either style for a secret client, so this uses the fault server's
    // partner that wants Basic and answers anything else with a Whitelabel page.
    const service = {
      tokenUrl: faults.url('/basic-only'),
      clientAuth: 'body' as const,
      probe: undefined,
    };
    const plain = await verify(service);
    expect(plain.error).toMatchObject({
      name: 'CLIENT_AUTH_REJECTED',
      message: expect.stringContaining('Whitelabel Error Page'),
    });
    expect(plain.detectAuth).toBeUndefined();
    const detected = await verify(service, { detectAuth: true, probe: true });
    expect(detected.ok).toBe(false);
    expect(detected.detectAuth).toMatchObject({ tried: 'basic', worked: true });
    expect(detected.error?.actions[0]).toContain('"clientAuth": "basic"');
  });

  it('rejects an unknown audience', async () => {
    const report = await verify({
      tokenUrl: oidc.tokenUrl,
      clientId: 'basic-client',
      audience: 'https://other.example.test',
    });
    expect(report.error?.name).toBe('AUDIENCE_REJECTED');
  });

  it('rejects an unknown scope', async () => {
    const report = await verify({
      tokenUrl: oidc.tokenUrl,
      clientId: 'basic-client',
      scope: 'read:loans delete:everything',
    });
    expect(report.error?.name).toBe('SCOPE_NOT_GRANTED');
  });

  it('reports a probe answered 403 insufficient_scope when the token lacks read:loans', async () => {
    const report = await verify({
      tokenUrl: oidc.tokenUrl,
      clientId: 'basic-client',
      scope: 'create:loan_draft',
    });
    expect(report.response?.httpStatus).toBe(200);
    expect(report.error).toMatchObject({
      name: 'PROBE_FORBIDDEN',
      message: expect.stringContaining('read:loans'),
    });
    expect(report.probe).toMatchObject({ ok: false, httpStatus: 403 });
  });

  it('skips the probe with --no-probe', async () => {
    const report = await verify(
      { tokenUrl: oidc.tokenUrl, clientId: 'basic-client', scope: 'create:loan_draft' },
      { detectAuth: false, probe: false },
    );
    expect(report.ok).toBe(true);
    expect(report.probe).toBeUndefined();
  });
});

describe('verify against @node-oauth/oauth2-server', () => {
  it.each(['basic', 'body'] as const)(
    'verifies %s client auth and shows the extra response fields',
    async (clientAuth) => {
      const report = await verify({
        tokenUrl: nodeOauth.tokenUrl,
        clientId: 'node-client',
        clientAuth,
      });
      expect(report.ok).toBe(true);
      expect(Object.keys(report.response?.extraFields ?? {})).toEqual(
        expect.arrayContaining(['iss', 'partnerId', 'jti']),
      );
      expect(report.probe?.httpStatus).toBe(200);
    },
  );

  it('classifies the Auth0-style audience rejection', async () => {
    const report = await verify({
      tokenUrl: nodeOauth.tokenUrl,
      clientId: 'node-client',
      audience: 'https://wrong.example',
    });
    expect(report.error?.name).toBe('AUDIENCE_REJECTED');
  });
});

describe('verify failure classes (fault server)', () => {
  it.each([
    ['/whitelabel', 'CLIENT_AUTH_REJECTED', 'Whitelabel Error Page', 10],
    ['/invalid-client', 'CLIENT_AUTH_REJECTED', 'invalid_client', 10],
    ['/unsupported-grant', 'GRANT_TYPE_REJECTED', 'unsupported_grant_type', 11],
    ['/unauthorized-client', 'GRANT_TYPE_REJECTED', 'unauthorized_client', 11],
    ['/audience', 'AUDIENCE_REJECTED', 'Service not enabled', 11],
    ['/invalid-target', 'AUDIENCE_REJECTED', 'invalid_target', 11],
    ['/invalid-scope', 'SCOPE_NOT_GRANTED', 'invalid_scope', 11],
    ['/invalid-request', 'OAUTH_ERROR', 'Missing parameter: foo', 11],
    ['/scope-narrowed', 'SCOPE_NOT_GRANTED', '"create:loan_draft"', 11],
    ['/500', 'TOKEN_SERVER_ERROR', 'HTTP 500', 13],
    ['/503', 'TOKEN_SERVER_ERROR', 'HTTP 503', 13],
    ['/429', 'RATE_LIMITED', 'retry after 30 s', 13],
    ['/redirect', 'REDIRECTED', 'https://login.example.test/oauth/token', 12],
    ['/not-json', 'TOKEN_NOT_JSON', 'Sign in', 12],
    ['/no-token', 'TOKEN_MISSING', 'token_type, expires_in', 12],
  ])('%s gives %s', async (path, code, text, status) => {
    const report = await verify({
      tokenUrl: faults.url(path),
      apiBaseUrl: faults.url('/api'),
      probe: { method: 'GET', path: '/ok' },
    });
    expect(report.error).toMatchObject({
      name: code,
      exitCode: status,
      message: expect.stringContaining(text),
    });
    expect(report.error?.actions.length).toBeGreaterThan(0);
    // The report's JSON form (what --json prints) carries no stack.
    expect(JSON.parse(JSON.stringify(report)).error).not.toHaveProperty('stack');
  });

  it('accepts expires_in as a string', async () => {
    const report = await verify({
      tokenUrl: faults.url('/string-expires'),
      apiBaseUrl: faults.url('/api'),
      probe: { method: 'GET', path: '/ok' },
    });
    expect(report.ok).toBe(true);
    expect(report.response).toMatchObject({ expiresIn: 3600, expiresInSource: 'string' });
  });

  it.each([
    ['/401', 'PROBE_UNAUTHORIZED'],
    ['/403', 'PROBE_FORBIDDEN'],
  ])('a probe answered %s gives %s', async (path, code) => {
    const report = await verify({
      tokenUrl: faults.url('/ok'),
      apiBaseUrl: faults.url('/api'),
      probe: { method: 'GET', path },
    });
    expect(report.response?.httpStatus).toBe(200);
    expect(report.error?.name).toBe(code);
    expect(report.error?.exitCode).toBe(15);
  });

  it('times out a slow server at timeoutMs', async () => {
    const report = await verify({ tokenUrl: faults.url('/slow?ms=3000'), timeoutMs: 300 });
    expect(report.error).toMatchObject({
      name: 'TIMEOUT',
      exitCode: 14,
      message: expect.stringContaining('300 ms'),
    });
  });

  it('reports connection refused', async () => {
    const report = await verify({ tokenUrl: await refusedUrl() });
    expect(report.error).toMatchObject({ name: 'CONNECTION_REFUSED', exitCode: 14 });
  });

  it('reports an unresolvable host (DNS answered by an injected resolver, no traffic leaves the machine)', async () => {
    const noDns = new HttpClient({
      lookup: (hostname, _options, callback) => {
        const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
          code: 'ENOTFOUND',
          hostname,
        });
        (callback as (err: Error) => void)(error);
      },
    });
    const config = configFor({ tokenUrl: 'https://auth-stage.externalapp.invalid/oauth/token' });
    const [name, svc] = Object.entries(config.services)[0]!;
    const report = await verifyService(noDns, config, name, svc, new Secret(CANARY_SECRET), {
      detectAuth: false,
      probe: true,
    });
    await noDns.close();
    expect(report.error).toMatchObject({
      name: 'DNS_FAILURE',
      message: expect.stringContaining('auth-stage.externalapp.invalid'),
    });
  });

  it('reports a self-signed TLS certificate', async () => {
    const tls = await startTlsFaultServer();
    try {
      const report = await verify({ tokenUrl: `${tls.baseUrl}/ok` });
      expect(report.error).toMatchObject({
        name: 'TLS_FAILURE',
        exitCode: 14,
        message: expect.stringContaining('SELF_SIGNED'),
      });
    } finally {
      await tls.close();
    }
  });
});

describe('Apex fit', () => {
  it('warns about a token larger than the Platform Cache item limit', async () => {
    const report = await verify({
      tokenUrl: faults.url('/huge-token'),
      apiBaseUrl: faults.url('/api'),
      probe: { method: 'GET', path: '/ok' },
    });
    expect(report.apexFit.find((c) => c.id === 'token.size')).toMatchObject({ status: 'warn' });
  });

  it('warns about expires_in below the cache TTL minimum and at or under the refresh margin', async () => {
    const report = await verify({
      tokenUrl: faults.url('/short-expiry'),
      apiBaseUrl: faults.url('/api'),
      probe: { method: 'GET', path: '/ok' },
    });
    expect(report.apexFit.find((c) => c.id === 'token.expiresIn')).toMatchObject({
      status: 'warn',
    });
    expect(report.apexFit.find((c) => c.id === 'token.refreshMargin')).toMatchObject({
      status: 'warn',
    });
  });

  it('warns that a loopback host is unreachable from Salesforce and passes HTTPS checks on https URLs', async () => {
    const report = await verify({ tokenUrl: oidc.tokenUrl, clientId: 'basic-client' });
    expect(report.apexFit.find((c) => c.id === 'tokenUrl.public')).toMatchObject({
      status: 'warn',
    });
    expect(report.apexFit.find((c) => c.id === 'tokenUrl.https')).toMatchObject({ status: 'warn' });
  });

  it('fails a port Apex may not call', async () => {
    const report = await verify({
      tokenUrl: faults.url('/ok'),
      apiBaseUrl: 'https://api.example.test:8',
      probe: undefined,
    });
    expect(report.error).toMatchObject({
      name: 'APEX_FIT',
      message: expect.stringContaining('port 8 '),
    });
  });

  it('fails body client auth in externalCredential mode when the secret needs URL encoding', async () => {
    const report = await verify(
      { tokenUrl: faults.url('/ok'), clientAuth: 'body', probe: undefined },
      { detectAuth: false, probe: true },
      { secretStorage: 'externalCredential' },
    );
    expect(report.apexFit.find((c) => c.id === 'secret.bodyEncoding')).toMatchObject({
      status: 'fail',
    });
    expect(report.error?.name).toBe('APEX_FIT');
  });

  it('fails body client auth in externalCredential mode when the client id needs URL encoding', async () => {
    const report = await verify(
      { tokenUrl: faults.url('/ok'), clientAuth: 'body', clientId: 'team a/b', probe: undefined },
      { detectAuth: false, probe: true },
      { secretStorage: 'externalCredential' },
    );
    expect(report.apexFit.find((c) => c.id === 'secret.bodyEncoding')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^The client id (and the secret )?ha(s|ve) characters/),
    });
    expect(report.error?.name).toBe('APEX_FIT');
  });
});

describe('the exchange on the wire', () => {
  it.each(['basic', 'body'] as const)(
    'sends exactly the described %s request',
    async (clientAuth) => {
      faults.reset();
      const config = configFor({
        tokenUrl: faults.url('/ok'),
        clientAuth,
        params: { resource: 'loans api' },
        probe: undefined,
      });
      const svc = config.services.ExternalAppStage!;
      await verifyService(client, config, 'ExternalAppStage', svc, new Secret(CANARY_SECRET), {
        detectAuth: false,
        probe: false,
      });
      const [sent] = faults.requests();
      const described = buildTokenRequest(svc, new Secret(CANARY_SECRET));
      expect(sent?.method).toBe('POST');
      expect(sent?.body).toBe(encodeForm(described.form));
      expect(sent?.headers.accept).toBe('application/json');
      expect(sent?.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const basic = `Basic ${Buffer.from(`${svc.clientId}:${CANARY_SECRET}`).toString('base64')}`;
      expect(sent?.headers.authorization).toBe(clientAuth === 'basic' ? basic : undefined);
      const form = new URLSearchParams(sent?.body);
      expect(form.get('grant_type')).toBe('client_credentials');
      expect(form.get('audience')).toBe(DEFAULT_AUDIENCE);
      expect(form.get('scope')).toBe('create:loan_draft read:loans');
      expect(form.get('resource')).toBe('loans api');
      expect(form.get('client_secret')).toBe(clientAuth === 'body' ? CANARY_SECRET : null);
    },
  );
});

describe('Basic credentials with characters RFC 6749 servers decode', () => {
  it('adds a hint when a secret with "+" is rejected in a Basic header', async () => {
    const server = await startOidcServer({
      clients: { basic: { id: 'plus-client', secret: 'with+plus+secret' } },
    });
    try {
      const config = configFor({
        tokenUrl: server.tokenUrl,
        clientId: 'plus-client',
        probe: undefined,
      });
      const svc = config.services.ExternalAppStage!;
      const report = await verifyService(
        client,
        config,
        'ExternalAppStage',
        svc,
        new Secret('with+plus+secret'),
        { detectAuth: true, probe: false },
      );
      expect(report.error?.name).toBe('CLIENT_AUTH_REJECTED');
      expect(report.error?.actions.join(' ')).toContain('RFC 6749 section 2.3.1');
      expect(report.detectAuth).toMatchObject({ tried: 'body', worked: true });
    } finally {
      await server.close();
    }
  });
});
