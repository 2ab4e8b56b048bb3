import { runCompileCheck, type CheckOutcome } from '../../check/run.ts';
import { loadConfig } from '../../config/load.ts';
import { CalloutError } from '../../errors/index.ts';
import { locatePackage } from '../../generate/project.ts';
import { renderArtifacts } from '../../generate/renderArtifacts.ts';
import { buildProjectVM } from '../../generate/viewModel.ts';
import { applyWrite, planWrite, type FileState } from '../../generate/writer.ts';
import type { CommandRun } from '../commands.ts';

const STATES: FileState[] = ['created', 'updated', 'unchanged', 'removed', 'refused'];

export const run: CommandRun = async (context, output) => {
  const configPath = typeof context.flags.config === 'string' ? context.flags.config : undefined;
  const loaded = await loadConfig({ cwd: context.cwd, ...(configPath ? { configPath } : {}) });
  const location = await locatePackage(context.cwd, loaded.root);
  const project = buildProjectVM(loaded.config);
  output.info(
    `Rendering ${project.services.length} service(s) (${loaded.config.secretStorage}) into ${location.packageDir}...`,
  );
  const rendered = await renderArtifacts(project);
  const plan = await planWrite(
    location.root,
    rendered.map((file) => ({
      path: `${location.packageDir}/${file.path}`,
      content: file.content,
    })),
    { force: context.flags.force === true },
  );
  const counts = Object.fromEntries(
    STATES.map((state) => [state, plan.files.filter((f) => f.state === state).length]),
  ) as Record<FileState, number>;
  const check = context.flags.check === true;
  const dryRun = context.flags['dry-run'] === true;
  const verb = (state: FileState) =>
    check || dryRun
      ? {
          created: 'would create',
          updated: 'would update',
          removed: 'would remove',
          unchanged: 'unchanged',
          refused: 'refused',
        }[state]
      : state;
  const lines = plan.files
    .filter((file) => file.state !== 'unchanged' || !check)
    .map(
      (file) =>
        `  ${verb(file.state).padEnd(12)} ${file.path}${file.reason ? `  (${file.reason})` : ''}`,
    );
  const summary = STATES.map((state) => `${counts[state]} ${state}`).join(', ');
  const result = {
    root: location.root,
    packageDir: location.packageDir,
    files: plan.files,
    counts,
  };
  if (check) {
    const drift = plan.files.filter((f) => f.state !== 'unchanged');
    if (drift.length > 0) {
      output.result(lines.join('\n'));
      throw new CalloutError(
        'GENERATE_OUT_OF_DATE',
        `${drift.length} generated file(s) differ from what ${loaded.path} produces.`,
        { data: result },
      );
    }
    output.result(`Generated output is up to date (${counts.unchanged} files).`);
    output.success(result);
    return;
  }
  if (!dryRun) await applyWrite(plan);
  output.result(`${lines.join('\n')}\n${dryRun ? 'Dry run, nothing written: ' : ''}${summary}.`);
  const refused =
    counts.refused > 0
      ? `${counts.refused} file(s) were changed by hand and were not overwritten${dryRun ? '' : '; the others were written'}.`
      : '';
  // Compile what is now on disk, hand-edited files included: an error there is worth knowing now.
  let compileCheck: CheckOutcome = { skipped: true };
  if (!dryRun && context.flags['compile-check'] !== false) {
    try {
      compileCheck = await runCompileCheck([location.packageDir], {
        root: location.root,
        env: context.env,
        output,
        required: false,
      });
    } catch (error) {
      if (error instanceof CalloutError && error.name === 'COMPILE_FAILED' && refused) {
        throw new CalloutError('COMPILE_FAILED', `${refused} ${error.message}`, {
          data: { ...result, ...error.data },
        });
      }
      throw error;
    }
  }
  if (refused) throw new CalloutError('GENERATE_REFUSED', refused, { data: result });
  output.success({
    ...result,
    compileCheck: { skipped: compileCheck.skipped, files: compileCheck.result?.files ?? 0 },
  });
};
