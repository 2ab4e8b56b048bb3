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
  PARTNER_TESTS,
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
      runTests: PARTNER_TESTS,
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

  it('refuses a secret longer than ClientSecret__c holds before the org or the partner hear of it, naming the service, never the secret', async () => {
    const dir = await project();
    // 300 UTF-16 code units, as Salesforce counts a Text field: the canary, padded.
    const long = CANARY_SECRET + 'x'.repeat(300 - CANARY_SECRET.length);
    const orgBefore = org.requests().length;
    const partnerBefore = faults.requests().length;
    const run = (args: string[]) => deploy(dir, args, sf.env, { ...SECRETS, PARTNER_STAGE: long });
    const [json, debug] = [await run(['--json']), await run(['--debug'])];
    expect([json.code, debug.code]).toEqual([4, 4]);
    expect(parseJson(json.stdout)).toMatchObject({
      name: 'SECRET_TOO_LONG',
      message: expect.stringMatching(/PartnerStage \(300 characters\).*255.*ClientSecret__c/),
      actions: [
        expect.stringContaining('"secretStorage": "externalCredential"'),
        expect.any(String),
      ],
      data: { services: [{ service: 'PartnerStage', length: 300 }], limit: 255 },
    });
    // The --debug stack included: no form of the long secret anywhere.
    const output = [json, debug].map((r) => r.stdout + r.stderr).join('\n');
    for (const form of canaryForms(long)) expect(output).not.toContain(form);
    expect(org.requests().length).toBe(orgBefore);
    expect(faults.requests().length).toBe(partnerBefore);
  });

  it('counts the secret as Salesforce does: 255 UTF-16 code units fit, one astral character more does not', async () => {
    const dir = await project();
    org.setScenario('success');
    const fits = CANARY_SECRET + 'y'.repeat(255 - CANARY_SECRET.length);
    expect(
      (await deploy(dir, ['--skip-verify'], sf.env, { ...SECRETS, PARTNER_STAGE: fits })).code,
    ).toBe(0);
    // 255 code points but 256 UTF-16 code units: an emoji counts two.
    const astral = `${CANARY_SECRET}${'y'.repeat(254 - CANARY_SECRET.length)}\u{1F511}`;
    expect([...astral]).toHaveLength(255);
    const result = await deploy(dir, ['--skip-verify', '--json'], sf.env, {
      ...SECRETS,
      PARTNER_STAGE: astral,
    });
    expect(result.code).toBe(4);
    expect(parseJson(result.stdout)).toMatchObject({
      data: { services: [{ service: 'PartnerStage', length: 256 }] },
    });
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

  it('externalCredential mode: GETs the principal credentials first, POSTs when it holds none, PUTs when it does', async () => {
    const dir = await project('externalCredential');
    org.setScenario('success');
    // The principal holds no credentials to begin with (another test may have set them).
    await fetch(
      `${org.instanceUrl}/services/data/v64.0/named-credentials/credential?externalCredential=Vault_VaultBasic&principalName=ClientCredentials&principalType=NamedPrincipal`,
      { method: 'DELETE', headers: { Authorization: `Bearer ${org.accessToken}` } },
    );
    const runs: Array<{ calls: string[]; outcome: unknown }> = [];
    for (let i = 0; i < 2; i++) {
      const from = org.credentialRequests().length;
      const result = await deploy(dir, ['--skip-verify', '--json']);
      expect(result.code).toBe(0);
      const calls = org.credentialRequests().slice(from);
      // The GET names the principal in its query, as documented; nothing else carries it.
      expect(new URLSearchParams(calls[0]!.search).get('principalName')).toBe('ClientCredentials');
      runs.push({
        calls: calls.map((c) => `${c.method} ${c.status}`),
        outcome: (parseJson(result.stdout).result as { credentials: unknown }).credentials,
      });
    }
    expect(runs).toEqual([
      {
        calls: ['GET 200', 'POST 201'],
        outcome: [{ service: 'VaultBasic', credentials: 'created' }],
      },
      {
        calls: ['GET 200', 'PUT 200'],
        outcome: [{ service: 'VaultBasic', credentials: 'updated' }],
      },
    ]);
  });
});
