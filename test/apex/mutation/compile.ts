/**
 * The optional compile check of `npm run mutation -- --compile`: every mutant through
 * Salesforce's Apex compiler (src/check, one JVM for all of them), so that a mutant the org would
 * refuse to compile (a "missing return", a type error) is set aside instead of scored. It needs
 * Java 17+; the operators are designed to keep the class compilable, and this checks they do.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileApexBatch, findJava, formatDiagnostic } from '../../../src/check/compile.ts';
import { applyMutant, type Mutant } from './mutants.ts';
import { FORCE_APP, type Reference } from './run.ts';

/** Mutant id -> the compiler's first error; mutants that compile are absent. */
export async function compileErrors(
  reference: Reference,
  mutants: readonly Mutant[],
): Promise<Map<string, string>> {
  const java = await findJava();
  if (!java) throw new Error('--compile needs Java 17+ on PATH or JAVA_HOME');
  const work = await mkdtemp(join(tmpdir(), 'callout-mutation-compile-'));
  try {
    const dirs = await Promise.all(
      mutants.map(async (mutant, i) => {
        const dir = join(work, String(i));
        await cp(join(FORCE_APP, 'main', 'default'), dir, { recursive: true });
        const original = reference.files.find((f) => f.path === mutant.file)!.source;
        await writeFile(join(dir, 'classes', mutant.file), applyMutant(original, mutant));
        return dir;
      }),
    );
    const answers = await compileApexBatch(
      dirs.map((dir) => [dir]),
      { java, cacheDir: join(work, 'cache') },
    );
    const errors = new Map<string, string>();
    answers.forEach((answer, i) => {
      const first = answer.diagnostics[0];
      if (first) errors.set(mutants[i]!.id, formatDiagnostic(first).replace(`${dirs[i]}/`, ''));
    });
    return errors;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
