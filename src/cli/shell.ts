/** A word as a POSIX shell reads it back: quoted only when it must be. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from words, for advice the user can paste. */
export function shellLine(words: string[]): string {
  return words
    .filter((w) => w !== '')
    .map(shellWord)
    .join(' ');
}
