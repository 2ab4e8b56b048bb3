// Drives the protocol-level fake org (test/servers/fakeOrg.ts; not Salesforce) through the real
// libraries: real sf logins written by @salesforce/core into a temporary HOME, which this process
// then opens with Org.create, deploying through the Metadata API client of core's connection
// (jsforce's, @jsforce/jsforce-node), so the assertions are on what jsforce parsed from the
// fake's wire formats.
import type { MetadataApiDeployStatus as DeployResult } from '@salesforce/source-deploy-retrieve';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSfHome, SF_CORE_URL } from '../helpers/sfAuth.ts';
import type { SfHome } from '../helpers/sfAuth.ts';
import { startFakeOrg, unzip, zipFiles } from './fakeOrg.ts';
import type { FakeOrg } from './fakeOrg.ts';

const MD = 'xmlns="http://soap.sforce.com/2006/04/metadata"';
const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

/** A small MDAPI-format zip (singlePackage): two classes and an External Credential. */
function testZip(): Buffer {
  const classMeta = `${XML_DECL}<ApexClass ${MD}><apiVersion>66.0</apiVersion><status>Active</status></ApexClass>`;
  return zipFiles({
    'package.xml':
      `${XML_DECL}<Package ${MD}><types><members>*</members><name>ApexClass</name></types>` +
      '<types><members>Acme_API</members><name>ExternalCredential</name></types>' +
      '<version>66.0</version></Package>',
    'classes/ExternalAppApi.cls': 'public class ExternalAppApi {}',
    'classes/ExternalAppApi.cls-meta.xml': classMeta,
    'classes/ExternalAppApiTest.cls': '@IsTest class ExternalAppApiTest {}',
    'classes/ExternalAppApiTest.cls-meta.xml': classMeta,
    'externalCredentials/Acme_API.externalCredential':
      `${XML_DECL}<ExternalCredential ${MD}><label>Acme API</label>` +
      '<authenticationProtocol>Oauth</authenticationProtocol>' +
      '<externalCredentialParameters><parameterName>AcmePrincipal</parameterName>' +
      '<parameterType>NamedPrincipal</parameterType><sequenceNumber>1</sequenceNumber>' +
      '</externalCredentialParameters></ExternalCredential>',
  });
}

/** SOAP answers an element once as an object, several times as an array. */
const many = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

interface Failure {
  name?: string;
  errorCode?: string;
  message?: string;
}

/**
 * Runs `body` (async JS, with `org`, `conn`, `input` and `capture` in scope; its return value
 * goes through JSON) in this process, on the org of this login (`input.aliasOrUsername: null`
 * uses the target-org).
 */
async function inOrg<T>(sf: SfHome, body: string, input: Record<string, unknown> = {}): Promise<T> {
  return inThisProcess<T>(body, { aliasOrUsername: sf.alias, ...input });
}

/**
 * One sf home serves this process: HOME points there, and every login of the file is written
 * into it (each fake with its own username and alias, by this process's core, which then drops
 * its cached state) before any test looks one up. The bodies run here, without a child each.
 */
const savedEnv = { ...process.env };

interface Login {
  fake: FakeOrg;
  sf: SfHome;
}
/** The logins of the describes below: each its own fake org, all in one sf home. */
let logins: { main: Login; expired: Login; renewing: Login; hub: Login };

beforeAll(async () => {
  const [main, expired, renewing, hub] = await Promise.all([
    startFakeOrg(),
    startFakeOrg({ username: 'expired@callout-kit.test' }),
    startFakeOrg({ username: 'renewing@callout-kit.test' }),
    startFakeOrg({ username: 'hub@callout-kit.test', devHub: true }),
  ]);
  // One after the other: each child adds its login to the same ~/.sfdx and ~/.sf files.
  const sf = await createSfHome(main, { alias: 'fake-org', setDefault: true, inProcess: true });
  const add = (fake: FakeOrg, options: Parameters<typeof createSfHome>[1]) =>
    createSfHome(fake, { home: sf.home, setDefault: false, inProcess: true, ...options });
  const expiredSf = await add(expired, { alias: 'expired-org' });
  const renewingSf = await add(renewing, { alias: 'renewing-org', login: 'refreshToken' });
  const hubSf = await add(hub, { alias: 'hub-org', devHub: true });
  logins = {
    main: { fake: main, sf },
    expired: { fake: expired, sf: expiredSf },
    renewing: { fake: renewing, sf: renewingSf },
    hub: { fake: hub, sf: hubSf },
  };
  Object.assign(process.env, sf.env);
  await import(SF_CORE_URL);
}, 60_000);

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  const all = logins ? Object.values(logins) : [];
  await Promise.all(all.map((login) => login.fake.close()));
  await logins?.main.sf.remove();
});

type Body = (
  org: unknown,
  conn: unknown,
  input: Record<string, unknown>,
  capture: (promise: Promise<unknown>) => Promise<unknown>,
  Org: unknown,
) => Promise<unknown>;

async function inThisProcess<T>(body: string, input: Record<string, unknown>): Promise<T> {
  const { Org } = (await import(SF_CORE_URL)) as typeof import('@salesforce/core');
  const capture = async (promise: Promise<unknown>) => {
    try {
      return { value: await promise };
    } catch (e) {
      const error = e as Failure;
      return { error: { name: error.name, errorCode: error.errorCode, message: error.message } };
    }
  };
  const org = await Org.create(
    input.aliasOrUsername ? { aliasOrUsername: String(input.aliasOrUsername) } : {},
  );
  const conn = org.getConnection();
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
    ...args: string[]
  ) => Body;
  const run = new AsyncFunction('org', 'conn', 'input', 'capture', 'Org', body);
  // Through JSON, as from a child: the same shapes either way.
  return JSON.parse(JSON.stringify((await run(org, conn, input, capture, Org)) ?? null)) as T;
}

// Deploys input.zip with input.options, then polls checkDeployStatus(id, true) until done.
const DEPLOY_AND_POLL = `
const { id } = await conn.metadata.deploy(Buffer.from(input.zip, 'base64'), input.options);
const polls = [];
const errors = [];
let result;
for (let i = 0; i < 10; i++) {
  const r = await capture(conn.metadata.checkDeployStatus(id, true));
  if (r.error) { errors.push(r.error); continue; }
  result = r.value;
  polls.push(result.status);
  if (result.done) break;
}
return { id, polls, errors, result };
`;

interface DeployOut {
  id: string;
  polls: string[];
  errors: Failure[];
  result: DeployResult;
}

const RUN_SPECIFIED = {
  testLevel: 'RunSpecifiedTests',
  runTests: ['ExternalAppApiTest'],
  rollbackOnError: true,
  singlePackage: true,
  checkOnly: false,
};

describe('the fake org zip reader and writer', () => {
  it('reads back what zipFiles wrote, names and bytes', () => {
    const files = unzip(testZip());
    expect([...files.keys()]).toEqual([
      'package.xml',
      'classes/ExternalAppApi.cls',
      'classes/ExternalAppApi.cls-meta.xml',
      'classes/ExternalAppApiTest.cls',
      'classes/ExternalAppApiTest.cls-meta.xml',
      'externalCredentials/Acme_API.externalCredential',
    ]);
    expect(files.get('classes/ExternalAppApi.cls')?.toString()).toBe(
      'public class ExternalAppApi {}',
    );
    expect(() => unzip(Buffer.from('not a zip'))).toThrow('not a zip archive');
  });
});

describe('fake Salesforce org (protocol-level fake): finishAfterMs', () => {
  /** One raw Metadata API SOAP call; the answer's <status> and <done>. */
  async function soap(fake: FakeOrg, body: string): Promise<{ status?: string; done?: string }> {
    const response = await fetch(`${fake.instanceUrl}/services/Soap/m/64.0`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml', SOAPAction: '""' },
      body:
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope ' +
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" ' +
        'xmlns="http://soap.sforce.com/2006/04/metadata"><soapenv:Header><SessionHeader>' +
        `<sessionId>${fake.accessToken}</sessionId></SessionHeader></soapenv:Header>` +
        `<soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`,
    });
    const text = await response.text();
    return {
      status: /<status>([^<]*)<\/status>/.exec(text)?.[1],
      done: /<done>([^<]*)<\/done>/.exec(text)?.[1],
      ...(/<id>([^<]*)<\/id>/.exec(text) ? { id: /<id>([^<]*)<\/id>/.exec(text)![1] } : {}),
    };
  }

  it('finishes a deploy by time, however often it is polled', async () => {
    const fake = await startFakeOrg({ scenarioOptions: { finishAfterMs: 300 } });
    try {
      const zip = testZip().toString('base64');
      const started = performance.now();
      const { id } = (await soap(
        fake,
        `<deploy><ZipFile>${zip}</ZipFile><DeployOptions><singlePackage>true</singlePackage></DeployOptions></deploy>`,
      )) as { id?: string };
      const check = () =>
        soap(fake, `<checkDeployStatus><asyncProcessId>${id}</asyncProcessId></checkDeployStatus>`);
      // Each early answer: done only if the time had come (a busy machine may be slow to ask).
      const early: Array<{ done?: string; at: number }> = [];
      for (let i = 0; i < 5; i++)
        early.push({ ...(await check()), at: performance.now() - started });
      expect(early.filter((answer) => answer.done === 'true' && answer.at < 300)).toEqual([]);
      expect(early[0]?.done).toBe('false');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await check()).toMatchObject({ done: 'true', status: 'Succeeded' });
    } finally {
      await fake.close();
    }
  });
});

describe('fake Salesforce org (protocol-level fake) through the connection of @salesforce/core (jsforce)', () => {
  let fake: FakeOrg;
  let sf: SfHome;
  let zip: Buffer;

  beforeAll(() => {
    ({ fake, sf } = logins.main);
    zip = testZip();
  });

  async function deploy(
    scenario: Parameters<FakeOrg['setScenario']>[0],
    options: Record<string, unknown> = RUN_SPECIFIED,
    scenarioOptions: Parameters<FakeOrg['setScenario']>[1] = {},
  ): Promise<DeployOut> {
    fake.setScenario(scenario, scenarioOptions);
    return inOrg<DeployOut>(sf, DEPLOY_AND_POLL, { zip: zip.toString('base64'), options });
  }

  it('holds a real sf login: Org.create by alias and by target-org, identity and SOQL', async () => {
    // The login itself went through the fake's REST endpoints, as `sf org login access-token` does.
    const loginCalls = fake.requests().map((r) => `${r.method} ${r.path}`);
    expect(loginCalls).toEqual(
      expect.arrayContaining([
        'GET /services/oauth2/userinfo',
        `GET /services/data/v51.0/sobjects/User/${fake.userId}`,
        'GET /services/data',
        'GET /services/data/v66.0/query',
      ]),
    );
    const out = await inOrg<{
      byAlias: { username: string; orgId: string; apiVersion: string; instanceUrl: string };
      byDefault: { username: string; orgId: string };
      identity: { username: string; organization_id: string };
      user: { totalSize: number; records: Array<{ Username: string }> };
      count: { totalSize: number; records: unknown[] };
      partitions: { totalSize: number; done: boolean };
      limits: Record<string, { Max: number; Remaining: number }>;
    }>(
      sf,
      `
const byDefault = await Org.create();
return {
  byAlias: { username: org.getUsername(), orgId: org.getOrgId(), apiVersion: conn.getApiVersion(), instanceUrl: conn.instanceUrl },
  byDefault: { username: byDefault.getUsername(), orgId: byDefault.getOrgId() },
  identity: await conn.identity(),
  user: await conn.query("SELECT Id, Username FROM User WHERE Username = '" + org.getUsername() + "'"),
  count: await conn.query('SELECT COUNT() FROM User'),
  partitions: await conn.tooling.query('SELECT Id, DeveloperName FROM PlatformCachePartition'),
  limits: await conn.limits(),
};`,
    );
    expect(out.byAlias).toEqual({
      username: 'dev@callout-kit.test',
      orgId: fake.orgId,
      apiVersion: '66.0',
      instanceUrl: fake.instanceUrl,
    });
    expect(out.byDefault).toEqual({ username: fake.username, orgId: fake.orgId });
    expect(out.identity).toMatchObject({ username: fake.username, organization_id: fake.orgId });
    expect(out.user.totalSize).toBe(1);
    expect(out.user.records[0]?.Username).toBe(fake.username);
    expect(out.count).toMatchObject({ totalSize: 1, records: [] });
    expect(out.partitions).toMatchObject({ totalSize: 0, done: true });
    expect(out.limits.DailyApiRequests?.Max).toBeGreaterThan(0);
  });

  it('success: Pending → InProgress → Succeeded, with components, tests and coverage', async () => {
    const before = fake.deploys().length;
    const out = await deploy('success');
    expect(out.polls).toEqual(['Pending', 'InProgress', 'Succeeded']);
    const r = out.result;
    expect(r).toMatchObject({
      id: out.id,
      done: true,
      success: true,
      status: 'Succeeded',
      checkOnly: false,
      rollbackOnError: true,
      numberComponentsTotal: 3,
      numberComponentsDeployed: 3,
      numberComponentErrors: 0,
      numberTestsTotal: 1,
      numberTestsCompleted: 1,
      numberTestErrors: 0,
    });
    expect(r.details.componentFailures).toEqual([]);
    expect(
      many(r.details.componentSuccesses)
        .map((c) => c.fileName)
        .sort(),
    ).toEqual([
      'classes/ExternalAppApi.cls',
      'classes/ExternalAppApiTest.cls',
      'externalCredentials/Acme_API.externalCredential',
      'package.xml',
    ]);
    const tests = r.details.runTestResult;
    expect(tests?.numTestsRun).toBe(1);
    expect(tests?.numFailures).toBe(0);
    expect(tests?.failures).toEqual([]);
    expect(tests?.successes).toEqual([
      expect.objectContaining({ name: 'ExternalAppApiTest', methodName: 'testCallout' }),
    ]);
    expect(tests?.codeCoverage).toEqual([
      expect.objectContaining({
        name: 'ExternalAppApi',
        numLocations: 20,
        numLocationsNotCovered: 1,
      }),
    ]);
    expect(tests?.codeCoverageWarnings).toEqual([]);

    // The fake recorded what jsforce sent: the same zip bytes and the parsed DeployOptions.
    const recorded = fake.deploys()[before];
    expect(recorded?.id).toBe(out.id);
    expect(recorded?.zip.equals(zip)).toBe(true);
    expect(recorded?.options).toEqual({
      testLevel: 'RunSpecifiedTests',
      runTests: ['ExternalAppApiTest'],
      rollbackOnError: true,
      singlePackage: true,
      checkOnly: false,
    });
    const soap = fake
      .requests()
      .filter((q) => q.soapMethod)
      .map((q) => `${q.path} ${q.soapMethod ?? ''}`);
    expect(soap).toContain('/services/Soap/m/66.0 deploy');
    expect(soap).toContain('/services/Soap/m/66.0 checkDeployStatus');
  });

  it('componentFailure: a failing class with file, line, column and problem', async () => {
    const out = await deploy('componentFailure', RUN_SPECIFIED, { pollsToFinish: 0 });
    expect(out.polls).toEqual(['Failed']);
    expect(out.result).toMatchObject({
      done: true,
      success: false,
      status: 'Failed',
      numberComponentErrors: 1,
      numberComponentsDeployed: 2,
      numberTestsTotal: 0,
    });
    expect(out.result.details.componentFailures).toEqual([
      expect.objectContaining({
        fileName: 'classes/ExternalAppApi.cls',
        fullName: 'ExternalAppApi',
        componentType: 'ApexClass',
        problemType: 'Error',
        problem: 'Variable does not exist: tokenEndpoint',
        lineNumber: 42,
        columnNumber: 16,
        success: false,
      }),
    ]);
    expect(out.result.details.runTestResult?.numTestsRun).toBe(0);
  });

  it('testFailure: one failing test method with message and stack trace', async () => {
    const out = await deploy('testFailure', RUN_SPECIFIED, {
      testMethods: { ExternalAppApiTest: ['testCallout', 'testTokenCache'] },
    });
    expect(out.result).toMatchObject({
      status: 'Failed',
      success: false,
      numberTestsTotal: 2,
      numberTestsCompleted: 1,
      numberTestErrors: 1,
    });
    const tests = out.result.details.runTestResult;
    expect(tests?.numFailures).toBe(1);
    expect(tests?.numTestsRun).toBe(2);
    expect(tests?.failures).toEqual([
      expect.objectContaining({
        name: 'ExternalAppApiTest',
        methodName: 'testCallout',
        message: 'System.AssertException: Assertion Failed: Expected: 200, Actual: 500',
        stackTrace: 'Class.ExternalAppApiTest.testCallout: line 27, column 1',
      }),
    ]);
    expect(many(tests?.successes).map((s) => s.methodName)).toEqual(['testTokenCache']);
  });

  it('lowCoverage: tests pass, a class below 75% fails the deploy with a coverage warning', async () => {
    const out = await deploy('lowCoverage');
    expect(out.result).toMatchObject({ status: 'Failed', success: false, numberTestErrors: 0 });
    const tests = out.result.details.runTestResult;
    expect(tests?.numFailures).toBe(0);
    expect(tests?.codeCoverage).toEqual([
      expect.objectContaining({
        name: 'ExternalAppApi',
        numLocations: 20,
        numLocationsNotCovered: 10,
      }),
    ]);
    expect(tests?.codeCoverageWarnings).toEqual([
      expect.objectContaining({
        name: 'ExternalAppApi',
        message:
          'Test coverage of selected Apex Class is 50%, at least 75% test coverage is required',
      }),
    ]);
  });

  it('coverage is configurable per class', async () => {
    const out = await deploy('success', RUN_SPECIFIED, {
      pollsToFinish: 1,
      coverage: [{ name: 'ExternalAppApi', numLocations: 40, numLocationsNotCovered: 2 }],
    });
    expect(out.polls).toEqual(['Pending', 'Succeeded']);
    expect(many(out.result.details.runTestResult?.codeCoverage)[0]).toMatchObject({
      numLocations: 40,
      numLocationsNotCovered: 2,
    });
  });

  it('pollServerError: one checkDeployStatus answers UNKNOWN_EXCEPTION, then it recovers', async () => {
    const out = await deploy('pollServerError');
    expect(out.errors).toEqual([
      expect.objectContaining({
        errorCode: 'sf:UNKNOWN_EXCEPTION',
        message: expect.stringContaining('UNKNOWN_EXCEPTION: An unexpected error occurred'),
      }),
    ]);
    expect(out.polls).toEqual(['Pending', 'InProgress', 'Succeeded']);
    expect(fake.requests().filter((r) => r.status === 500)).toHaveLength(1);
  });

  it('neverFinishes stays InProgress; cancelDeploy turns it Canceled', async () => {
    fake.setScenario('neverFinishes');
    const out = await inOrg<{
      polls: string[];
      cancel: { id: string; done: string };
      after: DeployResult;
    }>(
      sf,
      `
const { id } = await conn.metadata.deploy(Buffer.from(input.zip, 'base64'), { testLevel: 'NoTestRun' });
const polls = [];
for (let i = 0; i < 5; i++) polls.push((await conn.metadata.checkDeployStatus(id)).status);
const cancel = await conn.metadata.cancelDeploy(id);
const after = await conn.metadata.checkDeployStatus(id, true);
return { polls, cancel, after };`,
      { zip: zip.toString('base64') },
    );
    expect(out.polls).toEqual(['Pending', 'InProgress', 'InProgress', 'InProgress', 'InProgress']);
    // cancelDeploy has no schema in jsforce, so its fields arrive as XML text.
    expect(out.cancel).toMatchObject({ done: 'false' });
    expect(out.after).toMatchObject({ done: true, success: false, status: 'Canceled' });
    expect(out.cancel.id).toBe(out.after.id);
  });

  it('the credential API: 400 for an unknown external credential, GET a Credential (empty, then set), 201/200 once deployed', async () => {
    fake.setScenario('success', { pollsToFinish: 0 });
    const body = {
      externalCredential: 'Acme_API',
      principalName: 'AcmePrincipal',
      principalType: 'NamedPrincipal',
      authenticationProtocol: 'OAuth',
      authenticationProtocolVariant: 'ClientCredentialsClientSecretBasic',
      credentials: {
        clientId: { value: 'client-1', encrypted: false },
        clientSecret: { value: 's3cret', encrypted: true },
      },
    };
    const out = await inOrg<{
      unknown: { error?: Failure };
      created: { value?: Record<string, unknown> };
      replaced: { value?: Record<string, unknown> };
      before: { value?: Record<string, unknown> };
      after: { value?: Record<string, unknown> };
    }>(
      sf,
      `
const url = '/services/data/v' + conn.getApiVersion() + '/named-credentials/credential';
const send = (method, body) => capture(conn.request({ method, url, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }));
const unknown = await send('POST', { ...input.body, externalCredential: 'Nope_API' });
const { id } = await conn.metadata.deploy(Buffer.from(input.zip, 'base64'), { singlePackage: true });
await conn.metadata.checkDeployStatus(id);
const get = () => capture(conn.request(url + '?externalCredential=Acme_API&principalName=AcmePrincipal&principalType=NamedPrincipal'));
const before = await get();
const created = await send('POST', input.body);
const after = await get();
const replaced = await send('PUT', input.body);
return { unknown, created, replaced, before, after };`,
      { zip: zip.toString('base64'), body },
    );
    expect(out.unknown.error).toMatchObject({ errorCode: 'INVALID_INPUT' });
    expect(out.unknown.error?.message).toContain('Nope_API');
    expect(out.created.value).toMatchObject({
      externalCredential: 'Acme_API',
      principalName: 'AcmePrincipal',
      principalType: 'NamedPrincipal',
      authenticationProtocolVariant: 'ClientCredentialsClientSecretBasic',
      credentials: { clientId: { value: 'client-1', encrypted: false } },
    });
    expect(JSON.stringify(out.created.value)).not.toContain('s3cret');
    expect(out.replaced.value).toMatchObject({ externalCredential: 'Acme_API' });
    const recorded = fake.credentialRequests();
    // GET answers the documented Credential: an empty credentials map before any is set.
    expect(out.before.value).toMatchObject({
      externalCredential: 'Acme_API',
      principalName: 'AcmePrincipal',
      principalType: 'NamedPrincipal',
      credentials: {},
    });
    expect(out.after.value).toMatchObject({
      credentials: { clientId: { value: 'client-1', encrypted: false } },
    });
    expect(JSON.stringify(out.after.value)).not.toContain('s3cret');
    expect(recorded.map((c) => `${c.method} ${c.status}`)).toEqual([
      'POST 400',
      'GET 200',
      'POST 201',
      'GET 200',
      'PUT 200',
    ]);
    expect(recorded[2]?.body).toEqual(body);
  });
});

describe('fake Salesforce org (protocol-level fake): invalid sessions', () => {
  let fake: FakeOrg;
  let sf: SfHome;

  beforeAll(() => {
    ({ fake, sf } = logins.expired);
  });

  const BOTH_APIS = `
return {
  soap: await capture(conn.metadata.checkDeployStatus('0Af000000000000AAA', true)),
  rest: await capture(conn.query('SELECT Id FROM User')),
};`;

  it('sessionExpired: SOAP faults with sf:INVALID_SESSION_ID, REST answers 401 INVALID_SESSION_ID', async () => {
    fake.setScenario('sessionExpired');
    const out = await inOrg<{ soap: { error?: Failure }; rest: { error?: Failure } }>(
      sf,
      BOTH_APIS,
    );
    expect(out.soap.error).toMatchObject({
      errorCode: 'sf:INVALID_SESSION_ID',
      message: expect.stringContaining('INVALID_SESSION_ID'),
    });
    expect(out.rest.error).toMatchObject({
      errorCode: 'INVALID_SESSION_ID',
      message: 'Session expired or invalid',
    });
    const statuses = fake.requests().slice(-2);
    expect(statuses.map((r) => r.status)).toEqual([500, 401]);
  });

  it('expireSession() invalidates the stored token; a refresh-token grant issues a new one', async () => {
    fake.setScenario('success');
    fake.expireSession();
    const out = await inOrg<{ soap: { error?: Failure }; rest: { error?: Failure } }>(
      sf,
      BOTH_APIS,
    );
    expect(out.soap.error?.errorCode).toBe('sf:INVALID_SESSION_ID');
    expect(out.rest.error?.errorCode).toBe('INVALID_SESSION_ID');

    const grant = await fetch(`${fake.loginUrl}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: fake.refreshToken,
        client_id: 'PlatformCLI',
      }),
    });
    const token = (await grant.json()) as { access_token: string; instance_url: string };
    expect(grant.status).toBe(200);
    expect(token.instance_url).toBe(fake.instanceUrl);
    const limits = await fetch(`${fake.instanceUrl}/services/data/v66.0/limits`, {
      headers: { authorization: `Bearer ${token.access_token}` },
    });
    expect(limits.status).toBe(200);
  });
});

describe('fake Salesforce org (protocol-level fake): a refresh-token login renews expired sessions', () => {
  let fake: FakeOrg;
  let sf: SfHome;

  beforeAll(() => {
    ({ fake, sf } = logins.renewing);
  });

  it('@salesforce/core renews the session on a REST 401 and on a SOAP INVALID_SESSION_ID fault', async () => {
    const grants = (): number =>
      fake.requests().filter((r) => r.path === '/services/oauth2/token').length;
    // The login itself was a refresh-token grant.
    expect(grants()).toBe(1);
    fake.expireSession();
    const out = await inOrg<{ users: number }>(
      sf,
      `
const users = (await conn.query('SELECT Id FROM User')).totalSize;
return { users };`,
    );
    expect(out.users).toBe(1);
    expect(grants()).toBe(2);

    // The connection src/deploy uses (core's own, with core's refresh) on the Metadata API.
    fake.expireSession();
    fake.setScenario('success', { pollsToFinish: 0 });
    const soap = await inOrg<{ status: string }>(
      sf,
      `
const { id } = await conn.metadata.deploy(Buffer.from(input.zip, 'base64'), {});
return { status: (await conn.metadata.checkDeployStatus(id)).status };`,
      { zip: testZip().toString('base64') },
    );
    expect(soap.status).toBe('Succeeded');
    expect(grants()).toBe(3);
    const deployCalls = fake.requests().filter((r) => r.soapMethod === 'deploy');
    expect(deployCalls.map((r) => r.status)).toEqual([500, 200]);
  });
});

describe('fake Salesforce org (protocol-level fake): a Dev Hub', () => {
  it('answers the ScratchOrgInfo probe only with devHub; a signup without scratchOrg ends in Error S-9999', async () => {
    const { fake: hub, sf } = logins.hub;
    const plain = await startFakeOrg();
    try {
      const probe = (org: FakeOrg) =>
        fetch(
          `${org.instanceUrl}/services/data/v51.0/query?q=SELECT+Id+FROM+ScratchOrgInfo+limit+1`,
          {
            headers: { Authorization: `Bearer ${org.accessToken}` },
          },
        ).then(async (r) => ({ status: r.status, body: (await r.json()) as unknown }));
      expect(await probe(plain)).toMatchObject({
        status: 400,
        body: [{ errorCode: 'INVALID_TYPE' }],
      });
      expect(await probe(hub)).toMatchObject({ status: 200, body: { totalSize: 0 } });
      const out = await inOrg<{ isHub: boolean; create: { error?: Failure } }>(
        sf,
        `return {
  isHub: await org.determineIfDevHubOrg(true),
  create: await capture(org.scratchOrgCreate({ orgConfig: { edition: 'Developer' }, nonamespace: true })),
};`,
      );
      expect(out.isHub).toBe(true);
      expect(out.create.error).toMatchObject({
        name: 'RemoteOrgSignupFailed',
        message: expect.stringContaining('fatal signup error'),
      });
      expect(
        hub
          .requests()
          .filter((r) => r.method === 'POST' && r.path.endsWith('/sobjects/ScratchOrgInfo')),
      ).toHaveLength(1);
    } finally {
      await plain.close();
    }
  });
});
