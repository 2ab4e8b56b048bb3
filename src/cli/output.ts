import { CalloutError } from '../errors/index.ts';
import type { Reporter } from '../flows/reporter.ts';
import { Redactor } from '../util/redact.ts';

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/**
 * All that the CLI prints goes through here: people's text and progress to stderr, results to
 * stdout, `--json` as exactly one document on stdout, every byte through the secret redactor.
 */
export class Output implements Reporter {
  readonly json: boolean;
  readonly debug: boolean;
  private readonly streams: Streams;
  /** Knows every secret this run has read; one per run, so runs in one process never share. */
  readonly redactor: Redactor;
  private readonly warnings: string[] = [];
  private readonly color: boolean;

  constructor(options: {
    json: boolean;
    debug: boolean;
    streams: Streams;
    env?: NodeJS.ProcessEnv;
    redactor?: Redactor;
  }) {
    this.json = options.json;
    this.debug = options.debug;
    this.streams = options.streams;
    this.redactor = options.redactor ?? new Redactor();
    this.color = !this.json && Boolean(this.streams.stderr.isTTY) && !options.env?.NO_COLOR;
  }

  /** Plain text to stdout, outside the result protocol (help, version). */
  print(text: string): void {
    this.write(this.streams.stdout, text.endsWith('\n') ? text : `${text}\n`);
  }

  private write(stream: NodeJS.WritableStream, text: string): void {
    stream.write(this.redactor.redact(text));
  }

  style(text: string, code: 'bold' | 'dim' | 'red' | 'green' | 'yellow'): string {
    if (!this.color) return text;
    const codes = {
      bold: [1, 22],
      dim: [2, 22],
      red: [31, 39],
      green: [32, 39],
      yellow: [33, 39],
    } as const;
    const [open, close] = codes[code];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  /** Progress and human notes, to stderr; silent under --json. */
  info(text: string): void {
    if (!this.json) this.write(this.streams.stderr, `${text}\n`);
  }

  private lastProgress = '';

  /** A long step's state; printed when it changes, silent under --json. */
  progress(text: string): void {
    if (text === this.lastProgress) return;
    this.lastProgress = text;
    this.info(`  ${text}`);
  }

  /** A warning, always in --json; for people unless `shown` says their output already has it. */
  warn(text: string, options: { shown?: boolean } = {}): void {
    this.warnings.push(text);
    if (!this.json && !options.shown) {
      this.write(this.streams.stderr, `${this.style('Warning:', 'yellow')} ${text}\n`);
    }
  }

  /** The human result, to stdout; under --json the document from `success` is printed instead. */
  result(text: string): void {
    if (!this.json) this.write(this.streams.stdout, text.endsWith('\n') ? text : `${text}\n`);
  }

  success(result: unknown): void {
    if (this.json)
      this.write(
        this.streams.stdout,
        `${JSON.stringify({ status: 0, result, warnings: this.warnings }, null, 2)}\n`,
      );
  }

  /**
   * Prints a failure (the only place a CalloutError becomes text or JSON) and returns its exit
   * code. `report`: the command's result so far, merged into `data` for scripts.
   */
  failure(error: unknown, report?: object): number {
    const failure = CalloutError.wrap(error);
    if (this.json) {
      const json = failure.toObject(this.debug);
      if (report) json.data = { ...report, ...json.data };
      this.write(
        this.streams.stdout,
        `${JSON.stringify({ ...json, warnings: this.warnings }, null, 2)}\n`,
      );
    } else if (failure.name === 'INTERRUPTED') {
      // The user stopped it: one quiet line, no advice.
      this.write(this.streams.stderr, `${failure.message}\n`);
    } else {
      const lines = [`${this.style(`Error (${failure.name}):`, 'red')} ${failure.message}`];
      for (const action of failure.actions) lines.push(`  Try: ${action}`);
      if (this.debug) {
        if (failure.stack) lines.push('', failure.stack);
        if (failure.cause instanceof Error && failure.cause.stack)
          lines.push('Caused by:', failure.cause.stack);
      }
      this.write(this.streams.stderr, `${lines.join('\n')}\n`);
    }
    return failure.exitCode;
  }
}
