import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, selectService } from '../../src/config/load.ts';
import { CalloutError } from '../../src/errors/index.ts';
import { exampleConfig } from '../helpers/fixtures.ts';

function invalid(json: unknown): CalloutError {
  try {
    parseConfig(json, 'callout.config.json');
  } catch (error) {
    if (error instanceof CalloutError) return error;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseConfig', () => {
  it('accepts the contract example and fills defaults', () => {
    const input = exampleConfig();
    delete (input.services.ExternalAppStage as Record<string, unknown>).timeoutMs;
    delete (input.services.ExternalAppStage as Record<string, unknown>).params;
    const config = parseConfig(input);
    expect(config.services.ExternalAppStage?.timeoutMs).toBe(10000);
    expect(config.services.ExternalAppStage?.params).toEqual({});
    expect(config.secretStorage).toBe('customMetadata');
  });

  it('names the JSON path, what was expected and an example', () => {
    const error = invalid(exampleConfig({ clientAuth: 'post' as 'basic' }));
    expect(error.name).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain('services.ExternalAppStage.clientAuth');
    expect(error.message).toContain('"clientAuth": "basic"');
    expect(error.data.problems).toEqual([
      expect.objectContaining({
        path: 'services.ExternalAppStage.clientAuth',
        example: '"clientAuth": "basic"',
      }),
    ]);
  });

  it('refuses a literal secret in clientSecret and says where secrets come from', () => {
    const error = invalid(
      exampleConfig({ clientSecret: 'hunter2hunter2' as unknown as { env: string } }),
    );
    expect(error.message).toContain('services.ExternalAppStage.clientSecret');
    expect(error.message).toContain('never the secret itself');
    expect(error.message).not.toContain('hunter2hunter2');
  });

  it.each([
    [
      'bad service name',
      { services: { Bad__Name: exampleConfig().services.ExternalAppStage } },
      'services.Bad__Name',
    ],
    [
      'trailing underscore',
      { services: { Name_: exampleConfig().services.ExternalAppStage } },
      'services.Name_',
    ],
    ['old api version', { apiVersion: '50.0' }, 'apiVersion'],
    ['prefix with underscore', { prefix: 'External_App' }, 'prefix'],
    ['unknown key', { extra: true }, '(root)'],
    ['no services', { services: {} }, 'services'],
  ])('rejects %s', (_label, patch, path) => {
    const error = invalid({ ...exampleConfig(), ...patch });
    expect(error.message).toContain(path);
  });

  it.each([
    [{ timeoutMs: 120001 }, 'timeoutMs'],
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ tokenUrl: 'ftp://x.example/token' }, 'tokenUrl'],
    [{ tokenUrl: 'https://user:pw@x.example/token' }, 'tokenUrl'],
    [{ scope: 'a\nb' }, 'scope'],
    [{ params: { grant_type: 'password' } }, 'params'],
    [{ probe: { method: 'GET', path: 'loans' } }, 'probe.path'],
  ])('rejects service value %j', (patch, path) => {
    const error = invalid(exampleConfig(patch as never));
    expect(error.message).toContain(`services.ExternalAppStage.${path}`);
  });
});

describe('loadConfig', () => {
  it('finds callout.config.json in a parent folder', async () => {
    const root = await mkdtemp(join(tmpdir(), 'callout-config-'));
    await writeFile(join(root, 'callout.config.json'), JSON.stringify(exampleConfig()));
    await mkdir(join(root, 'force-app', 'main'), { recursive: true });
    const loaded = await loadConfig({ cwd: join(root, 'force-app', 'main') });
    expect(loaded.root).toBe(root);
    expect(Object.keys(loaded.config.services)).toEqual(['ExternalAppStage']);
  });

  it('reports a JSON syntax error with its line and column', async () => {
    const root = await mkdtemp(join(tmpdir(), 'callout-config-'));
    await writeFile(
      join(root, 'callout.config.json'),
      '{\n  "prefix": "A",\n  "apiVersion": "64.0",,\n}',
    );
    await expect(loadConfig({ cwd: root })).rejects.toMatchObject({
      name: 'CONFIG_INVALID',
      message: expect.stringMatching(/line 3, column \d+/),
    });
  });

  it('says how to create a config when there is none', async () => {
    const root = await mkdtemp(join(tmpdir(), 'callout-config-'));
    await expect(loadConfig({ cwd: root, configPath: 'missing.json' })).rejects.toMatchObject({
      name: 'CONFIG_NOT_FOUND',
      exitCode: 3,
    });
  });
});

describe('selectService', () => {
  const config = parseConfig({
    ...exampleConfig(),
    services: {
      A: exampleConfig().services.ExternalAppStage,
      B: exampleConfig().services.ExternalAppStage,
    },
  });

  it('requires a name when there are several services', () => {
    expect(() => selectService(config, undefined)).toThrow(
      expect.objectContaining({ name: 'SERVICE_REQUIRED' }),
    );
  });

  it('lists the known services for an unknown name', () => {
    expect(() => selectService(config, 'C')).toThrow(
      expect.objectContaining({
        name: 'SERVICE_UNKNOWN',
        message: expect.stringContaining('A, B'),
      }),
    );
  });

  it('picks the named one', () => {
    expect(selectService(config, 'B').name).toBe('B');
  });
});
