import { formUrlEncode } from './formEncoding.ts';

const MASK = '****';

/**
 * HTML5 named references for ASCII punctuation, so an HTML error page that echoes the secret with
 * `&sol;` or `&equals;` is recognised as well as `&#47;` and `&#x2F;`.
 */
const HTML_NAMES: Record<string, readonly string[]> = {
  '!': ['excl'],
  '"': ['quot', 'QUOT'],
  '#': ['num'],
  $: ['dollar'],
  '%': ['percnt'],
  '&': ['amp', 'AMP'],
  "'": ['apos'],
  '(': ['lpar'],
  ')': ['rpar'],
  '*': ['ast', 'midast'],
  '+': ['plus'],
  ',': ['comma'],
  '.': ['period'],
  '/': ['sol'],
  ':': ['colon'],
  ';': ['semi'],
  '<': ['lt', 'LT'],
  '=': ['equals'],
  '>': ['gt', 'GT'],
  '?': ['quest'],
  '@': ['commat'],
  '[': ['lsqb', 'lbrack'],
  '\\': ['bsol'],
  ']': ['rsqb', 'rbrack'],
  '^': ['Hat'],
  _: ['lowbar', 'UnderBar'],
  '`': ['grave', 'DiacriticalGrave'],
  '{': ['lcub', 'lbrace'],
  '|': ['verbar', 'vert', 'VerticalLine'],
  '}': ['rcub', 'rbrace'],
  '\t': ['Tab'],
  '\n': ['NewLine'],
  '\u00a0': ['nbsp', 'NonBreakingSpace'],
};

const JSON_SHORT: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** Every spelling of a hex string with its letters in either case (`2b`, `2B`). */
function hexCases(hex: string): string[] {
  let out = [''];
  for (const digit of hex) {
    const cases = /[a-f]/i.test(digit) ? [digit.toLowerCase(), digit.toUpperCase()] : [digit];
    out = out.flatMap((prefix) => cases.map((c) => prefix + c));
  }
  return out;
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** One code point as JSON (or JavaScript) may escape it: the short escapes and \uXXXX. */
function jsonForms(c: string): string[] {
  const forms = JSON_SHORT[c] ? [JSON_SHORT[c]] : [];
  const units = [...Array(c.length).keys()].map((i) => c.charCodeAt(i));
  let escaped = [''];
  for (const unit of units)
    escaped = escaped.flatMap((prefix) => hexCases(hex(unit, 4)).map((h) => `${prefix}\\u${h}`));
  return [...forms, ...escaped];
}

function percentForms(c: string): string[] {
  let out = [''];
  for (const byte of Buffer.from(c, 'utf8'))
    out = out.flatMap((prefix) => hexCases(hex(byte, 2)).map((h) => `${prefix}%${h}`));
  return out;
}

function htmlForms(c: string): string[] {
  const code = c.codePointAt(0)!;
  const forms = [`&#${code};`, `&#0${code};`, `&#${code}`];
  for (const width of new Set([code.toString(16).length, 2, 4]))
    for (const h of hexCases(hex(code, width))) forms.push(`&#x${h};`, `&#X${h};`, `&#x${h}`);
  for (const name of HTML_NAMES[c] ?? []) forms.push(`&${name};`);
  return forms;
}

/** How our own terminal-safe display and older clipping show a control character. */
function displayForms(c: string): string[] {
  const code = c.codePointAt(0)!;
  const forms: string[] = [];
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
    forms.push(...hexCases(hex(code, 2)).map((h) => `\\x${h}`));
    if (code === 0x1b) forms.push('\\e');
  }
  if (/\s/.test(c)) forms.push(' ');
  return forms;
}

/**
 * Every form one character of a secret can take in output: as is, percent-encoded (either case),
 * form-encoded (`+` for a space, and a `+` that a server form-decoded into a space), HTML
 * references, JSON escapes, terminal-safe escapes, and the JSON escape of each of these again
 * (a message holding an escaped secret that --json escapes once more).
 */
function characterForms(c: string): string[] {
  const single = new Set<string>([
    c,
    ...percentForms(c),
    ...jsonForms(c),
    ...htmlForms(c),
    ...displayForms(c),
  ]);
  if (c === ' ') single.add('+');
  if (c === '+') single.add(' ').add('%20');
  const all = new Set(single);
  for (const form of single) all.add(JSON.stringify(form).slice(1, -1));
  return [...all];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A regular expression source matching `target` with each character in any of its forms. */
function targetPattern(target: string): { source: string; maxLength: number } {
  let source = '';
  let maxLength = 0;
  for (const c of target) {
    const forms = characterForms(c).sort((a, b) => b.length - a.length);
    maxLength += forms[0]!.length;
    source += forms.length === 1 ? escapeRegExp(c) : `(?:${forms.map(escapeRegExp).join('|')})`;
  }
  return { source, maxLength };
}

/**
 * The characters of base64(`secret`) that depend on the secret alone, for each of the three byte
 * alignments it can have inside a longer base64 text (a Basic credential, a base64 body).
 */
function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: string[] = [];
  for (const shift of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const first = shift === 0 ? 0 : 1;
    const end = Math.floor(padded.length / 3);
    if (end - first < 2) continue;
    const core = padded.toString('base64').slice(first * 4, end * 4);
    cores.push(core, core.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return cores;
}

/** application/x-www-form-urlencoded decoding, as a server that echoes a decoded body does it. */
function formDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return undefined;
  }
}

/**
 * The one redactor: every text that leaves the process (human, --json, --debug, errors, reports,
 * streamed bodies) is scrubbed of the secrets this run has read, after it is fully built and
 * before it is cut or written. It matches each secret plain, percent-encoded in either case,
 * form-encoded and form-decoded, base64 (alone, in any alignment, and inside a `Basic` id:secret),
 * JSON-escaped (once and twice), HTML-escaped and in our terminal-safe display form, including
 * any mix of these within one occurrence. Secrets are at least 8 characters long (the loader
 * refuses shorter ones), so no ordinary word is ever rewritten.
 */
export class Redactor {
  private readonly targets = new Set<string>();
  private pattern: RegExp | undefined;
  private bytePattern: RegExp | undefined;
  private byteLongest = 0;

  addSecret(plain: string, clientId?: string): void {
    if (plain === '') return;
    const targets = [plain, ...base64Cores(plain)];
    const bytes = (text: string) => Buffer.from(text, 'utf8');
    targets.push(bytes(plain).toString('base64'), bytes(plain).toString('base64url'));
    const decoded = formDecode(plain);
    if (decoded !== undefined && decoded !== plain) targets.push(decoded);
    if (clientId !== undefined) {
      for (const pair of [
        `${clientId}:${plain}`,
        `${formUrlEncode(clientId)}:${formUrlEncode(plain)}`,
      ]) {
        targets.push(bytes(pair).toString('base64'), bytes(pair).toString('base64url'));
      }
    }
    for (const target of targets) this.targets.add(target);
    this.pattern = undefined;
    this.bytePattern = undefined;
  }

  /** True once a secret is known; before that, redaction is the identity. */
  get active(): boolean {
    return this.targets.size > 0;
  }

  private build(view: (target: string) => string): { regex: RegExp; longest: number } {
    const parts = [...this.targets]
      .map(view)
      .sort((a, b) => b.length - a.length)
      .map(targetPattern);
    return {
      regex: new RegExp(parts.map((p) => p.source).join('|'), 'g'),
      longest: Math.max(...parts.map((p) => p.maxLength)),
    };
  }

  redact(text: string): string {
    if (!this.active || text === '') return text;
    this.pattern ??= this.build((t) => t).regex;
    return text.replace(this.pattern, MASK);
  }

  /**
   * A redactor for a byte stream of any size (an API body written as it arrives): bytes pass
   * unchanged unless they hold a secret, with just enough held back that a secret split across
   * two chunks is still found.
   */
  stream(): { push(chunk: Buffer): Buffer; end(): Buffer } {
    // Built at the first chunk, not here: the secret may be read after the stream is set up.
    const pattern = (): { regex: RegExp; hold: number } => {
      if (!this.bytePattern) {
        // Bytes as latin1 characters: one byte is one character, so any byte passes unchanged.
        const built = this.build((t) => Buffer.from(t, 'utf8').toString('latin1'));
        this.bytePattern = built.regex;
        this.byteLongest = built.longest;
      }
      return { regex: this.bytePattern, hold: this.byteLongest };
    };
    let pending = '';
    return {
      push: (chunk) => {
        if (!this.active) return chunk;
        const { regex, hold } = pattern();
        pending = (pending + chunk.toString('latin1')).replace(regex, MASK);
        const ready = pending.slice(0, Math.max(0, pending.length - hold));
        pending = pending.slice(ready.length);
        return Buffer.from(ready, 'latin1');
      },
      end: () => {
        if (pending === '') return Buffer.alloc(0);
        const rest = pending.replace(pattern().regex, MASK);
        pending = '';
        return Buffer.from(rest, 'latin1');
      },
    };
  }
}
