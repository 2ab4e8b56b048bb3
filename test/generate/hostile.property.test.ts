import fc from 'fast-check';
import { hostile } from '../helpers/hostile.ts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import type { ConfigInput } from '../../src/config/schema.ts';
import { CalloutError } from '../../src/errors/index.ts';
import { prettierApex } from '../../src/generate/formatApex.ts';
import { ARTIFACTS } from '../../src/generate/registry.ts';
import { buildProjectVM, type ProjectVM } from '../../src/generate/viewModel.ts';
import { encodeFormPairs } from '../../src/util/formEncoding.ts';
import { createTemplateEngine } from '../../src/render/templateEngine.ts';

/**
 * Hostile strings in every config value that reaches Apex or XML: each is either rejected with a
 * config error, or the output parses and the value reads back exactly.
 */
const engine = createTemplateEngine();
const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: false,
});

type Target =
  | 'clientId'
  | 'audience'
  | 'scope'
  | 'paramValue'
  | 'paramName'
  | 'tokenPath'
  | 'apiPath'
  | 'serviceName'
  | 'prefix'
  | 'partition';
const TARGETS: Target[] = [
  'clientId',
  'audience',
  'scope',
  'paramValue',
  'paramName',
  'tokenPath',
  'apiPath',
  'serviceName',
  'prefix',
  'partition',
];

function configWith(
  target: Target,
  value: string,
  secretStorage: 'customMetadata' | 'externalCredential',
): ConfigInput {
  const service: Record<string, unknown> = {
    tokenUrl:
      target === 'tokenPath'
        ? `https://auth.example.test/${value}`
        : 'https://auth.example.test/token',
    apiBaseUrl:
      target === 'apiPath' ? `https://api.example.test/${value}` : 'https://api.example.test',
    clientId: target === 'clientId' ? value : 'client',
    clientSecret: { env: 'X' },
    clientAuth: 'body',
    params: target === 'paramValue' ? { p: value } : target === 'paramName' ? { [value]: 'v' } : {},
  };
  if (target === 'audience') service.audience = value;
  if (target === 'scope') service.scope = value;
  return {
    prefix: target === 'prefix' ? value : 'Hx',
    apiVersion: '64.0',
    secretStorage,
    ...(target === 'partition' ? { cache: { partition: value } } : {}),
    services: {
      [target === 'serviceName' ? value : 'Svc']: service as ConfigInput['services'][string],
    },
  };
}

function build(config: ConfigInput): ProjectVM | undefined {
  try {
    return buildProjectVM(parseConfig(config));
  } catch (error) {
    if (error instanceof CalloutError && error.name === 'CONFIG_INVALID') return undefined;
    throw error;
  }
}

function renderXml(project: ProjectVM): Map<string, unknown> {
  const parsed = new Map<string, unknown>();
  for (const artifact of ARTIFACTS.filter((a) => a.kind === 'xml')) {
    for (const item of artifact.items(project)) {
      const text = engine.render(artifact.template, { project, item });
      const valid = XMLValidator.validate(text);
      if (valid !== true)
        throw new Error(
          `${artifact.output(project, item)} is not well-formed: ${JSON.stringify(valid)}`,
        );
      parsed.set(artifact.output(project, item), parser.parse(text));
    }
  }
  return parsed;
}

type RecordXml = {
  CustomMetadata: { values: Array<{ field: string; value: string | { '#text'?: string } }> };
};

function recordValue(
  project: ProjectVM,
  xml: Map<string, unknown>,
  field: string,
): string | undefined {
  const service = project.services[0]!;
  const record = xml.get(
    `customMetadata/${project.settingsType.name}.${service.name}.md-meta.xml`,
  ) as RecordXml;
  const entry = record.CustomMetadata.values.find((v) => v.field === field);
  const value = entry?.value;
  return typeof value === 'string' ? value : value?.['#text'];
}

describe('hostile config values (property)', () => {
  it('are rejected, or reach the XML intact (1000 cases)', () => {
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...TARGETS),
        hostile,
        fc.constantFrom('customMetadata' as const, 'externalCredential' as const),
        (target, value, mode) => {
          const config = configWith(target, value, mode);
          const project = build(config);
          if (!project) return;
          accepted++;
          const xml = renderXml(project);
          const service = parseConfig(config).services[project.services[0]!.name]!;
          const expected: Partial<Record<Target, [string, string | undefined]>> = {
            clientId: ['ClientId__c', mode === 'customMetadata' ? service.clientId : undefined],
            audience: ['Audience__c', service.audience],
            scope: ['Scope__c', service.scope],
            paramValue: ['FormParams__c', encodeFormPairs(service.params)],
            paramName: ['FormParams__c', encodeFormPairs(service.params)],
            tokenPath: [
              'TokenUrl__c',
              mode === 'customMetadata'
                ? service.tokenUrl
                : `callout:${project.services[0]!.externalCredential?.tokenNamedCredential}`,
            ],
            apiPath: [
              'ApiBaseUrl__c',
              mode === 'customMetadata'
                ? service.apiBaseUrl
                : `callout:${project.services[0]!.externalCredential?.apiNamedCredential}`,
            ],
          };
          const check = expected[target];
          if (check) {
            const [field, want] = check;
            if (recordValue(project, xml, field) !== want)
              throw new Error(
                `${field} read back ${JSON.stringify(recordValue(project, xml, field))}, expected ${JSON.stringify(want)}`,
              );
          }
          if (mode === 'externalCredential' && (target === 'tokenPath' || target === 'apiPath')) {
            const credential = project.services[0]!.externalCredential!;
            const name =
              target === 'tokenPath'
                ? credential.tokenNamedCredential
                : credential.apiNamedCredential;
            const nc = xml.get(`namedCredentials/${name}.namedCredential-meta.xml`) as {
              NamedCredential: {
                namedCredentialParameters: Array<{
                  parameterType: string;
                  parameterValue?: string;
                }>;
              };
            };
            const url = nc.NamedCredential.namedCredentialParameters.find(
              (p) => p.parameterType === 'Url',
            )?.parameterValue;
            const want = target === 'tokenPath' ? service.tokenUrl : service.apiBaseUrl;
            if (url !== want)
              throw new Error(
                `named credential URL read back ${JSON.stringify(url)}, expected ${JSON.stringify(want)}`,
              );
          }
        },
      ),
      { numRuns: 1000, seed: 20261128 },
    );
    // The property is only meaningful if hostile values are accepted often enough to be rendered.
    expect(accepted).toBeGreaterThan(200);
  });

  it('names that pass validation always make Apex that parses (50 cases, each formatted by the Apex parser)', async () => {
    const nameLike = fc
      .array(fc.constantFrom('a', 'Z', '9', '_', '__', 'class', 'if', 'x1', 'Q'), {
        minLength: 1,
        maxLength: 6,
      })
      .map((p) => p.join(''));
    let parsedClasses = 0;
    await fc.assert(
      fc.asyncProperty(nameLike, nameLike, async (prefix, serviceName) => {
        const project = build({
          ...configWith('prefix', prefix, 'customMetadata'),
          services: { [serviceName]: configWith('clientId', 'c', 'customMetadata').services.Svc! },
        });
        if (!project) return;
        const exception = ARTIFACTS.find((a) => a.template === 'classes/CalloutException.cls.hbs')!;
        await prettierApex(
          engine.render(exception.template, { project, item: project }),
          'exception',
        );
        parsedClasses++;
      }),
      { numRuns: 50, seed: 7 },
    );
    expect(parsedClasses).toBeGreaterThan(5);
  });
});
