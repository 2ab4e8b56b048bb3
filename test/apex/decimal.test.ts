import { describe, expect, it } from 'vitest';
import { ApexDecimal } from '../../src/apex/decimal.ts';

const d = (text: string): ApexDecimal => ApexDecimal.parse(text)!;

describe('ApexDecimal (exact, keeps scale)', () => {
  it('parses text with its scale', () => {
    expect(d('1.50').toString()).toBe('1.50');
    expect(d('-0.05').toString()).toBe('-0.05');
    expect(d('1.5e2').toString()).toBe('150');
    expect(ApexDecimal.parse('abc')).toBeUndefined();
  });

  it('adds and multiplies exactly, with the scales Java BigDecimal gives', () => {
    expect(d('0.1').add(d('0.2')).toString()).toBe('0.3');
    expect(d('1.10').add(d('2.205')).toString()).toBe('3.305');
    expect(d('1.5').multiply(d('2')).toString()).toBe('3.0');
    expect(d('1.5').subtract(d('2.25')).toString()).toBe('-0.75');
  });

  it('divides exactly when the quotient terminates, else to 32 significant places', () => {
    expect(d('10').divide(d('4')).toString()).toBe('2.5');
    expect(d('1.00').divide(d('4')).toString()).toBe('0.25');
    expect(d('1').divide(d('3')).toString()).toBe('0.33333333333333333333333333333333');
    expect(d('1').divide(d('3'), 3).toString()).toBe('0.333');
  });

  it('rounds with every rounding mode', () => {
    const modes = ['UP', 'DOWN', 'CEILING', 'FLOOR', 'HALF_UP', 'HALF_DOWN', 'HALF_EVEN'] as const;
    expect(modes.map((mode) => d('2.25').withScale(1, mode).toString())).toEqual([
      '2.3',
      '2.2',
      '2.3',
      '2.2',
      '2.3',
      '2.2',
      '2.2',
    ]);
    expect(modes.map((mode) => d('-2.25').withScale(1, mode).toString())).toEqual([
      '-2.3',
      '-2.2',
      '-2.2',
      '-2.3',
      '-2.3',
      '-2.2',
      '-2.2',
    ]);
    expect(() => d('2.25').withScale(1, 'UNNECESSARY')).toThrow(RangeError);
  });

  it('compares by value, whatever the scale', () => {
    expect(d('1.0').compare(d('1.00'))).toBe(0);
    expect(d('-1').compare(d('0.5'))).toBe(-1);
    expect(d('3.9').toBigInt()).toBe(3n);
    expect(d('-3.9').toBigInt()).toBe(-3n);
  });
});
