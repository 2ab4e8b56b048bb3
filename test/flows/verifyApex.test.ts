import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadApexProject } from '../../src/apex/index.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { parseJson, runCli, workspace, type CliResult, type Workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, canaryForms } from '../helpers/fixtures.ts';
import {
  API_SCOPES,
  DEFAULT_AUDIENCE,
  startFaultServer,
  startJwtApi,
  startOidcServer,
  type FaultServer,
  type JwtApi,
  refusedUrl,
  type OidcServer,
} from '../servers/index.ts';

/**
 * `callout verify --apex` end to end, in-process: a temp project generated from a config that
 * points at the local OAuth servers, the generated Apex run in the local runtime with real
 * callouts over loopback, and every output searched for the canary secret.
 */
let oidc: OidcServer;
/** A second server whose body-auth client has a secret that needs no URL encoding. */
let plain: OidcServer;
const PLAIN_SECRET = 'plainSecret0123456789';
let api: JwtApi;
let faults: FaultServer;
const secretEnv = { [CANARY_ENV]: CANARY_SECRET };

type Service = ConfigInput['services'][string];

function service(overrides: Partial<Service>): Service {
  return {
    tokenUrl: oidc.tokenUrl,
    apiBaseUrl: api.baseUrl,
    clientId: 'basic-client',
    clientSecret: { env: CANARY_ENV },
    clientAuth: 'basic',
    audience: DEFAULT_AUDIENCE,
    scope: API_SCOPES,
    timeoutMs: 4000,
    probe: { method: 'GET', path: '/loans' },
    ...overrides,
  };
}

async function generatedProject(
  secretStorage: ConfigInput['secretStorage'],
  services: Record<string, Service>,
): Promise<Workspace> {
  const ws = await workspace(
    {
      prefix: 'Acme',
      apiVersion: '64.0',
      secretStorage,
      cache: { partition: 'Acme', capacityMb: 1, refreshMarginSeconds: 60 },
      services,
    },
    { ...secretEnv, PLAIN_SECRET },
  );
  const generated = await runCli(['generate', '--no-compile-check', '--json'], {
    cwd: ws.dir,
    env: ws.env,
  });
  expect(generated.code).toBe(0);
  // Parse the generated classes once here (the parser memoises by source), so each test pays
  // only for its own anonymous blocks.
  await loadApexProject({ dirs: [join(ws.dir, 'force-app')] });
  return ws;
}

function expectNoCanary(result: CliResult): void {
  for (const form of canaryForms(CANARY_SECRET, 'basic-client')) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
  for (const form of canaryForms(CANARY_SECRET, 'post-client')) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
}

interface JsonCallout {
  transaction: number;
  kind: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  httpStatus: number;
  differences: unknown[];
}

let customMetadata: Workspace;
let externalCredential: Workspace;

beforeAll(async () => {
  [oidc, faults] = await Promise.all([
    startOidcServer({
      clients: {
        basic: { id: 'basic-client', secret: CANARY_SECRET },
        post: { id: 'post-client', secret: CANARY_SECRET },
      },
    }),
    startFaultServer(),
  ]);
  plain = await startOidcServer({ clients: { post: { id: 'post-plain', secret: PLAIN_SECRET } } });
  api = await startJwtApi({
    audience: DEFAULT_AUDIENCE,
    issuers: [
      { issuer: oidc.issuer, jwksUri: oidc.jwksUri },
      { issuer: plain.issuer, jwksUri: plain.jwksUri },
    ],
  });
  [customMetadata, externalCredential] = await Promise.all([
    generatedProject('customMetadata', {
      AcmeBasic: service({}),
      AcmeBody: service({ clientId: 'post-client', clientAuth: 'body' }),
      AcmeWrongSecret: service({ clientSecret: { env: 'WRONG_SECRET' } }),
      AcmeWhitelabel: service({ tokenUrl: faults.url('/whitelabel') }),
      AcmeRefused: service({ tokenUrl: await refusedUrl() }),
      AcmeDraft: service({
        probe: { method: 'POST', path: '/loans/drafts', body: '{"amount":1000}' },
      }),
    }),
    generatedProject('externalCredential', {
      VaultBasic: service({}),
      VaultBody: service({ clientId: 'post-client', clientAuth: 'body' }),
      VaultBodyPlain: service({
        tokenUrl: plain.tokenUrl,
        clientId: 'post-plain',
        clientAuth: 'body',
        clientSecret: { env: 'PLAIN_SECRET' },
      }),
    }),
  ]);
}, 30_000);

afterAll(async () => {
  await Promise.all([oidc?.close(), plain?.close(), api?.close(), faults?.close()]);
});

async function verifyApex(ws: Workspace, name: string, env: NodeJS.ProcessEnv = {}) {
  const result = await runCli(['verify', '--apex', name, '--json'], {
    cwd: ws.dir,
    env: { ...ws.env, ...env },
  });
  expectNoCanary(result);
  return { result, json: parseJson(result.stdout) };
}

function servicesOf(json: Record<string, unknown>): Array<Record<string, unknown>> {
  const holder = (json.result ?? json.data) as { services: Array<Record<string, unknown>> };
  return holder.services;
}

describe('callout verify --apex, customMetadata mode', () => {
  it.each([
    ['AcmeBasic', 'basic', 'Basic ****', ''],
    ['AcmeBody', 'body', undefined, '&client_id=post-client&client_secret=****'],
  ])(
    '%s (%s client auth): the generated Apex gets a token and calls the API, as the harness would; the second transaction makes no token callout',
    async (name, clientAuth, authorization, credentialsInBody) => {
      const before = oidc.tokenRequests();
      const { result, json } = await verifyApex(customMetadata, name);
      expect(result.code).toBe(0);
      const [report] = servicesOf(json);
      expect(report).toMatchObject({
        service: name,
        ok: true,
        clientAuth,
        tokenCalloutsInFirstTransaction: 1,
        tokenCalloutsInSecondTransaction: 0,
        probe: { method: 'GET', path: '/loans', httpStatus: 200 },
        cachePartition: { name: 'local.Acme', capacityMb: 1 },
      });
      const callouts = report!.callouts as JsonCallout[];
      expect(callouts.map((c) => [c.transaction, c.kind, c.httpStatus])).toEqual([
        [1, 'token', 200],
        [1, 'api', 200],
        [2, 'api', 200],
      ]);
      for (const callout of callouts) expect(callout.differences).toEqual([]);
      const token = callouts[0]!;
      expect(token.url).toBe(oidc.tokenUrl);
      expect(token.headers.Authorization).toBe(authorization);
      expect(token.body).toBe(
        `grant_type=client_credentials&audience=${encodeURIComponent(DEFAULT_AUDIENCE)}&scope=read%3Aloans+create%3Aloan_draft${credentialsInBody}`,
      );
      expect(callouts[1]!.headers.Authorization).toBe('Bearer ****');
      // One token request reached the server for both transactions.
      expect(oidc.tokenRequests() - before).toBe(1);
    },
  );

  it('a probe with a body: the generated client sends it as JSON, as the harness does', async () => {
    const { result, json } = await verifyApex(customMetadata, 'AcmeDraft');
    expect(result.code).toBe(0);
    const [report] = servicesOf(json);
    expect(report).toMatchObject({
      ok: true,
      probe: { method: 'POST', path: '/loans/drafts', httpStatus: 201 },
    });
    const callouts = report!.callouts as JsonCallout[];
    const probe = callouts.find((c) => c.kind === 'api')!;
    expect(probe.differences).toEqual([]);
    expect(probe.body).toBe('{"amount":1000}');
    expect(probe.headers['Content-Type']).toBe('application/json');
  });

  it('prints the callouts side by side with the harness for people', async () => {
    const result = await runCli(['verify', '--apex', 'AcmeBasic'], {
      cwd: customMetadata.dir,
      env: customMetadata.env,
    });
    expectNoCanary(result);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('AcmeTokenService and AcmeApi, run locally');
    expect(result.stdout).toContain('Token request (HTTP 200): the same as the harness sends');
    expect(result.stdout).toContain('Authorization: Basic ****');
    expect(result.stdout).toContain('Token callouts in the second transaction: 0');
  });

  it("a wrong secret fails with the generated Apex's own message and the harness's code", async () => {
    const { result, json } = await verifyApex(customMetadata, 'AcmeWrongSecret', {
      WRONG_SECRET: 'not-the-secret',
    });
    expect(result.code).toBe(10);
    expect(json).toMatchObject({
      name: 'CLIENT_AUTH_REJECTED',
      message: expect.stringMatching(
        /^The generated Apex threw AcmeCalloutException: AcmeWrongSecret: the token endpoint answered HTTP 401 \(invalid_client/,
      ),
    });
    const [report] = servicesOf(json);
    expect(report).toMatchObject({
      ok: false,
      apexException: { type: 'AcmeCalloutException' },
    });
    expect(result.stdout).not.toContain('not-the-secret');
  });

  it('an HTML 401 fails with the page title the generated Apex reports', async () => {
    const { result, json } = await verifyApex(customMetadata, 'AcmeWhitelabel');
    expect(result.code).toBe(10);
    expect(json).toMatchObject({
      name: 'CLIENT_AUTH_REJECTED',
      message:
        'The generated Apex threw AcmeCalloutException: AcmeWhitelabel: the token endpoint answered HTTP 401 (an HTML page titled "Whitelabel Error Page").',
    });
  });
});

/** Runs `body` with a generated file changed, and puts it back. */
async function withEdit(
  ws: Workspace,
  path: string,
  edit: (text: string) => string,
  body: () => Promise<void>,
): Promise<void> {
  const file = join(ws.dir, 'force-app/main/default', path);
  const original = await readFile(file, 'utf8');
  const changed = edit(original);
  expect(changed).not.toBe(original);
  await writeFile(file, changed);
  try {
    await body();
  } finally {
    await writeFile(file, original);
  }
}

describe('callout verify --apex, when nothing answers', () => {
  it('a refused connection is the Apex CalloutException, with the code verify gives it', async () => {
    const { result, json } = await verifyApex(customMetadata, 'AcmeRefused');
    expect(result.code).toBe(14);
    expect(json).toMatchObject({
      name: 'CONNECTION_REFUSED',
      message: expect.stringMatching(
        /^The generated Apex threw AcmeCalloutException: AcmeRefused: the token request to [\w.-]+:\d+ failed: Connection refused\./,
      ),
    });
    const [report] = servicesOf(json);
    expect(report).toMatchObject({
      tokenCalloutsInSecondTransaction: null,
      callouts: [{ kind: 'token', httpStatus: 0, differences: [] }],
    });
  });
});

describe('callout verify --apex finds what the harness would not', () => {
  it('a planted fault in the generated token service (the Basic scheme misspelled) fails with the difference listed', async () => {
    await withEdit(
      customMetadata,
      'classes/AcmeTokenRequest.cls',
      (text) => text.replace("'Basic ' + EncodingUtil", "'Basic  ' + EncodingUtil"),
      async () => {
        const { result, json } = await verifyApex(customMetadata, 'AcmeBasic');
        expect(result.code).toBe(19);
        expect(json).toMatchObject({
          name: 'APEX_MISMATCH',
          message: expect.stringContaining(
            'token callout (transaction 1) authorization: harness Basic **** | Apex Basic ****',
          ),
        });
      },
    );
  });

  it('--no-probe: getAccessToken twice, and the second transaction takes the token from the org cache', async () => {
    const result = await runCli(['verify', '--apex', 'AcmeBasic', '--no-probe', '--json'], {
      cwd: customMetadata.dir,
      env: customMetadata.env,
    });
    expectNoCanary(result);
    expect(result.code).toBe(0);
    const [report] = servicesOf(parseJson(result.stdout));
    expect(report).toMatchObject({ probe: null, tokenCalloutsInSecondTransaction: 0 });
    expect((report!.callouts as JsonCallout[]).map((c) => [c.transaction, c.kind])).toEqual([
      [1, 'token'],
    ]);
  });

  it('a 0 MB partition: the second transaction needs a new token, and verify --apex warns', async () => {
    await withEdit(
      customMetadata,
      'cachePartitions/Acme.cachePartition-meta.xml',
      (text) =>
        text.replace(
          '<allocatedCapacity>1</allocatedCapacity>',
          '<allocatedCapacity>0</allocatedCapacity>',
        ),
      async () => {
        const { result, json } = await verifyApex(customMetadata, 'AcmeBasic');
        expect(result.code).toBe(0);
        expect(servicesOf(json)[0]).toMatchObject({
          cachePartition: { capacityMb: 0 },
          tokenCalloutsInSecondTransaction: 1,
        });
        expect(json.warnings).toEqual([
          expect.stringContaining('has 0 MB and the config says 1'),
          expect.stringContaining(
            'is at 0 MB, so the generated code kept the token for one transaction only',
          ),
        ]);
      },
    );
  });
});

describe('callout verify --apex, externalCredential mode', () => {
  it('basic client auth: the Authorization header comes from the External Credential formula', async () => {
    const { result, json } = await verifyApex(externalCredential, 'VaultBasic');
    expect(result.code).toBe(0);
    const [report] = servicesOf(json);
    expect(report).toMatchObject({ ok: true, tokenCalloutsInSecondTransaction: 0 });
    const callouts = report!.callouts as JsonCallout[];
    expect(callouts[0]).toMatchObject({
      kind: 'token',
      url: oidc.tokenUrl,
      headers: { Authorization: 'Basic ****' },
      differences: [],
    });
    expect(callouts[1]).toMatchObject({
      kind: 'api',
      url: `${api.baseUrl}/loans`,
      differences: [],
    });
  });

  it('body client auth: the merge fields are filled in from the principal, in memory', async () => {
    const { result, json } = await verifyApex(externalCredential, 'VaultBodyPlain');
    expect(result.code).toBe(0);
    const callouts = servicesOf(json)[0]!.callouts as JsonCallout[];
    expect(callouts[0]!.body).toContain('client_id=post-plain&client_secret=****');
    expect(callouts[0]!.body).not.toContain('{!$Credential');
    expect(result.stdout).not.toContain(PLAIN_SECRET);
  });

  it('body client auth with a secret that needs URL encoding: the merge field sends it raw, and verify --apex says so', async () => {
    const { result, json } = await verifyApex(externalCredential, 'VaultBody');
    expect(result.code).toBe(19);
    expect(json).toMatchObject({
      name: 'APEX_MISMATCH',
      actions: [expect.stringContaining('body merge fields are sent without URL encoding')],
      data: {
        differences: [
          {
            kind: 'token',
            differences: [
              {
                part: 'body',
                apex: expect.stringContaining('inside the masked client_secret'),
              },
            ],
          },
        ],
      },
    });
  });
});
