import type { Value } from '../interpreter/values.ts';

/** One org cache partition: its capacity (0 keeps nothing) and its committed items. */
interface Partition {
  name: string;
  capacityBytes: number;
  items: Map<string, { value: Value; expiresAt: number; size: number }>;
}

export interface OrgCachePartitionConfig {
  /** `local.Name` or `Name` (the org's own namespace). */
  name: string;
  /** Capacity in MB, as the partition's metadata allocates it; 0 is allowed. */
  capacityMb: number;
}

/**
 * The org Platform Cache, shared across transactions. Each transaction reads through its own
 * pending puts and removes, which are committed only when the transaction ends without an
 * uncaught exception (Platform Cache Internals).
 */
export class OrgCache {
  private readonly partitions = new Map<string, Partition>();

  constructor(partitions: readonly OrgCachePartitionConfig[] = []) {
    for (const config of partitions) {
      const name = qualify(config.name);
      this.partitions.set(name.toLowerCase(), {
        name,
        capacityBytes: Math.max(0, config.capacityMb) * 1024 * 1024,
        items: new Map(),
      });
    }
  }

  /** The partition named `local.Name` (or `Name`), or undefined when it does not exist. */
  partition(name: string): Partition | undefined {
    return this.partitions.get(qualify(name).toLowerCase());
  }

  read(partition: Partition, key: string, now: number): Value {
    const item = partition.items.get(key);
    if (!item) return null;
    if (item.expiresAt <= now) {
      partition.items.delete(key);
      return null;
    }
    return item.value;
  }

  write(partition: Partition, key: string, value: Value, expiresAt: number, size: number): void {
    if (partition.capacityBytes === 0) return;
    partition.items.delete(key);
    partition.items.set(key, { value, expiresAt, size });
    // Over capacity: evict the oldest items first.
    let used = [...partition.items.values()].reduce((sum, item) => sum + item.size, 0);
    for (const [oldKey, item] of partition.items) {
      if (used <= partition.capacityBytes) break;
      partition.items.delete(oldKey);
      used -= item.size;
    }
  }

  delete(partition: Partition, key: string): boolean {
    return partition.items.delete(key);
  }

  /** Keys currently held (for tests and reports). */
  keys(name: string): string[] {
    return [...(this.partition(name)?.items.keys() ?? [])];
  }
}

function qualify(name: string): string {
  return name.includes('.') ? name : `local.${name}`;
}

export type OrgCachePartition = Partition;
