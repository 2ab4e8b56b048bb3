import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  compileApex,
  findJava,
  formatDiagnostic,
  type CompileResult,
  type Diagnostic,
} from '../check/compile.ts';
import { loadConfig } from '../config/load.ts';
import { CalloutError } from '../errors/index.ts';
import { locatePackage } from '../generate/project.ts';
import { MANIFEST_PATH, readManifest } from '../generate/writer.ts';
import { defaultCacheDir } from '../harness/tokenCache.ts';
import { resolveInside } from '../util/paths.ts';
import type { Reporter } from './reporter.ts';

export interface CheckOutcome {
  skipped: boolean;
  /** The folders compiled, relative to the project root. */
  directories: string[];
  result?: CompileResult;
  /** Classes compiled: callout-kit's (listed in its manifest) and the user's own. */
  classes: { generated: number; user: number };
  /** The compiler's errors in the user's own classes: warnings, never a failure. */
  userDiagnostics: Diagnostic[];
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

/** What the offline compiler cannot know, for the warning on the user's classes. */
function blindSpots(standardSchema: boolean): string {
  const standard = standardSchema
    ? "standard objects or fields missing from jsforce's standard schema, describe through Schema.SObjectType.Account.fields"
    : "standard objects and fields (jsforce's standard schema, from @jsforce/jsforce-node, was not found)";
  return `The offline compiler knows the platform's Apex classes, the standard objects and fields jsforce lists, and the objects and labels in the folders it compiles; it cannot resolve ${standard}, managed-package types, or metadata elsewhere in the org (Visualforce pages, flows, fields not in these folders).`;
}

/**
 * The compile check on folders relative to `root`. callout-kit owns the classes its manifest
 * lists: an error there fails the check (COMPILE_FAILED). The user's own classes are compiled
 * with them (generated code may use them, and their problems are worth knowing) but their
 * errors are warnings: the offline compiler cannot see all of an org, so it is never the reason
 * a user's code does not deploy.
 */
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
    return { skipped: true, directories, classes: { generated: 0, user: 0 }, userDiagnostics: [] };
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
    return { skipped: true, directories, classes: { generated: 0, user: 0 }, userDiagnostics: [] };
  }
  // The driver names files relative to its working folder, the project root; so does the manifest.
  const display = (file: string) => relative(root, resolve(root, file)).split('\\').join('/');
  const diagnostics = result.diagnostics.map((d) => ({ ...d, file: display(d.file) }));
  const manifest = await readManifest(root);
  const isGenerated = (file: string) => Object.hasOwn(manifest.files, file);
  const folders = directories.map((d) => `${display(join(root, d))}/`.replace(/^\.?\/$/, ''));
  const generated = Object.keys(manifest.files).filter(
    (file) =>
      file.endsWith('.cls') &&
      folders.some((folder) => file.startsWith(folder)) &&
      existsSync(join(root, file)),
  ).length;
  const classes = { generated, user: Math.max(0, result.files - generated) };
  const generatedErrors = diagnostics.filter((d) => isGenerated(d.file));
  const userDiagnostics = diagnostics.filter((d) => !isGenerated(d.file));
  if (userDiagnostics.length > 0) {
    const files = new Set(userDiagnostics.map((d) => d.file)).size;
    reporter.warn(
      [
        `${userDiagnostics.length} compile problem(s) in ${files} of your own class file(s) (not generated by callout-kit); they do not stop check, generate or deploy:`,
        ...userDiagnostics.map((d) => `  ${formatDiagnostic(d)}`),
        blindSpots(result.standardSchema),
        'If these are false alarms, skip the offline compile: `callout deploy --skip-compile-check`, `callout generate --no-compile-check`.',
      ].join('\n'),
    );
  }
  if (generatedErrors.length > 0) {
    throw new CalloutError(
      'COMPILE_FAILED',
      `${generatedErrors.length} Apex compile error(s) in ${new Set(generatedErrors.map((d) => d.file)).size} generated file(s):\n${generatedErrors.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`,
      {
        data: {
          files: result.files,
          classes,
          diagnostics: generatedErrors,
          userDiagnostics,
        },
      },
    );
  }
  if (Object.keys(manifest.files).length === 0)
    reporter.info(
      `No ${MANIFEST_PATH} under ${root}: no class is known as generated by callout-kit, so none can fail the check (run callout generate first).`,
    );
  reporter.info(
    `${classes.generated} generated Apex class(es) compile${classes.user > 0 ? `; ${classes.user} of your own compiled with them${userDiagnostics.length > 0 ? ', with the warning above' : ''}` : ''} (${result.elapsedMs} ms in the compiler).`,
  );
  return {
    skipped: false,
    directories,
    result: { ...result, diagnostics },
    classes,
    userDiagnostics,
  };
}
