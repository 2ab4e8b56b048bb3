import {
  ApexEnumValue,
  ApexMap,
  ApexSet,
  ApexDouble,
  NativeObject,
  T,
  keyOf,
  stringValueOf,
  type Value,
} from '../interpreter/values.ts';
import type { OrgCache, OrgCachePartition } from './orgCache.ts';
import type { PlatformContext, PlatformType } from './registry.ts';
import type { PlatformServices } from './services.ts';

export const MAX_ITEM_BYTES = 100 * 1024;
export const MIN_TTL_SECONDS = 300;
export const MAX_TTL_SECONDS = 172_800;
const DEFAULT_TTL_SECONDS = 86_400;

type Pending = { kind: 'put'; value: Value; expiresAt: number; size: number } | { kind: 'remove' };

/** Puts and removes of this transaction, per partition and key, waiting for commit. */
function pending(ctx: PlatformContext): Map<OrgCachePartition, Map<string, Pending>> {
  let map = ctx.interp.tx.state.get('orgCache') as
    Map<OrgCachePartition, Map<string, Pending>> | undefined;
  if (!map) {
    map = new Map();
    ctx.interp.tx.state.set('orgCache', map);
  }
  return map;
}

/** Commits a transaction's cache operations (called when it ended without an uncaught exception). */
export function commitOrgCache(cache: OrgCache, txState: Map<string, unknown>): void {
  const map = txState.get('orgCache') as Map<OrgCachePartition, Map<string, Pending>> | undefined;
  if (!map) return;
  for (const [partition, ops] of map)
    for (const [key, op] of ops) {
      if (op.kind === 'put') cache.write(partition, key, op.value, op.expiresAt, op.size);
      else cache.delete(partition, key);
    }
}

function validateKey(ctx: PlatformContext, key: Value): string {
  if (typeof key !== 'string' || key === '' || !/^[A-Za-z0-9]+$/.test(key))
    return ctx.throwApex(
      'Cache.InvalidParamException',
      `Invalid key: ${stringValueOf(key)}. A key must be alphanumeric and not empty.`,
    );
  if (key.length > 50)
    return ctx.throwApex(
      'Cache.InvalidParamException',
      `Invalid key: ${key}. A key can be at most 50 characters.`,
    );
  return key;
}

function sizeOf(value: Value): number {
  return Buffer.byteLength(typeof value === 'string' ? value : stringValueOf(value), 'utf8');
}

function findPartition(ctx: PlatformContext, cache: OrgCache, name: Value): OrgCachePartition {
  if (typeof name !== 'string' || name === '')
    return ctx.throwApex('Cache.InvalidParamException', 'Invalid partition name');
  const partition = cache.partition(name);
  if (!partition)
    return ctx.throwApex(
      'Cache.Org.OrgCacheException',
      `Failed Cache.Org.getPartition(): partition ${name} is not found.`,
    );
  return partition;
}

function operations(services: PlatformServices) {
  // A partition without capacity: "cache operations are not invoked and no error is returned".
  const get = (ctx: PlatformContext, partition: OrgCachePartition, key: Value): Value => {
    if (partition.capacityBytes === 0) return null;
    const checked = validateKey(ctx, key);
    const op = pending(ctx).get(partition)?.get(checked);
    if (op) return op.kind === 'put' && op.expiresAt > services.clock() ? op.value : null;
    return services.orgCache.read(partition, checked, services.clock());
  };
  const put = (ctx: PlatformContext, partition: OrgCachePartition, args: Value[]): Value => {
    if (partition.capacityBytes === 0) return null;
    const key = validateKey(ctx, args[0] ?? null);
    const value = args[1] ?? null;
    if (value === null) return ctx.throwApex('Cache.InvalidParamException', 'Invalid value: null');
    const ttlArg = args.length === 3 || args.length === 5 ? args[2] : undefined;
    const ttl = typeof ttlArg === 'number' ? ttlArg : DEFAULT_TTL_SECONDS;
    if (ttl < MIN_TTL_SECONDS || ttl > MAX_TTL_SECONDS)
      return ctx.throwApex(
        'Cache.InvalidParamException',
        `Invalid TTL: ${ttl}. The TTL must be between ${MIN_TTL_SECONDS} and ${MAX_TTL_SECONDS} seconds.`,
      );
    const size = sizeOf(value);
    if (size > MAX_ITEM_BYTES)
      return ctx.throwApex(
        'Cache.ItemSizeLimitExceededException',
        `Item size ${size} bytes exceeds the limit of ${MAX_ITEM_BYTES} bytes (100 KB).`,
      );
    const ops = pending(ctx);
    const forPartition = ops.get(partition) ?? new Map<string, Pending>();
    ops.set(partition, forPartition);
    forPartition.set(key, { kind: 'put', value, expiresAt: services.clock() + ttl * 1000, size });
    return null;
  };
  const contains = (ctx: PlatformContext, partition: OrgCachePartition, key: Value): boolean =>
    get(ctx, partition, key) !== null;
  const remove = (ctx: PlatformContext, partition: OrgCachePartition, key: Value): boolean => {
    if (partition.capacityBytes === 0) return false;
    const present = contains(ctx, partition, key);
    const ops = pending(ctx);
    const forPartition = ops.get(partition) ?? new Map<string, Pending>();
    ops.set(partition, forPartition);
    forPartition.set(key as string, { kind: 'remove' });
    return present;
  };
  return { get, put, contains, remove };
}

/** contains(Set<String>): each key with whether it is cached; at most 10 keys a call. */
function bulkContains(
  ctx: PlatformContext,
  keys: ApexSet,
  contains: (key: Value) => boolean,
): ApexMap {
  if (keys.entries.size > 10)
    return ctx.throwApex(
      'Cache.BulkApiKeysLimitExceededException',
      `A bulk call accepts at most 10 keys; ${keys.entries.size} were given.`,
    );
  const result = new ApexMap(T.string, T.boolean);
  for (const [hash, key] of keys.entries) result.entries.set(hash, [key, contains(key)]);
  return result;
}

/** `local.Partition.key` → partition and key; an unqualified key needs a default partition. */
function splitQualified(
  ctx: PlatformContext,
  cache: OrgCache,
  qualified: Value,
): [OrgCachePartition, string] {
  if (typeof qualified !== 'string') return ctx.interp.npe();
  const parts = qualified.split('.');
  if (parts.length !== 3)
    return ctx.throwApex(
      'Cache.Org.OrgCacheException',
      `No default partition is set for the key ${qualified}; use namespace.partition.key.`,
    );
  return [findPartition(ctx, cache, `${parts[0]}.${parts[1]}`), parts[2]!];
}

interface PartitionState {
  partition: OrgCachePartition;
  describe(): string;
}

export function cacheTypes(services: PlatformServices): PlatformType[] {
  const ops = operations(services);
  return [
    {
      name: 'Cache.Org',
      staticProps: { max_ttl_secs: () => MAX_TTL_SECONDS },
      statics: {
        getpartition: (ctx, args) => {
          const partition = findPartition(ctx, services.orgCache, args[0] ?? null);
          return new NativeObject<PartitionState>('Cache.OrgPartition', {
            partition,
            describe: () => partition.name,
          });
        },
        get: (ctx, args) => {
          if (args.length !== 1)
            return ctx.unsupported('Cache.Org.get with a CacheBuilder or a key set');
          const [partition, key] = splitQualified(ctx, services.orgCache, args[0] ?? null);
          return ops.get(ctx, partition, key);
        },
        put: (ctx, args) => {
          const [partition, key] = splitQualified(ctx, services.orgCache, args[0] ?? null);
          return ops.put(ctx, partition, [key, ...args.slice(1)]);
        },
        contains: (ctx, args) => {
          if (args[0] instanceof ApexSet)
            return bulkContains(ctx, args[0], (key) => {
              const [partition, local] = splitQualified(ctx, services.orgCache, key);
              return ops.contains(ctx, partition, local);
            });
          const [partition, key] = splitQualified(ctx, services.orgCache, args[0] ?? null);
          return ops.contains(ctx, partition, key);
        },
        remove: (ctx, args) => {
          const [partition, key] = splitQualified(ctx, services.orgCache, args[0] ?? null);
          return ops.remove(ctx, partition, key);
        },
      },
    },
    {
      name: 'Cache.OrgPartition',
      methods: {
        get: (ctx, args, self: NativeObject<PartitionState>) => {
          if (args.length !== 1 || args[0] instanceof ApexSet)
            return ctx.unsupported('OrgPartition.get with a CacheBuilder or a key set');
          return ops.get(ctx, self.state.partition, args[0] ?? null);
        },
        put: (ctx, args, self: NativeObject<PartitionState>) =>
          ops.put(ctx, self.state.partition, args),
        contains: (ctx, args, self: NativeObject<PartitionState>) =>
          args[0] instanceof ApexSet
            ? bulkContains(ctx, args[0], (key) => ops.contains(ctx, self.state.partition, key))
            : ops.contains(ctx, self.state.partition, args[0] ?? null),
        remove: (ctx, args, self: NativeObject<PartitionState>) =>
          ops.remove(ctx, self.state.partition, args[0] ?? null),
        isavailable: () => true,
        getname: (_c, _a, self: NativeObject<PartitionState>) =>
          self.state.partition.name.split('.')[1] ?? null,
        getkeys: (ctx, _a, self: NativeObject<PartitionState>) => {
          const set = new ApexSet(T.string);
          const partition = self.state.partition;
          for (const key of services.orgCache.keys(partition.name))
            if (ops.contains(ctx, partition, key)) set.entries.set(keyOf(key), key);
          for (const [key, op] of pending(ctx).get(partition) ?? [])
            if (op.kind === 'put') set.entries.set(keyOf(key), key);
          return set;
        },
        getcapacity: (_c, _a, self: NativeObject<PartitionState>) => {
          const partition = self.state.partition;
          if (partition.capacityBytes === 0) return new ApexDouble(0);
          const used = [...partition.items.values()].reduce((sum, item) => sum + item.size, 0);
          return new ApexDouble((used / partition.capacityBytes) * 100);
        },
      },
    },
    {
      name: 'Cache.Visibility',
      staticProps: {
        all: () => new ApexEnumValue('Cache.Visibility', 'ALL', 0),
        namespace: () => new ApexEnumValue('Cache.Visibility', 'NAMESPACE', 1),
      },
    },
  ];
}
