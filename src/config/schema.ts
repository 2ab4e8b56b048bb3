import { z } from 'zod';

/** Salesforce DeveloperName: letter first, letters/digits/single underscores, no trailing underscore. */
export const DEVELOPER_NAME = /^[A-Za-z](?:[A-Za-z0-9]|_(?=[A-Za-z0-9]))*$/;
const PREFIX = /^[A-Za-z][A-Za-z0-9]*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Control characters break HTTP headers and Apex string literals alike. */
const NO_CONTROL = /^[^\u0000-\u001f\u007f]*$/;
/** Form parameters the exchange sets itself; `params` must not override them silently. */
export const RESERVED_PARAMS = ['grant_type', 'client_id', 'client_secret', 'audience', 'scope'] as const;

const httpUrl = z
  .string()
  .regex(NO_CONTROL, 'must not contain control characters')
  .refine((s) => {
    try {
      const url = new URL(s);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.username === '' && url.password === '';
    } catch {
      return false;
    }
  }, 'must be an absolute http(s) URL without user:password');

const plainText = z.string().min(1).regex(NO_CONTROL, 'must not contain control characters');

export const secretSourceSchema = z.union([
  z.strictObject({ env: z.string().regex(ENV_NAME, 'must be an environment variable name') }),
  z.strictObject({ file: z.string().min(1) }),
]);

export const probeSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
  path: z.string().startsWith('/', 'must start with "/"').regex(NO_CONTROL, 'must not contain control characters'),
  body: z.string().optional(),
});

export const serviceSchema = z.strictObject({
  tokenUrl: httpUrl,
  apiBaseUrl: httpUrl,
  clientId: plainText.max(255),
  clientSecret: secretSourceSchema,
  clientAuth: z.enum(['basic', 'body']),
  audience: plainText.max(255).optional(),
  scope: plainText.max(1000).optional(),
  params: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z0-9_.:-]+$/, 'parameter names are letters, digits and _ . : -')
        .refine((k) => !(RESERVED_PARAMS as readonly string[]).includes(k), 'is set by the exchange itself'),
      z.string().regex(NO_CONTROL, 'must not contain control characters').max(1000),
    )
    .default({}),
  timeoutMs: z.number().int().min(1).max(120_000).default(10_000),
  probe: probeSchema.optional(),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  prefix: z.string().regex(PREFIX, 'must start with a letter and hold only letters and digits').max(22),
  apiVersion: z
    .string()
    .regex(/^\d{2,3}\.0$/, 'must look like "64.0"')
    .refine((v) => Number.parseFloat(v) >= 56, 'must be 56.0 or later (External Credentials need it)'),
  secretStorage: z.enum(['customMetadata', 'externalCredential']).default('customMetadata'),
  cache: z
    .strictObject({
      partition: z.string().regex(PREFIX, 'must start with a letter and hold only letters and digits').max(40).optional(),
      capacityMb: z.number().int().min(0).max(1000).default(1),
      refreshMarginSeconds: z.number().int().min(0).max(3600).default(60),
    })
    .default({ capacityMb: 1, refreshMarginSeconds: 60 }),
  services: z
    .record(
      z.string().regex(DEVELOPER_NAME, 'service names are DeveloperNames: letter first, letters, digits and single underscores, no trailing underscore').max(40),
      serviceSchema,
    )
    .refine((s) => Object.keys(s).length > 0, 'must define at least one service'),
});

export type ConfigInput = z.input<typeof configSchema>;
export type CalloutConfig = z.output<typeof configSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
export type SecretSource = z.output<typeof secretSourceSchema>;
export type ProbeConfig = z.output<typeof probeSchema>;
export type ClientAuth = ServiceConfig['clientAuth'];

/** The JSON Schema published for editors (schema/callout.config.schema.json). */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://callout-kit.dev/schema/callout.config.schema.json',
    title: 'callout-kit configuration (callout.config.json)',
  };
}
