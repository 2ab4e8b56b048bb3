import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * The standard objects' fields for the offline compiler. jorje knows no org schema, so without
 * them `account.Phone` is "Variable does not exist". jsforce (@jsforce/jsforce-node, a dependency
 * of @salesforce/core) ships the standard objects as TypeScript types: field names with JSON types,
 * parent references and child relationships. They are turned into the driver's schema file (see
 * StandardSchema in tools/apex-check/ApexCheck.java) once per jsforce version, in the cache folder.
 *
 * The TypeScript types say string, number, boolean, DateString; the Apex types are guessed from
 * them and the field's name (see apexType), in the direction that lets correct code compile: a
 * number is Decimal unless its name says it counts (Integer widens to Decimal, not back), a
 * DateString is a Date unless its name says it is a moment (a Date assigns to a Datetime, not back).
 */

const require = createRequire(import.meta.url);
/** Bump when the file format or the type guesses change: the cache key includes it. */
const FORMAT = 4;
const SCHEMA_MODULE = '@jsforce/jsforce-node/lib/types/standard-schema.d.ts';

/** The jsforce types file: next to callout-kit, else where @salesforce/core resolves it. */
export function standardSchemaSource(): string | undefined {
  const attempts: Array<() => string> = [
    () => require.resolve(SCHEMA_MODULE),
    () => createRequire(require.resolve('@salesforce/core')).resolve(SCHEMA_MODULE),
  ];
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // Not installed there: try the next place.
    }
  }
  return undefined;
}

const DATETIME_NAMES = new Set([
  'CreatedDate',
  'LastModifiedDate',
  'LastViewedDate',
  'LastReferencedDate',
  'LastLoginDate',
  'ClosedDate',
  'CompletedDate',
  'MessageDate',
  'EmailBouncedDate',
]);
const INTEGER_NAME =
  /^(NumberOf|Num[A-Z])|(Count|Order|Length|Size|Position|Level|Index|Sequence|Interval|Mask|InMinutes|InMins|InSeconds|DayOfMonth)$/;

/** The Apex type of a field, from its TypeScript type and its name. */
export function apexType(name: string, tsType: string, references: ReadonlySet<string>): string {
  const type = tsType.replace(/\s*\|\s*null$/, '').trim();
  switch (type) {
    case 'string':
      if (name === 'Id' || (name.endsWith('Id') && references.has(name.slice(0, -2)))) return 'Id';
      return 'String';
    case 'boolean':
      return 'Boolean';
    case 'number':
      return INTEGER_NAME.test(name) ? 'Integer' : 'Decimal';
    case 'DateString':
      return DATETIME_NAMES.has(name) || /(DateTime|Time|[Ss]tamp|At)$/.test(name)
        ? 'Datetime'
        : 'Date';
    case 'BlobString':
      return 'Blob';
    case 'Address':
      return 'Address';
    default:
      return 'Object'; // any (ChangeEventHeader)
  }
}

interface ObjectTypes {
  fields: Array<[string, string]>;
  parents: Array<[string, string]>;
  children: Array<[string, string]>;
}

const BLOCK = /^type (Fields|ParentReferences|ChildRelationships)\$(\w+) = \{$/;
const MEMBER = /^\s+(\w+): (.+);$/;
const TARGET = /^SObjectDefinition\$(\w+)(?:\s*\|\s*null)?$/;

/** jsforce's standard-schema.d.ts as the driver's schema file (one object a line). */
export function deriveStandardSchema(dts: string, origin: string): string {
  const objects = new Map<string, ObjectTypes>();
  let block: { kind: string; members: Array<[string, string]> } | undefined;
  for (const line of dts.split('\n')) {
    if (block) {
      if (line.startsWith('}')) {
        block = undefined;
        continue;
      }
      const member = MEMBER.exec(line);
      if (member) block.members.push([member[1]!, member[2]!]);
      continue;
    }
    const start = BLOCK.exec(line);
    if (!start) continue;
    const name = start[2]!;
    let object = objects.get(name);
    if (!object) objects.set(name, (object = { fields: [], parents: [], children: [] }));
    const kind = start[1]!;
    block = {
      kind,
      members:
        kind === 'Fields'
          ? object.fields
          : kind === 'ParentReferences'
            ? object.parents
            : object.children,
    };
  }
  const sorted = [...objects].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const lines = sorted.map(([name, object]) => {
    const references = new Set(object.parents.map(([field]) => field));
    const targets = (members: Array<[string, string]>) =>
      members.flatMap(([field, type]) => {
        const target = TARGET.exec(type.trim());
        return target ? [`${field}:${target[1]!}`] : [];
      });
    return [
      name,
      object.fields
        .map(([field, type]) => `${field}:${apexType(field, type, references)}`)
        .join(','),
      targets(object.parents).join(','),
      targets(object.children).join(','),
    ].join('\t');
  });
  // The index: each object's line by its offset after the comments, so that the driver reads the
  // lines of the objects the code uses and no others.
  let offset = 0;
  const index = sorted.map(([name], i) => {
    const entry = `${name.toLowerCase()}:${offset}`;
    offset += Buffer.byteLength(lines[i]!) + 1;
    return entry;
  });
  const out = [
    `# callout-kit standard schema ${FORMAT}, derived from ${origin}`,
    `#objects\t${index.join(',')}`,
    ...lines,
  ];
  return `${out.join('\n')}\n`;
}

/**
 * The driver's schema file for the installed jsforce, derived on first use and kept in the cache
 * folder under the hash of jsforce's file; undefined when jsforce is not installed.
 */
export async function standardSchemaFile(cacheDir: string): Promise<string | undefined> {
  const source = standardSchemaSource();
  if (!source) return undefined;
  let dts: Buffer;
  try {
    dts = await readFile(source);
  } catch {
    return undefined;
  }
  const key = createHash('sha256').update(`${FORMAT}\0`).update(dts).digest('hex').slice(0, 16);
  const file = join(cacheDir, 'apex-check', `standard-schema-${key}.tsv`);
  try {
    await access(file);
    return file;
  } catch {
    // Not derived yet.
  }
  await mkdir(join(cacheDir, 'apex-check'), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, deriveStandardSchema(dts.toString('utf8'), 'jsforce standard-schema.d.ts'));
  await rename(temp, file).catch(async () => rm(temp, { force: true }));
  return file;
}
