import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { text } from 'node:stream/consumers';
import { CalloutError } from '../../errors/index.ts';
import { runAnonymousApex } from '../../flows/apex.ts';
import type { CommandRun } from '../context.ts';
import type { apexFlags } from '../specs.ts';

export const run: CommandRun<typeof apexFlags> = async (context, output) => {
  const [sub, ...rest] = context.positionals;
  if (sub !== 'run' || rest.length > 0) {
    throw new CalloutError('USAGE', 'Usage: callout apex run [--file FILE] (or Apex on stdin).', {
      actions: ['Run `callout apex run --file scripts/hello.apex`.'],
    });
  }
  let source: string;
  let path: string;
  if (context.flags.file) {
    path = context.flags.file;
    try {
      source = await readFile(resolve(context.cwd, path), 'utf8');
    } catch (error) {
      throw new CalloutError(
        'USAGE',
        `Cannot read --file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      );
    }
  } else {
    if (context.stdin.isTTY)
      output.info('Reading anonymous Apex from standard input (Ctrl-D ends it)...');
    path = 'stdin.apex';
    source = await text(context.stdin);
  }
  const result = await runAnonymousApex(
    { cwd: context.cwd, env: context.env, source, path },
    output,
  );
  // stdout carries each System.debug message, one per line, as a debug log's USER_DEBUG shows it.
  if (result.debugLines.length > 0) output.result(result.debugLines.join('\n'));
  const json = { debug: result.debugLines, callouts: result.callouts.length };
  if (result.error) return output.failure(result.error, json);
  output.success(json);
};
