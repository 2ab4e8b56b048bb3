import type { DeployResult } from 'jsforce/lib/api/metadata/schema.js';
import { CalloutError } from '../errors/index.ts';

/**
 * A Metadata API deploy through jsforce: send the zip, poll checkDeployStatus with details
 * (jsforce's own locator times out after 10 s by default, so polling is ours, bounded by --wait),
 * cancel in the org when asked, and turn the result into a report with paths in force-app.
 */
export interface MetadataApi {
  deploy(zip: Buffer, options: Record<string, unknown>): PromiseLike<{ id: string }>;
  checkDeployStatus(id: string, includeDetails: boolean): Promise<DeployResult>;
  cancelDeploy(id: string): Promise<unknown>;
}

export type TestLevel = 'NoTestRun' | 'RunSpecifiedTests' | 'RunLocalTests' | 'RunAllTestsInOrg';
export const TEST_LEVELS: TestLevel[] = [
  'NoTestRun',
  'RunSpecifiedTests',
  'RunLocalTests',
  'RunAllTestsInOrg',
];

export interface DeployRequest {
  zip: Buffer;
  checkOnly: boolean;
  testLevel: TestLevel;
  runTests: string[];
  waitMinutes: number;
  /** Source folder (force-app/main/default, relative to the project root) for mapping file names. */
  packageDir: string;
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

const list = <T>(value: T | T[] | null | undefined): T[] =>
  value == null ? [] : Array.isArray(value) ? value : [value];
const num = (value: unknown): number =>
  typeof value === 'number' ? value : Number(value ?? 0) || 0;

/** Metadata API file names (classes/X.cls, customMetadata/T.S.md, objects/X.object) as source paths. */
export function sourcePath(fileName: string, packageDir: string): string {
  const path = fileName
    .replace(/^unpackaged\//, '')
    .replace(
      /^[^/]+\/(?=(classes|objects|customMetadata|cachePartitions|remoteSiteSettings|namedCredentials|externalCredentials|permissionsets)\/)/,
      '',
    );
  const source = path
    .replace(/^(customMetadata\/.+\.md)$/, '$1-meta.xml')
    .replace(/^objects\/([^/]+)\.object$/, 'objects/$1/$1.object-meta.xml')
    .replace(
      /^(cachePartitions\/.+\.cachePartition|remoteSiteSettings\/.+\.remoteSite|namedCredentials\/.+\.namedCredential|externalCredentials\/.+\.externalCredential|permissionsets\/.+\.permissionset)$/,
      '$1-meta.xml',
    );
  return `${packageDir}/${source}`;
}

export function reportFrom(result: DeployResult, packageDir: string): DeployReport {
  const details = result.details;
  const failures = list(details?.componentFailures).filter(
    (f) => f && (f.success === false || String(f.success) === 'false' || f.problem),
  );
  const runTests = details?.runTestResult;
  return {
    id: result.id,
    status: String(result.status),
    success: result.success === true || String(result.success) === 'true',
    checkOnly: result.checkOnly === true || String(result.checkOnly) === 'true',
    components: {
      total: num(result.numberComponentsTotal),
      deployed: num(result.numberComponentsDeployed),
      errors: num(result.numberComponentErrors),
    },
    componentFailures: failures.map((f) => ({
      type: String(f.componentType ?? ''),
      fullName: String(f.fullName ?? ''),
      file: sourcePath(String(f.fileName ?? ''), packageDir),
      ...(f.lineNumber != null ? { line: num(f.lineNumber) } : {}),
      ...(f.columnNumber != null ? { column: num(f.columnNumber) } : {}),
      problem: String(f.problem ?? ''),
    })),
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
    coverageWarnings: list(runTests?.codeCoverageWarnings).map((w) =>
      String((w as { message?: unknown }).message ?? ''),
    ),
  };
}

function sessionError(error: unknown): CalloutError | undefined {
  const code =
    (error as { errorCode?: string; name?: string }).errorCode ??
    (error as { name?: string }).name ??
    '';
  if (
    /INVALID_SESSION_ID/.test(String(code)) ||
    /INVALID_SESSION_ID|Session expired or invalid/.test(String((error as Error).message))
  ) {
    return new CalloutError(
      'ORG_SESSION_EXPIRED',
      'The org session expired or is invalid (INVALID_SESSION_ID).',
      {
        ...(error instanceof Error ? { cause: error } : {}),
      },
    );
  }
  return undefined;
}

const delay = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Deploys and polls until done; `signal` cancels the deploy in the org. */
export async function deployPackage(
  api: MetadataApi,
  request: DeployRequest,
  hooks: {
    onProgress?: (progress: DeployProgress) => void;
    signal?: AbortSignal;
    pollMs?: number;
    now?: () => number;
  } = {},
): Promise<DeployReport> {
  const now = hooks.now ?? Date.now;
  const options: Record<string, unknown> = {
    checkOnly: request.checkOnly,
    testLevel: request.testLevel,
    rollbackOnError: true,
    singlePackage: true,
    ignoreWarnings: false,
    ...(request.testLevel === 'RunSpecifiedTests' ? { runTests: request.runTests } : {}),
  };
  let id: string;
  try {
    id = (await api.deploy(request.zip, options)).id;
  } catch (error) {
    throw sessionError(error) ?? CalloutError.wrap(error);
  }
  const deadline = now() + request.waitMinutes * 60_000;
  let interval = hooks.pollMs ?? 1000;
  let serverErrors = 0;
  let canceled = false;
  for (;;) {
    if (hooks.signal?.aborted && !canceled) {
      canceled = true;
      await api.cancelDeploy(id).catch(() => undefined);
    }
    let result: DeployResult;
    try {
      result = await api.checkDeployStatus(id, true);
      serverErrors = 0;
    } catch (error) {
      const session = sessionError(error);
      if (session) throw session;
      // A passing server error while polling: the deploy goes on in the org; try again, a few times.
      serverErrors += 1;
      if (serverErrors > 3) throw CalloutError.wrap(error);
      await delay(interval, hooks.signal);
      continue;
    }
    hooks.onProgress?.({
      id,
      status: String(result.status),
      components: {
        total: num(result.numberComponentsTotal),
        deployed: num(result.numberComponentsDeployed),
        errors: num(result.numberComponentErrors),
      },
      tests: {
        total: num(result.numberTestsTotal),
        completed: num(result.numberTestsCompleted),
        errors: num(result.numberTestErrors),
      },
    });
    if (result.done === true || String(result.done) === 'true')
      return reportFrom(result, request.packageDir);
    if (now() >= deadline) {
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
    await delay(interval, hooks.signal);
    interval = Math.min(interval * 1.5, 5000);
  }
}
