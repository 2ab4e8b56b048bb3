import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import { buildDeployPackage } from '../../src/deploy/package.ts';
import { buildProjectVM } from '../../src/generate/viewModel.ts';
import { CANARY_SECRET, canaryForms } from '../helpers/fixtures.ts';

const REPO = resolve(import.meta.dirname, '../..');

async function reference() {
  const config = parseConfig(
    JSON.parse(await readFile(join(REPO, 'examples/externalapp/callout.config.json'), 'utf8')),
  );
  const project = buildProjectVM(config);
  const secrets = new Map([
    ['ExternalAppStage', new Secret(CANARY_SECRET)],
    ['ExternalAppProd', new Secret('prod<&>"secret')],
  ]);
  return buildDeployPackage({
    packageDir: join(REPO, 'force-app/main/default'),
    apiVersion: '64.0',
    project,
    config,
    secrets,
  });
}

describe('the deploy package', () => {
  it('holds the generated components in Metadata API format, with package.xml', async () => {
    const pkg = await reference();
    expect(pkg.components).toEqual(
      expect.arrayContaining([
        'ApexClass:ExternalAppTokenService',
        'ApexClass:ExternalAppApiClient',
        'CustomObject:ExternalAppService__mdt',
        'CustomMetadata:ExternalAppService.ExternalAppStage',
        'CustomMetadata:ExternalAppService.ExternalAppProd',
        'PlatformCachePartition:ExternalApp',
        'RemoteSiteSetting:ExternalApp_ExternalAppStage_Token',
      ]),
    );
    const zip = await JSZip.loadAsync(pkg.zip);
    const names = Object.keys(zip.files);
    expect(names.some((n) => n.endsWith('package.xml'))).toBe(true);
    expect(names.some((n) => n.endsWith('objects/ExternalAppService__mdt.object'))).toBe(true);
    expect(pkg.testClasses).toEqual(['ExternalAppTokenServiceTest', 'ExternalAppApiClientTest']);
  });

  it('puts each secret into its record only, XML-escaped, and nowhere else', async () => {
    const zip = await JSZip.loadAsync((await reference()).zip);
    const texts = new Map<string, string>();
    for (const [name, file] of Object.entries(zip.files))
      if (!file.dir) texts.set(name, await file.async('string'));
    const withCanary = [...texts]
      .filter(([, text]) => canaryForms(CANARY_SECRET).some((form) => text.includes(form)))
      .map(([name]) => name);
    expect(withCanary).toEqual([
      expect.stringMatching(/customMetadata\/ExternalAppService\.ExternalAppStage\.md$/),
    ]);
    const stage = texts.get(withCanary[0]!)!;
    expect(stage).toMatch(
      /<field>ClientSecret__c<\/field>\s*<value xsi:type="xsd:string">CANARY\/s3cr3t=Zq9~XwV7-only4tests<\/value>/,
    );
    const prod = [...texts].find(([name]) =>
      name.endsWith('ExternalAppService.ExternalAppProd.md'),
    )![1];
    expect(prod).toContain('<value xsi:type="xsd:string">prod&lt;&amp;&gt;&quot;secret</value>');
  });

  it('leaves the source files untouched', async () => {
    await reference();
    const record = await readFile(
      join(
        REPO,
        'force-app/main/default/customMetadata/ExternalAppService.ExternalAppStage.md-meta.xml',
      ),
      'utf8',
    );
    expect(record).toMatch(/<field>ClientSecret__c<\/field>\s*<value xsi:nil="true"\/>/);
  });
});
