import {
  chmod,
  chown,
  mkdir,
  readdir,
  readFile,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.ts';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import { tokenCacheKey } from '../../src/harness/tokenCache.ts';
import { parseJson, runCli, spawnCli, workspace, type Workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, exampleConfig } from '../helpers/fixtures.ts';
import { unsignedJwt } from '../servers/index.ts';
import { expectNoCanary, filesUnder, useHostileTokenServer } from './tokenServer.ts';

/**
 * Item 8 of issue 11: the local token cache. Its folder is 0700 and refused when others can write
 * it and it is not ours; parallel runs for one key make one token request (real processes of the
 * built CLI), parallel runs for different keys keep every entry; leftovers of killed runs go.
 */
const server = useHostileTokenServer();
let caseNumber = 0;

const validToken = (delayMs = 0) => ({
  delayMs,
  json: {
    access_token: unsignedJwt({ sub: 'client', n: ++caseNumber }),
    token_type: 'Bearer',
    expires_in: 3600,
  },
});

/** A project with these services (all on one hostile path unless given), and its cache folders. */
async function cacheCase(services = 1, delayMs = 0) {
  const path = `/cache-${++caseNumber}`;
  server.answer(path, validToken(delayMs));
  const base = exampleConfig({ tokenUrl: server.url(path), probe: undefined });
  const config: ConfigInput = { ...base, services: {} };
  for (let i = 1; i <= services; i++) {
    config.services[`Service${i}`] = {
      ...base.services.ExternalAppStage!,
      // A different scope per service: a different cache key.
      scope: `read:loans scope:${i}`,
    };
  }
  const ws = await workspace(config, { [CANARY_ENV]: CANARY_SECRET });
  const root = join(ws.cache, 'callout-kit');
  const tokens = join(root, 'tokens');
  const key = (service = 'Service1') =>
    tokenCacheKey(parseConfig(config).services[service]!, new Secret(CANARY_SECRET));
  return { ws, path, root, tokens, key };
}

const mode = async (path: string) => (await stat(path)).mode & 0o777;
const entries = async (tokens: string) =>
  (await readdir(tokens)).filter((name) => name.endsWith('.json'));

async function expectCanaryNowhere(ws: Workspace, ...outputs: string[]) {
  expectNoCanary(...outputs, ...Object.values(await filesUnder(ws.cache)));
}

describe('the cache folder', () => {
  it('is created 0700, and fixed to 0700 on every use when it was opened up', async () => {
    const { ws, root, tokens } = await cacheCase();
    const first = await runCli(['token', 'Service1'], { cwd: ws.dir, env: ws.env });
    expect(first.code).toBe(0);
    expect(await mode(root)).toBe(0o700);
    expect(await mode(tokens)).toBe(0o700);
    // As another command (or a user) may leave them:
    await chmod(root, 0o755);
    await chmod(tokens, 0o777);
    const second = await runCli(['token', 'Service1'], { cwd: ws.dir, env: ws.env });
    expect(second.stderr).toContain('Cached token');
    expect(await mode(root)).toBe(0o700);
    expect(await mode(tokens)).toBe(0o700);
    await expectCanaryNowhere(ws, first.stdout, first.stderr, second.stdout, second.stderr);
  });

  it('is created 0700 by generate too, when generate is the first to use it', async () => {
    const { ws, root } = await cacheCase();
    // A prefix no earlier run formatted: the formatter's in-memory memo (shared by the unit
    // files) would otherwise answer without writing to its cache folder.
    const configPath = join(ws.dir, 'callout.config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as ConfigInput;
    config.prefix = `Fresh${Math.random().toString(36).slice(2, 10).replace(/\d/g, 'x')}`;
    await writeFile(configPath, JSON.stringify(config));
    const result = await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], {
      cwd: ws.dir,
      env: ws.env,
    });
    expect(result.code).toBe(0);
    expect(await mode(root)).toBe(0o700);
  });

  it('is refused when a file stands where it should be', async () => {
    const { ws, root, path } = await cacheCase();
    await mkdir(join(root, '..'), { recursive: true });
    await writeFile(root, 'not a folder');
    const result = await runCli(['token', 'Service1', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(3);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'CACHE_UNSAFE',
      message: `The token cache path ${root} is not a folder.`,
    });
    expect(server.count(path)).toBe(0);
  });

  it.skipIf(process.getuid?.() !== 0)(
    'is refused when it belongs to another user and others can write it',
    async () => {
      const { ws, root, path } = await cacheCase();
      await mkdir(root, { recursive: true });
      await chown(root, 65534, 65534);
      await chmod(root, 0o777);
      const result = await runCli(['token', 'Service1', '--json'], { cwd: ws.dir, env: ws.env });
      expect(result.code).toBe(3);
      expect(parseJson(result.stdout)).toMatchObject({
        name: 'CACHE_UNSAFE',
        message: expect.stringContaining(`${root} belongs to another user (uid 65534)`),
        actions: [expect.stringContaining('XDG_CACHE_HOME')],
      });
      expect(await mode(root)).toBe(0o777);
      expect(server.count(path)).toBe(0);
      await expectCanaryNowhere(ws, result.stdout, result.stderr);
    },
  );
});

describe('parallel runs', () => {
  it(
    '20 processes of `callout token` for one service make exactly 1 token request',
    { timeout: 90_000 },
    async () => {
      const { ws, path, tokens } = await cacheCase(1, 300);
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          spawnCli(['token', 'Service1'], {
            cwd: ws.dir,
            env: ws.env,
            // On a loaded machine 20 Node processes take longer to start than the default allows.
            limitMs: 80_000,
          }),
        ),
      );
      for (const result of results) expect(result.code).toBe(0);
      expect(server.count(path)).toBe(1);
      expect(new Set(results.map((r) => r.stdout)).size).toBe(1);
      expect(results.filter((r) => r.stderr.includes('New token'))).toHaveLength(1);
      expect(await readdir(tokens)).toEqual(await entries(tokens)); // no lock or temp file left
      await expectCanaryNowhere(ws, ...results.flatMap((r) => [r.stdout, r.stderr]));
    },
  );

  it('10 runs for 10 services keep 10 entries', async () => {
    const { ws, path, tokens } = await cacheCase(10, 50);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        runCli(['token', `Service${i + 1}`], { cwd: ws.dir, env: ws.env }),
      ),
    );
    for (const result of results) expect(result.code).toBe(0);
    expect(server.count(path)).toBe(10);
    expect(await entries(tokens)).toHaveLength(10);
    // And every one of them is used: no second request.
    for (let i = 1; i <= 10; i++) {
      const again = await runCli(['token', `Service${i}`], { cwd: ws.dir, env: ws.env });
      expect(again.stderr).toContain('Cached token');
    }
    expect(server.count(path)).toBe(10);
    await expectCanaryNowhere(ws, ...results.flatMap((r) => [r.stdout, r.stderr]));
  });
});

describe('leftovers of runs that died', () => {
  it('temporary files of a gone or old writer are removed at start, a live one is kept', async () => {
    const { ws, root, tokens, key } = await cacheCase();
    await mkdir(tokens, { recursive: true, mode: 0o700 });
    const goneWriter = join(tokens, `${key()}.999999999.0badc0de.tmp`);
    const oldWriter = join(tokens, `${key()}.${process.pid}.00c0ffee.tmp`);
    const liveWriter = join(tokens, `${key()}.${process.pid}.0000beef.tmp`);
    const legacy = join(root, `tokens.json.999999999.0badf00d.tmp`);
    const staleAside = join(tokens, `${key()}.lock.0ddba11.stale`);
    for (const file of [goneWriter, oldWriter, liveWriter, legacy, staleAside])
      await writeFile(file, '{"accessToken":"token data"}', { mode: 0o600 });
    const tenMinutesAgo = new Date(Date.now() - 600_000);
    for (const file of [oldWriter, staleAside]) await utimes(file, tenMinutesAgo, tenMinutesAgo);
    const result = await runCli(['token', 'Service1'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    const left = Object.keys(await filesUnder(root)).sort();
    expect(left).toEqual([join(tokens, `${key()}.json`), liveWriter].sort());
  });

  it('a lock whose process is gone, or that is old, is broken without waiting', async () => {
    const { ws, tokens, path, key } = await cacheCase();
    await mkdir(tokens, { recursive: true, mode: 0o700 });
    const lock = join(tokens, `${key()}.lock`);
    await writeFile(lock, JSON.stringify({ pid: 999_999_999, host: hostname(), nonce: 'x' }));
    const first = await runCli(['token', 'Service1', '--fresh'], { cwd: ws.dir, env: ws.env });
    expect(first.code).toBe(0);
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
    // Alive (our own pid) but older than any token request may take:
    await writeFile(lock, JSON.stringify({ pid: process.pid, host: hostname(), nonce: 'y' }));
    const longAgo = new Date(Date.now() - 600_000);
    await utimes(lock, longAgo, longAgo);
    const second = await runCli(['token', 'Service1', '--fresh'], { cwd: ws.dir, env: ws.env });
    expect(second.code).toBe(0);
    // Not broken, a lock would be waited for (timeoutMs + 5 s, beyond the test's limit) and left.
    expect(server.count(path)).toBe(2);
    await expect(stat(lock)).rejects.toThrow(/ENOENT/);
  });

  it('an entry that is a symbolic link is not followed, and dropped', async () => {
    const { ws, tokens, key, path } = await cacheCase();
    await mkdir(tokens, { recursive: true, mode: 0o700 });
    const outside = join(ws.dir, 'outside.json');
    const content = JSON.stringify({
      format: 'callout-kit/token@2',
      key: key(),
      accessToken: 'planted',
      expiresAt: Date.now() + 100_000,
      tokenUrl: 'x',
      service: 'Service1',
    });
    await writeFile(outside, content);
    await symlink(outside, join(tokens, `${key()}.json`));
    const result = await runCli(['token', 'Service1'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('planted');
    expect(server.count(path)).toBe(1);
    expect(await readFile(outside, 'utf8')).toBe(content);
    expect((await stat(join(tokens, `${key()}.json`))).isFile()).toBe(true);
  });
});
