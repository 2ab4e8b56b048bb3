import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../src/config/jsonSchema.ts';

describe('published JSON Schema', () => {
  it('is the committed schema/callout.config.schema.json (run `npm run schema` after changing the config schema)', async () => {
    const committed = JSON.parse(
      await readFile(new URL('../../schema/callout.config.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(committed).toEqual(configJsonSchema());
  });

  it('describes every service setting for editor completion', () => {
    const schema = configJsonSchema() as {
      properties: {
        services: {
          additionalProperties: {
            properties: Record<string, { description?: string }>;
            required: string[];
          };
        };
      };
    };
    const service = schema.properties.services.additionalProperties;
    const keys = [
      'tokenUrl',
      'apiBaseUrl',
      'clientId',
      'clientSecret',
      'clientAuth',
      'audience',
      'scope',
      'params',
      'timeoutMs',
      'probe',
    ];
    expect(keys.filter((key) => typeof service.properties[key]?.description !== 'string')).toEqual(
      [],
    );
    expect(service.required).toEqual(
      expect.arrayContaining(['tokenUrl', 'apiBaseUrl', 'clientId', 'clientSecret', 'clientAuth']),
    );
  });
});
