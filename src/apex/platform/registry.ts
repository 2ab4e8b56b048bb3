import type { Interpreter } from '../interpreter/interpreter.ts';
import type { SourcePosition } from '../interpreter/errors.ts';
import type { TypeName, Value } from '../interpreter/values.ts';

/** What a platform member can reach: the interpreter and the position of the call. */
export interface PlatformContext {
  readonly interp: Interpreter;
  readonly where: SourcePosition;
  /** Throws an Apex exception of a platform type, e.g. `System.ListException`. */
  throwApex(type: string, message: string): never;
  /** Stops with APEX_UNSUPPORTED naming the member. */
  unsupported(member: string): never;
}

export type PlatformFn<S = Value> = (
  ctx: PlatformContext,
  args: Value[],
  self: S,
) => Value | Promise<Value>;

/**
 * One platform class: its static methods and properties, its constructor and the methods of its
 * instances. Keys are lower case (Apex names are case-insensitive). Every member listed here is
 * in docs/apex-profile.md; anything else is APEX_UNSUPPORTED.
 */
export interface PlatformType {
  /** Canonical name, e.g. `String`, `Cache.Org`, `HttpRequest`. */
  name: string;
  statics?: Record<string, PlatformFn<undefined>>;
  staticProps?: Record<string, (ctx: PlatformContext) => Value>;
  construct?: (ctx: PlatformContext, args: Value[], type: TypeName) => Value | Promise<Value>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each type knows its own receiver
  methods?: Record<string, PlatformFn<any>>;
}

export class PlatformRegistry {
  private readonly types = new Map<string, PlatformType>();

  register(...types: PlatformType[]): this {
    for (const type of types) this.types.set(type.name.toLowerCase(), type);
    return this;
  }

  /** Every registered type, for the profile document and its test. */
  all(): PlatformType[] {
    return [...this.types.values()];
  }

  /** Finds a type by name, with or without the `System.` namespace. */
  find(name: string): PlatformType | undefined {
    const key = name.toLowerCase();
    return (
      this.types.get(key) ?? (key.startsWith('system.') ? this.types.get(key.slice(7)) : undefined)
    );
  }
}

export function arg<V extends Value>(args: Value[], index: number): V {
  return (args[index] ?? null) as V;
}
