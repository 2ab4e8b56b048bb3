import { runCompileCheck } from '../../check/run.ts';
import { locatePackage } from '../../generate/project.ts';
import type { CommandRun } from '../commands.ts';

export const run: CommandRun = async (context, output) => {
  const location = await locatePackage(context.cwd, context.cwd);
  const dirs = context.positionals.length > 0 ? context.positionals : location.packageDirectories;
  const outcome = await runCompileCheck(dirs, {
    root: location.root,
    env: context.env,
    output,
    required: true,
  });
  output.result(
    `No Apex compile errors in ${outcome.result?.files ?? 0} classes under ${dirs.join(', ')}.`,
  );
  output.success({ directories: dirs, files: outcome.result?.files ?? 0, diagnostics: [] });
};
