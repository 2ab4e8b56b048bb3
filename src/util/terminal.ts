/**
 * C0 and C1 controls, DEL, and the invisible characters that reorder or hide text (bidi
 * overrides and isolates, zero-width characters, line and paragraph separators, BOM).
 */
// eslint-disable-next-line no-control-regex -- these are exactly the characters to neutralise
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const UNSAFE_KEEP_LF =
  // eslint-disable-next-line no-control-regex -- the same, keeping line feeds
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

function show(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 0x1b) return '\\e';
  if (code <= 0xff) return `\\x${code.toString(16).padStart(2, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

/**
 * A string from a server, made safe to show on a terminal: escape sequences and control
 * characters become visible text (`\e`, `\x07`, `\u{202e}`), so a hostile server cannot clear the
 * screen, set the window title, move the cursor or fake a "verified" line. `keepNewlines` keeps
 * `\n` for our own multi-line texts (server strings embedded in them arrive on one line).
 * --json never uses this: JSON escapes controls itself.
 */
export function terminalSafe(text: string, options: { keepNewlines?: boolean } = {}): string {
  return text.replace(options.keepNewlines ? UNSAFE_KEEP_LF : UNSAFE, show);
}
