import { doctor } from '../../flows/doctor.ts';
import { terminalSafe } from '../../util/terminal.ts';
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
      // Messages quote the org's answers (names, errors): shown terminal-safe.
      .map(
        (c) =>
          `${MARK[c.status]} ${terminalSafe(c.message)}${c.action ? `\n    ${terminalSafe(c.action)}` : ''}`,
      )
      .join('\n'),
  );
  if (result.error) return output.failure(result.error, { checks: result.checks });
  output.success({ checks: result.checks });
};
