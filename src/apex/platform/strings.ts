/**
 * String members that Apex takes from Apache Commons Lang's StringUtils and StringEscapeUtils
 * (center, difference, the escapes, Levenshtein distance, splitByCharacterType…), with the same
 * algorithms. Java chars are UTF-16 code units, as JavaScript's.
 */
import { ApexList, T, type Value } from '../interpreter/values.ts';
import type { PlatformContext, PlatformFn } from './registry.ts';

function text(ctx: PlatformContext, args: Value[], index: number): string {
  const value = args[index] ?? null;
  if (value === null) return ctx.interp.npe();
  return String(value);
}

function integer(ctx: PlatformContext, args: Value[], index: number): number {
  const value = args[index] ?? null;
  if (value === null) return ctx.interp.npe();
  return Number(value);
}

/** StringUtils.leftPad/rightPad with a pad string repeated from its start. */
function padding(length: number, pad: string): string {
  return pad.repeat(Math.ceil(length / pad.length)).slice(0, length);
}

function center(s: string, size: number, pad: string): string {
  const pads = size - s.length;
  if (pads <= 0 || !pad) return s;
  const left = Math.floor(pads / 2);
  return padding(left, pad) + s + padding(pads - left, pad);
}

function indexOfDifference(a: string, b: string): number {
  if (a === b) return -1;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        current[j - 1]! + 1,
        previous[j]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

const hex4 = (code: number): string => code.toString(16).toUpperCase().padStart(4, '0');

/** StringEscapeUtils.escapeJava / escapeEcmaScript. */
function escapeJavaLike(s: string, ecma: boolean): string {
  let out = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    if (c.length > 1) {
      out += `\\u${hex4(code)}\\u${hex4(c.charCodeAt(1))}`;
      continue;
    }
    switch (c) {
      case '"':
        out += '\\"';
        break;
      case '\\':
        out += '\\\\';
        break;
      case '\b':
        out += '\\b';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\f':
        out += '\\f';
        break;
      case '\r':
        out += '\\r';
        break;
      default:
        if (ecma && (c === "'" || c === '/')) out += `\\${c}`;
        else if (code < 32 || code > 0x7f) out += `\\u${hex4(code)}`;
        else out += c;
    }
  }
  return out;
}

function unescapeJava(ctx: PlatformContext, s: string): string {
  const simple: Record<string, string> = {
    '\\': '\\',
    '"': '"',
    "'": "'",
    n: '\n',
    t: '\t',
    b: '\b',
    f: '\f',
    r: '\r',
  };
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c !== '\\' || i === s.length - 1) {
      out += c;
      continue;
    }
    const next = s[i + 1]!;
    if (next in simple) {
      out += simple[next];
      i++;
    } else if (next === 'u') {
      let j = i + 1;
      while (s[j] === 'u') j++;
      const digits = s.slice(j, j + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(digits))
        return ctx.throwApex('System.StringException', `Unable to parse unicode value: ${digits}`);
      out += String.fromCharCode(parseInt(digits, 16));
      i = j + 3;
    } else if (/[0-7]/.test(next)) {
      return ctx.unsupported('String.unescapeJava with octal escapes');
    } else out += c;
  }
  return out;
}

const HTML_BASIC: Record<string, string> = {
  '"': '&quot;',
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
};

function escapeMarkup(
  ctx: PlatformContext,
  s: string,
  table: Record<string, string>,
  member: string,
): string {
  let out = '';
  for (const c of s) {
    if (c in table) out += table[c];
    // Beyond ASCII the two escapes differ (HTML 4 named entities, XML numeric references).
    else if (c.charCodeAt(0) > 0x7f) return ctx.unsupported(`String.${member} of non-ASCII text`);
    else out += c;
  }
  return out;
}

function unescapeHtml4(ctx: PlatformContext, s: string): string {
  const named: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };
  return s.replace(
    /&(#[xX]?)?([0-9a-zA-Z]+);/g,
    (match, numeric: string | undefined, body: string) => {
      if (numeric) {
        const code = numeric.length > 1 ? parseInt(body, 16) : parseInt(body, 10);
        return Number.isNaN(code) ? match : String.fromCodePoint(code);
      }
      if (body in named) return named[body]!;
      return ctx.unsupported(`String.unescapeHtml4 of the entity &${body};`);
    },
  );
}

const CSV_SPECIAL = /[,"\r\n]/;

const CATEGORIES = [
  'Lu',
  'Ll',
  'Lt',
  'Lm',
  'Lo',
  'Mn',
  'Mc',
  'Me',
  'Nd',
  'Nl',
  'No',
  'Zs',
  'Zl',
  'Zp',
  'Cc',
  'Cf',
  'Co',
  'Cs',
  'Pd',
  'Ps',
  'Pe',
  'Pc',
  'Po',
  'Sm',
  'Sc',
  'Sk',
  'So',
  'Pi',
  'Pf',
].map((name) => [name, new RegExp(`^\\p{${name}}$`, 'u')] as const);

/** java.lang.Character.getType, as a category name. */
function charType(c: string): string {
  return CATEGORIES.find(([, re]) => re.test(c))?.[0] ?? 'Cn';
}

/** StringUtils.splitByCharacterType(str, camelCase). */
function splitByCharacterType(s: string, camelCase: boolean): string[] {
  if (!s) return [];
  const parts: string[] = [];
  let tokenStart = 0;
  let currentType = charType(s[0]!);
  for (let pos = 1; pos < s.length; pos++) {
    const type = charType(s[pos]!);
    if (type === currentType) continue;
    if (camelCase && type === 'Ll' && currentType === 'Lu') {
      const newTokenStart = pos - 1;
      if (newTokenStart !== tokenStart) {
        parts.push(s.slice(tokenStart, newTokenStart));
        tokenStart = newTokenStart;
      }
    } else {
      parts.push(s.slice(tokenStart, pos));
      tokenStart = pos;
    }
    currentType = type;
  }
  parts.push(s.slice(tokenStart));
  return parts;
}

export const commonsStringMethods: Record<string, PlatformFn<string>> = {
  center: (ctx, args, s) =>
    center(s, integer(ctx, args, 0), args.length > 1 ? text(ctx, args, 1) : ' '),
  difference: (ctx, args, s) => {
    const other = text(ctx, args, 0);
    const at = indexOfDifference(s, other);
    return at < 0 ? '' : other.slice(at);
  },
  indexofdifference: (ctx, args, s) => indexOfDifference(s, text(ctx, args, 0)),
  escapecsv: (_c, _a, s) => (CSV_SPECIAL.test(s) ? `"${s.replace(/"/g, '""')}"` : s),
  unescapecsv: (_c, _a, s) => {
    if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return s;
    const inner = s.slice(1, -1);
    return CSV_SPECIAL.test(inner) ? inner.replace(/""/g, '"') : s;
  },
  escapejava: (_c, _a, s) => escapeJavaLike(s, false),
  unescapejava: (ctx, _a, s) => unescapeJava(ctx, s),
  escapeecmascript: (_c, _a, s) => escapeJavaLike(s, true),
  escapeunicode: (_c, _a, s) =>
    [...s].map((c) => (c.charCodeAt(0) > 0x7f ? escapeJavaLike(c, false) : c)).join(''),
  escapehtml4: (ctx, _a, s) => escapeMarkup(ctx, s, HTML_BASIC, 'escapeHtml4'),
  unescapehtml4: (ctx, _a, s) => unescapeHtml4(ctx, s),
  escapexml: (ctx, _a, s) => escapeMarkup(ctx, s, { ...HTML_BASIC, "'": '&apos;' }, 'escapeXml'),
  getchars: (_c, _a, s) =>
    new ApexList(
      T.integer,
      Array.from({ length: s.length }, (_, i) => s.charCodeAt(i)),
    ),
  getlevenshteindistance: (ctx, args, s) => {
    const distance = levenshtein(s, text(ctx, args, 0));
    return args.length > 1 && distance > integer(ctx, args, 1) ? -1 : distance;
  },
  indexofany: (ctx, args, s) => {
    const chars = text(ctx, args, 0);
    for (let i = 0; i < s.length; i++) if (chars.includes(s[i]!)) return i;
    return -1;
  },
  indexofanybut: (ctx, args, s) => {
    const chars = text(ctx, args, 0);
    for (let i = 0; i < s.length; i++) if (!chars.includes(s[i]!)) return i;
    return -1;
  },
  isasciiprintable: (_c, _a, s) => /^[\x20-\x7e]*$/.test(s),
  lastindexofignorecase: (ctx, args, s) => {
    const lower = s.toLowerCase();
    const sub = text(ctx, args, 0).toLowerCase();
    return args.length > 1 ? lower.lastIndexOf(sub, integer(ctx, args, 1)) : lower.lastIndexOf(sub);
  },
  remove: (ctx, args, s) => {
    const sub = text(ctx, args, 0);
    return sub ? s.split(sub).join('') : s;
  },
  splitbycharactertype: (_c, _a, s) => new ApexList(T.string, splitByCharacterType(s, false)),
  splitbycharactertypecamelcase: (_c, _a, s) =>
    new ApexList(T.string, splitByCharacterType(s, true)),
  swapcase: (_c, _a, s) =>
    Array.from(s, (c) => {
      const upper = c.toUpperCase();
      return c === upper ? c.toLowerCase() : upper;
    }).join(''),
};

export const commonsStringStatics: Record<string, PlatformFn<undefined>> = {
  getcommonprefix: (ctx, args) => {
    const list = args[0] ?? null;
    if (!(list instanceof ApexList)) return ctx.interp.npe();
    const items = list.items.map((item) => (item === null ? '' : String(item)));
    if (items.length === 0) return '';
    let prefix = items[0]!;
    for (const item of items.slice(1)) {
      const at = indexOfDifference(prefix, item);
      if (at >= 0) prefix = prefix.slice(0, at);
    }
    return prefix;
  },
};
