import { terminalSafe } from './terminal.ts';

/**
 * A name from a file someone else wrote (a config key, a manifest entry), made safe to show: the
 * terminal-safe form (control characters and escape sequences as visible escapes), cut at `max`
 * characters so that a secret pasted as a key is not shown whole.
 */
export function printable(text: string, max = 60): string {
  const chars = [...text];
  const shown = terminalSafe(chars.slice(0, max).join(''));
  return chars.length > max ? `${shown}...` : shown;
}
