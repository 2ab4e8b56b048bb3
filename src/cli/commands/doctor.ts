import { loadConfig } from '../../config/load.ts';
import { connectOrg } from '../../deploy/org.ts';
import { localChecks, orgChecks, type DoctorCheck } from '../../doctor/checks.ts';
import { CalloutError } from '../../errors/index.ts';
import type { CommandRun } from '../commands.ts';

const MARK = { pass: '✓', warn: '!', fail: '✗', skip: '-' } as const;

export const run: CommandRun = async (context, output) => {
  const configPath = typeof context.flags.config === 'string' ? context.flags.config : undefined;
  const loaded = await loadConfig({ cwd: context.cwd, ...(configPath ? { configPath } : {}) });
  output.info('Checking the local setup...');
  const checks: DoctorCheck[] = await localChecks(loaded, context);
  const targetOrg =
    typeof context.flags['target-org'] === 'string' ? context.flags['target-org'] : undefined;
  output.info(`Checking ${targetOrg ?? 'the default target-org'}...`);
  try {
    const org = await connectOrg(targetOrg, loaded.config.apiVersion);
    checks.push(...(await orgChecks(org, loaded)));
  } catch (error) {
    const failure = CalloutError.wrap(error);
    checks.push({
      id: 'org.login',
      status: 'fail',
      message: failure.message,
      ...(failure.actions[0] ? { action: failure.actions[0] } : {}),
    });
  }
  const lines = checks.map(
    (c) => `${MARK[c.status]} ${c.message}${c.action ? `\n    ${c.action}` : ''}`,
  );
  output.result(lines.join('\n'));
  const failed = checks.filter((c) => c.status === 'fail');
  if (failed.length > 0) {
    throw new CalloutError(
      'DOCTOR_FAILED',
      `${failed.length} check(s) failed: ${failed.map((c) => c.id).join(', ')}.`,
      {
        actions: failed.flatMap((c) => (c.action ? [c.action] : [])),
        data: { checks },
      },
    );
  }
  output.success({ checks });
};
