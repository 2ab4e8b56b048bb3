import * as v from 'valibot';
import { configSchema, probeSchema, secretSourceSchema, serviceSchema } from './schema.ts';

/**
 * The config schema's own check of one value, for a prompt that validates each answer as it is
 * typed (`callout init`): the same rules and words as loading the whole file.
 */
const FIELDS = {
  prefix: configSchema.entries.prefix,
  apiVersion: configSchema.entries.apiVersion,
  service: configSchema.entries.services.pipe[0].key,
  tokenUrl: serviceSchema.entries.tokenUrl,
  apiBaseUrl: serviceSchema.entries.apiBaseUrl,
  clientId: serviceSchema.entries.clientId,
  audience: serviceSchema.entries.audience.wrapped,
  scope: serviceSchema.entries.scope.wrapped,
  probePath: probeSchema.pipe[0].entries.path,
  secretEnv: secretSourceSchema.pipe[0].options[0].entries.env,
} as const;

export type CheckedField = keyof typeof FIELDS;

/** What is wrong with `value` for `field` ("must be an absolute http(s) URL ..."), or undefined. */
export function fieldProblem(field: CheckedField, value: string): string | undefined {
  const result = v.safeParse(FIELDS[field] as v.GenericSchema<string>, value);
  return result.success ? undefined : result.issues[0].message;
}
