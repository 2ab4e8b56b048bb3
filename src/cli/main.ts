import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { CalloutError } from '../errors/calloutError.ts';
import { COMMANDS, parseArgsOptions } from './commands.ts';
import { commandHelp, mainHelp } from './help.ts';
import { Output } from './output.ts';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Runs one command line; returns the exit code. Exported for in-process tests. */
export async function main(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): Promise<number> {
  const json = argv.includes('--json');
  const debug = argv.includes('--debug');
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const topic = first === 'help' ? COMMANDS.find((c) => c.name === argv[1]) : undefined;
    process.stdout.write(`${topic ? commandHelp(topic) : mainHelp(version())}\n`);
    return 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const output = new Output({ json, debug });
  const spec = COMMANDS.find((c) => c.name === first);
  if (!spec) {
    return output.failure(
      new CalloutError(
        'USAGE',
        `Unknown command "${first}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`,
      ),
    );
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv.slice(1),
      options: parseArgsOptions(spec),
      allowPositionals: true,
      allowNegative: true,
      strict: true,
    });
  } catch (error) {
    return output.failure(
      new CalloutError('USAGE', `${(error as Error).message.split('\n')[0]}`, {
        actions: [`Run \`callout ${spec.name} --help\` for its options.`],
      }),
    );
  }
  if (parsed.values.help) {
    process.stdout.write(`${commandHelp(spec)}\n`);
    return 0;
  }
  try {
    const { run } = await spec.load();
    const code = await run(
      { positionals: parsed.positionals, flags: parsed.values, cwd, env },
      output,
    );
    return code ?? 0;
  } catch (error) {
    return output.failure(error);
  }
}
