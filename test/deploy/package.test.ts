import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import { buildDeployPackage, checkSecretsFit } from '../../src/deploy/package.ts';
import { preloadDeployLibraries } from '../../src/deploy/libraries.ts';
import { CANARY_SECRET, canaryForms } from '../helpers/fixtures.ts';
import { unzip } from '../servers/fakeOrg.ts';

const REPO = resolve(import.meta.dirname, '../..');
const PACKAGE_DIR = join(REPO, 'force-app/main/default');
const PROD_SECRET = `prod<&>"'secret`;

async function reference(secrets: Record<string, string>) {
  const config = parseConfig(
    JSON.parse(await readFile(join(REPO, 'examples/externalapp/callout.config.json'), 'utf8')),
  );
  return buildDeployPackage({
    packageDir: PACKAGE_DIR,
    apiVersion: '64.0',
    config,
    secrets: new Map(Object.entries(secrets).map(([name, value]) => [name, new Secret(value)])),
  });
}

/** The zip SDR sends for the set (the same conversion MetadataApiDeploy runs), as name -> text. */
async function deployZip(secrets: Record<string, string>): Promise<Map<string, string>> {
  const { sdr } = await preloadDeployLibraries();
  const pkg = await reference(secrets);
  const { zipBuffer } = await new sdr.MetadataConverter().convert(pkg.componentSet, 'metadata', {
    type: 'zip',
  });
  return new Map([...unzip(zipBuffer!)].map(([name, data]) => [name, data.toString('utf8')]));
}

const parser = new XMLParser({ ignoreAttributes: false, parseTagValue: false });
/** A record's values, field -> value text (XML-decoded) or null for xsi:nil. */
function recordValues(xml: string): Record<string, string | null> {
  const values = (
    parser.parse(xml) as {
      CustomMetadata: { values: Array<{ field: string; value: string | { '#text'?: string } }> };
    }
  ).CustomMetadata.values;
  return Object.fromEntries(
    values.map(({ field, value }) => [
      field,
      typeof value === 'string' ? value : (value['#text'] ?? null),
    ]),
  );
}

type ObjectPermission = Record<string, string>;
/** The objects a permission set grants read on and nothing else (create, edit, delete, all). */
function readOnlyObjects(xml: string | undefined): string[] {
  const granted = (
    parser.parse(xml ?? '') as {
      PermissionSet: { objectPermissions?: ObjectPermission | ObjectPermission[] };
    }
  ).PermissionSet.objectPermissions;
  return [granted ?? []]
    .flat()
    .filter(
      (p) =>
        p.allowRead === 'true' &&
        ['allowCreate', 'allowEdit', 'allowDelete', 'modifyAllRecords', 'viewAllRecords'].every(
          (k) => p[k] === 'false',
        ),
    )
    .map((p) => p.object!);
}

// Loading core and SDR takes seconds on a busy machine: once, outside the tests' time.
beforeAll(() => preloadDeployLibraries(), 30_000);

describe('the deploy package', () => {
  it('is a ComponentSet of the generated components, with the generated test classes', async () => {
    const pkg = await reference({});
    expect(pkg.components).toEqual(
      expect.arrayContaining([
        'ApexClass:ExternalAppTokenService',
        'ApexClass:ExternalAppTokenRequest',
        'ApexClass:ExternalAppTokenResponse',
        'ApexClass:ExternalAppTokenCache',
        'ApexClass:ExternalAppApi',
        'CustomObject:ExternalAppService__mdt',
        'CustomMetadata:ExternalAppService.ExternalAppStage',
        'CustomMetadata:ExternalAppService.ExternalAppProd',
        'PlatformCachePartition:ExternalApp',
        'RemoteSiteSetting:ExternalApp_ExternalAppStage_Token',
      ]),
    );
    expect(pkg.testClasses).toEqual([
      'ExternalAppTokenServiceTest',
      'ExternalAppTokenRequestTest',
      'ExternalAppTokenResponseTest',
      'ExternalAppTokenCacheTest',
      'ExternalAppApiTest',
    ]);
    expect(pkg.componentSet.sourceApiVersion).toBe('64.0');
  });

  it('puts each secret into its own record only, XML-escaped, the other values as generated', async () => {
    const zip = await deployZip({
      ExternalAppStage: CANARY_SECRET,
      ExternalAppProd: PROD_SECRET,
    });
    expect(zip.has('package.xml')).toBe(true);
    const holding = [...zip]
      .filter(([, text]) =>
        [...canaryForms(CANARY_SECRET), 'prod&lt;&amp;&gt;', 'prod<&>'].some((f) =>
          text.includes(f),
        ),
      )
      .map(([name]) => name)
      .sort();
    expect(holding).toEqual([
      'customMetadata/ExternalAppService.ExternalAppProd.md',
      'customMetadata/ExternalAppService.ExternalAppStage.md',
    ]);
    for (const [service, secret] of [
      ['ExternalAppStage', CANARY_SECRET],
      ['ExternalAppProd', PROD_SECRET],
    ] as const) {
      const sent = recordValues(zip.get(`customMetadata/ExternalAppService.${service}.md`)!);
      const onDisk = recordValues(
        await readFile(
          join(PACKAGE_DIR, `customMetadata/ExternalAppService.${service}.md-meta.xml`),
          'utf8',
        ),
      );
      expect(onDisk.ClientSecret__c).toBeNull();
      expect(sent).toEqual({ ...onDisk, ClientSecret__c: secret });
    }
    expect(zip.get('customMetadata/ExternalAppService.ExternalAppProd.md')).toContain(
      '<value xsi:type="xsd:string">prod&lt;&amp;&gt;&quot;&apos;secret</value>',
    );
  });

  it('leaves a record without a secret as generated (xsi:nil)', async () => {
    const zip = await deployZip({ ExternalAppStage: CANARY_SECRET });
    expect(
      recordValues(zip.get('customMetadata/ExternalAppService.ExternalAppProd.md')!)
        .ClientSecret__c,
    ).toBeNull();
  });

  it('never writes the secret to a file (the package folder, the temp folder)', async () => {
    const started = Date.now() - 1000;
    await deployZip({ ExternalAppStage: CANARY_SECRET });
    // The package folder, and whatever appeared in the shared temp folder meanwhile.
    const fresh = [];
    for (const name of await readdir(tmpdir())) {
      const info = await stat(join(tmpdir(), name)).catch(() => undefined);
      if (info && info.mtimeMs >= started) fresh.push(join(tmpdir(), name));
    }
    const holding: string[] = [];
    for (const dir of [PACKAGE_DIR, ...fresh]) {
      // Another process's temp files may vanish meanwhile: skip what cannot be read.
      const info = await stat(dir).catch(() => undefined);
      const entries = !info
        ? []
        : info.isDirectory()
          ? (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []))
              .filter((e) => e.isFile())
              .map((e) => join(e.parentPath, e.name))
          : [dir];
      for (const path of entries) {
        const text = await readFile(path, 'latin1').catch(() => '');
        if (text.includes(CANARY_SECRET)) holding.push(path);
      }
    }
    expect(holding).toEqual([]);
  });

  it('refuses a secret XML cannot carry, without quoting it', async () => {
    const secret = 'bad\u0001secret-value';
    const error = await reference({ ExternalAppStage: secret }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'SECRET_MISSING',
      message: expect.stringContaining('control character'),
    });
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('secret-value');
  });
});

/** A golden case's expected package folder as the deploy package of some of its services. */
async function golden(
  fixture: string,
  services: string[],
  options: { keepAccess?: string[]; secrets?: Record<string, string>; sourceDirs?: string[] } = {},
) {
  const dir = join(REPO, 'test/fixtures', fixture);
  const config = parseConfig(JSON.parse(await readFile(join(dir, 'callout.config.json'), 'utf8')));
  const { sdr } = await preloadDeployLibraries();
  const pkg = await buildDeployPackage({
    packageDir: join(dir, 'expected'),
    apiVersion: '64.0',
    config,
    services,
    ...(options.keepAccess ? { keepAccess: options.keepAccess } : {}),
    ...(options.sourceDirs ? { sourceDirs: options.sourceDirs.map((d) => join(dir, d)) } : {}),
    secrets: new Map(
      Object.entries(options.secrets ?? {}).map(([name, value]) => [name, new Secret(value)]),
    ),
  });
  const { zipBuffer } = await new sdr.MetadataConverter().convert(pkg.componentSet, 'metadata', {
    type: 'zip',
  });
  const zip = new Map([...unzip(zipBuffer!)].map(([name, data]) => [name, data.toString('utf8')]));
  return { pkg, zip };
}

describe('the deploy package of some services', () => {
  it('holds the chosen service only: its record with its secret, its remote sites', async () => {
    const { pkg, zip } = await golden('two-services', ['PartnerStage'], {
      secrets: { PartnerStage: CANARY_SECRET },
    });
    expect(pkg.generated.filter((c) => c.includes('PartnerProd'))).toEqual([]);
    expect([...zip.keys()].filter((name) => name.includes('PartnerProd'))).toEqual([]);
    expect(pkg.generated).toEqual(
      expect.arrayContaining([
        'CustomMetadata:PartnerService.PartnerStage',
        'RemoteSiteSetting:Partner_PartnerStage_Api',
        'ApexClass:PartnerTokenService',
      ]),
    );
    expect(zip.get('customMetadata/PartnerService.PartnerStage.md')).toContain(CANARY_SECRET);
  });

  it('leaves the other service out even when a --source-dir holds it', async () => {
    const { pkg, zip } = await golden('two-services', ['PartnerStage'], {
      sourceDirs: ['expected'],
    });
    expect([...zip.keys()].filter((name) => name.includes('PartnerProd'))).toEqual([]);
    expect(pkg.leftOut).toEqual(
      expect.arrayContaining([
        'CustomMetadata:PartnerService.PartnerProd',
        'RemoteSiteSetting:Partner_PartnerProd_Token',
      ]),
    );
    expect(pkg.extra).toEqual([]);
  });

  it('externalCredential: the permission set grants the chosen services and those the org keeps', async () => {
    const accessIn = (xml: string | undefined) =>
      [...(xml ?? '').matchAll(/<externalCredentialPrincipal>([^<]+)</g)].map((m) => m[1]);
    const basic = await golden('external-credential', ['VaultBasic']);
    expect([...basic.zip.keys()].filter((name) => name.includes('VaultBody'))).toEqual([]);
    expect(accessIn(basic.zip.get('permissionsets/Vault_Callout.permissionset'))).toEqual([
      'Vault_VaultBasic-ClientCredentials',
      'Vault_VaultBasic_Api-ApiAccess',
    ]);
    const kept = await golden('external-credential', ['VaultBasic'], { keepAccess: ['VaultBody'] });
    expect([...kept.zip.keys()].filter((name) => name.includes('VaultBody'))).toEqual([]);
    expect(accessIn(kept.zip.get('permissionsets/Vault_Callout.permissionset'))).toEqual([
      'Vault_VaultBasic-ClientCredentials',
      'Vault_VaultBasic_Api-ApiAccess',
      'Vault_VaultBody-ClientCredentials',
      'Vault_VaultBody_Api-ApiAccess',
    ]);
    // Rendered in memory for a subset, it keeps read access to User External Credentials.
    for (const { zip } of [basic, kept])
      expect(readOnlyObjects(zip.get('permissionsets/Vault_Callout.permissionset'))).toEqual([
        'UserExternalCredential',
      ]);
  });
});

describe('the secret against the field that carries it', () => {
  const config = (secretStorage: 'customMetadata' | 'externalCredential') =>
    parseConfig({
      prefix: 'Acme',
      apiVersion: '64.0',
      secretStorage,
      services: {
        A: {
          tokenUrl: 'https://auth.example.test/t',
          apiBaseUrl: 'https://api.example.test',
          clientId: 'c',
          clientSecret: { env: 'A_SECRET' },
          clientAuth: 'basic',
        },
      },
    });
  const secrets = (length: number) => new Map([['A', new Secret('s'.repeat(length))]]);

  it('customMetadata mode: up to 255 characters fit ClientSecret__c, 256 do not', () => {
    expect(() => checkSecretsFit(config('customMetadata'), secrets(255))).not.toThrow();
    expect(() => checkSecretsFit(config('customMetadata'), secrets(256))).toThrow(
      expect.objectContaining({
        name: 'SECRET_TOO_LONG',
        data: expect.objectContaining({ limit: 255 }),
      }),
    );
  });

  it('externalCredential mode: no record field holds it, and the credentials API documents no limit', () => {
    expect(() => checkSecretsFit(config('externalCredential'), secrets(300))).not.toThrow();
  });
});
