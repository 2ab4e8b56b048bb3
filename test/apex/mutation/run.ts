/**
 * Runs the generated Apex tests against a mutant, in the local Apex runtime. The unchanged
 * classes are parsed once (the parser memoises by source), so a mutant costs one parse of its
 * class, a new runtime (about 50 ms) and the tests up to the first one that fails.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CalloutError } from '../../../src/errors/index.ts';
import { loadApexProject, readPackageDir } from '../../../src/apex/index.ts';
import { parseApex } from '../../../src/apex/parse/parser.ts';
import { applyMutant, generateMutants, type Mutant, type MutationTarget } from './mutants.ts';
import { applyProposals } from './proposals.ts';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const FORCE_APP = join(ROOT, 'force-app');
const CLASSES = join(FORCE_APP, 'main', 'default', 'classes');

/** The generated classes that are mutated, and the label used in ids. */
export const TARGETS = [
  { path: 'ExternalAppTokenService.cls', label: 'TokenService' },
  { path: 'ExternalAppTokenRequest.cls', label: 'TokenRequest' },
  { path: 'ExternalAppTokenResponse.cls', label: 'TokenResponse' },
  { path: 'ExternalAppTokenCache.cls', label: 'TokenCache' },
  { path: 'ExternalAppApi.cls', label: 'Api' },
];

export interface Reference {
  files: Array<{ path: string; source: string }>;
  package: Awaited<ReturnType<typeof readPackageDir>>;
  /** Every test method, `Class.method`, the mutated class's own tests first. */
  tests: string[];
}

export type MutantStatus =
  'killed' | 'survived' | 'unsupported' | 'unparseable' | 'uncompilable' | 'error';

export interface MutantResult {
  id: string;
  status: MutantStatus;
  /** The test that killed it, or the test that stopped on APEX_UNSUPPORTED. */
  test?: string;
  /** That test's failure message, or the parse / runtime error. */
  message?: string;
  ms: number;
}

/**
 * The committed reference output, read from force-app; with `withProposals`, its test classes
 * carry the proposed test changes (proposals.ts).
 */
export async function loadReference(options: { withProposals?: boolean } = {}): Promise<Reference> {
  const committed = readdirSync(CLASSES)
    .filter((name) => name.endsWith('.cls'))
    .sort()
    .map((name) => ({ path: name, source: readFileSync(join(CLASSES, name), 'utf8') }));
  const files = options.withProposals ? applyProposals(committed) : committed;
  const pkg = await readPackageDir(FORCE_APP);
  const runtime = await loadApexProject({ files, ...packageOptions(pkg) });
  const result = await runtime.runTests();
  const failing = result.tests.filter((t) => t.Outcome !== 'Pass');
  if (failing.length > 0)
    throw new Error(
      `the reference tests must pass first: ${failing.map((t) => t.FullName).join(', ')}`,
    );
  return { files, package: pkg, tests: result.tests.map((t) => t.FullName) };
}

function packageOptions(pkg: Reference['package']) {
  return {
    customMetadata: pkg.customMetadata,
    customMetadataFields: pkg.customMetadataFields,
    cachePartitions: pkg.cachePartitions,
  };
}

/** Every mutant of the target classes, in a stable order. */
export async function referenceMutants(reference: Reference): Promise<Mutant[]> {
  const mutants: Mutant[] = [];
  for (const target of TARGETS) {
    const source = reference.files.find((f) => f.path === target.path)!.source;
    const { unit } = await parseApex(target.path, source);
    mutants.push(...generateMutants({ ...target, source, unit } satisfies MutationTarget));
  }
  return mutants;
}

/** The tests of the mutated class first: they are the likeliest to kill it, and soonest. */
function testOrder(reference: Reference, mutant: Mutant): string[] {
  const own = `${mutant.file.replace(/\.cls$/, '')}Test.`.toLowerCase();
  return [
    ...reference.tests.filter((t) => t.toLowerCase().startsWith(own)),
    ...reference.tests.filter((t) => !t.toLowerCase().startsWith(own)),
  ];
}

/** Parses the mutant; false when Salesforce's parser rejects it. */
export async function mutantParses(reference: Reference, mutant: Mutant): Promise<boolean> {
  const source = applyMutant(reference.files.find((f) => f.path === mutant.file)!.source, mutant);
  try {
    await parseApex(mutant.file, source);
    return true;
  } catch (error) {
    if (error instanceof CalloutError && error.name === 'APEX_PARSE') return false;
    throw error;
  }
}

/**
 * Runs the generated tests on one mutant until a test fails with an Apex failure (an assertion
 * or an exception): killed. A test that stops on APEX_UNSUPPORTED does not kill it; when no
 * other test does, the mutant is unsupported. No failure: survived.
 */
export async function runMutant(reference: Reference, mutant: Mutant): Promise<MutantResult> {
  const started = Date.now();
  const done = (result: Omit<MutantResult, 'id' | 'ms'>): MutantResult => ({
    id: mutant.id,
    ...result,
    ms: Date.now() - started,
  });
  const files = reference.files.map((f) =>
    f.path === mutant.file ? { path: f.path, source: applyMutant(f.source, mutant) } : f,
  );
  let runtime;
  try {
    runtime = await loadApexProject({ files, ...packageOptions(reference.package) });
  } catch (error) {
    if (error instanceof CalloutError && error.name === 'APEX_PARSE')
      return done({ status: 'unparseable', message: error.message });
    if (error instanceof CalloutError && error.name === 'APEX_UNSUPPORTED')
      return done({ status: 'unsupported', message: error.message });
    return done({ status: 'error', message: String(error) });
  }
  let unsupported: { test: string; message: string } | undefined;
  for (const test of testOrder(reference, mutant)) {
    let outcome;
    try {
      outcome = (await runtime.runTests({ tests: [test] })).tests[0]!;
    } catch (error) {
      // The runtime itself failed (not the Apex): neither killed nor survived.
      return done({ status: 'error', test, message: String(error) });
    }
    if (outcome.Outcome === 'Pass') continue;
    const message = outcome.Message ?? '';
    if (message.startsWith('APEX_UNSUPPORTED')) unsupported ??= { test, message };
    else return done({ status: 'killed', test, message });
  }
  return done(unsupported ? { status: 'unsupported', ...unsupported } : { status: 'survived' });
}
