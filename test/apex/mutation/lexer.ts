/**
 * A small Apex lexer for the mutation tool: it finds operators and keywords by position while
 * skipping comments and string literals, so that a `<` in a comment or a `/` in a regex string is
 * never mutated. The syntax tree (Salesforce's parser) says what is there; the tokens say where.
 */

export type TokenKind = 'identifier' | 'number' | 'string' | 'operator';

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offset of the first character in the source. */
  start: number;
  /** Offset after the last character. */
  end: number;
}

/** Longest first, so `>=` is one token and not `>` then `=`. */
const OPERATORS = [
  '>>>=',
  '>>=',
  '<<=',
  '===',
  '!==',
  '==',
  '!=',
  '<>',
  '<=',
  '>=',
  '&&',
  '||',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '&=',
  '|=',
  '^=',
  '=>',
  '?.',
  '??',
];

export function tokenize(source: string, from = 0, to = source.length): Token[] {
  const tokens: Token[] = [];
  let i = from;
  while (i < to) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (source.startsWith('//', i)) {
      const newline = source.indexOf('\n', i);
      i = newline === -1 ? to : newline;
    } else if (source.startsWith('/*', i)) {
      const close = source.indexOf('*/', i + 2);
      i = close === -1 ? to : close + 2;
    } else if (c === "'") {
      let j = i + 1;
      while (j < to && source[j] !== "'") j += source[j] === '\\' ? 2 : 1;
      tokens.push({ kind: 'string', text: source.slice(i, j + 1), start: i, end: j + 1 });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(source.slice(i, to))!;
      tokens.push({ kind: 'identifier', text: match[0], start: i, end: i + match[0].length });
      i += match[0].length;
    } else if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?[lLdD]?/.exec(source.slice(i, to))!;
      tokens.push({ kind: 'number', text: match[0], start: i, end: i + match[0].length });
      i += match[0].length;
    } else {
      const text = OPERATORS.find((op) => source.startsWith(op, i)) ?? c;
      tokens.push({ kind: 'operator', text, start: i, end: i + text.length });
      i += text.length;
    }
  }
  return tokens;
}

/** 1-based line and column of an offset. */
export function position(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}
