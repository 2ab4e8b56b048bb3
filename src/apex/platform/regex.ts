import { NativeObject, ApexList, T, type Value } from '../interpreter/values.ts';
import { arg, type PlatformContext, type PlatformType } from './registry.ts';

/**
 * Java regular expressions (which Apex uses) as JavaScript RegExps. Leading inline flags such as
 * `(?is)` become RegExp flags; `\A`, `\z` and `\Z` become anchors. Constructs without a JavaScript
 * equivalent (possessive quantifiers, atomic groups) stop with APEX_UNSUPPORTED.
 */
export function javaRegex(ctx: PlatformContext, pattern: string, global = true): RegExp {
  let source = pattern;
  let flags = global ? 'g' : '';
  const inline = /^\(\?([imsux]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const flag of inline[1]!) if ('ims'.includes(flag) && !flags.includes(flag)) flags += flag;
  }
  // \Q…\E (Pattern.quote): everything between is literal.
  source = source.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_m, text: string) =>
    text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'),
  );
  // Outside character classes only: in `[*+]` the `+` is a literal, not a possessive quantifier.
  const outsideClasses = source.replace(/\[(?:\\[\s\S]|[^\]\\])*\]/g, '');
  if (/(?<!\\)(?:[*+?}])\+|\(\?>/.test(outsideClasses))
    return ctx.unsupported(`the Java regular expression ${pattern}`);
  source = source.replace(/\\A/g, '^').replace(/\\[zZ]/g, '$');
  if (/\\p\{/.test(source)) flags += 'u';
  try {
    return new RegExp(source, flags);
  } catch {
    return ctx.throwApex('System.StringException', `Invalid regex: ${pattern}`);
  }
}

/** Java's replacement syntax: `$1` is a group, `\$` a dollar sign. */
export function javaReplacement(
  replacement: string,
): (match: string, ...groups: unknown[]) => string {
  return (match: string, ...rest: unknown[]) => {
    const groups = rest.slice(
      0,
      rest.findIndex((r) => typeof r === 'number'),
    );
    let out = '';
    for (let i = 0; i < replacement.length; i++) {
      const c = replacement[i]!;
      if (c === '\\' && i + 1 < replacement.length) out += replacement[++i];
      else if (c === '$' && /\d/.test(replacement[i + 1] ?? '')) {
        const n = Number(replacement[++i]);
        out += n === 0 ? match : ((groups[n - 1] as string | undefined) ?? '');
      } else out += c;
    }
    return out;
  };
}

/** Java's String.split(regex, limit): trailing empty strings dropped when limit is 0. */
export function javaSplit(
  ctx: PlatformContext,
  text: string,
  pattern: string,
  limit = 0,
): string[] {
  if (text === '') return [''];
  const regex = javaRegex(ctx, pattern);
  const parts: string[] = [];
  let start = 0;
  for (const match of text.matchAll(regex)) {
    if (limit > 0 && parts.length === limit - 1) break;
    const index = match.index;
    if (match[0] === '' && (index === 0 || index >= text.length)) continue;
    if (index === 0 && match[0] !== '' && start === 0 && parts.length === 0) {
      // A match at the very start gives a leading empty string (Java keeps it unless zero-width).
      parts.push('');
      start = match[0].length;
      continue;
    }
    parts.push(text.slice(start, index));
    start = index + match[0].length;
  }
  parts.push(text.slice(start));
  if (limit === 0) while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (limit === 0 && parts.length === 1 && parts[0] === '' && text !== '') return [];
  return parts;
}

interface MatcherState {
  regex: RegExp;
  pattern: string;
  input: string;
  match: RegExpExecArray | null;
  position: number;
}

interface PatternState {
  pattern: string;
  describe(): string;
}

function matcherOf(ctx: PlatformContext, self: NativeObject<MatcherState>): RegExpExecArray {
  if (!self.state.match) return ctx.throwApex('System.StringException', 'No match found');
  return self.state.match;
}

export const regexTypes: PlatformType[] = [
  {
    name: 'Pattern',
    statics: {
      compile: (ctx, args) => {
        const pattern = arg<string>(args, 0);
        if (pattern === null) return ctx.interp.npe();
        javaRegex(ctx, pattern);
        return new NativeObject<PatternState>('Pattern', { pattern, describe: () => pattern });
      },
      matches: (ctx, args) => {
        const regex = javaRegex(ctx, arg<string>(args, 0), false);
        const input = arg<string>(args, 1);
        const match = new RegExp(`^(?:${regex.source})$`, regex.flags).exec(input);
        return match !== null;
      },
      quote: (_ctx, args) => `\\Q${arg<string>(args, 0)}\\E`,
    },
    methods: {
      matcher: (ctx, args, self: NativeObject<PatternState>) => {
        const input = arg<string>(args, 0);
        if (input === null) return ctx.interp.npe();
        return new NativeObject<MatcherState>('Matcher', {
          regex: javaRegex(ctx, self.state.pattern),
          pattern: self.state.pattern,
          input,
          match: null,
          position: 0,
        });
      },
      pattern: (_ctx, _args, self: NativeObject<PatternState>) => self.state.pattern,
      split: (ctx, args, self: NativeObject<PatternState>) =>
        new ApexList(T.string, javaSplit(ctx, arg<string>(args, 0), self.state.pattern)),
    },
  },
  {
    name: 'Matcher',
    statics: {
      // A replacement string that stands for itself: `\` and `$` are escaped.
      quotereplacement: (ctx, args) => {
        const value = args[0] ?? null;
        if (value === null) return ctx.interp.npe();
        return String(value).replace(/[\\$]/g, '\\$&');
      },
    },
    methods: {
      find: (_ctx, args, self: NativeObject<MatcherState>) => {
        const state = self.state;
        if (args.length === 1) state.position = arg<number>(args, 0);
        state.regex.lastIndex = state.position;
        state.match = state.regex.exec(state.input);
        if (state.match)
          state.position =
            state.match.index +
            Math.max(state.match[0].length, state.match[0].length === 0 ? 1 : 0);
        return state.match !== null;
      },
      matches: (_ctx, _args, self: NativeObject<MatcherState>) => {
        const state = self.state;
        const whole = new RegExp(`^(?:${state.regex.source})$`, state.regex.flags.replace('g', ''));
        state.match = whole.exec(state.input);
        return state.match !== null;
      },
      lookingat: (_ctx, _args, self: NativeObject<MatcherState>) => {
        const state = self.state;
        const start = new RegExp(`^(?:${state.regex.source})`, state.regex.flags.replace('g', ''));
        state.match = start.exec(state.input);
        return state.match !== null;
      },
      group: (ctx, args, self: NativeObject<MatcherState>) => {
        const match = matcherOf(ctx, self);
        const index = args.length ? arg<number>(args, 0) : 0;
        if (index < 0 || index >= match.length)
          return ctx.throwApex('System.StringException', `No group ${index}`);
        return match[index] ?? null;
      },
      groupcount: (_ctx, _args, self: NativeObject<MatcherState>) =>
        new RegExp(`${self.state.regex.source}|`).exec('')!.length - 1,
      start: (ctx, _args, self: NativeObject<MatcherState>) => matcherOf(ctx, self).index,
      end: (ctx, _args, self: NativeObject<MatcherState>) => {
        const match = matcherOf(ctx, self);
        return match.index + match[0].length;
      },
      replaceall: (ctx, args, self: NativeObject<MatcherState>) =>
        self.state.input.replace(
          javaRegex(ctx, self.state.pattern),
          javaReplacement(arg<string>(args, 0)),
        ),
      replacefirst: (ctx, args, self: NativeObject<MatcherState>) =>
        self.state.input.replace(
          javaRegex(ctx, self.state.pattern, false),
          javaReplacement(arg<string>(args, 0)),
        ),
      reset: (_ctx, args, self: NativeObject<MatcherState>) => {
        if (args.length) self.state.input = arg<string>(args, 0);
        self.state.position = 0;
        self.state.match = null;
        return self as unknown as Value;
      },
    },
  },
];
