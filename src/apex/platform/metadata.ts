import {
  ApexMap,
  ApexSObject,
  T,
  keyOf,
  stringValueOf,
  type Value,
} from '../interpreter/values.ts';
import type { Interpreter } from '../interpreter/interpreter.ts';
import type { PlatformContext, PlatformType } from './registry.ts';
import type { CustomMetadataRecord, PlatformServices } from './services.ts';

/** A fresh copy of a record each time, as getInstance returns one in an org. */
function toSObject(interp: Interpreter, type: string, record: CustomMetadataRecord): ApexSObject {
  const object = new ApexSObject(type);
  const put = (name: string, value: Value): void =>
    void object.fields.set(name.toLowerCase(), {
      name,
      value: interp.sObjectValue(type, name.toLowerCase(), value),
    });
  put('DeveloperName', record.DeveloperName);
  put('MasterLabel', record.MasterLabel ?? record.DeveloperName);
  put('QualifiedApiName', record.DeveloperName);
  for (const [name, value] of Object.entries(record.fields)) put(name, value);
  return object;
}

function recordsOf(services: PlatformServices, type: string): [string, CustomMetadataRecord[]] {
  const key = Object.keys(services.customMetadata).find(
    (k) => k.toLowerCase() === type.toLowerCase(),
  );
  return [key ?? type, key ? (services.customMetadata[key] ?? []) : []];
}

export function metadataTypes(services: PlatformServices): PlatformType[] {
  return [
    {
      // Static methods of every X__mdt type; the interpreter passes the type name first.
      name: 'CustomMetadata',
      statics: {
        getinstance: (ctx, args) => {
          const [type, records] = recordsOf(services, args[0] as string);
          const name = args[1] ?? null;
          if (typeof name !== 'string') return null;
          const record = records.find((r) => r.DeveloperName === name);
          return record ? toSObject(ctx.interp, type, record) : null;
        },
        getall: (ctx, args) => {
          const [type, records] = recordsOf(services, args[0] as string);
          const map = new ApexMap(T.string, { name: type, args: [] });
          for (const record of records)
            map.entries.set(keyOf(record.DeveloperName), [
              record.DeveloperName,
              toSObject(ctx.interp, type, record),
            ]);
          return map;
        },
      },
    },
    {
      name: 'SObject',
      methods: {
        get: (ctx: PlatformContext, args, self: ApexSObject) => {
          const name = stringValueOf(args[0] ?? null);
          return self.fields.get(name.toLowerCase())?.value ?? null;
        },
        put: (_ctx, args, self: ApexSObject) => {
          const name = stringValueOf(args[0] ?? null);
          const previous = self.fields.get(name.toLowerCase())?.value ?? null;
          self.fields.set(name.toLowerCase(), { name, value: args[1] ?? null });
          return previous;
        },
        clone: (_ctx, _args, self: ApexSObject) => {
          const copy = new ApexSObject(self.type);
          for (const [k, v] of self.fields) copy.fields.set(k, { ...v });
          return copy;
        },
      },
    },
  ];
}
