import { join, relative, resolve } from 'node:path';
import { compileApex, findJava, formatDiagnostic, type CompileResult } from '../check/compile.ts';
import { loadConfig } from '../config/load.ts';
import { CalloutError } from '../errors/index.ts';
import { locatePackage } from '../generate/project.ts';
import { defaultCacheDir } from '../harness/tokenCache.ts';
import { resolveInside } from '../util/paths.ts';
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
  // check needs no config, but reading one (when there is) names its secret variables, which the
  // Java child must not inherit.
  await loadConfig({ cwd: options.cwd }).catch(() => undefined);
  const location = await locatePackage(options.cwd, options.cwd);
  const directories =
    options.directories && options.directories.length > 0
      ? await Promise.all(
          options.directories.map((d) => projectRelative(location.root, options.cwd, d)),
        )
      : location.packageDirectories;
  return compileDirectories(location.root, directories, options, reporter);
}

/**
 * A folder named on the command line, as the shell means it (relative to the current folder, or
 * absolute), as a path relative to the project root; a folder outside the project is refused.
 */
async function projectRelative(root: string, cwd: string, directory: string): Promise<string> {
  const full = await resolveInside(root, resolve(cwd, directory), {
    what: 'The folder',
    allowAbsolute: true,
    actions: [
      `Name a folder inside the project ${root}, or run check from the project that holds it.`,
    ],
  });
  return relative(root, full) || '.';
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
      'The offline Apex compile check was skipped: no Java 11 or later (java and javac) on PATH or in JAVA_HOME.';
    if (options.required) throw new CalloutError('CHECK_UNAVAILABLE', message);
    reporter.warn(
      `${message} Install a JDK (e.g. apt-get install openjdk-17-jdk-headless) to enable it, or pass --no-compile-check.`,
    );
    return { skipped: true, directories };
  }
  reporter.info(`Compiling Apex offline with Salesforce's compiler (Java ${java.major})...`);
  const result = await compileApex(
    directories.map((d) => join(root, d)),
    { java, cacheDir: defaultCacheDir(options.env), cwd: root },
  );
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
