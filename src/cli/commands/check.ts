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
  output.result(
    `No Apex compile errors in ${files} classes under ${outcome.directories.join(', ')}.`,
  );
  output.success({ directories: outcome.directories, files, diagnostics: [] });
};
