import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unzip } from '../servers/fakeOrg.ts';
import { parseJson } from '../helpers/cli.ts';
import { CANARY_SECRET, canaryForms } from '../helpers/fixtures.ts';
import {
  deploy,
  expectNoSecret,
  faults,
  org,
  project,
  SECRETS,
  sf,
  useDeployFixture,
} from '../helpers/deployFixture.ts';

/**
 * callout deploy end to end, in this process: the real @salesforce/core login lookup (a temporary
 * HOME holding an sf login), source-deploy-retrieve's deploy on core's connection, against a
 * protocol-level fake org (not Salesforce) and the fault server as the partner's token endpoint
 * and API. Scratch orgs, Ctrl-C and missing logins are in deployScratch.test.ts.
 */
useDeployFixture();

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
      expect.arrayContaining(['PartnerTokenService', 'PartnerApi']),
    );
    const sent = org.deploys()[before]!;
    expect(sent.options).toMatchObject({
      testLevel: 'RunSpecifiedTests',
      runTests: ['PartnerTokenServiceTest', 'PartnerApiTest'],
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
        fileName: 'classes/PartnerApi.cls',
        fullName: 'PartnerApi',
        lineNumber: 12,
        columnNumber: 5,
        problem: 'Variable does not exist: x',
      },
    });
    const result = await deploy(dir);
    expect(result.code).toBe(8);
    expect(result.stdout).toContain('force-app/main/default/classes/PartnerApi.cls:12:5');
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
    const file = join(dir, 'force-app/main/default/classes/PartnerApi.cls');
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
});
