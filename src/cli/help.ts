import { ERROR_CODES, EXIT } from '../errors/codes.ts';
import { COMMANDS, type CommandSpec } from './commands.ts';
import type { FlagDefs } from './flags.ts';
import { GLOBAL_FLAGS } from './specs.ts';

function flagLines(flags: FlagDefs): string[] {
  return Object.entries(flags).map(([name, flag]) => {
    const negatable = flag.negatable ? `--[no-]${name}` : `--${name}`;
    const value = flag.kind === 'boolean' ? '' : ` ${flag.valueName ?? 'VALUE'}`;
    const left = `${flag.short ? `-${flag.short}, ` : '    '}${negatable}${value}`;
    return `  ${left.padEnd(34)} ${flag.description}`;
  });
}

/** The exit-code table, from the one table of codes (also in the README; a test keeps them equal). */
export function exitCodeLines(): string[] {
  const byExit = new Map<number, string[]>();
  byExit.set(EXIT.ok, ['success']);
  for (const [name, info] of Object.entries(ERROR_CODES)) {
    const names = byExit.get(info.exitCode) ?? [];
    names.push(name);
    byExit.set(info.exitCode, names);
  }
  return [...byExit.entries()]
    .sort(([a], [b]) => a - b)
    .map(([code, names]) => `  ${String(code).padStart(3)}  ${names.join(', ')}`);
}

export function mainHelp(version: string): string {
  return [
    `callout-kit ${version}: verify, generate and deploy Salesforce Apex for OAuth2 Client Credentials APIs`,
    '',
    'Usage: callout <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`),
    '',
    'Global options:',
    ...flagLines(GLOBAL_FLAGS),
    '      --version                      Print the version.',
    '',
    'Human output and progress go to stderr, results to stdout. Secrets come from the environment, a',
    'file, --secret-stdin or a hidden prompt; never from a command-line argument.',
    '',
    'Exit codes:',
    ...exitCodeLines(),
    '',
    "Run `callout <command> --help` for a command's options.",
  ].join('\n');
}

export function commandHelp(spec: CommandSpec): string {
  return [
    `${spec.summary}.`,
    '',
    `Usage: ${spec.usage}`,
    '',
    'Options:',
    ...flagLines(spec.flags),
    ...flagLines(GLOBAL_FLAGS),
    '',
    'Exit codes: see `callout --help`.',
  ].join('\n');
}
