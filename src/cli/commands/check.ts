import { checkProject } from '../../flows/check.ts';
import type { CommandRun } from '../context.ts';
import type { checkFlags } from '../specs.ts';

export const run: CommandRun<typeof checkFlags> = async (context, output) => {
  const outcome = await checkProject(
    {
      cwd: context.cwd,
      env: context.env,
      directories: context.positionals,
      required: true,
    },
    output,
  );
  const files = outcome.result?.files ?? 0;
  const { generated, user } = outcome.classes;
  const warned = outcome.userDiagnostics.length;
  output.result(
    `No Apex compile errors in the ${generated} generated classes under ${outcome.directories.join(', ')}` +
      (user > 0
        ? `; ${user} of your own compiled with them${warned > 0 ? ` (${warned} problem(s) in them, shown above as a warning: they do not fail the check)` : ''}.`
        : '.'),
  );
  output.success({
    directories: outcome.directories,
    files,
    classes: outcome.classes,
    diagnostics: [],
    userDiagnostics: outcome.userDiagnostics,
    standardSchema: outcome.result?.standardSchema ?? false,
  });
};
