import { resolve } from 'node:path';
import { CalloutError } from '../errors/index.ts';
import { ARTIFACTS } from '../generate/registry.ts';
import type { ProjectVM } from '../generate/viewModel.ts';
import { createTemplateEngine } from '../render/index.ts';
import type { DeployReport } from './deploy.ts';
import type { OrgConnection } from './org.ts';

/**
 * Platform Cache capacity, so that the generated partition never breaks a deploy.
 *
 * What the org has allocated is readable: PlatformCachePartition and PlatformCachePartitionType
 * are objects of the SOAP and REST APIs (the enterprise WSDL lists them, with AllocatedCapacity,
 * CacheType and PlatformCachePartitionId) and are queried here through REST.
 *
 * What the org has in total is not: no API publishes it (the REST limits resource and OrgLimits
 * hold no cache limit, and the partition objects hold allocations only), and the edition does
 * not settle it (Enterprise 10 MB, Unlimited 30 MB, others 0, plus purchased or trial capacity
 * nothing reports). The Metadata API enforces it when a partition is saved and states it in its
 * refusal: "Total allocated capacity [N] exceeds the org limit [M]." where N counts every
 * partition's allocations with the new one. So the deploy sends what the config asks for; when
 * the org refuses only that, it is deployed again with what fits, `M - (N - asked)`, down to 0
 * MB, and the user is told what that costs. Rollback on error leaves nothing of the first try.
 */
export interface CachePartitionAllocation {
  name: string;
  namespace: string | null;
  organizationMb: number;
  sessionMb: number;
}

interface PartitionRecord {
  Id: string;
  DeveloperName: string;
  NamespacePrefix?: string | null;
}

interface PartitionTypeRecord {
  PlatformCachePartitionId: string;
  CacheType: string;
  AllocatedCapacity?: number | null;
}

/** Every partition of the org and its allocations (MB). */
export async function readCachePartitions(
  org: OrgConnection,
  apiVersion: string,
): Promise<CachePartitionAllocation[]> {
  const query = <T>(soql: string) =>
    org.request<{ records: T[] }>(
      'GET',
      `/services/data/v${apiVersion}/query?q=${encodeURIComponent(soql)}`,
    );
  const [partitions, types] = await Promise.all([
    query<PartitionRecord>('SELECT Id, DeveloperName, NamespacePrefix FROM PlatformCachePartition'),
    query<PartitionTypeRecord>(
      'SELECT PlatformCachePartitionId, CacheType, AllocatedCapacity FROM PlatformCachePartitionType',
    ),
  ]);
  return partitions.records.map((p) => {
    const mb = (cacheType: string) =>
      types.records
        .filter(
          (t) =>
            t.PlatformCachePartitionId.slice(0, 15) === p.Id.slice(0, 15) &&
            t.CacheType === cacheType,
        )
        .reduce((sum, t) => sum + (Number(t.AllocatedCapacity) || 0), 0);
    return {
      name: p.DeveloperName,
      namespace: p.NamespacePrefix ?? null,
      organizationMb: mb('Organization'),
      sessionMb: mb('Session'),
    };
  });
}

/** What the deploy did with the partition's capacity; in the deploy result and `--json`. */
export interface CacheCapacityReport {
  partition: string;
  requestedMb: number;
  deployedMb: number;
  /** The org's total, when the org stated it (a deploy that asked for more). */
  orgLimitMb?: number;
  /** Allocated to the org's other partitions (org and session cache) before the deploy. */
  otherPartitions: Array<{ name: string; mb: number }>;
}

export function capacityReport(
  project: ProjectVM,
  partitions: readonly CachePartitionAllocation[],
): CacheCapacityReport {
  return {
    partition: project.cache.partition,
    requestedMb: project.cache.capacityMb,
    deployedMb: project.cache.capacityMb,
    otherPartitions: partitions
      .filter((p) => !(p.name === project.cache.partition && p.namespace === null))
      .map((p) => ({
        name: p.namespace ? `${p.namespace}.${p.name}` : p.name,
        mb: p.organizationMb + p.sessionMb,
      })),
  };
}

const CAPACITY_PROBLEM = /Total allocated capacity \[(\d+)\] exceeds the org limit \[(\d+)\]/;

/** The org's numbers from its capacity refusal, or undefined for any other problem. */
export function capacityRefusal(problem: string): { totalMb: number; limitMb: number } | undefined {
  const match = CAPACITY_PROBLEM.exec(problem);
  return match ? { totalMb: Number(match[1]), limitMb: Number(match[2]) } : undefined;
}

/**
 * The capacity that fits when the org refused the deploy for the partition's capacity alone
 * (any other failure is reported as it is); undefined when the deploy needs no second try.
 */
export function fittingCapacity(
  report: DeployReport,
  capacity: CacheCapacityReport,
): { capacityMb: number; limitMb: number } | undefined {
  if (report.success || report.componentFailures.length === 0) return undefined;
  const refusals = report.componentFailures.map((f) =>
    f.type === 'PlatformCachePartition' && f.fullName === capacity.partition
      ? capacityRefusal(f.problem)
      : undefined,
  );
  const refusal = refusals[0];
  if (!refusal || refusals.some((r) => r === undefined)) return undefined;
  const elsewhere = refusal.totalMb - capacity.deployedMb;
  const capacityMb = Math.max(0, Math.min(capacity.deployedMb, refusal.limitMb - elsewhere));
  // Nothing smaller would fit: the second try would be refused as well.
  if (capacityMb >= capacity.deployedMb) return undefined;
  return { capacityMb, limitMb: refusal.limitMb };
}

const PARTITION_TEMPLATE = 'cachePartitions/partition.cachePartition-meta.xml.hbs';

/**
 * The partition file rendered by the generator's own template with another org cache capacity:
 * absolute path -> content, for the deploy package's in-memory files.
 */
export function partitionWithCapacity(
  packageDir: string,
  project: ProjectVM,
  capacityMb: number,
): Map<string, Buffer> {
  const artifact = ARTIFACTS.find((a) => a.template === PARTITION_TEMPLATE);
  if (!artifact)
    throw new CalloutError('UNEXPECTED', `No generated artifact renders ${PARTITION_TEMPLATE}.`);
  const refitted: ProjectVM = { ...project, cache: { ...project.cache, capacityMb } };
  const content = createTemplateEngine().render(PARTITION_TEMPLATE, {
    project: refitted,
    item: refitted,
  });
  return new Map([
    [resolve(packageDir, artifact.output(refitted, refitted)), Buffer.from(content)],
  ]);
}

/** What a smaller partition costs and how to get capacity, in one warning. */
export function capacityWarning(capacity: CacheCapacityReport): string | undefined {
  if (capacity.deployedMb >= capacity.requestedMb) return undefined;
  const others = capacity.otherPartitions.filter((p) => p.mb > 0);
  const why = `the org's Platform Cache limit is ${capacity.orgLimitMb ?? '?'} MB${
    others.length > 0
      ? ` and other partitions hold ${others.map((p) => `${p.name} ${p.mb} MB`).join(', ')}`
      : ''
  }`;
  const getMore =
    'Ask your admin to allocate Platform Cache capacity in Setup > Platform Cache, or buy more; the next deploy then asks for the full size again.';
  return capacity.deployedMb === 0
    ? `Platform Cache partition ${capacity.partition} deployed with 0 MB (asked for ${capacity.requestedMb} MB; ${why}): the generated Apex works, but every transaction fetches a token with a callout. ${getMore}`
    : `Platform Cache partition ${capacity.partition} deployed with ${capacity.deployedMb} MB of the ${capacity.requestedMb} MB asked for (${why}): tokens are evicted sooner, and each eviction costs a token callout. ${getMore}`;
}

/**
 * The org cache an edition comes with (Platform Cache Limits: Enterprise 10 MB, Unlimited and
 * Performance 30 MB, all others 0), before purchased, trial or scratch-org (PlatformCache
 * feature, 3 MB) capacity, which no API reports: a floor for `doctor`, never for the deploy.
 */
export function editionCacheMb(organizationType: string): number {
  if (/^Enterprise/i.test(organizationType)) return 10;
  if (/^(Unlimited|Performance)/i.test(organizationType)) return 30;
  return 0;
}
