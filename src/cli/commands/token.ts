import { CalloutError } from '../../errors/index.ts';
import { withProject } from '../../flows/project.ts';
import { getToken } from '../../flows/token.ts';
import { terminalSafe } from '../../util/terminal.ts';
import type { CommandRun } from '../context.ts';
import { projectOptions } from '../projectOptions.ts';
import type { tokenFlags } from '../specs.ts';

export const run: CommandRun<typeof tokenFlags> = async (context, output) => {
  if (context.positionals.length > 1) {
    throw new CalloutError(
      'USAGE',
      `token takes at most one SERVICE, got ${context.positionals.length} arguments.`,
    );
  }
  const token = await withProject(projectOptions(context, output), (project) =>
    getToken(project, { service: context.positionals[0], fresh: context.flags.fresh }, output),
  );
  // The token is the server's string: a valid one is printable ASCII and passes unchanged.
  output.result(terminalSafe(token.accessToken));
  output.success(token);
};
