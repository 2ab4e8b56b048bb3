import { StringDecoder } from 'node:string_decoder';
import { CalloutError } from '../errors/index.ts';
import type { Reporter } from '../flows/reporter.ts';
import { applyClips } from '../util/clip.ts';
import { Redactor } from '../util/redact.ts';
import { terminalSafe } from '../util/terminal.ts';

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Deeper JSON (a hostile server's body of nested arrays) is cut, so serialising never overflows. */
const MAX_JSON_DEPTH = 64;
// The characters JSON.stringify leaves raw.
const JSON_UNSAFE = /[\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

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

  /** The edge: the fully built text is redacted, then cut where `clipAtEdge` marked it, then written. */
  private write(stream: NodeJS.WritableStream, text: string): void {
    stream.write(applyClips(this.redactor.redact(text)));
  }

  /**
   * One `--json` document: every string value (and key) redacted and cut on its own, so neither
   * the redactor nor a cut can break the JSON structure; depth bounded, so a deeply nested server
   * body cannot overflow the stack and leave stdout empty.
   */
  private writeJson(document: object): void {
    const seen = new Set<object>();
    const prepare = (input: unknown, depth: number): unknown => {
      let value = input;
      if (value !== null && typeof value === 'object' && 'toJSON' in value) {
        const toJSON = (value as { toJSON: unknown }).toJSON;
        if (typeof toJSON === 'function') value = (toJSON as () => unknown).call(value);
      }
      if (typeof value === 'string') return applyClips(this.redactor.redact(value));
      if (typeof value === 'bigint') return String(value);
      if (value === null || typeof value !== 'object') return value;
      if (depth >= MAX_JSON_DEPTH) return `[cut: nested deeper than ${MAX_JSON_DEPTH} levels]`;
      if (seen.has(value)) return '[cut: circular]';
      seen.add(value);
      let out: unknown;
      if (Array.isArray(value)) {
        out = value.map((item) => prepare(item, depth + 1) ?? null);
      } else {
        const entries: [string, unknown][] = [];
        for (const [key, item] of Object.entries(value)) {
          if (item === undefined || typeof item === 'function' || typeof item === 'symbol')
            continue;
          entries.push([applyClips(this.redactor.redact(key)), prepare(item, depth + 1)]);
        }
        out = Object.fromEntries(entries);
      }
      seen.delete(value);
      return out;
    };
    // JSON.stringify escapes C0 controls only; DEL, C1 (0x9b is CSI on some terminals) and the
    // invisible reordering characters get \u escapes too (they can only be inside strings).
    const text = JSON.stringify(prepare(document, 0), null, 2).replace(
      JSON_UNSAFE,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    this.streams.stdout.write(`${text}\n`);
  }

  /**
   * A body for stdout, written as it arrives: bytes unchanged (binary included) unless they hold
   * the secret, and waiting for a slow reader. Not under --json, whose document is the output.
   */
  bodySink(): { write(chunk: Buffer): Promise<void>; end(): Promise<void> } {
    const stdout = this.streams.stdout;
    const redacting = this.redactor.stream();
    // On a terminal the body is the server's text shown to a person: decoded (a character split
    // across chunks waits for its rest) and terminal-safe. Pipes and files get the bytes.
    const decoder = stdout.isTTY ? new StringDecoder('utf8') : undefined;
    const shown = (bytes: Buffer, last: boolean): Buffer | string =>
      decoder
        ? terminalSafe(last ? decoder.write(bytes) + decoder.end() : decoder.write(bytes), {
            keepNewlines: true,
          })
        : bytes;
    const put = (data: Buffer | string) =>
      new Promise<void>((resolve) => {
        if (data.length === 0 || stdout.write(data)) resolve();
        else stdout.once('drain', () => resolve());
      });
    return {
      write: (chunk) => put(shown(redacting.push(chunk), false)),
      end: () => put(shown(redacting.end(), true)),
    };
  }

  /** `--help` text; under --json the same text as the document's `result.help`. */
  help(text: string): void {
    if (this.json) this.writeJson({ status: 0, result: { help: text }, warnings: this.warnings });
    else this.print(text);
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
    // Progress may name what a server said: terminal-safe, like every other human line.
    if (!this.json)
      this.write(this.streams.stderr, `${terminalSafe(text, { keepNewlines: true })}\n`);
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
      const safe = terminalSafe(text, { keepNewlines: true });
      this.write(this.streams.stderr, `${this.style('Warning:', 'yellow')} ${safe}\n`);
    }
  }

  /** The human result, to stdout; under --json the document from `success` is printed instead. */
  result(text: string): void {
    if (!this.json) this.write(this.streams.stdout, text.endsWith('\n') ? text : `${text}\n`);
  }

  success(result: unknown): void {
    if (this.json) this.writeJson({ status: 0, result, warnings: this.warnings });
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
      this.writeJson({ ...json, warnings: this.warnings });
    } else if (failure.name === 'INTERRUPTED') {
      // The user stopped it: one quiet line, no advice.
      this.write(this.streams.stderr, `${failure.message}\n`);
    } else {
      // Messages embed server strings (descriptions, titles, headers): shown terminal-safe.
      const safe = (text: string) => terminalSafe(text, { keepNewlines: true });
      const lines = [`${this.style(`Error (${failure.name}):`, 'red')} ${safe(failure.message)}`];
      for (const action of failure.actions) lines.push(`  Try: ${safe(action)}`);
      if (this.debug) {
        if (failure.stack) lines.push('', safe(failure.stack));
        if (failure.cause instanceof Error && failure.cause.stack)
          lines.push('Caused by:', safe(failure.cause.stack));
      }
      this.write(this.streams.stderr, `${lines.join('\n')}\n`);
    }
    return failure.exitCode;
  }
}
