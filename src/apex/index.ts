/**
 * The local Apex runtime: Salesforce's own parser (jorje, through prettier-plugin-apex's
 * serializer) and an interpreter over its syntax tree, with a declared platform profile
 * (docs/apex-profile.md). It runs a project's @IsTest classes with line coverage, and anonymous
 * Apex, without an org. The runtime never prints; debug output, errors and callouts are returned.
 */
import { readPackageDir } from './loader.ts';
import { createRuntime, type ApexRuntime } from './runtime.ts';
import type { LoadApexProjectOptions } from './types.ts';

export async function loadApexProject(options: LoadApexProjectOptions = {}): Promise<ApexRuntime> {
  const files = [...(options.files ?? [])];
  const customMetadata = { ...(options.customMetadata ?? {}) };
  const customMetadataFields = { ...(options.customMetadataFields ?? {}) };
  const cachePartitions = [...(options.cachePartitions ?? [])];
  for (const dir of options.dirs ?? []) {
    const contents = await readPackageDir(dir);
    files.push(...contents.files);
    for (const [type, records] of Object.entries(contents.customMetadata)) {
      const given = customMetadata[type] ?? [];
      const merged = records.map((record) => {
        const override = given.find((r) => r.DeveloperName === record.DeveloperName);
        return override ? { ...record, fields: { ...record.fields, ...override.fields } } : record;
      });
      for (const record of given)
        if (!merged.some((r) => r.DeveloperName === record.DeveloperName)) merged.push(record);
      customMetadata[type] = merged;
    }
    for (const [type, fields] of Object.entries(contents.customMetadataFields))
      customMetadataFields[type] = { ...fields, ...(customMetadataFields[type] ?? {}) };
    if (!options.cachePartitions) cachePartitions.push(...contents.cachePartitions);
  }
  return createRuntime(files, {
    ...options,
    customMetadata,
    customMetadataFields,
    cachePartitions,
  });
}

export { ApexRuntime } from './runtime.ts';
export { parserAvailable } from './parse/parser.ts';
export { parseCustomMetadataRecord, readPackageDir } from './loader.ts';
export { OrgCache, type OrgCachePartitionConfig } from './platform/orgCache.ts';
export type {
  CustomMetadataRecord,
  NamedCredentialResolver,
  RecordedCallout,
  Transport,
  TransportRequest,
  TransportResponse,
} from './platform/services.ts';
export type * from './types.ts';
export { formatHuman, formatJUnit } from './report/index.ts';
export { startParserServer, type ParserServer } from './parse/server.ts';
