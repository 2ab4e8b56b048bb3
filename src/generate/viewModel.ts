import type { CalloutConfig, ServiceConfig } from '../config/schema.ts';
import { Secret } from '../config/secret.ts';
import { CalloutError } from '../errors/index.ts';
import {
  buildTokenRequest,
  encodeForm,
  formUrlEncode,
  type PartOrigin,
} from '../exchange/tokenRequest.ts';
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
  name: string;
  url: string;
  description: string;
}

export interface ExternalCredentialVM {
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
  externalCredentialMode: boolean;
  classes: {
    tokenService: string;
    apiClient: string;
    exception: string;
    calloutMock: string;
    tokenServiceTest: string;
    apiClientTest: string;
  };
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
}

export interface TestFixtureVM {
  /** The service name the generated tests use for their in-memory settings. */
  serviceName: string;
  tokenUrl: string;
  apiBaseUrl: string;
  clientId: string;
  clientSecret: string;
  audience: string;
  scope: string;
  formParams: string;
  basicBody: string;
  basicAuthorization: string;
  bodyBody: string;
  /** externalCredential mode, body client auth: the credentials travel as merge fields. */
  externalCredentialBodyBody: string;
}

/** Text fields of Custom Metadata hold at most 255 characters (and getInstance reads no more). */
const TEXT_MAX = 255;

function field(
  apiName: string,
  label: string,
  description: string,
  type: FieldType = 'Text',
  length = TEXT_MAX,
): FieldVM {
  return { apiName, label, description, type, isNumber: type === 'Number', length };
}

export const SETTINGS_FIELDS: readonly FieldVM[] = [
  field(
    'TokenUrl__c',
    'Token URL',
    'OAuth2 token endpoint, or callout:NamedCredential in externalCredential mode.',
  ),
  field('ApiBaseUrl__c', 'API Base URL', 'Base URL of the API; request paths are appended to it.'),
  field('ClientId__c', 'Client Id', 'OAuth2 client id.'),
  field(
    'ClientSecret__c',
    'Client Secret',
    'OAuth2 client secret, set at deploy time by callout deploy; empty in source files.',
  ),
  field(
    'ClientAuth__c',
    'Client Auth',
    'basic (Authorization header) or body (form parameters).',
    'Text',
    10,
  ),
  field('Audience__c', 'Audience', 'audience form parameter, when set.'),
  field('Scope__c', 'Scope', 'Space-separated scopes, when set.'),
  field(
    'FormParams__c',
    'Extra Form Parameters',
    'Extra token request parameters, already form-encoded (name=value&name=value).',
  ),
  field(
    'TimeoutMs__c',
    'Timeout (ms)',
    'Callout timeout in milliseconds (1 to 120000).',
    'Number',
    6,
  ),
];

/** The same 255-character limit that the record fields have, checked before anything renders. */
function fitText(value: string, path: string): string {
  if (value.length > TEXT_MAX) {
    throw new CalloutError(
      'CONFIG_INVALID',
      `${path} is ${value.length} characters; the Custom Metadata field holds at most ${TEXT_MAX}.`,
      {
        data: { path, length: value.length },
        actions: [`Shorten ${path} in callout.config.json.`],
      },
    );
  }
  return value;
}

/** Extra form parameters, encoded exactly as the harness encodes them. */
export function encodeFormParams(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([name, value]) => `${formUrlEncode(name)}=${formUrlEncode(value)}`)
    .join('&');
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
): ServiceVM {
  const path = (key: string) => `services.${name}.${key}`;
  checkName(name, DEVELOPER_NAME, `services.${name}`);
  const ecMode = config.secretStorage === 'externalCredential';
  const credentialName = checkName(
    `${prefix}_${name}`,
    COMPONENT_NAME,
    `prefix and services.${name}`,
  );
  const tokenNamedCredential = `${credentialName}_Token`;
  const apiNamedCredential = `${credentialName}_Api`;
  const values: RecordValueVM[] = [
    {
      field: 'TokenUrl__c',
      xsdType: 'xsd:string',
      value: ecMode
        ? `callout:${tokenNamedCredential}`
        : fitText(service.tokenUrl, path('tokenUrl')),
    },
    {
      field: 'ApiBaseUrl__c',
      xsdType: 'xsd:string',
      value: ecMode
        ? `callout:${apiNamedCredential}`
        : fitText(service.apiBaseUrl, path('apiBaseUrl')),
    },
    {
      field: 'ClientId__c',
      xsdType: 'xsd:string',
      value: ecMode ? null : fitText(service.clientId, path('clientId')),
    },
    { field: 'ClientAuth__c', xsdType: 'xsd:string', value: service.clientAuth },
    {
      field: 'Audience__c',
      xsdType: 'xsd:string',
      value: service.audience === undefined ? null : fitText(service.audience, path('audience')),
    },
    {
      field: 'Scope__c',
      xsdType: 'xsd:string',
      value: service.scope === undefined ? null : fitText(service.scope, path('scope')),
    },
    {
      field: 'FormParams__c',
      xsdType: 'xsd:string',
      value:
        Object.keys(service.params).length === 0
          ? null
          : fitText(encodeFormParams(service.params), path('params')),
    },
    { field: 'TimeoutMs__c', xsdType: 'xsd:double', value: String(service.timeoutMs) },
  ];
  if (!ecMode)
    values.splice(3, 0, { field: 'ClientSecret__c', xsdType: 'xsd:string', value: null });
  const remoteSites: RemoteSiteVM[] = ecMode
    ? []
    : [
        {
          name: checkName(`${prefix}_${name}_Token`, COMPONENT_NAME, `services.${name}`),
          url: origin(service.tokenUrl),
          description: `Token endpoint of ${name} (callout-kit).`,
        },
        {
          name: checkName(`${prefix}_${name}_Api`, COMPONENT_NAME, `services.${name}`),
          url: origin(service.apiBaseUrl),
          description: `API of ${name} (callout-kit).`,
        },
      ];
  const externalCredential: ExternalCredentialVM | null = ecMode
    ? {
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

const FORM_ORIGINS: Record<PartOrigin, Omit<FormPartVM, 'name' | 'constantValue'>> = {
  constant: { settingField: null, rawSetting: false, credentialParameter: null },
  audience: { settingField: 'Audience__c', rawSetting: false, credentialParameter: null },
  scope: { settingField: 'Scope__c', rawSetting: false, credentialParameter: null },
  param: { settingField: 'FormParams__c', rawSetting: true, credentialParameter: null },
  clientId: { settingField: 'ClientId__c', rawSetting: false, credentialParameter: 'ClientId' },
  clientSecret: {
    settingField: 'ClientSecret__c',
    rawSetting: false,
    credentialParameter: 'ClientSecret',
  },
  basicAuthorization: { settingField: null, rawSetting: false, credentialParameter: null },
};

/**
 * The token request's shape, read from the one exchange description (built for both client
 * auth styles with every optional part present), mapped to what the Apex renders.
 */
/** A service with every optional part set, described in both client auth styles. */
function describeBothStyles(overrides: Partial<ServiceConfig>, secret: Secret) {
  const service: ServiceConfig = {
    tokenUrl: 'https://shape.invalid/token',
    apiBaseUrl: 'https://shape.invalid',
    clientId: 'id',
    clientSecret: { env: 'UNUSED' },
    clientAuth: 'basic',
    audience: 'a',
    scope: 's',
    params: { p: 'v' },
    timeoutMs: 1,
    ...overrides,
  };
  return {
    service,
    basic: buildTokenRequest(service, secret, 'basic'),
    body: buildTokenRequest(service, secret, 'body'),
  };
}

function requestShape(): { form: ProjectVM['tokenForm']; headers: HeaderVM[] } {
  const { basic, body } = describeBothStyles({}, new Secret('shape'));
  const toPart = (part: (typeof basic.form)[number]): FormPartVM => ({
    name: part.origin === 'param' ? '' : part.name,
    constantValue: part.origin === 'constant' ? String(part.value) : null,
    ...FORM_ORIGINS[part.origin],
  });
  const common = basic.form.map(toPart);
  const bodyAuth = body.form.slice(basic.form.length).map(toPart);
  const headers = basic.headers
    .filter((h) => h.origin === 'constant')
    .map((h) => ({ name: h.name, value: String(h.value) }));
  return { form: { common, bodyAuth }, headers };
}

/** The settings the generated Apex tests use; the expected bodies come from the harness's encoder. */
function testFixture(prefix: string): TestFixtureVM {
  const serviceName = 'TestService';
  const secret = new Secret('test-secret+/=');
  const { service, basic, body } = describeBothStyles(
    {
      tokenUrl: 'https://auth.example.test/oauth/token',
      apiBaseUrl: 'https://api.example.test/v1',
      clientId: 'test-client',
      audience: 'https://api.example.test',
      scope: 'read:loans create:loan_draft',
      params: { resource: 'loans api' },
      timeoutMs: 5000,
    },
    secret,
  );
  const authorization = basic.headers.find((h) => h.origin === 'basicAuthorization')?.value;
  const credential = `${prefix}_${serviceName}`;
  return {
    serviceName,
    tokenUrl: service.tokenUrl,
    apiBaseUrl: service.apiBaseUrl,
    clientId: service.clientId,
    clientSecret: secret.reveal(),
    audience: service.audience!,
    scope: service.scope!,
    formParams: encodeFormParams(service.params),
    basicBody: encodeForm(basic.form),
    basicAuthorization: authorization instanceof Secret ? authorization.reveal() : '',
    bodyBody: encodeForm(body.form),
    externalCredentialBodyBody: `${encodeForm(basic.form)}&client_id={!$Credential.${credential}.ClientId}&client_secret={!$Credential.${credential}.ClientSecret}`,
  };
}

export function buildProjectVM(config: CalloutConfig): ProjectVM {
  const prefix = config.prefix;
  const cls = (suffix: string) => checkName(`${prefix}${suffix}`, APEX_CLASS, 'prefix');
  const typeName = checkName(`${prefix}Service`, CUSTOM_METADATA_TYPE, 'prefix');
  const partition = checkName(config.cache.partition ?? prefix, CACHE_PARTITION, 'cache.partition');
  const ecMode = config.secretStorage === 'externalCredential';
  const shape = requestShape();
  const services = Object.entries(config.services)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, service]) => serviceVM(config, prefix, name, service));
  return {
    prefix,
    apiVersion: config.apiVersion,
    secretStorage: config.secretStorage,
    externalCredentialMode: ecMode,
    classes: {
      tokenService: cls('TokenService'),
      apiClient: cls('ApiClient'),
      exception: cls('CalloutException'),
      calloutMock: cls('CalloutMock'),
      tokenServiceTest: cls('TokenServiceTest'),
      apiClientTest: cls('ApiClientTest'),
    },
    settingsType: {
      apiName: `${typeName}__mdt`,
      name: typeName,
      label: `${prefix} Service`,
      pluralLabel: `${prefix} Services`,
    },
    fields: SETTINGS_FIELDS.filter((f) => !(ecMode && f.apiName === 'ClientSecret__c')),
    cache: {
      partition,
      qualifiedPartition: `local.${partition}`,
      capacityMb: config.cache.capacityMb,
      refreshMarginSeconds: config.cache.refreshMarginSeconds,
    },
    defaultExpiresInSeconds: DEFAULT_EXPIRES_IN_SECONDS,
    tokenForm: shape.form,
    tokenHeaders: shape.headers,
    credentialPrefix: `${prefix}_`,
    permissionSet: ecMode
      ? {
          name: checkName(`${prefix}_Callout`, COMPONENT_NAME, 'prefix'),
          label: `${prefix} Callout`,
        }
      : null,
    services,
    testFixture: testFixture(prefix),
  };
}
