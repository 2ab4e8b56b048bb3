import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeLines } from '../../src/cli/help.ts';
import {
  DEFAULT_AUDIENCE,
  startFaultServer,
  startJwtApi,
  startOidcServer,
  type FaultServer,
  type JwtApi,
  type OidcServer,
} from '../servers/index.ts';
import { parseJson, runCli, workspace, type Workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, exampleConfig } from '../helpers/fixtures.ts';

let oidc: OidcServer;
let api: JwtApi;
let faults: FaultServer;
let ws: Workspace;

const secretEnv = { [CANARY_ENV]: CANARY_SECRET };

beforeAll(async () => {
  [oidc, faults] = await Promise.all([
    startOidcServer({ clients: { basic: { id: 'basic-client', secret: CANARY_SECRET } } }),
    startFaultServer(),
  ]);
  api = await startJwtApi({
    audience: DEFAULT_AUDIENCE,
    issuers: [{ issuer: oidc.issuer, jwksUri: oidc.jwksUri }],
  });
  ws = await workspace(
    exampleConfig({
      tokenUrl: oidc.tokenUrl,
      apiBaseUrl: api.baseUrl,
      clientId: 'basic-client',
      audience: DEFAULT_AUDIENCE,
    }),
    secretEnv,
  );
});

afterAll(async () => {
  await Promise.all([oidc?.close(), api?.close(), faults?.close()]);
});

describe('callout --help', () => {
  it('prints commands and the exit-code table from the code table', async () => {
    const result = await runCli(['--help'], { cwd: ws.dir });
    expect(result.code).toBe(0);
    for (const command of ['init', 'verify', 'token', 'request'])
      expect(result.stdout).toContain(`  ${command} `);
    for (const line of exitCodeLines()) expect(result.stdout).toContain(line);
  });

  it('documents the same exit codes in the README', async () => {
    const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
    for (const line of exitCodeLines()) {
      const [code, names] = line.trim().split(/\s{2,}/);
      expect(readme).toMatch(
        new RegExp(`\\|\\s*${code}\\s*\\|\\s*${names!.replaceAll(', ', ',? ?')}`),
      );
    }
  });

  it.each([[['--help']], [['verify', '--json']], [['token']], [['generate', '--dry-run']]])(
    'does not load @salesforce/core, jsforce or source-deploy-retrieve for %j',
    async (args) => {
      const trace = join(ws.dir, `trace-${args[0]}.txt`);
      await writeFile(trace, '');
      const result = await runCli(args, {
        cwd: ws.dir,
        env: { ...ws.env, CALLOUT_TRACE_FILE: trace },
        nodeArgs: ['--import', join(import.meta.dirname, '../helpers/trace-loads.mjs')],
      });
      expect(result.code).toBe(0);
      const loaded = await readFile(trace, 'utf8');
      expect(loaded).toContain('dist/cli/main.js');
      expect(loaded).not.toMatch(/@salesforce\/core|node_modules\/jsforce|source-deploy-retrieve/);
    },
  );
});

describe('errors', () => {
  it('an unknown command exits 2 with one JSON document and no stack', async () => {
    const result = await runCli(['deploy-everything', '--json'], { cwd: ws.dir });
    expect(result.code).toBe(2);
    const json = parseJson(result.stdout);
    expect(json).toMatchObject({ status: 2, name: 'USAGE', actions: [expect.any(String)] });
    expect(json).not.toHaveProperty('stack');
    expect(result.stderr).toBe('');
  });

  it('an unknown flag exits 2 and names the command help', async () => {
    const result = await runCli(['verify', '--frobnicate'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Error (USAGE)');
    expect(result.stderr).toContain('callout verify --help');
  });

  it('a mistyped command gets a "did you mean"', async () => {
    const result = await runCli(['verfy'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Unknown command "verfy". Did you mean `callout verify`?');
  });

  it('takes the global flags before or after the command', async () => {
    for (const args of [
      ['--json', 'generate', '--dry-run', '--no-compile-check'],
      ['generate', '--dry-run', '--no-compile-check', '--json'],
      ['--config', 'callout.config.json', '--json', 'generate', '--dry-run'],
    ]) {
      const result = await runCli(args, { cwd: ws.dir, env: ws.env });
      expect({ args, json: parseJson(result.stdout) }).toMatchObject({ json: { status: 0 } });
    }
  });

  it('an invalid config exits 3 with the JSON path, expectation and example, and no stack', async () => {
    const bad = await workspace({ ...exampleConfig({ clientAuth: 'header' as 'basic' }) });
    const result = await runCli(['verify'], { cwd: bad.dir, env: bad.env });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(
      'services.ExternalAppStage.clientAuth must be "basic" or "body" (example: "clientAuth": "basic")',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('a missing secret exits 4 and says how to provide it', async () => {
    const result = await runCli(['verify', '--json'], {
      cwd: ws.dir,
      env: { HOME: ws.home, XDG_CACHE_HOME: ws.cache },
    });
    expect(result.code).toBe(4);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'SECRET_MISSING',
      actions: expect.arrayContaining([expect.stringContaining(CANARY_ENV)]),
    });
  });

  it('--debug adds the stack', async () => {
    const result = await runCli(['verify', '--json', '--debug'], {
      cwd: ws.dir,
      env: { HOME: ws.home },
    });
    expect(parseJson(result.stdout).stack).toEqual(expect.stringContaining('resolveSecret'));
  });
});

describe('callout verify', () => {
  it('verifies against oidc-provider and prints a JSON report', async () => {
    const result = await runCli(['verify', '--json'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    const json = parseJson(result.stdout) as {
      status: number;
      result: { services: Array<Record<string, unknown>> };
      warnings: string[];
    };
    expect(json.status).toBe(0);
    expect(json.result.services[0]).toMatchObject({
      service: 'ExternalAppStage',
      ok: true,
      probe: { httpStatus: 200 },
    });
    expect(json.warnings).toEqual(
      expect.arrayContaining([expect.stringContaining('unreachable from Salesforce')]),
    );
  });

  it('prints the human report on stdout and progress on stderr', async () => {
    const result = await runCli(['verify'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('ExternalAppStage  ✓ verified');
    expect(result.stdout).toContain('Authorization: Basic ****');
    expect(result.stdout).toContain(`--user 'basic-client:'"$${CANARY_ENV}"`);
    expect(result.stdout).toContain('JWT claims:');
    expect(result.stderr).toContain('Requesting a token for ExternalAppStage');
  });

  it('exits with the failure code and puts the report in data', async () => {
    const bad = await workspace(
      exampleConfig({ tokenUrl: faults.url('/whitelabel'), apiBaseUrl: faults.url('/api') }),
      secretEnv,
    );
    const result = await runCli(['verify', '--json'], { cwd: bad.dir, env: bad.env });
    expect(result.code).toBe(10);
    const json = parseJson(result.stdout) as { name: string; data: { services: unknown[] } };
    expect(json.name).toBe('CLIENT_AUTH_REJECTED');
    expect(json.data.services).toHaveLength(1);
  });

  it('reads the secret from --secret-stdin', async () => {
    const result = await runCli(['verify', '--secret-stdin', '--json'], {
      cwd: ws.dir,
      env: { HOME: ws.home, XDG_CACHE_HOME: ws.cache },
      input: `${CANARY_SECRET}\n`,
    });
    expect(result.code).toBe(0);
  });
});

/** A fresh project (own token cache) whose service is the oidc-provider basic client. */
const oidcWorkspace = () =>
  workspace(
    exampleConfig({
      tokenUrl: oidc.tokenUrl,
      apiBaseUrl: api.baseUrl,
      clientId: 'basic-client',
      audience: DEFAULT_AUDIENCE,
    }),
    secretEnv,
  );

describe('callout token', () => {
  it('prints only the token; a second run reuses it without a token request; the cache file is 0600', async () => {
    const local = await oidcWorkspace();
    const before = oidc.tokenRequests();
    const first = await runCli(['token'], { cwd: local.dir, env: local.env });
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(first.stderr).toContain('New token');
    expect(oidc.tokenRequests()).toBe(before + 1);
    const second = await runCli(['token'], { cwd: local.dir, env: local.env });
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toContain('Cached token');
    expect(oidc.tokenRequests()).toBe(before + 1);
    const tokens = join(local.cache, 'callout-kit', 'tokens');
    const files = await readdir(tokens);
    expect(files).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.json$/)]);
    expect((await stat(join(tokens, files[0]!))).mode & 0o777).toBe(0o600);
  });

  it('replaces an expired token and a corrupt file', async () => {
    const local = await oidcWorkspace();
    await runCli(['token'], { cwd: local.dir, env: local.env });
    const tokens = join(local.cache, 'callout-kit', 'tokens');
    const file = join(tokens, (await readdir(tokens))[0]!);
    const content = JSON.parse(await readFile(file, 'utf8')) as { expiresAt: number };
    content.expiresAt = Date.now() - 1000;
    await writeFile(file, JSON.stringify(content));
    const before = oidc.tokenRequests();
    const expired = await runCli(['token', '--json'], { cwd: local.dir, env: local.env });
    expect(parseJson(expired.stdout)).toMatchObject({ status: 0, result: { fromCache: false } });
    expect(oidc.tokenRequests()).toBe(before + 1);
    await writeFile(file, '{ corrupt');
    const corrupt = await runCli(['token', '--json'], { cwd: local.dir, env: local.env });
    expect(corrupt.code).toBe(0);
    expect(oidc.tokenRequests()).toBe(before + 2);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      format: 'callout-kit/token@2',
    });
  });
});

/** A project whose token endpoint and API are the fault server's /ok and /api routes. */
async function faultWorkspace(): Promise<Workspace> {
  faults.reset();
  return workspace(
    exampleConfig({ tokenUrl: faults.url('/ok'), apiBaseUrl: faults.url('/api') }),
    secretEnv,
  );
}

describe('callout request', () => {
  it('calls the API with the token and prints the body', async () => {
    const result = await runCli(['request', 'GET', '/loans'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual([{ id: 'L-1', amount: 1000 }]);
    expect(result.stderr).toContain('HTTP 200');
  });

  it('sends --data and --header', async () => {
    const result = await runCli(
      [
        'request',
        'ExternalAppStage',
        'POST',
        '/loans/drafts',
        '--data',
        '{"amount":5}',
        '--header',
        'X-Trace: 1',
        '--json',
      ],
      { cwd: ws.dir, env: ws.env },
    );
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({
      result: {
        httpStatus: 201,
        bodyEncoding: 'utf8',
        json: expect.objectContaining({ amount: 5 }),
      },
    });
  });

  it('on 401 gets a fresh token and retries exactly once', async () => {
    const local = await faultWorkspace();
    const result = await runCli(['request', 'GET', '/401-once', '--json'], {
      cwd: local.dir,
      env: local.env,
    });
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({ result: { httpStatus: 200, retried: true } });
    const paths = faults.requests().map((r) => `${r.method} ${r.url}`);
    expect(paths).toEqual(['POST /ok', 'GET /api/401-once', 'POST /ok', 'GET /api/401-once']);
  });

  it('gives up after one retry with API_UNAUTHORIZED', async () => {
    const local = await faultWorkspace();
    const result = await runCli(['request', 'GET', '/401', '--json'], {
      cwd: local.dir,
      env: local.env,
    });
    expect(result.code).toBe(17);
    expect(parseJson(result.stdout)).toMatchObject({ name: 'API_UNAUTHORIZED' });
    expect(faults.requests().filter((r) => r.url === '/api/401')).toHaveLength(2);
  });
});

describe('callout init', () => {
  it('writes a valid config and sfdx-project.json without asking, and never a secret', async () => {
    const local = await workspace(undefined);
    const result = await runCli(
      [
        'init',
        '--yes',
        '--token-url',
        'https://auth.example.test/oauth/token',
        '--api-base-url',
        'https://api.example.test',
        '--client-id',
        'abc',
        '--client-auth',
        'body',
        '--scope',
        'read:loans',
        '--probe-path',
        '/loans',
      ],
      { cwd: local.dir, env: local.env },
    );
    expect(result.code).toBe(0);
    const config = JSON.parse(
      await readFile(join(local.dir, 'callout.config.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(config).toMatchObject({
      prefix: 'ExternalApp',
      services: {
        ExternalAppStage: {
          clientAuth: 'body',
          clientSecret: { env: 'EXTERNALAPP_STAGE_CLIENT_SECRET' },
          probe: { path: '/loans' },
        },
      },
    });
    const project = JSON.parse(
      await readFile(join(local.dir, 'sfdx-project.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(project).toMatchObject({
      packageDirectories: [{ path: 'force-app', default: true }],
      sourceApiVersion: '64.0',
    });
    const verify = await runCli(['verify', '--json'], { cwd: local.dir, env: local.env });
    expect(parseJson(verify.stdout).name).toBe('SECRET_MISSING');
  });

  it('refuses to overwrite without --force, and needs the essentials without a terminal', async () => {
    const again = await runCli(['init', '--yes'], { cwd: ws.dir, env: ws.env });
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('CONFIG_EXISTS');
    const local = await workspace(undefined);
    const missing = await runCli(['init', '--yes', '--json'], { cwd: local.dir, env: local.env });
    expect(missing.code).toBe(2);
    expect(parseJson(missing.stdout).message).toContain('--token-url');
  });
});
