/**
 * Apex Decimal: an exact decimal number that keeps its scale (`1.50` stays `1.50`), as
 * java.math.BigDecimal does. unscaled × 10^-scale, with BigInt arithmetic.
 */
export class ApexDecimal {
  readonly unscaled: bigint;
  readonly scale: number;
  constructor(unscaled: bigint, scale: number) {
    this.unscaled = unscaled;
    this.scale = scale;
  }

  static parse(text: string): ApexDecimal | undefined {
    const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
    if (!match || (match[2] === '' && (match[3] ?? '') === '')) return undefined;
    const [, sign, whole = '', fraction = '', exponent] = match;
    let scale = fraction.length - (exponent ? Number(exponent) : 0);
    let unscaled = BigInt(`${sign}${whole}${fraction}` || '0');
    if (scale < 0) {
      unscaled *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new ApexDecimal(unscaled, scale);
  }

  static fromInteger(value: number | bigint): ApexDecimal {
    return new ApexDecimal(BigInt(value), 0);
  }

  static fromDouble(value: number): ApexDecimal {
    // Double → Decimal goes through the double's shortest decimal text, like Decimal.valueOf(Double).
    return ApexDecimal.parse(String(value)) ?? new ApexDecimal(0n, 0);
  }

  withScale(scale: number, mode: RoundingMode = 'HALF_UP'): ApexDecimal {
    if (scale >= this.scale)
      return new ApexDecimal(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    const divisor = 10n ** BigInt(this.scale - scale);
    return new ApexDecimal(divide(this.unscaled, divisor, mode), scale);
  }

  add(other: ApexDecimal): ApexDecimal {
    const scale = Math.max(this.scale, other.scale);
    return new ApexDecimal(this.withScale(scale).unscaled + other.withScale(scale).unscaled, scale);
  }

  subtract(other: ApexDecimal): ApexDecimal {
    return this.add(other.negate());
  }

  multiply(other: ApexDecimal): ApexDecimal {
    return new ApexDecimal(this.unscaled * other.unscaled, this.scale + other.scale);
  }

  /** Division without a scale: exact when the quotient terminates, else 32 significant digits. */
  divide(other: ApexDecimal, scale?: number, mode: RoundingMode = 'HALF_UP'): ApexDecimal {
    if (scale !== undefined) {
      const numerator =
        this.unscaled * 10n ** BigInt(Math.max(0, scale - this.scale + other.scale));
      const shift = this.scale - other.scale - scale;
      const denominator = other.unscaled * 10n ** BigInt(Math.max(0, shift));
      return new ApexDecimal(divide(numerator, denominator, mode), scale);
    }
    const preferred = this.scale - other.scale;
    for (let extra = 0; extra <= 32; extra++) {
      const target = Math.max(preferred, 0) + extra;
      const exact = this.exactQuotient(other, target);
      if (exact) return exact.stripTo(Math.max(preferred, 0));
    }
    // Not terminating: 32 significant digits, rounded half up.
    const probe = this.divide(other, 64, 'DOWN');
    const magnitude =
      (probe.unscaled < 0n ? -probe.unscaled : probe.unscaled).toString().length - 64;
    return this.divide(other, Math.max(32 - magnitude, 0), 'HALF_UP');
  }

  private exactQuotient(other: ApexDecimal, scale: number): ApexDecimal | undefined {
    const exponent = scale - this.scale + other.scale;
    const numerator = exponent >= 0 ? this.unscaled * 10n ** BigInt(exponent) : this.unscaled;
    const denominator = exponent >= 0 ? other.unscaled : other.unscaled * 10n ** BigInt(-exponent);
    return numerator % denominator === 0n
      ? new ApexDecimal(numerator / denominator, scale)
      : undefined;
  }

  /** Drops trailing zeros down to (not below) the given scale. */
  stripTo(minScale: number): ApexDecimal {
    let { unscaled, scale } = this;
    while (scale > minScale && unscaled % 10n === 0n) {
      unscaled /= 10n;
      scale--;
    }
    return new ApexDecimal(unscaled, scale);
  }

  negate(): ApexDecimal {
    return new ApexDecimal(-this.unscaled, this.scale);
  }

  compare(other: ApexDecimal): number {
    const scale = Math.max(this.scale, other.scale);
    const a = this.withScale(scale).unscaled;
    const b = other.withScale(scale).unscaled;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Truncates toward zero, like BigDecimal.longValue. */
  toBigInt(): bigint {
    return this.unscaled / 10n ** BigInt(this.scale);
  }

  toNumber(): number {
    return Number(this.toString());
  }

  toString(): string {
    const negative = this.unscaled < 0n;
    const digits = (negative ? -this.unscaled : this.unscaled).toString();
    if (this.scale === 0) return `${negative ? '-' : ''}${digits}`;
    const padded = digits.padStart(this.scale + 1, '0');
    const point = padded.length - this.scale;
    return `${negative ? '-' : ''}${padded.slice(0, point)}.${padded.slice(point)}`;
  }
}

export type RoundingMode =
  'UP' | 'DOWN' | 'CEILING' | 'FLOOR' | 'HALF_UP' | 'HALF_DOWN' | 'HALF_EVEN' | 'UNNECESSARY';

function divide(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  const quotient = numerator / denominator;
  const remainder = numerator % denominator;
  if (remainder === 0n) return quotient;
  const positive = numerator < 0n === denominator < 0n;
  const away = positive ? quotient + 1n : quotient - 1n;
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  const absDenominator = denominator < 0n ? -denominator : denominator;
  switch (mode) {
    case 'DOWN':
      return quotient;
    case 'UP':
      return away;
    case 'CEILING':
      return positive ? away : quotient;
    case 'FLOOR':
      return positive ? quotient : away;
    case 'HALF_UP':
      return twice >= absDenominator ? away : quotient;
    case 'HALF_DOWN':
      return twice > absDenominator ? away : quotient;
    case 'HALF_EVEN':
      if (twice === absDenominator) return quotient % 2n === 0n ? quotient : away;
      return twice > absDenominator ? away : quotient;
    case 'UNNECESSARY':
      throw new RangeError('Rounding necessary');
  }
}
