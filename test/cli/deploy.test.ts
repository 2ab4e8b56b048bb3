import { spawn } from 'node:child_process';
import { access, cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOrg, unzip, type FakeOrg } from '../servers/fakeOrg.ts';
import { startFaultServer, type FaultServer } from '../servers/index.ts';
import { createSfHome, type SfHome } from '../helpers/sfAuth.ts';
import { BIN, parseJson, runCli } from '../helpers/cli.ts';
import { preloadDeployLibraries } from '../../src/deploy/index.ts';
import { CANARY_SECRET, canaryForms } from '../helpers/fixtures.ts';

/**
 * callout deploy end to end: the real CLI, the real @salesforce/core login lookup (a temporary HOME
 * holding an sf login), source-deploy-retrieve's deploy on core's connection, against a protocol-level fake org (not
 * Salesforce) and the fault server as the partner's token endpoint and API.
 */
let org: FakeOrg;
let faults: FaultServer;
let sf: SfHome;

const savedEnv = { ...process.env };

beforeAll(async () => {
  [org, faults] = await Promise.all([startFakeOrg(), startFaultServer()]);
  org.setRecords('PermissionSet', [{ Id: '0PS000000000001', Name: 'Vault_Callout' }]);
  sf = await createSfHome(org, { alias: 'fake' });
  // Deploys run in this process: @salesforce/core fixes its ~/.sf from HOME when it first loads,
  // so HOME is the temporary sf home before any deploy (a vitest fork per file keeps it here).
  Object.assign(process.env, sf.env);
  // Loaded once, up front: no test pays for loading core and source-deploy-retrieve.
  await preloadDeployLibraries();
});

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
  await Promise.all([org?.close(), faults?.close(), sf?.remove()]);
});

const SECRETS = {
  PARTNER_STAGE: CANARY_SECRET,
  PARTNER_PROD: 'prod-secret-value-42',
  VAULT_SECRET: 'vault0secret0plain',
};

type Mode = 'customMetadata' | 'externalCredential';
const generated = new Map<Mode, Promise<string>>();

/** A fresh copy of a generated project (generated once per mode: one CLI run less per test). */
async function project(mode: Mode = 'customMetadata'): Promise<string> {
  if (!generated.has(mode)) generated.set(mode, generateProject(mode));
  const dir = await mkdtemp(join(tmpdir(), 'callout-deploy-'));
  await cp(await generated.get(mode)!, dir, { recursive: true });
  return dir;
}

/** A generated project whose token endpoints and APIs are the fault server's good routes. */
async function generateProject(mode: Mode): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-deploy-generated-'));
  const service = (env: string, clientAuth: string) => ({
    tokenUrl: faults.url('/ok'),
    apiBaseUrl: faults.url('/api'),
    clientId: 'client-1',
    clientSecret: { env },
    clientAuth,
    probe: { method: 'GET', path: '/ok' },
  });
  const config =
    mode === 'customMetadata'
      ? {
          prefix: 'Partner',
          apiVersion: '64.0',
          services: {
            PartnerStage: service('PARTNER_STAGE', 'basic'),
            PartnerProd: service('PARTNER_PROD', 'body'),
          },
        }
      : {
          prefix: 'Vault',
          apiVersion: '64.0',
          secretStorage: 'externalCredential',
          services: { VaultBasic: service('VAULT_SECRET', 'basic') },
        };
  await writeFile(join(dir, 'callout.config.json'), JSON.stringify(config, null, 2));
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }] }),
  );
  const result = await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], {
    cwd: dir,
  });
  if (result.code !== 0) throw new Error(`generate failed:\n${result.stdout}\n${result.stderr}`);
  return dir;
}

/**
 * Runs deploy (the generated tests' local run is skipped unless a test asks for it; it has tests
 * of its own); every run, success or failure, is checked for the secrets in every form (canary).
 * In this process with the file's sf home; in a child process for another HOME (no login).
 */
async function deploy(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = sf.env) {
  const localTests = args.includes('--run-apex-tests');
  const result = await runCli(
    [
      'deploy',
      '--skip-compile-check',
      ...(localTests ? [] : ['--skip-apex-tests']),
      ...args.filter((a) => a !== '--run-apex-tests'),
    ],
    {
      cwd: dir,
      spawn: env !== sf.env,
      env: { ...env, ...SECRETS, XDG_CACHE_HOME: join(dir, '.cache') },
    },
  );
  expectNoSecret(result.stdout + result.stderr);
  return result;
}

/** The sf environment with an empty HOME: no login at all. */
async function noLoginEnv(): Promise<NodeJS.ProcessEnv> {
  const home = await mkdtemp(join(tmpdir(), 'callout-empty-home-'));
  return { ...sf.env, HOME: home, USERPROFILE: home };
}

function expectNoSecret(text: string) {
  for (const form of [...canaryForms(CANARY_SECRET), SECRETS.PARTNER_PROD, SECRETS.VAULT_SECRET])
    expect(text).not.toContain(form);
}

describe('callout deploy against a protocol-level fake org', () => {
  it('verifies, deploys with the generated tests, and reports components, tests and coverage', async () => {
    const dir = await project();
    org.setScenario('success');
    const before = org.deploys().length;
    const result = await deploy(dir, ['--target-org', 'fake', '--json']);
    expect(result.code).toBe(0);
    const json = parseJson(result.stdout) as {
      result: {
        success: boolean;
        targetOrg: string;
        tests: { run: number };
        coverage: Array<{ className: string; percent: number }>;
      };
    };
    expect(json.result).toMatchObject({ success: true, targetOrg: sf.username });
    expect(json.result.tests.run).toBeGreaterThan(0);
    expect(json.result.coverage.map((c) => c.className)).toEqual(
      expect.arrayContaining(['PartnerTokenService', 'PartnerApiClient']),
    );
    const sent = org.deploys()[before]!;
    expect(sent.options).toMatchObject({
      testLevel: 'RunSpecifiedTests',
      runTests: ['PartnerTokenServiceTest', 'PartnerApiClientTest'],
      checkOnly: false,
    });
    // Verify ran against the partner before the deploy.
    expect(faults.requests().some((r) => r.url === '/ok')).toBe(true);
    expectNoSecret(result.stdout + result.stderr);
  });

  it('runs the generated tests locally first; an Apex problem there stops the deploy before the org', async () => {
    const dir = await project();
    // A class of the user's that does not parse: the local run loads every class of the package.
    await writeFile(
      join(dir, 'force-app/main/default/classes/Mine.cls'),
      'public class Mine { void m( }',
    );
    const before = org.deploys().length;
    const result = await deploy(dir, ['--run-apex-tests', '--skip-verify', '--json']);
    expect(result.code).toBe(19);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'APEX_PARSE',
      message: expect.stringContaining('Mine.cls'),
    });
    expect(org.deploys().length).toBe(before);
  });

  it('runs the generated tests locally and reports them before deploying', async () => {
    const dir = await project();
    org.setScenario('success');
    const result = await deploy(dir, ['--run-apex-tests', '--skip-verify']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/\d+ generated Apex tests pass locally \(coverage \d+%\)/);
  });

  it('puts each secret into its record inside the deployed zip only', async () => {
    const dir = await project();
    org.setScenario('success');
    const before = org.deploys().length;
    expect((await deploy(dir)).code).toBe(0);
    const holding: string[] = [];
    for (const [name, data] of unzip(org.deploys()[before]!.zip)) {
      const text = data.toString('utf8');
      if (
        canaryForms(CANARY_SECRET).some((form) => text.includes(form)) ||
        text.includes(SECRETS.PARTNER_PROD)
      )
        holding.push(name.replace(/^unpackaged\//, ''));
    }
    expect(holding.sort()).toEqual([
      'customMetadata/PartnerService.PartnerProd.md',
      'customMetadata/PartnerService.PartnerStage.md',
    ]);
    const onDisk = await readFile(
      join(dir, 'force-app/main/default/customMetadata/PartnerService.PartnerStage.md-meta.xml'),
      'utf8',
    );
    expect(onDisk).not.toContain(CANARY_SECRET);
  });

  it('reports a component failure with its force-app file and line, exit 8', async () => {
    const dir = await project();
    org.setScenario('componentFailure', {
      componentFailure: {
        fileName: 'classes/PartnerApiClient.cls',
        fullName: 'PartnerApiClient',
        lineNumber: 12,
        columnNumber: 5,
        problem: 'Variable does not exist: x',
      },
    });
    const result = await deploy(dir);
    expect(result.code).toBe(8);
    expect(result.stdout).toContain('force-app/main/default/classes/PartnerApiClient.cls:12:5');
    expect(result.stdout).toContain('Variable does not exist: x');
    expect(result.stderr).toContain('DEPLOY_FAILED');
  });

  it('reports a failing test with its message and stack, exit 8', async () => {
    const dir = await project();
    org.setScenario('testFailure');
    const result = await deploy(dir, ['--json']);
    expect(result.code).toBe(8);
    const json = parseJson(result.stdout) as {
      name: string;
      data: { testFailures: Array<{ className: string; message: string }> };
    };
    expect(json.name).toBe('DEPLOY_FAILED');
    expect(json.data.testFailures[0]).toMatchObject({
      className: expect.any(String),
      message: expect.any(String),
    });
  });

  it('fails on coverage below 75%, exit 8', async () => {
    const dir = await project();
    org.setScenario('lowCoverage');
    const result = await deploy(dir);
    expect(result.code).toBe(8);
    expect(result.stdout).toMatch(/at least 75% test coverage is required/);
  });

  it('rides out a server error while polling', async () => {
    const dir = await project();
    org.setScenario('pollServerError');
    expect((await deploy(dir)).code).toBe(0);
  });

  it('stops waiting after --wait and says how to follow the deploy', async () => {
    const dir = await project();
    org.setScenario('neverFinishes');
    // 0.01 minutes: the clock is real in a spawned CLI; test/deploy covers --wait with a fake one.
    const result = await deploy(dir, ['--wait', '0.01', '--json']);
    expect(result.code).toBe(8);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'DEPLOY_TIMEOUT',
      actions: [expect.stringContaining('sf project deploy report --job-id')],
    });
  });

  it('says how to log in when there is no sf login', async () => {
    const dir = await project();
    const result = await deploy(dir, ['--target-org', 'nobody', '--json'], await noLoginEnv());
    expect(result.code).toBe(9);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'ORG_LOGIN_MISSING',
      actions: expect.arrayContaining([expect.stringContaining('sf org login web --alias nobody')]),
    });
  });

  it('reports an invalid session, exit 9', async () => {
    const dir = await project();
    org.setScenario('sessionExpired');
    const result = await deploy(dir, ['--json']);
    org.setScenario('success');
    expect(result.code).toBe(9);
    expect(parseJson(result.stdout)).toMatchObject({ name: 'ORG_SESSION_EXPIRED' });
  });

  it('refuses to deploy generated source that differs from the config', async () => {
    const dir = await project();
    const file = join(dir, 'force-app/main/default/classes/PartnerApiClient.cls');
    await writeFile(file, `${await readFile(file, 'utf8')}// edit\n`);
    const result = await deploy(dir, ['--json']);
    expect(result.code).toBe(5);
    expect(parseJson(result.stdout)).toMatchObject({ name: 'GENERATE_OUT_OF_DATE' });
  });

  it('externalCredential mode: secret only through the credentials API, never in the zip; permission set assigned', async () => {
    const dir = await project('externalCredential');
    org.setScenario('success');
    const before = org.deploys().length;
    const credentialsBefore = org.credentialRequests().length;
    const result = await deploy(dir, ['--json']);
    expect(result.code).toBe(0);
    const texts = [...unzip(org.deploys()[before]!.zip).values()].map((data) =>
      data.toString('utf8'),
    );
    expect(texts.filter((text) => text.includes(SECRETS.VAULT_SECRET))).toEqual([]);
    const sent = org.credentialRequests().slice(credentialsBefore);
    expect(sent.length).toBeGreaterThan(0);
    expect(JSON.stringify(sent.at(-1)?.body)).toContain(SECRETS.VAULT_SECRET);
    expect(parseJson(result.stdout)).toMatchObject({
      result: { credentials: [{ service: 'VaultBasic' }] },
    });
    expect(result.stdout + result.stderr).not.toContain(SECRETS.VAULT_SECRET);
  });

  it('Ctrl-C cancels the deploy in the org', async () => {
    const dir = await project();
    org.setScenario('neverFinishes');
    const child = spawn(
      process.execPath,
      [BIN, 'deploy', '--skip-compile-check', '--skip-verify'],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          NO_COLOR: '1',
          ...sf.env,
          ...SECRETS,
          XDG_CACHE_HOME: join(dir, '.cache'),
        },
      },
    );
    let stderr = '';
    const code = await new Promise<number | null>((done) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('InProgress') && !child.killed) child.kill('SIGINT');
      });
      child.on('close', done);
    });
    org.setScenario('success');
    expect(stderr).toContain('canceling the deploy in the org');
    expect(org.requests().some((r) => r.soapMethod === 'cancelDeploy')).toBe(true);
    expect(code).toBe(8);
  });
});

describe('callout deploy --scratch (a fake Dev Hub and a fake scratch org: protocol-level fakes, not Salesforce)', () => {
  it('writes a default definition with the PlatformCache feature, then asks for a Dev Hub login', async () => {
    const dir = await project();
    const result = await deploy(dir, ['--scratch', '--skip-verify', '--json'], await noLoginEnv());
    expect(result.code).toBe(9);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'ORG_LOGIN_MISSING',
      actions: [expect.stringContaining('--set-default-dev-hub')],
    });
    const definition = JSON.parse(
      await readFile(join(dir, 'config/callout-scratch-def.json'), 'utf8'),
    ) as { features: string[]; edition: string };
    expect(definition).toMatchObject({ edition: 'Developer', features: ['PlatformCache'] });
  });

  it('refuses a definition without PlatformCache, and --scratch with --target-org', async () => {
    const dir = await project();
    await writeFile(join(dir, 'def.json'), JSON.stringify({ edition: 'Developer', features: [] }));
    const noCache = await deploy(dir, [
      '--scratch',
      '--definition-file',
      'def.json',
      '--skip-verify',
      '--json',
    ]);
    expect(noCache.code).toBe(2);
    expect(parseJson(noCache.stdout)).toMatchObject({
      name: 'USAGE',
      message: expect.stringContaining('PlatformCache'),
    });
    const both = await deploy(dir, [
      '--scratch',
      '--target-org',
      'fake',
      '--skip-verify',
      '--json',
    ]);
    expect(both.code).toBe(2);
  });

  it('creates a scratch org on a fake Dev Hub, deploys to it and deletes it with --delete-after', async () => {
    // Two fakes: the Dev Hub, and the org its ScratchOrgInfo signup "creates" (core logs in to it
    // with the signup's AuthCode, then callout-kit deploys there through that stored login).
    const scratch = await startFakeOrg({
      username: 'scratch@callout-kit.test',
      toolingRecords: { SourceMember: [] },
    });
    const hub = await startFakeOrg({
      username: 'hub@callout-kit.test',
      devHub: true,
      scratchOrg: scratch,
    });
    const hubHome = await createSfHome(hub, { alias: 'hub', setDefault: false, devHub: true });
    try {
      const dir = await project();
      const result = await deploy(
        dir,
        ['--scratch', '--delete-after', '--skip-verify', '--json'],
        hubHome.env,
      );
      // On failure the diff shows the error JSON and core's messages.
      expect({ code: result.code, output: result.stdout + result.stderr }).toMatchObject({
        code: 0,
      });
      const json = parseJson(result.stdout) as {
        result: { targetOrg: string; scratchOrg: { username: string; open: string } };
      };
      expect(json.result.scratchOrg).toMatchObject({
        username: scratch.username,
        open: `sf org open --target-org ${scratch.username}`,
        deleted: true,
      });
      expect(json.result.targetOrg).toBe(scratch.username);
      // The signup on the hub, the authorization-code login to the new org, the package deploy there.
      const signups = hub
        .requests()
        .filter((r) => r.method === 'POST' && /\/sobjects\/ScratchOrgInfo$/.test(r.path));
      expect(signups.map((r) => r.status)).toEqual([201]);
      const packageDeploy = scratch
        .deploys()
        .find((d) => d.options.runTests.includes('PartnerTokenServiceTest'));
      expect(packageDeploy?.options).toMatchObject({
        testLevel: 'RunSpecifiedTests',
        checkOnly: false,
      });
      expect(hub.deploys()).toEqual([]);
      // The definition's settings block (the default definition has one): core deploys it to the
      // new org first, as a settings package without tests.
      const settingsDeploy = scratch.deploys()[0]!;
      expect(settingsDeploy.options.runTests).toEqual([]);
      const settingsFiles = [...unzip(settingsDeploy.zip).keys()];
      expect(settingsFiles).toContainEqual(
        expect.stringMatching(/\/settings\/LightningExperience\.settings$/),
      );
      // --delete-after: the ActiveScratchOrg record deleted on the hub.
      const deletes = hub
        .requests()
        .filter((r) => r.method === 'DELETE' && /\/sobjects\/ActiveScratchOrg\/\w+$/.test(r.path));
      expect(deletes.map((r) => r.status)).toEqual([204]);
      expect(result.stderr).not.toContain('could not be deleted');
      // core removed the scratch org's local login too.
      await expect(
        access(join(hubHome.home, '.sfdx', `${scratch.username}.json`)),
      ).rejects.toThrow();
      expect(await readFile(join(hubHome.home, '.sfdx', `${hub.username}.json`), 'utf8')).toContain(
        '"isDevHub": true',
      );
    } finally {
      await Promise.all([scratch.close(), hub.close(), hubHome.remove()]);
    }
  }, 60_000);
});
