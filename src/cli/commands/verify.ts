import { CalloutError } from '../../errors/index.ts';
import { withProject } from '../../flows/project.ts';
import { verifyServices } from '../../flows/verify.ts';
import { verifyApexServices } from '../../flows/verifyApex.ts';
import type { CommandRun } from '../context.ts';
import { displayApexServiceReport } from '../formatters/verifyApexFormatter.ts';
import { displayServiceReport } from '../formatters/verifyFormatter.ts';
import { projectOptions } from '../projectOptions.ts';
import type { verifyFlags } from '../specs.ts';

export const run: CommandRun<typeof verifyFlags> = async (context, output) => {
  if (context.flags.apex) {
    if (context.flags.detectAuth)
      throw new CalloutError('USAGE', '--detect-auth and --apex do not go together.', {
        actions: ['Run `callout verify --detect-auth` first, then `callout verify --apex`.'],
      });
    const result = await withProject(projectOptions(context, output), (project) =>
      verifyApexServices(
        project,
        { services: context.positionals, probe: context.flags.probe },
        output,
      ),
    );
    for (const report of result.services)
      output.result(`${displayApexServiceReport(report, output)}\n`);
    if (result.error) return output.failure(result.error, { services: result.services });
    output.success({ services: result.services });
    return;
  }
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
  // The first failing service's failure is the command's: Output.failure prints it, once.
  const headline = result.services.find((r) => !r.ok && r.error);
  for (const report of result.services)
    output.result(`${displayServiceReport(report, output, { headline: report === headline })}\n`);
  if (result.error) return output.failure(result.error, { services: result.services });
  output.success({ services: result.services });
};
