import { CalloutError } from '../errors/index.ts';
import { redactor as defaultRedactor, type Redactor } from '../util/redact.ts';

export interface Streams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * All that the CLI prints goes through here: people's text and progress to stderr, results to
 * stdout, `--json` as exactly one document on stdout, every byte through the secret redactor.
 */
export class Output {
  readonly json: boolean;
  readonly debug: boolean;
  private readonly streams: Streams;
  private readonly redactor: Redactor;
  private readonly warnings: string[] = [];
  private readonly color: boolean;

  constructor(options: { json: boolean; debug: boolean; streams?: Streams; redactor?: Redactor }) {
    this.json = options.json;
    this.debug = options.debug;
    this.streams = options.streams ?? { stdout: process.stdout, stderr: process.stderr };
    this.redactor = options.redactor ?? defaultRedactor;
    this.color =
      !this.json &&
      Boolean((this.streams.stderr as { isTTY?: boolean }).isTTY) &&
      !process.env.NO_COLOR;
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

  failure(error: unknown): number {
    const failure = CalloutError.wrap(error);
    if (this.json) {
      this.write(
        this.streams.stdout,
        `${JSON.stringify({ ...failure.toObject(this.debug), warnings: this.warnings }, null, 2)}\n`,
      );
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
