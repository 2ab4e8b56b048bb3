import { describe, expect, it } from 'vitest';
import {
  deployPackage,
  sourcePath,
  type DeployRequest,
  type MetadataApi,
} from '../../src/deploy/deploy.ts';

/** Results as jsforce returns them from checkDeployStatus (arrays and booleans already cast). */
const done = (overrides: Record<string, unknown> = {}) => ({
  id: '0Af000000000001',
  done: true,
  status: 'Succeeded',
  success: true,
  checkOnly: false,
  numberComponentsTotal: 29,
  numberComponentsDeployed: 29,
  numberComponentErrors: 0,
  numberTestsTotal: 2,
  numberTestsCompleted: 2,
  numberTestErrors: 0,
  details: {
    componentSuccesses: [],
    componentFailures: [],
    runTestResult: {
      numTestsRun: 2,
      numFailures: 0,
      failures: [],
      codeCoverage: [
        { name: 'ExternalAppTokenService', numLocations: 200, numLocationsNotCovered: 10 },
        { name: 'ExternalAppApiClient', numLocations: 20, numLocationsNotCovered: 0 },
      ],
      codeCoverageWarnings: [],
    },
  },
  ...overrides,
});

function fakeApi(statuses: Array<Record<string, unknown> | Error>) {
  const calls: string[] = [];
  let polls = 0;
  const api: MetadataApi = {
    deploy: async (_zip, options) => {
      calls.push(`deploy ${JSON.stringify(options)}`);
      return { id: '0Af000000000001' };
    },
    checkDeployStatus: async (id, details) => {
      calls.push(`check ${id} ${details}`);
      const next = statuses[Math.min(polls++, statuses.length - 1)]!;
      if (next instanceof Error) throw next;
      return next as never;
    },
    cancelDeploy: async (id) => {
      calls.push(`cancel ${id}`);
      return { done: true, id };
    },
  };
  return { api, calls };
}

const request: DeployRequest = {
  zip: Buffer.from('zip'),
  checkOnly: false,
  testLevel: 'RunSpecifiedTests',
  runTests: ['ATest', 'BTest'],
  waitMinutes: 1,
  packageDir: 'force-app/main/default',
};
const inProgress = {
  id: '0Af000000000001',
  done: false,
  status: 'InProgress',
  numberComponentsTotal: 29,
  numberComponentsDeployed: 10,
};

describe('deployPackage', () => {
  it('deploys with RunSpecifiedTests, polls with details, reports progress and coverage', async () => {
    const { api, calls } = fakeApi([inProgress, done()]);
    const progress: string[] = [];
    const report = await deployPackage(api, request, {
      pollMs: 1,
      onProgress: (p) =>
        progress.push(`${p.status} ${p.components.deployed}/${p.components.total}`),
    });
    expect(calls[0]).toBe(
      'deploy {"checkOnly":false,"testLevel":"RunSpecifiedTests","rollbackOnError":true,"singlePackage":true,"ignoreWarnings":false,"runTests":["ATest","BTest"]}',
    );
    expect(calls.slice(1)).toEqual(['check 0Af000000000001 true', 'check 0Af000000000001 true']);
    expect(progress).toEqual(['InProgress 10/29', 'Succeeded 29/29']);
    expect(report).toMatchObject({ success: true, tests: { run: 2, failures: 0 } });
    expect(report.coverage).toEqual([
      { className: 'ExternalAppApiClient', lines: 20, uncovered: 0, percent: 100 },
      { className: 'ExternalAppTokenService', lines: 200, uncovered: 10, percent: 95 },
    ]);
  });

  it('maps component failures to force-app paths with line and column', async () => {
    const failed = done({
      success: false,
      status: 'Failed',
      details: {
        componentFailures: [
          {
            success: false,
            componentType: 'ApexClass',
            fullName: 'ExternalAppApiClient',
            fileName: 'unpackaged/classes/ExternalAppApiClient.cls',
            lineNumber: 72,
            columnNumber: 27,
            problem: 'Method does not exist',
          },
        ],
        runTestResult: { numTestsRun: 0, numFailures: 0 },
      },
    });
    const report = await deployPackage(fakeApi([failed]).api, request, { pollMs: 1 });
    expect(report.success).toBe(false);
    expect(report.componentFailures).toEqual([
      {
        type: 'ApexClass',
        fullName: 'ExternalAppApiClient',
        file: 'force-app/main/default/classes/ExternalAppApiClient.cls',
        line: 72,
        column: 27,
        problem: 'Method does not exist',
      },
    ]);
  });

  it('reports failing tests and coverage warnings', async () => {
    const failed = done({
      success: false,
      status: 'Failed',
      details: {
        runTestResult: {
          numTestsRun: 5,
          numFailures: 1,
          failures: [
            {
              name: 'ExternalAppTokenServiceTest',
              methodName: 'it_sends_the_basic_client_auth_request',
              message: 'Assertion Failed',
              stackTrace: 'Class.X: line 3',
            },
          ],
          codeCoverage: [
            { name: 'ExternalAppTokenService', numLocations: 100, numLocationsNotCovered: 40 },
          ],
          codeCoverageWarnings: [
            {
              name: 'ExternalAppTokenService',
              message:
                'Test coverage of selected Apex Class is 60%, at least 75% test coverage is required',
            },
          ],
        },
      },
    });
    const report = await deployPackage(fakeApi([failed]).api, request, { pollMs: 1 });
    expect(report.testFailures).toEqual([
      {
        className: 'ExternalAppTokenServiceTest',
        method: 'it_sends_the_basic_client_auth_request',
        message: 'Assertion Failed',
        stackTrace: 'Class.X: line 3',
      },
    ]);
    expect(report.coverage[0]?.percent).toBe(60);
    expect(report.coverageWarnings[0]).toContain('at least 75%');
  });

  it('rides out a passing server error while polling', async () => {
    const report = await deployPackage(
      fakeApi([inProgress, new Error('UNKNOWN_EXCEPTION: An unexpected error occurred'), done()])
        .api,
      request,
      { pollMs: 1 },
    );
    expect(report.success).toBe(true);
  });

  it('turns INVALID_SESSION_ID into ORG_SESSION_EXPIRED with the login action', async () => {
    const expired = Object.assign(new Error('INVALID_SESSION_ID: Session expired or invalid'), {
      errorCode: 'INVALID_SESSION_ID',
    });
    await expect(
      deployPackage(fakeApi([expired]).api, request, { pollMs: 1 }),
    ).rejects.toMatchObject({
      name: 'ORG_SESSION_EXPIRED',
      exitCode: 9,
      actions: [expect.stringContaining('sf org login web')],
    });
  });

  it('gives up after --wait with the deploy id and how to follow it', async () => {
    let clock = 0;
    const promise = deployPackage(fakeApi([inProgress]).api, request, {
      pollMs: 1,
      now: () => (clock += 20_000),
    });
    await expect(promise).rejects.toMatchObject({
      name: 'DEPLOY_TIMEOUT',
      data: { id: '0Af000000000001' },
      actions: [expect.stringContaining('sf project deploy report --job-id 0Af000000000001')],
    });
  });

  it('cancels the deploy in the org when aborted', async () => {
    const controller = new AbortController();
    const { api, calls } = fakeApi([
      inProgress,
      inProgress,
      done({ status: 'Canceled', success: false }),
    ]);
    controller.abort();
    const report = await deployPackage(api, request, { pollMs: 1, signal: controller.signal });
    expect(calls).toContain('cancel 0Af000000000001');
    expect(report.status).toBe('Canceled');
  });
});

describe('sourcePath', () => {
  it.each([
    ['unpackaged/classes/A.cls', 'force-app/main/default/classes/A.cls'],
    ['customMetadata/T.S.md', 'force-app/main/default/customMetadata/T.S.md-meta.xml'],
    ['objects/T__mdt.object', 'force-app/main/default/objects/T__mdt/T__mdt.object-meta.xml'],
    [
      'remoteSiteSettings/R.remoteSite',
      'force-app/main/default/remoteSiteSettings/R.remoteSite-meta.xml',
    ],
  ])('%s -> %s', (from, to) => {
    expect(sourcePath(from, 'force-app/main/default')).toBe(to);
  });
});
