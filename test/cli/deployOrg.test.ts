import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeOrg, unzip } from '../servers/fakeOrg.ts';
import { parseJson, runCli } from '../helpers/cli.ts';
import { CANARY_SECRET, canaryForms } from '../helpers/fixtures.ts';
import {
  deploy,
  expectNoSecret,
  org,
  project,
  SECRETS,
  useDeployFixture,
} from '../helpers/deployFixture.ts';
import { deployProject } from '../../src/flows/deploy.ts';
import { withProject } from '../../src/flows/project.ts';
import { RecordingReporter } from '../../src/flows/reporter.ts';

/**
 * What deploy reads from the org before it sends anything (issue 10): the Platform Cache
 * capacity, callout-kit's leftovers (--clean) and the production guard of customMetadata mode,
 * against the fixture's protocol-level fake org (not Salesforce), shaped for each case.
 */
useDeployFixture();

beforeAll(async () => {
  // The Partner project's externalCredential deploys need their permission set in the org.
  org.setRecords('PermissionSet', [
    { Id: '0PS000000000001', Name: 'Vault_Callout' },
    { Id: '0PS000000000002', Name: 'Partner_Callout' },
  ]);
  // Generated once here, so that no test pays for it.
  await Promise.all([project('customMetadata'), project('externalCredential')]);
});

beforeEach(() => {
  // Each test shapes the one fake org; by default it has no cache limit and is a Developer Edition.
  org.setCache({});
  org.setOrganization({ OrganizationType: 'Developer Edition', IsSandbox: false });
});

/** The exit code, with the output in the diff when it differs. */
function expectExit(result: { code: number | null; stdout: string; stderr: string }, code: number) {
  expect({ code: result.code, output: result.stdout + result.stderr }).toMatchObject({ code });
}

/** Changes the project's config and generates again. */
async function reconfigure(dir: string, change: (config: Record<string, unknown>) => void) {
  const path = join(dir, 'callout.config.json');
  const config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  change(config);
  await writeFile(path, JSON.stringify(config, null, 2));
  const result = await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], {
    cwd: dir,
  });
  expectExit(result, 0);
}

interface DeployJson {
  result: {
    success: boolean;
    cache: { partition: string; requestedMb: number; deployedMb: number; orgLimitMb?: number };
    leftovers: { components: Array<{ type: string; fullName: string }>; removed: boolean };
  };
  warnings: string[];
}

/** A file of a deploy zip by its path under the package root (SDR may put one above it). */
function fileOf(zip: Buffer, path: string): Buffer | undefined {
  for (const [name, data] of unzip(zip))
    if (name.replace(/^unpackaged\//, '') === path) return data;
  return undefined;
}

/** The files of a deploy zip that hold a secret (in any form). */
function holdingSecrets(zip: Buffer): string[] {
  const holding: string[] = [];
  for (const [name, data] of unzip(zip)) {
    const text = data.toString('utf8');
    if (
      canaryForms(CANARY_SECRET).some((form) => text.includes(form)) ||
      text.includes(SECRETS.PARTNER_PROD)
    )
      holding.push(name.replace(/^unpackaged\//, ''));
  }
  return holding.sort();
}

describe('deploy fits the Platform Cache partition to what the org has', () => {
  it('deploys with 0 MB to an org without cache, and says what that costs', async () => {
    // A Developer Edition org or Trailhead Playground: no Platform Cache at all.
    org.setCache({ totalMb: 0 });
    const dir = await project();
    const before = org.deploys().length;
    const result = await deploy(dir, ['--skip-verify', '--json']);
    expectExit(result, 0);
    const json = parseJson(result.stdout) as unknown as DeployJson;
    expect(json.result).toMatchObject({
      success: true,
      cache: { partition: 'Partner', requestedMb: 1, deployedMb: 0, orgLimitMb: 0 },
    });
    expect(json.warnings).toContainEqual(
      expect.stringMatching(
        /Partner deployed with 0 MB.*every transaction fetches a token with a callout.*Setup > Platform Cache/,
      ),
    );
    // The first request was refused with Salesforce's message; the second went through with 0 MB.
    expect(org.cachePartitions()).toEqual([{ name: 'Partner', organizationMb: 0, sessionMb: 0 }]);
    const sent = org.deploys().slice(before);
    expect(sent).toHaveLength(2);
    // The refitted package carries the secrets in the records only, as the first one did.
    for (const d of sent)
      expect(holdingSecrets(d.zip)).toEqual([
        'customMetadata/PartnerService.PartnerProd.md',
        'customMetadata/PartnerService.PartnerStage.md',
      ]);
    const partition = fileOf(sent[1]!.zip, 'cachePartitions/Partner.cachePartition');
    expect(partition?.toString('utf8')).toMatch(/<allocatedCapacity>0<\/allocatedCapacity>/);
  });

  it('gives the partition what another partition leaves free: 1 of 3 MB', async () => {
    // 3 MB, 2 of them allocated to a partition of someone else's.
    org.setCache({ totalMb: 3, partitions: [{ name: 'Other', organizationMb: 2 }] });
    const dir = await project();
    await reconfigure(dir, (config) => {
      config.cache = { capacityMb: 3 };
    });
    const result = await deploy(dir, ['--skip-verify', '--json']);
    expectExit(result, 0);
    const json = parseJson(result.stdout) as unknown as DeployJson;
    expect(json.result.cache).toMatchObject({ requestedMb: 3, deployedMb: 1, orgLimitMb: 3 });
    expect(json.warnings).toContainEqual(
      expect.stringMatching(/Partner deployed with 1 MB of the 3 MB asked for.*Other 2 MB/),
    );
    expect(org.cachePartitions()).toEqual(
      expect.arrayContaining([
        { name: 'Other', organizationMb: 2, sessionMb: 0 },
        { name: 'Partner', organizationMb: 1, sessionMb: 0 },
      ]),
    );
    // Deployed again it asks for 3 MB again and is refused; its own 1 MB counts as free for
    // itself, so it keeps 1 MB (not 0).
    const before = org.deploys().length;
    const again = await deploy(dir, ['--skip-verify', '--json']);
    expect(again.code).toBe(0);
    expect(org.deploys().length - before).toBe(2);
    expect(org.cachePartitions()).toContainEqual({
      name: 'Partner',
      organizationMb: 1,
      sessionMb: 0,
    });
  });

  it('sends the partition as generated when it fits, without a warning', async () => {
    const dir = await project();
    const before = org.deploys().length;
    // No capacity limit: the deploy goes through as generated, once.
    const result = await deploy(dir, ['--skip-verify', '--json']);
    expect(result.code).toBe(0);
    const json = parseJson(result.stdout) as unknown as DeployJson;
    expect(json.result.cache).toMatchObject({ requestedMb: 1, deployedMb: 1 });
    expect(json.warnings.filter((w) => /Platform Cache/.test(w))).toEqual([]);
    expect(org.deploys().length - before).toBe(1);
  });
});

describe('deploy lists callout-kit leftovers and removes them with --clean', () => {
  // One project through three deploys: the org keeps what each one did.
  let dir: string;

  it('after a switch to externalCredential, lists ClientSecret__c and the remote sites as leftovers', async () => {
    dir = await project('customMetadata');
    const first = await deploy(dir, ['--skip-verify', '--json']);
    expectExit(first, 0);
    expect(org.metadata('CustomField')).toContain('PartnerService__mdt.ClientSecret__c');

    await reconfigure(dir, (config) => {
      config.secretStorage = 'externalCredential';
    });
    const listed = await deploy(dir, ['--skip-verify', '--json']);
    expectExit(listed, 0);
    const json = parseJson(listed.stdout) as unknown as DeployJson;
    expect(json.result.leftovers.removed).toBe(false);
    expect(json.result.leftovers.components).toContainEqual({
      type: 'CustomField',
      fullName: 'PartnerService__mdt.ClientSecret__c',
    });
    // The remote sites of customMetadata mode are leftovers too; the records are still produced.
    expect(json.result.leftovers.components).toContainEqual({
      type: 'RemoteSiteSetting',
      fullName: 'Partner_PartnerStage_Token',
    });
    expect(json.result.leftovers.components.map((c) => c.type)).not.toContain('CustomMetadata');
    expect(json.warnings).toContainEqual(
      expect.stringMatching(/PartnerService__mdt\.ClientSecret__c.*callout deploy --clean/),
    );
    expect(org.metadata('CustomField')).toContain('PartnerService__mdt.ClientSecret__c');
  });

  it('--clean without a terminal needs --yes, and sends nothing', async () => {
    const before = org.deploys().length;
    const result = await deploy(dir, ['--skip-verify', '--clean', '--json']);
    expect(result.code).toBe(2);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'CLEAN_NOT_CONFIRMED',
      message: expect.stringContaining('PartnerService__mdt.ClientSecret__c'),
      actions: [expect.stringContaining('--clean --yes')],
    });
    expect(org.deploys().length).toBe(before);
  });

  it('--clean --yes removes them after the deploy (destructiveChangesPost)', async () => {
    const cleaned = await deploy(dir, ['--skip-verify', '--clean', '--yes', '--json']);
    expectExit(cleaned, 0);
    const json = parseJson(cleaned.stdout) as unknown as DeployJson;
    expect(json.result.leftovers.removed).toBe(true);
    const destructive = fileOf(org.deploys().at(-1)!.zip, 'destructiveChangesPost.xml');
    expect(destructive?.toString('utf8')).toContain('PartnerService__mdt.ClientSecret__c');
    expect(org.metadata('CustomField')).not.toContain('PartnerService__mdt.ClientSecret__c');
    expect(org.metadata('RemoteSiteSetting')).toEqual([]);
    expect(org.metadata('CustomMetadata')).toEqual([
      'PartnerService.PartnerProd',
      'PartnerService.PartnerStage',
    ]);
    // Nothing left over now.
    const after = await deploy(dir, ['--skip-verify', '--json']);
    expect((parseJson(after.stdout) as unknown as DeployJson).result.leftovers.components).toEqual(
      [],
    );
  });

  it('asks before removing when it can ask (the terminal confirm): no keeps them, yes removes them', async () => {
    const dir = await project('customMetadata');
    const run = async (answer: boolean) => {
      org.addMetadata('RemoteSiteSetting', ['Partner_Gone_Api']);
      const questions: string[] = [];
      const reporter = new RecordingReporter();
      const result = await withProject(
        {
          cwd: dir,
          env: { ...process.env, ...SECRETS, XDG_CACHE_HOME: join(dir, '.cache') },
          onSecret: () => undefined,
        },
        (p) =>
          deployProject(
            p,
            {
              targetOrg: undefined,
              checkOnly: false,
              testLevel: 'RunSpecifiedTests',
              skipVerify: true,
              skipCompileCheck: true,
              skipApexTests: true,
              waitMinutes: 1,
              scratch: undefined,
              clean: true,
              // The fake org's partner endpoints are on 127.0.0.1.
              allowUnreachableEndpoints: true,
              confirm: (question) => {
                questions.push(question);
                return Promise.resolve(answer);
              },
            },
            reporter,
          ),
      );
      expectNoSecret(JSON.stringify(result) + JSON.stringify(reporter.events));
      return { result, questions, reporter };
    };
    const kept = await run(false);
    expect(kept.questions).toEqual([expect.stringContaining('RemoteSiteSetting Partner_Gone_Api')]);
    expect(kept.result.leftovers).toMatchObject({ removed: false });
    expect(kept.reporter.events).toContainEqual({
      kind: 'warn',
      // The earlier tests' externalCredential components are leftovers of this project too.
      message: expect.stringMatching(/^Kept in the org: .*RemoteSiteSetting Partner_Gone_Api/),
    });
    expect(org.metadata('RemoteSiteSetting')).toContain('Partner_Gone_Api');
    const removed = await run(true);
    expect(removed.result.leftovers).toMatchObject({ removed: true });
    expect(org.metadata('RemoteSiteSetting')).not.toContain('Partner_Gone_Api');
  });

  it('removes a test class an earlier version generated before the deploy (destructiveChangesPre), never a class of yours', async () => {
    const dir = await project('customMetadata');
    // PartnerApiClientTest: what callout-kit generated before the client became a builder.
    org.addMetadata('ApexClass', ['PartnerApiClientTest', 'PartnerHelper']);
    const listed = await deploy(dir, ['--skip-verify', '--json']);
    expectExit(listed, 0);
    const { components } = (parseJson(listed.stdout) as unknown as DeployJson).result.leftovers;
    expect(components).toContainEqual({ type: 'ApexClass', fullName: 'PartnerApiClientTest' });
    expect(components.filter((c) => c.type === 'ApexClass')).toHaveLength(1);
    const cleaned = await deploy(dir, ['--skip-verify', '--clean', '--yes', '--json']);
    expectExit(cleaned, 0);
    const zip = org.deploys().at(-1)!.zip;
    expect(fileOf(zip, 'destructiveChangesPre.xml')?.toString('utf8')).toContain(
      '<members>PartnerApiClientTest</members>',
    );
    expect(fileOf(zip, 'destructiveChangesPost.xml')?.toString('utf8') ?? '').not.toContain(
      'PartnerApiClientTest',
    );
    expect(org.metadata('ApexClass')).not.toContain('PartnerApiClientTest');
    expect(org.metadata('ApexClass')).toContain('PartnerHelper');
    expect(org.metadata('ApexClass')).toContain('PartnerApiClient');
  });

  it("does not count a service the config still has as removed (the org's own components neither)", async () => {
    const fake = await startFakeOrg({
      username: 'mixed@callout-kit.test',
      metadata: {
        CustomMetadata: ['PartnerService.PartnerProd', 'PartnerService.Gone', 'Other.Thing'],
        RemoteSiteSetting: ['Partner_Gone_Api', 'Partner_PartnerProd_Api', 'Mine_Site'],
        CustomField: ['Account.Tier__c', 'PartnerService__mdt.TokenUrl__c'],
        ApexClass: ['PartnerApiClientTest', 'PartnerApi', 'PartnerHelper', 'OtherApiClientTest'],
      },
    });
    try {
      // Listed through the Metadata API as the flow reads it, on a connection to that fake.
      const { findLeftovers } = await import('../../src/deploy/leftovers.ts');
      const { loadConfig } = await import('../../src/config/load.ts');
      const dir = await project();
      const { config } = await loadConfig({ cwd: dir });
      const { Connection, AuthInfo } = await import('@salesforce/core');
      const connection = await Connection.create({
        authInfo: await AuthInfo.create({
          accessTokenOptions: {
            accessToken: fake.accessToken,
            instanceUrl: fake.instanceUrl,
            loginUrl: fake.loginUrl,
          },
        }),
      });
      expect(await findLeftovers({ connection }, config)).toEqual([
        { type: 'ApexClass', fullName: 'PartnerApiClientTest' },
        { type: 'CustomMetadata', fullName: 'PartnerService.Gone' },
        { type: 'RemoteSiteSetting', fullName: 'Partner_Gone_Api' },
      ]);
    } finally {
      await fake.close();
    }
  });
});

describe('deploy refuses to put the secret into custom metadata of a production org', () => {
  // Production: Enterprise Edition, not a sandbox, no trial expiration.
  const ENTERPRISE = { OrganizationType: 'Enterprise Edition', IsSandbox: false };

  it('refuses customMetadata mode to an Enterprise Edition org, says why and how to switch', async () => {
    org.setOrganization(ENTERPRISE);
    const dir = await project('customMetadata');
    const before = org.deploys().length;
    const result = await deploy(dir, ['--skip-verify', '--json']);
    expect(result.code).toBe(8);
    const json = parseJson(result.stdout) as { name: string; message: string; actions: string[] };
    expect(json.name).toBe('SECRET_IN_PRODUCTION_METADATA');
    expect(json.message).toMatch(/production org \(Enterprise Edition, not a sandbox\)/);
    expect(json.message).toMatch(/readable by every profile/);
    expect(json.actions.join('\n')).toMatch(/"secretStorage": "externalCredential"/);
    expect(json.actions.join('\n')).toMatch(/--allow-secret-in-metadata/);
    expect(org.deploys().length).toBe(before);
  });

  it('deploys with --allow-secret-in-metadata', async () => {
    org.setOrganization(ENTERPRISE);
    const dir = await project('customMetadata');
    const before = org.deploys().length;
    const result = await deploy(dir, ['--skip-verify', '--allow-secret-in-metadata', '--json']);
    expectExit(result, 0);
    expect(org.deploys().length - before).toBe(1);
  });

  it('lets externalCredential mode deploy to production without the flag', async () => {
    org.setOrganization(ENTERPRISE);
    const dir = await project('externalCredential');
    const result = await deploy(dir, ['--skip-verify', '--json']);
    expectExit(result, 0);
  });
});
