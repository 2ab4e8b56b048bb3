import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import {
  buildDeployPackage,
  connectOrg,
  deployPackage,
  type Clock,
  type DeployPackage,
  type DeployRequest,
  type OrgConnection,
} from '../../src/deploy/index.ts';
import { CANARY_SECRET, canaryForms } from '../helpers/fixtures.ts';
import { createSfHome, type SfHome } from '../helpers/sfAuth.ts';
import { startFakeOrg, unzip, type FakeOrg } from '../servers/fakeOrg.ts';

/**
 * deployPackage in this process, through the real @salesforce/core login lookup and SDR's deploy,
 * against the protocol-level fake org (not Salesforce). core fixes its ~/.sf and ~/.sfdx paths
 * from os.homedir() when it first loads, so HOME points at the temporary sf home before this
 * file loads core (a vitest fork per file keeps that from other files).
 */
const REPO = resolve(import.meta.dirname, '../..');
let org: FakeOrg;
/** A second org whose login holds a refresh token, as a web login leaves it. */
let renewing: FakeOrg;
let sf: SfHome;
let connection: OrgConnection;
let pkg: DeployPackage;
const savedEnv = { ...process.env };

beforeAll(async () => {
  [org, renewing] = await Promise.all([
    startFakeOrg(),
    startFakeOrg({ username: 'renewing@callout-kit.test' }),
  ]);
  sf = await createSfHome(org, { alias: 'in-process', inProcess: true });
  await createSfHome(renewing, {
    alias: 'renewing',
    login: 'refreshToken',
    setDefault: false,
    home: sf.home,
    inProcess: true,
  });
  Object.assign(process.env, sf.env);
  const config = parseConfig(
    JSON.parse(await readFile(join(REPO, 'examples/externalapp/callout.config.json'), 'utf8')),
  );
  [connection, pkg] = await Promise.all([
    connectOrg('in-process', '64.0'),
    buildDeployPackage({
      packageDir: join(REPO, 'force-app/main/default'),
      apiVersion: '64.0',
      config,
      secrets: new Map([['ExternalAppStage', new Secret(CANARY_SECRET)]]),
    }),
  ]);
}, 60_000);

afterAll(async () => {
  process.env = savedEnv;
  await Promise.all([org?.close(), renewing?.close(), sf?.remove()]);
});

const request: DeployRequest = {
  checkOnly: false,
  testLevel: 'RunSpecifiedTests',
  runTests: ['ExternalAppTokenServiceTest', 'ExternalAppApiTest'],
  waitMinutes: 1,
  projectRoot: REPO,
};

describe('deployPackage against the fake org, in process', () => {
  it('sends the set with our deploy options, reports progress, and the secret is only in its record', async () => {
    org.setScenario('success');
    const before = org.deploys().length;
    const progress: string[] = [];
    const report = await deployPackage(connection, pkg.componentSet, request, {
      onProgress: (p) => progress.push(p.status),
    });
    expect(report).toMatchObject({ success: true, status: 'Succeeded', tests: { run: 2 } });
    expect(progress).toEqual(['Pending', 'InProgress', 'Succeeded']);
    const sent = org.deploys()[before]!;
    expect(sent.options).toMatchObject({
      checkOnly: false,
      testLevel: 'RunSpecifiedTests',
      runTests: request.runTests,
      rollbackOnError: true,
      singlePackage: true,
    });
    const holding = [...unzip(sent.zip)]
      .filter(([, data]) => canaryForms(CANARY_SECRET).some((f) => data.toString().includes(f)))
      .map(([name]) => name);
    expect(holding).toEqual(['customMetadata/ExternalAppService.ExternalAppStage.md']);
  });

  it('maps a component failure the org reports to the source file, line and column', async () => {
    org.setScenario('componentFailure', {
      componentFailure: {
        fileName: 'classes/ExternalAppApi.cls',
        fullName: 'ExternalAppApi',
        lineNumber: 12,
        columnNumber: 5,
        problem: 'Variable does not exist: x',
      },
    });
    const report = await deployPackage(connection, pkg.componentSet, request);
    expect(report.componentFailures).toEqual([
      {
        type: 'ApexClass',
        fullName: 'ExternalAppApi',
        file: 'force-app/main/default/classes/ExternalAppApi.cls',
        line: 12,
        column: 5,
        problem: 'Variable does not exist: x',
      },
    ]);
  });

  it('cancels the deploy in the org when aborted', async () => {
    org.setScenario('neverFinishes');
    const controller = new AbortController();
    const report = await deployPackage(connection, pkg.componentSet, request, {
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(report.status).toBe('Canceled');
    expect(org.requests().filter((r) => r.soapMethod === 'cancelDeploy')).toHaveLength(1);
  });

  it('stops at --wait by the injected clock, with the job id', async () => {
    org.setScenario('neverFinishes');
    let now = 0;
    const clock: Clock = {
      now: () => now,
      sleep: (ms) => {
        now += ms;
        return Promise.resolve();
      },
    };
    const error = await deployPackage(connection, pkg.componentSet, request, { clock }).catch(
      (e: unknown) => e,
    );
    const id = org.deploys().at(-1)!.id;
    expect(error).toMatchObject({ name: 'DEPLOY_TIMEOUT', data: { id } });
    expect(now).toBe(60_000);
  });

  it('renews an expired session with the refresh token through core, and deploys', async () => {
    const target = await connectOrg('renewing', '64.0');
    const grants = () =>
      renewing.requests().filter((r) => r.path === '/services/oauth2/token').length;
    const before = grants();
    renewing.expireSession();
    const report = await deployPackage(target, pkg.componentSet, request);
    expect(report.success).toBe(true);
    expect(grants()).toBe(before + 1);
    // The refused call, then the same call again with the new session.
    const soap = renewing.requests().filter((r) => r.soapMethod === 'deploy');
    expect(soap.map((r) => r.status)).toEqual([500, 200]);
  });

  it('reports an expired session that cannot be renewed as ORG_SESSION_EXPIRED', async () => {
    org.setScenario('sessionExpired');
    try {
      await expect(deployPackage(connection, pkg.componentSet, request)).rejects.toMatchObject({
        name: 'ORG_SESSION_EXPIRED',
      });
    } finally {
      org.setScenario('success');
    }
  });
});
