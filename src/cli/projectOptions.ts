import { terminalPrompt } from '../config/secrets.ts';
import type { ProjectOptions } from '../flows/project.ts';
import type { CommandContext } from './context.ts';
import type { FlagDefs } from './flags.ts';
import type { Output } from './output.ts';
import { shellLine } from './shell.ts';

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
    stdinCommand: (service, count) => stdinCommand(context, service, count),
  };
}

/** Commands whose first positional argument names the service. */
const SERVICE_FIRST = new Set(['verify', 'token', 'request']);

/**
 * The command line as typed, reading `service`'s secret from standard input: with several
 * services it must name one (deploy cannot, so there is none).
 */
function stdinCommand(
  context: CommandContext<FlagDefs>,
  service: string,
  count: number,
): string | undefined {
  const args = context.args.filter((a) => a !== '--secret-stdin' && a !== '--json');
  const named = context.positionals.includes(service);
  // verify may have named other services too: keep only this one.
  const others = new Set(context.positionals.filter((p) => p !== service));
  const kept = context.command === 'verify' ? args.filter((a) => !others.has(a)) : args;
  if (count > 1 && !named) {
    if (!SERVICE_FIRST.has(context.command)) return undefined;
    return shellLine(['callout', context.command, service, ...kept, '--secret-stdin']);
  }
  return shellLine(['callout', context.command, ...kept, '--secret-stdin']);
}
