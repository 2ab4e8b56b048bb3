import * as v from 'valibot';
import { isApexBlank } from '../util/apexText.ts';
import { closest } from '../util/closest.ts';
import { encodeFormPairs } from '../util/formEncoding.ts';
import { reservedFormNames, setting } from './settings.ts';

/**
 * The config schema, in valibot: ~6 ms to load where zod 4 took ~65 ms of every cold start
 * (issue target: `callout verify` within 0.1 s of a bare fetch). The published JSON Schema is
 * generated from this one definition (scripts/write-schema.ts).
 */

/** Salesforce DeveloperName: letter first, letters/digits/single underscores, no trailing underscore. */
export const DEVELOPER_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?=[A-Za-z0-9]))*$/;
const PREFIX = /^[A-Za-z][A-Za-z0-9]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Control characters break HTTP headers and Apex string literals alike. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
/** Form parameters the exchange sets itself; `params` must not override them silently. */
export const RESERVED_PARAMS: readonly string[] = reservedFormNames();

/** Unpaired UTF-16 surrogates cannot be written as UTF-8, XML or Apex source. */
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|[\uFFFE\uFFFF]/;
const noControl = v.regex(NO_CONTROL, 'must not contain control characters');
const validUnicode = v.check(
  (text: string) => !LONE_SURROGATE.test(text),
  'must be valid Unicode text',
);

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (
      (url.protocol === 'https:' || url.protocol === 'http:') &&
      url.username === '' &&
      url.password === ''
    );
  } catch {
    return false;
  }
}

/** A message that names the Custom Metadata field, so the limit explains itself. */
const fitsField = (key: string) => {
  const { field, length } = setting(key);
  return v.maxLength<string, number, string>(
    length,
    `must be at most ${length} characters (the ${field} field holds no more)`,
  );
};

/** A URL setting, limited to its Custom Metadata field's length. */
const httpUrl = (key: string, description: string) =>
  v.pipe(
    v.string('must be a string'),
    fitsField(key),
    noControl,
    validUnicode,
    v.check(isHttpUrl, 'must be an absolute http(s) URL without user:password'),
    v.description(description),
  );

/** A text setting, limited to its Custom Metadata field's length. */
const plainText = (key: string, description: string) =>
  v.pipe(
    v.string('must be a string'),
    v.minLength(1, 'must not be empty'),
    v.check(
      (text: string) => text === '' || !isApexBlank(text),
      'must not be blank (the generated Apex leaves a blank value out of the request)',
    ),
    fitsField(key),
    noControl,
    validUnicode,
    v.description(description),
  );

export const secretSourceSchema = v.pipe(
  v.union(
    [
      v.strictObject({
        env: v.pipe(
          v.string(),
          v.regex(ENV_NAME, 'must be an environment variable name'),
          v.description('Environment variable holding the secret.'),
        ),
      }),
      v.strictObject({
        file: v.pipe(
          v.string(),
          v.minLength(1),
          v.description('File holding only the secret (relative to the config file).'),
        ),
      }),
    ],
    'must be { "env": NAME } or { "file": PATH }, never the secret itself',
  ),
  v.description('Where the client secret comes from. Never the secret itself.'),
);

export const probeSchema = v.pipe(
  v.strictObject({
    method: v.optional(
      v.pipe(
        v.picklist(
          ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'],
          'must be one of GET, POST, PUT, PATCH, DELETE, HEAD',
        ),
        v.description('HTTP method of the probe.'),
      ),
      'GET',
    ),
    path: v.pipe(
      v.string(),
      v.startsWith('/', 'must start with "/"'),
      noControl,
      validUnicode,
      v.description('Path appended to apiBaseUrl.'),
    ),
    body: v.optional(v.pipe(v.string(), v.description('JSON body sent with the probe.'))),
  }),
  v.description('An API request verify makes with the token.'),
);

const paramName = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_.:-]+$/, 'parameter names are letters, digits and _ . : -'),
  v.check((k) => !RESERVED_PARAMS.includes(k), 'is set by the exchange itself'),
);

/** The pairs are stored form-encoded in one field, so the limit is on the encoded text. */
const paramsFitField = () => {
  const { field, length } = setting('params');
  return v.check(
    (params: Record<string, string>) => encodeFormPairs(params).length <= length,
    `must be at most ${length} characters once form-encoded as name=value&name=value (the ${field} field holds no more)`,
  );
};

export const serviceSchema = v.strictObject({
  tokenUrl: httpUrl('tokenUrl', 'The OAuth2 token endpoint.'),
  apiBaseUrl: httpUrl('apiBaseUrl', 'Base URL of the API; request paths are appended to it.'),
  clientId: plainText('clientId', 'OAuth2 client id (not secret).'),
  clientSecret: secretSourceSchema,
  clientAuth: v.pipe(
    v.picklist(['basic', 'body'], 'must be "basic" or "body"'),
    v.description(
      'basic: Authorization: Basic base64(client_id:client_secret), the pair as given. body: client_id and client_secret form parameters.',
    ),
  ),
  audience: v.optional(
    plainText('audience', 'audience form parameter (Auth0 style), when the provider wants one.'),
  ),
  scope: v.optional(plainText('scope', 'Space-separated scopes to request.')),
  params: v.optional(
    v.pipe(
      v.record(paramName, v.pipe(v.string(), noControl, validUnicode)),
      paramsFitField(),
      v.description('Extra form parameters of the token request.'),
    ),
    {},
  ),
  timeoutMs: v.optional(
    v.pipe(
      v.number('must be a number'),
      v.integer('must be a whole number'),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(120_000, 'must be at most 120000 (the Apex callout limit)'),
      v.description('Callout timeout in ms (Apex default 10000, at most 120000).'),
    ),
    10_000,
  ),
  probe: v.optional(probeSchema),
});

const cacheSchema = v.pipe(
  v.strictObject({
    partition: v.optional(
      v.pipe(
        v.string(),
        v.regex(PREFIX, 'must start with a letter and hold only letters and digits'),
        v.maxLength(40),
        v.description('Platform Cache partition name (default: the prefix).'),
      ),
    ),
    capacityMb: v.optional(
      v.pipe(
        v.number(),
        v.integer(),
        v.minValue(0),
        v.maxValue(1000),
        v.description('Org cache capacity of the partition, in MB.'),
      ),
      1,
    ),
    refreshMarginSeconds: v.optional(
      v.pipe(
        v.number(),
        v.integer(),
        v.minValue(0),
        v.maxValue(3600),
        v.description('A token is used only until this many seconds before it expires.'),
      ),
      60,
    ),
  }),
  v.description('Platform Cache settings of the generated token service.'),
);

/**
 * Which services `deploy --target-org ORG` sends to an org: org alias or username -> service
 * names. The names are checked against `services` on the whole config (below).
 */
const orgsSchema = v.pipe(
  v.record(
    v.pipe(v.string(), v.minLength(1, 'org names must not be empty')),
    v.pipe(
      v.array(v.string('service names are strings'), 'must be a list of service names'),
      v.minLength(1, 'must name at least one service'),
    ),
  ),
  v.description(
    'The services deploy sends to each org: sf alias or username -> service names, e.g. { "uat": ["ExternalAppStage"] }. deploy --service overrides it; an org not listed gets every service.',
  ),
);

/** Service names under `orgs` that `services` does not define, with where they are. */
export function unknownOrgServices(config: {
  services: Record<string, unknown>;
  orgs?: Record<string, string[]> | undefined;
}): Array<{ org: string; index: number; name: string }> {
  return Object.entries(config.orgs ?? {}).flatMap(([org, names]) =>
    names.flatMap((name, index) =>
      Object.hasOwn(config.services, name) ? [] : [{ org, index, name }],
    ),
  );
}

const configObject = v.strictObject({
  $schema: v.optional(v.string()),
  prefix: v.pipe(
    v.string('must be a string'),
    v.regex(PREFIX, 'must start with a letter and hold only letters and digits'),
    v.maxLength(22, 'must be at most 22 characters (generated class names must fit in 40)'),
    v.description('Prefix of every generated Apex and metadata name.'),
  ),
  apiVersion: v.pipe(
    v.string('must be a string like "64.0"'),
    v.regex(/^\d{2,3}\.0$/, 'must look like "64.0"'),
    v.check(
      (text) => Number.parseFloat(text) >= 56,
      'must be 56.0 or later (External Credentials need it)',
    ),
    v.description('Salesforce API version of the generated metadata.'),
  ),
  secretStorage: v.optional(
    v.pipe(
      v.picklist(
        ['customMetadata', 'externalCredential'],
        'must be "customMetadata" or "externalCredential"',
      ),
      v.description(
        'customMetadata: secret in a Custom Metadata field set at deploy time. externalCredential: secret in an encrypted External Credential.',
      ),
    ),
    'customMetadata',
  ),
  cache: v.optional(cacheSchema, { capacityMb: 1, refreshMarginSeconds: 60 }),
  services: v.pipe(
    v.record(
      v.pipe(
        v.string(),
        v.regex(
          DEVELOPER_NAME,
          'service names are DeveloperNames: letter first, letters, digits and single underscores, no trailing underscore',
        ),
        v.maxLength(40, 'service names are at most 40 characters'),
      ),
      serviceSchema,
    ),
    v.check((services) => Object.keys(services).length > 0, 'must define at least one service'),
    v.description('The APIs to call, keyed by DeveloperName.'),
  ),
  orgs: v.optional(orgsSchema),
});

export const configSchema = v.pipe(
  configObject,
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const services = Object.keys(dataset.value.services);
    for (const { org, index, name } of unknownOrgServices(dataset.value)) {
      const guess = closest(name, services);
      addIssue({
        message: `names "${name}", which is not a service of this config${guess ? ` (did you mean "${guess}"?)` : ''}; its services are ${services.join(', ')}`,
        path: [
          {
            type: 'object',
            origin: 'value',
            input: dataset.value,
            key: 'orgs',
            value: dataset.value.orgs,
          },
          {
            type: 'object',
            origin: 'value',
            input: dataset.value.orgs!,
            key: org,
            value: dataset.value.orgs![org],
          },
          {
            type: 'array',
            origin: 'value',
            input: dataset.value.orgs![org]!,
            key: index,
            value: name,
          },
        ],
      });
    }
  }),
);

export type ConfigInput = v.InferInput<typeof configSchema>;
export type CalloutConfig = v.InferOutput<typeof configSchema>;
export type ServiceConfig = v.InferOutput<typeof serviceSchema>;
export type SecretSource = v.InferOutput<typeof secretSourceSchema>;
export type ProbeConfig = v.InferOutput<typeof probeSchema>;
export type ClientAuth = ServiceConfig['clientAuth'];
