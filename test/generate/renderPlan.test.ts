import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { CalloutError } from '../../src/errors/index.ts';
import { renderArtifacts } from '../../src/generate/renderArtifacts.ts';
import { renderPlan, type NameCollision } from '../../src/generate/renderPlan.ts';
import { buildProjectVM, type ProjectVM } from '../../src/generate/viewModel.ts';
import type { TemplateEngine } from '../../src/render/templateEngine.ts';

/**
 * The render plan's collision check: two config entries that would generate the same file or
 * the same metadata API name (ignoring case) fail before anything is rendered, naming both.
 */

const service = (apiBaseUrl = 'https://api.example.test') => ({
  tokenUrl: 'https://auth.example.test/oauth/token',
  apiBaseUrl,
  clientId: 'client',
  clientSecret: { env: 'UNUSED_SECRET' },
  clientAuth: 'basic',
});

function project(
  names: string[],
  secretStorage: 'customMetadata' | 'externalCredential' = 'externalCredential',
): ProjectVM {
  return buildProjectVM(
    parseConfig({
      prefix: 'Acme',
      apiVersion: '64.0',
      secretStorage,
      services: Object.fromEntries(names.map((n) => [n, service()])),
    }),
  );
}

function collisionOf(vm: ProjectVM): { error: CalloutError; collisions: NameCollision[] } {
  let thrown: unknown;
  try {
    renderPlan(vm);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(CalloutError);
  const error = thrown as CalloutError;
  expect(error.name).toBe('GENERATED_NAME_COLLISION');
  return { error, collisions: error.data.collisions as NameCollision[] };
}

/** The two services' External Credential view models, for tampering. */
const credentials = (vm: ProjectVM) => vm.services.map((s) => s.externalCredential!);

describe('render plan: generated names that collide', () => {
  it('plans every file of a project whose names are distinct, each with the entry it comes from', () => {
    const plan = renderPlan(project(['Pay', 'Payments', 'Pay_Token']));
    const paths = plan.map((p) => p.path.toLowerCase());
    expect(new Set(paths).size).toBe(paths.length);
    expect(plan.find((p) => p.path.startsWith('externalCredentials/Acme_Pay.'))?.source).toBe(
      'services.Pay',
    );
    expect(plan.find((p) => p.path.startsWith('classes/'))?.source).toBe('prefix');
  });

  it('External Credential: services X and X_Api in externalCredential mode, both named', () => {
    const { error, collisions } = collisionOf(project(['Pay', 'Pay_Api']));
    expect(collisions).toEqual([
      {
        type: 'External Credential',
        names: ['Acme_Pay_Api', 'Acme_Pay_Api'],
        sources: ['services.Pay', 'services.Pay_Api'],
        paths: [
          'externalCredentials/Acme_Pay_Api.externalCredential-meta.xml',
          'externalCredentials/Acme_Pay_Api.externalCredential-meta.xml',
        ],
      },
    ]);
    expect(error.message).toContain('services.Pay and services.Pay_Api');
    expect(error.actions.join(' ')).toContain('services.Pay or services.Pay_Api');
  });

  it('services X and X_Api are fine in customMetadata mode (no credential is named after them)', () => {
    expect(() => renderPlan(project(['Pay', 'Pay_Api'], 'customMetadata'))).not.toThrow();
  });

  it('Custom Metadata record: service names that differ only in case', () => {
    const { collisions } = collisionOf(project(['Pay', 'PAY'], 'customMetadata'));
    expect(collisions).toMatchObject([
      {
        type: 'Custom Metadata record',
        names: ['AcmeService.PAY', 'AcmeService.Pay'],
        sources: ['services.PAY', 'services.Pay'],
      },
    ]);
  });

  it('Remote Site Setting', () => {
    const vm = project(['Pay', 'Shop'], 'customMetadata');
    vm.services[1]!.remoteSites[0]!.name = 'acme_pay_api';
    expect(collisionOf(vm).collisions).toMatchObject([
      { type: 'Remote Site Setting', names: ['Acme_Pay_Api', 'acme_pay_api'] },
    ]);
  });

  it('Named Credential', () => {
    const vm = project(['Pay', 'Shop']);
    credentials(vm)[1]!.tokenNamedCredential = 'Acme_Pay_Api';
    expect(collisionOf(vm).collisions).toMatchObject([
      { type: 'Named Credential', sources: ['services.Pay', 'services.Shop'] },
    ]);
  });

  it('External Credential principal: the names a permission set grants, <credential>-<principal>', () => {
    const vm = project(['Pay', 'Shop']);
    const [pay, shop] = credentials(vm);
    // Distinct credentials and files, one principal access name: Acme_X-Y-ClientCredentials.
    pay!.name = 'Acme_X';
    pay!.principal = 'Y-ClientCredentials';
    shop!.name = 'Acme_X-Y';
    expect(collisionOf(vm).collisions).toMatchObject([
      {
        type: 'External Credential principal',
        names: ['Acme_X-Y-ClientCredentials', 'Acme_X-Y-ClientCredentials'],
      },
    ]);
  });

  it('output file: two generated files at one path, ignoring case, say it is a callout-kit bug', () => {
    const vm = project(['Pay']);
    vm.fields[1]!.apiName = vm.fields[0]!.apiName.toUpperCase();
    const { error, collisions } = collisionOf(vm);
    expect(collisions).toMatchObject([
      {
        type: 'output file',
        sources: [expect.stringContaining('settings registry'), expect.any(String)],
      },
    ]);
    expect(error.actions.join(' ')).toContain('bug');
  });

  it('Apex class: a class name the registry generates twice', () => {
    const vm = project(['Pay'], 'customMetadata');
    vm.classes.apiClient = vm.classes.tokenService;
    expect(collisionOf(vm).collisions).toMatchObject([
      { type: 'Apex class', sources: ['prefix', 'prefix'] },
    ]);
  });

  it('renderArtifacts fails the same way, before rendering any template', async () => {
    const engine = {
      render: () => {
        throw new Error('rendered');
      },
    };
    await expect(
      renderArtifacts(project(['Pay', 'Pay_Api']), {
        engine: engine as unknown as TemplateEngine,
      }),
    ).rejects.toMatchObject({ name: 'GENERATED_NAME_COLLISION' });
  });

  it('reports each pair of colliding services once, with all pairs in one error', () => {
    const { error, collisions } = collisionOf(project(['Pay', 'Pay_Api', 'Shop', 'Shop_Api']));
    expect(collisions.map((c) => c.sources)).toEqual([
      ['services.Pay', 'services.Pay_Api'],
      ['services.Shop', 'services.Shop_Api'],
    ]);
    expect(error.message).toContain('services.Shop and services.Shop_Api');
  });
});
