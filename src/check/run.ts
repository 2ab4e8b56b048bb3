import { join } from 'node:path';
import type { Output } from '../cli/output.ts';
import { CalloutError } from '../errors/index.ts';
import { defaultCacheDir } from '../harness/tokenCache.ts';
import { compileApex, findJava, formatDiagnostic, type CompileResult } from './compile.ts';

export interface CheckOutcome {
  skipped: boolean;
  result?: CompileResult;
}

/**
 * Runs the offline compile check on folders and reports it; without Java it says so plainly.
 * `required`: a missing Java is an error (callout check) rather than a warning (generate).
 */
export async function runCompileCheck(
  dirs: string[],
  options: { root: string; env: NodeJS.ProcessEnv; output: Output; required: boolean },
): Promise<CheckOutcome> {
  const java = await findJava(options.env);
  if (!java) {
    const message =
      'The offline Apex compile check was skipped: no Java 11 or later (java and javac) on PATH or in JAVA_HOME.';
    if (options.required) throw new CalloutError('CHECK_UNAVAILABLE', message);
    options.output.warn(
      `${message} Install a JDK (e.g. apt-get install openjdk-17-jdk-headless) to enable it, or pass --no-compile-check.`,
    );
    return { skipped: true };
  }
  options.output.info(`Compiling Apex offline with Salesforce's compiler (Java ${java.major})...`);
  const result = await compileApex(
    dirs.map((d) => join(options.root, d)),
    { java, cacheDir: defaultCacheDir(options.env) },
  );
  const relative = (file: string) =>
    file.startsWith(`${options.root}/`) ? file.slice(options.root.length + 1) : file;
  const diagnostics = result.diagnostics.map((d) => ({ ...d, file: relative(d.file) }));
  if (diagnostics.length > 0) {
    throw new CalloutError(
      'COMPILE_FAILED',
      `${diagnostics.length} Apex compile error(s) in ${new Set(diagnostics.map((d) => d.file)).size} file(s):\n${diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`,
      { data: { files: result.files, diagnostics } },
    );
  }
  options.output.info(
    `${result.files} Apex classes compile (${result.elapsedMs} ms in the compiler).`,
  );
  return { skipped: false, result: { ...result, diagnostics } };
}
