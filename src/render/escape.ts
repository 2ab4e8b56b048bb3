import { CalloutError } from '../errors/index.ts';

/** Never quotes the value: at deploy time it may be the secret. */
const invalid = (what: string) => new CalloutError('GENERATE_INVALID_VALUE', what);

/**
 * Escaping for every context a value reaches in generated files. Each function refuses what its
 * context cannot hold, rather than emit something that parses differently.
 */

/* eslint-disable no-control-regex -- control characters are what this rejects */
const CONTROL =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/* eslint-enable no-control-regex */

/** The body of an Apex single-quoted string literal: `\` and `'` escaped, line breaks as \n \r \t. */
export function apexStringBody(value: string): string {
  if (CONTROL.test(value)) throw invalid('A value for an Apex string holds a control character.');
  return value.replace(
    /[\\'\n\r\t]/g,
    (c) => ({ '\\': '\\\\', "'": "\\'", '\n': '\\n', '\r': '\\r', '\t': '\\t' })[c]!,
  );
}

/** Text content or an attribute value in XML 1.0. */
export function xmlText(value: string): string {
  if (CONTROL.test(value)) throw invalid('A value for XML holds a control character.');
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

const IDENTIFIER = /^[A-Za-z](?:[A-Za-z0-9]|_(?=[A-Za-z0-9]))*(?:__(?:c|mdt))?$/;

/** An Apex identifier or metadata API name (optionally with a __c or __mdt suffix), re-validated. */
export function apexIdentifier(value: string): string {
  if (!IDENTIFIER.test(value))
    throw invalid(`Not a valid Apex identifier or API name: ${JSON.stringify(value)}.`);
  return value;
}

/** A finite number written in decimal notation (Apex and XML both read it). */
export function numberText(value: number): string {
  if (!Number.isFinite(value)) throw invalid(`Not a finite number: ${value}.`);
  return String(value);
}
