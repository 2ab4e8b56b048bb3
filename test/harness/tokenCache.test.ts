import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { defaultCacheDir, TokenCache, tokenCacheKey } from '../../src/harness/tokenCache.ts';
import { exampleConfig } from '../helpers/fixtures.ts';

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

  it('keys by token URL, client id, audience and scope', () => {
    const base = parseConfig(exampleConfig()).services.ExternalAppStage!;
    const other = parseConfig(exampleConfig({ scope: 'read:loans' })).services.ExternalAppStage!;
    const sameButTimeout = parseConfig(exampleConfig({ timeoutMs: 5 })).services.ExternalAppStage!;
    expect(tokenCacheKey(base)).not.toBe(tokenCacheKey(other));
    expect(tokenCacheKey(base)).toBe(tokenCacheKey(sameButTimeout));
  });

  it('stores with mode 0600 and returns a token until expiry minus the margin', async () => {
    let now = 1_000_000;
    const cache = new TokenCache({
      dir: await mkdtemp(join(tmpdir(), 'callout-cache-')),
      now: () => now,
    });
    await cache.put('k', entry(now + 120_000));
    expect((await stat(cache.file)).mode & 0o777).toBe(0o600);
    expect(await cache.get('k', 60)).toMatchObject({ accessToken: 'tok' });
    now += 60_001;
    expect(await cache.get('k', 60)).toBeUndefined();
  });

  it.each([
    ['garbage', 'not json {'],
    ['a foreign file', JSON.stringify({ hello: 'world' })],
    [
      'a bad entry',
      JSON.stringify({ format: 'callout-kit/token-cache@1', tokens: { k: { accessToken: 5 } } }),
    ],
  ])('ignores %s and replaces it on the next write', async (_label, content) => {
    const cache = new TokenCache({ dir: await mkdtemp(join(tmpdir(), 'callout-cache-')) });
    await writeFile(cache.file, content);
    expect(await cache.get('k', 0)).toBeUndefined();
    await cache.put('k2', entry(Date.now() + 100_000));
    const written = JSON.parse(await readFile(cache.file, 'utf8')) as {
      format: string;
      tokens: Record<string, unknown>;
    };
    expect(written.format).toBe('callout-kit/token-cache@1');
    expect(Object.keys(written.tokens)).toEqual(['k2']);
  });

  it('drops expired entries when writing and deletes on request', async () => {
    const cache = new TokenCache({ dir: await mkdtemp(join(tmpdir(), 'callout-cache-')) });
    await cache.put('old', entry(Date.now() - 1));
    await cache.put('new', entry(Date.now() + 100_000));
    const written = JSON.parse(await readFile(cache.file, 'utf8')) as {
      tokens: Record<string, unknown>;
    };
    expect(Object.keys(written.tokens)).toEqual(['new']);
    await cache.delete('new');
    expect(await cache.get('new', 0)).toBeUndefined();
  });
});
