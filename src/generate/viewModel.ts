import type { CalloutConfig, ServiceConfig } from '../config/schema.ts';
import { CalloutError } from '../errors/index.ts';
import { Secret } from '../config/secret.ts';
import { setting, SETTINGS, settingText, type SettingSpec } from '../config/settings.ts';
import { buildTokenRequest, encodeForm, type RequestPart } from '../exchange/tokenRequest.ts';
import { DEFAULT_EXPIRES_IN_SECONDS } from '../exchange/tokenResponse.ts';
import {
  APEX_CLASS,
  CACHE_PARTITION,
  checkName,
  COMPONENT_NAME,
  CUSTOM_METADATA_TYPE,
  DEVELOPER_NAME,
} from './names.ts';

/**
 * Typed view models: every decision about the generated output is made here, in TypeScript, so
 * the templates only substitute values (through escaping helpers) and loop.
 */

export type FieldType = 'Text' | 'Number';

export interface FieldVM {
  /** API name, e.g. TokenUrl__c. */
  apiName: string;
  label: string;
  description: string;
  type: FieldType;
  /** For the templates, which branch only on booleans. */
  isNumber: boolean;
  /** Text length; Number precision. */
  length: number;
}

export interface RecordValueVM {
  field: string;
  /** xsd:string or xsd:double; null values are written as xsi:nil. */
  xsdType: 'xsd:string' | 'xsd:double';
  value: string | null;
}

export interface RemoteSiteVM {
  /** The service (its key in the config's `services`) this remote site is generated for. */
  service: string;
  name: string;
  url: string;
  description: string;
}

export interface ExternalCredentialVM {
  /** The service (its key in the config's `services`) these credentials are generated for. */
  service: string;
  /** ExternalCredential and principal names; the principal access name is `${name}-${principal}`. */
  name: string;
  label: string;
  principal: string;
  /** The custom Authorization header formula for Basic client auth, or null for body auth. */
  basicHeaderFormula: string | null;
  tokenNamedCredential: string;
  tokenUrl: string;
  /** Body client auth sends merge fields in the form body. */
  allowMergeFieldsInBody: boolean;
  /**
   * The API's External Credential: Custom protocol with a parameterless principal, because a
   * named credential needs one and the API call carries its own Bearer header from Apex.
   */
  apiExternalCredential: string;
  apiLabel: string;
  apiPrincipal: string;
  apiNamedCredential: string;
  apiBaseUrl: string;
}

export interface ServiceVM {
  name: string;
  label: string;
  values: RecordValueVM[];
  remoteSites: RemoteSiteVM[];
  externalCredential: ExternalCredentialVM | null;
}

/**
 * One form parameter of the token request as the Apex renders it, in the order the exchange
 * description gives: a constant, a settings field (`rawSetting`: already form-encoded), or in
 * externalCredential mode a credential parameter sent as a merge field.
 */
export interface FormPartVM {
  name: string;
  constantValue: string | null;
  settingField: string | null;
  rawSetting: boolean;
  credentialParameter: string | null;
}

/** A constant header of the token request. */
export interface HeaderVM {
  name: string;
  value: string;
}

export interface ProjectVM {
  prefix: string;
  apiVersion: string;
  secretStorage: CalloutConfig['secretStorage'];
  classes: {
    /** The public facade: getAccessToken, invalidate, getSettings, timeoutMs. */
    tokenService: string;
    /** Builds and sends the token request; the cache key. */
    tokenRequest: string;
    /** Reads the token response: OAuth errors, HTML titles, expires_in, redaction. */
    tokenResponse: string;
    /** The transaction cache and the Platform Cache store. */
    tokenCache: string;
    /** The API client, `${prefix}Api` (its request builder), from templates/classes/Api.cls.hbs. */
    api: string;
    /** `${prefix}ApiClient`: the one-call `send(service, method, path, body)` over `api`. */
    apiClient: string;
    exception: string;
    calloutMock: string;
    tokenServiceTest: string;
    tokenRequestTest: string;
    tokenResponseTest: string;
    tokenCacheTest: string;
    /** `${prefix}ApiTest`: tests of `api` and `apiClient`. */
    apiTest: string;
  };
  /** Every generated test class, in the order they run. */
  testClasses: string[];
  /** Custom Metadata type: API name (with __mdt) and the name used in record file names (without). */
  settingsType: { apiName: string; name: string; label: string; pluralLabel: string };
  fields: FieldVM[];
  cache: {
    partition: string;
    qualifiedPartition: string;
    capacityMb: number;
    refreshMarginSeconds: number;
  };
  defaultExpiresInSeconds: number;
  /** `common` parts always (when their setting is not blank); `bodyAuth` parts for body client auth. */
  tokenForm: { common: FormPartVM[]; bodyAuth: FormPartVM[] };
  tokenHeaders: HeaderVM[];
  /** Prefix of the per-service External Credential names (`${prefix}_`), for merge fields. */
  credentialPrefix: string;
  permissionSet: { name: string; label: string } | null;
  services: ServiceVM[];
  /** Values the generated Apex tests use, and the request body the harness would send for them. */
  testFixture: TestFixtureVM;
  /** The record fields of the client id and secret (Basic client auth in customMetadata mode). */
  clientCredentials: { idField: string; secretField: string };
  /** Record fields whose values make up the Platform Cache key, in registry order. */
  cacheKeyFields: string[];
  /**
   * The secret-storage variant of each template slot: names of partials under
   * templates/partials/, chosen here so the templates hold no branch per variant.
   */
  partials: {
    tokenRequestDescription: string;
    tokenRequestClientCredentials: string;
    tokenResponseDescription: string;
    tokenResponseRedact: string;
    tokenRequestTestBasicAuthorization: string;
    tokenRequestTestSecret: string;
    tokenResponseTestRedaction: string;
    /** Shared by the token test classes: their in-memory settings. */
    tokenTestSettings: string;
  };
}

export interface TestFixtureVM {
  /** The service name the generated tests use for their in-memory settings. */
  serviceName: string;
  tokenUrl: string;
  apiBaseUrl: string;
  /** The in-memory record of the tests: every field of this mode, with its registry fixture. */
  fields: Array<{ field: string; isNumber: boolean; isClientAuthStyle: boolean; value: string }>;
  /** For each cache key field, another value: the key must change with it. */
  cacheKeyChanges: Array<{ field: string; value: string }>;
  /**
   * The first two cache key fields: "ab" + "c" and "a" + "bc" in them must give different keys,
   * so the separator between the hashed values is tested.
   */
  adjacentCacheKeyFields: { first: string; second: string };
  basicAuthorization: string;
  basicBody: string;
  /**
   * Body client auth: the harness's body, or in externalCredential mode the body with the
   * credentials as External Credential merge fields.
   */
  bodyAuthBody: string;
}

/** A Custom Metadata field, from its settings registry entry. */
function fieldVM(spec: SettingSpec): FieldVM {
  return {
    apiName: spec.field,
    label: spec.label,
    description: spec.description,
    type: spec.type,
    isNumber: spec.type === 'Number',
    length: spec.length,
  };
}

/** The registry entries that have a field in this secret storage mode. */
function storedSettings(
  settings: readonly SettingSpec[],
  secretStorage: CalloutConfig['secretStorage'],
): SettingSpec[] {
  return settings.filter(
    (s) => !(secretStorage === 'externalCredential' && s.externalCredential === 'noField'),
  );
}

/**
 * A setting's record value: the setting as the cache keys read it; a secret only when the deploy
 * passes it (the record rendered in memory), else empty; in externalCredential mode, what the
 * registry says the record holds.
 */
function recordValue(
  spec: SettingSpec,
  service: ServiceConfig,
  ecMode: boolean,
  namedCredentials: { token: string; api: string },
  secret: Secret | undefined,
): RecordValueVM {
  const xsdType = spec.type === 'Number' ? 'xsd:double' : 'xsd:string';
  const mode = ecMode ? spec.externalCredential : 'setting';
  let value: string | null;
  if (spec.secret) value = mode === 'setting' && secret ? secret.reveal() : null;
  else if (mode === 'empty') value = null;
  else if (mode === 'tokenCallout') value = `callout:${namedCredentials.token}`;
  else if (mode === 'apiCallout') value = `callout:${namedCredentials.api}`;
  else value = settingText((service as unknown as Record<string, unknown>)[spec.key]) ?? null;
  return { field: spec.field, xsdType, value };
}

function origin(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}`;
}

function serviceVM(
  config: CalloutConfig,
  prefix: string,
  name: string,
  service: ServiceConfig,
  settings: readonly SettingSpec[],
  secret: Secret | undefined,
): ServiceVM {
  checkName(name, DEVELOPER_NAME, `services.${name}`);
  const ecMode = config.secretStorage === 'externalCredential';
  const credentialName = checkName(
    `${prefix}_${name}`,
    COMPONENT_NAME,
    `prefix and services.${name}`,
  );
  const tokenNamedCredential = `${credentialName}_Token`;
  const apiNamedCredential = `${credentialName}_Api`;
  const values = storedSettings(settings, config.secretStorage).map((spec) =>
    recordValue(
      spec,
      service,
      ecMode,
      { token: tokenNamedCredential, api: apiNamedCredential },
      secret,
    ),
  );
  const remoteSites: RemoteSiteVM[] = ecMode
    ? []
    : [
        {
          service: name,
          name: checkName(`${prefix}_${name}_Token`, COMPONENT_NAME, `services.${name}`),
          url: origin(service.tokenUrl),
          description: `Token endpoint of ${name} (callout-kit).`,
        },
        {
          service: name,
          name: checkName(`${prefix}_${name}_Api`, COMPONENT_NAME, `services.${name}`),
          url: origin(service.apiBaseUrl),
          description: `API of ${name} (callout-kit).`,
        },
      ];
  const externalCredential: ExternalCredentialVM | null = ecMode
    ? {
        service: name,
        name: credentialName,
        label: `${name} client credentials`,
        principal: 'ClientCredentials',
        basicHeaderFormula:
          service.clientAuth === 'basic'
            ? `{!'Basic ' & BASE64ENCODE(BLOB($Credential.${credentialName}.ClientId & ':' & $Credential.${credentialName}.ClientSecret))}`
            : null,
        tokenNamedCredential,
        tokenUrl: service.tokenUrl,
        allowMergeFieldsInBody: service.clientAuth === 'body',
        apiExternalCredential: `${credentialName}_Api`,
        apiLabel: `${name} API`,
        apiPrincipal: 'ApiAccess',
        apiNamedCredential,
        apiBaseUrl: service.apiBaseUrl,
      }
    : null;
  return { name, label: name, values, remoteSites, externalCredential };
}

/** How the Apex renders one part of the token request, from the part's origin. */
function formPartVM(part: RequestPart, settings: readonly SettingSpec[]): FormPartVM {
  if (typeof part.origin !== 'object') {
    return {
      name: part.name,
      constantValue: part.origin === 'constant' ? String(part.value) : null,
      settingField: null,
      rawSetting: false,
      credentialParameter: null,
    };
  }
  const spec = setting(part.origin.setting, settings);
  const raw = spec.request.kind === 'formParameters';
  return {
    // Pairs stored already encoded are added as they are, whatever their names.
    name: raw ? '' : part.name,
    constantValue: null,
    settingField: spec.field,
    rawSetting: raw,
    credentialParameter:
      spec.request.kind === 'clientCredential' ? spec.request.credentialParameter : null,
  };
}

/** A service with every setting set to its registry fixture, described in both client auth styles. */
function describeBothStyles(settings: readonly SettingSpec[]) {
  const fixtures = Object.fromEntries(
    settings.filter((s) => !s.secret).map((s) => [s.key, s.fixture]),
  );
  const service = { ...fixtures, clientSecret: { env: 'UNUSED' } } as unknown as ServiceConfig;
  const secretFixture = settings.find((s) => s.secret)?.fixture;
  const secret = new Secret(typeof secretFixture === 'string' ? secretFixture : 'secret');
  return {
    service,
    secret,
    basic: buildTokenRequest(service, secret, 'basic', settings),
    body: buildTokenRequest(service, secret, 'body', settings),
  };
}

/**
 * The token request's shape, read from the one exchange description (built for both client
 * auth styles with every setting set), mapped to what the Apex renders.
 */
function requestShape(settings: readonly SettingSpec[]): {
  form: ProjectVM['tokenForm'];
  headers: HeaderVM[];
} {
  const { basic, body } = describeBothStyles(settings);
  const common = basic.form.map((part) => formPartVM(part, settings));
  const bodyAuth = body.form.slice(basic.form.length).map((part) => formPartVM(part, settings));
  const headers = basic.headers
    .filter((h) => h.origin === 'constant')
    .map((h) => ({ name: h.name, value: String(h.value) }));
  return { form: { common, bodyAuth }, headers };
}

/**
 * The settings the generated Apex tests use, from the registry's fixtures; the expected bodies
 * come from the harness's encoder.
 */
function testFixture(
  prefix: string,
  settings: readonly SettingSpec[],
  secretStorage: CalloutConfig['secretStorage'],
): TestFixtureVM {
  const serviceName = 'TestService';
  const { service, secret, basic, body } = describeBothStyles(settings);
  const values = service as unknown as Record<string, unknown>;
  const text = (key: string) => settingText(values[key]) ?? '';
  const authorization = basic.headers.find((h) => h.origin === 'basicAuthorization')?.value;
  const credential = `${prefix}_${serviceName}`;
  const ecMode = secretStorage === 'externalCredential';
  const cacheKeyFields = apexCacheKeyFields(settings, secretStorage);
  if (cacheKeyFields.length < 2)
    throw new CalloutError('UNEXPECTED', 'The Apex cache key needs at least two fields');
  const fields = storedSettings(settings, secretStorage).map((spec) => ({
    field: spec.field,
    isNumber: spec.type === 'Number',
    isClientAuthStyle: spec.request.kind === 'clientAuthStyle',
    value: spec.secret ? secret.reveal() : text(spec.key),
  }));
  return {
    serviceName,
    tokenUrl: text('tokenUrl'),
    apiBaseUrl: text('apiBaseUrl'),
    fields,
    cacheKeyChanges: cacheKeyFields.map((field) => {
      const fixture = fields.find((f) => f.field === field);
      // The tests' record holds 'basic' or 'body' in the client auth style field.
      return { field, value: fixture?.isClientAuthStyle ? 'body' : `${fixture?.value ?? ''}x` };
    }),
    adjacentCacheKeyFields: { first: cacheKeyFields[0]!, second: cacheKeyFields[1]! },
    basicAuthorization: authorization instanceof Secret ? authorization.reveal() : '',
    basicBody: encodeForm(basic.form),
    bodyAuthBody: ecMode
      ? `${encodeForm(basic.form)}${body.form
          .slice(basic.form.length)
          .map((part) => {
            const parameter = formPartVM(part, settings).credentialParameter ?? '';
            return `&${part.name}={!$Credential.${credential}.${parameter}}`;
          })
          .join('')}`
      : encodeForm(body.form),
  };
}

function clientCredentialFields(settings: readonly SettingSpec[]): ProjectVM['clientCredentials'] {
  const credentials = settings.filter((s) => s.request.kind === 'clientCredential');
  const id = credentials.find((s) => !s.secret);
  const secret = credentials.find((s) => s.secret);
  if (!id || !secret)
    throw new CalloutError(
      'UNEXPECTED',
      'The settings registry needs a client id and a client secret',
    );
  return { idField: id.field, secretField: secret.field };
}

/**
 * The record fields whose values make up the Apex cache key (with the full service name):
 * everything in the token request that has a field, except secrets (the Platform Cache key is
 * visible to the org's code). That is every setting that changes the token, and the client auth
 * style, which changes the request though not the token.
 */
function apexCacheKeyFields(
  settings: readonly SettingSpec[],
  secretStorage: CalloutConfig['secretStorage'],
): string[] {
  return storedSettings(settings, secretStorage)
    .filter((s) => (s.cacheKey || s.request.kind === 'clientAuthStyle') && !s.secret)
    .map((s) => s.field);
}

/**
 * The view model of a project. `settings` is replaceable so tests can show that a registry entry
 * reaches every artifact derived from it. `secrets` (by service name) is for the deploy only: the
 * records it renders in memory carry the secret; files never do.
 */
export function buildProjectVM(
  config: CalloutConfig,
  options: {
    settings?: readonly SettingSpec[];
    secrets?: ReadonlyMap<string, Secret>;
  } = {},
): ProjectVM {
  const settings = options.settings ?? SETTINGS;
  const prefix = config.prefix;
  const cls = (suffix: string) => checkName(`${prefix}${suffix}`, APEX_CLASS, 'prefix');
  const typeName = checkName(`${prefix}Service`, CUSTOM_METADATA_TYPE, 'prefix');
  const partition = checkName(config.cache.partition ?? prefix, CACHE_PARTITION, 'cache.partition');
  const ecMode = config.secretStorage === 'externalCredential';
  const classes: ProjectVM['classes'] = {
    tokenService: cls('TokenService'),
    tokenRequest: cls('TokenRequest'),
    tokenResponse: cls('TokenResponse'),
    tokenCache: cls('TokenCache'),
    api: cls('Api'),
    apiClient: cls('ApiClient'),
    exception: cls('CalloutException'),
    calloutMock: cls('CalloutMock'),
    tokenServiceTest: cls('TokenServiceTest'),
    tokenRequestTest: cls('TokenRequestTest'),
    tokenResponseTest: cls('TokenResponseTest'),
    tokenCacheTest: cls('TokenCacheTest'),
    apiTest: cls('ApiTest'),
  };
  const shape = requestShape(settings);
  const services = Object.entries(config.services)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, service]) =>
      serviceVM(config, prefix, name, service, settings, options.secrets?.get(name)),
    );
  return {
    prefix,
    apiVersion: config.apiVersion,
    secretStorage: config.secretStorage,
    classes,
    testClasses: [
      classes.tokenServiceTest,
      classes.tokenRequestTest,
      classes.tokenResponseTest,
      classes.tokenCacheTest,
      classes.apiTest,
    ],
    settingsType: {
      apiName: `${typeName}__mdt`,
      name: typeName,
      label: `${prefix} Service`,
      pluralLabel: `${prefix} Services`,
    },
    fields: storedSettings(settings, config.secretStorage).map(fieldVM),
    cache: {
      partition,
      qualifiedPartition: `local.${partition}`,
      capacityMb: config.cache.capacityMb,
      refreshMarginSeconds: config.cache.refreshMarginSeconds,
    },
    defaultExpiresInSeconds: DEFAULT_EXPIRES_IN_SECONDS,
    tokenForm: shape.form,
    cacheKeyFields: apexCacheKeyFields(settings, config.secretStorage),
    clientCredentials: clientCredentialFields(settings),
    tokenHeaders: shape.headers,
    credentialPrefix: `${prefix}_`,
    permissionSet: ecMode
      ? {
          name: checkName(`${prefix}_Callout`, COMPONENT_NAME, 'prefix'),
          label: `${prefix} Callout`,
        }
      : null,
    services,
    testFixture: testFixture(prefix, settings, config.secretStorage),
    partials: {
      tokenRequestDescription: `${config.secretStorage}/TokenRequest.description`,
      tokenRequestClientCredentials: `${config.secretStorage}/TokenRequest.clientCredentials`,
      tokenResponseDescription: `${config.secretStorage}/TokenResponse.description`,
      tokenResponseRedact: `${config.secretStorage}/TokenResponse.redact`,
      tokenRequestTestBasicAuthorization: `${config.secretStorage}/TokenRequestTest.basicAuthorization`,
      tokenRequestTestSecret: `${config.secretStorage}/TokenRequestTest.secret`,
      tokenResponseTestRedaction: `${config.secretStorage}/TokenResponseTest.redaction`,
      tokenTestSettings: 'common/TokenTest.settings',
    },
  };
}
