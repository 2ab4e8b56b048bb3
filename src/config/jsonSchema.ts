import { toJsonSchema } from '@valibot/to-json-schema';
import { configSchema } from './schema.ts';

/**
 * The JSON Schema published for editors (schema/callout.config.schema.json). Checks that JSON
 * Schema cannot say (URL parsing, reserved parameter names) stay in the loader.
 */
export function configJsonSchema(): Record<string, unknown> {
  const schema = toJsonSchema(configSchema, {
    target: 'draft-2020-12',
    typeMode: 'input',
    errorMode: 'ignore',
  }) as Record<string, unknown> & {
    required?: string[];
    properties?: Record<string, { description?: string }>;
  };
  // The loader takes apiVersion from sfdx-project.json's sourceApiVersion when the file has none.
  schema.required = schema.required?.filter((key) => key !== 'apiVersion');
  const apiVersion = schema.properties?.apiVersion;
  if (apiVersion)
    apiVersion.description = `${apiVersion.description ?? ''} Default: sourceApiVersion of sfdx-project.json.`;
  return {
    ...schema,
    $id: 'https://callout-kit.dev/schema/callout.config.schema.json',
    title: 'callout-kit configuration (callout.config.json)',
  };
}
