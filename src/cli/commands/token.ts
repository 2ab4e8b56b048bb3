import { selectService } from '../../config/load.ts';
import type { CommandRun } from '../commands.ts';
import { Project } from '../project.ts';
import { CalloutError } from '../../errors/index.ts';

export const run: CommandRun = async (context, output) => {
  if (context.positionals.length > 1) {
    throw new CalloutError(
      'USAGE',
      `token takes at most one SERVICE, got ${context.positionals.length} arguments.`,
    );
  }
  const project = await Project.open(context);
  try {
    const { name, service } = selectService(project.config, context.positionals[0]);
    const source = project.tokenSource(name, service);
    const token = await source.token({ fresh: context.flags.fresh === true });
    const minutes = Math.round((token.expiresAt - Date.now()) / 60_000);
    output.info(
      `${token.fromCache ? 'Cached' : 'New'} token for ${name}, expires in ${minutes} min (${new Date(token.expiresAt).toISOString()}).`,
    );
    output.result(token.accessToken.reveal());
    output.success({
      service: name,
      accessToken: token.accessToken.reveal(),
      expiresAt: new Date(token.expiresAt).toISOString(),
      fromCache: token.fromCache,
    });
  } finally {
    await project.close();
  }
};
