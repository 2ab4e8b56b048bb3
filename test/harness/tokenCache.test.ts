import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import { setting, SETTINGS, type SettingSpec } from '../../src/config/settings.ts';
import { HttpClient } from '../../src/harness/http.ts';
import { defaultCacheDir, TokenCache, tokenCacheKey } from '../../src/harness/tokenCache.ts';
import { TokenSource } from '../../src/harness/tokenSource.ts';
import { exampleConfig } from '../helpers/fixtures.ts';
import { startFaultServer, type FaultServer } from '../servers/index.ts';

const entry = (expiresAt: number) => ({
  accessToken: 'tok',
  expiresAt,
  tokenUrl: 'https://a/token',
  service: 'S',
});

describe('TokenCache', () => {
  it('uses XDG_CACHE_HOME when it is absolute', () => {
    expect(defaultCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/callout-kit');
    expect(defaultCacheDir({ XDG_CACHE_HOME: 'relative' })).toMatch(/\.cache\/callout-kit$/);
  });

  describe('tokenCacheKey', () => {
    const secret = new Secret('rotate-me');
    const key = (patch = {}, withSecret = secret) =>
      tokenCacheKey(parseConfig(exampleConfig(patch)).services.ExternalAppStage!, withSecret);

    it.each([
      ['token URL', { tokenUrl: 'https://auth-other.externalapp.example/oauth/token' }],
      ['client id', { clientId: 'another-client' }],
      ['audience', { audience: 'https://other-api.externalapp.example' }],
      ['scope', { scope: 'read:loans' }],
      ['extra params', { params: { resource: 'payments' } }],
    ])('changes with the %s', (_name, patch) => {
      expect(key(patch)).not.toBe(key());
    });

    it('changes with the secret, so a rotated or wrong secret never reuses a token', () => {
      expect(key({}, new Secret('rotated'))).not.toBe(key());
    });

    it('stays the same for settings that do not change the token', () => {
      expect(key({ timeoutMs: 5 })).toBe(key());
      expect(key({ clientAuth: 'body' })).toBe(key());
      expect(key({ apiBaseUrl: 'https://elsewhere.example' })).toBe(key());
    });

    it('holds neither the secret nor a plain hash of it', () => {
      const plainHash = createHash('sha256').update('rotate-me').digest('hex');
      expect(key()).toMatch(/^[0-9a-f]{64}$/);
      expect(key()).not.toContain('rotate-me');
      expect(key()).not.toBe(plainHash);
    });

    it('covers every setting the registry marks as changing the token', () => {
      const extra: SettingSpec = { ...setting('audience'), key: 'tenant', field: 'Tenant__c' };
      const service = parseConfig(exampleConfig()).services.ExternalAppStage!;
      const withTenant = (tenant: string) =>
        tokenCacheKey({ ...service, tenant } as typeof service, secret, [...SETTINGS, extra]);
      expect(withTenant('a')).not.toBe(withTenant('b'));
    });
  });

  it('stores with mode 0600 and returns a token until expiry minus the margin', async () => {
    let now = 1_000_000;
    const cache = new TokenCache({
      dir: await mkdtemp(join(tmpdir(), 'callout-cache-')),
      now: () => now,
    });
    await cache.put('k', entry(now + 120_000));
    expect((await stat(cache.fileFor('k'))).mode & 0o777).toBe(0o600);
    expect((await stat(cache.dir)).mode & 0o777).toBe(0o700);
    expect(await cache.get('k', 60)).toMatchObject({ accessToken: 'tok' });
    now += 60_001;
    expect(await cache.get('k', 60)).toBeUndefined();
  });

  it.each([
    ['garbage', 'not json {'],
    ['a foreign file', JSON.stringify({ hello: 'world' })],
    ['an entry of another key', JSON.stringify({ format: 'callout-kit/token@2', key: 'other' })],
    [
      'a bad entry',
      JSON.stringify({ format: 'callout-kit/token@2', key: 'k', accessToken: 5, expiresAt: 1 }),
    ],
  ])('drops %s and replaces it on the next write', async (_label, content) => {
    const cache = new TokenCache({ dir: await mkdtemp(join(tmpdir(), 'callout-cache-')) });
    await cache.put('k', entry(Date.now() + 100_000));
    await writeFile(cache.fileFor('k'), content);
    expect(await cache.get('k', 0)).toBeUndefined();
    await expect(stat(cache.fileFor('k'))).rejects.toThrow(/ENOENT/);
    await cache.put('k', entry(Date.now() + 100_000));
    expect(await cache.get('k', 0)).toMatchObject({ accessToken: 'tok' });
  });

  it('keeps one file per key and deletes on request', async () => {
    const cache = new TokenCache({ dir: await mkdtemp(join(tmpdir(), 'callout-cache-')) });
    await cache.put('old', entry(Date.now() - 1));
    await cache.put('new', entry(Date.now() + 100_000));
    expect((await readdir(cache.dir)).sort()).toEqual(['new.json', 'old.json']);
    await cache.delete('new');
    expect(await cache.get('new', 0)).toBeUndefined();
    expect(await readdir(cache.dir)).toEqual(['old.json']);
  });
});

describe('TokenSource with the token cache', () => {
  let faults: FaultServer;
  const client = new HttpClient();
  beforeAll(async () => {
    faults = await startFaultServer();
  });
  afterAll(async () => {
    await client.close();
    await faults?.close();
  });

  const source = (cache: TokenCache, secret: string, params: Record<string, string> = {}) =>
    new TokenSource({
      client,
      cache,
      serviceName: 'ExternalAppStage',
      service: parseConfig(exampleConfig({ tokenUrl: faults.url('/ok'), params })).services
        .ExternalAppStage!,
      refreshMarginSeconds: 60,
      secret: () => Promise.resolve(new Secret(secret)),
    });

  it('reuses a token only for the same settings and the same secret', async () => {
    const cache = new TokenCache({ dir: await mkdtemp(join(tmpdir(), 'callout-cache-')) });
    faults.reset();
    expect((await source(cache, 'first').token()).fromCache).toBe(false);
    expect((await source(cache, 'first').token()).fromCache).toBe(true);
    expect((await source(cache, 'rotated').token()).fromCache).toBe(false);
    expect((await source(cache, 'first', { resource: 'payments' }).token()).fromCache).toBe(false);
    expect(faults.requests().filter((r) => r.url === '/ok')).toHaveLength(3);
    for (const name of await readdir(cache.dir))
      expect(await readFile(join(cache.dir, name), 'utf8')).not.toContain('rotated');
  });
});
