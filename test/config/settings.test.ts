import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { RESERVED_PARAMS } from '../../src/config/schema.ts';
import { reservedFormNames, setting, SETTINGS, TEXT_FIELD_MAX } from '../../src/config/settings.ts';
import { CalloutError } from '../../src/errors/index.ts';
import { exampleConfig } from '../helpers/fixtures.ts';

function problemsOf(json: unknown): Array<{ path: string; expected: string; example?: string }> {
  try {
    parseConfig(json);
  } catch (error) {
    if (error instanceof CalloutError)
      return (error.data as { problems: Array<{ path: string; expected: string }> }).problems;
    throw error;
  }
  return [];
}

/** A value of the given length that is otherwise valid for the setting. */
function ofLength(key: string, length: number): string {
  if (key === 'tokenUrl' || key === 'apiBaseUrl') {
    const start = 'https://auth.example.test/';
    return start + 'x'.repeat(length - start.length);
  }
  return 'x'.repeat(length);
}

/** The text settings the config holds as strings, with their registry length. */
const TEXT_SETTINGS = ['tokenUrl', 'apiBaseUrl', 'clientId', 'audience', 'scope'].map((key) => ({
  key,
  length: setting(key).length,
  field: setting(key).field,
}));

describe('the settings registry in the config schema', () => {
  it('gives every text setting the length of its Custom Metadata field', () => {
    expect(TEXT_SETTINGS.map((s) => s.length)).toEqual(TEXT_SETTINGS.map(() => TEXT_FIELD_MAX));
  });

  it.each(TEXT_SETTINGS)(
    'rejects a $key longer than $field holds at load time, with its JSON path',
    ({ key, length, field }) => {
      expect(problemsOf(exampleConfig({ [key]: ofLength(key, length) }))).toEqual([]);
      expect(problemsOf(exampleConfig({ [key]: ofLength(key, length + 1) }))).toEqual([
        expect.objectContaining({
          path: `services.ExternalAppStage.${key}`,
          expected: expect.stringContaining(`at most ${length} characters (the ${field} field`),
        }),
      ]);
    },
  );

  it('limits params by their form-encoded length, which is what FormParams__c holds', () => {
    // 120 spaces are 120 characters as given but "resource=" + 120 "+" once encoded: fits.
    expect(problemsOf(exampleConfig({ params: { resource: ' '.repeat(120) } }))).toEqual([]);
    // 90 slashes encode to 270 characters: too long, though each value is short.
    expect(problemsOf(exampleConfig({ params: { resource: '/'.repeat(90) } }))).toEqual([
      expect.objectContaining({
        path: 'services.ExternalAppStage.params',
        expected: expect.stringContaining('once form-encoded'),
      }),
    ]);
  });

  it('reserves the form parameters the registry gives to settings', () => {
    expect(RESERVED_PARAMS).toEqual(reservedFormNames());
    expect(RESERVED_PARAMS).toEqual(
      expect.arrayContaining(['grant_type', 'client_id', 'client_secret', 'audience', 'scope']),
    );
    const extra = {
      ...setting('audience'),
      key: 'resource',
      request: { kind: 'formParameter', name: 'resource' },
    } as const;
    expect(reservedFormNames([...SETTINGS, extra])).toContain('resource');
  });

  it("shows the registry's example with an error about a setting", () => {
    const problems = problemsOf(exampleConfig({ scope: '' }));
    expect(problems).toEqual([
      expect.objectContaining({
        path: 'services.ExternalAppStage.scope',
        example: setting('scope').example,
      }),
    ]);
  });

  it('has every registry setting in the example config of examples/externalapp', async () => {
    const example = JSON.parse(
      await readFile(
        new URL('../../examples/externalapp/callout.config.json', import.meta.url),
        'utf8',
      ),
    ) as { services: Record<string, Record<string, unknown>> };
    for (const service of Object.values(example.services))
      expect(SETTINGS.map((s) => s.key).filter((key) => !(key in service))).toEqual([]);
  });

  it('names each setting once, with a distinct field', () => {
    expect(new Set(SETTINGS.map((s) => s.key)).size).toBe(SETTINGS.length);
    expect(new Set(SETTINGS.map((s) => s.field)).size).toBe(SETTINGS.length);
    expect(SETTINGS.every((s) => /^[A-Z][A-Za-z0-9]*__c$/.test(s.field))).toBe(true);
  });
});
