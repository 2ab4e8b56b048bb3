/**
 * JSON from a server, read with limits: JSON.parse itself copes with any depth, but everything
 * after it that walks the value (JSON.stringify for --json, our formatters) recurses, so a body
 * nested a million levels deep would overflow the stack long after it was accepted.
 */

/** Deeper nesting than this in server data is refused (real token responses and JWTs nest 2-3). */
export const MAX_JSON_DEPTH = 32;

export type BoundedJson =
  { ok: true; value: unknown } | { ok: false; reason: 'size' | 'depth' | 'syntax' };

/** Whether JSON text nests arrays and objects deeper than `maxDepth`: one linear scan, strings skipped. */
export function jsonDepthExceeds(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** Parses JSON text of at most `maxBytes` (UTF-8) nested at most `maxDepth` deep. */
export function parseBoundedJson(
  text: string,
  limits: { maxBytes: number; maxDepth?: number },
): BoundedJson {
  // A UTF-16 code unit is at least one UTF-8 byte: the cheap test first.
  if (text.length > limits.maxBytes || Buffer.byteLength(text, 'utf8') > limits.maxBytes)
    return { ok: false, reason: 'size' };
  if (jsonDepthExceeds(text, limits.maxDepth)) return { ok: false, reason: 'depth' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'syntax' };
  }
}
