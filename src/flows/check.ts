import { join, relative, resolve } from 'node:path';
import { compileApex, findJava, formatDiagnostic, type CompileResult } from '../check/compile.ts';
import { CalloutError } from '../errors/index.ts';
import { locatePackage } from '../generate/project.ts';
import { defaultCacheDir } from '../harness/tokenCache.ts';
import type { Reporter } from './reporter.ts';

export interface CheckOutcome {
  skipped: boolean;
  /** The folders compiled, relative to the project root. */
  directories: string[];
  result?: CompileResult;
}

/**
 * Runs the offline compile check on folders of the project (default: its package directories).
 * Without Java: an error when `required` (callout check), a warning otherwise (generate, deploy).
 */
export async function checkProject(
  options: { cwd: string; env: NodeJS.ProcessEnv; directories?: string[]; required: boolean },
  reporter: Reporter,
): Promise<CheckOutcome> {
  const location = await locatePackage(options.cwd, options.cwd);
  const directories =
    options.directories && options.directories.length > 0
      ? options.directories
      : location.packageDirectories;
  return compileDirectories(location.root, directories, options, reporter);
}

/** The compile check on folders relative to `root`. */
export async function compileDirectories(
  root: string,
  directories: string[],
  options: { env: NodeJS.ProcessEnv; required: boolean },
  reporter: Reporter,
): Promise<CheckOutcome> {
  const java = await findJava(options.env);
  if (!java) {
    const message =
      'The offline Apex compile check was skipped: no Java 17 or later on PATH or in JAVA_HOME.';
    if (options.required) throw new CalloutError('CHECK_UNAVAILABLE', message);
    reporter.warn(
      `${message} Install a Java 17 runtime (e.g. apt-get install openjdk-17-jre-headless) to enable it, or pass --no-compile-check.`,
    );
    return { skipped: true, directories };
  }
  reporter.info(`Compiling Apex offline with Salesforce's compiler (Java ${java.major})...`);
  let result: CompileResult;
  try {
    result = await compileApex(
      directories.map((d) => join(root, d)),
      { java, cacheDir: defaultCacheDir(options.env), cwd: root },
    );
  } catch (error) {
    // The driver could not start or load: only `callout check` needs the check to run.
    if (options.required || !(error instanceof CalloutError) || error.name !== 'CHECK_UNAVAILABLE')
      throw error;
    reporter.warn(
      `The offline Apex compile check was skipped: ${error.message} ${error.actions[0] ?? ''}`.trim(),
    );
    return { skipped: true, directories };
  }
  // The driver names files relative to its working folder, the project root.
  const display = (file: string) => relative(root, resolve(root, file));
  const diagnostics = result.diagnostics.map((d) => ({ ...d, file: display(d.file) }));
  if (diagnostics.length > 0) {
    throw new CalloutError(
      'COMPILE_FAILED',
      `${diagnostics.length} Apex compile error(s) in ${new Set(diagnostics.map((d) => d.file)).size} file(s):\n${diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`,
      { data: { files: result.files, diagnostics } },
    );
  }
  reporter.info(`${result.files} Apex classes compile (${result.elapsedMs} ms in the compiler).`);
  return { skipped: false, directories, result: { ...result, diagnostics } };
}
