import { spawn } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOrg, unzip, type FakeOrg } from '../servers/fakeOrg.ts';
import { createSfHome, TEST_COMPILE_CACHE } from '../helpers/sfAuth.ts';
import { BIN, parseJson } from '../helpers/cli.ts';
import { deploy, org, project, SECRETS, sf, useDeployFixture } from '../helpers/deployFixture.ts';

/**
 * callout deploy without a login, Ctrl-C (a child process, for the signal), and scratch orgs on a
 * fake Dev Hub (protocol-level fakes, not Salesforce; a child process where the Dev Hub's login
 * lives in another HOME: @salesforce/core fixes its HOME when it loads). The other deploy tests
 * are in deploy.test.ts.
 */
useDeployFixture();

/**
 * A fake org that is not a Dev Hub, logged in as "plain" (not the default) in the fixture's sf
 * home: the deploy that names it runs in this process. Written before any test: core reads the
 * logins and aliases once, when the first deploy asks for them.
 */
let plain: FakeOrg;
beforeAll(async () => {
  plain = await startFakeOrg({ username: 'plain@callout-kit.test' });
  await createSfHome(plain, {
    home: sf.home,
    alias: 'plain',
    setDefault: false,
    inProcess: true,
  });
});
afterAll(() => plain?.close());

describe('callout deploy without a login, and Ctrl-C (in a child process)', () => {
  it('says how to log in when there is no sf login for the org', async () => {
    // In this process: the fixture's sf home has no login named nobody (doctor.test.ts runs a
    // HOME with no login at all in a child process).
    const dir = await project();
    const result = await deploy(dir, ['--target-org', 'nobody', '--json']);
    expect(result.code).toBe(9);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'ORG_LOGIN_MISSING',
      actions: expect.arrayContaining([expect.stringContaining('sf org login web --alias nobody')]),
    });
  });

  it('Ctrl-C cancels the deploy in the org', async () => {
    const dir = await project();
    org.setScenario('neverFinishes');
    const child = spawn(
      process.execPath,
      [BIN, 'deploy', '--skip-compile-check', '--skip-verify', '--allow-unreachable-endpoints'],
      {
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          NO_COLOR: '1',
          NODE_COMPILE_CACHE: TEST_COMPILE_CACHE,
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
    // The fixture's sf home has a target-org but no target-dev-hub.
    const result = await deploy(dir, ['--scratch', '--skip-verify', '--json']);
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

  it('says plainly that an org given as --target-dev-hub is not a Dev Hub, and what to do', async () => {
    // A fake org that is not a Dev Hub: its ScratchOrgInfo probe answers INVALID_TYPE, as an org does.
    const dir = await project();
    const result = await deploy(dir, [
      '--scratch',
      '--target-dev-hub',
      'plain',
      '--skip-verify',
      '--json',
    ]);
    expect(result.code).toBe(9);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'ORG_NOT_DEV_HUB',
      message: expect.stringContaining('is not a Dev Hub'),
      actions: [expect.stringContaining('--target-dev-hub')],
    });
    expect(
      plain.requests().filter((r) => r.method === 'POST' && /ScratchOrgInfo/.test(r.path)),
    ).toEqual([]);
  });

  it('creates a scratch org on a fake Dev Hub, deploys to it and deletes it with --delete-after', async () => {
    // Two fakes: the Dev Hub, and the org its ScratchOrgInfo signup "creates" (core logs in to it
    // with the signup's AuthCode, then callout-kit deploys there through that stored login).
    const scratch = await startFakeOrg({
      username: 'scratch@callout-kit.test',
      toolingRecords: { SourceMember: [] },
      // The final status at the first check: core polls the settings deploy once a second.
      defaultPollsToFinish: 0,
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
