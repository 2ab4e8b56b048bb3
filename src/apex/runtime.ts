import { CalloutError } from '../errors/index.ts';
import { CoverageRecorder, executableLines } from './coverage.ts';
import { ClassInfo, declareClass, declareMembers, type MethodInfo } from './interpreter/classes.ts';
import { ApexThrow } from './interpreter/errors.ts';
import {
  ApexDouble,
  ApexList,
  ApexMap,
  ApexObject,
  ApexSet,
  stringValueOf,
  type Value,
} from './interpreter/values.ts';
import { ApexDecimal } from './decimal.ts';
import { Interpreter, Transaction } from './interpreter/interpreter.ts';
import { parseApex, parseApexFiles, type ParsedUnit } from './parse/parser.ts';
import type * as J from './parse/jorje.ts';
import { commitOrgCache, createPlatform, OrgCache } from './platform/index.ts';
import { txState, type PlatformServices, type RecordedCallout } from './platform/services.ts';
import type {
  ApexRuntimeOptions,
  AnonymousResult,
  ApexException,
  RunTestsOptions,
  TestRunResult,
  TestResult,
  ClassCoverage,
  PlainValue,
} from './types.ts';

/** The default transport for real callouts: Node's fetch, with the request's timeout. */
async function fetchTransport(request: {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const response = await fetch(request.url, {
    method: request.method,
    headers: request.headers,
    body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(request.timeoutMs),
  });
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers.entries()),
    body: await response.text(),
  };
}

function exceptionOf(error: ApexThrow): ApexException {
  const state = error.exception.exception;
  const fields: Record<string, PlainValue> = {};
  for (const [key, value] of error.exception.fields)
    fields[error.exception.cls.fieldDisplayName(key)] = plainValue(value);
  return {
    type: error.exception.cls.name,
    message: state?.message ?? null,
    stackTrace: state?.stackTrace ?? '',
    line: state?.line ?? 0,
    fields,
  };
}

/** An Apex value as plain data (JSON-compatible) for callers of the runtime. */
function plainValue(value: Value, depth = 0): PlainValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (depth > 20) return stringValueOf(value);
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (value instanceof ApexDouble) return value.value;
  if (value instanceof ApexDecimal) {
    const text = value.toString();
    return String(Number(text)) === text ? Number(text) : text;
  }
  if (value instanceof ApexList) return value.items.map((v) => plainValue(v, depth + 1));
  if (value instanceof ApexSet)
    return [...value.entries.values()].map((v) => plainValue(v, depth + 1));
  if (value instanceof ApexMap)
    return Object.fromEntries(
      [...value.entries.values()].map(([k, v]) => [stringValueOf(k), plainValue(v, depth + 1)]),
    );
  if (value instanceof ApexObject && !value.exception)
    return Object.fromEntries(
      [...value.fields].map(([k, v]) => [value.cls.fieldDisplayName(k), plainValue(v, depth + 1)]),
    );
  return stringValueOf(value);
}

const percent = (covered: number, total: number): number =>
  total === 0 ? 100 : Math.round((covered / total) * 100);

/**
 * A loaded Apex project: its classes parsed and linked, ready to run tests and anonymous Apex.
 * Create one with `loadApexProject`.
 */
export class ApexRuntime {
  private readonly interp: Interpreter;
  private readonly services: PlatformServices;
  private readonly coverage = new CoverageRecorder();
  private readonly executable = new Map<string, { cls: ClassInfo; lines: Set<number> }>();
  private readonly options: ApexRuntimeOptions;
  /** Runs are serialised: the interpreter holds one transaction at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  private serialised<T>(run: () => Promise<T>): Promise<T> {
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  constructor(units: readonly ParsedUnit[], options: ApexRuntimeOptions) {
    this.options = options;
    this.services = {
      clock: options.clock ?? Date.now,
      transport: options.transport ?? fetchTransport,
      orgCache: options.orgCache ?? new OrgCache(options.cachePartitions ?? []),
      customMetadata: options.customMetadata ?? {},
      callouts: [],
      ...(options.resolveNamedCredential
        ? { resolveNamedCredential: options.resolveNamedCredential }
        : {}),
    };
    this.interp = new Interpreter(createPlatform(this.services), this.services, {
      coverageHit: (file, line) => this.coverage.hit(file, line),
    });
    for (const [type, fields] of Object.entries(options.customMetadataFields ?? {})) {
      this.interp.sObjectFieldTypes.set(
        type.toLowerCase(),
        new Map(
          Object.entries(fields).map(([name, kind]) => [name.toLowerCase(), kind.toLowerCase()]),
        ),
      );
    }
    for (const type of new Set([
      ...Object.keys(options.customMetadata ?? {}),
      ...Object.keys(options.customMetadataFields ?? {}),
    ]))
      this.interp.sObjectTypes.set(type.toLowerCase(), type);
    for (const unit of units) {
      const kind = (unit.unit as { '@class': string })['@class'];
      if (kind === 'apex.jorje.data.ast.CompilationUnit$TriggerDeclUnit')
        throw new CalloutError(
          'APEX_UNSUPPORTED',
          `${unit.path}: triggers are not supported by the local Apex runtime.`,
        );
      const cls = declareClass(unit.unit, unit.path);
      this.interp.addClass(cls);
      this.registerSObjectNames(unit.source);
      if (!cls.isTest) this.executable.set(unit.path, { cls, lines: executableLines(unit.unit) });
    }
    this.interp.link();
  }

  /** Custom Metadata types the code names (`X__mdt`) are known even without records. */
  private registerSObjectNames(source: string): void {
    for (const match of source.matchAll(/\b([A-Za-z][A-Za-z0-9_]*__mdt)\b/g)) {
      const name = match[1]!;
      if (!this.interp.sObjectTypes.has(name.toLowerCase()))
        this.interp.sObjectTypes.set(name.toLowerCase(), name);
    }
  }

  /** Names of the project's classes (top level). */
  get classNames(): string[] {
    return [...this.interp.classes.values()].map((c) => c.name);
  }

  /** Names of the project's @IsTest classes. */
  get testClassNames(): string[] {
    return [...this.interp.classes.values()].filter((c) => c.isTest).map((c) => c.name);
  }

  /** Every callout made through this runtime so far (real and mocked), for the caller to show. */
  get callouts(): readonly RecordedCallout[] {
    return this.services.callouts;
  }

  get orgCache(): OrgCache {
    return this.services.orgCache;
  }

  private testMethods(cls: ClassInfo): MethodInfo[] {
    return [...cls.methods.values()].flat().filter((m) => m.isTest && m.isStatic);
  }

  /** Runs @IsTest methods, each in its own transaction; shaped like `sf apex run test --json`. */
  runTests(options: RunTestsOptions = {}): Promise<TestRunResult> {
    return this.serialised(() => this.runTestsNow(options));
  }

  private async runTestsNow(options: RunTestsOptions): Promise<TestRunResult> {
    const started = Date.now();
    const selected: Array<{ cls: ClassInfo; method: MethodInfo }> = [];
    const wantedClasses = options.classNames?.map((n) => n.toLowerCase());
    const wantedTests = options.tests?.map((t) => t.toLowerCase());
    for (const cls of this.interp.classes.values()) {
      if (!cls.isTest) continue;
      for (const method of this.testMethods(cls)) {
        const full = `${cls.name}.${method.name}`.toLowerCase();
        const byClass = wantedClasses?.includes(cls.key);
        const byTest = wantedTests?.some((t) => t === full || t === cls.key);
        if ((wantedClasses || wantedTests) && !byClass && !byTest) continue;
        selected.push({ cls, method });
      }
    }
    for (const name of [
      ...(wantedClasses ?? []),
      ...(wantedTests ?? []).map((t) => t.split('.')[0]!),
    ])
      if (!this.interp.classes.get(name)?.isTest)
        throw new CalloutError(
          'APEX_TEST_FAILURE',
          `No @IsTest class named ${name} in the project.`,
          {
            actions: [
              'Check the class name; the test classes are: ' + this.testClassNames.join(', '),
            ],
          },
        );
    this.coverage.hits.clear();
    this.coverage.enabled = options.coverage ?? false;
    const tests: TestResult[] = [];
    for (const { cls, method } of selected) tests.push(await this.runTestMethod(cls, method));
    this.coverage.enabled = false;
    const passing = tests.filter((t) => t.Outcome === 'Pass').length;
    const failing = tests.length - passing;
    const elapsed = Date.now() - started;
    const result: TestRunResult = {
      summary: {
        outcome: failing === 0 ? 'Passed' : 'Failed',
        testsRan: tests.length,
        passing,
        failing,
        skipped: 0,
        passRate: `${percent(passing, tests.length)}%`,
        failRate: `${percent(failing, tests.length) === 100 && tests.length === 0 ? 0 : percent(failing, tests.length)}%`,
        testStartTime: new Date(started).toISOString(),
        testExecutionTimeInMs: tests.reduce((sum, t) => sum + t.RunTime, 0),
        testTotalTimeInMs: elapsed,
        commandTimeInMs: elapsed,
        hostname: 'local',
        orgId: 'local',
        username: 'local',
        testRunId: 'local',
        userId: 'local',
      },
      tests,
    };
    if (options.coverage) {
      const coverage = this.coverageResult();
      const total = coverage.reduce((sum, c) => sum + c.totalLines, 0);
      const covered = coverage.reduce((sum, c) => sum + c.totalCovered, 0);
      result.summary.testRunCoverage = `${percent(covered, total)}%`;
      result.summary.orgWideCoverage = `${percent(covered, total)}%`;
      result.coverage = { coverage };
    }
    return result;
  }

  private coverageResult(): ClassCoverage[] {
    const classes: ClassCoverage[] = [];
    for (const [file, { cls, lines }] of this.executable) {
      if (lines.size === 0) continue;
      const hit = this.coverage.hits.get(file) ?? new Set<number>();
      const map: Record<string, 0 | 1> = {};
      for (const line of [...lines].sort((a, b) => a - b))
        map[String(line)] = hit.has(line) ? 1 : 0;
      const totalCovered = Object.values(map).filter((v) => v === 1).length;
      classes.push({
        id: cls.name,
        name: cls.name,
        totalLines: lines.size,
        lines: map,
        totalCovered,
        coveredPercent: percent(totalCovered, lines.size),
      });
    }
    return classes;
  }

  private async runTestMethod(cls: ClassInfo, method: MethodInfo): Promise<TestResult> {
    const started = Date.now();
    // Each test method is its own transaction, with an org cache of its own.
    const sharedCache = this.services.orgCache;
    this.services.orgCache = new OrgCache(this.options.cachePartitions ?? []);
    this.interp.tx = new Transaction(true);
    this.interp.cpuTimeLimitMs = 10_000;
    let outcome: 'Pass' | 'Fail' = 'Pass';
    let message: string | null = null;
    let stackTrace: string | null = null;
    try {
      await this.interp.callStatic(cls, method);
    } catch (error) {
      outcome = 'Fail';
      if (error instanceof ApexThrow) {
        const exception = exceptionOf(error);
        message =
          exception.message === null ? exception.type : `${exception.type}: ${exception.message}`;
        stackTrace = exception.stackTrace;
      } else {
        // An internal failure of the runtime fails this test only, with the runtime's own message.
        const wrapped = CalloutError.wrap(error);
        message = `${wrapped.name}: ${wrapped.message}`;
      }
    } finally {
      this.services.orgCache = sharedCache;
    }
    return {
      Id: `${cls.name}.${method.name}`,
      QueueItemId: '',
      StackTrace: stackTrace,
      Message: message,
      AsyncApexJobId: '',
      MethodName: method.name,
      Outcome: outcome,
      ApexClass: { Id: cls.name, Name: cls.name, NamespacePrefix: null, FullName: cls.name },
      RunTime: Date.now() - started,
      TestTimestamp: new Date(started).toISOString(),
      FullName: `${cls.name}.${method.name}`,
    };
  }

  /**
   * Executes anonymous Apex against the project's classes in a new (non-test) transaction:
   * debug output, the uncaught exception if any, and the callouts it made. Real callouts go to
   * the injected transport. An unsupported construct throws APEX_UNSUPPORTED.
   */
  runAnonymous(
    source: string,
    options: { path?: string; cpuTimeLimitMs?: number } = {},
  ): Promise<AnonymousResult> {
    return this.serialised(() => this.runAnonymousNow(source, options));
  }

  private async runAnonymousNow(
    source: string,
    options: { path?: string; cpuTimeLimitMs?: number },
  ): Promise<AnonymousResult> {
    const path = options.path ?? 'anonymous.apex';
    const parsed = await parseApex(path, source, true);
    const unit = parsed.unit as J.AnonymousBlockUnit;
    const anonymous = new ClassInfo('AnonymousBlock', 'class', path);
    declareMembers(anonymous, unit.members, path);
    for (const method of [...anonymous.methods.values()].flat()) method.isStatic = true;
    for (const inner of anonymous.inner.values()) this.interp.addClass(inner);
    this.interp.link();
    this.interp.tx = new Transaction(false);
    this.interp.cpuTimeLimitMs = options.cpuTimeLimitMs ?? 10_000;
    const before = this.services.callouts.length;
    let exception: ApexException | undefined;
    try {
      await this.interp.runAnonymous(unit, path, anonymous);
      commitOrgCache(this.services.orgCache, this.interp.tx.state);
    } catch (error) {
      if (!(error instanceof ApexThrow)) throw CalloutError.wrap(error);
      exception = exceptionOf(error);
    } finally {
      for (const inner of anonymous.inner.values()) this.interp.classes.delete(inner.key);
    }
    return {
      debugLines: txState(this.interp).debugLines,
      ...(exception ? { exception } : {}),
      callouts: this.services.callouts.slice(before),
    };
  }
}

/** Parses the files concurrently and builds a runtime over them. */
export async function createRuntime(
  files: ReadonlyArray<{ path: string; source: string }>,
  options: ApexRuntimeOptions,
): Promise<ApexRuntime> {
  const units = await parseApexFiles(
    files,
    options.parseCacheDir ? { cacheDir: options.parseCacheDir } : {},
  );
  return new ApexRuntime(units, options);
}
