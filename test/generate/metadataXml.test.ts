import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ComponentSet } from '@salesforce/source-deploy-retrieve';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { ARTIFACTS } from '../../src/generate/registry.ts';
import { buildProjectVM, type ProjectVM } from '../../src/generate/viewModel.ts';
import { createTemplateEngine, TEMPLATES_DIR } from '../../src/render/templateEngine.ts';

/**
 * The metadata XML templates, rendered through the registry exactly as the pipeline renders
 * them: well-formed, formatted like the Salesforce CLI writes source format, carrying the view
 * model's values intact, and recognised by source-deploy-retrieve as the components we expect.
 */

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';
const NS = 'http://soap.sforce.com/2006/04/metadata';
const XSI = 'http://www.w3.org/2001/XMLSchema-instance';
const XSD = 'http://www.w3.org/2001/XMLSchema';
const PACKAGE_DIR = 'force-app/main/default';

/** Two services: basic with audience, scope, params and characters XML must escape; body with none. */
function config(secretStorage: 'customMetadata' | 'externalCredential'): ConfigInput {
  return {
    prefix: 'Acme',
    apiVersion: '64.0',
    secretStorage,
    cache: { partition: 'AcmeTokens', capacityMb: 3, refreshMarginSeconds: 60 },
    services: {
      Ledger: {
        tokenUrl: 'http://localhost:8080/token',
        apiBaseUrl: 'https://ledger.example.test',
        clientId: 'ledger-client',
        clientSecret: { file: '.secrets/ledger' },
        clientAuth: 'body',
      },
      Billing: {
        tokenUrl: 'https://auth.acme.example:8443/oauth/token?tenant=a&x=1',
        apiBaseUrl: 'https://api.acme.example/v2/',
        clientId: "acme's-client",
        clientSecret: { env: 'ACME_BILLING_SECRET' },
        clientAuth: 'basic',
        audience: 'https://api.acme.example/?a=1&b=<2>',
        scope: 'read:invoices write:invoices',
        params: { resource: 'loans api', tenant: 'a&b' },
        timeoutMs: 15000,
      },
    },
  };
}

const cmdtProject = buildProjectVM(parseConfig(config('customMetadata')));
const ecProject = buildProjectVM(parseConfig(config('externalCredential')));

interface RenderedXml {
  path: string;
  template: string;
  content: string;
}

const XML_ARTIFACTS = ARTIFACTS.filter((artifact) => artifact.kind === 'xml');

/** Every 'xml' artifact of the registry for each of its items, with the pipeline's context. */
function renderXml(project: ProjectVM): RenderedXml[] {
  const engine = createTemplateEngine();
  return XML_ARTIFACTS.flatMap((artifact) =>
    artifact.items(project).map((item) => ({
      path: artifact.output(project, item),
      template: artifact.template,
      content: engine.render(artifact.template, { project, item }),
    })),
  );
}

const renderedCache = new Map<ProjectVM, RenderedXml[]>();
function rendered(project: ProjectVM): RenderedXml[] {
  let files = renderedCache.get(project);
  if (!files) {
    files = renderXml(project);
    renderedCache.set(project, files);
  }
  return files;
}

function file(project: ProjectVM, path: string): string {
  const found = rendered(project).find((f) => f.path === path);
  if (!found) {
    const paths = rendered(project).map((f) => f.path);
    throw new Error(`${path} was not rendered; rendered: ${paths.join(', ')}`);
  }
  return found.content;
}

const REPEATED = new Set([
  'values',
  'platformCachePartitionTypes',
  'externalCredentialParameters',
  'namedCredentialParameters',
  'classAccesses',
  'externalCredentialPrincipalAccesses',
  'objectPermissions',
]);

/** Strings stay strings ("64.0", "false"), attributes keep their names, entities are decoded. */
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  ignoreDeclaration: true,
  processEntities: true,
  isArray: (tagName) => REPEATED.has(tagName),
});

function parse(project: ProjectVM, path: string): unknown {
  return parser.parse(file(project, path));
}

/**
 * Differences from the source format the Salesforce CLI writes: the declaration first, one
 * element per line, 4 spaces per nesting level, no blank lines or trailing whitespace, one
 * final newline.
 */
function formatProblems(content: string): string[] {
  const problems: string[] = [];
  if (!content.startsWith(`${DECLARATION}\n`)) problems.push('does not start with the declaration');
  if (!content.endsWith('\n') || content.endsWith('\n\n')) {
    problems.push('does not end with exactly one newline');
  }
  const lines = content.replace(/\n$/, '').split('\n').slice(1);
  let depth = 0;
  lines.forEach((line, index) => {
    const where = `line ${index + 2}`;
    const body = line.trim();
    if (body === '') {
      problems.push(`${where} is blank`);
      return;
    }
    if (/\s$/.test(line)) problems.push(`${where} has trailing whitespace`);
    if (!body.startsWith('<')) problems.push(`${where} does not start with an element`);
    const closing = body.startsWith('</');
    if (closing) depth -= 1;
    const indent = line.slice(0, line.length - line.trimStart().length);
    if (indent !== ' '.repeat(4 * Math.max(depth, 0))) {
      problems.push(`${where} is indented ${JSON.stringify(indent)}, expected ${4 * depth} spaces`);
    }
    if (!closing && !body.endsWith('/>') && !/<\/[^>]+>$/.test(body)) depth += 1;
  });
  if (depth !== 0) problems.push(`ends at nesting depth ${depth}`);
  return problems;
}

describe('formatProblems (the format check itself)', () => {
  it('accepts source format and names each deviation', () => {
    const good = `${DECLARATION}\n<A xmlns="${NS}">\n    <b>1</b>\n    <c>\n        <d/>\n    </c>\n</A>\n`;
    expect(formatProblems(good)).toEqual([]);
    expect(formatProblems(`${DECLARATION}\n<A>\n\n    <b>1</b>\n</A>\n`)).toEqual([
      'line 3 is blank',
    ]);
    expect(formatProblems(`${DECLARATION}\n<A>\n    <b>1</b> \n</A>\n`)).toEqual([
      'line 3 has trailing whitespace',
    ]);
    expect(formatProblems(`${DECLARATION}\n<A>\n  <b>1</b>\n</A>\n`)).toEqual([
      'line 3 is indented "  ", expected 4 spaces',
    ]);
    expect(formatProblems(`${DECLARATION}\n<A>\n    <b>1</b>\n</A>\n\n`)).toEqual([
      'does not end with exactly one newline',
      'line 5 is blank',
    ]);
    expect(formatProblems(`<A>\n</A>`)).toContain('does not start with the declaration');
  });
});

describe.each([
  { mode: 'customMetadata', project: cmdtProject },
  { mode: 'externalCredential', project: ecProject },
])('every xml artifact in $mode mode', ({ project }) => {
  it('renders well-formed XML in the CLI source format, rooted in the metadata namespace', () => {
    const files = rendered(project);
    expect(files.length).toBeGreaterThan(20);
    for (const { path, content } of files) {
      expect({ path, valid: XMLValidator.validate(content) }).toEqual({ path, valid: true });
      expect({ path, problems: formatProblems(content) }).toEqual({ path, problems: [] });
      const root = content.split('\n')[1] ?? '';
      expect({ path, root }).toEqual({
        path,
        root: expect.stringMatching(new RegExp(`^<[A-Za-z]+ xmlns="${NS}"[ >]`)),
      });
    }
  });

  it('writes one ApexClass meta file per generated class, API version as configured', () => {
    for (const name of Object.values(project.classes)) {
      expect(parse(project, `classes/${name}.cls-meta.xml`)).toEqual({
        ApexClass: { '@xmlns': NS, apiVersion: '64.0', status: 'Active' },
      });
    }
    expect(rendered(project).filter((f) => f.path.startsWith('classes/'))).toHaveLength(13);
  });

  it('describes the Custom Metadata type and its Text fields', () => {
    expect(parse(project, 'objects/AcmeService__mdt/AcmeService__mdt.object-meta.xml')).toEqual({
      CustomObject: {
        '@xmlns': NS,
        label: 'Acme Service',
        pluralLabel: 'Acme Services',
        visibility: 'Public',
      },
    });
    const text = project.fields.filter((f) => f.type === 'Text');
    expect(text.length).toBeGreaterThanOrEqual(7);
    for (const field of text) {
      expect(
        parse(project, `objects/AcmeService__mdt/fields/${field.apiName}.field-meta.xml`),
      ).toEqual({
        CustomField: {
          '@xmlns': NS,
          fullName: field.apiName,
          description: field.description,
          externalId: 'false',
          fieldManageability: 'DeveloperControlled',
          label: field.label,
          length: String(field.length),
          required: 'false',
          type: 'Text',
          unique: 'false',
        },
      });
    }
    // A description with '&' survives escaping and parsing unchanged.
    expect(
      parse(project, 'objects/AcmeService__mdt/fields/FormParams__c.field-meta.xml'),
    ).toMatchObject({
      CustomField: {
        description:
          'Extra token request parameters, already form-encoded (name=value&name=value).',
      },
    });
  });

  // Needs a FieldVM flag the templates can branch on (see the field template); until then the
  // Number field renders with <length>, which Salesforce rejects.
  it('describes TimeoutMs__c as a Number with precision and scale 0, no length', () => {
    expect(parse(project, 'objects/AcmeService__mdt/fields/TimeoutMs__c.field-meta.xml')).toEqual({
      CustomField: {
        '@xmlns': NS,
        fullName: 'TimeoutMs__c',
        description: 'Callout timeout in milliseconds (1 to 120000).',
        externalId: 'false',
        fieldManageability: 'DeveloperControlled',
        label: 'Timeout (ms)',
        precision: '6',
        required: 'false',
        scale: '0',
        type: 'Number',
        unique: 'false',
      },
    });
  });

  it('allocates the org cache of the partition, none of the session cache', () => {
    expect(parse(project, 'cachePartitions/AcmeTokens.cachePartition-meta.xml')).toEqual({
      PlatformCachePartition: {
        '@xmlns': NS,
        description: 'Holds the OAuth access tokens cached by callout-kit.',
        isDefaultPartition: 'false',
        masterLabel: 'AcmeTokens',
        platformCachePartitionTypes: [
          {
            allocatedCapacity: '3',
            allocatedPartnerCapacity: '0',
            allocatedPurchasedCapacity: '0',
            allocatedTrialCapacity: '0',
            cacheType: 'Organization',
          },
          {
            allocatedCapacity: '0',
            allocatedPartnerCapacity: '0',
            allocatedPurchasedCapacity: '0',
            allocatedTrialCapacity: '0',
            cacheType: 'Session',
          },
        ],
      },
    });
  });
});

/** One `<values>` entry as parsed: a typed value, or xsi:nil. */
function value(field: string, text: string | null, type = 'xsd:string') {
  return {
    field,
    value: text === null ? { '@xsi:nil': 'true' } : { '#text': text, '@xsi:type': type },
  };
}

function record(label: string, values: ReturnType<typeof value>[]) {
  return {
    CustomMetadata: {
      '@xmlns': NS,
      '@xmlns:xsi': XSI,
      '@xmlns:xsd': XSD,
      label,
      protected: 'false',
      values,
    },
  };
}

describe('customMetadata mode', () => {
  const project = cmdtProject;

  it('writes each service as a record; the secret and unset settings are nil', () => {
    expect(parse(project, 'customMetadata/AcmeService.Billing.md-meta.xml')).toEqual(
      record('Billing', [
        value('TokenUrl__c', 'https://auth.acme.example:8443/oauth/token?tenant=a&x=1'),
        value('ApiBaseUrl__c', 'https://api.acme.example/v2/'),
        value('ClientId__c', "acme's-client"),
        value('ClientSecret__c', null),
        value('ClientAuth__c', 'basic'),
        value('Audience__c', 'https://api.acme.example/?a=1&b=<2>'),
        value('Scope__c', 'read:invoices write:invoices'),
        value('FormParams__c', 'resource=loans+api&tenant=a%26b'),
        value('TimeoutMs__c', '15000', 'xsd:double'),
      ]),
    );
    expect(parse(project, 'customMetadata/AcmeService.Ledger.md-meta.xml')).toEqual(
      record('Ledger', [
        value('TokenUrl__c', 'http://localhost:8080/token'),
        value('ApiBaseUrl__c', 'https://ledger.example.test'),
        value('ClientId__c', 'ledger-client'),
        value('ClientSecret__c', null),
        value('ClientAuth__c', 'body'),
        value('Audience__c', null),
        value('Scope__c', null),
        value('FormParams__c', null),
        value('TimeoutMs__c', '10000', 'xsd:double'),
      ]),
    );
  });

  it('escapes record values and writes nil as an empty element', () => {
    const billing = file(project, 'customMetadata/AcmeService.Billing.md-meta.xml');
    expect(billing).toContain('<value xsi:type="xsd:string">acme&apos;s-client</value>');
    expect(billing).toContain(
      '<value xsi:type="xsd:string">https://api.acme.example/?a=1&amp;b=&lt;2&gt;</value>',
    );
    expect(billing).toContain(
      '        <field>ClientSecret__c</field>\n        <value xsi:nil="true"/>\n',
    );
  });

  it('allows callouts to the origins of both endpoints of every service', () => {
    const site = (name: string, url: string, description: string) => [
      `remoteSiteSettings/${name}.remoteSite-meta.xml`,
      {
        RemoteSiteSetting: {
          '@xmlns': NS,
          description,
          disableProtocolSecurity: 'false',
          isActive: 'true',
          url,
        },
      },
    ];
    const expected = [
      site('Acme_Billing_Api', 'https://api.acme.example', 'API of Billing (callout-kit).'),
      site(
        'Acme_Billing_Token',
        'https://auth.acme.example:8443',
        'Token endpoint of Billing (callout-kit).',
      ),
      site('Acme_Ledger_Api', 'https://ledger.example.test', 'API of Ledger (callout-kit).'),
      site('Acme_Ledger_Token', 'http://localhost:8080', 'Token endpoint of Ledger (callout-kit).'),
    ];
    const sites = rendered(project)
      .filter((f) => f.path.startsWith('remoteSiteSettings/'))
      .map((f) => [f.path, parser.parse(f.content) as unknown])
      .sort(([a], [b]) => String(a).localeCompare(String(b)));
    expect(sites).toEqual(expected);
  });

  it('writes no credential or permission set files', () => {
    const paths = rendered(project).map((f) => f.path);
    expect(
      paths.filter((p) => /^(externalCredentials|namedCredentials|permissionsets)\//.test(p)),
    ).toEqual([]);
  });
});

const BILLING_FORMULA =
  "{!'Basic ' & BASE64ENCODE(BLOB($Credential.Acme_Billing.ClientId & ':' & $Credential.Acme_Billing.ClientSecret))}";

describe('externalCredential mode', () => {
  const project = ecProject;

  it('points the records at the Named Credentials and keeps no client id or secret field', () => {
    expect(parse(project, 'customMetadata/AcmeService.Billing.md-meta.xml')).toEqual(
      record('Billing', [
        value('TokenUrl__c', 'callout:Acme_Billing_Token'),
        value('ApiBaseUrl__c', 'callout:Acme_Billing_Api'),
        value('ClientId__c', null),
        value('ClientAuth__c', 'basic'),
        value('Audience__c', 'https://api.acme.example/?a=1&b=<2>'),
        value('Scope__c', 'read:invoices write:invoices'),
        value('FormParams__c', 'resource=loans+api&tenant=a%26b'),
        value('TimeoutMs__c', '15000', 'xsd:double'),
      ]),
    );
    const paths = rendered(project).map((f) => f.path);
    expect(paths.filter((p) => p.includes('ClientSecret'))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('remoteSiteSettings/'))).toEqual([]);
  });

  it('adds the Basic header formula to the basic token credential, escaped and intact', () => {
    const raw = file(project, 'externalCredentials/Acme_Billing.externalCredential-meta.xml');
    expect(raw).toContain(
      '<parameterValue>{!&apos;Basic &apos; &amp; BASE64ENCODE(BLOB($Credential.Acme_Billing.ClientId &amp; &apos;:&apos; &amp; $Credential.Acme_Billing.ClientSecret))}</parameterValue>',
    );
    expect(parse(project, 'externalCredentials/Acme_Billing.externalCredential-meta.xml')).toEqual({
      ExternalCredential: {
        '@xmlns': NS,
        authenticationProtocol: 'Custom',
        externalCredentialParameters: [
          {
            parameterName: 'ClientCredentials',
            parameterType: 'NamedPrincipal',
            sequenceNumber: '1',
          },
          {
            parameterName: 'Authorization',
            parameterType: 'AuthHeader',
            parameterValue: BILLING_FORMULA,
            sequenceNumber: '1',
          },
        ],
        label: 'Billing client credentials',
      },
    });
  });

  it('gives the body token credential only its principal', () => {
    expect(parse(project, 'externalCredentials/Acme_Ledger.externalCredential-meta.xml')).toEqual({
      ExternalCredential: {
        '@xmlns': NS,
        authenticationProtocol: 'Custom',
        externalCredentialParameters: [
          {
            parameterName: 'ClientCredentials',
            parameterType: 'NamedPrincipal',
            sequenceNumber: '1',
          },
        ],
        label: 'Ledger client credentials',
      },
    });
  });

  it('gives each API a Custom credential with a parameterless principal (Apex sends the Bearer header)', () => {
    for (const [name, label] of [
      ['Acme_Billing_Api', 'Billing API'],
      ['Acme_Ledger_Api', 'Ledger API'],
    ]) {
      expect(parse(project, `externalCredentials/${name}.externalCredential-meta.xml`)).toEqual({
        ExternalCredential: {
          '@xmlns': NS,
          authenticationProtocol: 'Custom',
          externalCredentialParameters: [
            { parameterName: 'ApiAccess', parameterType: 'NamedPrincipal', sequenceNumber: '1' },
          ],
          label,
        },
      });
    }
  });

  const namedCredential = (o: {
    body: boolean;
    label: string;
    url: string;
    credential: string;
  }) => ({
    NamedCredential: {
      '@xmlns': NS,
      allowMergeFieldsInBody: String(o.body),
      allowMergeFieldsInHeader: 'false',
      calloutStatus: 'Enabled',
      generateAuthorizationHeader: 'false',
      label: o.label,
      namedCredentialParameters: [
        { parameterName: 'Url', parameterType: 'Url', parameterValue: o.url },
        {
          externalCredential: o.credential,
          parameterName: 'ExternalCredential',
          parameterType: 'Authentication',
        },
      ],
      namedCredentialType: 'SecuredEndpoint',
    },
  });

  it('routes the token endpoints through Named Credentials; only body auth merges into the body', () => {
    expect(parse(project, 'namedCredentials/Acme_Billing_Token.namedCredential-meta.xml')).toEqual(
      namedCredential({
        body: false,
        label: 'Billing client credentials',
        url: 'https://auth.acme.example:8443/oauth/token?tenant=a&x=1',
        credential: 'Acme_Billing',
      }),
    );
    expect(file(project, 'namedCredentials/Acme_Billing_Token.namedCredential-meta.xml')).toContain(
      '<parameterValue>https://auth.acme.example:8443/oauth/token?tenant=a&amp;x=1</parameterValue>',
    );
    expect(parse(project, 'namedCredentials/Acme_Ledger_Token.namedCredential-meta.xml')).toEqual(
      namedCredential({
        body: true,
        label: 'Ledger client credentials',
        url: 'http://localhost:8080/token',
        credential: 'Acme_Ledger',
      }),
    );
  });

  it('routes the APIs through Named Credentials on the unauthenticated credentials', () => {
    expect(parse(project, 'namedCredentials/Acme_Billing_Api.namedCredential-meta.xml')).toEqual(
      namedCredential({
        body: false,
        label: 'Billing API',
        url: 'https://api.acme.example/v2/',
        credential: 'Acme_Billing_Api',
      }),
    );
    expect(parse(project, 'namedCredentials/Acme_Ledger_Api.namedCredential-meta.xml')).toEqual(
      namedCredential({
        body: false,
        label: 'Ledger API',
        url: 'https://ledger.example.test',
        credential: 'Acme_Ledger_Api',
      }),
    );
  });

  it('grants the classes and every principal in one permission set', () => {
    expect(parse(project, 'permissionsets/Acme_Callout.permissionset-meta.xml')).toEqual({
      PermissionSet: {
        '@xmlns': NS,
        classAccesses: [
          { apexClass: 'AcmeApi', enabled: 'true' },
          { apexClass: 'AcmeApiClient', enabled: 'true' },
          { apexClass: 'AcmeTokenService', enabled: 'true' },
        ],
        externalCredentialPrincipalAccesses: [
          { enabled: 'true', externalCredentialPrincipal: 'Acme_Billing-ClientCredentials' },
          { enabled: 'true', externalCredentialPrincipal: 'Acme_Billing_Api-ApiAccess' },
          { enabled: 'true', externalCredentialPrincipal: 'Acme_Ledger-ClientCredentials' },
          { enabled: 'true', externalCredentialPrincipal: 'Acme_Ledger_Api-ApiAccess' },
        ],
        hasActivationRequired: 'false',
        label: 'Acme Callout',
        // Salesforce: every user making a callout through a named credential needs read on
        // User External Credentials; integration users and some profiles lack it.
        objectPermissions: [
          {
            allowCreate: 'false',
            allowDelete: 'false',
            allowEdit: 'false',
            allowRead: 'true',
            modifyAllRecords: 'false',
            object: 'UserExternalCredential',
            viewAllRecords: 'false',
          },
        ],
      },
    });
  });

  it('writes the permission set elements in the alphabetical order of the PermissionSet type', () => {
    const content = file(ecProject, 'permissionsets/Acme_Callout.permissionset-meta.xml');
    const children = (xml: string, depth: number) =>
      [...xml.matchAll(new RegExp(`^ {${depth * 4}}<(\\w+)>`, 'gm'))].map((m) => m[1]!);
    const top = children(content, 1);
    expect(top).toContain('objectPermissions');
    expect(top).toEqual([...top].sort());
    const block = /<objectPermissions>[\s\S]*?<\/objectPermissions>/.exec(content)![0];
    const fields = children(block, 2);
    expect(fields).toHaveLength(7);
    expect(fields).toEqual([...fields].sort());
  });
});

describe('the registry', () => {
  it('renders every xml template in one mode or the other', () => {
    const used = new Set([...rendered(cmdtProject), ...rendered(ecProject)].map((f) => f.template));
    expect([...new Set(XML_ARTIFACTS.map((a) => a.template))].filter((t) => !used.has(t))).toEqual(
      [],
    );
  });
});

/** `Type:fullName` of every component, children (CustomField) included. */
function componentsIn(dir: string): string[] {
  const names: string[] = [];
  for (const component of ComponentSet.fromSource(dir).getSourceComponents()) {
    for (const c of [component, ...component.getChildren()])
      names.push(`${c.type.name}:${c.fullName}`);
  }
  return names.sort();
}

function expectedComponents(project: ProjectVM): string[] {
  const type = project.settingsType;
  const credentials = project.services.flatMap((s) =>
    s.externalCredential ? [s.externalCredential] : [],
  );
  return [
    ...Object.values(project.classes).map((name) => `ApexClass:${name}`),
    `CustomObject:${type.apiName}`,
    ...project.fields.map((f) => `CustomField:${type.apiName}.${f.apiName}`),
    ...project.services.map((s) => `CustomMetadata:${type.name}.${s.name}`),
    `PlatformCachePartition:${project.cache.partition}`,
    ...project.services.flatMap((s) => s.remoteSites).map((r) => `RemoteSiteSetting:${r.name}`),
    ...credentials.flatMap((c) => [
      `ExternalCredential:${c.name}`,
      `ExternalCredential:${c.apiExternalCredential}`,
      `NamedCredential:${c.tokenNamedCredential}`,
      `NamedCredential:${c.apiNamedCredential}`,
    ]),
    ...(project.permissionSet ? [`PermissionSet:${project.permissionSet.name}`] : []),
  ].sort();
}

describe('source-deploy-retrieve', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** An sfdx project holding the rendered files, plus a trivial .cls for each class meta file. */
  function writeProject(project: ProjectVM): string {
    const dir = mkdtempSync(join(tmpdir(), 'callout-kit-xml-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'sfdx-project.json'),
      JSON.stringify({
        packageDirectories: [{ path: 'force-app', default: true }],
        sourceApiVersion: '64.0',
      }),
    );
    const write = (path: string, content: string) => {
      const target = join(dir, PACKAGE_DIR, path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, content);
    };
    for (const { path, content } of rendered(project)) write(path, content);
    for (const name of Object.values(project.classes)) {
      write(`classes/${name}.cls`, `public with sharing class ${name} {\n}\n`);
    }
    return dir;
  }

  it('recognises exactly the expected components in customMetadata mode', () => {
    const found = componentsIn(writeProject(cmdtProject));
    expect(found).toEqual(expectedComponents(cmdtProject));
    expect(found).toHaveLength(13 + 1 + 9 + 2 + 1 + 4);
    expect(new Set(found.map((c) => c.split(':')[0]))).toEqual(
      new Set([
        'ApexClass',
        'CustomObject',
        'CustomField',
        'CustomMetadata',
        'PlatformCachePartition',
        'RemoteSiteSetting',
      ]),
    );
    expect(found).toContain('CustomField:AcmeService__mdt.ClientSecret__c');
    expect(found).toContain('CustomMetadata:AcmeService.Billing');
  });

  it('recognises exactly the expected components in externalCredential mode', () => {
    const found = componentsIn(writeProject(ecProject));
    expect(found).toEqual(expectedComponents(ecProject));
    expect(found).toHaveLength(13 + 1 + 8 + 2 + 1 + 8 + 1);
    expect(new Set(found.map((c) => c.split(':')[0]))).toEqual(
      new Set([
        'ApexClass',
        'CustomObject',
        'CustomField',
        'CustomMetadata',
        'PlatformCachePartition',
        'ExternalCredential',
        'NamedCredential',
        'PermissionSet',
      ]),
    );
    expect(found).toContain('PermissionSet:Acme_Callout');
    expect(found).toContain('NamedCredential:Acme_Ledger_Token');
  });
});

/** Mustaches a template may hold: values only through the escaping helpers, logic only if/each/unless. */
const VALUE_HELPERS = new Set(['apexString', 'xml', 'apexName', 'num']);
const BLOCK_HELPERS = new Set(['if', 'each', 'unless']);
const PATH =
  /^(?:@root\.|(?:\.\.\/)+)?(?:this|@?[A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*$/;

function allowedMustache(inner: string): boolean {
  // A partial: by name, or the variant the view model chose (`project.partials`).
  if (inner.startsWith('>'))
    return /^>\s*(?:[\w/.-]+|\(lookup project\.partials "\w+"\))$/.test(inner);
  const elseIf = /^else(?:\s+(\w+)\s+(\S+))?$/.exec(inner);
  if (elseIf)
    return elseIf[1] === undefined || (BLOCK_HELPERS.has(elseIf[1]) && PATH.test(elseIf[2]!));
  const open = /^#(\w+)\s+(\S+)$/.exec(inner);
  if (open) return BLOCK_HELPERS.has(open[1]!) && PATH.test(open[2]!);
  const close = /^\/(\w+)$/.exec(inner);
  if (close) return BLOCK_HELPERS.has(close[1]!);
  const helper = /^(\w+)\s+(\S+)$/.exec(inner);
  if (helper) return VALUE_HELPERS.has(helper[1]!) && PATH.test(helper[2]!);
  return false;
}

/** Every mustache of a template that is not allowed, as written. */
function disallowedMustaches(source: string): string[] {
  const withoutComments = source
    .replace(/\{\{~?!--[\s\S]*?--~?\}\}/g, '')
    .replace(/\{\{~?![\s\S]*?\}\}/g, '');
  const bad: string[] = [];
  for (const [tag] of withoutComments.matchAll(/\{\{\{?[\s\S]*?\}\}\}?/g)) {
    const triple = tag.startsWith('{{{');
    const inner = tag
      .replace(/^\{\{\{?~?/, '')
      .replace(/~?\}\}\}?$/, '')
      .trim();
    if (triple || !allowedMustache(inner)) bad.push(tag);
  }
  return bad;
}

function templateFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.hbs'))
    .map((path) => path.split('\\').join('/'))
    .sort();
}

describe('template mustaches', () => {
  it.each([
    '{{xml item.label}}',
    '{{apexName item.apiName}}',
    '{{num project.cache.capacityMb}}',
    "'{{apexString project.testFixture.clientId}}'",
    '{{~#if item.basicHeaderFormula~}}{{else}}{{/if}}',
    '{{#each item.values}}{{xml value}}{{/each}}',
    '{{#unless @last}},{{/unless}}',
    '{{#if a}}{{else if b}}{{/if}}',
    '{{> header}}',
    '{{> (lookup project.partials "tokenServiceDescription")}}',
    '{{! a comment }}',
    '{{!-- a comment with {{item.label}} inside --}}',
  ])('allows %s', (source) => {
    expect(disallowedMustaches(source)).toEqual([]);
  });

  it.each([
    ['{{item.label}}', ['{{item.label}}']],
    ['{{{xml item.label}}}', ['{{{xml item.label}}}']],
    ['{{~ item.label ~}}', ['{{~ item.label ~}}']],
    ['{{lookup item "label"}}', ['{{lookup item "label"}}']],
    ['{{#with item}}{{/with}}', ['{{#with item}}', '{{/with}}']],
    ['{{#if (lookup a b)}}{{/if}}', ['{{#if (lookup a b)}}']],
    ['{{xml item.a item.b}}', ['{{xml item.a item.b}}']],
    ["{{xml 'literal'}}", ["{{xml 'literal'}}"]],
    ['{{#each item.values as |v|}}{{/each}}', ['{{#each item.values as |v|}}']],
    ['{{> (lookup item "label")}}', ['{{> (lookup item "label")}}']],
    ['{{> header item.label}}', ['{{> header item.label}}']],
  ])('rejects %s', (source, bad) => {
    expect(disallowedMustaches(source)).toEqual(bad);
  });

  const templates = templateFiles(TEMPLATES_DIR);

  it('finds the metadata templates (and any Apex templates) under templates/', () => {
    const xml = [...new Set(XML_ARTIFACTS.map((a) => a.template))];
    expect(xml.filter((t) => !templates.includes(t))).toEqual([]);
    expect(templates.length).toBeGreaterThanOrEqual(xml.length);
  });

  it('covers the partials, every variant of each', () => {
    const partials = templates.filter((t) => t.startsWith('partials/'));
    const variants = (storage: string) =>
      partials.filter((t) => t.startsWith(`partials/${storage}/`)).map((t) => t.split('/')[2]);
    expect(variants('customMetadata').length).toBeGreaterThan(0);
    expect(variants('externalCredential')).toEqual(variants('customMetadata'));
  });

  it.each(templates)('%s passes values only through the escaping helpers', (template) => {
    const source = readFileSync(join(TEMPLATES_DIR, template), 'utf8');
    expect(disallowedMustaches(source)).toEqual([]);
  });
});
