import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CalloutError } from '../errors/index.ts';
import { isApexBlank } from '../util/apexText.ts';
import type { SecretSource } from './schema.ts';
import { Secret } from './secret.ts';

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

async function readSource(source: SecretSource, inputs: SecretInputs): Promise<string | undefined> {
  if ('env' in source) {
    const value = inputs.env[source.env];
    return value === undefined || value === '' ? undefined : value;
  }
  try {
    const text = stripFinalNewline(await readFile(resolve(inputs.root, source.file), 'utf8'));
    return text === '' ? undefined : text;
  } catch {
    return undefined;
  }
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
  if (inputs.stdinSecret) {
    if (isApexBlank(inputs.stdinSecret.reveal())) throw blank('standard input');
    return inputs.stdinSecret;
  }
  const plain = await readSource(source, inputs);
  if (plain !== undefined && isApexBlank(plain)) throw blank(`the ${describe(source)}`);
  if (plain !== undefined) return new Secret(plain);
  if (inputs.prompt) {
    const answer = await inputs.prompt(
      `Client secret for ${serviceName} (${describe(source)} is not set)`,
    );
    if (answer !== '' && isApexBlank(answer)) throw blank('the prompt');
    if (answer !== '') return new Secret(answer);
  }
  throw new CalloutError(
    'SECRET_MISSING',
    `No client secret for ${serviceName}: the ${describe(source)} is missing or empty.`,
    {
      data: { service: serviceName, source },
      actions: [
        'env' in source
          ? `Set it for this shell: read -rs ${source.env} && export ${source.env}`
          : `Create ${source.file} holding only the secret (chmod 600).`,
        STDIN_ACTION,
      ],
    },
  );
}

/** SECRET_MISSING's generic stdin advice; a caller that knows the command line puts the real one. */
export const STDIN_ACTION = 'Or pipe it in: ... | callout <command> --secret-stdin';

/** Reads the whole of standard input as one secret (for `--secret-stdin`). */
export async function readSecretFromStdin(stdin: NodeJS.ReadableStream): Promise<Secret> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
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
