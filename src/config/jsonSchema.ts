import { toJsonSchema } from '@valibot/to-json-schema';
import { configSchema } from './schema.ts';

/**
 * The JSON Schema published for editors (schema/callout.config.schema.json). Checks that JSON
 * Schema cannot say (URL parsing, reserved parameter names) stay in the loader.
 */
export function configJsonSchema(): Record<string, unknown> {
  return {
    ...toJsonSchema(configSchema, {
      target: 'draft-2020-12',
      typeMode: 'input',
      errorMode: 'ignore',
    }),
    $id: 'https://callout-kit.dev/schema/callout.config.schema.json',
    title: 'callout-kit configuration (callout.config.json)',
  };
}
