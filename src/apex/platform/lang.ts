import { ApexDecimal, type RoundingMode } from '../decimal.ts';
import {
  ApexBlob,
  ApexDatetime,
  ApexDouble,
  ApexEnumValue,
  ApexList,
  ApexObject,
  ApexType,
  T,
  apexEquals,
  compareNumbers,
  isNumber,
  keyOf,
  numericRank,
  runtimeTypeName,
  stringValueOf,
  toBigInt,
  toDecimal,
  toJsNumber,
  type Value,
} from '../interpreter/values.ts';
import { type PlatformContext, type PlatformFn, type PlatformType } from './registry.ts';
import { javaRegex, javaReplacement, javaSplit } from './regex.ts';
import { commonsStringMethods, commonsStringStatics } from './strings.ts';
import { txState } from './services.ts';

type Num = number | bigint | ApexDouble | ApexDecimal;

function str(ctx: PlatformContext, args: Value[], index: number): string {
  const value = args[index] ?? null;
  if (value === null) return ctx.interp.npe();
  if (typeof value !== 'string') return stringValueOf(value);
  return value;
}

function int(ctx: PlatformContext, args: Value[], index: number): number {
  const value = args[index] ?? null;
  if (value === null) return ctx.interp.npe();
  return typeof value === 'number' ? value : Number(toBigInt(value as Num));
}

/** StringUtils.abbreviate from Apache Commons Lang, which Apex follows. */
function abbreviate(ctx: PlatformContext, text: string, maxWidth: number, offset = 0): string {
  if (maxWidth < 4)
    return ctx.throwApex('System.StringException', 'Minimum abbreviation width is 4');
  if (text.length <= maxWidth) return text;
  if (offset <= 4) return `${text.slice(0, maxWidth - 3)}...`;
  if (maxWidth < 7)
    return ctx.throwApex('System.StringException', 'Minimum abbreviation width with offset is 7');
  let start = Math.min(offset, text.length);
  if (text.length - start < maxWidth - 3) start = text.length - (maxWidth - 3);
  if (start + maxWidth - 3 < text.length)
    return `...${abbreviate(ctx, text.slice(start), maxWidth - 3)}`;
  return `...${text.slice(text.length - (maxWidth - 3))}`;
}

const isWhitespace = (c: string): boolean => /\s/.test(c);

/** Instance methods of String (the receiver is never null here). */
const stringMethods: Record<string, PlatformFn<string>> = {
  length: (_c, _a, s) => s.length,
  substring: (ctx, args, s) => {
    const start = int(ctx, args, 0);
    const end = args.length > 1 ? int(ctx, args, 1) : s.length;
    if (start < 0)
      return ctx.throwApex('System.StringException', `Starting position out of bounds: ${start}`);
    if (end > s.length)
      return ctx.throwApex('System.StringException', `Ending position out of bounds: ${end}`);
    if (start > end)
      return ctx.throwApex('System.StringException', `Starting position out of bounds: ${start}`);
    return s.slice(start, end);
  },
  indexof: (ctx, args, s) => s.indexOf(str(ctx, args, 0), args.length > 1 ? int(ctx, args, 1) : 0),
  lastindexof: (ctx, args, s) =>
    s.lastIndexOf(str(ctx, args, 0), args.length > 1 ? int(ctx, args, 1) : Infinity),
  indexofignorecase: (ctx, args, s) =>
    s
      .toLowerCase()
      .indexOf(str(ctx, args, 0).toLowerCase(), args.length > 1 ? int(ctx, args, 1) : 0),
  contains: (ctx, args, s) => s.includes(str(ctx, args, 0)),
  containsignorecase: (ctx, args, s) => s.toLowerCase().includes(str(ctx, args, 0).toLowerCase()),
  containswhitespace: (_c, _a, s) => /\s/.test(s),
  containsany: (ctx, args, s) => [...str(ctx, args, 0)].some((c) => s.includes(c)),
  containsnone: (ctx, args, s) => ![...str(ctx, args, 0)].some((c) => s.includes(c)),
  containsonly: (ctx, args, s) => [...s].every((c) => str(ctx, args, 0).includes(c)),
  startswith: (ctx, args, s) => s.startsWith(str(ctx, args, 0)),
  endswith: (ctx, args, s) => s.endsWith(str(ctx, args, 0)),
  startswithignorecase: (ctx, args, s) =>
    s.toLowerCase().startsWith(str(ctx, args, 0).toLowerCase()),
  endswithignorecase: (ctx, args, s) => s.toLowerCase().endsWith(str(ctx, args, 0).toLowerCase()),
  equals: (_c, args, s) => typeof args[0] === 'string' && args[0] === s,
  equalsignorecase: (_c, args, s) =>
    typeof args[0] === 'string' && args[0].toLowerCase() === s.toLowerCase(),
  compareto: (ctx, args, s) => {
    const other = str(ctx, args, 0);
    for (let i = 0; i < Math.min(s.length, other.length); i++)
      if (s.charCodeAt(i) !== other.charCodeAt(i)) return s.charCodeAt(i) - other.charCodeAt(i);
    return s.length - other.length;
  },
  tolowercase: (_c, _a, s) => s.toLowerCase(),
  touppercase: (_c, _a, s) => s.toUpperCase(),
  trim: (_c, _a, s) => javaTrim(s),
  normalizespace: (_c, _a, s) => s.trim().replace(/\s+/g, ' '),
  deletewhitespace: (_c, _a, s) => s.replace(/\s+/g, ''),
  replace: (ctx, args, s) => s.split(str(ctx, args, 0)).join(str(ctx, args, 1)),
  replaceall: (ctx, args, s) =>
    s.replace(javaRegex(ctx, str(ctx, args, 0)), javaReplacement(str(ctx, args, 1))),
  replacefirst: (ctx, args, s) =>
    s.replace(javaRegex(ctx, str(ctx, args, 0), false), javaReplacement(str(ctx, args, 1))),
  split: (ctx, args, s) =>
    new ApexList(
      T.string,
      javaSplit(ctx, s, str(ctx, args, 0), args.length > 1 ? int(ctx, args, 1) : 0),
    ),
  matches: (ctx, args, s) => {
    const regex = javaRegex(ctx, str(ctx, args, 0), false);
    return new RegExp(`^(?:${regex.source})$`, regex.flags).test(s);
  },
  left: (ctx, args, s) => s.slice(0, Math.max(0, int(ctx, args, 0))),
  right: (ctx, args, s) => {
    const n = int(ctx, args, 0);
    return n <= 0 ? '' : s.slice(Math.max(0, s.length - n));
  },
  mid: (ctx, args, s) => {
    const start = Math.max(0, int(ctx, args, 0));
    return s.slice(start, start + Math.max(0, int(ctx, args, 1)));
  },
  abbreviate: (ctx, args, s) =>
    abbreviate(ctx, s, int(ctx, args, 0), args.length > 1 ? int(ctx, args, 1) : 0),
  isnumeric: (_c, _a, s) => s.length > 0 && /^\p{Nd}+$/u.test(s),
  isnumericspace: (_c, _a, s) => /^[\p{Nd} ]*$/u.test(s),
  isalpha: (_c, _a, s) => s.length > 0 && /^\p{L}+$/u.test(s),
  isalphaspace: (_c, _a, s) => /^[\p{L} ]*$/u.test(s),
  isalphanumeric: (_c, _a, s) => s.length > 0 && /^[\p{L}\p{Nd}]+$/u.test(s),
  isalphanumericspace: (_c, _a, s) => /^[\p{L}\p{Nd} ]*$/u.test(s),
  // "only white space characters or is empty"
  iswhitespace: (_c, _a, s) => [...s].every(isWhitespace),
  isalllowercase: (_c, _a, s) => s.length > 0 && /^\p{Ll}+$/u.test(s),
  isalluppercase: (_c, _a, s) => s.length > 0 && /^\p{Lu}+$/u.test(s),
  repeat: (ctx, args, s) => {
    if (args.length === 2)
      return Array<string>(int(ctx, args, 1))
        .fill(s)
        .join(str(ctx, args, 0));
    return s.repeat(Math.max(0, int(ctx, args, 0)));
  },
  removeend: (ctx, args, s) => {
    const end = str(ctx, args, 0);
    return end && s.endsWith(end) ? s.slice(0, s.length - end.length) : s;
  },
  removestart: (ctx, args, s) => {
    const start = str(ctx, args, 0);
    return start && s.startsWith(start) ? s.slice(start.length) : s;
  },
  removeendignorecase: (ctx, args, s) => {
    const end = str(ctx, args, 0);
    return end && s.toLowerCase().endsWith(end.toLowerCase())
      ? s.slice(0, s.length - end.length)
      : s;
  },
  removestartignorecase: (ctx, args, s) => {
    const start = str(ctx, args, 0);
    return start && s.toLowerCase().startsWith(start.toLowerCase()) ? s.slice(start.length) : s;
  },
  capitalize: (_c, _a, s) => s.charAt(0).toUpperCase() + s.slice(1),
  uncapitalize: (_c, _a, s) => s.charAt(0).toLowerCase() + s.slice(1),
  reverse: (_c, _a, s) => [...s].reverse().join(''),
  charat: (ctx, args, s) => {
    const index = int(ctx, args, 0);
    if (index < 0 || index >= s.length)
      return ctx.throwApex('System.StringException', `Index out of bounds: ${index}`);
    return s.charCodeAt(index);
  },
  codepointat: (ctx, args, s) => s.codePointAt(int(ctx, args, 0)) ?? null,
  countmatches: (ctx, args, s) => {
    const part = str(ctx, args, 0);
    return part ? s.split(part).length - 1 : 0;
  },
  substringbefore: (ctx, args, s) => {
    const sep = str(ctx, args, 0);
    const i = s.indexOf(sep);
    return i < 0 ? s : s.slice(0, i);
  },
  substringafter: (ctx, args, s) => {
    const sep = str(ctx, args, 0);
    const i = s.indexOf(sep);
    return i < 0 ? '' : s.slice(i + sep.length);
  },
  substringbeforelast: (ctx, args, s) => {
    const sep = str(ctx, args, 0);
    const i = s.lastIndexOf(sep);
    return i < 0 || !sep ? s : s.slice(0, i);
  },
  substringafterlast: (ctx, args, s) => {
    const sep = str(ctx, args, 0);
    const i = s.lastIndexOf(sep);
    return i < 0 || !sep ? '' : s.slice(i + sep.length);
  },
  substringbetween: (ctx, args, s) => {
    const open = str(ctx, args, 0);
    const close = args.length > 1 ? str(ctx, args, 1) : open;
    const start = s.indexOf(open);
    if (start < 0) return null;
    const end = s.indexOf(close, start + open.length);
    return end < 0 ? null : s.slice(start + open.length, end);
  },
  leftpad: (ctx, args, s) =>
    s.padStart(int(ctx, args, 0), args.length > 1 ? str(ctx, args, 1) : ' '),
  rightpad: (ctx, args, s) =>
    s.padEnd(int(ctx, args, 0), args.length > 1 ? str(ctx, args, 1) : ' '),
  hashcode: (_c, _a, s) => {
    let hash = 0;
    for (let i = 0; i < s.length; i++) hash = (Math.imul(31, hash) + s.charCodeAt(i)) | 0;
    return hash;
  },
  tostring: (_c, _a, s) => s,
  format: (ctx, args, s) => messageFormat(s, args[0] ?? null),
  stripHtmlTags: (_c, _a, s) => s.replace(/<[^>]*>/g, ''),
};
stringMethods.striphtmltags = stringMethods.stripHtmlTags!;
delete stringMethods.stripHtmlTags;

/** Java's String.trim: strips every character up to U+0020 from both ends. */
function javaTrim(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 32) start++;
  while (end > start && s.charCodeAt(end - 1) <= 32) end--;
  return s.slice(start, end);
}

/** java.text.MessageFormat as String.format uses it: `{0}` placeholders, `'…'` quoting, `''` a quote. */
function messageFormat(pattern: string, list: Value): string {
  const items = list instanceof ApexList ? list.items : [];
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1);
      if (end === i + 1) out += "'";
      else out += pattern.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? pattern.length : end;
    } else if (c === '{') {
      const close = pattern.indexOf('}', i);
      const index = Number(pattern.slice(i + 1, close));
      out +=
        Number.isInteger(index) && index < items.length
          ? stringValueOf(items[index] ?? null)
          : pattern.slice(i, close + 1);
      i = close < 0 ? pattern.length : close;
    } else out += c;
  }
  return out;
}

const stringStatics: Record<string, PlatformFn<undefined>> = {
  valueof: (ctx, args) => ctx.interp.stringOf(args[0] ?? null),
  valueofgmt: (_c, args) => stringValueOf(args[0] ?? null),
  isblank: (_c, args) => {
    const s = args[0] ?? null;
    return s === null || (typeof s === 'string' && s.trim() === '');
  },
  isnotblank: (_c, args) => {
    const s = args[0] ?? null;
    return typeof s === 'string' && s.trim() !== '';
  },
  isempty: (_c, args) => args[0] === null || args[0] === '',
  isnotempty: (_c, args) => typeof args[0] === 'string' && args[0] !== '',
  join: (ctx, args) => {
    const list = args[0] ?? null;
    if (list === null) return ctx.interp.npe();
    const items =
      list instanceof ApexList
        ? list.items
        : [...((list as { entries?: Map<string, Value> }).entries?.values() ?? [])];
    return items.map((item) => stringValueOf(item)).join(str(ctx, args, 1));
  },
  // A backslash is added before each single quote and each backslash.
  escapesinglequotes: (ctx, args) => str(ctx, args, 0).replace(/['\\]/g, '\\$&'),
  format: (ctx, args) => messageFormat(str(ctx, args, 0), args[1] ?? null),
  fromchararray: (_c, args) => String.fromCharCode(...((args[0] as ApexList).items as number[])),
  isblankorempty: (_c, args) =>
    args[0] === null || (typeof args[0] === 'string' && args[0].trim() === ''),
};

function parseIntegerText(
  ctx: PlatformContext,
  text: string,
  kind: 'Integer' | 'Long',
): number | bigint {
  const trimmed = text;
  if (!/^[+-]?\d+$/.test(trimmed))
    return ctx.throwApex('System.TypeException', `Invalid ${kind.toLowerCase()}: ${text}`);
  const value = BigInt(trimmed);
  if (kind === 'Integer') {
    if (value > 2147483647n || value < -2147483648n)
      return ctx.throwApex('System.TypeException', `Invalid integer: ${text}`);
    return Number(value);
  }
  if (value > 9223372036854775807n || value < -9223372036854775808n)
    return ctx.throwApex('System.TypeException', `Invalid long: ${text}`);
  return value;
}

/** Number.format(): the org locale's grouping; the runtime assumes en_US. */
function groupDigits(text: string): string {
  const [whole = '', fraction] = text.split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${fraction !== undefined ? `.${fraction}` : ''}`;
}

const numberMethods: Record<string, PlatformFn<Num>> = {
  intvalue: (_c, _a, n) => (typeof n === 'number' ? n : Number(BigInt.asIntN(32, toBigInt(n)))),
  longvalue: (_c, _a, n) => BigInt.asIntN(64, toBigInt(n)),
  doublevalue: (_c, _a, n) => new ApexDouble(toJsNumber(n)),
  decimalvalue: (_c, _a, n) => toDecimal(n),
  format: (_c, _a, n) => {
    if (n instanceof ApexDouble) return groupDigits(String(Math.round(n.value * 1000) / 1000));
    return groupDigits(n.toString());
  },
  equals: (_c, args, n) =>
    apexEquals(n, args[0] ?? null, false) &&
    runtimeTypeName(args[0] ?? null) === runtimeTypeName(n),
  hashcode: (_c, _a, n) => Number(BigInt.asIntN(32, toBigInt(n))),
  tostring: (_c, _a, n) => stringValueOf(n),
};

const ROUNDING: Record<string, RoundingMode> = {
  up: 'UP',
  down: 'DOWN',
  ceiling: 'CEILING',
  floor: 'FLOOR',
  half_up: 'HALF_UP',
  half_down: 'HALF_DOWN',
  half_even: 'HALF_EVEN',
  unnecessary: 'UNNECESSARY',
};

function roundingArg(value: Value): RoundingMode {
  if (value instanceof ApexEnumValue) return ROUNDING[value.name.toLowerCase()] ?? 'HALF_UP';
  return 'HALF_UP';
}

const decimalMethods: Record<string, PlatformFn<ApexDecimal>> = {
  ...(numberMethods as Record<string, PlatformFn<ApexDecimal>>),
  scale: (_c, _a, d) => d.scale,
  setscale: (ctx, args, d) => {
    try {
      return d.withScale(
        int(ctx, args, 0),
        // setScale(scale) rounds half-even ("using half-even rounding, if necessary").
        args.length > 1 ? roundingArg(args[1] ?? null) : 'HALF_EVEN',
      );
    } catch {
      return ctx.throwApex('System.MathException', 'Rounding necessary');
    }
  },
  abs: (_c, _a, d) => (d.unscaled < 0n ? d.negate() : d),
  divide: (ctx, args, d) => {
    const divisor = toDecimal(args[0] as Num);
    if (divisor.unscaled === 0n) return ctx.throwApex('System.MathException', 'Divide by 0');
    return d.divide(
      divisor,
      int(ctx, args, 1),
      args.length > 2 ? roundingArg(args[2] ?? null) : 'HALF_UP',
    );
  },
  round: (ctx, args, d) => {
    try {
      return d.withScale(0, args.length ? roundingArg(args[0] ?? null) : 'HALF_EVEN').toBigInt();
    } catch {
      return ctx.throwApex('System.MathException', 'Rounding necessary');
    }
  },
  striptrailingzeros: (_c, _a, d) => d.stripTo(-Infinity),
  toplainstring: (_c, _a, d) => d.toString(),
  precision: (_c, _a, d) => (d.unscaled < 0n ? -d.unscaled : d.unscaled).toString().length,
  pow: (ctx, args, d) => {
    let result = new ApexDecimal(1n, 0);
    for (let i = 0; i < int(ctx, args, 0); i++) result = result.multiply(d);
    return result;
  },
};

const doubleMethods: Record<string, PlatformFn<ApexDouble>> = {
  ...(numberMethods as Record<string, PlatformFn<ApexDouble>>),
  round: (_c, _a, d) => BigInt(Math.round(d.value)),
};

function valueOfNumber(kind: 'Integer' | 'Long' | 'Double' | 'Decimal'): PlatformFn<undefined> {
  return (ctx, args) => {
    const value = args[0] ?? null;
    if (value === null) return ctx.interp.npe();
    if (typeof value === 'string') {
      if (kind === 'Integer' || kind === 'Long') return parseIntegerText(ctx, value, kind);
      const decimal = ApexDecimal.parse(value);
      if (!decimal)
        return ctx.throwApex('System.TypeException', `Invalid ${kind.toLowerCase()}: ${value}`);
      return kind === 'Double' ? new ApexDouble(Number(value)) : decimal;
    }
    if (!isNumber(value))
      return ctx.throwApex(
        'System.TypeException',
        `Invalid conversion from runtime type ${runtimeTypeName(value)} to ${kind}`,
      );
    switch (kind) {
      case 'Integer':
        return typeof value === 'number' ? value : Number(BigInt.asIntN(32, toBigInt(value)));
      case 'Long':
        return BigInt.asIntN(64, toBigInt(value));
      case 'Double':
        return new ApexDouble(toJsNumber(value));
      case 'Decimal':
        return toDecimal(value);
    }
  };
}

function mathOf(fn: (x: number) => number): PlatformFn<undefined> {
  return (ctx, args) => {
    const value = args[0] ?? null;
    if (value === null) return ctx.interp.npe();
    return new ApexDouble(fn(toJsNumber(value as Num)));
  };
}

/** Math.max/min: the result takes the wider of the two argument types. */
function minMax(pick: 1 | -1): PlatformFn<undefined> {
  return (ctx, args) => {
    const a = args[0] ?? null;
    const b = args[1] ?? null;
    if (a === null || b === null) return ctx.interp.npe();
    const x = a as Num;
    const y = b as Num;
    const rank = Math.max(numericRank(x), numericRank(y));
    const winner = compareNumbers(x, y) * pick >= 0 ? x : y;
    if (rank === 0) return winner;
    if (rank === 1) return toBigInt(winner);
    if (rank === 2) return new ApexDouble(toJsNumber(winner));
    return toDecimal(winner);
  };
}

const mathStatics: Record<string, PlatformFn<undefined>> = {
  cbrt: mathOf(Math.cbrt),
  max: minMax(1),
  min: minMax(-1),
  abs: (ctx, args) => {
    const value = args[0] ?? null;
    if (value === null) return ctx.interp.npe();
    if (typeof value === 'number') return Math.abs(value) | 0;
    if (typeof value === 'bigint') return value < 0n ? BigInt.asIntN(64, -value) : value;
    if (value instanceof ApexDouble) return new ApexDouble(Math.abs(value.value));
    const d = value as ApexDecimal;
    return d.unscaled < 0n ? d.negate() : d;
  },
  mod: (ctx, args) => {
    const a = args[0] ?? null;
    const b = args[1] ?? null;
    if (a === null || b === null) return ctx.interp.npe();
    if (typeof a === 'number' && typeof b === 'number') {
      if (b === 0) return ctx.throwApex('System.MathException', 'Divide by 0');
      return a % b;
    }
    const y = toBigInt(b as Num);
    if (y === 0n) return ctx.throwApex('System.MathException', 'Divide by 0');
    return toBigInt(a as Num) % y;
  },
  floor: mathOf(Math.floor),
  ceil: mathOf(Math.ceil),
  sqrt: mathOf(Math.sqrt),
  exp: mathOf(Math.exp),
  log: mathOf(Math.log),
  log10: mathOf(Math.log10),
  sin: mathOf(Math.sin),
  cos: mathOf(Math.cos),
  tan: mathOf(Math.tan),
  signum: mathOf(Math.sign),
  pow: (_c, args) =>
    new ApexDouble(Math.pow(toJsNumber(args[0] as Num), toJsNumber(args[1] as Num))),
  random: () => new ApexDouble(Math.random()),
  round: (ctx, args) => {
    const value = args[0] ?? null;
    if (value === null) return ctx.interp.npe();
    if (value instanceof ApexDecimal) return Number(value.withScale(0, 'HALF_EVEN').toBigInt());
    return Math.round(toJsNumber(value as Num)) | 0;
  },
  roundtolong: (ctx, args) => {
    const value = args[0] ?? null;
    if (value === null) return ctx.interp.npe();
    if (value instanceof ApexDecimal) return value.withScale(0, 'HALF_EVEN').toBigInt();
    return BigInt(Math.round(toJsNumber(value as Num)));
  },
};

function exceptionState(ctx: PlatformContext, self: ApexObject) {
  if (!self.exception) return ctx.unsupported(`exception methods on ${self.cls.name}`);
  return self.exception;
}

const objectMethods: Record<string, PlatformFn<ApexObject>> = {
  equals: (_c, args, self) => self === args[0],
  hashcode: (_c, _a, self) => Number(keyOf(self).slice(2)),
  tostring: (_c, _a, self) => stringValueOf(self),
};

const exceptionMethods: Record<string, PlatformFn<ApexObject>> = {
  ...objectMethods,
  getmessage: (ctx, _a, self) => exceptionState(ctx, self).message,
  setmessage: (ctx, args, self) => {
    exceptionState(ctx, self).message = (args[0] ?? null) as string | null;
    return null;
  },
  getcause: (ctx, _a, self) => exceptionState(ctx, self).cause,
  initcause: (ctx, args, self) => {
    exceptionState(ctx, self).cause = (args[0] ?? null) as ApexObject | null;
    return self;
  },
  gettypename: (_c, _a, self) => self.cls.name,
  getlinenumber: (ctx, _a, self) => exceptionState(ctx, self).line,
  getstacktracestring: (ctx, _a, self) => exceptionState(ctx, self).stackTrace,
};

export const langTypes: PlatformType[] = [
  {
    name: 'String',
    statics: { ...stringStatics, ...commonsStringStatics },
    methods: { ...stringMethods, ...commonsStringMethods },
  },
  {
    name: 'Integer',
    statics: { valueof: valueOfNumber('Integer') },
    methods: numberMethods,
  },
  { name: 'Long', statics: { valueof: valueOfNumber('Long') }, methods: numberMethods },
  { name: 'Double', statics: { valueof: valueOfNumber('Double') }, methods: doubleMethods },
  { name: 'Decimal', statics: { valueof: valueOfNumber('Decimal') }, methods: decimalMethods },
  {
    name: 'Boolean',
    statics: {
      valueof: (_c, args) => {
        const value = args[0] ?? null;
        if (typeof value === 'string') return value.toLowerCase() === 'true';
        return value === null ? null : value === true;
      },
    },
    methods: {
      equals: (_c, args, self: boolean) => args[0] === self,
      tostring: (_c, _a, self: boolean) => String(self),
    },
  },
  { name: 'Object', methods: objectMethods },
  { name: 'Comparable' },
  { name: 'Exception', methods: exceptionMethods },
  {
    name: 'Enum',
    methods: {
      name: (_c, _a, self: ApexEnumValue) => self.name,
      ordinal: (_c, _a, self: ApexEnumValue) => self.ordinal,
      equals: (_c, args, self: ApexEnumValue) => apexEquals(self, args[0] ?? null, false),
      hashcode: (_c, _a, self: ApexEnumValue) => self.ordinal,
      tostring: (_c, _a, self: ApexEnumValue) => self.name,
    },
  },
  {
    name: 'Type',
    statics: {
      forname: (ctx, args) => {
        const name =
          args.length === 2 ? `${str(ctx, args, 0)}.${str(ctx, args, 1)}` : str(ctx, args, 0);
        const type = ctx.interp.resolveTypeName(name.split('.'), [], undefined);
        const known =
          ctx.interp.findClass(name.split('.')) ||
          ctx.interp.platform.find(type.name) ||
          [
            'string',
            'integer',
            'long',
            'double',
            'decimal',
            'boolean',
            'object',
            'blob',
            'id',
            'date',
            'datetime',
          ].includes(type.name.toLowerCase());
        return known ? new ApexType(type) : null;
      },
    },
    methods: {
      getname: (_c, _a, self: ApexType) => self.type.name,
      tostring: (_c, _a, self: ApexType) => self.type.name,
      equals: (_c, args, self: ApexType) => apexEquals(self, args[0] ?? null, false),
      newinstance: async (ctx, _a, self: ApexType) => {
        const cls = ctx.interp.findClass(self.type.name.split('.'));
        if (!cls) return ctx.unsupported(`Type.newInstance for ${self.type.name}`);
        return ctx.interp.construct(cls, [], {});
      },
    },
  },
  {
    name: 'Math',
    statics: mathStatics,
    staticProps: { pi: () => new ApexDouble(Math.PI), e: () => new ApexDouble(Math.E) },
  },
  {
    name: 'LoggingLevel',
    staticProps: Object.fromEntries(
      ['NONE', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'FINE', 'FINER', 'FINEST'].map(
        (level, ordinal) => [
          level.toLowerCase(),
          () => new ApexEnumValue('System.LoggingLevel', level, ordinal),
        ],
      ),
    ),
  },
  {
    name: 'RoundingMode',
    staticProps: Object.fromEntries(
      Object.values(ROUNDING).map((mode, ordinal) => [
        mode.toLowerCase(),
        () => new ApexEnumValue('System.RoundingMode', mode, ordinal),
      ]),
    ),
  },
  {
    name: 'System',
    statics: {
      debug: (ctx, args) => {
        // System.debug(level, message) prints the message only.
        const message = args.length === 2 ? (args[1] ?? null) : (args[0] ?? null);
        const state = txState(ctx.interp);
        return ctx.interp.stringOf(message, true).then((text) => {
          state.debugLines.push(text);
          return null;
        });
      },
      assert: (ctx, args) => {
        if (args[0] !== true)
          return ctx.throwApex(
            'System.AssertException',
            args.length > 1
              ? `Assertion Failed: ${stringValueOf(args[1] ?? null)}`
              : 'Assertion Failed',
          );
        return null;
      },
      assertequals: (ctx, args) => {
        if (!apexEquals(args[0] ?? null, args[1] ?? null, false))
          return ctx.throwApex(
            'System.AssertException',
            `Assertion Failed: ${args.length > 2 ? `${stringValueOf(args[2] ?? null)}: ` : ''}Expected: ${stringValueOf(args[0] ?? null)}, Actual: ${stringValueOf(args[1] ?? null)}`,
          );
        return null;
      },
      assertnotequals: (ctx, args) => {
        if (apexEquals(args[0] ?? null, args[1] ?? null, false))
          return ctx.throwApex(
            'System.AssertException',
            `Assertion Failed: ${args.length > 2 ? `${stringValueOf(args[2] ?? null)}: ` : ''}Same value: ${stringValueOf(args[0] ?? null)}`,
          );
        return null;
      },
      currenttimemillis: (ctx) => BigInt(ctx.interp.services.clock()),
      now: (ctx) => new ApexDatetime(ctx.interp.services.clock(), 'Datetime'),
      today: (ctx) =>
        new ApexDatetime(Math.floor(ctx.interp.services.clock() / 86_400_000) * 86_400_000, 'Date'),
    },
  },
  {
    name: 'Blob',
    statics: {
      valueof: (ctx, args) => new ApexBlob(Buffer.from(str(ctx, args, 0), 'utf8')),
    },
    methods: {
      tostring: (ctx, _a, self: ApexBlob) => {
        const text = self.bytes.toString('utf8');
        if (Buffer.from(text, 'utf8').equals(self.bytes)) return text;
        return ctx.throwApex('System.StringException', 'BLOB is not a valid UTF-8 string');
      },
      size: (_c, _a, self: ApexBlob) => self.bytes.length,
    },
  },
  {
    name: 'Datetime',
    statics: {
      now: (ctx) => new ApexDatetime(ctx.interp.services.clock(), 'Datetime'),
      newinstance: (ctx, args) => {
        if (args.length === 1)
          return new ApexDatetime(Number(toBigInt(args[0] as Num)), 'Datetime');
        const [y, mo, d, h = 0, mi = 0, s = 0] = args.map((a) => Number(toBigInt(a as Num)));
        // Datetime.newInstance(y, m, d, …) is in the user's time zone; the runtime's user is in GMT.
        if (args.length === 2) return dateAndTime(ctx, args);
        return new ApexDatetime(Date.UTC(y!, mo! - 1, d!, h, mi, s), 'Datetime');
      },
      newinstancegmt: (ctx, args) => {
        if (args.length === 2) return dateAndTime(ctx, args);
        const [y, mo, d, h = 0, mi = 0, s = 0] = args.map((a) => Number(toBigInt(a as Num)));
        return new ApexDatetime(Date.UTC(y!, mo! - 1, d!, h, mi, s), 'Datetime');
      },
      // The runtime's user is in GMT, so valueOf and valueOfGmt read the same instant.
      valueof: (ctx, args) => datetimeOf(ctx, str(ctx, args, 0)),
      valueofgmt: (ctx, args) => datetimeOf(ctx, str(ctx, args, 0)),
    },
    methods: {
      gettime: (_c, _a, self: ApexDatetime) => BigInt(self.millis),
      addseconds: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(self.millis + int(ctx, args, 0) * 1000, 'Datetime'),
      addminutes: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(self.millis + int(ctx, args, 0) * 60_000, 'Datetime'),
      addhours: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(self.millis + int(ctx, args, 0) * 3_600_000, 'Datetime'),
      adddays: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(self.millis + int(ctx, args, 0) * 86_400_000, 'Datetime'),
      year: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCFullYear(),
      month: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCMonth() + 1,
      day: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCDate(),
      date: (_c, _a, self: ApexDatetime) =>
        new ApexDatetime(Math.floor(self.millis / 86_400_000) * 86_400_000, 'Date'),
      hour: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCHours(),
      minute: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCMinutes(),
      second: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCSeconds(),
      millisecond: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCMilliseconds(),
      time: (_c, _a, self: ApexDatetime) => new ApexDatetime(timeOfDay(self.millis), 'Time'),
      yeargmt: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCFullYear(),
      monthgmt: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCMonth() + 1,
      daygmt: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCDate(),
      hourgmt: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCHours(),
      minutegmt: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCMinutes(),
      secondgmt: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCSeconds(),
      millisecondgmt: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCMilliseconds(),
      dategmt: (_c, _a, self: ApexDatetime) =>
        new ApexDatetime(Math.floor(self.millis / 86_400_000) * 86_400_000, 'Date'),
      timegmt: (_c, _a, self: ApexDatetime) => new ApexDatetime(timeOfDay(self.millis), 'Time'),
      addmonths: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(addMonths(self.millis, int(ctx, args, 0)), 'Datetime'),
      addyears: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(addMonths(self.millis, 12 * int(ctx, args, 0)), 'Datetime'),
      issameday: (_c, args, self: ApexDatetime) =>
        Math.floor(self.millis / 86_400_000) ===
        Math.floor((args[0] as ApexDatetime).millis / 86_400_000),
      formatgmt: (ctx, args, self: ApexDatetime) =>
        formatJavaDate(ctx, self.millis, str(ctx, args, 0)),
      format: (ctx, args, self: ApexDatetime) =>
        formatJavaDate(ctx, self.millis, args.length ? str(ctx, args, 0) : 'M/d/yyyy h:mm a'),
      getgmt: (_c, _a, self: ApexDatetime) => stringValueOf(self),
      equals: (_c, args, self: ApexDatetime) => apexEquals(self, args[0] ?? null, false),
    },
  },
  {
    name: 'Date',
    statics: {
      today: (ctx) =>
        new ApexDatetime(Math.floor(ctx.interp.services.clock() / 86_400_000) * 86_400_000, 'Date'),
      newinstance: (ctx, args) => {
        const [y, m, d] = args.map((a) => int(ctx, [a], 0));
        return new ApexDatetime(Date.UTC(y!, m! - 1, d!), 'Date');
      },
      daysinmonth: (ctx, args) => daysInMonth(int(ctx, args, 0), int(ctx, args, 1)),
      isleapyear: (ctx, args) => daysInMonth(int(ctx, args, 0), 2) === 29,
      valueof: (ctx, args) => {
        const text = str(ctx, args, 0);
        const match = /^(\d{4})-(\d{1,2})-(\d{1,2})/.exec(text);
        if (!match) return ctx.throwApex('System.TypeException', `Invalid date: ${text}`);
        return new ApexDatetime(
          Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])),
          'Date',
        );
      },
    },
    methods: {
      year: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCFullYear(),
      month: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCMonth() + 1,
      day: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCDate(),
      adddays: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(self.millis + int(ctx, args, 0) * 86_400_000, 'Date'),
      daysbetween: (_c, args, self: ApexDatetime) =>
        Math.round(((args[0] as ApexDatetime).millis - self.millis) / 86_400_000),
      addmonths: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(addMonths(self.millis, int(ctx, args, 0)), 'Date'),
      addyears: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(addMonths(self.millis, 12 * int(ctx, args, 0)), 'Date'),
      // "ignoring the difference in days"
      monthsbetween: (_c, args, self: ApexDatetime) => {
        const a = new Date(self.millis);
        const b = new Date((args[0] as ApexDatetime).millis);
        return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
      },
      dayofyear: (_c, _a, self: ApexDatetime) => {
        const d = new Date(self.millis);
        return Math.round((self.millis - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
      },
      tostartofmonth: (_c, _a, self: ApexDatetime) => {
        const d = new Date(self.millis);
        return new ApexDatetime(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), 'Date');
      },
      issameday: (_c, args, self: ApexDatetime) => self.millis === (args[0] as ApexDatetime).millis,
      equals: (_c, args, self: ApexDatetime) => apexEquals(self, args[0] ?? null, false),
    },
  },
  {
    // Members of a local declared as Id (the value is its 18-character String).
    name: 'Id',
    methods: { to15: (_c, _a, self: string) => self.slice(0, 15) },
  },
  {
    name: 'Time',
    statics: {
      newinstance: (ctx, args) => {
        const [h, m, s, ms] = [0, 1, 2, 3].map((i) => int(ctx, args, i));
        return new ApexDatetime(timeOfDay(((h! * 60 + m!) * 60 + s!) * 1000 + ms!), 'Time');
      },
    },
    methods: {
      hour: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCHours(),
      minute: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCMinutes(),
      second: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCSeconds(),
      millisecond: (_c, _a, self: ApexDatetime) => new Date(self.millis).getUTCMilliseconds(),
      // Time arithmetic wraps around midnight.
      addhours: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(timeOfDay(self.millis + int(ctx, args, 0) * 3_600_000), 'Time'),
      addminutes: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(timeOfDay(self.millis + int(ctx, args, 0) * 60_000), 'Time'),
      addseconds: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(timeOfDay(self.millis + int(ctx, args, 0) * 1000), 'Time'),
      addmilliseconds: (ctx, args, self: ApexDatetime) =>
        new ApexDatetime(timeOfDay(self.millis + int(ctx, args, 0)), 'Time'),
      equals: (_c, args, self: ApexDatetime) => apexEquals(self, args[0] ?? null, false),
    },
  },
];

function timeOfDay(millis: number): number {
  return ((millis % 86_400_000) + 86_400_000) % 86_400_000;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Adds months; a day past the end of the new month becomes its last day (Jan 31 + 1 = Feb 29). */
function addMonths(millis: number, months: number): number {
  const d = new Date(millis);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const day = Math.min(d.getUTCDate(), daysInMonth(year, month + 1));
  return Date.UTC(year, month, day) + timeOfDay(millis);
}

/** Datetime.newInstance(Date, Time) and newInstanceGmt(Date, Time). */
function dateAndTime(ctx: PlatformContext, args: Value[]): ApexDatetime {
  const [date, time] = args as [ApexDatetime | null, ApexDatetime | null];
  if (!date || !time)
    return ctx.throwApex('System.NullPointerException', 'Attempt to de-reference a null object');
  return new ApexDatetime(date.millis + time.millis, 'Datetime');
}

/** Datetime.valueOf(String) / valueOfGmt: `yyyy-MM-dd HH:mm:ss`. */
function datetimeOf(ctx: PlatformContext, text: string): ApexDatetime {
  const match = /^(\d{4})-(\d{1,2})-(\d{1,2})(?: (\d{1,2}):(\d{1,2}):(\d{1,2}))?$/.exec(
    text.trim(),
  );
  if (!match) return ctx.throwApex('System.TypeException', `Invalid date/time: ${text}`);
  const [y, mo, d, h = '0', mi = '0', se = '0'] = match.slice(1);
  return new ApexDatetime(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se)),
    'Datetime',
  );
}

/** The few java.text.SimpleDateFormat letters callout code uses (GMT). */
function formatJavaDate(ctx: PlatformContext, millis: number, pattern: string): string {
  const d = new Date(millis);
  const parts: Record<string, string> = {
    yyyy: String(d.getUTCFullYear()),
    MM: String(d.getUTCMonth() + 1).padStart(2, '0'),
    dd: String(d.getUTCDate()).padStart(2, '0'),
    HH: String(d.getUTCHours()).padStart(2, '0'),
    mm: String(d.getUTCMinutes()).padStart(2, '0'),
    ss: String(d.getUTCSeconds()).padStart(2, '0'),
    SSS: String(d.getUTCMilliseconds()).padStart(3, '0'),
  };
  let out = '';
  for (let i = 0; i < pattern.length;) {
    if (pattern[i] === "'") {
      const end = pattern.indexOf("'", i + 1);
      out += pattern.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? pattern.length : end + 1;
      continue;
    }
    const token = Object.keys(parts).find((t) => pattern.startsWith(t, i));
    if (token) {
      out += parts[token];
      i += token.length;
    } else if (/[a-zA-Z]/.test(pattern[i]!)) {
      return ctx.unsupported(`the date format letter ${pattern[i]}`);
    } else out += pattern[i++];
  }
  return out;
}
