import { terminalPrompt } from '../config/secrets.ts';
import type { ProjectOptions } from '../flows/project.ts';
import type { CommandContext } from './context.ts';
import type { FlagDefs } from './flags.ts';
import type { Output } from './output.ts';

/** The project a command works on, from its context: config path, secret sources, redactor. */
export function projectOptions(context: CommandContext<FlagDefs>, output: Output): ProjectOptions {
  const flags = context.flags as { config?: string; secretStdin?: boolean };
  return {
    cwd: context.cwd,
    env: context.env,
    configPath: flags.config,
    secretStdin: flags.secretStdin ? context.stdin : undefined,
    prompt: terminalPrompt({ stdin: context.stdin, stderr: context.stderr }),
    onSecret: (secret, clientId) => output.redactor.addSecret(secret, clientId),
  };
}
