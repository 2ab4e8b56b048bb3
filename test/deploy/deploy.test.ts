import { join, resolve } from 'node:path';
import type { ComponentSet, MetadataApiDeployStatus } from '@salesforce/source-deploy-retrieve';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  FIRST_POLL_MS,
  followDeploy,
  MAX_POLL_MS,
  systemClock,
  type Clock,
  type DeployJob,
} from '../../src/deploy/deploy.ts';
import { preloadDeployLibraries } from '../../src/deploy/libraries.ts';

/**
 * Following a deploy: a scripted DeployJob (what SDR's MetadataApiDeploy answers) and a fake
 * clock, over a real ComponentSet of the committed force-app, so the failures are mapped to
 * source files by SDR's own DeployResult.
 */
const REPO = resolve(import.meta.dirname, '../..');
const ID = '0Af000000000001AAA';
let components: ComponentSet;

beforeAll(async () => {
  const { sdr } = await preloadDeployLibraries();
  components = sdr.ComponentSet.fromSource(join(REPO, 'force-app/main/default'));
});

const request = { waitMinutes: 1, projectRoot: REPO };

const status = (overrides: Record<string, unknown> = {}) =>
  ({
    id: ID,
    done: false,
    status: 'InProgress',
    success: false,
    checkOnly: false,
    numberComponentsTotal: 29,
    numberComponentsDeployed: 10,
    numberComponentErrors: 0,
    numberTestsTotal: 2,
    numberTestsCompleted: 0,
    numberTestErrors: 0,
    details: {},
    ...overrides,
  }) as unknown as MetadataApiDeployStatus;

const done = (overrides: Record<string, unknown> = {}) =>
  status({
    done: true,
    status: 'Succeeded',
    success: true,
    numberComponentsDeployed: 29,
    numberTestsCompleted: 2,
    details: {
      componentSuccesses: [],
      runTestResult: {
        numTestsRun: '2',
        numFailures: '0',
        codeCoverage: [
          { name: 'ExternalAppTokenService', numLocations: '200', numLocationsNotCovered: '10' },
          { name: 'ExternalAppApi', numLocations: '20', numLocationsNotCovered: '0' },
        ],
      },
    },
    ...overrides,
  });

/** Answers the statuses in turn (the last one repeats); after cancel(), answers Canceled. */
function scriptedJob(statuses: Array<MetadataApiDeployStatus | Error>) {
  const calls: string[] = [];
  let polls = 0;
  let canceled = false;
  const job: DeployJob = {
    id: ID,
    checkStatus: () => {
      calls.push('check');
      if (canceled) return Promise.resolve(status({ done: true, status: 'Canceled' }));
      const next = statuses[Math.min(polls++, statuses.length - 1)]!;
      return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
    },
    cancel: () => {
      calls.push('cancel');
      canceled = true;
      return Promise.resolve();
    },
  };
  return { job, calls };
}

function fakeClock(): { clock: Clock; sleeps: number[]; elapsed: () => number } {
  let now = 0;
  const sleeps: number[] = [];
  return {
    sleeps,
    elapsed: () => now,
    clock: {
      now: () => now,
      sleep: (ms) => {
        sleeps.push(ms);
        now += ms;
        return Promise.resolve();
      },
    },
  };
}

describe('followDeploy', () => {
  it('checks at once, then every 250 ms growing to 1 s, and stops the moment the org says done', async () => {
    const { job, calls } = scriptedJob([
      ...Array<MetadataApiDeployStatus>(8).fill(status()),
      done(),
    ]);
    const { clock, sleeps } = fakeClock();
    const progress: string[] = [];
    const report = await followDeploy(job, components, request, {
      clock,
      onProgress: (p) =>
        progress.push(`${p.status} ${p.components.deployed}/${p.components.total}`),
    });
    expect(calls).toHaveLength(9);
    expect(sleeps).toEqual([250, 375, 562.5, 843.75, 1000, 1000, 1000, 1000]);
    expect([FIRST_POLL_MS, MAX_POLL_MS]).toEqual([250, 1000]);
    expect(progress.at(-1)).toBe('Succeeded 29/29');
    expect(progress.slice(0, -1).every((line) => line === 'InProgress 10/29')).toBe(true);
    expect(report).toMatchObject({
      id: ID,
      status: 'Succeeded',
      success: true,
      checkOnly: false,
      components: { total: 29, deployed: 29, errors: 0 },
      componentFailures: [],
      tests: { run: 2, failures: 0 },
    });
    expect(report.coverage).toEqual([
      { className: 'ExternalAppApi', lines: 20, uncovered: 0, percent: 100 },
      { className: 'ExternalAppTokenService', lines: 200, uncovered: 10, percent: 95 },
    ]);
  });

  it('maps component failures to their source files with line and column (SDR getFileResponses)', async () => {
    const failure = (componentType: string, fullName: string, fileName: string, more = {}) => ({
      changed: 'false',
      created: 'false',
      deleted: 'false',
      success: 'false',
      componentType,
      fullName,
      fileName,
      problemType: 'Error',
      ...more,
    });
    const failed = done({
      success: false,
      status: 'Failed',
      numberComponentErrors: 3,
      details: {
        componentFailures: [
          failure('ApexClass', 'ExternalAppApi', 'classes/ExternalAppApi.cls', {
            lineNumber: '72',
            columnNumber: '27',
            problem: 'Method does not exist',
          }),
          failure(
            'CustomMetadata',
            'ExternalAppService.ExternalAppStage',
            'customMetadata/ExternalAppService.ExternalAppStage.md',
            { problem: 'Invalid value for ClientAuth__c' },
          ),
          failure(
            'CustomObject',
            'ExternalAppService__mdt',
            'objects/ExternalAppService__mdt.object',
            {
              problem: 'Invalid object',
            },
          ),
          failure(
            'CustomField',
            'ExternalAppService__mdt.TokenUrl__c',
            'objects/ExternalAppService__mdt.object',
            { problem: 'Field too long' },
          ),
          failure(
            'RemoteSiteSetting',
            'ExternalApp_ExternalAppStage_Token',
            'remoteSiteSettings/ExternalApp_ExternalAppStage_Token.remoteSite',
            { problem: 'Invalid URL' },
          ),
          // Not in the set: SDR cannot map it; the org's file name stays.
          failure('ApexClass', 'SomeoneElses', 'classes/SomeoneElses.cls', {
            problem: 'Dependent class is invalid',
          }),
        ],
        runTestResult: { numTestsRun: '0', numFailures: '0' },
      },
    });
    const warnings: string[] = [];
    const report = await followDeploy(scriptedJob([failed]).job, components, request, {
      clock: fakeClock().clock,
      onWarning: (message) => warnings.push(message),
    });
    expect(report.success).toBe(false);
    expect(warnings).toEqual([
      expect.stringContaining('SomeoneElses, returned from org, but not found'),
    ]);
    expect(report.componentFailures).toEqual([
      {
        type: 'ApexClass',
        fullName: 'ExternalAppApi',
        file: 'force-app/main/default/classes/ExternalAppApi.cls',
        line: 72,
        column: 27,
        problem: 'Method does not exist',
      },
      {
        type: 'CustomMetadata',
        fullName: 'ExternalAppService.ExternalAppStage',
        file: 'force-app/main/default/customMetadata/ExternalAppService.ExternalAppStage.md-meta.xml',
        problem: 'Invalid value for ClientAuth__c',
      },
      {
        type: 'CustomObject',
        fullName: 'ExternalAppService__mdt',
        file: 'force-app/main/default/objects/ExternalAppService__mdt/ExternalAppService__mdt.object-meta.xml',
        problem: 'Invalid object',
      },
      {
        type: 'CustomField',
        fullName: 'ExternalAppService__mdt.TokenUrl__c',
        file: 'force-app/main/default/objects/ExternalAppService__mdt/fields/TokenUrl__c.field-meta.xml',
        problem: 'Field too long',
      },
      {
        type: 'RemoteSiteSetting',
        fullName: 'ExternalApp_ExternalAppStage_Token',
        file: 'force-app/main/default/remoteSiteSettings/ExternalApp_ExternalAppStage_Token.remoteSite-meta.xml',
        problem: 'Invalid URL',
      },
      {
        type: 'ApexClass',
        fullName: 'SomeoneElses',
        file: 'classes/SomeoneElses.cls',
        problem: 'Dependent class is invalid',
      },
    ]);
  });

  it('reports failing tests with message and stack trace, and coverage warnings', async () => {
    const failed = done({
      success: false,
      status: 'Failed',
      details: {
        runTestResult: {
          numTestsRun: '5',
          numFailures: '1',
          failures: {
            name: 'ExternalAppTokenServiceTest',
            methodName: 'it_sends_the_basic_client_auth_request',
            message: 'Assertion Failed',
            stackTrace: 'Class.X: line 3',
          },
          codeCoverage: {
            name: 'ExternalAppTokenService',
            numLocations: '100',
            numLocationsNotCovered: '40',
          },
          codeCoverageWarnings: {
            name: 'ExternalAppTokenService',
            message:
              'Test coverage of selected Apex Class is 60%, at least 75% test coverage is required',
          },
        },
      },
    });
    const report = await followDeploy(scriptedJob([failed]).job, components, request, {
      clock: fakeClock().clock,
    });
    expect(report.tests).toEqual({ run: 5, failures: 1 });
    expect(report.testFailures).toEqual([
      {
        className: 'ExternalAppTokenServiceTest',
        method: 'it_sends_the_basic_client_auth_request',
        message: 'Assertion Failed',
        stackTrace: 'Class.X: line 3',
      },
    ]);
    expect(report.coverage).toEqual([
      { className: 'ExternalAppTokenService', lines: 100, uncovered: 40, percent: 60 },
    ]);
    expect(report.coverageWarnings).toEqual([expect.stringContaining('at least 75%')]);
  });

  it('rides out three server errors in a row while polling, not a fourth', async () => {
    const boom = () => new Error('UNKNOWN_EXCEPTION: An unexpected error occurred');
    const three = await followDeploy(
      scriptedJob([status(), boom(), boom(), boom(), done()]).job,
      components,
      request,
      { clock: fakeClock().clock },
    );
    expect(three.success).toBe(true);
    await expect(
      followDeploy(
        scriptedJob([status(), boom(), boom(), boom(), boom(), done()]).job,
        components,
        request,
        { clock: fakeClock().clock },
      ),
    ).rejects.toMatchObject({ name: 'UNEXPECTED', message: expect.stringContaining('UNKNOWN') });
  });

  it('turns INVALID_SESSION_ID into ORG_SESSION_EXPIRED with the login action', async () => {
    const expired = Object.assign(new Error('INVALID_SESSION_ID: Session expired or invalid'), {
      errorCode: 'INVALID_SESSION_ID',
    });
    await expect(
      followDeploy(scriptedJob([expired]).job, components, request, { clock: fakeClock().clock }),
    ).rejects.toMatchObject({
      name: 'ORG_SESSION_EXPIRED',
      exitCode: 9,
      actions: [expect.stringContaining('sf org login web')],
    });
  });

  it('gives up when --wait runs out, on time, with the deploy id and how to follow it', async () => {
    const { job } = scriptedJob([status()]);
    const { clock, elapsed } = fakeClock();
    await expect(
      followDeploy(job, components, { ...request, waitMinutes: 0.05 }, { clock }),
    ).rejects.toMatchObject({
      name: 'DEPLOY_TIMEOUT',
      data: { id: ID },
      actions: [expect.stringContaining(`sf project deploy report --job-id ${ID}`)],
    });
    // 3 s of fake time: the last sleep is cut to the deadline, none after it.
    expect(elapsed()).toBe(3000);
  });

  it('cancels the deploy in the org once when aborted, and reports Canceled', async () => {
    const { job, calls } = scriptedJob([status()]);
    const controller = new AbortController();
    const { clock } = fakeClock();
    const report = await followDeploy(job, components, request, {
      clock,
      signal: controller.signal,
      onProgress: () => controller.abort(),
    });
    expect(calls).toEqual(['check', 'cancel', 'check']);
    expect(report.status).toBe('Canceled');
  });
});

describe('systemClock.sleep', () => {
  it('ends at once when the signal aborts (Ctrl-C does not wait for the next poll)', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = systemClock.sleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
