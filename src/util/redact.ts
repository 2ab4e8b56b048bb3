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

/** JSON's short escapes (the character after the backslash). */
const JSON_SHORT: Record<string, string> = {
  '"': '"',
  '\\': '\\\\',
  '/': '/',
  '\b': 'b',
  '\f': 'f',
  '\n': 'n',
  '\r': 'r',
  '\t': 't',
};

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `n` in hex as a pattern that takes its letters in either case: 0x2b -> `2[bB]`. */
function hexPattern(n: number, width = 1): string {
  return n
    .toString(16)
    .padStart(width, '0')
    .replace(/[a-f]/g, (d) => `[${d}${d.toUpperCase()}]`);
}

/** One or two backslashes: an escape, or the same escape escaped again by JSON. */
const ESCAPE = '\\\\+';

/**
 * A pattern for one character of a secret in every form it can take in output: as is,
 * percent-encoded (either case), form-encoded (`+` for a space, and a `+` that a server
 * form-decoded into a space), JSON escapes once or twice (`\"`, `\\\"`, `\u00e9`, `\\u00e9`),
 * HTML references (named, decimal, hex), and the terminal-safe display (`\x01`, `\e`).
 * `maxLength` bounds the length of a match.
 */
function characterPattern(c: string): { source: string; maxLength: number } {
  const code = c.codePointAt(0)!;
  const units = [...Array(c.length).keys()].map((i) => c.charCodeAt(i));
  const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
  // Alternatives grouped by their first character, which keeps the expression small and fast.
  const plain = [escapeRegExp(c)];
  if (control || /\s/.test(c) || c === '+') plain.push(' ');
  if (c === ' ') plain.push('\\+');
  const percent = [
    [...Buffer.from(c, 'utf8')].map((b, i) => `${i > 0 ? '%' : ''}${hexPattern(b, 2)}`).join(''),
  ];
  if (c === '+') percent.push('20');
  const escaped = [units.map((u, i) => `${i > 0 ? ESCAPE : ''}u${hexPattern(u, 4)}`).join('')];
  const short = JSON_SHORT[c];
  if (short !== undefined && c !== '\\') escaped.push(escapeRegExp(short));
  if (control) escaped.push(`x${hexPattern(code, 2)}`);
  if (code === 0x1b) escaped.push('e');
  // A backslash is itself a run of one or more backslashes (escaped once, twice, ...).
  const escapeGroup = `${ESCAPE}(?:${escaped.join('|')})${c === '\\' ? '?' : ''}`;
  const references = [`#(?:0*${code}|[xX]0*${hexPattern(code)});?`];
  const names = HTML_NAMES[c];
  if (names) references.push(`(?:${names.join('|')});`);
  const source = `(?:${plain.join('|')}|%(?:${percent.join('|')})|${escapeGroup}|&(?:${references.join('|')}))`;
  return { source, maxLength: 24 + 8 * units.length };
}

/** A regular expression source matching `target` with each character in any of its forms. */
function targetPattern(target: Target): { source: string; maxLength: number } {
  let source = '';
  let maxLength = 0;
  for (const c of target.text) {
    const part = characterPattern(c);
    // base64 and base64url differ in two characters only: one pattern serves both.
    const url = target.base64 && (c === '+' || c === '/');
    source += url
      ? `(?:${part.source}|${characterPattern(c === '+' ? '-' : '_').source})`
      : part.source;
    maxLength += part.maxLength;
  }
  return { source, maxLength };
}

interface Target {
  text: string;
  base64: boolean;
}

/**
 * The characters of base64(`secret`) that depend on the secret alone, for each of the three byte
 * alignments it can have inside a longer base64 text (a Basic credential, a base64 body).
 */
function base64Cores(secret: string): Target[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores: Target[] = [];
  for (const shift of [0, 1, 2]) {
    const padded = Buffer.concat([Buffer.alloc(shift), bytes]);
    const first = shift === 0 ? 0 : 1;
    const end = Math.floor(padded.length / 3);
    if (end - first < 2) continue;
    cores.push({ text: padded.toString('base64').slice(first * 4, end * 4), base64: true });
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
  private readonly targets = new Map<string, Target>();
  private pattern: RegExp | undefined;
  private bytePattern: RegExp | undefined;
  private byteLongest = 0;

  /**
   * Registers a secret. A `Basic` credential needs no pattern of its own: base64(id:secret)
   * holds the secret's base64 core in one of the three alignments, so `clientId` is not needed.
   */
  addSecret(plain: string, _clientId?: string): void {
    if (plain === '') return;
    const targets: Target[] = [{ text: plain, base64: false }, ...base64Cores(plain)];
    // RFC 6749 section 2.3.1 Basic: base64 of the form-encoded pair.
    const encoded = formUrlEncode(plain);
    if (encoded !== plain) targets.push(...base64Cores(encoded));
    const decoded = formDecode(plain);
    if (decoded !== undefined && decoded !== plain) targets.push({ text: decoded, base64: false });
    for (const target of targets) this.targets.set(`${target.base64}:${target.text}`, target);
    this.pattern = undefined;
    this.bytePattern = undefined;
  }

  /** True once a secret is known; before that, redaction is the identity. */
  get active(): boolean {
    return this.targets.size > 0;
  }

  private build(view: (text: string) => string): { regex: RegExp; longest: number } {
    const parts = [...this.targets.values()]
      .map((target) => ({ ...target, text: view(target.text) }))
      .sort((a, b) => b.text.length - a.text.length)
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
