// Writes schema/callout.config.schema.json from the zod schema, the one source of truth.
// test/config/schema.test.ts fails when the committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/jsonSchema.ts';

writeFileSync(
  new URL('../schema/callout.config.schema.json', import.meta.url),
  `${JSON.stringify(configJsonSchema(), null, 2)}\n`,
);
