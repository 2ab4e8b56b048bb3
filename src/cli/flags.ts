import { parseArgs } from 'node:util';
import { CalloutError } from '../errors/index.ts';
import { closest } from '../util/closest.ts';

/**
 * Typed command-line flags over node:util parseArgs, in the spirit of oclif's `Flags`: each
 * command declares its flags once, `run()` receives them validated and typed (camelCase keys),
 * and every usage error (unknown flag with a "did you mean", missing value, out-of-range number,
 * value outside a set) comes from here.
 */
interface FlagBase {
  description: string;
  short?: string;
  /** The placeholder shown in help, e.g. `ORG`. */
  valueName?: string;
}

export interface FlagDef<T> extends FlagBase {
  readonly kind: 'string' | 'boolean' | 'number' | 'enum' | 'strings';
  /** Turns the raw parseArgs value (undefined when absent) into the typed value, or throws. */
  readonly parse: (raw: string | boolean | string[] | undefined, name: string) => T;
  /** Boolean flags that default to on are shown as --[no-]name. */
  readonly negatable?: boolean;
  readonly values?: readonly string[];
}

export type FlagDefs = Record<string, FlagDef<unknown>>;

type Camel<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S;

/** The typed values of a command's flags, keyed in camelCase (`target-org` → `targetOrg`). */
export type FlagValues<F extends FlagDefs> = {
  [K in keyof F as Camel<K & string>]: F[K] extends FlagDef<infer T> ? T : never;
};

const usage = (message: string, name?: string) =>
  new CalloutError('USAGE', message, {
    ...(name ? { actions: [`Run \`callout ${name} --help\` for its options.`] } : {}),
  });

export const Flags = {
  string(options: FlagBase): FlagDef<string | undefined> {
    return {
      ...options,
      kind: 'string',
      parse: (raw) => (typeof raw === 'string' ? raw : undefined),
    };
  },
  /** A boolean; `default: true` makes it negatable (`--no-probe`). */
  boolean(options: FlagBase & { default?: boolean }): FlagDef<boolean> {
    const fallback = options.default ?? false;
    return {
      ...options,
      kind: 'boolean',
      negatable: fallback,
      parse: (raw) => (typeof raw === 'boolean' ? raw : fallback),
    };
  },
  /** A number within [min, max]; `exclusiveMin` for "greater than". */
  number(
    options: FlagBase & { min?: number; max?: number; exclusiveMin?: boolean; default: number },
  ): FlagDef<number> {
    return {
      ...options,
      kind: 'number',
      parse: (raw, name) => {
        if (typeof raw !== 'string') return options.default;
        const value = Number(raw);
        const low = options.min;
        const tooLow = low !== undefined && (options.exclusiveMin ? value <= low : value < low);
        const tooHigh = options.max !== undefined && value > options.max;
        if (raw.trim() === '' || !Number.isFinite(value) || tooLow || tooHigh) {
          const range = [
            low !== undefined ? `${options.exclusiveMin ? 'greater than' : 'at least'} ${low}` : '',
            options.max !== undefined ? `at most ${options.max}` : '',
          ]
            .filter(Boolean)
            .join(' and ');
          throw usage(`--${name} takes a number${range ? ` ${range}` : ''}, got "${raw}".`);
        }
        return value;
      },
    };
  },
  /** One of a fixed set of values. */
  option<const V extends string, D extends V | undefined = undefined>(
    values: readonly V[],
    options: FlagBase & { default?: D },
  ): FlagDef<D extends V ? V : V | undefined> {
    return {
      ...options,
      kind: 'enum',
      values,
      valueName: options.valueName ?? values.join('|'),
      parse: (raw, name) => {
        if (typeof raw !== 'string') return options.default as D extends V ? V : V | undefined;
        const match = values.find((v) => v.toLowerCase() === raw.toLowerCase());
        if (match === undefined) {
          const guess = closest(raw, values);
          throw usage(
            `--${name} must be one of ${values.join(', ')}, got "${raw}".${guess ? ` Did you mean ${guess}?` : ''}`,
          );
        }
        return match;
      },
    };
  },
  /** A repeatable string flag. */
  strings(options: FlagBase): FlagDef<string[]> {
    return {
      ...options,
      kind: 'strings',
      parse: (raw) => (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []),
    };
  },
};

export { closest } from '../util/closest.ts';

const camel = (name: string) => name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());

export interface ParsedArgs<F extends FlagDefs> {
  flags: FlagValues<F>;
  positionals: string[];
}

/**
 * Parses a command's arguments: flags anywhere among the positionals, `--no-x` for negatable
 * booleans, `--` ends the flags. `command` names the command in error messages.
 */
export function parseFlags<F extends FlagDefs>(
  args: string[],
  defs: F,
  command: string,
): ParsedArgs<F> {
  const options = Object.fromEntries(
    Object.entries(defs).map(([name, def]) => [
      name,
      {
        type: def.kind === 'boolean' ? ('boolean' as const) : ('string' as const),
        ...(def.kind === 'strings' ? { multiple: true } : {}),
        ...(def.short ? { short: def.short } : {}),
      },
    ]),
  );
  const { tokens } = parseArgs({
    args,
    options,
    allowPositionals: true,
    allowNegative: true,
    strict: false,
    tokens: true,
  });
  const raw: Record<string, string | boolean | string[]> = {};
  const positionals: string[] = [];
  const known = Object.keys(defs);
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    // parseArgs reports `--no-x` as option x (allowNegative); the raw name tells them apart.
    const negated = token.rawName === `--no-${token.name}` || token.name.startsWith('no-');
    const name = token.name.startsWith('no-') ? token.name.slice(3) : token.name;
    const def = defs[name];
    if (!def || (negated && def.kind !== 'boolean')) {
      const guess = closest(token.rawName.replace(/^-+/, ''), known);
      throw usage(
        `Unknown flag ${token.rawName} for \`callout ${command}\`.${guess ? ` Did you mean --${guess}?` : ''}`,
        command,
      );
    }
    if (def.kind === 'boolean') {
      if (token.value !== undefined)
        throw usage(`--${name} takes no value (got "${token.value}").`, command);
      raw[name] = !negated;
    } else {
      if (token.value === undefined)
        throw usage(
          `--${name} needs a value${def.valueName ? ` (${def.valueName})` : ''}.`,
          command,
        );
      if (def.kind === 'strings') raw[name] = [...((raw[name] as string[]) ?? []), token.value];
      else raw[name] = token.value;
    }
  }
  const flags: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) flags[camel(name)] = def.parse(raw[name], name);
  return { flags: flags as FlagValues<F>, positionals };
}
