import { cacheTypes } from './cache.ts';
import { collectionTypes } from './collections.ts';
import { encodingTypes } from './encoding.ts';
import { httpTypes } from './http.ts';
import { jsonTypes } from './json.ts';
import { langTypes } from './lang.ts';
import { metadataTypes } from './metadata.ts';
import { regexTypes } from './regex.ts';
import { PlatformRegistry } from './registry.ts';
import type { PlatformServices } from './services.ts';
import { testingTypes } from './testing.ts';

/** The declared platform profile: every type the runtime supports, registered in one table. */
export function createPlatform(services: PlatformServices): PlatformRegistry {
  return new PlatformRegistry().register(
    ...langTypes,
    ...collectionTypes,
    ...jsonTypes,
    ...encodingTypes,
    ...regexTypes,
    ...testingTypes,
    ...httpTypes(services),
    ...cacheTypes(services),
    ...metadataTypes(services),
  );
}

export { commitOrgCache } from './cache.ts';
export { OrgCache, type OrgCachePartitionConfig } from './orgCache.ts';
export type * from './services.ts';
