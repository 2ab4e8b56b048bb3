import type { OrgCache, OrgCachePartitionConfig } from './platform/orgCache.ts';
import type {
  CustomMetadataRecord,
  NamedCredentialResolver,
  RecordedCallout,
  Transport,
} from './platform/services.ts';

/** Injected dependencies of the runtime, each with a default. */
export interface ApexRuntimeOptions {
  /** Epoch milliseconds; System.currentTimeMillis, Datetime.now and cache expiry read it. Default Date.now. */
  clock?: () => number;
  /** Real (non-mocked) callouts. Default: Node's fetch. */
  transport?: Transport;
  /** The org cache shared across transactions; default one built from `cachePartitions`. */
  orgCache?: OrgCache;
  /** Org cache partitions that exist (`local.Name`) and their capacity in MB (0 allowed). */
  cachePartitions?: OrgCachePartitionConfig[];
  /** Custom Metadata records by type API name (`X__mdt`). */
  customMetadata?: Record<string, CustomMetadataRecord[]>;
  /** Field types by Custom Metadata type, e.g. `{ TimeoutMs__c: 'Number' }` (Number fields hold Decimals). */
  customMetadataFields?: Record<string, Record<string, string>>;
  /** Resolves `callout:Name/path` endpoints; without it such callouts stop with APEX_UNSUPPORTED. */
  resolveNamedCredential?: NamedCredentialResolver;
  /**
   * A directory for parsed classes, keyed by source text, so that unchanged classes are not parsed
   * again by the next process (e.g. `node_modules/.cache/callout-kit/apex`). Off by default.
   */
  parseCacheDir?: string;
}

export interface LoadApexProjectOptions extends ApexRuntimeOptions {
  /** Class sources to load. */
  files?: Array<{ path: string; source: string }>;
  /**
   * Source-format package directories (e.g. `force-app`): their classes, Custom Metadata records
   * and field types, and cache partitions are read. Records in `customMetadata` are added to them.
   */
  dirs?: string[];
}

export interface RunTestsOptions {
  /** Run every test method of these classes. */
  classNames?: string[];
  /** Run these tests: `Class.method` (or `Class` for the whole class). */
  tests?: string[];
  /** Collect line coverage of the non-test classes. */
  coverage?: boolean;
}

export interface ApexException {
  /** e.g. `System.NullPointerException` or a user class name. */
  type: string;
  message: string | null;
  /** Innermost frame first: `Class.Foo.bar: line 3, column 1`. */
  stackTrace: string;
  line: number;
  /**
   * A user exception's own fields and automatic properties with their values, as plain data
   * (e.g. `{ statusCode: 401, oauthError: 'invalid_client' }`); empty for platform exceptions.
   * Long beyond 2^53 and Decimals that a number cannot hold exactly are strings.
   */
  fields: Record<string, PlainValue>;
}

/** An Apex value as plain data. */
export type PlainValue =
  string | number | boolean | null | PlainValue[] | { [key: string]: PlainValue };

export interface AnonymousResult {
  /** Each System.debug message, as a USER_DEBUG line shows it (the message only). */
  debugLines: string[];
  exception?: ApexException;
  /** The callouts this block made (never logged by the runtime: callers mask them). */
  callouts: RecordedCallout[];
}

/** One test method's result, with the field names of `sf apex run test --json`. */
export interface TestResult {
  Id: string;
  QueueItemId: string;
  StackTrace: string | null;
  Message: string | null;
  AsyncApexJobId: string;
  MethodName: string;
  Outcome: 'Pass' | 'Fail' | 'Skip';
  ApexClass: { Id: string; Name: string; NamespacePrefix: string | null; FullName: string };
  RunTime: number;
  TestTimestamp: string;
  FullName: string;
}

export interface ClassCoverage {
  id: string;
  name: string;
  totalLines: number;
  /** Line number → 1 when covered, 0 when not. */
  lines: Record<string, 0 | 1>;
  totalCovered: number;
  coveredPercent: number;
}

export interface TestRunResult {
  summary: {
    outcome: 'Passed' | 'Failed';
    testsRan: number;
    passing: number;
    failing: number;
    skipped: number;
    passRate: string;
    failRate: string;
    testStartTime: string;
    testExecutionTimeInMs: number;
    testTotalTimeInMs: number;
    commandTimeInMs: number;
    hostname: string;
    orgId: string;
    username: string;
    testRunId: string;
    userId: string;
    testRunCoverage?: string;
    orgWideCoverage?: string;
  };
  tests: TestResult[];
  coverage?: { coverage: ClassCoverage[] };
}
