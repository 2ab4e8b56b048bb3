import { deployProject } from '../../flows/deploy.ts';
import { withProject } from '../../flows/project.ts';
import type { CommandContext, CommandRun } from '../context.ts';
import { deployJson, displayDeploy } from '../formatters/deployFormatter.ts';
import { projectOptions } from '../projectOptions.ts';
import type { deployFlags } from '../specs.ts';

export const run: CommandRun<typeof deployFlags> = async (context, output) => {
  const { flags } = context;
  // Ctrl-C while the deploy runs cancels it in the org rather than leaving it running there.
  const controller = new AbortController();
  const onSigint = () => {
    output.info('Ctrl-C: canceling the deploy in the org...');
    controller.abort();
  };
  try {
    const result = await withProject(projectOptions(context, output), (project) =>
      deployProject(
        project,
        {
          targetOrg: flags.targetOrg,
          checkOnly: flags.checkOnly,
          testLevel: flags.testLevel,
          tests: flags.tests,
          services: flags.service,
          sourceDirs: flags.sourceDir,
          allowUnreachableEndpoints: flags.allowUnreachableEndpoints,
          probe: flags.probe,
          skipVerify: flags.skipVerify,
          skipCompileCheck: flags.skipCompileCheck,
          skipApexTests: flags.skipApexTests,
          waitMinutes: flags.wait,
          scratch: flags.scratch
            ? {
                definitionFile: flags.definitionFile,
                devHub: flags.targetDevHub,
                deleteAfter: flags.deleteAfter,
              }
            : undefined,
          clean: flags.clean,
          yes: flags.yes,
          allowSecretInMetadata: flags.allowSecretInMetadata,
          confirm: terminalConfirm(context),
          signal: controller.signal,
          // Before the deploy starts, Ctrl-C stops callout-kit as usual: nothing is in the org yet.
          onDeployStart: () => process.once('SIGINT', onSigint),
        },
        output,
      ),
    );
    output.result(displayDeploy(result, output));
    if (result.error) return output.failure(result.error, deployJson(result));
    output.success(deployJson(result));
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
};

/** A yes/no question on the terminal (default no), or undefined when stdin or stderr is not one. */
function terminalConfirm(
  context: Pick<CommandContext<typeof deployFlags>, 'stdin' | 'stderr'>,
): ((message: string) => Promise<boolean>) | undefined {
  if (!context.stdin.isTTY || !context.stderr.isTTY) return undefined;
  return async (message) => {
    const { confirm } = await import('@inquirer/prompts');
    return confirm({ message, default: false }, { input: context.stdin, output: context.stderr });
  };
}
