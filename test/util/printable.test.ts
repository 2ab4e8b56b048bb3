import { describe, expect, it } from 'vitest';
import { printable } from '../../src/util/printable.ts';

describe('printable (names from files shown on a terminal)', () => {
  it('escapes controls, escape sequences and bidi overrides, and cuts long names', () => {
    expect(printable('key\u001b[2J\n')).toBe('key\\e[2J\\x0a');
    expect(printable('evil\u202etxt.cls')).toBe('evil\\u{202e}txt.cls');
    expect(printable('a'.repeat(70), 60)).toBe(`${'a'.repeat(60)}...`);
    expect(printable('plain')).toBe('plain');
  });
});
