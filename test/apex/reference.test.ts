import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApexProject, OrgCache, type TransportRequest } from '../../src/apex/index.ts';

const root = join(import.meta.dirname, '..', '..');
const FORCE_APP = join(root, 'force-app');
const EXTERNAL_CREDENTIAL = join(root, 'test', 'fixtures', 'external-credential', 'expected');
const CANARY = 'canary-secret-5f3a9';

describe('the reference output runs locally', () => {
  it('passes every generated test with at least 90% coverage of each generated class', async () => {
    const runtime = await loadApexProject({ dirs: [FORCE_APP] });
    const result = await runtime.runTests({ coverage: true });

    const failures = result.tests
      .filter((t) => t.Outcome !== 'Pass')
      .map((t) => `${t.FullName}: ${t.Message}`);
    expect(failures).toEqual([]);
    // Every @IsTest method of the generated test classes ran.
    const testClasses = [
      'ExternalAppTokenServiceTest',
      'ExternalAppTokenRequestTest',
      'ExternalAppTokenResponseTest',
      'ExternalAppTokenCacheTest',
      'ExternalAppApiTest',
    ];
    const declared = testClasses
      .map((name) => readFileSync(join(FORCE_APP, 'main/default/classes', `${name}.cls`), 'utf8'))
      .map((source) => source.match(/@IsTest\s+(?:private\s+)?static void /g)?.length ?? 0)
      .reduce((a, b) => a + b, 0);
    expect(declared).toBeGreaterThan(20);
    expect(result.summary.testsRan).toBe(declared);
    expect(new Set(result.tests.map((t) => t.ApexClass.Name))).toEqual(new Set(testClasses));
    const coverage = Object.fromEntries(
      result.coverage!.coverage.map((c) => [c.name, c.coveredPercent]),
    );
    for (const cls of [
      'ExternalAppTokenService',
      'ExternalAppTokenRequest',
      'ExternalAppTokenResponse',
      'ExternalAppTokenCache',
      'ExternalAppApi',
      'ExternalAppCalloutException',
    ])
      expect({ [cls]: coverage[cls] }).toEqual({ [cls]: expect.any(Number) as number });
    expect(
      Object.entries(coverage)
        .filter(([, percent]) => percent < 90)
        .map(([name]) => name),
    ).toEqual([]);
    expect(Object.keys(coverage)).not.toContain('ExternalAppCalloutMock');
  });

  it('passes the externalCredential-mode golden output, whose endpoints are callout: Named Credentials', async () => {
    const runtime = await loadApexProject({ dirs: [EXTERNAL_CREDENTIAL] });
    const result = await runtime.runTests({ coverage: true });

    expect(
      result.tests.filter((t) => t.Outcome !== 'Pass').map((t) => `${t.FullName}: ${t.Message}`),
    ).toEqual([]);
    expect(result.summary.testsRan).toBeGreaterThan(20);
    for (const cls of result.coverage!.coverage.filter((c) =>
      /(Token(Service|Request|Response|Cache)|Api)$/.test(c.name),
    ))
      expect({ [cls.name]: cls.coveredPercent >= 90 }).toEqual({ [cls.name]: true });
  });

  it('runs the token service against a transport with the secret given in memory, caching across transactions', async () => {
    const requests: TransportRequest[] = [];
    const orgCache = new OrgCache([{ name: 'local.ExternalApp', capacityMb: 1 }]);
    const runtime = await loadApexProject({
      dirs: [FORCE_APP],
      orgCache,
      customMetadata: {
        ExternalAppService__mdt: [
          { DeveloperName: 'ExternalAppStage', fields: { ClientSecret__c: CANARY } },
        ],
      },
      transport: async (request) => {
        requests.push(request);
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: '{"access_token":"tok-1","expires_in":3600}',
        };
      },
    });
    const block = "System.debug(ExternalAppTokenService.getAccessToken('ExternalAppStage'));";

    const first = await runtime.runAnonymous(block);
    const second = await runtime.runAnonymous(block);

    expect(first.exception).toBeUndefined();
    expect(first.debugLines).toEqual(['tok-1']);
    expect(second.debugLines).toEqual(['tok-1']);
    expect(requests).toHaveLength(1);
    expect(first.callouts).toHaveLength(1);
    expect(second.callouts).toHaveLength(0);
    expect(requests[0]!.method).toBe('POST');
    expect(requests[0]!.body).toContain('grant_type=client_credentials');
    expect(requests[0]!.timeoutMs).toBe(10000);
    // The runtime returns what the Apex sent; it is the caller's job to mask it.
    const basic = requests[0]!.headers.Authorization ?? '';
    expect(Buffer.from(basic.replace('Basic ', ''), 'base64').toString('utf8')).toMatch(
      new RegExp(`:${CANARY}$`),
    );
    expect(first.debugLines.join('\n')).not.toContain(CANARY);
  });

  it('reports a token callout that times out with the host and the service, never the URL or the secret', async () => {
    const runtime = await loadApexProject({
      dirs: [FORCE_APP],
      customMetadata: {
        ExternalAppService__mdt: [
          { DeveloperName: 'ExternalAppStage', fields: { ClientSecret__c: CANARY } },
        ],
      },
      transport: () =>
        Promise.reject(Object.assign(new Error('timed out'), { name: 'TimeoutError' })),
    });

    const run = await runtime.runAnonymous(
      "ExternalAppTokenService.getAccessToken('ExternalAppStage');",
    );

    expect(run.exception).toMatchObject({
      type: 'ExternalAppCalloutException',
      message:
        'ExternalAppStage: the token request to auth-stage.externalapp.example failed: Read timed out.',
    });
    expect(JSON.stringify(run)).not.toContain(CANARY);
  });

  it('makes a token callout in every transaction when the partition has 0 MB', async () => {
    let tokenCallouts = 0;
    const runtime = await loadApexProject({
      dirs: [FORCE_APP],
      cachePartitions: [{ name: 'local.ExternalApp', capacityMb: 0 }],
      customMetadata: {
        ExternalAppService__mdt: [
          { DeveloperName: 'ExternalAppStage', fields: { ClientSecret__c: CANARY } },
        ],
      },
      transport: async (request) => {
        if (request.url.includes('token')) tokenCallouts++;
        return { status: 200, headers: {}, body: '{"access_token":"tok","expires_in":3600}' };
      },
    });
    const block =
      "System.debug(ExternalAppApi.service('ExternalAppStage').get('/ping').send().getStatusCode());";

    for (let i = 0; i < 3; i++)
      expect((await runtime.runAnonymous(block)).debugLines).toEqual(['200']);

    expect(tokenCallouts).toBe(3);
    expect(runtime.callouts).toHaveLength(6);
  });

  // HttpRequest has no getTimeout(), so no Apex test can see the timeout; the transport does.
  it("sends an API request with the service's timeout, or the request's own", async () => {
    const requests: TransportRequest[] = [];
    const runtime = await loadApexProject({
      dirs: [FORCE_APP],
      customMetadata: {
        ExternalAppService__mdt: [
          { DeveloperName: 'ExternalAppStage', fields: { ClientSecret__c: CANARY } },
        ],
      },
      transport: async (request) => {
        requests.push(request);
        return { status: 200, headers: {}, body: '{"access_token":"tok","expires_in":3600}' };
      },
    });

    const result = await runtime.runAnonymous(
      "ExternalAppApi api = ExternalAppApi.service('ExternalAppStage');\n" +
        "api.get('/ping').send();\n" +
        "api.get('/ping').timeout(30000).send();",
    );

    expect(result.exception).toBeUndefined();
    const api = requests.filter((r) => r.url.endsWith('/ping'));
    expect(api.map((r) => r.timeoutMs)).toEqual([10000, 30000]);
  });
});
