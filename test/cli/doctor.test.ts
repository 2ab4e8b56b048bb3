import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOrg, type FakeOrg } from '../servers/fakeOrg.ts';
import { createSfHome, type SfHome } from '../helpers/sfAuth.ts';
import { parseJson, runCli } from '../helpers/cli.ts';
import { preloadDeployLibraries } from '../../src/deploy/index.ts';
import { CANARY_ENV, CANARY_SECRET, canaryForms, exampleConfig } from '../helpers/fixtures.ts';

/** callout doctor against a protocol-level fake org (not Salesforce), through the real sf login lookup. */
let org: FakeOrg;
let sf: SfHome;

beforeAll(async () => {
  org = await startFakeOrg({
    toolingRecords: {
      RemoteProxy: [{ Id: '0rp000000000001', SiteName: 'ExternalApp_ExternalAppStage_Token' }],
    },
  });
  org.setRecords('UserPermissionAccess', [
    { PermissionsAuthorApex: true, PermissionsCustomizeApplication: true },
  ]);
  sf = await createSfHome(org, { alias: 'fake', inProcess: true });
  // doctor runs in this process: @salesforce/core fixes its ~/.sf from HOME when it first loads.
  Object.assign(process.env, sf.env);
  await preloadDeployLibraries();
});

afterAll(async () => {
  await Promise.all([org?.close(), sf?.remove()]);
});

async function project(apiVersion = '64.0'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-doctor-'));
  await writeFile(
    join(dir, 'callout.config.json'),
    JSON.stringify({ ...exampleConfig(), apiVersion }),
  );
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }] }),
  );
  return dir;
}

type Checks = Array<{ id: string; status: string; message: string; action?: string }>;

async function doctor(dir: string, env: NodeJS.ProcessEnv, args: string[] = []) {
  const result = await runCli(['doctor', '--json', ...args], {
    cwd: dir,
    spawn: env !== sf.env,
    env: { ...env, [CANARY_ENV]: CANARY_SECRET, XDG_CACHE_HOME: join(dir, '.cache') },
  });
  for (const form of canaryForms(CANARY_SECRET))
    expect(result.stdout + result.stderr).not.toContain(form);
  return result;
}

describe('callout doctor', () => {
  it('checks the local setup and the org, with an action for each problem', async () => {
    const dir = await project();
    const result = await doctor(dir, sf.env);
    expect(result.code).toBe(0);
    const checks = (parseJson(result.stdout).result as { checks: Checks }).checks;
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    expect(byId.node?.status).toBe('pass');
    expect(byId['apex.runtime']).toMatchObject({
      status: 'pass',
      message: expect.stringContaining('callout test and callout apex run work'),
    });
    expect(byId['secret.ExternalAppStage']?.status).toBe('pass');
    expect(byId.generated).toMatchObject({ status: 'warn', action: 'Run `callout generate`.' });
    expect(byId['org.apiVersion']?.status).toBe('pass');
    expect(byId['org.cache']).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('Developer Edition'),
    });
    expect(byId['org.partition']?.status).toBe('warn');
    expect(byId['org.remoteSites']).toMatchObject({
      status: 'warn',
      message: 'Remote site settings not in the org yet: ExternalApp_ExternalAppStage_Api.',
    });
    expect(byId['org.user']?.status).toBe('pass');
    expect(byId['org.canDeploy']?.status).toBe('pass');
  });

  it('fails on an API version the org does not support', async () => {
    const dir = await project('99.0');
    const result = await doctor(dir, sf.env);
    expect(result.code).toBe(18);
    const json = parseJson(result.stdout) as { name: string; data: { checks: Checks } };
    expect(json.name).toBe('DOCTOR_FAILED');
    expect(json.data.checks.find((c) => c.id === 'org.apiVersion')).toMatchObject({
      status: 'fail',
      action: expect.stringContaining('"apiVersion"'),
    });
  });

  it('fails when the user may not deploy Apex', async () => {
    org.setRecords('UserPermissionAccess', [
      { PermissionsAuthorApex: false, PermissionsCustomizeApplication: true },
    ]);
    const result = await doctor(await project(), sf.env);
    org.setRecords('UserPermissionAccess', [
      { PermissionsAuthorApex: true, PermissionsCustomizeApplication: true },
    ]);
    expect(result.code).toBe(18);
    const checks = (parseJson(result.stdout) as { data: { checks: Checks } }).data.checks;
    expect(checks.find((c) => c.id === 'org.canDeploy')).toMatchObject({
      status: 'fail',
      action: expect.stringContaining('Author Apex'),
    });
  });

  it("reports the org's Platform Cache: what others hold, what is free, what the partition asks", async () => {
    org.setOrganization({ OrganizationType: 'Enterprise Edition' });
    org.setCache({ partitions: [{ name: 'Other', organizationMb: 6, sessionMb: 3 }] });
    try {
      const result = await doctor(await project(), sf.env);
      const checks = (parseJson(result.stdout).result as { checks: Checks }).checks;
      expect(checks.find((c) => c.id === 'org.cache')).toMatchObject({
        status: 'pass',
        message: expect.stringMatching(
          /at least 10 MB .*9 MB held by other partitions \(Other 9 MB\), so at least 1 MB free; partition ExternalApp asks for 1 MB/,
        ),
      });
      org.setCache({ partitions: [{ name: 'Other', organizationMb: 10 }] });
      const full = await doctor(await project(), sf.env);
      const fullChecks = (parseJson(full.stdout).result as { checks: Checks }).checks;
      expect(fullChecks.find((c) => c.id === 'org.cache')).toMatchObject({
        status: 'warn',
        message: expect.stringContaining('down to 0 MB'),
        action: expect.stringContaining('Setup > Platform Cache'),
      });
    } finally {
      org.setOrganization({ OrganizationType: 'Developer Edition' });
      org.setCache({});
    }
  });

  it("shows the org's answers terminal-safe (a partition name with an escape sequence)", async () => {
    org.setOrganization({ OrganizationType: 'Enterprise Edition' });
    org.setCache({ partitions: [{ name: 'Evil\u001b[2J', organizationMb: 2 }] });
    try {
      const dir = await project();
      const result = await runCli(['doctor'], {
        cwd: dir,
        env: { ...sf.env, [CANARY_ENV]: CANARY_SECRET, XDG_CACHE_HOME: join(dir, '.cache') },
      });
      expect(result.stdout).toContain('Evil\\e[2J');
      expect(result.stdout + result.stderr).not.toContain('\u001b');
    } finally {
      org.setOrganization({ OrganizationType: 'Developer Edition' });
      org.setCache({});
    }
  });

  it('without an org, runs the local checks, skips the org ones with a note, and passes', async () => {
    const dir = await project();
    const home = await mkdtemp(join(tmpdir(), 'callout-empty-home-'));
    const result = await doctor(dir, { ...sf.env, HOME: home, USERPROFILE: home });
    expect(result.code).toBe(0);
    const checks = (parseJson(result.stdout).result as { checks: Checks }).checks;
    expect(checks.find((c) => c.id === 'node')?.status).toBe('pass');
    expect(checks.filter((c) => c.id.startsWith('org'))).toEqual([
      expect.objectContaining({
        id: 'org',
        status: 'skip',
        message: expect.stringContaining('org checks were skipped'),
        action: expect.stringContaining('callout doctor --target-org'),
      }),
    ]);
  }, 30_000);

  it('fails when the org named has no sf login, and says how to log in', async () => {
    // In this process: the sf home has no login named nobody (the test above has none at all).
    const dir = await project();
    const result = await doctor(dir, sf.env, ['--target-org', 'nobody']);
    expect(result.code).toBe(18);
    const checks = (parseJson(result.stdout) as { data: { checks: Checks } }).data.checks;
    expect(checks.find((c) => c.id === 'org.login')).toMatchObject({
      status: 'fail',
      action: expect.stringContaining('sf org login web'),
    });
  }, 30_000);
});
