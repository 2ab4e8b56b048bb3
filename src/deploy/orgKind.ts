import type { CalloutConfig } from '../config/schema.ts';
import { CalloutError } from '../errors/index.ts';
import type { OrgConnection } from './org.ts';

/**
 * What kind of org a deploy goes to, from its Organization record: a sandbox, a scratch org, a
 * Developer Edition (Trailhead Playgrounds are Developer Edition orgs), a trial, or production.
 *
 * Production is decided as: not IsSandbox, no TrialExpirationDate, and OrganizationType other
 * than "Developer Edition". A scratch org always has a TrialExpirationDate (the day it expires),
 * whatever edition its definition asks for (often "Developer Edition"); so has a trial, which
 * holds no production data until it is bought, when the date goes away.
 */
export interface OrgKind {
  organizationType: string;
  isSandbox: boolean;
  trialExpirationDate: string | null;
  production: boolean;
  /** For messages: "production (Enterprise Edition)", "sandbox", "scratch or trial org"... */
  description: string;
}

interface OrganizationRecord {
  OrganizationType?: string | null;
  IsSandbox?: boolean | null;
  TrialExpirationDate?: string | null;
}

export function orgKindOf(record: OrganizationRecord): OrgKind {
  const organizationType = record.OrganizationType ?? 'unknown edition';
  const isSandbox = record.IsSandbox === true;
  const trialExpirationDate = record.TrialExpirationDate ?? null;
  const developer = /^Developer Edition$/i.test(organizationType);
  const production = !isSandbox && trialExpirationDate === null && !developer;
  const description = isSandbox
    ? `sandbox (${organizationType})`
    : trialExpirationDate !== null
      ? `scratch or trial org (${organizationType}, expires ${trialExpirationDate.slice(0, 10)})`
      : developer
        ? 'Developer Edition org'
        : `production org (${organizationType}, not a sandbox)`;
  return { organizationType, isSandbox, trialExpirationDate, production, description };
}

export async function readOrgKind(org: OrgConnection, apiVersion: string): Promise<OrgKind> {
  const soql = 'SELECT OrganizationType, IsSandbox, TrialExpirationDate FROM Organization';
  const { records } = await org.request<{ records: OrganizationRecord[] }>(
    'GET',
    `/services/data/v${apiVersion}/query?q=${encodeURIComponent(soql)}`,
  );
  return orgKindOf(records[0] ?? {});
}

/**
 * customMetadata mode deploys the client secret as a value of a Public Custom Metadata record.
 * "Public custom metadata types are readable for all profiles, including the guest user. Do not
 * store secrets" (Salesforce, Protection and Privacy Options; ../shared/reference/
 * salesforce-facts.md 2.3), and Protected behaves like Public outside a managed package: a
 * production org gets the secret there only when the user says so.
 */
export function guardSecretInMetadata(
  kind: OrgKind,
  options: {
    secretStorage: CalloutConfig['secretStorage'];
    allowSecretInMetadata: boolean;
    username: string;
  },
): void {
  if (options.secretStorage !== 'customMetadata' || !kind.production) return;
  if (options.allowSecretInMetadata) return;
  throw new CalloutError(
    'SECRET_IN_PRODUCTION_METADATA',
    `${options.username} is a ${kind.description}, and in customMetadata mode the client secret would be deployed as a value of a Custom Metadata record. Public custom metadata is readable by every profile (the guest user included), and Salesforce says not to keep secrets in custom metadata outside a managed package.`,
  );
}
