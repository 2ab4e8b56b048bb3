import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.ts';
import {
  DEFAULT_AUDIENCE,
  refusedUrl,
  startFaultServer,
  startJwtApi,
  startOidcServer,
  startTlsFaultServer,
  type FaultServer,
  type JwtApi,
  type OidcServer,
} from '../servers/index.ts';
import { runCli, workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, canaryForms, exampleConfig } from '../helpers/fixtures.ts';

/**
 * The canary-secret guard: every command and failure path runs with a recognisable secret, and
 * none of stdout, stderr, --json, --debug stacks or written files may hold it in any encoding.
 */
let oidc: OidcServer;
let api: JwtApi;
let faults: FaultServer;
let tlsUrl: string;
let closeTls: () => Promise<void>;
let deadUrl: string;

beforeAll(async () => {
  [oidc, faults] = await Promise.all([
    startOidcServer({
      clients: {
        basic: { id: 'basic-client', secret: CANARY_SECRET },
        post: { id: 'post-client', secret: CANARY_SECRET },
      },
    }),
    startFaultServer(),
  ]);
  api = await startJwtApi({
    audience: DEFAULT_AUDIENCE,
    issuers: [{ issuer: oidc.issuer, jwksUri: oidc.jwksUri }],
  });
  const tls = await startTlsFaultServer();
  tlsUrl = `${tls.baseUrl}/ok`;
  closeTls = tls.close;
  deadUrl = await refusedUrl();
});

afterAll(async () => {
  await Promise.all([oidc?.close(), api?.close(), faults?.close(), closeTls?.()]);
});

type ServicePatch = Partial<ConfigInput['services'][string]>;

interface Scenario {
  label: string;
  service: () => ServicePatch;
  args: string[];
  stdin?: boolean;
}

const good = (): ServicePatch => ({
  tokenUrl: oidc.tokenUrl,
  apiBaseUrl: api.baseUrl,
  clientId: 'basic-client',
  audience: DEFAULT_AUDIENCE,
});
const fault =
  (path: string, clientAuth: 'basic' | 'body' = 'basic'): (() => ServicePatch) =>
  () => ({
    tokenUrl: faults.url(path),
    apiBaseUrl: faults.url('/api'),
    probe: { method: 'GET', path: '/ok' },
    clientAuth,
  });

const scenarios: Scenario[] = [
  { label: 'verify (basic)', service: good, args: ['verify'] },
  {
    label: 'verify --json (body)',
    service: () => ({ ...good(), clientId: 'post-client', clientAuth: 'body' }),
    args: ['verify', '--json'],
  },
  {
    label: 'verify --secret-stdin',
    service: good,
    args: ['verify', '--secret-stdin', '--debug'],
    stdin: true,
  },
  {
    label: 'verify --detect-auth',
    service: fault('/basic-only', 'body'),
    args: ['verify', '--detect-auth', '--debug'],
  },
  {
    label: 'echoed body (body auth)',
    service: fault('/echo-error', 'body'),
    args: ['verify', '--debug'],
  },
  {
    label: 'echoed body --json',
    service: fault('/echo-error', 'body'),
    args: ['verify', '--json', '--debug'],
  },
  {
    label: 'echoed Basic header',
    service: fault('/echo-error', 'basic'),
    args: ['verify', '--debug'],
  },
  {
    label: 'echoed Basic header --json',
    service: fault('/echo-error', 'basic'),
    args: ['verify', '--json', '--debug', '--detect-auth'],
  },
  ...[
    '/whitelabel',
    '/invalid-client',
    '/unsupported-grant',
    '/audience',
    '/invalid-scope',
    '/500',
    '/503',
    '/429',
    '/redirect',
    '/not-json',
    '/no-token',
    '/scope-narrowed',
  ].flatMap((path): Scenario[] => [
    { label: `verify ${path}`, service: fault(path), args: ['verify', '--debug'] },
    {
      label: `verify ${path} --json`,
      service: fault(path, 'body'),
      args: ['verify', '--json', '--debug'],
    },
  ]),
  {
    label: 'probe 401',
    service: () => ({ ...fault('/ok')(), probe: { method: 'GET', path: '/401' } }),
    args: ['verify', '--debug'],
  },
  {
    label: 'probe 403',
    service: () => ({ ...fault('/ok')(), probe: { method: 'GET', path: '/403' } }),
    args: ['verify', '--json', '--debug'],
  },
  {
    label: 'timeout',
    service: () => ({ ...fault('/slow?ms=2000')(), timeoutMs: 200 }),
    args: ['verify', '--debug'],
  },
  {
    label: 'refused',
    service: () => ({ ...good(), tokenUrl: deadUrl }),
    args: ['verify', '--json', '--debug'],
  },
  { label: 'TLS', service: () => ({ ...good(), tokenUrl: tlsUrl }), args: ['verify', '--debug'] },
  { label: 'token', service: good, args: ['token'] },
  { label: 'token --json --fresh', service: good, args: ['token', '--json', '--fresh'] },
  { label: 'token failure', service: fault('/whitelabel'), args: ['token', '--debug'] },
  { label: 'request', service: good, args: ['request', 'GET', '/loans'] },
  {
    label: 'request --json',
    service: good,
    args: ['request', 'POST', '/loans/drafts', '--data', '{"a":1}', '--json'],
  },
  {
    label: 'request 401 twice',
    service: fault('/ok', 'body'),
    args: ['request', 'GET', '/401', '--json', '--debug'],
  },
  {
    label: 'request token failure',
    service: fault('/echo-error', 'body'),
    args: ['request', 'GET', '/ok', '--debug'],
  },
  // generate never reads the secret; the offline compiler (a JVM) has tests of its own.
  { label: 'generate', service: good, args: ['generate', '--no-compile-check'] },
  {
    label: 'generate --json --dry-run',
    service: good,
    args: ['generate', '--json', '--dry-run', '--debug'],
  },
];

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('canary secret', () => {
  const forms = canaryForms(CANARY_SECRET);

  it.each(scenarios)('$label leaks the secret nowhere', async (scenario) => {
    const patch = scenario.service();
    const ws = await workspace(
      exampleConfig(patch),
      scenario.stdin ? {} : { [CANARY_ENV]: CANARY_SECRET },
    );
    const result = await runCli(scenario.args, {
      cwd: ws.dir,
      env: ws.env,
      ...(scenario.stdin ? { input: CANARY_SECRET } : {}),
    });
    // The scenario must really have run (not failed early on a missing secret or a usage error).
    expect(result.stdout + result.stderr).not.toMatch(/SECRET_MISSING|USAGE|CONFIG_INVALID/);
    const written = await Promise.all((await filesUnder(ws.dir)).map((f) => readFile(f, 'utf8')));
    const clientId = String(patch.clientId ?? exampleConfig().services.ExternalAppStage!.clientId);
    for (const form of [...forms, Buffer.from(`${clientId}:${CANARY_SECRET}`).toString('base64')]) {
      expect(result.stdout).not.toContain(form);
      expect(result.stderr).not.toContain(form);
      for (const text of written) expect(text).not.toContain(form);
    }
  });

  it('the echoing server really did receive and echo the secret (so the test above can fail)', async () => {
    faults.reset();
    const ws = await workspace(exampleConfig(fault('/echo-error', 'body')()), {
      [CANARY_ENV]: CANARY_SECRET,
    });
    const result = await runCli(['verify', '--json'], { cwd: ws.dir, env: ws.env });
    expect(faults.requests()[0]?.body).toContain(
      new URLSearchParams({ client_secret: CANARY_SECRET }).toString(),
    );
    expect(result.stdout).toContain('Bad request body: grant_type=client_credentials');
    expect(result.stdout).toContain('client_secret=****');
  });
});
