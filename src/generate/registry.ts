import type {
  ExternalCredentialVM,
  FieldVM,
  ProjectVM,
  RemoteSiteVM,
  ServiceVM,
} from './viewModel.ts';

/**
 * Every generated artifact, as data (one entry per kind, as source-deploy-retrieve's registry
 * does): its template, where it goes under the package folder, and what it is rendered for.
 */
export type ArtifactItem = ProjectVM | ServiceVM | FieldVM | RemoteSiteVM | ExternalCredentialVM;

export interface ArtifactSpec<T extends ArtifactItem = ArtifactItem> {
  /** Template path relative to templates/ (mirrors force-app folder names). */
  template: string;
  /** The items this artifact is rendered for: one file per item. */
  items: (project: ProjectVM) => T[];
  /** Output path relative to the package folder (force-app/main/default). */
  output: (project: ProjectVM, item: T) => string;
  kind: 'apex' | 'xml';
  /**
   * The config entry the item comes from, named in a collision error (default `prefix`, which
   * every project-wide artifact's name is made of).
   */
  source?: (project: ProjectVM, item: T) => string;
  /**
   * The metadata API names the file defines, each unique per type in an org (compared as
   * Salesforce compares them, ignoring case): the component itself and what lives inside it.
   */
  names?: (project: ProjectVM, item: T) => Array<{ type: string; name: string }>;
}

function spec<T extends ArtifactItem>(s: ArtifactSpec<T>): ArtifactSpec {
  return s as unknown as ArtifactSpec;
}

const project = (p: ProjectVM) => [p];
const ofService = (_p: ProjectVM, item: { service: string }) => `services.${item.service}`;
/** An External Credential and its one principal (a permission set grants `<credential>-<principal>`). */
const credentialNames = (name: string, principal: string) => [
  { type: 'External Credential', name },
  { type: 'External Credential principal', name: `${name}-${principal}` },
];
const externalCredentials = (p: ProjectVM) =>
  p.services.flatMap((s) => (s.externalCredential ? [s.externalCredential] : []));
const apexClass = (template: string, name: (p: ProjectVM) => string): ArtifactSpec[] => [
  spec({
    template: `classes/${template}.cls.hbs`,
    items: project,
    output: (p) => `classes/${name(p)}.cls`,
    kind: 'apex',
    names: (p) => [{ type: 'Apex class', name: name(p) }],
  }),
  spec({
    template: 'classes/_class.cls-meta.xml.hbs',
    items: project,
    output: (p) => `classes/${name(p)}.cls-meta.xml`,
    kind: 'xml',
  }),
];

export const ARTIFACTS: readonly ArtifactSpec[] = [
  ...apexClass('CalloutException', (p) => p.classes.exception),
  ...apexClass('TokenService', (p) => p.classes.tokenService),
  ...apexClass('TokenRequest', (p) => p.classes.tokenRequest),
  ...apexClass('TokenResponse', (p) => p.classes.tokenResponse),
  ...apexClass('TokenCache', (p) => p.classes.tokenCache),
  ...apexClass('Api', (p) => p.classes.api),
  ...apexClass('ApiClient', (p) => p.classes.apiClient),
  ...apexClass('CalloutMock', (p) => p.classes.calloutMock),
  ...apexClass('TokenServiceTest', (p) => p.classes.tokenServiceTest),
  ...apexClass('TokenRequestTest', (p) => p.classes.tokenRequestTest),
  ...apexClass('TokenResponseTest', (p) => p.classes.tokenResponseTest),
  ...apexClass('TokenCacheTest', (p) => p.classes.tokenCacheTest),
  ...apexClass('ApiTest', (p) => p.classes.apiTest),
  spec({
    template: 'objects/Service__mdt/Service__mdt.object-meta.xml.hbs',
    items: project,
    output: (p) => `objects/${p.settingsType.apiName}/${p.settingsType.apiName}.object-meta.xml`,
    kind: 'xml',
  }),
  spec<FieldVM>({
    template: 'objects/Service__mdt/fields/field.field-meta.xml.hbs',
    items: (p) => p.fields,
    output: (p, f) => `objects/${p.settingsType.apiName}/fields/${f.apiName}.field-meta.xml`,
    kind: 'xml',
    source: (_p, f) => `the settings registry (${f.apiName})`,
  }),
  spec<ServiceVM>({
    template: 'customMetadata/record.md-meta.xml.hbs',
    items: (p) => p.services,
    output: (p, s) => `customMetadata/${p.settingsType.name}.${s.name}.md-meta.xml`,
    kind: 'xml',
    source: (_p, s) => `services.${s.name}`,
    names: (p, s) => [{ type: 'Custom Metadata record', name: `${p.settingsType.name}.${s.name}` }],
  }),
  spec({
    template: 'cachePartitions/partition.cachePartition-meta.xml.hbs',
    items: project,
    output: (p) => `cachePartitions/${p.cache.partition}.cachePartition-meta.xml`,
    kind: 'xml',
  }),
  spec<RemoteSiteVM>({
    template: 'remoteSiteSettings/remoteSite.remoteSite-meta.xml.hbs',
    items: (p) => p.services.flatMap((s) => s.remoteSites),
    output: (_p, r) => `remoteSiteSettings/${r.name}.remoteSite-meta.xml`,
    kind: 'xml',
    source: ofService,
    names: (_p, r) => [{ type: 'Remote Site Setting', name: r.name }],
  }),
  spec<ExternalCredentialVM>({
    template: 'externalCredentials/token.externalCredential-meta.xml.hbs',
    items: externalCredentials,
    output: (_p, e) => `externalCredentials/${e.name}.externalCredential-meta.xml`,
    kind: 'xml',
    source: ofService,
    names: (_p, e) => credentialNames(e.name, e.principal),
  }),
  spec<ExternalCredentialVM>({
    template: 'externalCredentials/api.externalCredential-meta.xml.hbs',
    items: externalCredentials,
    output: (_p, e) => `externalCredentials/${e.apiExternalCredential}.externalCredential-meta.xml`,
    kind: 'xml',
    source: ofService,
    names: (_p, e) => credentialNames(e.apiExternalCredential, e.apiPrincipal),
  }),
  spec<ExternalCredentialVM>({
    template: 'namedCredentials/token.namedCredential-meta.xml.hbs',
    items: externalCredentials,
    output: (_p, e) => `namedCredentials/${e.tokenNamedCredential}.namedCredential-meta.xml`,
    kind: 'xml',
    source: ofService,
    names: (_p, e) => [{ type: 'Named Credential', name: e.tokenNamedCredential }],
  }),
  spec<ExternalCredentialVM>({
    template: 'namedCredentials/api.namedCredential-meta.xml.hbs',
    items: externalCredentials,
    output: (_p, e) => `namedCredentials/${e.apiNamedCredential}.namedCredential-meta.xml`,
    kind: 'xml',
    source: ofService,
    names: (_p, e) => [{ type: 'Named Credential', name: e.apiNamedCredential }],
  }),
  spec({
    template: 'permissionsets/permissionset.permissionset-meta.xml.hbs',
    items: (p) => (p.permissionSet ? [p] : []),
    output: (p) => `permissionsets/${p.permissionSet!.name}.permissionset-meta.xml`,
    kind: 'xml',
  }),
];
