import { resolve } from 'node:path';
import { CalloutError } from '../errors/index.ts';
import { isApexBlank } from '../util/apexText.ts';
import { describeRefusal, readBounded } from '../util/boundedRead.ts';
import type { SecretSource } from './schema.ts';
import { Secret } from './secret.ts';

/**
 * A client secret is one short line. A secret file or standard input holding more is not a secret
 * but something else (a credentials file, a private key, a stream that never ends), and a config
 * from a cloned repository could name one to send it to its own token URL: it is refused, and the
 * refusal never quotes what was read.
 */
export const SECRET_MAX_BYTES = 4096;
/** No real client secret is shorter; the redactor must never rewrite ordinary words. */
export const SECRET_MIN_LENGTH = 8;

/** Where the process's inputs come from; injected so tests can drive every path. */
export interface SecretInputs {
  env: NodeJS.ProcessEnv;
  /** Folder that relative `file` sources resolve against (the config's folder). */
  root: string;
  /** The secret read from standard input when `--secret-stdin` was given. */
  stdinSecret?: Secret;
  /** Asks on the terminal with hidden input; undefined when there is no terminal. */
  prompt?: (message: string) => Promise<string>;
}

function describe(source: SecretSource): string {
  return 'env' in source ? `environment variable ${source.env}` : `file ${source.file}`;
}

/** One trailing newline is how files and pipes end; it is never part of a secret. */
function stripFinalNewline(text: string): string {
  return text.replace(/\r?\n$/, '');
}

async function readSource(
  serviceName: string,
  source: SecretSource,
  inputs: SecretInputs,
): Promise<string | undefined> {
  if ('env' in source) {
    const value = inputs.env[source.env];
    return value === undefined || value === '' ? undefined : value;
  }
  const read = await readBounded(resolve(inputs.root, source.file), SECRET_MAX_BYTES);
  if (!read.ok) {
    if (read.reason === 'missing') return undefined;
    const why = describeRefusal(read, SECRET_MAX_BYTES);
    throw new CalloutError(
      read.reason === 'unreadable' ? 'SECRET_MISSING' : 'SECRET_REFUSED',
      `The client secret file ${source.file} for ${serviceName} ${why}: a secret file holds only the secret, on one line, at most ${SECRET_MAX_BYTES} bytes.`,
      {
        data: { service: serviceName, source, reason: read.reason },
        actions: [
          read.reason === 'unreadable'
            ? `Make ${source.file} readable by you (chmod 600), or pass --secret-stdin.`
            : `Point clientSecret.file at a regular file holding only the secret (chmod 600), or pipe the secret in with --secret-stdin.`,
        ],
      },
    );
  }
  const text = stripFinalNewline(read.bytes.toString('utf8'));
  return text === '' ? undefined : text;
}

/**
 * What every source's secret must be. One line: a client secret never holds a line break, and a
 * multi-line file is a credentials file or a key. No white space at either end where an editor, a
 * pipe or a paste adds it (file, stdin, prompt): a refusal here beats a 401 that does not say why;
 * an environment variable is taken as set, so a secret that truly has it can still be used.
 */
function checkSecret(
  serviceName: string,
  source: SecretSource,
  plain: string,
  from: { where: string; fix: string; verbatim: boolean },
): void {
  const { where, fix } = from;
  const refuse = (why: string, action = fix) =>
    new CalloutError(
      'SECRET_REFUSED',
      `The client secret for ${serviceName} from ${where} ${why}.`,
      {
        data: { service: serviceName, source },
        actions: [action],
      },
    );
  if (/[\r\n]/.test(plain))
    throw refuse(
      'holds more than one line: a client secret is one line (is it a credentials file or a private key?)',
    );
  if (!from.verbatim) {
    const starts = /^\s/u.test(plain);
    const ends = /\s$/u.test(plain);
    if (starts || ends)
      throw refuse(
        `${starts && ends ? 'begins and ends' : starts ? 'begins' : 'ends'} with white space (a space, a tab or a byte order mark), which is almost always a copy or editor mistake`,
        `Remove the white space from ${where}; if the provider's secret really has it, set the secret in an environment variable (clientSecret.env), which is taken exactly as set.`,
      );
  }
  if ([...plain].length < SECRET_MIN_LENGTH)
    throw refuse(
      `is shorter than ${SECRET_MIN_LENGTH} characters: no real client secret is that short (a placeholder, or part of the secret?)`,
    );
}

/**
 * Resolves a service's client secret: `--secret-stdin` first, then the configured source, then a
 * hidden prompt on a terminal. Never a command-line argument, so it never shows in `ps`.
 */
export async function resolveSecret(
  serviceName: string,
  source: SecretSource,
  inputs: SecretInputs,
): Promise<Secret> {
  const blank = (where: string) =>
    new CalloutError(
      'SECRET_MISSING',
      `The client secret for ${serviceName} from ${where} is only white space; the generated Apex would send none.`,
      { data: { service: serviceName, source }, actions: [`Put the real secret in ${where}.`] },
    );
  const accept = (plain: string, where: string, fix: string, verbatim = false) => {
    if (isApexBlank(plain)) throw blank(where);
    checkSecret(serviceName, source, plain, { where, fix, verbatim });
  };
  if (inputs.stdinSecret) {
    accept(
      inputs.stdinSecret.reveal(),
      'standard input',
      'Pipe in the secret alone, e.g. `pass show externalapp/stage | callout verify --secret-stdin`.',
    );
    return inputs.stdinSecret;
  }
  const plain = await readSource(serviceName, source, inputs);
  if (plain !== undefined) {
    accept(
      plain,
      `the ${describe(source)}`,
      `Put the full client secret alone in the ${describe(source)}.`,
      'env' in source,
    );
    return new Secret(plain);
  }
  if (inputs.prompt) {
    const answer = await inputs.prompt(
      `Client secret for ${serviceName} (${describe(source)} is not set)`,
    );
    if (answer !== '') {
      accept(answer, 'the prompt', 'Type or paste the full client secret at the prompt.');
      return new Secret(answer);
    }
  }
  throw new CalloutError(
    'SECRET_MISSING',
    `No client secret for ${serviceName}: the ${describe(source)} is missing or empty.`,
    {
      data: { service: serviceName, source },
      actions:
        'env' in source
          ? [
              `Set it for this shell: read -rs ${source.env} && export ${source.env}`,
              'Or pipe it in: ... | callout <command> --secret-stdin',
            ]
          : [`Create ${source.file} holding only the secret (chmod 600), or pass --secret-stdin.`],
    },
  );
}

/**
 * Reads standard input as one secret (for `--secret-stdin`): at most SECRET_MAX_BYTES + 1 bytes
 * are read, so `yes | callout verify --secret-stdin` ends at once instead of filling memory.
 */
export async function readSecretFromStdin(stdin: NodeJS.ReadableStream): Promise<Secret> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(buffer);
    size += buffer.length;
    // Leaving the loop ends the stream: nothing more is read.
    if (size > SECRET_MAX_BYTES) break;
  }
  if (size > SECRET_MAX_BYTES) {
    throw new CalloutError(
      'SECRET_REFUSED',
      `Standard input holds more than ${SECRET_MAX_BYTES} bytes: --secret-stdin reads one client secret, on one line.`,
      {
        actions: [
          'Pipe in the secret alone, e.g. `pass show externalapp/stage | callout verify --secret-stdin`.',
        ],
      },
    );
  }
  const text = stripFinalNewline(Buffer.concat(chunks).toString('utf8'));
  if (text === '') {
    throw new CalloutError(
      'SECRET_MISSING',
      '--secret-stdin was given but standard input was empty.',
      {
        actions: [
          'Pipe the secret in, e.g. `pass show externalapp/stage | callout verify --secret-stdin`.',
        ],
      },
    );
  }
  return new Secret(text);
}

/** A hidden-input prompt on the terminal, or undefined when stdin or stderr is not a terminal. */
export function terminalPrompt(streams: {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}): SecretInputs['prompt'] {
  if (!streams.stdin.isTTY || !streams.stderr.isTTY) return undefined;
  return async (message: string) => {
    const { password } = await import('@inquirer/prompts');
    // No echo at all, and no key that would reveal it on screen.
    return password(
      { message, mask: false, toggleMask: false },
      { input: streams.stdin, output: streams.stderr },
    );
  };
}
