import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { startFakeOrg, type FakeOrg } from '../servers/fakeOrg.ts';
import { startFaultServer, type FaultServer } from '../servers/index.ts';
import { createSfHome, type SfHome } from './sfAuth.ts';
import { runCli } from './cli.ts';
import { preloadDeployLibraries } from '../../src/deploy/index.ts';
import { CANARY_SECRET, canaryForms } from './fixtures.ts';

/**
 * The fixture of the deploy tests: a protocol-level fake org (not Salesforce), the fault server as
 * the partner's token endpoint and API, an sf login in a temporary HOME, generated projects, and
 * a deploy runner that checks every run for the secrets (canary).
 */
// Live bindings: the test files see the values the hooks below assign.
export let org: FakeOrg;
export let faults: FaultServer;
export let sf: SfHome;

const savedEnv = { ...process.env };

/** Registers the fixture's hooks; call once at the top level of a test file. */
export function useDeployFixture(): void {
  beforeAll(async () => {
    [org, faults] = await Promise.all([
      // The final status at the first check: no deploy waits for the poll interval.
      startFakeOrg({ defaultPollsToFinish: 0 }),
      startFaultServer(),
    ]);
    org.setRecords('PermissionSet', [{ Id: '0PS000000000001', Name: 'Vault_Callout' }]);
    sf = await createSfHome(org, { alias: 'fake', inProcess: true });
    // Deploys run in this process: @salesforce/core fixes its ~/.sf from HOME when it first loads,
    // so HOME is the temporary sf home before any deploy (a vitest fork per file keeps it here).
    Object.assign(process.env, sf.env);
    // Loaded once, up front: no test pays for loading core and source-deploy-retrieve.
    await preloadDeployLibraries();
  });

  afterAll(async () => {
    for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
    Object.assign(process.env, savedEnv);
    await Promise.all([org?.close(), faults?.close(), sf?.remove()]);
  });
}

export const SECRETS = {
  PARTNER_STAGE: CANARY_SECRET,
  PARTNER_PROD: 'prod-secret-value-42',
  VAULT_SECRET: 'vault0secret0plain',
};

export type Mode = 'customMetadata' | 'externalCredential';
const generated = new Map<Mode, Promise<string>>();

/** A fresh copy of a generated project (generated once per mode: one CLI run less per test). */
export async function project(mode: Mode = 'customMetadata'): Promise<string> {
  if (!generated.has(mode)) generated.set(mode, generateProject(mode));
  const dir = await mkdtemp(join(tmpdir(), 'callout-deploy-'));
  await cp(await generated.get(mode)!, dir, { recursive: true });
  return dir;
}

/** A generated project whose token endpoints and APIs are the fault server's good routes. */
async function generateProject(mode: Mode): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'callout-deploy-generated-'));
  const service = (env: string, clientAuth: string) => ({
    tokenUrl: faults.url('/ok'),
    apiBaseUrl: faults.url('/api'),
    clientId: 'client-1',
    clientSecret: { env },
    clientAuth,
    probe: { method: 'GET', path: '/ok' },
  });
  const config =
    mode === 'customMetadata'
      ? {
          prefix: 'Partner',
          apiVersion: '64.0',
          services: {
            PartnerStage: service('PARTNER_STAGE', 'basic'),
            PartnerProd: service('PARTNER_PROD', 'body'),
          },
        }
      : {
          prefix: 'Vault',
          apiVersion: '64.0',
          secretStorage: 'externalCredential',
          services: { VaultBasic: service('VAULT_SECRET', 'basic') },
        };
  await writeFile(join(dir, 'callout.config.json'), JSON.stringify(config, null, 2));
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }] }),
  );
  // The cache folder the deploys use (XDG_CACHE_HOME below) goes with each copy, holding the
  // formatted classes: a deploy in a child process then checks the source against the config
  // without formatting every class again (in this process they are formatted once anyway).
  const result = await runCli(['generate', '--no-compile-check', '--skip-apex-tests'], {
    cwd: dir,
    env: { XDG_CACHE_HOME: join(dir, '.cache') },
  });
  if (result.code !== 0) throw new Error(`generate failed:\n${result.stdout}\n${result.stderr}`);
  return dir;
}

/**
 * Runs deploy (the generated tests' local run is skipped unless a test asks for it with
 * --run-apex-tests; it has tests of its own); every run, success or failure, is checked for the
 * secrets in every form (canary). The partner is the fault server on 127.0.0.1, which no org
 * could call: --allow-unreachable-endpoints is added unless a test asks for the check with
 * --check-endpoints. In this process with the file's sf home; in a child process for another
 * HOME (no login). `secrets`: the secret variables set (default all).
 */
export async function deploy(
  dir: string,
  args: string[] = [],
  env: NodeJS.ProcessEnv = sf.env,
  secrets: Partial<typeof SECRETS> = SECRETS,
) {
  const localTests = args.includes('--run-apex-tests');
  const checkEndpoints = args.includes('--check-endpoints');
  const result = await runCli(
    [
      'deploy',
      '--skip-compile-check',
      ...(localTests ? [] : ['--skip-apex-tests']),
      ...(checkEndpoints ? [] : ['--allow-unreachable-endpoints']),
      ...args.filter((a) => a !== '--run-apex-tests' && a !== '--check-endpoints'),
    ],
    {
      cwd: dir,
      spawn: env !== sf.env,
      env: { ...env, ...secrets, XDG_CACHE_HOME: join(dir, '.cache') },
    },
  );
  expectNoSecret(result.stdout + result.stderr);
  return result;
}

/** The sf environment with an empty HOME: no login at all. */
export async function noLoginEnv(): Promise<NodeJS.ProcessEnv> {
  const home = await mkdtemp(join(tmpdir(), 'callout-empty-home-'));
  return { ...sf.env, HOME: home, USERPROFILE: home };
}

export function expectNoSecret(text: string) {
  for (const form of [...canaryForms(CANARY_SECRET), SECRETS.PARTNER_PROD, SECRETS.VAULT_SECRET])
    expect(text).not.toContain(form);
}

/** The generated test classes of the two-services golden case, in the order they run. */
export const PARTNER_TESTS = [
  'PartnerTokenServiceTest',
  'PartnerTokenRequestTest',
  'PartnerTokenResponseTest',
  'PartnerTokenCacheTest',
  'PartnerApiTest',
];
