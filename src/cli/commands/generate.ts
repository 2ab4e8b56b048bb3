import { generateProject } from '../../flows/generate.ts';
import type { CommandRun } from '../context.ts';
import { displayGenerate, generateJson } from '../formatters/generateFormatter.ts';
import type { generateFlags } from '../specs.ts';

export const run: CommandRun<typeof generateFlags> = async (context, output) => {
  const { flags } = context;
  const result = await generateProject(
    {
      cwd: context.cwd,
      env: context.env,
      configPath: flags.config,
      mode: flags.check ? 'check' : flags.dryRun ? 'dry-run' : 'write',
      force: flags.force,
      compileCheck: flags.compileCheck,
      apexTests: !flags.skipApexTests,
    },
    output,
  );
  output.result(displayGenerate(result));
  if (result.error) return output.failure(result.error, generateJson(result));
  output.success(generateJson(result));
};
