import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/config/secret.ts';
import { tokenCacheKey } from '../../src/harness/tokenCache.ts';
import { parseJson, runCli, workspace, type Workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, exampleConfig } from '../helpers/fixtures.ts';
import { unsignedJwt } from '../servers/index.ts';
import {
  expectNoCanary,
  filesUnder,
  useHostileTokenServer,
  type HostileAnswer,
} from './tokenServer.ts';

/**
 * Item 4 of issue 11: token responses read strictly. Each case drives the real CLI (`token`,
 * `verify`) against a token endpoint on 127.0.0.1 that answers one hostile response, and checks
 * the outcome, what was (not) cached, and that the canary secret appears nowhere.
 */
const server = useHostileTokenServer();
let caseNumber = 0;

interface Case {
  ws: Workspace;
  path: string;
  run: (args: string[]) => ReturnType<typeof runCli>;
  /** Token entries in the cache folder. */
  cached: () => Promise<string[]>;
  /** All outputs so far and every file of the cache, for the canary check. */
  everything: () => Promise<string[]>;
}

/** A project whose token endpoint answers `answer`, with its own cache folder. */
async function hostileCase(answer: HostileAnswer): Promise<Case> {
  const path = `/token-${++caseNumber}`;
  server.answer(path, answer);
  const ws = await workspace(exampleConfig({ tokenUrl: server.url(path), probe: undefined }), {
    [CANARY_ENV]: CANARY_SECRET,
  });
  const outputs: string[] = [];
  const tokens = join(ws.cache, 'callout-kit', 'tokens');
  return {
    ws,
    path,
    run: async (args) => {
      const result = await runCli(args, { cwd: ws.dir, env: ws.env });
      outputs.push(result.stdout, result.stderr);
      return result;
    },
    cached: async () =>
      (await readdir(tokens).catch(() => [] as string[])).filter((n) => n.endsWith('.json')),
    everything: async () => [...outputs, ...Object.values(await filesUnder(ws.cache))],
  };
}

const jwt = (claims: Record<string, unknown>) => unsignedJwt({ sub: 'client', ...claims });
const tokenJson = (fields: Record<string, unknown>) => ({
  json: { access_token: jwt({ exp: 4_000_000_000 }), token_type: 'Bearer', ...fields },
});

describe('expires_in', () => {
  it.each([
    ['1e15', 1e15],
    ['"99999999999999999999"', '99999999999999999999'],
    ['2^31 (one over the largest Apex Integer)', 2_147_483_648],
    ['-1e20', -1e20],
    ['-5', -5],
    ['"-5"', '-5'],
    ['"soon"', 'soon'],
    ['null', null],
  ])(
    'of %s is reported; the token is printed, used once and never cached',
    async (_label, expiresIn) => {
      const hostile = await hostileCase(tokenJson({ expires_in: expiresIn }));
      const first = await hostile.run(['token']);
      expect(first.code).toBe(0);
      expect(first.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
      expect(first.stderr).toMatch(
        /Warning: ExternalAppStage: expires_in .* is not a number of seconds within 1\.\.2147483647 \(2\^31-1, the largest Apex Integer\): the token is used once and not cached\./,
      );
      expect(await hostile.cached()).toEqual([]);
      // The next run asks again, and the --json form says the expiry is unknown.
      const second = await hostile.run(['token', '--json']);
      expect(second.code).toBe(0);
      expect(parseJson(second.stdout)).toMatchObject({
        status: 0,
        result: { expiresAt: null, fromCache: false },
        warnings: [expect.stringContaining('used once and not cached')],
      });
      expect(server.count(hostile.path)).toBe(2);
      // verify reports it as a warning and still passes.
      const verify = await hostile.run(['verify', '--no-probe']);
      expect(verify.code).toBe(0);
      expect(verify.stdout).toMatch(/^ {2}expires_in .* is not a number of seconds within/m);
      expect(verify.stdout).toMatch(/^ {2}! expires_in .* Ask the API provider/m);
      expectNoCanary(...(await hostile.everything()));
    },
  );

  it('of 0 is used once and not cached, and says so', async () => {
    const hostile = await hostileCase(tokenJson({ expires_in: 0 }));
    const first = await hostile.run(['token', '--json']);
    expect(first.code).toBe(0);
    const document = parseJson(first.stdout) as {
      result: { expiresAt: string };
      warnings: string[];
    };
    expect(document.warnings).toEqual([
      'ExternalAppStage: expires_in is 0: the token is used once and not cached.',
    ]);
    expect(Number.isNaN(Date.parse(document.result.expiresAt))).toBe(false);
    expect(await hostile.cached()).toEqual([]);
    await hostile.run(['token']);
    expect(server.count(hostile.path)).toBe(2);
    expectNoCanary(...(await hostile.everything()));
  });

  it.each([
    ['a number', 3600],
    ['a numeric string', ' 3600 '],
    ['2^31-1 exactly (the largest Apex Integer)', 2_147_483_647],
  ])('as %s is cached and reused', async (_label, expiresIn) => {
    const hostile = await hostileCase(tokenJson({ expires_in: expiresIn }));
    expect((await hostile.run(['token'])).code).toBe(0);
    const second = await hostile.run(['token']);
    expect(second.stderr).toContain('Cached token');
    expect(server.count(hostile.path)).toBe(1);
    expect(await hostile.cached()).toHaveLength(1);
  });
});

describe('a poisoned cache entry', () => {
  it.each([
    ['an expiry no date can hold', { expiresAt: 1e20 }],
    ['a negative expiry', { expiresAt: -1 }],
    ['a token with a line break', { accessToken: 'tok\r\nX-Evil: 1' }],
    ['no token', { accessToken: undefined }],
  ])('with %s is dropped and replaced, never a crash', async (_label, patch) => {
    const hostile = await hostileCase(tokenJson({ expires_in: 3600 }));
    const service = parseConfig(exampleConfig({ tokenUrl: server.url(hostile.path) })).services
      .ExternalAppStage!;
    const key = tokenCacheKey(service, new Secret(CANARY_SECRET));
    const tokens = join(hostile.ws.cache, 'callout-kit', 'tokens');
    await mkdir(tokens, { recursive: true, mode: 0o700 });
    await writeFile(
      join(tokens, `${key}.json`),
      JSON.stringify({
        format: 'callout-kit/token@2',
        key,
        accessToken: 'poisoned',
        expiresAt: Date.now() + 100_000,
        tokenUrl: service.tokenUrl,
        service: 'ExternalAppStage',
        ...patch,
      }),
    );
    const first = await hostile.run(['token']);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('New token');
    expect(first.stdout).not.toContain('poisoned');
    const second = await hostile.run(['token']);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('Cached token');
    expect(server.count(hostile.path)).toBe(1);
    expectNoCanary(...(await hostile.everything()));
  });

  it('in the shared file of earlier versions is ignored and the file removed', async () => {
    const hostile = await hostileCase(tokenJson({ expires_in: 3600 }));
    const legacy = join(hostile.ws.cache, 'callout-kit', 'tokens.json');
    await mkdir(join(legacy, '..'), { recursive: true });
    await writeFile(
      legacy,
      JSON.stringify({
        format: 'callout-kit/token-cache@1',
        tokens: { k: { accessToken: 'old', expiresAt: 1e18, tokenUrl: 'x', service: 'S' } },
      }),
    );
    expect((await hostile.run(['token'])).code).toBe(0);
    expect((await hostile.run(['token'])).code).toBe(0);
    expect(Object.keys(await filesUnder(hostile.ws.cache))).not.toContain(legacy);
    expect(server.count(hostile.path)).toBe(1);
  });
});

describe('JWT dates', () => {
  it.each([
    ['huge', { exp: 1e300, iat: 1e20, nbf: -1e300 }],
    ['not numbers', { exp: 'tomorrow', iat: { at: 1 }, nbf: true }],
  ])('that are %s show as invalid in verify, --json included', async (_label, claims) => {
    const hostile = await hostileCase({
      json: { access_token: jwt(claims), token_type: 'Bearer', expires_in: 3600 },
    });
    const text = await hostile.run(['verify', '--no-probe']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/exp=.* \(not a valid date\)/);
    expect(text.stdout).toMatch(/iat=.* \(not a valid date\)/);
    expect(text.stdout).toMatch(/nbf=.* \(not a valid date\)/);
    const json = await hostile.run(['verify', '--no-probe', '--json']);
    expect(json.code).toBe(0);
    expect(parseJson(json.stdout)).toMatchObject({
      status: 0,
      result: { services: [{ ok: true, response: { jwt: { claims } } }] },
    });
    expectNoCanary(...(await hostile.everything()));
  });
});

describe('token_type', () => {
  it.each([['MAC'], ['DPoP'], [5], ['Bearer\u001b[2J']])(
    '%j is refused with TOKEN_NOT_BEARER and nothing is cached',
    async (tokenType) => {
      const hostile = await hostileCase(tokenJson({ token_type: tokenType, expires_in: 3600 }));
      const token = await hostile.run(['token', '--json']);
      expect(token.code).toBe(12);
      const document = parseJson(token.stdout) as { name: string; message: string };
      expect(document.name).toBe('TOKEN_NOT_BEARER');
      expect(document.message).toContain('works only for Bearer tokens');
      expect(document.message).not.toContain('\u001b');
      expect(await hostile.cached()).toEqual([]);
      const verify = await hostile.run(['verify', '--no-probe']);
      expect(verify.code).toBe(12);
      expect(verify.stderr).toContain('TOKEN_NOT_BEARER');
      expectNoCanary(...(await hostile.everything()));
    },
  );

  it.each([['bearer'], ['BEARER'], [undefined]])('%j is accepted', async (tokenType) => {
    const hostile = await hostileCase(tokenJson({ token_type: tokenType, expires_in: 3600 }));
    expect((await hostile.run(['token'])).code).toBe(0);
    expect(await hostile.cached()).toHaveLength(1);
  });
});

describe('a 2xx carrying error', () => {
  it.each([
    ['invalid_client', 'CLIENT_AUTH_REJECTED', 10],
    ['invalid_request', 'OAUTH_ERROR', 11],
  ])('%s is reported as an OAuth error, even beside a token', async (error, name, code) => {
    const hostile = await hostileCase({
      json: { error, error_description: 'said with HTTP 200', access_token: 'looks-fine' },
    });
    const token = await hostile.run(['token', '--json']);
    expect(token.code).toBe(code);
    expect(parseJson(token.stdout)).toMatchObject({
      name,
      message: expect.stringContaining(`HTTP 200 ${error}: said with HTTP 200`),
    });
    expect(token.stdout).not.toContain('looks-fine');
    expect(await hostile.cached()).toEqual([]);
    expectNoCanary(...(await hostile.everything()));
  });
});

describe('a 401 from the token endpoint', () => {
  it.each([
    ['an HTML page', { body: '<html><title>Denied</title></html>' }],
    ['an OAuth error', { json: { error: 'invalid_client' } }],
  ])('with %s shows its WWW-Authenticate challenge', async (_label, answer) => {
    const hostile = await hostileCase({
      status: 401,
      headers: { 'www-authenticate': 'Basic realm="partner", charset="UTF-8"' },
      ...answer,
    });
    const verify = await hostile.run(['verify', '--no-probe']);
    expect(verify.code).toBe(10);
    // The failure's message (the headline, on stderr) carries the challenge.
    expect(verify.stderr).toContain('WWW-Authenticate: Basic realm="partner", charset="UTF-8"');
    const token = await hostile.run(['token', '--json']);
    expect(parseJson(token.stdout)).toMatchObject({
      name: 'CLIENT_AUTH_REJECTED',
      data: { wwwAuthenticate: 'Basic realm="partner", charset="UTF-8"' },
    });
    expectNoCanary(...(await hostile.everything()));
  });
});

describe('a WWW-Authenticate challenge that echoes the credentials', () => {
  const basic = Buffer.from(
    `${exampleConfig().services.ExternalAppStage!.clientId}:${CANARY_SECRET}`,
  ).toString('base64');
  it.each([
    ['the Basic credential', `Basic realm="Basic ${basic}"`],
    ['the secret', `Basic realm="${CANARY_SECRET}"`],
  ])('(%s) is shown with the secret masked', async (_label, challenge) => {
    const hostile = await hostileCase({
      status: 401,
      headers: { 'www-authenticate': challenge },
      json: { error: 'invalid_client' },
    });
    const verify = await hostile.run(['verify', '--no-probe']);
    expect(verify.code).toBe(10);
    expect(verify.stderr).toContain('WWW-Authenticate: Basic realm="');
    await hostile.run(['verify', '--no-probe', '--json']);
    await hostile.run(['token', '--json', '--debug']);
    expectNoCanary(...(await hostile.everything()));
  });
});

describe('an access token a header cannot carry', () => {
  it.each([
    ['CR/LF', 'abc\r\nX-Injected: 1', 'a carriage return (CR) at position 4'],
    ['a space', 'abc def', 'a space at position 4'],
    ['a control character', 'abc\u001bdef', 'a control character (U+001B) at position 4'],
    ['a non-ASCII character', 'abcé', 'a non-ASCII character (U+00E9) at position 4'],
  ])('(%s) is refused, never printed or cached', async (_label, accessToken, said) => {
    const hostile = await hostileCase({
      json: { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 },
    });
    const token = await hostile.run(['token']);
    expect(token.code).toBe(12);
    expect(token.stdout).toBe('');
    expect(token.stderr).toContain('TOKEN_MALFORMED');
    expect(token.stderr).toContain(said);
    expect(token.stderr).not.toContain(accessToken);
    expect(await hostile.cached()).toEqual([]);
    // A second run asks again rather than failing later on a cached token.
    expect((await hostile.run(['token'])).code).toBe(12);
    expect(server.count(hostile.path)).toBe(2);
    const verify = await hostile.run(['verify', '--no-probe', '--json']);
    expect(parseJson(verify.stdout)).toMatchObject({ name: 'TOKEN_MALFORMED' });
    expectNoCanary(...(await hostile.everything()));
  });
});
