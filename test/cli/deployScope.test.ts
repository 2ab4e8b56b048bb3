import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { unzip } from '../servers/fakeOrg.ts';
import { parseJson, runCli } from '../helpers/cli.ts';
import { CANARY_SECRET } from '../helpers/fixtures.ts';
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
 * What `callout deploy` sends and runs: only the generated components (plus --source-dir), the
 * chosen services (--service, the config's orgs), endpoints an org can call, and the probe only
 * when it cannot create data. Against the protocol-level fake org, through the real libraries.
 */
useDeployFixture();

// The first deploy in a process loads the rest of source-deploy-retrieve (converter, zip) and
// warms the org connection: once, in the hook, so that no test's 10 s go to it.
beforeAll(async () => {
  org.setScenario('success');
  await deploy(await project(), ['--skip-verify']);
});

const CLASS_META = `<?xml version="1.0" encoding="UTF-8"?>
<ApexClass xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>64.0</apiVersion>
    <status>Active</status>
</ApexClass>
`;

/** A generated project with a class of the user's and its test class next to the generated ones. */
async function projectWithUserCode(): Promise<string> {
  const dir = await project();
  const classes = join(dir, 'force-app/main/default/classes');
  await writeFile(
    join(classes, 'Mine.cls'),
    'public class Mine { public static Integer one() { return 1; } }\n',
  );
  await writeFile(join(classes, 'Mine.cls-meta.xml'), CLASS_META);
  await writeFile(
    join(classes, 'MineTest.cls'),
    '@IsTest private class MineTest { @IsTest static void one() { System.assertEquals(1, Mine.one()); } }\n',
  );
  await writeFile(join(classes, 'MineTest.cls-meta.xml'), CLASS_META);
  return dir;
}

/** The files of the last deploy's zip, relative to its root (package.xml left out). */
function sentFiles(index: number): string[] {
  return [...unzip(org.deploys()[index]!.zip).keys()]
    .map((name) => name.replace(/^unpackaged\//, ''))
    .filter((name) => name !== 'package.xml')
    .sort();
}

interface EditableConfig {
  orgs?: Record<string, string[]>;
  services: Record<string, { probe?: { method: string; path: string; body?: string } }>;
}

async function editConfig(dir: string, edit: (config: EditableConfig) => void): Promise<void> {
  const path = join(dir, 'callout.config.json');
  const config = JSON.parse(await readFile(path, 'utf8')) as EditableConfig;
  edit(config);
  await writeFile(path, JSON.stringify(config, null, 2));
}

interface DeployJson {
  result: {
    components: { names: string[] };
    services: { names: string[]; chosenBy: string };
    tests: { level: string; classes: string[]; reason: string };
    probesSkipped: Array<{ service: string; method: string }>;
  };
  warnings: string[];
}

describe('deploy sends what callout-kit owns', () => {
  it('sends only the generated components and runs the generated tests, leaving the user class out', async () => {
    const dir = await projectWithUserCode();
    org.setScenario('success');
    const before = org.deploys().length;
    const result = await deploy(dir, ['--json']);
    expect(result.code).toBe(0);
    const files = sentFiles(before);
    expect(files).toContain('classes/PartnerTokenService.cls');
    expect(files).toContain('customMetadata/PartnerService.PartnerStage.md');
    expect(files.filter((f) => f.includes('Mine'))).toEqual([]);
    const json = parseJson(result.stdout) as unknown as DeployJson;
    expect(json.result.components.names).not.toContain('ApexClass:Mine');
    expect(org.deploys()[before]!.options).toMatchObject({
      testLevel: 'RunSpecifiedTests',
      runTests: PARTNER_TESTS,
    });
  });

  it('--source-dir adds the user code; without --tests it runs RunLocalTests so the user code is covered', async () => {
    const dir = await projectWithUserCode();
    org.setScenario('success');
    const before = org.deploys().length;
    const result = await deploy(dir, ['--source-dir', 'force-app/main/default/classes', '--json']);
    expect(result.code).toBe(0);
    expect(sentFiles(before)).toEqual(
      expect.arrayContaining([
        'classes/Mine.cls',
        'classes/MineTest.cls',
        'classes/PartnerApi.cls',
      ]),
    );
    expect(org.deploys()[before]!.options.testLevel).toBe('RunLocalTests');
    const json = parseJson(result.stdout) as unknown as DeployJson;
    expect(json.result.tests).toMatchObject({
      level: 'RunLocalTests',
      reason: expect.stringContaining('Mine'),
    });
  });

  it('--source-dir with --tests runs the generated tests and the named ones', async () => {
    const dir = await projectWithUserCode();
    org.setScenario('success');
    const before = org.deploys().length;
    const result = await deploy(dir, ['--source-dir', 'force-app', '--tests', 'MineTest']);
    expect(result.code).toBe(0);
    expect(org.deploys()[before]!.options).toMatchObject({
      testLevel: 'RunSpecifiedTests',
      runTests: [...PARTNER_TESTS, 'MineTest'],
    });
    expect(sentFiles(before)).toContain('classes/Mine.cls');
  });

  it('refuses --tests with another test level, and a --source-dir outside the project', async () => {
    const dir = await project();
    const before = org.deploys().length;
    const level = await deploy(dir, [
      '--tests',
      'MineTest',
      '--test-level',
      'RunLocalTests',
      '--json',
    ]);
    expect(level.code).toBe(2);
    expect(parseJson(level.stdout)).toMatchObject({ name: 'USAGE' });
    const outside = await deploy(dir, ['--source-dir', '..', '--json']);
    expect(outside.code).toBe(2);
    expect(parseJson(outside.stdout)).toMatchObject({
      name: 'USAGE',
      message: expect.stringContaining('outside the project'),
    });
    expect(org.deploys().length).toBe(before);
  });
});

describe('deploy --service and the config orgs', () => {
  it('--service PartnerStage needs only its secret and sends nothing of PartnerProd', async () => {
    const dir = await project();
    org.setScenario('success');
    const before = org.deploys().length;
    const verified = faults.requests().length;
    // PARTNER_PROD is not set at all: asking for it would fail with SECRET_MISSING.
    const result = await deploy(dir, ['--service', 'PartnerStage', '--json'], sf.env, {
      PARTNER_STAGE: SECRETS.PARTNER_STAGE,
    });
    expect(result.code).toBe(0);
    const files = sentFiles(before);
    expect(files).toContain('customMetadata/PartnerService.PartnerStage.md');
    expect(files).toContain('remoteSiteSettings/Partner_PartnerStage_Token.remoteSite');
    expect(files.filter((f) => f.includes('PartnerProd'))).toEqual([]);
    const json = parseJson(result.stdout) as unknown as DeployJson;
    expect(json.result.services).toEqual({ names: ['PartnerStage'], chosenBy: '--service' });
    expect(json.result.components.names.filter((n) => n.includes('PartnerProd'))).toEqual([]);
    // The Stage record carries the Stage secret; nothing carries another.
    const zip = unzip(org.deploys()[before]!.zip);
    const record = [...zip].find(([name]) => name.endsWith('PartnerService.PartnerStage.md'))!;
    expect(record[1].toString('utf8')).toContain(CANARY_SECRET);
    // Verify ran for Stage only: one token request.
    expect(
      faults
        .requests()
        .slice(verified)
        .filter((r) => r.method === 'POST' && r.url === '/ok'),
    ).toHaveLength(1);
  });

  it('--service with --source-dir over the package folder still leaves the other service out', async () => {
    const dir = await project();
    org.setScenario('success');
    const before = org.deploys().length;
    const result = await deploy(
      dir,
      ['--service', 'PartnerStage', '--source-dir', 'force-app'],
      sf.env,
      {
        PARTNER_STAGE: SECRETS.PARTNER_STAGE,
      },
    );
    expect(result.code).toBe(0);
    expect(sentFiles(before).filter((f) => f.includes('PartnerProd'))).toEqual([]);
    expect(result.stderr).toContain('Left out of --source-dir');
  });

  it('an unknown --service is a usage error with a suggestion', async () => {
    const dir = await project();
    const result = await deploy(dir, ['--service', 'PartnerStag', '--json']);
    expect(result.code).toBe(2);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'SERVICE_UNKNOWN',
      message: expect.stringContaining('Did you mean PartnerStage?'),
    });
  });

  it('"orgs" maps the org (by alias or by username) to its services; --service overrides it', async () => {
    const dir = await project();
    org.setScenario('success');
    // Keyed by the username; the deploy names the org by its alias.
    await editConfig(dir, (config) => {
      config.orgs = { [sf.username]: ['PartnerStage'] };
    });
    const before = org.deploys().length;
    const mapped = await deploy(dir, ['--target-org', 'fake', '--json'], sf.env, {
      PARTNER_STAGE: SECRETS.PARTNER_STAGE,
    });
    expect(mapped.code).toBe(0);
    expect((parseJson(mapped.stdout) as unknown as DeployJson).result.services).toEqual({
      names: ['PartnerStage'],
      chosenBy: expect.stringContaining(`orgs.${sf.username}`),
    });
    expect(sentFiles(before).filter((f) => f.includes('PartnerProd'))).toEqual([]);
    const overridden = await deploy(dir, [
      '--target-org',
      'fake',
      '--service',
      'PartnerProd',
      '--json',
    ]);
    expect(overridden.code).toBe(0);
    expect((parseJson(overridden.stdout) as unknown as DeployJson).result.services.names).toEqual([
      'PartnerProd',
    ]);
  });

  it('refuses an "orgs" entry naming no service of the config, with a suggestion', async () => {
    const dir = await project();
    await editConfig(dir, (config) => {
      config.orgs = { uat: ['PartnerStge'] };
    });
    const result = await deploy(dir, ['--json']);
    expect(result.code).toBe(3);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'CONFIG_INVALID',
      message: expect.stringMatching(
        /orgs\.uat\[0\] names "PartnerStge".*did you mean "PartnerStage"/,
      ),
    });
  });

  it('--secret-stdin with two services leads to --service, which then works', async () => {
    const dir = await project();
    org.setScenario('success');
    const refused = await deploy(dir, ['--secret-stdin', '--json']);
    expect(refused.code).toBe(2);
    const error = parseJson(refused.stdout) as { actions: string[] };
    expect(error.actions.join(' ')).toContain('--service PartnerStage --secret-stdin');
    // Following it: the Stage secret on standard input, no secret in the environment.
    const before = org.deploys().length;
    const followed = await runCli(
      [
        'deploy',
        '--service',
        'PartnerStage',
        '--secret-stdin',
        '--skip-compile-check',
        '--skip-apex-tests',
        '--allow-unreachable-endpoints',
      ],
      { cwd: dir, env: { ...sf.env, XDG_CACHE_HOME: join(dir, '.cache') }, input: CANARY_SECRET },
    );
    expectNoSecret(followed.stdout + followed.stderr);
    expect(followed.code).toBe(0);
    const record = [...unzip(org.deploys()[before]!.zip)].find(([name]) =>
      name.endsWith('PartnerService.PartnerStage.md'),
    )!;
    expect(record[1].toString('utf8')).toContain(CANARY_SECRET);
  });
});

describe('deploy --service in externalCredential mode', () => {
  /** The externalCredential project with a second service, VaultBody, generated again. */
  async function twoVaults(): Promise<string> {
    const dir = await project('externalCredential');
    const path = join(dir, 'callout.config.json');
    const config = JSON.parse(await readFile(path, 'utf8')) as {
      services: Record<string, Record<string, unknown>>;
    };
    config.services.VaultBody = {
      ...config.services.VaultBasic,
      clientSecret: { env: 'VAULT_BODY_SECRET' },
      clientAuth: 'body',
    };
    await writeFile(path, JSON.stringify(config, null, 2));
    const generated = await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], {
      cwd: dir,
    });
    expect(generated.stderr).not.toContain('Error');
    expect(generated.code).toBe(0);
    return dir;
  }
  const accessIn = (zip: Map<string, Buffer>) =>
    [...zip]
      .filter(([name]) => name.endsWith('.permissionset'))
      .flatMap(([, data]) =>
        [...data.toString('utf8').matchAll(/<externalCredentialPrincipal>([^<]+)</g)].map(
          (m) => m[1],
        ),
      );

  let dir: string;
  // Generating the second service's project takes seconds: once, in the hook.
  beforeAll(async () => {
    dir = await twoVaults();
  });

  it.each([
    ['no External Credential of VaultBody', []],
    ['VaultBody already in it', [{ Id: '0XC000000000001AAA', DeveloperName: 'Vault_VaultBody' }]],
  ])(
    'sends the chosen service and sets only its credentials; the org has %s',
    async (_case, held) => {
      org.setScenario('success');
      org.setRecords('ExternalCredential', held);
      const before = org.deploys().length;
      const credentials = org.credentialRequests().length;
      // VAULT_BODY_SECRET is not set: only VaultBasic's secret is read.
      const result = await deploy(dir, ['--service', 'VaultBasic', '--json'], sf.env, {
        VAULT_SECRET: SECRETS.VAULT_SECRET,
      });
      expect(result.code).toBe(0);
      const zip = unzip(org.deploys()[before]!.zip);
      expect([...zip.keys()].filter((name) => name.includes('VaultBody'))).toEqual([]);
      // The permission set keeps the access of a service whose credential the org holds.
      expect(accessIn(zip)).toEqual([
        'Vault_VaultBasic-ClientCredentials',
        'Vault_VaultBasic_Api-ApiAccess',
        ...(held.length > 0
          ? ['Vault_VaultBody-ClientCredentials', 'Vault_VaultBody_Api-ApiAccess']
          : []),
      ]);
      // GET (the credential in its query), then POST, or PUT when the principal has credentials.
      const sent = org.credentialRequests().slice(credentials);
      expect(sent.map((r) => r.method)).toEqual(['GET', expect.stringMatching(/^(POST|PUT)$/)]);
      expect(
        new Set(
          sent.map(
            (r) =>
              (r.body as { externalCredential?: string } | undefined)?.externalCredential ??
              new URLSearchParams(r.search).get('externalCredential'),
          ),
        ),
      ).toEqual(new Set(['Vault_VaultBasic']));
    },
  );
});

describe('deploy and endpoints an org can call', () => {
  it('refuses the loopback, plain-HTTP partner without --allow-unreachable-endpoints, naming each endpoint and why', async () => {
    const dir = await project();
    const before = org.deploys().length;
    const result = await deploy(dir, ['--check-endpoints', '--json']);
    expect(result.code).toBe(16);
    const json = parseJson(result.stdout) as {
      name: string;
      message: string;
      actions: string[];
      data: { endpoints: Array<{ service: string; setting: string; reasons: string[] }> };
    };
    expect(json.name).toBe('ENDPOINT_UNREACHABLE');
    expect(json.message).toContain('services.PartnerStage.tokenUrl');
    expect(json.message).toContain('loopback');
    expect(json.message).toContain('plain HTTP');
    expect(json.data.endpoints).toHaveLength(4);
    expect(json.actions.join(' ')).toContain('--allow-unreachable-endpoints');
    expect(org.deploys().length).toBe(before);
  });

  it("with --allow-unreachable-endpoints deploys and carries verify's warnings into its own", async () => {
    const dir = await project();
    org.setScenario('success');
    const result = await deploy(dir, ['--json']);
    expect(result.code).toBe(0);
    const json = parseJson(result.stdout) as unknown as DeployJson;
    expect(json.warnings).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PartnerStage: Token URL host 127\.0\.0\.1 is local or private/),
        expect.stringMatching(/^PartnerProd: API base URL uses plain HTTP/),
      ]),
    );
  });

  it('runs a POST probe on deploy only with --probe, and says it skipped it', async () => {
    const dir = await project();
    org.setScenario('success');
    await editConfig(dir, (config) => {
      for (const service of Object.values(config.services))
        service.probe = { method: 'POST', path: '/created', body: '{}' };
    });
    const probed = () => faults.requests().filter((r) => r.url === '/api/created').length;
    const start = probed();
    const skipped = await deploy(dir, ['--json']);
    expect(skipped.code).toBe(0);
    expect(probed()).toBe(start);
    expect((parseJson(skipped.stdout) as unknown as DeployJson).result.probesSkipped).toEqual([
      { service: 'PartnerStage', method: 'POST', path: '/created' },
      { service: 'PartnerProd', method: 'POST', path: '/created' },
    ]);
    const human = await deploy(dir);
    expect(human.stderr).toContain('probe POST /created skipped');
    // --probe runs it (the fault server answers 404 there: verify fails on it, before the org).
    const forced = await deploy(dir, ['--probe', '--json']);
    expect(probed()).toBeGreaterThan(start);
    expect(parseJson(forced.stdout)).toMatchObject({ name: 'PROBE_FAILED' });
  });
});

describe('the canary in the new paths', () => {
  it('holds in the refusals and the chosen-service deploy (checked by every deploy() run)', async () => {
    const dir = await project();
    for (const args of [
      ['--check-endpoints'],
      ['--service', 'Nope'],
      ['--source-dir', 'missing'],
      ['--service', 'PartnerStage', '--debug'],
    ]) {
      const result = await deploy(dir, args);
      expect(result.stdout + result.stderr).not.toContain(CANARY_SECRET);
    }
  });
});
