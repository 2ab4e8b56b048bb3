/**
 * A name from a file someone else wrote (a config key, a manifest entry), made safe to show: control
 * characters and escape sequences become visible escapes (`\e`, `\n`, `\x07`), so a hostile name
 * cannot clear or rewrite the terminal, and a long one is cut, so a secret pasted as a key is not
 * shown whole.
 */
export function printable(text: string, max = 60): string {
  const named: Record<string, string> = { '\x1b': '\\e', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  const shown = [...text].slice(0, max).map((ch) => {
    const code = ch.codePointAt(0)!;
    if (named[ch]) return named[ch];
    if (code < 0x20 || (code >= 0x7f && code < 0xa0) || code === 0x2028 || code === 0x2029)
      return `\\x${code.toString(16).padStart(2, '0')}`;
    return ch;
  });
  return [...text].length > max ? `${shown.join('')}...` : shown.join('');
}
