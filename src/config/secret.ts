import { inspect } from 'node:util';
import { CalloutError } from '../errors/index.ts';

const REDACTED = '<redacted>';
const value = new WeakMap<Secret, string>();

/**
 * A value that must never be printed: its string, JSON and inspect forms are redacted. The plain
 * text is reachable only through `reveal()`, which is called where a request goes on the wire.
 * Kept in a WeakMap rather than a field so that structured clones and object spreads lose it too.
 */
export class Secret {
  constructor(plain: string) {
    value.set(this, plain);
  }

  reveal(): string {
    const plain = value.get(this);
    if (plain === undefined)
      throw new CalloutError('UNEXPECTED', 'A Secret was copied; use the original instance.');
    return plain;
  }

  /** Derives another secret (e.g. a Basic header) without exposing the plain text in between. */
  map(transform: (plain: string) => string): Secret {
    return new Secret(transform(this.reveal()));
  }

  get length(): number {
    return this.reveal().length;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}

export const SECRET_MASK = '****';

/** A value that may be secret, as headers and form parameters of the exchange are. */
export type MaybeSecret = string | Secret;

export function revealValue(input: MaybeSecret): string {
  return input instanceof Secret ? input.reveal() : input;
}

export function maskValue(input: MaybeSecret): string {
  return input instanceof Secret ? SECRET_MASK : input;
}
