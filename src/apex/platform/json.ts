import { ApexDecimal } from '../decimal.ts';
import { coerce } from '../interpreter/interpreter.ts';
import {
  ApexBlob,
  ApexDatetime,
  ApexDouble,
  ApexEnumValue,
  ApexList,
  ApexMap,
  ApexObject,
  ApexSet,
  ApexSObject,
  ApexType,
  T,
  formatDouble,
  keyOf,
  stringValueOf,
  type TypeName,
  type Value,
} from '../interpreter/values.ts';
import type { PlatformContext, PlatformType } from './registry.ts';

/** A JSON value before typing: numbers keep their text so that Integer/Long/Decimal can be told apart. */
type Raw = null | boolean | string | { number: string } | Raw[] | Map<string, Raw>;

class JsonSyntaxError extends Error {}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/**
 * Jackson's default nesting limit (StreamReadConstraints): a body nested deeper is a
 * JSONException, as in the org, never a stack overflow in the runtime.
 */
const MAX_DEPTH = 1000;

/** A strict JSON reader whose messages follow the Jackson parser behind Apex's JSON class. */
function parseJson(text: string): Raw {
  let i = 0;
  const fail = (what: string): never => {
    // Jackson's position: 1-based line, and the column after the offending character.
    const line = text.slice(0, i).split('\n').length;
    const column = i - (text.lastIndexOf('\n', i - 1) + 1) + 2;
    throw new JsonSyntaxError(`${what} at input location [${line},${column}]`);
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  let depth = 0;
  const nested = (): void => {
    if (++depth > MAX_DEPTH)
      fail(
        `Document nesting depth (${depth}) exceeds the maximum allowed (${MAX_DEPTH}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`,
      );
  };
  const value = (): Raw => {
    ws();
    const c = text[i];
    if (c === undefined) return fail('Unexpected end-of-input: expected a value');
    if (c === '{' || c === '[') nested();
    try {
      return container(c);
    } finally {
      if (c === '{' || c === '[') depth--;
    }
  };
  const container = (c: string): Raw => {
    if (c === '{') {
      i++;
      const map = new Map<string, Raw>();
      ws();
      if (text[i] === '}') {
        i++;
        return map;
      }
      for (;;) {
        ws();
        if (text[i] !== '"')
          fail(
            `Unexpected character ('${text[i] ?? ''}' (code ${text.charCodeAt(i)})): was expecting double-quote to start field name`,
          );
        const key = string();
        ws();
        if (text[i] !== ':')
          fail(
            `Unexpected character ('${text[i] ?? ''}' (code ${text.charCodeAt(i)})): was expecting a colon to separate field name and value`,
          );
        i++;
        map.set(key, value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return map;
        }
        return fail(
          `Unexpected character ('${text[i] ?? ''}' (code ${text.charCodeAt(i)})): was expecting comma to separate OBJECT entries`,
        );
      }
    }
    if (c === '[') {
      i++;
      const list: Raw[] = [];
      ws();
      if (text[i] === ']') {
        i++;
        return list;
      }
      for (;;) {
        list.push(value());
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return list;
        }
        return fail(
          `Unexpected character ('${text[i] ?? ''}' (code ${text.charCodeAt(i)})): was expecting comma to separate ARRAY entries`,
        );
      }
    }
    if (c === '"') return string();
    const literal = /^(?:true|false|null)/.exec(text.slice(i, i + 5));
    if (literal) {
      i += literal[0].length;
      return literal[0] === 'null' ? null : literal[0] === 'true';
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number) {
      i += number[0].length;
      return { number: number[0] };
    }
    return fail(
      `Unexpected character ('${c}' (code ${c.charCodeAt(0)})): expected a valid value (number, String, array, object, 'true', 'false' or 'null')`,
    );
  };
  const string = (): string => {
    i++;
    let out = '';
    for (;;) {
      // Copy the run up to the next quote or backslash in one slice.
      let end = i;
      while (end < text.length && text[end] !== '"' && text[end] !== '\\') end++;
      out += text.slice(i, end);
      i = end;
      const c = text[i++];
      if (c === undefined)
        return fail('Unexpected end-of-input: was expecting closing quote for a string value');
      if (c === '"') return out;
      const e = text[i++];
      if (e === 'u') {
        out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
        i += 4;
      } else out += { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' }[e ?? ''] ?? e ?? '';
    }
  };
  const result = value();
  ws();
  if (i < text.length)
    fail(`Unexpected character ('${text[i]}' (code ${text.charCodeAt(i)})): expected end of input`);
  return result;
}

/** deserializeUntyped: whole numbers Integer (Long when too big), fractions Decimal. */
function untyped(raw: Raw): Value {
  if (raw === null || typeof raw === 'boolean' || typeof raw === 'string') return raw;
  if (Array.isArray(raw)) return new ApexList(T.object, raw.map(untyped));
  if (raw instanceof Map) {
    const map = new ApexMap(T.string, T.object);
    for (const [k, v] of raw) map.entries.set(keyOf(k), [k, untyped(v)]);
    return map;
  }
  return numberValue(raw.number);
}

function numberValue(text: string): Value {
  if (/^-?\d+$/.test(text)) {
    const big = BigInt(text);
    if (big >= -2147483648n && big <= 2147483647n) return Number(big);
    if (big >= -9223372036854775808n && big <= 9223372036854775807n) return big;
  }
  return ApexDecimal.parse(text) ?? null;
}

/** JSON.deserialize(json, Type): the raw value shaped by the target type. */
async function typed(
  ctx: PlatformContext,
  raw: Raw,
  type: TypeName,
  strict = false,
): Promise<Value> {
  if (raw === null) return null;
  const name = type.name.toLowerCase();
  const mismatch = (): never =>
    ctx.throwApex(
      'System.JSONException',
      `Cannot deserialize ${describeRaw(raw)} into type ${type.name}`,
    );
  switch (name) {
    case 'object':
      return untyped(raw);
    case 'string':
    case 'id':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'object' && 'number' in raw) return raw.number;
      if (typeof raw === 'boolean') return String(raw);
      return mismatch();
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (typeof raw === 'string') return raw.toLowerCase() === 'true';
      return mismatch();
    case 'integer':
    case 'long':
    case 'double':
    case 'decimal': {
      const text =
        typeof raw === 'string'
          ? raw
          : typeof raw === 'object' && 'number' in raw
            ? raw.number
            : undefined;
      if (text === undefined) return mismatch();
      const decimal = ApexDecimal.parse(text);
      if (!decimal) return mismatch();
      if (name === 'decimal') return decimal;
      if (name === 'double') return new ApexDouble(Number(text));
      const whole = decimal.toBigInt();
      return name === 'long' ? BigInt.asIntN(64, whole) : Number(BigInt.asIntN(32, whole));
    }
    case 'datetime': {
      // ISO 8601 with a zone, as JSON.serialize writes it: 2011-03-22T08:15:18.000Z.
      if (typeof raw !== 'string') return mismatch();
      if (
        !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2})$/.test(raw)
      )
        return mismatch();
      const millis = Date.parse(raw);
      return Number.isNaN(millis) ? mismatch() : new ApexDatetime(millis, 'Datetime');
    }
    case 'date': {
      const match = typeof raw === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(raw) : null;
      if (!match) return mismatch();
      return new ApexDatetime(
        Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])),
        'Date',
      );
    }
    case 'list':
    case 'set': {
      if (!Array.isArray(raw)) return mismatch();
      const element = type.args[0] ?? T.object;
      const items: Value[] = [];
      for (const item of raw) items.push(await typed(ctx, item, element, strict));
      if (name === 'list') return new ApexList(element, items);
      const set = new ApexSet(element);
      for (const item of items) set.entries.set(keyOf(item), item);
      return set;
    }
    case 'map': {
      if (!(raw instanceof Map)) return mismatch();
      const map = new ApexMap(type.args[0] ?? T.string, type.args[1] ?? T.object);
      for (const [k, v] of raw) {
        const key = await typed(ctx, k, map.keyType, strict);
        map.entries.set(keyOf(key), [key, await typed(ctx, v, map.valueType, strict)]);
      }
      return map;
    }
    default:
      break;
  }
  const cls = ctx.interp.findClass(type.name.split('.'));
  if (cls?.kind === 'enum') {
    if (typeof raw !== 'string') return mismatch();
    const ordinal = cls.enumValues.findIndex((v) => v.toLowerCase() === raw.toLowerCase());
    return ordinal < 0 ? null : new ApexEnumValue(cls.name, cls.enumValues[ordinal]!, ordinal);
  }
  if (cls && cls.kind === 'class' && !cls.builtin) {
    if (!(raw instanceof Map)) return mismatch();
    // Deserializing runs the no-argument constructor, then sets the fields named in the JSON.
    const object = await ctx.interp.construct(cls, [], {});
    for (const [key, value] of raw) {
      const field = cls.findField(key.toLowerCase());
      if (!field || field.isStatic) {
        // deserializeStrict: "All attributes in the JSON string must be present in the type."
        if (strict)
          return ctx.throwApex('System.JSONException', `Unknown field: ${cls.name}.${key}`);
        continue;
      }
      const fieldType = ctx.interp.resolveType(field.type, field.cls);
      object.fields.set(
        field.name.toLowerCase(),
        coerce(await typed(ctx, value, fieldType, strict), fieldType),
      );
    }
    return object;
  }
  return ctx.unsupported(`JSON.deserialize into ${type.name}`);
}

/** The kind of a JSON value, never the value itself (it may be a token). */
function describeRaw(raw: Raw): string {
  if (Array.isArray(raw)) return 'an array';
  if (raw instanceof Map) return 'an object';
  if (typeof raw === 'string') return 'a string';
  if (typeof raw === 'boolean') return 'a boolean';
  return 'a number';
}

/** JSON.serialize: Apex objects in field order, nulls kept unless suppressed. */
function serialize(ctx: PlatformContext, value: Value, suppressNulls: boolean): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return { raw: value.toString() };
  if (value instanceof ApexDouble)
    return { raw: Number.isInteger(value.value) ? formatDouble(value.value) : String(value.value) };
  if (value instanceof ApexDecimal) return { raw: value.toString() };
  if (value instanceof ApexBlob) return value.bytes.toString('base64');
  if (value instanceof ApexDatetime)
    return value.kind === 'Datetime' ? new Date(value.millis).toISOString() : stringValueOf(value);
  if (value instanceof ApexEnumValue) return value.name;
  if (value instanceof ApexList) return value.items.map((v) => serialize(ctx, v, suppressNulls));
  if (value instanceof ApexSet)
    return [...value.entries.values()].map((v) => serialize(ctx, v, suppressNulls));
  if (value instanceof ApexMap) {
    const out: Array<[string, unknown]> = [];
    for (const [k, v] of value.entries.values())
      out.push([stringValueOf(k), serialize(ctx, v, suppressNulls)]);
    return { entries: out };
  }
  if (value instanceof ApexObject) {
    if (value.exception) return ctx.unsupported('JSON.serialize of an exception');
    const out: Array<[string, unknown]> = [];
    for (const [key, v] of value.fields) {
      if (suppressNulls && v === null) continue;
      out.push([value.cls.fieldDisplayName(key), serialize(ctx, v, suppressNulls)]);
    }
    return { entries: out };
  }
  if (value instanceof ApexSObject) {
    const out: Array<[string, unknown]> = [['attributes', { entries: [['type', value.type]] }]];
    for (const field of value.fields.values())
      out.push([field.name, serialize(ctx, field.value, suppressNulls)]);
    return { entries: out };
  }
  if (value instanceof ApexType) return value.type.name;
  return ctx.unsupported(`JSON.serialize of ${value.typeName}`);
}

function write(node: unknown, pretty: boolean, indent = ''): string {
  if (node === null || node === undefined) return 'null';
  if (typeof node === 'string' || typeof node === 'number' || typeof node === 'boolean')
    return JSON.stringify(node);
  if (Array.isArray(node)) {
    if (node.length === 0) return '[ ]'.replace(' ', pretty ? ' ' : '');
    if (!pretty) return `[${node.map((n) => write(n, false)).join(',')}]`;
    const inner = `${indent}  `;
    return `[ ${node.map((n) => write(n, true, inner)).join(', ')} ]`;
  }
  const record = node as { raw?: string; entries?: Array<[string, unknown]> };
  if (record.raw !== undefined) return record.raw;
  const entries = record.entries ?? [];
  if (!pretty)
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${write(v, false)}`).join(',')}}`;
  if (entries.length === 0) return '{ }';
  const inner = `${indent}  `;
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)} : ${write(v, true, inner)}`).join(',\n')}\n${indent}}`;
}

function readJson(ctx: PlatformContext, text: Value): Raw {
  if (text === null) return ctx.interp.npe();
  try {
    return parseJson(text as string);
  } catch (error) {
    if (error instanceof JsonSyntaxError)
      return ctx.throwApex('System.JSONException', error.message);
    throw error;
  }
}

export const jsonTypes: PlatformType[] = [
  {
    name: 'JSON',
    statics: {
      serialize: (ctx, args) => write(serialize(ctx, args[0] ?? null, args[1] === true), false),
      serializepretty: (ctx, args) =>
        write(serialize(ctx, args[0] ?? null, args[1] === true), true),
      deserializeuntyped: (ctx, args) => untyped(readJson(ctx, args[0] ?? null)),
      deserialize: async (ctx, args) => {
        const type = args[1] ?? null;
        if (!(type instanceof ApexType)) return ctx.interp.npe();
        return typed(ctx, readJson(ctx, args[0] ?? null), type.type);
      },
      deserializestrict: async (ctx, args) => {
        const type = args[1] ?? null;
        if (!(type instanceof ApexType)) return ctx.interp.npe();
        return typed(ctx, readJson(ctx, args[0] ?? null), type.type, true);
      },
    },
  },
];
