import { readdir, readFile } from 'node:fs/promises';
import { resolveInside } from '../util/paths.ts';
import { unescapeXml } from '../util/xml.ts';
import { basename, join } from 'node:path';
import type { OrgCachePartitionConfig } from './platform/orgCache.ts';
import type { CustomMetadataRecord } from './platform/services.ts';

/** What a source-format package directory holds that the runtime needs. */
export interface PackageContents {
  files: Array<{ path: string; source: string }>;
  customMetadata: Record<string, CustomMetadataRecord[]>;
  /** Field types per Custom Metadata type (API names), e.g. `{ TimeoutMs__c: 'Number' }`. */
  customMetadataFields: Record<string, Record<string, string>>;
  cachePartitions: OrgCachePartitionConfig[];
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/**
 * A file of the package directory, read only when it stays inside it through any link: a class
 * linked to a file elsewhere (a cloned repository's `classes/Evil.cls -> ~/.ssh/id_rsa`) is
 * refused, not parsed and quoted in an error.
 */
async function readInside(packageDir: string, path: string): Promise<string> {
  const real = await resolveInside(packageDir, path, {
    what: 'The file',
    allowAbsolute: true,
    actions: ['Replace the symbolic link with the file itself, inside the package directory.'],
  });
  return readFile(real, 'utf8');
}

function tag(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1]?.trim();
}

/** A record file `Type.Name.md-meta.xml`: typed values (`xsd:double`, `xsd:boolean`) and nils. */
export function parseCustomMetadataRecord(
  fileName: string,
  xml: string,
): { type: string; record: CustomMetadataRecord } {
  const [type = '', developerName = ''] = basename(fileName)
    .replace(/\.md-meta\.xml$/, '')
    .split('.');
  const fields: CustomMetadataRecord['fields'] = {};
  for (const match of xml.matchAll(/<values>([\s\S]*?)<\/values>/g)) {
    const block = match[1] ?? '';
    const field = tag(block, 'field');
    if (!field) continue;
    const value = /<value([^>]*?)(?:\/>|>([\s\S]*?)<\/value>)/.exec(block);
    const attributes = value?.[1] ?? '';
    const text = value?.[2] === undefined ? undefined : unescapeXml(value[2]);
    if (text === undefined || /xsi:nil="true"/.test(attributes)) fields[field] = null;
    else if (/xsd:double|xsd:int/.test(attributes)) fields[field] = Number(text);
    else if (/xsd:boolean/.test(attributes)) fields[field] = text === 'true';
    else fields[field] = text;
  }
  const label = tag(xml, 'label');
  return {
    type: `${type}__mdt`,
    record: {
      DeveloperName: developerName,
      ...(label ? { MasterLabel: unescapeXml(label) } : {}),
      fields,
    },
  };
}

/** Reads classes, Custom Metadata types and records, and cache partitions of a package directory. */
export async function readPackageDir(dir: string): Promise<PackageContents> {
  const root = (await list(join(dir, 'main', 'default'))).length
    ? join(dir, 'main', 'default')
    : dir;
  const contents: PackageContents = {
    files: [],
    customMetadata: {},
    customMetadataFields: {},
    cachePartitions: [],
  };
  const classDir = join(root, 'classes');
  for (const name of await list(classDir))
    if (name.endsWith('.cls'))
      contents.files.push({
        path: join(classDir, name),
        source: await readInside(dir, join(classDir, name)),
      });
  const recordDir = join(root, 'customMetadata');
  for (const name of await list(recordDir)) {
    if (!name.endsWith('.md-meta.xml')) continue;
    const { type, record } = parseCustomMetadataRecord(
      name,
      await readInside(dir, join(recordDir, name)),
    );
    (contents.customMetadata[type] ??= []).push(record);
  }
  const objectDir = join(root, 'objects');
  for (const type of await list(objectDir)) {
    if (!type.endsWith('__mdt')) continue;
    const fields: Record<string, string> = {};
    const fieldDir = join(objectDir, type, 'fields');
    for (const name of await list(fieldDir)) {
      if (!name.endsWith('.field-meta.xml')) continue;
      const xml = await readInside(dir, join(fieldDir, name));
      fields[name.replace(/\.field-meta\.xml$/, '')] = tag(xml, 'type') ?? 'Text';
    }
    contents.customMetadataFields[type] = fields;
  }
  const cacheDir = join(root, 'cachePartitions');
  for (const name of await list(cacheDir)) {
    if (!name.endsWith('.cachePartition-meta.xml')) continue;
    const xml = await readInside(dir, join(cacheDir, name));
    const org = [
      ...xml.matchAll(/<platformCachePartitionTypes>([\s\S]*?)<\/platformCachePartitionTypes>/g),
    ]
      .map((m) => m[1] ?? '')
      .find((block) => tag(block, 'cacheType') === 'Organization');
    const capacity = ['allocatedCapacity'].reduce(
      (sum, field) => sum + Number(tag(org ?? '', field) ?? 0),
      0,
    );
    contents.cachePartitions.push({
      name: `local.${name.replace(/\.cachePartition-meta\.xml$/, '')}`,
      capacityMb: capacity,
    });
  }
  return contents;
}
