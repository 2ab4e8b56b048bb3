import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { ServiceConfig } from '../../src/config/schema.ts';
import { Secret } from '../../src/config/secret.ts';
import { SETTINGS, type SettingSpec } from '../../src/config/settings.ts';
import { buildTokenRequest, encodeForm } from '../../src/exchange/tokenRequest.ts';
import { renderArtifacts } from '../../src/generate/renderArtifacts.ts';
import { buildProjectVM, type ProjectVM } from '../../src/generate/viewModel.ts';
import { exampleConfig } from '../helpers/fixtures.ts';

/**
 * Every artifact that knows about a setting derives from the settings registry: a setting added
 * to it (here `tenant`, a form parameter) appears in each of them, with no other change.
 */
const TENANT: SettingSpec = {
  key: 'tenant',
  field: 'Tenant__c',
  label: 'Tenant',
  description: 'tenant form parameter, when set.',
  type: 'Text',
  length: 80,
  secret: false,
  request: { kind: 'formParameter', name: 'tenant' },
  cacheKey: true,
  externalCredential: 'setting',
  fixture: 'acme-test',
  example: '"tenant": "acme"',
};
const WITH_TENANT = [...SETTINGS, TENANT];

function configWithTenant(secretStorage: 'customMetadata' | 'externalCredential') {
  const config = parseConfig({ ...exampleConfig(), secretStorage });
  const service = config.services.ExternalAppStage!;
  config.services.ExternalAppStage = { ...service, tenant: 'acme-eu' } as ServiceConfig;
  return config;
}

/** Unformatted: the assertions read the templates' output, prettier only re-indents it. */
async function render(project: ProjectVM): Promise<Map<string, string>> {
  const files = await renderArtifacts(project, { format: (source) => Promise.resolve(source) });
  return new Map(files.map((f) => [f.path, f.content]));
}

const squash = (text: string) => text.replace(/\s+/g, ' ');

describe('a setting added to the registry', () => {
  const secretStorages = ['customMetadata', 'externalCredential'] as const;

  it.each(secretStorages)('%s: gets its field file, with the registry length', async (mode) => {
    const files = await render(buildProjectVM(configWithTenant(mode), { settings: WITH_TENANT }));
    const field = files.get('objects/ExternalAppService__mdt/fields/Tenant__c.field-meta.xml');
    expect(field).toContain('<fullName>Tenant__c</fullName>');
    expect(field).toContain('<length>80</length>');
    expect(field).toContain('<label>Tenant</label>');
  });

  it.each(secretStorages)('%s: gets its record value', async (mode) => {
    const files = await render(buildProjectVM(configWithTenant(mode), { settings: WITH_TENANT }));
    const record = files.get('customMetadata/ExternalAppService.ExternalAppStage.md-meta.xml');
    expect(squash(record!)).toContain(
      '<field>Tenant__c</field> <value xsi:type="xsd:string">acme-eu</value>',
    );
  });

  it('gets its form part, in the harness request and in the Apex token request', async () => {
    const config = configWithTenant('customMetadata');
    const request = buildTokenRequest(
      config.services.ExternalAppStage!,
      new Secret('s'),
      'basic',
      WITH_TENANT,
    );
    expect(encodeForm(request.form)).toMatch(/&tenant=acme-eu$/);
    const project = buildProjectVM(config, { settings: WITH_TENANT });
    expect(project.tokenForm.common.at(-1)).toMatchObject({
      name: 'tenant',
      settingField: 'Tenant__c',
      rawSetting: false,
    });
    const apex = (await render(project)).get('classes/ExternalAppTokenRequest.cls')!;
    expect(squash(apex)).toContain("addParameter('tenant', settings.Tenant__c);");
  });

  it('joins the Apex cache key material, and the generated tests check that it changes the key', async () => {
    const project = buildProjectVM(configWithTenant('customMetadata'), { settings: WITH_TENANT });
    expect(project.cacheKeyFields.at(-1)).toBe('Tenant__c');
    const files = await render(project);
    expect(files.get('classes/ExternalAppTokenRequest.cls')).toContain(
      'material.add(settings.Tenant__c);',
    );
    expect(squash(files.get('classes/ExternalAppTokenRequestTest.cls')!)).toContain(
      "settings.Tenant__c = 'acme-testx'; Assert.areNotEqual(key",
    );
  });

  it('gets its fixture in the generated tests, and in the body they expect', async () => {
    const files = await render(
      buildProjectVM(configWithTenant('customMetadata'), { settings: WITH_TENANT }),
    );
    const test = files.get('classes/ExternalAppTokenRequestTest.cls')!;
    expect(test).toContain("settings.Tenant__c = 'acme-test';");
    expect(test).toMatch(/'grant_type=client_credentials&[^']*&tenant=acme-test'/);
    expect(files.get('classes/ExternalAppApiTest.cls')).toContain(
      "settings.Tenant__c = 'acme-test';",
    );
  });

  it('is nowhere without its registry entry', async () => {
    const files = await render(buildProjectVM(configWithTenant('customMetadata')));
    expect([...files].filter(([, content]) => content.includes('Tenant__c'))).toEqual([]);
  });
});

describe('the artifacts derived from the registry', () => {
  const cmdt = buildProjectVM(parseConfig(exampleConfig()));
  const ec = buildProjectVM(
    parseConfig({ ...exampleConfig(), secretStorage: 'externalCredential' }),
  );

  it('has one field per setting; no secret field when an External Credential holds the secret', () => {
    expect(cmdt.fields.map((f) => f.apiName)).toEqual(SETTINGS.map((s) => s.field));
    expect(ec.fields.map((f) => f.apiName)).toEqual(
      SETTINGS.filter((s) => !s.secret).map((s) => s.field),
    );
  });

  it('writes the record values in registry order, the secret always empty', () => {
    const values = cmdt.services[0]!.values;
    expect(values.map((v) => v.field)).toEqual(SETTINGS.map((s) => s.field));
    expect(values.filter((v) => SETTINGS.find((s) => s.field === v.field)!.secret)).toEqual([
      { field: 'ClientSecret__c', xsdType: 'xsd:string', value: null },
    ]);
  });

  it('gives the Apex test record every field of the mode, with the registry fixtures', () => {
    expect(cmdt.testFixture.fields.map((f) => [f.field, f.value])).toEqual(
      SETTINGS.map((s) => [s.field, s.key === 'params' ? 'resource=loans+api' : String(s.fixture)]),
    );
    expect(ec.testFixture.fields.map((f) => f.field)).not.toContain('ClientSecret__c');
  });
});

/** The Apex cache key, computed the way the generated cacheKey() computes it. */
function apexCacheKey(source: string, service: string, record: Map<string, string | null>): string {
  const fields = [...source.matchAll(/material\.add\(settings\.(\w+)\);/g)].map((m) => m[1]!);
  const material = [service, ...fields.map((field) => record.get(field) ?? null)];
  const hash = createHash('sha256').update(JSON.stringify(material), 'utf8').digest('hex');
  return `tok${hash.slice(0, 47)}`;
}

describe('the Apex Platform Cache key', () => {
  const generated = readFile(
    new URL('../../force-app/main/default/classes/ExternalAppTokenRequest.cls', import.meta.url),
    'utf8',
  );
  const keyFor = async (patch: Record<string, unknown>, service = 'ExternalAppStage') => {
    const project = buildProjectVM(parseConfig(exampleConfig(patch)));
    const record = new Map(project.services[0]!.values.map((v) => [v.field, v.value]));
    return apexCacheKey(await generated, service, record);
  };

  it('hashes the service name, the token URL, client id, client auth style, audience, scope and extra params', async () => {
    const source = await generated;
    const fields = [...source.matchAll(/material\.add\(settings\.(\w+)\);/g)].map((m) => m[1]);
    expect(source).toContain('List<String> material = new List<String>{ service };');
    expect(fields).toEqual([
      'TokenUrl__c',
      'ClientId__c',
      'ClientAuth__c',
      'Audience__c',
      'Scope__c',
      'FormParams__c',
    ]);
  });

  it.each([
    ['token URL', { tokenUrl: 'https://auth-eu.externalapp.example/oauth/token' }],
    ['client id', { clientId: 'another-client' }],
    ['client auth style', { clientAuth: 'body' }],
    ['audience', { audience: 'https://payments.externalapp.example' }],
    ['scope', { scope: 'read:loans' }],
    ['extra params', { params: { resource: 'payments' } }],
  ])(
    'differs for another %s, so a token for one request is never reused for another',
    async (_name, patch) => {
      expect(await keyFor(patch)).not.toBe(await keyFor({}));
    },
  );

  it('differs for services whose names share their first 20 characters', async () => {
    expect(await keyFor({}, 'ExternalAppStageServiceOne')).not.toBe(
      await keyFor({}, 'ExternalAppStageServiceTwo'),
    );
  });

  it('is the same when only the timeout differs; alphanumeric, 50 characters', async () => {
    const key = await keyFor({});
    expect(await keyFor({ timeoutMs: 5000 })).toBe(key);
    expect(key).toMatch(/^tok[0-9a-f]{47}$/);
  });
});

describe('the secret in a record', () => {
  const record = async (
    secretStorage: 'customMetadata' | 'externalCredential',
    secrets?: Map<string, Secret>,
  ) => {
    const project = buildProjectVM(parseConfig({ ...exampleConfig(), secretStorage }), { secrets });
    return squash(
      (await render(project)).get(
        'customMetadata/ExternalAppService.ExternalAppStage.md-meta.xml',
      )!,
    );
  };

  it('is empty in files, and present only in a record rendered with the secret for the deploy', async () => {
    expect(await record('customMetadata')).toContain(
      '<field>ClientSecret__c</field> <value xsi:nil="true"/>',
    );
    const secrets = new Map([['ExternalAppStage', new Secret('s3cr&t')]]);
    expect(await record('customMetadata', secrets)).toContain(
      '<field>ClientSecret__c</field> <value xsi:type="xsd:string">s3cr&amp;t</value>',
    );
    expect(await record('externalCredential', secrets)).not.toContain('s3cr');
  });
});
