import type { FlagDefs, FlagValues } from './flags.ts';
import type { Output } from './output.ts';

/** The process's streams and surroundings, injected so that the CLI runs in-process in tests. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** What a command's `run()` receives: typed flags, positionals and the io. */
export interface CommandContext<F extends FlagDefs = FlagDefs> extends CliIo {
  /** The command word, and the arguments after it as typed (for advice that repeats them). */
  command: string;
  args: string[];
  flags: FlagValues<F>;
  positionals: string[];
  /** The parsed global flags. */
  json: boolean;
  debug: boolean;
}

export type CommandRun<F extends FlagDefs = FlagDefs> = (
  context: CommandContext<F>,
  output: Output,
) => Promise<number | void>;
