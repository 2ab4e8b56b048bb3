import { encodeFormPairs } from '../util/formEncoding.ts';
import { CalloutError } from '../errors/index.ts';

/**
 * The settings registry: one entry per setting of a service, and everything callout-kit knows
 * about it (source-deploy-retrieve's habit: behaviour as data, one entry per kind). The config
 * schema takes its length limits and descriptions from here; the exchange builds the token
 * request's form from `request`; the generator derives the Custom Metadata fields, the record
 * values, the Apex form parts, the Apex cache key and the Apex test fixture; the harness derives
 * its local cache key. Adding a setting is adding an entry here (and its key in the schema).
 *
 * It sits in config, the lowest layer, because the schema needs the limits; it imports nothing
 * above util.
 */

/** Text fields of Custom Metadata hold at most 255 characters (getInstance reads no more). */
export const TEXT_FIELD_MAX = 255;

/** What a setting feeds in the client-credentials token request (RFC 6749 section 4.4). */
export type TokenRequestRole =
  /** The URL the request is POSTed to. */
  | { kind: 'endpoint' }
  /** One form parameter of this name, sent when the setting is set. */
  | { kind: 'formParameter'; name: string }
  /** Name/value pairs sent as they are (stored already form-encoded). */
  | { kind: 'formParameters' }
  /**
   * Client authentication: with `basic` part of the Authorization header, with `body` the form
   * parameter `formName`; in externalCredential mode the principal parameter of that name.
   */
  | { kind: 'clientCredential'; formName: string; credentialParameter: string }
  /** Chooses basic or body client authentication. */
  | { kind: 'clientAuthStyle' }
  /** The callout timeout. */
  | { kind: 'timeout' }
  /** Not part of the token request. */
  | { kind: 'none' };

/**
 * What the record holds in externalCredential mode: the setting itself, a `callout:` endpoint of
 * the service's token or API named credential, nothing (the External Credential holds it), or no
 * field at all.
 */
export type ExternalCredentialValue =
  'setting' | 'tokenCallout' | 'apiCallout' | 'empty' | 'noField';

export interface SettingSpec {
  /** Key of the setting in a service of callout.config.json. */
  readonly key: string;
  /** API name of the Custom Metadata field. */
  readonly field: string;
  readonly label: string;
  /** Field description; also the setting's description in the published JSON Schema. */
  readonly description: string;
  readonly type: 'Text' | 'Number';
  /** Text: the field length, and the longest value the config accepts. Number: the precision. */
  readonly length: number;
  /** Never in a file: the record field stays empty in source, filled only at deploy time. */
  readonly secret: boolean;
  readonly request: TokenRequestRole;
  /**
   * Changes the token, so it is part of both cache keys: the Apex Platform Cache key (non-secret
   * settings) and the local token cache key of `callout token` (secret settings as a keyed hash).
   */
  readonly cacheKey: boolean;
  readonly externalCredential: ExternalCredentialValue;
  /** The value the generated Apex tests put in their in-memory record. */
  readonly fixture: string | number | Readonly<Record<string, string>>;
  /** Shown with a config error about this setting. */
  readonly example: string;
}

export const SETTINGS: readonly SettingSpec[] = [
  {
    key: 'tokenUrl',
    field: 'TokenUrl__c',
    label: 'Token URL',
    description: 'OAuth2 token endpoint, or callout:NamedCredential in externalCredential mode.',
    type: 'Text',
    length: TEXT_FIELD_MAX,
    secret: false,
    request: { kind: 'endpoint' },
    cacheKey: true,
    externalCredential: 'tokenCallout',
    fixture: 'https://auth.example.test/oauth/token',
    example: '"tokenUrl": "https://auth-stage.externalapp.example/oauth/token"',
  },
  {
    key: 'apiBaseUrl',
    field: 'ApiBaseUrl__c',
    label: 'API Base URL',
    description: 'Base URL of the API; request paths are appended to it.',
    type: 'Text',
    length: TEXT_FIELD_MAX,
    secret: false,
    request: { kind: 'none' },
    cacheKey: false,
    externalCredential: 'apiCallout',
    fixture: 'https://api.example.test/v1',
    example: '"apiBaseUrl": "https://partner-api-stage.externalapp.example"',
  },
  {
    key: 'clientId',
    field: 'ClientId__c',
    label: 'Client Id',
    description: 'OAuth2 client id.',
    type: 'Text',
    length: TEXT_FIELD_MAX,
    secret: false,
    request: { kind: 'clientCredential', formName: 'client_id', credentialParameter: 'ClientId' },
    cacheKey: true,
    externalCredential: 'empty',
    fixture: 'test-client',
    example: '"clientId": "YXXXXXmkqR0ED7xLuBj74p9BXynOadz6l"',
  },
  {
    key: 'clientSecret',
    field: 'ClientSecret__c',
    label: 'Client Secret',
    description:
      'OAuth2 client secret, set at deploy time by callout deploy; empty in source files.',
    type: 'Text',
    length: TEXT_FIELD_MAX,
    secret: true,
    request: {
      kind: 'clientCredential',
      formName: 'client_secret',
      credentialParameter: 'ClientSecret',
    },
    cacheKey: true,
    externalCredential: 'noField',
    fixture: 'test-secret+/=',
    example: '"clientSecret": { "env": "EXTERNALAPP_STAGE_CLIENT_SECRET" }',
  },
  {
    key: 'clientAuth',
    field: 'ClientAuth__c',
    label: 'Client Auth',
    description: 'basic (Authorization header) or body (form parameters).',
    type: 'Text',
    length: 10,
    secret: false,
    request: { kind: 'clientAuthStyle' },
    cacheKey: false,
    externalCredential: 'setting',
    fixture: 'basic',
    example: '"clientAuth": "basic"',
  },
  {
    key: 'audience',
    field: 'Audience__c',
    label: 'Audience',
    description: 'audience form parameter, when set.',
    type: 'Text',
    length: TEXT_FIELD_MAX,
    secret: false,
    request: { kind: 'formParameter', name: 'audience' },
    cacheKey: true,
    externalCredential: 'setting',
    fixture: 'https://api.example.test',
    example: '"audience": "https://partner-api-stage.externalapp.example"',
  },
  {
    key: 'scope',
    field: 'Scope__c',
    label: 'Scope',
    description: 'Space-separated scopes, when set.',
    type: 'Text',
    length: TEXT_FIELD_MAX,
    secret: false,
    request: { kind: 'formParameter', name: 'scope' },
    cacheKey: true,
    externalCredential: 'setting',
    fixture: 'read:loans create:loan_draft',
    example: '"scope": "create:loan_draft read:loans"',
  },
  {
    key: 'params',
    field: 'FormParams__c',
    label: 'Extra Form Parameters',
    description: 'Extra token request parameters, already form-encoded (name=value&name=value).',
    type: 'Text',
    length: TEXT_FIELD_MAX,
    secret: false,
    request: { kind: 'formParameters' },
    cacheKey: true,
    externalCredential: 'setting',
    fixture: { resource: 'loans api' },
    example: '"params": { "resource": "loans" }',
  },
  {
    key: 'timeoutMs',
    field: 'TimeoutMs__c',
    label: 'Timeout (ms)',
    description: 'Callout timeout in milliseconds (1 to 120000).',
    type: 'Number',
    length: 6,
    secret: false,
    request: { kind: 'timeout' },
    cacheKey: false,
    externalCredential: 'setting',
    fixture: 5000,
    example: '"timeoutMs": 10000',
  },
];

/** The registry entry of a config key; throws on a key the registry does not know. */
export function setting(key: string, settings: readonly SettingSpec[] = SETTINGS): SettingSpec {
  const found = settings.find((s) => s.key === key);
  if (!found) throw new CalloutError('UNEXPECTED', `No setting "${key}" in the settings registry`);
  return found;
}

/**
 * A setting's value as the record field and the cache keys hold it: text as it is, a number in
 * decimal, name/value pairs form-encoded; undefined when unset (or no pairs).
 */
export function settingText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') {
    const encoded = encodeFormPairs(value as Record<string, string>);
    return encoded === '' ? undefined : encoded;
  }
  throw new CalloutError('UNEXPECTED', `A setting value of type ${typeof value} has no text form`);
}

/** Form parameter names the exchange sets itself; `params` must not override them silently. */
export function reservedFormNames(settings: readonly SettingSpec[] = SETTINGS): string[] {
  return [
    'grant_type',
    ...settings.flatMap((s) =>
      s.request.kind === 'formParameter'
        ? [s.request.name]
        : s.request.kind === 'clientCredential'
          ? [s.request.formName]
          : [],
    ),
  ];
}
