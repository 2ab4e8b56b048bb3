import { relative, sep } from 'node:path';
import type {
  ComponentSet,
  DeployResult,
  FileResponse,
  FileResponseFailure,
  MetadataApiDeployStatus,
} from '@salesforce/source-deploy-retrieve';
import { CalloutError } from '../errors/index.ts';
import { preloadDeployLibraries, type DeployLibraries } from './libraries.ts';
import type { OrgConnection } from './org.ts';
import { sessionError } from './org.ts';

/**
 * The deploy is source-deploy-retrieve's: ComponentSet.deploy() converts and zips the set in
 * memory and sends it through the Metadata API on core's connection; its MetadataApiDeploy
 * checks the status, cancels, and its DeployResult maps failures back to the source files.
 * Polling is ours (SDR's pollStatus polls at one fixed frequency): the first check at once, then
 * 250 ms growing to 1 s, so a short deploy is seen done within a fraction of a second, never
 * idle once the org says done, bounded by --wait.
 */
/** The Metadata API's test levels; the CLI's `--test-level` values are checked against this type. */
export type TestLevel = 'NoTestRun' | 'RunSpecifiedTests' | 'RunLocalTests' | 'RunAllTestsInOrg';

export interface DeployRequest {
  checkOnly: boolean;
  testLevel: TestLevel;
  /** The test classes for RunSpecifiedTests. */
  runTests: string[];
  waitMinutes: number;
  /** The project root: component failures name their files relative to it. */
  projectRoot: string;
}

export interface DeployProgress {
  id: string;
  status: string;
  components: { total: number; deployed: number; errors: number };
  tests: { total: number; completed: number; errors: number };
}

export interface ComponentFailure {
  type: string;
  fullName: string;
  file: string;
  line?: number;
  column?: number;
  problem: string;
}

export interface TestFailure {
  className: string;
  method: string;
  message: string;
  stackTrace?: string;
}

export interface ClassCoverage {
  className: string;
  lines: number;
  uncovered: number;
  percent: number;
}

export interface DeployReport {
  id: string;
  status: string;
  success: boolean;
  checkOnly: boolean;
  components: { total: number; deployed: number; errors: number };
  componentFailures: ComponentFailure[];
  tests: { run: number; failures: number };
  testFailures: TestFailure[];
  coverage: ClassCoverage[];
  coverageWarnings: string[];
}

/** What the polling needs of SDR's MetadataApiDeploy (tests pass a scripted one). */
export interface DeployJob {
  readonly id: string | undefined;
  checkStatus(): Promise<MetadataApiDeployStatus>;
  cancel(): Promise<void>;
}

/** Time, injectable so that tests of --wait and of the polling pace take no real time. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done);
    }),
};

export interface DeployHooks {
  onProgress?: (progress: DeployProgress) => void;
  /** Aborting cancels the deploy in the org; the report then says Canceled. */
  signal?: AbortSignal;
  clock?: Clock;
  /** SDR's and core's warnings (Lifecycle 'warning'), instead of Node process warnings. */
  onWarning?: (message: string) => void;
}

let forwardWarning: ((message: string) => void) | undefined;

/** Lifecycle is one per process; one listener forwards to the current deploy's hook. */
function routeWarnings(libraries: DeployLibraries, onWarning: (message: string) => void): void {
  forwardWarning = onWarning;
  libraries.core.Lifecycle.getInstance().on<string>(
    'warning',
    (message) => {
      forwardWarning?.(message);
      return Promise.resolve();
    },
    'callout-kit:deploy-warnings',
  );
}

export const FIRST_POLL_MS = 250;
export const MAX_POLL_MS = 1000;
/** Consecutive failed status checks ridden out (the deploy goes on in the org meanwhile). */
const SERVER_ERRORS_TOLERATED = 3;

const list = <T>(value: T | T[] | null | undefined): T[] =>
  value == null ? [] : Array.isArray(value) ? value : [value];
const num = (value: unknown): number =>
  typeof value === 'number' ? value : Number(value ?? 0) || 0;
const isTrue = (value: unknown): boolean => value === true || value === 'true';

/** Starts the deploy of the package's components on the org's connection, then follows it. */
export async function deployPackage(
  org: Pick<OrgConnection, 'connection'>,
  componentSet: ComponentSet,
  request: DeployRequest,
  hooks: DeployHooks = {},
): Promise<DeployReport> {
  if (hooks.onWarning) routeWarnings(await preloadDeployLibraries(), hooks.onWarning);
  let job: DeployJob;
  try {
    job = await componentSet.deploy({
      usernameOrConnection: org.connection,
      apiOptions: {
        checkOnly: request.checkOnly,
        testLevel: request.testLevel,
        ...(request.testLevel === 'RunSpecifiedTests' ? { runTests: request.runTests } : {}),
        rollbackOnError: true,
        singlePackage: true,
      },
    });
  } catch (error) {
    throw sessionError(error) ?? CalloutError.wrap(error);
  }
  return followDeploy(job, componentSet, request, hooks);
}

/** Polls a started deploy until the org says done, --wait runs out, or (after abort) canceled. */
export async function followDeploy(
  job: DeployJob,
  componentSet: ComponentSet,
  request: Pick<DeployRequest, 'waitMinutes' | 'projectRoot'>,
  hooks: DeployHooks = {},
): Promise<DeployReport> {
  const libraries = await preloadDeployLibraries();
  if (hooks.onWarning) routeWarnings(libraries, hooks.onWarning);
  const clock = hooks.clock ?? systemClock;
  const id = job.id ?? '';
  const deadline = clock.now() + request.waitMinutes * 60_000;
  let interval = FIRST_POLL_MS;
  let serverErrors = 0;
  let canceled = false;
  for (;;) {
    if (hooks.signal?.aborted && !canceled) {
      canceled = true;
      // The org answers the cancel asynchronously; the next status says Canceled.
      await job.cancel().catch(() => undefined);
    }
    let status: MetadataApiDeployStatus | undefined;
    try {
      status = await job.checkStatus();
      serverErrors = 0;
    } catch (error) {
      const session = sessionError(error);
      if (session) throw session;
      serverErrors += 1;
      if (serverErrors > SERVER_ERRORS_TOLERATED) throw CalloutError.wrap(error);
    }
    if (status) {
      hooks.onProgress?.(progressOf(id, status));
      if (isTrue(status.done))
        return reportFrom(
          new libraries.sdr.DeployResult(status, componentSet),
          request.projectRoot,
        );
    }
    const left = deadline - clock.now();
    if (left <= 0) {
      throw new CalloutError(
        'DEPLOY_TIMEOUT',
        `The deploy ${id} did not finish within ${request.waitMinutes} minute(s); it goes on in the org.`,
        {
          data: { id },
          actions: [
            `Follow it with \`sf project deploy report --job-id ${id}\`, or run again with a larger --wait.`,
          ],
        },
      );
    }
    await clock.sleep(Math.min(interval, left), hooks.signal);
    interval = Math.min(interval * 1.5, MAX_POLL_MS);
  }
}

function progressOf(id: string, status: MetadataApiDeployStatus): DeployProgress {
  return {
    id,
    status: String(status.status),
    components: {
      total: num(status.numberComponentsTotal),
      deployed: num(status.numberComponentsDeployed),
      errors: num(status.numberComponentErrors),
    },
    tests: {
      total: num(status.numberTestsTotal),
      completed: num(status.numberTestsCompleted),
      errors: num(status.numberTestErrors),
    },
  };
}

const isFailure = (response: FileResponse): response is FileResponseFailure => 'error' in response;
const posix = (path: string) => path.split(sep).join('/');

/** The org's answer as our report: failures with the source file SDR maps them to. */
export function reportFrom(result: DeployResult, projectRoot: string): DeployReport {
  const response = result.response;
  const details = response.details ?? {};
  const mapped = result.getFileResponses().filter(isFailure);
  const componentFailures: ComponentFailure[] = mapped.map((f) => ({
    type: f.type,
    fullName: f.fullName,
    file: f.filePath ? posix(relative(projectRoot, f.filePath)) : '',
    ...(f.lineNumber != null ? { line: f.lineNumber } : {}),
    ...(f.columnNumber != null ? { column: f.columnNumber } : {}),
    // SDR appends " (line:column)" to the problem; the report shows them with the file.
    problem:
      f.lineNumber != null && f.columnNumber != null
        ? f.error.replace(` (${f.lineNumber}:${f.columnNumber})`, '')
        : f.error,
  }));
  // Failures of components outside the set (SDR only warns about them) keep the org's file name.
  const seen = new Set(mapped.map((f) => `${f.type}#${f.fullName}`));
  for (const f of list(details.componentFailures)) {
    if (isTrue(f.success) || seen.has(`${f.componentType ?? ''}#${f.fullName}`)) continue;
    componentFailures.push({
      type: String(f.componentType ?? ''),
      fullName: String(f.fullName ?? ''),
      file: String(f.fileName ?? ''),
      ...(f.lineNumber != null ? { line: num(f.lineNumber) } : {}),
      ...(f.columnNumber != null ? { column: num(f.columnNumber) } : {}),
      problem: String(f.problem ?? ''),
    });
  }
  const runTests = details.runTestResult;
  return {
    id: String(response.id),
    status: String(response.status),
    success: isTrue(response.success),
    checkOnly: isTrue(response.checkOnly),
    components: {
      total: num(response.numberComponentsTotal),
      deployed: num(response.numberComponentsDeployed),
      errors: num(response.numberComponentErrors),
    },
    componentFailures,
    tests: { run: num(runTests?.numTestsRun), failures: num(runTests?.numFailures) },
    testFailures: list(runTests?.failures).map((f) => ({
      className: String(f.name ?? ''),
      method: String(f.methodName ?? ''),
      message: String(f.message ?? ''),
      ...(f.stackTrace ? { stackTrace: String(f.stackTrace) } : {}),
    })),
    coverage: list(runTests?.codeCoverage)
      .map((c) => {
        const lines = num(c.numLocations);
        const uncovered = num(c.numLocationsNotCovered);
        return {
          className: String(c.name ?? ''),
          lines,
          uncovered,
          percent: lines === 0 ? 100 : Math.round(((lines - uncovered) / lines) * 1000) / 10,
        };
      })
      .sort((a, b) => (a.className < b.className ? -1 : 1)),
    coverageWarnings: list(runTests?.codeCoverageWarnings).map((w) => String(w.message ?? '')),
  };
}
