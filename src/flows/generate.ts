import type { LoadedConfig } from '../config/load.ts';
import { loadConfig } from '../config/load.ts';
import { CalloutError } from '../errors/index.ts';
import { locatePackage, type PackageLocation } from '../generate/project.ts';
import { useFormatCache } from '../generate/formatApex.ts';
import { renderArtifacts } from '../generate/renderArtifacts.ts';
import { defaultCacheDir } from '../harness/tokenCache.ts';
import { buildProjectVM, type ProjectVM } from '../generate/viewModel.ts';
import { applyWrite, planWrite, type FileState, type PlannedFile } from '../generate/writer.ts';
import { compileDirectories, type CheckOutcome } from './check.ts';
import type { Reporter } from './reporter.ts';

export const FILE_STATES: FileState[] = ['created', 'updated', 'unchanged', 'removed', 'refused'];

export interface GenerationPlan {
  location: PackageLocation;
  project: ProjectVM;
  plan: Awaited<ReturnType<typeof planWrite>>;
}

/**
 * What `generate` would write for a config, compared with what is on disk: the one place the
 * config is rendered and planned (generate writes it, deploy and doctor check for drift).
 */
export async function planGeneration(
  loaded: LoadedConfig,
  cwd: string,
  options: { force?: boolean; env?: NodeJS.ProcessEnv } = {},
): Promise<GenerationPlan> {
  const { env } = options;
  const location = await locatePackage(cwd, loaded.root);
  const project = buildProjectVM(loaded.config);
  useFormatCache(env ? defaultCacheDir(env) : undefined);
  const rendered = await renderArtifacts(project);
  const plan = await planWrite(
    location.root,
    rendered.map((file) => ({
      path: `${location.packageDir}/${file.path}`,
      content: file.content,
    })),
    { force: options.force === true, packageDirectories: location.packageDirectories },
  );
  return { location, project, plan };
}

/** The generated files that differ from what the config produces (hand edits left aside). */
export function driftOf(plan: GenerationPlan): PlannedFile[] {
  return plan.plan.files.filter((f) => f.state !== 'unchanged' && f.state !== 'removed');
}

export type GenerateMode = 'write' | 'check' | 'dry-run';

export interface GenerateResult {
  root: string;
  packageDir: string;
  config: string;
  mode: GenerateMode;
  files: PlannedFile[];
  counts: Record<FileState, number>;
  /** `files` compiled, of which `generated` are callout-kit's; the user's classes' errors as data. */
  compileCheck: {
    skipped: boolean;
    files: number;
    generated: number;
    userDiagnostics: CheckOutcome['userDiagnostics'];
  };
  apexTests: { skipped: boolean; ran: number; failing: number; coverage?: string };
  /** Set when the run failed after producing its report: drift under --check, refused files. */
  error?: CalloutError;
}

/**
 * `callout generate`: render, plan against the manifest, write (or only compare), then compile
 * what is on disk. Returns the report; a failure that comes with a report is in `error`.
 */
export async function generateProject(
  options: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    configPath?: string | undefined;
    mode: GenerateMode;
    force: boolean;
    compileCheck: boolean;
    apexTests: boolean;
  },
  reporter: Reporter,
): Promise<GenerateResult> {
  const loaded = await loadConfig({
    cwd: options.cwd,
    ...(options.configPath ? { configPath: options.configPath } : {}),
  });
  const generation = await planGeneration(loaded, options.cwd, {
    force: options.force,
    env: options.env,
  });
  const { location, project, plan } = generation;
  reporter.info(
    `Rendering ${project.services.length} service(s) (${loaded.config.secretStorage}) into ${location.packageDir}...`,
  );
  const counts = Object.fromEntries(
    FILE_STATES.map((state) => [state, plan.files.filter((f) => f.state === state).length]),
  ) as Record<FileState, number>;
  const result: GenerateResult = {
    root: location.root,
    packageDir: location.packageDir,
    config: loaded.path,
    mode: options.mode,
    files: plan.files,
    counts,
    compileCheck: { skipped: true, files: 0, generated: 0, userDiagnostics: [] },
    apexTests: { skipped: true, ran: 0, failing: 0 },
  };
  if (options.mode === 'check') {
    const drift = plan.files.filter((f) => f.state !== 'unchanged');
    // `callout generate` refuses files changed by hand: for those, the way on is --force.
    const byHand = counts.refused;
    if (drift.length > 0)
      result.error = new CalloutError(
        'GENERATE_OUT_OF_DATE',
        `${drift.length} generated file(s) differ from what ${loaded.path} produces${byHand > 0 ? `; ${byHand} of them were changed by hand` : ''}.`,
        {
          data: { files: drift },
          ...(byHand > 0
            ? {
                actions: [
                  'Move the hand changes into callout.config.json (or the templates), then run `callout generate --force` and commit the result.',
                  'Run `callout generate --dry-run` to see every file and what would happen to it.',
                ],
              }
            : {}),
        },
      );
    return result;
  }
  if (options.mode === 'write') await applyWrite(plan);
  // A file no longer generated but changed by hand is left in place, --force or not: force
  // overwrites what generate produces, it never deletes.
  const leftInPlace = plan.files.filter((f) => f.state === 'refused' && !plan.contents.has(f.path));
  const notOverwritten = counts.refused - leftInPlace.length;
  const refused = [
    notOverwritten > 0
      ? `${notOverwritten} file(s) were changed by hand and were not overwritten${options.mode === 'write' ? '; the others were written' : ''}.`
      : '',
    leftInPlace.length > 0
      ? `${leftInPlace.length} file(s) no longer generated were changed by hand and were left in place (${leftInPlace.map((f) => f.path).join(', ')}).`
      : '',
  ]
    .filter(Boolean)
    .join(' ');
  // Compile what is now on disk, hand-edited files included: an error there is worth knowing now.
  if (options.mode === 'write' && options.compileCheck) {
    let outcome: CheckOutcome;
    try {
      outcome = await compileDirectories(
        location.root,
        [location.packageDir],
        { env: options.env, required: false },
        reporter,
      );
    } catch (error) {
      if (error instanceof CalloutError && error.name === 'COMPILE_FAILED' && refused) {
        throw new CalloutError('COMPILE_FAILED', `${refused} ${error.message}`, {
          data: error.data,
        });
      }
      throw error;
    }
    result.compileCheck = {
      skipped: outcome.skipped,
      files: outcome.result?.files ?? 0,
      generated: outcome.classes.generated,
      userDiagnostics: outcome.userDiagnostics,
    };
  }
  // Then run the generated tests locally: what would fail in the org fails here, in seconds.
  if (options.mode === 'write' && options.apexTests && !refused) {
    // The runtime loads only when the tests run: a deploy that skips them starts sooner.
    const { runGeneratedTests } = await import('./apex.ts');
    const run = await runGeneratedTests(options.cwd, project.testClasses, reporter);
    result.apexTests = {
      skipped: false,
      ran: run.summary.testsRan,
      failing: run.summary.failing,
      ...(run.summary.testRunCoverage ? { coverage: run.summary.testRunCoverage } : {}),
    };
    if (run.error) result.error = run.error;
  }
  if (refused)
    result.error = new CalloutError(
      'GENERATE_REFUSED',
      refused,
      notOverwritten > 0
        ? {}
        : {
            actions: [
              'Delete the files left in place yourself if you no longer need them, or remove their entries from .callout-kit/manifest.json to keep them as your own.',
            ],
          },
    );
  return result;
}
