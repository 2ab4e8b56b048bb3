import { withProject } from '../../flows/project.ts';
import { verifyServices } from '../../flows/verify.ts';
import type { CommandRun } from '../context.ts';
import { displayServiceReport } from '../formatters/verifyFormatter.ts';
import { projectOptions } from '../projectOptions.ts';
import type { verifyFlags } from '../specs.ts';

export const run: CommandRun<typeof verifyFlags> = async (context, output) => {
  const result = await withProject(projectOptions(context, output), (project) =>
    verifyServices(
      project,
      {
        services: context.positionals,
        detectAuth: context.flags.detectAuth,
        probe: context.flags.probe,
      },
      output,
    ),
  );
  for (const report of result.services) output.result(`${displayServiceReport(report, output)}\n`);
  if (result.error) return output.failure(result.error, { services: result.services });
  output.success({ services: result.services });
};
