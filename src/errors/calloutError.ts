import { ERROR_CODES, type ErrorCode, type ExitCode } from './codes.ts';

/** The JSON form of a failure: exactly what `--json` prints (no stack unless --debug). */
export interface ErrorJson {
  status: ExitCode;
  name: ErrorCode;
  message: string;
  actions: string[];
  data: Record<string, unknown>;
  stack?: string;
}

export interface CalloutErrorOptions {
  /** Actions that replace the code's default ones (most specific first). */
  actions?: readonly string[];
  data?: Record<string, unknown>;
  cause?: Error;
}

/**
 * The one error class: a stable code, one plain sentence, what to do next, and data for scripts.
 * Modelled on sfdx-core's SfError. Messages never contain a secret; callers pass masked values.
 */
export class CalloutError extends Error {
  override readonly name: ErrorCode;
  readonly exitCode: ExitCode;
  readonly actions: readonly string[];
  readonly data: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: CalloutErrorOptions = {}) {
    super(message, options.cause ? { cause: options.cause } : undefined);
    this.name = code;
    this.exitCode = ERROR_CODES[code].exitCode;
    this.actions = options.actions ?? ERROR_CODES[code].actions;
    this.data = options.data ?? {};
  }

  toObject(debug = false): ErrorJson {
    const json: ErrorJson = {
      status: this.exitCode,
      name: this.name,
      message: this.message,
      actions: [...this.actions],
      data: this.data,
    };
    if (debug && this.stack) json.stack = this.stack;
    return json;
  }

  /** The same failure with more said: a prefix to the message, actions before or after, data. */
  extend(more: {
    prefix?: string;
    actionsBefore?: readonly string[];
    actionsAfter?: readonly string[];
    data?: Record<string, unknown>;
  }): CalloutError {
    const cause = this.cause instanceof Error ? this.cause : undefined;
    const extended = new CalloutError(this.name, `${more.prefix ?? ''}${this.message}`, {
      actions: [...(more.actionsBefore ?? []), ...this.actions, ...(more.actionsAfter ?? [])],
      data: { ...this.data, ...more.data },
      ...(cause ? { cause } : {}),
    });
    if (this.stack) extended.stack = this.stack;
    return extended;
  }

  /** Reports hold CalloutErrors; their JSON form is the one `--json` prints (no stack). */
  toJSON(): ErrorJson {
    return this.toObject();
  }

  /** Wraps anything thrown into a CalloutError, keeping a CalloutError as it is. */
  static wrap(error: unknown): CalloutError {
    if (error instanceof CalloutError) return error;
    const cause = error instanceof Error ? error : new Error(String(error));
    return new CalloutError('UNEXPECTED', `Unexpected error: ${cause.message}`, { cause });
  }
}
