import { join } from 'node:path';
import {
  loadApexProject,
  type AnonymousResult,
  type ApexRuntime,
  type LoadApexProjectOptions,
  type TestRunResult,
  type Transport,
} from '../apex/index.ts';
import { CalloutError } from '../errors/index.ts';
import { locatePackage } from '../generate/project.ts';
import { HttpClient } from '../harness/http.ts';
import type { Reporter } from './reporter.ts';

/**
 * The local Apex runtime's flows: the project's Apex tests (`callout test`) and anonymous Apex
 * (`callout apex run`), with no org. Real callouts go through the harness's HTTP client.
 */

/** Real (non-mocked) callouts from Apex, through undici with the harness's timeouts and errors. */
export function httpTransport(client: HttpClient): Transport {
  return async (request) => {
    const answer = await client.send(
      {
        method: request.method,
        url: request.url,
        headers: request.headers,
        ...(request.method === 'GET' || request.method === 'HEAD' ? {} : { body: request.body }),
        timeoutMs: request.timeoutMs,
      },
      'the endpoint',
    );
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers))
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    return { status: answer.status, headers, body: answer.body };
  };
}

/** Loads the project's package directories (classes, Custom Metadata, cache partitions) into a runtime. */
export async function loadProjectApex(
  cwd: string,
  options: Omit<LoadApexProjectOptions, 'dirs'> = {},
): Promise<{ runtime: ApexRuntime; root: string; directories: string[] }> {
  const location = await locatePackage(cwd, cwd);
  const runtime = await loadApexProject({
    ...options,
    dirs: location.packageDirectories.map((d) => join(location.root, d)),
  });
  return { runtime, root: location.root, directories: location.packageDirectories };
}

export interface ApexTestRun extends TestRunResult {
  /** Set when a test failed: the run is the report either way. */
  error?: CalloutError;
}

/** `callout test`: the project's @IsTest classes (or the chosen ones), each method in its own transaction. */
export async function runApexTests(
  options: { cwd: string; classNames: string[]; tests: string[]; coverage: boolean },
  reporter: Reporter,
): Promise<ApexTestRun> {
  const { runtime, directories } = await loadProjectApex(options.cwd);
  const chosen = [...options.classNames, ...options.tests];
  reporter.info(
    `Running ${chosen.length > 0 ? chosen.join(', ') : `the Apex tests in ${directories.join(', ')}`} locally...`,
  );
  const result: ApexTestRun = await runtime.runTests({
    ...(options.classNames.length > 0 ? { classNames: options.classNames } : {}),
    ...(options.tests.length > 0 ? { tests: options.tests } : {}),
    coverage: options.coverage,
  });
  if (result.summary.testsRan === 0) {
    result.error = new CalloutError(
      'APEX_TEST_FAILURE',
      `No Apex test methods in ${directories.join(', ')}.`,
      { actions: ['Run `callout generate` to write the generated test classes.'] },
    );
  } else if (result.summary.failing > 0) {
    result.error = new CalloutError(
      'APEX_TEST_FAILURE',
      `${result.summary.failing} of ${result.summary.testsRan} Apex tests failed.`,
    );
  }
  return result;
}

export interface AnonymousApexRun extends AnonymousResult {
  /** Set when the block ended with an uncaught exception. */
  error?: CalloutError;
}

/** `callout apex run`: anonymous Apex against the project's classes, real callouts to the network. */
export async function runAnonymousApex(
  options: { cwd: string; source: string; path: string; env?: NodeJS.ProcessEnv },
  reporter: Reporter,
): Promise<AnonymousApexRun> {
  const client = new HttpClient(options.env ? { env: options.env } : {});
  try {
    const { runtime } = await loadProjectApex(options.cwd, { transport: httpTransport(client) });
    reporter.info(`Running ${options.path} locally...`);
    const result: AnonymousApexRun = await runtime.runAnonymous(options.source, {
      path: options.path,
    });
    if (result.exception) {
      const { type, message, stackTrace } = result.exception;
      result.error = new CalloutError(
        'APEX_EXCEPTION',
        `${type}${message === null ? '' : `: ${message}`}\n${stackTrace}`,
        { data: { exception: result.exception } },
      );
    }
    return result;
  } finally {
    await client.close();
  }
}

/**
 * The generated Apex tests, run locally after generate and before a deploy: a failure here would
 * fail in the org too, minutes later. Returns the run; its `error` names the failing tests.
 */
export async function runGeneratedTests(
  cwd: string,
  testClasses: string[],
  reporter: Reporter,
): Promise<ApexTestRun> {
  reporter.info(`Running the generated Apex tests locally (${testClasses.join(', ')})...`);
  const { runtime } = await loadProjectApex(cwd);
  const result: ApexTestRun = await runtime.runTests({ classNames: testClasses, coverage: true });
  const failed = result.tests.filter((t) => t.Outcome === 'Fail');
  if (failed.length > 0) {
    result.error = new CalloutError(
      'APEX_TEST_FAILURE',
      `${failed.length} of ${result.summary.testsRan} generated Apex tests failed locally:\n${failed
        .map(
          (t) =>
            `  ${t.FullName}: ${t.Message ?? ''}${t.StackTrace ? `\n    ${t.StackTrace.split('\n').join('\n    ')}` : ''}`,
        )
        .join('\n')}`,
      {
        actions: [
          'Run `callout test --tests CLASS.METHOD` to see one failure in full; fix the class or regenerate it.',
          'Or pass --skip-apex-tests.',
        ],
        data: { tests: failed },
      },
    );
  } else {
    reporter.info(
      `${result.summary.testsRan} generated Apex tests pass locally (coverage ${result.summary.testRunCoverage ?? 'n/a'}).`,
    );
  }
  return result;
}
