import { describe, expect, it } from 'vitest';
import { CalloutError } from '../../src/errors/index.ts';
import type { CalloutConfig } from '../../src/config/schema.ts';
import {
  capacityRefusal,
  capacityWarning,
  editionCacheMb,
  fittingCapacity,
  type CacheCapacityReport,
} from '../../src/deploy/capacity.ts';
import type { DeployReport } from '../../src/deploy/deploy.ts';
import { isOwned, producedComponents } from '../../src/deploy/leftovers.ts';
import { guardSecretInMetadata, orgKindOf } from '../../src/deploy/orgKind.ts';
import { buildProjectVM } from '../../src/generate/viewModel.ts';

/** The decisions behind deploy's org reads, without an org: org kinds, cache refits, ownership. */

describe('orgKindOf', () => {
  it.each([
    [{ OrganizationType: 'Enterprise Edition', IsSandbox: false }, true],
    [{ OrganizationType: 'Unlimited Edition', IsSandbox: false, TrialExpirationDate: null }, true],
    [{ OrganizationType: 'Enterprise Edition', IsSandbox: true }, false],
    [{ OrganizationType: 'Developer Edition', IsSandbox: false }, false],
    // A scratch org: its expiry date, whatever the edition.
    [
      {
        OrganizationType: 'Enterprise Edition',
        IsSandbox: false,
        TrialExpirationDate: '2026-12-08T00:00:00.000+0000',
      },
      false,
    ],
  ])('%j is production: %s', (record, production) => {
    expect(orgKindOf(record).production).toBe(production);
  });

  it('refuses a customMetadata secret in production only, and only without the flag', () => {
    const production = orgKindOf({ OrganizationType: 'Enterprise Edition', IsSandbox: false });
    const guard =
      (
        kind: typeof production,
        secretStorage: CalloutConfig['secretStorage'],
        allowSecretInMetadata = false,
      ) =>
      () =>
        guardSecretInMetadata(kind, { secretStorage, allowSecretInMetadata, username: 'u' });
    expect(guard(production, 'customMetadata')).toThrow(CalloutError);
    expect(guard(production, 'customMetadata', true)).not.toThrow();
    expect(guard(production, 'externalCredential')).not.toThrow();
    expect(guard(orgKindOf({ IsSandbox: true }), 'customMetadata')).not.toThrow();
  });
});

describe('Platform Cache refit', () => {
  const capacity: CacheCapacityReport = {
    partition: 'Partner',
    requestedMb: 3,
    deployedMb: 3,
    otherPartitions: [{ name: 'Other', mb: 2 }],
  };
  const report = (
    failures: Array<{ type: string; fullName: string; problem: string }>,
  ): DeployReport => ({
    id: '0Af',
    status: 'Failed',
    success: false,
    checkOnly: false,
    components: { total: 1, deployed: 0, errors: failures.length },
    componentFailures: failures.map((f) => ({ ...f, file: '' })),
    tests: { run: 0, failures: 0 },
    testFailures: [],
    coverage: [],
    coverageWarnings: [],
  });
  const refused = {
    type: 'PlatformCachePartition',
    fullName: 'Partner',
    problem: 'Total allocated capacity [5] exceeds the org limit [3].',
  };

  it("reads the org's numbers from Salesforce's message", () => {
    expect(capacityRefusal(refused.problem)).toEqual({ totalMb: 5, limitMb: 3 });
    expect(capacityRefusal('Variable does not exist: x')).toBeUndefined();
  });

  it('fits the partition into what the others leave: limit - (total - asked)', () => {
    expect(fittingCapacity(report([refused]), capacity)).toEqual({ capacityMb: 1, limitMb: 3 });
    const none = 'Total allocated capacity [1] exceeds the org limit [0].';
    expect(
      fittingCapacity(report([{ ...refused, problem: none }]), { ...capacity, deployedMb: 1 }),
    ).toEqual({ capacityMb: 0, limitMb: 0 });
  });

  it('leaves any other failure as it is', () => {
    const other = { type: 'ApexClass', fullName: 'PartnerApiClient', problem: 'x' };
    expect(fittingCapacity(report([refused, other]), capacity)).toBeUndefined();
    expect(fittingCapacity(report([other]), capacity)).toBeUndefined();
    expect(
      fittingCapacity(report([{ ...refused, fullName: 'Someone' }]), capacity),
    ).toBeUndefined();
  });

  it('warns only when the partition got less than it asked for', () => {
    expect(capacityWarning(capacity)).toBeUndefined();
    expect(capacityWarning({ ...capacity, deployedMb: 0, orgLimitMb: 2 })).toMatch(
      /0 MB .*every transaction fetches a token with a callout.*Setup > Platform Cache/,
    );
  });

  it("knows the editions' own cache", () => {
    expect(editionCacheMb('Enterprise Edition')).toBe(10);
    expect(editionCacheMb('Unlimited Edition')).toBe(30);
    expect(editionCacheMb('Developer Edition')).toBe(0);
  });
});

describe('leftovers: what callout-kit owns and produces', () => {
  const config = {
    prefix: 'Partner',
    apiVersion: '64.0',
    secretStorage: 'externalCredential',
    cache: { capacityMb: 1, refreshMarginSeconds: 60 },
    services: {
      Stage: {
        tokenUrl: 'https://auth.example.com/token',
        apiBaseUrl: 'https://api.example.com',
        clientId: 'id',
        clientSecret: { env: 'X' },
        clientAuth: 'basic',
      },
    },
  } as unknown as CalloutConfig;
  const project = buildProjectVM(config);

  it('produces no ClientSecret__c and no remote sites in externalCredential mode', () => {
    const produced = producedComponents(project).map((c) => `${c.type}:${c.fullName}`);
    expect(produced).not.toContain('CustomField:PartnerService__mdt.ClientSecret__c');
    expect(produced).toContain('CustomMetadata:PartnerService.Stage');
    expect(produced).toContain('NamedCredential:Partner_Stage_Token');
    expect(produced.some((c) => c.startsWith('RemoteSiteSetting:'))).toBe(false);
  });

  it('owns its settings type and prefix-named components, nothing else', () => {
    expect(isOwned(project, { type: 'CustomField', fullName: 'PartnerService__mdt.X__c' })).toBe(
      true,
    );
    expect(isOwned(project, { type: 'CustomField', fullName: 'Account.X__c' })).toBe(false);
    expect(isOwned(project, { type: 'RemoteSiteSetting', fullName: 'Partner_Old_Api' })).toBe(true);
    expect(isOwned(project, { type: 'RemoteSiteSetting', fullName: 'PartnerSite' })).toBe(false);
    expect(isOwned(project, { type: 'CustomMetadata', fullName: 'Other.Partner' })).toBe(false);
  });
});
