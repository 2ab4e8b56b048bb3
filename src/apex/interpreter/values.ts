import { ApexDecimal } from '../decimal.ts';
import { CalloutError } from '../../errors/index.ts';
import type { ClassInfo } from './classes.ts';

/** A type as the runtime knows it: a canonical name (`String`, `List`, `Outer.Inner`) and type arguments. */
export interface TypeName {
  readonly name: string;
  readonly args: readonly TypeName[];
}

export const typeName = (name: string, args: readonly TypeName[] = []): TypeName => ({
  name,
  args,
});

export const T = {
  object: typeName('Object'),
  string: typeName('String'),
  integer: typeName('Integer'),
  long: typeName('Long'),
  double: typeName('Double'),
  decimal: typeName('Decimal'),
  boolean: typeName('Boolean'),
  blob: typeName('Blob'),
  id: typeName('Id'),
  date: typeName('Date'),
  datetime: typeName('Datetime'),
  time: typeName('Time'),
};

export function formatType(type: TypeName): string {
  return type.args.length ? `${type.name}<${type.args.map(formatType).join(',')}>` : type.name;
}

/** Double: a boxed IEEE 754 number, so that it is told apart from an Integer. */
export class ApexDouble {
  readonly value: number;
  constructor(value: number) {
    this.value = value;
  }
}

export class ApexBlob {
  readonly bytes: Buffer;
  constructor(bytes: Buffer) {
    this.bytes = bytes;
  }
}

/** Date (midnight GMT) and Datetime: epoch milliseconds. */
export class ApexDatetime {
  readonly millis: number;
  /** A Time holds the milliseconds since midnight (0 to 86,399,999). */
  readonly kind: 'Date' | 'Datetime' | 'Time';
  constructor(millis: number, kind: 'Date' | 'Datetime' | 'Time') {
    this.millis = millis;
    this.kind = kind;
  }
}

export class ApexList {
  readonly elementType: TypeName;
  readonly items: Value[];
  constructor(elementType: TypeName, items: Value[] = []) {
    this.elementType = elementType;
    this.items = items;
  }
}

export class ApexSet {
  readonly entries: Map<string, Value>;
  readonly elementType: TypeName;
  constructor(elementType: TypeName, entries?: Map<string, Value>) {
    this.elementType = elementType;
    this.entries = entries ?? new Map<string, Value>();
  }
}

/**
 * Map.keySet(): a view of the map's keys, so that the set follows later puts and removes, and
 * removing from the set removes from the map. Adding to it is not supported.
 */
export class MapKeyView extends Map<string, Value> {
  private readonly source: Map<string, [Value, Value]>;
  constructor(source: Map<string, [Value, Value]>) {
    super();
    this.source = source;
  }
  override get size(): number {
    return this.source.size;
  }
  override get(key: string): Value | undefined {
    return this.source.get(key)?.[0];
  }
  override has(key: string): boolean {
    return this.source.has(key);
  }
  override delete(key: string): boolean {
    return this.source.delete(key);
  }
  override clear(): void {
    this.source.clear();
  }
  override set(): this {
    throw new CalloutError('APEX_UNSUPPORTED', "Adding to a Map's keySet() is not supported.");
  }
  override keys(): MapIterator<string> {
    return this.source.keys();
  }
  override *values(): MapIterator<Value> {
    for (const [key] of this.source.values()) yield key;
  }
  override *entries(): MapIterator<[string, Value]> {
    for (const [hash, [key]] of this.source) yield [hash, key];
  }
  override [Symbol.iterator](): MapIterator<[string, Value]> {
    return this.entries();
  }
  override forEach(callback: (value: Value, key: string, map: Map<string, Value>) => void): void {
    for (const [hash, [key]] of this.source) callback(key, hash, this);
  }
}

export class ApexMap {
  readonly entries = new Map<string, [Value, Value]>();
  readonly keyType: TypeName;
  readonly valueType: TypeName;
  constructor(keyType: TypeName, valueType: TypeName) {
    this.keyType = keyType;
    this.valueType = valueType;
  }
}

/** What an Exception object carries beyond its fields. */
export interface ExceptionState {
  message: string | null;
  cause: ApexObject | null;
  line: number;
  column: number;
  stackTrace: string;
}

/** An instance of a user class (or of a platform exception). */
export class ApexObject {
  readonly fields = new Map<string, Value>();
  exception?: ExceptionState;
  readonly cls: ClassInfo;
  constructor(cls: ClassInfo) {
    this.cls = cls;
  }
}

/** An sObject; here only Custom Metadata records. Field names keep their declared case for output. */
export class ApexSObject {
  readonly fields = new Map<string, { name: string; value: Value }>();
  readonly type: string;
  constructor(type: string) {
    this.type = type;
  }
}

/** A value of System.Type (`Foo.class`). */
export class ApexType {
  readonly type: TypeName;
  constructor(type: TypeName) {
    this.type = type;
  }
}

export class ApexEnumValue {
  readonly enumName: string;
  readonly name: string;
  readonly ordinal: number;
  constructor(enumName: string, name: string, ordinal: number) {
    this.enumName = enumName;
    this.name = name;
    this.ordinal = ordinal;
  }
}

/** A platform object (HttpRequest, Pattern, …) whose state lives in TypeScript. */
export class NativeObject<S = unknown> {
  readonly typeName: string;
  readonly state: S;
  constructor(typeName: string, state: S) {
    this.typeName = typeName;
    this.state = state;
  }
}

export type Value =
  | null
  | string
  | boolean
  | number
  | bigint
  | ApexDouble
  | ApexDecimal
  | ApexBlob
  | ApexDatetime
  | ApexList
  | ApexSet
  | ApexMap
  | ApexObject
  | ApexSObject
  | ApexType
  | ApexEnumValue
  | NativeObject;

/** The runtime type name of a value, as `getTypeName`-like messages and instanceof need it. */
export function runtimeTypeName(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'number') return 'Integer';
  if (typeof value === 'bigint') return 'Long';
  if (value instanceof ApexDouble) return 'Double';
  if (value instanceof ApexDecimal) return 'Decimal';
  if (value instanceof ApexBlob) return 'Blob';
  if (value instanceof ApexDatetime) return value.kind;
  if (value instanceof ApexList) return `List<${formatType(value.elementType)}>`;
  if (value instanceof ApexSet) return `Set<${formatType(value.elementType)}>`;
  if (value instanceof ApexMap)
    return `Map<${formatType(value.keyType)},${formatType(value.valueType)}>`;
  if (value instanceof ApexObject) return value.cls.name;
  if (value instanceof ApexSObject) return value.type;
  if (value instanceof ApexType) return 'System.Type';
  if (value instanceof ApexEnumValue) return value.enumName;
  return value.typeName;
}

/** Java's Double.toString, which String.valueOf(Double) follows. */
export function formatDouble(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(value);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const text = String(value);
    return text.includes('.') ? text : `${text}.0`;
  }
  const [mantissa = '', exponent = ''] = value.toExponential().split('e');
  const digits = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
  return `${digits}E${exponent.replace('+', '')}`;
}

function pad(value: number, length = 2): string {
  return String(value).padStart(length, '0');
}

export function formatDate(value: ApexDatetime, withTime: boolean): string {
  const d = new Date(value.millis);
  // String.valueOf(Time): HH:mm:ss.SSSZ, e.g. 18:30:02.020Z.
  if (value.kind === 'Time')
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}Z`;
  const date = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  return withTime
    ? `${date} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
    : date;
}

/** What System.debug prints: String.valueOf, except that a Date shows its (midnight) time too. */
export function debugString(value: Value): string {
  return stringValueOf(value, true);
}

/** The first 11 items: enough to tell whether a collection's string form is truncated. */
export function* firstItems<V>(items: Iterable<V>): Generator<V> {
  let count = 0;
  for (const item of items) {
    if (count++ > 10) return;
    yield item;
  }
}

/** "Up to 10 items per collection are included in the output, followed by an ellipsis." */
export function joinItems(parts: string[]): string {
  return parts.length > 10 ? `${parts.slice(0, 10).join(', ')}, ...` : parts.join(', ');
}

/** String.valueOf(x). */
export function stringValueOf(value: Value, debug = false): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number' || typeof value === 'bigint')
    return String(value);
  if (value instanceof ApexDouble) return formatDouble(value.value);
  if (value instanceof ApexDecimal) return value.toString();
  if (value instanceof ApexBlob) return `Blob[${value.bytes.length}]`;
  if (value instanceof ApexDatetime) return formatDate(value, debug || value.kind === 'Datetime');
  const render = (item: Value): string => stringValueOf(item, debug);
  if (value instanceof ApexList) return `(${joinItems(value.items.slice(0, 11).map(render))})`;
  if (value instanceof ApexSet)
    return `{${joinItems([...firstItems(value.entries.values())].map(render))}}`;
  if (value instanceof ApexMap)
    return `{${joinItems([...firstItems(value.entries.values())].map(([k, v]) => `${render(k)}=${render(v)}`))}}`;
  if (value instanceof ApexObject) {
    if (value.exception) {
      const message = value.exception.message;
      return message === null ? value.cls.name : `${value.cls.name}: ${message}`;
    }
    const fields = [...value.fields.entries()].map(
      ([key, v]) => `${value.cls.fieldDisplayName(key)}=${stringValueOf(v)}`,
    );
    return `${value.cls.name}:[${fields.join(', ')}]`;
  }
  if (value instanceof ApexSObject)
    return `${value.type}:{${[...value.fields.values()]
      .map((field) => `${field.name}=${stringValueOf(field.value)}`)
      .join(', ')}}`;
  if (value instanceof ApexType) return value.type.name;
  if (value instanceof ApexEnumValue) return value.name;
  const describe = (value.state as { describe?: () => string } | null)?.describe;
  return describe ? describe.call(value.state) : value.typeName;
}

const identities = new WeakMap<object, number>();
let nextIdentity = 1;

export function identity(value: object): number {
  let id = identities.get(value);
  if (id === undefined) identities.set(value, (id = nextIdentity++));
  return id;
}

/**
 * The key of a value in a Set or Map: exact for Strings (case-sensitive, as Apex is for
 * collection keys), by value for numbers and collections, by identity for objects.
 */
export function keyOf(value: Value): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `s:${value}`;
  if (typeof value === 'boolean') return `b:${value}`;
  if (typeof value === 'number' || typeof value === 'bigint') return `n:${value}`;
  if (value instanceof ApexDouble) return `n:${value.value}`;
  if (value instanceof ApexDecimal) return `n:${value.stripTo(0).toString()}`;
  if (value instanceof ApexEnumValue) return `e:${value.enumName}.${value.name}`;
  if (value instanceof ApexDatetime) return `t:${value.kind}:${value.millis}`;
  if (value instanceof ApexBlob) return `x:${value.bytes.toString('hex')}`;
  if (value instanceof ApexType) return `t:${value.type.name.toLowerCase()}`;
  if (value instanceof ApexList) return `l:[${value.items.map(keyOf).join(',')}]`;
  if (value instanceof ApexSObject)
    return `o:${value.type}{${[...value.fields.entries()].map(([k, f]) => `${k}=${keyOf(f.value)}`).join(',')}}`;
  return `i:${identity(value)}`;
}

export function isNumber(value: Value): value is number | bigint | ApexDouble | ApexDecimal {
  return (
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    value instanceof ApexDouble ||
    value instanceof ApexDecimal
  );
}

/** 0 Integer, 1 Long, 2 Double, 3 Decimal: Apex widens the lower operand to the higher type. */
export function numericRank(value: number | bigint | ApexDouble | ApexDecimal): number {
  if (typeof value === 'number') return 0;
  if (typeof value === 'bigint') return 1;
  if (value instanceof ApexDouble) return 2;
  return 3;
}

export function toDecimal(value: number | bigint | ApexDouble | ApexDecimal): ApexDecimal {
  if (value instanceof ApexDecimal) return value;
  if (value instanceof ApexDouble) return ApexDecimal.fromDouble(value.value);
  return ApexDecimal.fromInteger(value);
}

export function toJsNumber(value: number | bigint | ApexDouble | ApexDecimal): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof ApexDouble) return value.value;
  return value.toNumber();
}

export function toBigInt(value: number | bigint | ApexDouble | ApexDecimal): bigint {
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'bigint') return value;
  if (value instanceof ApexDouble) return BigInt(Math.trunc(value.value));
  return value.toBigInt();
}

export function compareNumbers(
  a: number | bigint | ApexDouble | ApexDecimal,
  b: number | bigint | ApexDouble | ApexDecimal,
): number {
  const rank = Math.max(numericRank(a), numericRank(b));
  if (rank <= 1) {
    const x = toBigInt(a);
    const y = toBigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (rank === 2 && !(a instanceof ApexDecimal) && !(b instanceof ApexDecimal)) {
    const x = toJsNumber(a);
    const y = toJsNumber(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return toDecimal(a).compare(toDecimal(b));
}

/**
 * Apex equality. `==` compares Strings ignoring case; `equals` (and Map/Set keys, Assert) do not.
 * Collections and sObjects compare by content, user objects by identity.
 */
export function apexEquals(a: Value, b: Value, ignoreCase: boolean): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'string' && typeof b === 'string')
    return ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b;
  if (isNumber(a) && isNumber(b)) return compareNumbers(a, b) === 0;
  if (typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (a instanceof ApexList && b instanceof ApexList)
    return (
      a.items.length === b.items.length &&
      a.items.every((x, i) => apexEquals(x, b.items[i] ?? null, ignoreCase))
    );
  if (a instanceof ApexSet && b instanceof ApexSet)
    return (
      a.entries.size === b.entries.size && [...a.entries.keys()].every((k) => b.entries.has(k))
    );
  if (a instanceof ApexMap && b instanceof ApexMap)
    return (
      a.entries.size === b.entries.size &&
      [...a.entries.entries()].every(([k, [, v]]) => {
        const other = b.entries.get(k);
        return other !== undefined && apexEquals(v, other[1], ignoreCase);
      })
    );
  if (a instanceof ApexEnumValue && b instanceof ApexEnumValue)
    return a.enumName === b.enumName && a.name === b.name;
  if (a instanceof ApexDatetime && b instanceof ApexDatetime) return a.millis === b.millis;
  if (a instanceof ApexBlob && b instanceof ApexBlob) return a.bytes.equals(b.bytes);
  if (a instanceof ApexType && b instanceof ApexType)
    return a.type.name.toLowerCase() === b.type.name.toLowerCase();
  if (a instanceof ApexSObject && b instanceof ApexSObject) return keyOf(a) === keyOf(b);
  return a === b;
}
