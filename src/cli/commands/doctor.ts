import { doctor } from '../../flows/doctor.ts';
import type { CommandRun } from '../context.ts';
import type { doctorFlags } from '../specs.ts';

const MARK = { pass: '✓', warn: '!', fail: '✗', skip: '-' } as const;

export const run: CommandRun<typeof doctorFlags> = async (context, output) => {
  const result = await doctor(
    {
      cwd: context.cwd,
      env: context.env,
      configPath: context.flags.config,
      targetOrg: context.flags.targetOrg,
    },
    output,
  );
  output.result(
    result.checks
      .map((c) => `${MARK[c.status]} ${c.message}${c.action ? `\n    ${c.action}` : ''}`)
      .join('\n'),
  );
  if (result.error) return output.failure(result.error, { checks: result.checks });
  output.success({ checks: result.checks });
};
