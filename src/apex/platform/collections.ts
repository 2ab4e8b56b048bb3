import { coerce } from '../interpreter/interpreter.ts';
import {
  ApexList,
  ApexMap,
  ApexObject,
  ApexSet,
  MapKeyView,
  T,
  apexEquals,
  compareNumbers,
  isNumber,
  keyOf,
  stringValueOf,
  type TypeName,
  type Value,
} from '../interpreter/values.ts';
import type { PlatformContext, PlatformFn, PlatformType } from './registry.ts';

function index(ctx: PlatformContext, args: Value[], at: number): number {
  const value = args[at] ?? null;
  if (value === null) return ctx.interp.npe();
  return value as number;
}

function checkIndex(
  ctx: PlatformContext,
  list: ApexList,
  i: number,
  size = list.items.length,
): void {
  if (i < 0 || i >= size)
    return ctx.throwApex('System.ListException', `List index out of bounds: ${i}`);
}

function itemsOf(ctx: PlatformContext, value: Value): Value[] {
  if (value === null) return ctx.interp.npe();
  if (value instanceof ApexList) return value.items;
  if (value instanceof ApexSet) return [...value.entries.values()];
  return ctx.unsupported(`a collection argument of type ${typeof value}`);
}

/** List.sort(): numbers by value, Strings by UTF-16 code units, nulls first. */
function compareForSort(ctx: PlatformContext, a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? -1 : 1;
  if (isNumber(a) && isNumber(b)) return compareNumbers(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return ctx.unsupported('List.sort on elements that are not numbers, Strings or Booleans');
}

async function compareObjects(ctx: PlatformContext, a: Value, b: Value): Promise<number> {
  if (!(a instanceof ApexObject) || !a.cls.findMethods('compareto').length)
    return ctx.unsupported('List.sort on objects that do not implement Comparable');
  const result = await ctx.interp.dispatch(a, 'compareTo', [b], {});
  return typeof result === 'number' ? result : 0;
}

async function mergeSort(
  items: Value[],
  compare: (a: Value, b: Value) => Promise<number>,
): Promise<Value[]> {
  if (items.length <= 1) return items;
  const middle = Math.floor(items.length / 2);
  const left = await mergeSort(items.slice(0, middle), compare);
  const right = await mergeSort(items.slice(middle), compare);
  const merged: Value[] = [];
  while (left.length && right.length)
    merged.push((await compare(left[0]!, right[0]!)) <= 0 ? left.shift()! : right.shift()!);
  return [...merged, ...left, ...right];
}

const listMethods: Record<string, PlatformFn<ApexList>> = {
  add: (ctx, args, list) => {
    if (args.length === 2) {
      const at = index(ctx, args, 0);
      checkIndex(ctx, list, at, list.items.length + 1);
      list.items.splice(at, 0, coerce(args[1] ?? null, list.elementType));
    } else list.items.push(coerce(args[0] ?? null, list.elementType));
    return null;
  },
  addall: (ctx, args, list) => {
    list.items.push(...itemsOf(ctx, args[0] ?? null));
    return null;
  },
  get: (ctx, args, list) => {
    const at = index(ctx, args, 0);
    checkIndex(ctx, list, at);
    return list.items[at] ?? null;
  },
  set: (ctx, args, list) => {
    const at = index(ctx, args, 0);
    checkIndex(ctx, list, at);
    list.items[at] = coerce(args[1] ?? null, list.elementType);
    return null;
  },
  remove: (ctx, args, list) => {
    const at = index(ctx, args, 0);
    checkIndex(ctx, list, at);
    return list.items.splice(at, 1)[0] ?? null;
  },
  size: (_c, _a, list) => list.items.length,
  isempty: (_c, _a, list) => list.items.length === 0,
  clear: (_c, _a, list) => {
    list.items.length = 0;
    return null;
  },
  contains: (_c, args, list) => list.items.some((item) => apexEquals(item, args[0] ?? null, false)),
  indexof: (_c, args, list) =>
    list.items.findIndex((item) => apexEquals(item, args[0] ?? null, false)),
  sort: async (ctx, _a, list) => {
    if (list.items.some((item) => item instanceof ApexObject)) {
      // User objects sort by their Comparable.compareTo (a stable merge sort, awaiting each call).
      list.items.splice(
        0,
        list.items.length,
        ...(await mergeSort(list.items, (a, b) => compareObjects(ctx, a, b))),
      );
      return null;
    }
    list.items.sort((a, b) => compareForSort(ctx, a, b));
    return null;
  },
  clone: (_c, _a, list) => new ApexList(list.elementType, [...list.items]),
  deepclone: (_c, _a, list) => new ApexList(list.elementType, [...list.items]),
  equals: (_c, args, list) => apexEquals(list, args[0] ?? null, false),
  hashcode: (_c, _a, list) => list.items.length,
  tostring: (_c, _a, list) => stringValueOf(list),
};

/** The Set/Map key of a value: user `equals`/`hashCode` where a class defines them. */
function keyFor(ctx: PlatformContext, value: Value): string | Promise<string> {
  return ctx.interp.needsUserKey(value) ? ctx.interp.collectionKey(value) : keyOf(value);
}

async function keysOf(ctx: PlatformContext, values: readonly Value[]): Promise<string[]> {
  const keys: string[] = [];
  for (const value of values) keys.push(await keyFor(ctx, value));
  return keys;
}

const setMethods: Record<string, PlatformFn<ApexSet>> = {
  add: async (ctx, args, set) => {
    const value = coerce(args[0] ?? null, set.elementType);
    const key = await keyFor(ctx, value);
    if (set.entries.has(key)) return false;
    set.entries.set(key, value);
    return true;
  },
  addall: async (ctx, args, set) => {
    const before = set.entries.size;
    const values = itemsOf(ctx, args[0] ?? null);
    const keys = await keysOf(ctx, values);
    values.forEach((value, i) => set.entries.set(keys[i]!, value));
    return set.entries.size !== before;
  },
  contains: async (ctx, args, set) => set.entries.has(await keyFor(ctx, args[0] ?? null)),
  containsall: async (ctx, args, set) =>
    (await keysOf(ctx, itemsOf(ctx, args[0] ?? null))).every((k) => set.entries.has(k)),
  remove: async (ctx, args, set) => set.entries.delete(await keyFor(ctx, args[0] ?? null)),
  removeall: async (ctx, args, set) => {
    let changed = false;
    for (const key of await keysOf(ctx, itemsOf(ctx, args[0] ?? null)))
      changed = set.entries.delete(key) || changed;
    return changed;
  },
  retainall: async (ctx, args, set) => {
    const keep = new Set(await keysOf(ctx, itemsOf(ctx, args[0] ?? null)));
    let changed = false;
    for (const key of [...set.entries.keys()])
      if (!keep.has(key)) changed = set.entries.delete(key) || changed;
    return changed;
  },
  size: (_c, _a, set) => set.entries.size,
  isempty: (_c, _a, set) => set.entries.size === 0,
  clear: (_c, _a, set) => {
    set.entries.clear();
    return null;
  },
  clone: (_c, _a, set) => {
    const copy = new ApexSet(set.elementType);
    for (const [k, v] of set.entries) copy.entries.set(k, v);
    return copy;
  },
  equals: (_c, args, set) => apexEquals(set, args[0] ?? null, false),
  tostring: (_c, _a, set) => stringValueOf(set),
};

const mapMethods: Record<string, PlatformFn<ApexMap>> = {
  put: async (ctx, args, map) => {
    const key = coerce(args[0] ?? null, map.keyType);
    const hash = await keyFor(ctx, key);
    const previous = map.entries.get(hash);
    map.entries.set(hash, [previous ? previous[0] : key, coerce(args[1] ?? null, map.valueType)]);
    return previous ? previous[1] : null;
  },
  get: async (ctx, args, map) => map.entries.get(await keyFor(ctx, args[0] ?? null))?.[1] ?? null,
  containskey: async (ctx, args, map) => map.entries.has(await keyFor(ctx, args[0] ?? null)),
  remove: async (ctx, args, map) => {
    const key = await keyFor(ctx, args[0] ?? null);
    const previous = map.entries.get(key);
    map.entries.delete(key);
    return previous ? previous[1] : null;
  },
  keyset: (_c, _a, map) => new ApexSet(map.keyType, new MapKeyView(map.entries)),
  values: (_c, _a, map) =>
    new ApexList(
      map.valueType,
      [...map.entries.values()].map(([, v]) => v),
    ),
  size: (_c, _a, map) => map.entries.size,
  isempty: (_c, _a, map) => map.entries.size === 0,
  clear: (_c, _a, map) => {
    map.entries.clear();
    return null;
  },
  putall: (ctx, args, map) => {
    const other = args[0] ?? null;
    if (!(other instanceof ApexMap)) return ctx.unsupported('Map.putAll with a List of sObjects');
    for (const [key, entry] of other.entries) map.entries.set(key, entry);
    return null;
  },
  clone: (_c, _a, map) => {
    const copy = new ApexMap(map.keyType, map.valueType);
    for (const [k, v] of map.entries) copy.entries.set(k, v);
    return copy;
  },
  equals: (_c, args, map) => apexEquals(map, args[0] ?? null, false),
  tostring: (_c, _a, map) => stringValueOf(map),
};

function elementType(type: TypeName, at = 0): TypeName {
  return type.args[at] ?? T.object;
}

export const collectionTypes: PlatformType[] = [
  {
    name: 'List',
    construct: (ctx, args, type) => {
      const list = new ApexList(elementType(type));
      if (args.length === 1) {
        const source = args[0] ?? null;
        if (typeof source === 'number') return list;
        list.items.push(...itemsOf(ctx, source));
      }
      return list;
    },
    methods: listMethods,
  },
  {
    name: 'Set',
    construct: async (ctx, args, type) => {
      const set = new ApexSet(elementType(type));
      if (args.length === 1) {
        const values = itemsOf(ctx, args[0] ?? null);
        const keys = await keysOf(ctx, values);
        values.forEach((value, i) => set.entries.set(keys[i]!, value));
      }
      return set;
    },
    methods: setMethods,
  },
  {
    name: 'Map',
    construct: (ctx, args, type) => {
      const map = new ApexMap(elementType(type, 0), elementType(type, 1));
      if (args.length === 1) {
        const source = args[0] ?? null;
        if (source instanceof ApexMap) for (const [k, v] of source.entries) map.entries.set(k, v);
        else ctx.unsupported('new Map from a List of sObjects');
      }
      return map;
    },
    methods: mapMethods,
  },
];
