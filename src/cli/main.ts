import { readFileSync } from 'node:fs';
import { CalloutError } from '../errors/index.ts';
import { COMMANDS } from './commands.ts';
import type { CliIo } from './context.ts';
import { closest, parseFlags } from './flags.ts';
import { commandHelp, mainHelp } from './help.ts';
import { Output } from './output.ts';
import { GLOBAL_FLAGS } from './specs.ts';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Global flags that take a value, so that `--config PATH verify` finds the command after PATH. */
const GLOBAL_VALUE_FLAGS = new Set(['--config']);

/** The command word: the first argument that is neither a flag nor a global flag's value. */
function findCommand(argv: string[]): { index: number; name: string | undefined } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') break;
    if (GLOBAL_VALUE_FLAGS.has(arg)) {
      i += 1;
      continue;
    }
    if (!arg.startsWith('-')) return { index: i, name: arg };
  }
  return { index: -1, name: undefined };
}

/**
 * Runs one command line and returns the exit code. Everything the process touches comes in
 * through `io`, so tests run the CLI in-process; bin.ts passes the real process.
 */
export async function main(argv: string[], io: Partial<CliIo> = {}): Promise<number> {
  const full: CliIo = {
    env: io.env ?? process.env,
    cwd: io.cwd ?? process.cwd(),
    stdin: io.stdin ?? process.stdin,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
  };
  const { index, name } = findCommand(argv);
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const output = new Output({
    json,
    debug,
    streams: { stdout: full.stdout, stderr: full.stderr },
    env: full.env,
  });
  const wantsHelp = argv.includes('--help') || argv.includes('-h');
  if (name === undefined || name === 'help') {
    if (argv.includes('--version') || argv.includes('-v')) {
      if (json) output.success({ version: version() });
      else output.print(version());
      return 0;
    }
    if (name === undefined && !wantsHelp && argv.length > 0) {
      return output.failure(
        new CalloutError('USAGE', `No command given (${argv.join(' ')}).`, {
          actions: ['Run `callout --help` for the commands.'],
        }),
      );
    }
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === argv[index + 1]) : undefined;
    output.help(topic ? commandHelp(topic) : mainHelp(version()));
    return 0;
  }
  const spec = COMMANDS.find((c) => c.name === name);
  if (!spec) {
    const guess = closest(
      name,
      COMMANDS.map((c) => c.name),
    );
    return output.failure(
      new CalloutError(
        'USAGE',
        `Unknown command "${name}".${guess ? ` Did you mean \`callout ${guess}\`?` : ''}`,
        {
          actions: [`Commands: ${COMMANDS.map((c) => c.name).join(', ')}. See \`callout --help\`.`],
        },
      ),
    );
  }
  try {
    const args = [...argv.slice(0, index), ...argv.slice(index + 1)];
    const parsed = parseFlags(args, { ...GLOBAL_FLAGS, ...spec.flags }, spec.name);
    if (parsed.flags.help) {
      output.help(commandHelp(spec));
      return 0;
    }
    const extra = parsed.positionals.slice(spec.args.max);
    if (extra.length > 0) {
      throw new CalloutError(
        'USAGE',
        `Unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((a) => `"${a}"`).join(' ')}: \`callout ${spec.name}\` takes ${spec.args.expected}.`,
        {
          actions: [`Usage: ${spec.usage}. See \`callout ${spec.name} --help\`.`],
          data: { unexpected: extra },
        },
      );
    }
    const { run } = await spec.load();
    const code = await run({ ...full, ...parsed, command: spec.name, args, json, debug }, output);
    return code ?? 0;
  } catch (error) {
    return output.failure(isInterrupt(error) ? interruptedError() : error);
  }
}

/** Ctrl-C at an inquirer prompt (init, the hidden secret prompt) rejects with ExitPromptError. */
function isInterrupt(error: unknown): boolean {
  return error instanceof Error && error.name === 'ExitPromptError';
}

const interruptedError = () => new CalloutError('INTERRUPTED', 'Interrupted.');

/**
 * Ctrl-C outside a prompt (bin.ts's SIGINT handler): one quiet line, or the one JSON document
 * under --json; returns the exit code, 130 as shells report a SIGINT.
 */
export function interrupted(argv: string[], io: Partial<CliIo> = {}): number {
  const output = new Output({
    json: argv.includes('--json'),
    debug: false,
    streams: { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr },
  });
  return output.failure(interruptedError());
}
