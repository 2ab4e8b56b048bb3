import type { ComponentSet } from '@salesforce/source-deploy-retrieve';
import type { CalloutConfig } from '../config/schema.ts';
import { buildProjectVM, type ProjectVM } from '../generate/viewModel.ts';
import { preloadDeployLibraries } from './libraries.ts';
import type { OrgConnection } from './org.ts';

/**
 * Leftovers: callout-kit's components in the org that the config no longer produces (a removed
 * service's record and remote sites, ClientSecret__c after a switch to externalCredential, the
 * credentials after a switch back). What the org holds comes from the Metadata API's
 * listMetadata; what the config produces from the generator's view model of every service, so
 * a service left out of one deploy never counts as removed.
 */
export interface OrgComponentName {
  type: string;
  fullName: string;
}

/** The metadata types callout-kit generates per service or per field, and that leftovers can be. */
const TYPES = [
  'CustomMetadata',
  'CustomField',
  'RemoteSiteSetting',
  'NamedCredential',
  'ExternalCredential',
  'ApexClass',
] as const;

/**
 * Apex classes earlier versions generated and this one does not (by role, after the prefix):
 * `ApiClientTest` became `ApiTest` when the client became a request builder (issue 12). Such a
 * test class left in the org names members the new classes no longer have, so it no longer
 * compiles and fails any RunLocalTests deploy. Only these names and the current classes count as
 * callout-kit's: a class of yours that shares the prefix is never a leftover.
 */
export const RETIRED_CLASS_ROLES = ['ApiClientTest'] as const;

/** Class names callout-kit generates now, and those it generated before. */
function ownedClasses(project: ProjectVM): Set<string> {
  return new Set([
    ...Object.values(project.classes),
    ...RETIRED_CLASS_ROLES.map((role) => `${project.prefix}${role}`),
  ]);
}

/** Every component of these types the whole config produces. */
export function producedComponents(project: ProjectVM): OrgComponentName[] {
  const produced: OrgComponentName[] = [];
  const add = (type: string, fullName: string) => produced.push({ type, fullName });
  for (const name of Object.values(project.classes)) add('ApexClass', name);
  for (const field of project.fields)
    add('CustomField', `${project.settingsType.apiName}.${field.apiName}`);
  for (const service of project.services) {
    add('CustomMetadata', `${project.settingsType.name}.${service.name}`);
    for (const site of service.remoteSites) add('RemoteSiteSetting', site.name);
    const credential = service.externalCredential;
    if (credential) {
      add('ExternalCredential', credential.name);
      add('ExternalCredential', credential.apiExternalCredential);
      add('NamedCredential', credential.tokenNamedCredential);
      add('NamedCredential', credential.apiNamedCredential);
    }
  }
  return produced;
}

/**
 * Whether a component in the org is callout-kit's, by the names the generator gives: records and
 * fields of the generated settings type, remote sites and credentials named `<prefix>_...`.
 */
export function isOwned(project: ProjectVM, component: OrgComponentName): boolean {
  switch (component.type) {
    case 'CustomMetadata':
      return component.fullName.startsWith(`${project.settingsType.name}.`);
    case 'CustomField':
      return component.fullName.startsWith(`${project.settingsType.apiName}.`);
    case 'ApexClass':
      return ownedClasses(project).has(component.fullName);
    default:
      return component.fullName.startsWith(`${project.prefix}_`);
  }
}

interface FileProperties {
  type?: string;
  fullName?: string;
  namespacePrefix?: string | null;
}

/** What the org holds of the types callout-kit generates (installed packages' items left out). */
export async function listOrgComponents(
  org: Pick<OrgConnection, 'connection'>,
  apiVersion: string,
): Promise<OrgComponentName[]> {
  // listMetadata takes at most three queries per call.
  const batches = [TYPES.slice(0, 3), TYPES.slice(3, 6)];
  const answers = await Promise.all(
    batches.map((types) =>
      org.connection.metadata.list(
        types.map((type) => ({ type })),
        apiVersion,
      ),
    ),
  );
  return answers
    .flatMap((answer) => (Array.isArray(answer) ? answer : answer ? [answer] : []))
    .filter((p: FileProperties) => p.type && p.fullName && !p.namespacePrefix)
    .map((p: FileProperties) => ({ type: p.type!, fullName: p.fullName! }));
}

/** callout-kit's components in the org that the whole config no longer produces, sorted. */
export async function findLeftovers(
  org: Pick<OrgConnection, 'connection'>,
  config: CalloutConfig,
): Promise<OrgComponentName[]> {
  const project = buildProjectVM(config);
  const key = (c: OrgComponentName) => `${c.type}:${c.fullName}`;
  const produced = new Set(producedComponents(project).map(key));
  return (await listOrgComponents(org, config.apiVersion))
    .filter((c) => isOwned(project, c) && !produced.has(key(c)))
    .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/**
 * Adds the leftovers to the deploy as destructive changes: Apex classes before the deploy (a
 * retired test class would not compile against the new classes; nothing depends on it), the rest
 * after it (a record goes only once nothing deployed needs its field).
 */
export async function removeAfterDeploy(
  componentSet: ComponentSet,
  leftovers: readonly OrgComponentName[],
): Promise<void> {
  const { sdr } = await preloadDeployLibraries();
  const registry = new sdr.RegistryAccess();
  for (const { type, fullName } of leftovers) {
    componentSet.add(
      new sdr.SourceComponent({ name: fullName, type: registry.getTypeByName(type) }),
      type === 'ApexClass' ? sdr.DestructiveChangesType.PRE : sdr.DestructiveChangesType.POST,
    );
  }
}

export const describeComponents = (components: readonly OrgComponentName[]): string =>
  components.map((c) => `${c.type} ${c.fullName}`).join(', ');
