// A temporary HOME holding a real `sf` CLI login for the protocol-level fake org (test/servers/
// fakeOrg.ts; it is not Salesforce). The login is written by @salesforce/core itself, in a child
// process run with that HOME: core resolves ~/.sfdx and ~/.sf from os.homedir() and caches its
// state per process, so the test process's own state (and the real user's logins) stay untouched.
//
// The child does what `sf org login access-token` does: AuthInfo.create({ accessTokenOptions })
// (which calls the fake's userinfo, User, ScratchOrgInfo, /services/data and Organization
// endpoints), save(), then the alias (~/.sfdx/alias.json) and the global target-org
// (~/.sf/config.json). With login: 'refreshToken' it does what `sf org login sfdx-url` does
// instead (AuthInfo.create({ oauth2Options: { refreshToken } }), one POST /services/oauth2/token
// first). With devHub it also sets the global target-dev-hub, as `--set-default-dev-hub` does.
// Tokens are encrypted with a key in ~/.sfdx/key.json (the generic keychain).
//
// A test file whose own process uses the sf home (HOME pointed there for its in-process deploys)
// may write the login with its own core instead (inProcess): one child loading core less; core's
// cached state is dropped afterwards, so the lookups under test still read the files.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FakeOrg } from '../servers/fakeOrg.ts';

const require = createRequire(import.meta.url);

/** file: URL of @salesforce/core's entry, importable from a child whose cwd is outside the repo. */
export const SF_CORE_URL = pathToFileURL(require.resolve('@salesforce/core')).href;

export interface SfHome {
  home: string;
  /** What a child process needs (on top of PATH) to find and read the login; see sfEnv(). */
  env: NodeJS.ProcessEnv;
  username: string;
  alias?: string;
  /** Deletes the temporary HOME. */
  remove(): Promise<void>;
}

/**
 * The environment for @salesforce/core in a child process with HOME=home: a file-based key
 * (~/.sfdx/key.json) instead of libsecret/secret-tool, no telemetry, no log file under ~/.sf, no
 * update or version checks, no DNS lookups. Build the child's env from this plus PATH rather than
 * from process.env, so a developer's own SF_TARGET_ORG / SF_* settings cannot leak in.
 */
export function sfEnv(home: string): NodeJS.ProcessEnv {
  return {
    HOME: home,
    USERPROFILE: home,
    SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
    USE_GENERIC_UNIX_KEYCHAIN: 'true',
    SF_DISABLE_TELEMETRY: 'true',
    SFDX_DISABLE_TELEMETRY: 'true',
    SF_DISABLE_LOG_FILE: 'true',
    SFDX_DISABLE_LOG_FILE: 'true',
    SF_AUTOUPDATE_DISABLE: 'true',
    SFDX_AUTOUPDATE_DISABLE: 'true',
    SF_SKIP_NEW_VERSION_CHECK: 'true',
    SF_DISABLE_DNS_CHECK: 'true',
    SFDX_DISABLE_DNS_CHECK: 'true',
  };
}

/** Node's compile cache for the child processes of the tests: each loads @salesforce/core. */
export const TEST_COMPILE_CACHE = join(tmpdir(), 'callout-kit-test-compile-cache');

export interface NodeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs an ES module given as source text in a child `node` with the given env (plus PATH), cwd
 * and stdin. Async, so servers in this process keep answering while it runs.
 */
export function runNodeModule(
  source: string,
  options: { env: NodeJS.ProcessEnv; cwd: string; input?: string; timeoutMs?: number },
): Promise<NodeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, NODE_COMPILE_CACHE: TEST_COMPILE_CACHE, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** What the login writer gets (as JSON on stdin, in a child). */
interface LoginInput {
  accessToken: string;
  refreshToken?: string;
  instanceUrl: string;
  loginUrl: string;
  alias?: string;
  setDefault: boolean;
  devHub: boolean;
}

interface WrittenLogin {
  username?: string;
  orgId?: string;
  isDevHub?: boolean;
}

/**
 * Writes the login with this @salesforce/core, in the HOME it runs with: what the child below
 * runs, and what `inProcess` runs here.
 */
export async function writeLogin(
  core: typeof import('@salesforce/core'),
  input: LoginInput,
): Promise<WrittenLogin> {
  const { AuthInfo, Config } = core;
  // Access-token login as `sf org login access-token` makes it; refresh-token login as
  // `sf org login sfdx-url` makes it (a web login stores the same fields).
  const authInfo = input.refreshToken
    ? await AuthInfo.create({
        oauth2Options: {
          refreshToken: input.refreshToken,
          loginUrl: input.loginUrl,
          clientId: 'PlatformCLI',
        },
      })
    : await AuthInfo.create({
        accessTokenOptions: {
          accessToken: input.accessToken,
          instanceUrl: input.instanceUrl,
          loginUrl: input.loginUrl,
        },
      });
  await authInfo.save();
  const username = authInfo.getUsername();
  if (input.alias) await authInfo.setAlias(input.alias);
  if (input.setDefault || input.devHub) {
    const config = await Config.create({ isGlobal: true });
    if (input.setDefault) config.set('target-org', input.alias ?? username);
    // As `--set-default-dev-hub` does; isDevHub in the auth file comes from core's own
    // ScratchOrgInfo probe during AuthInfo.create.
    if (input.devHub) config.set('target-dev-hub', input.alias ?? username);
    await config.write();
  }
  const { orgId, isDevHub } = authInfo.getFields();
  return { username, orgId, isDevHub };
}

const WRITE_LOGIN = `
const core = await import(${JSON.stringify(SF_CORE_URL)});
const { writeLogin } = await import(${JSON.stringify(import.meta.url)});
let text = '';
for await (const chunk of process.stdin) text += chunk;
const written = await writeLogin(core, JSON.parse(text));
process.stdout.write(JSON.stringify(written), () => process.exit(0));
`;

/**
 * writeLogin in this process, whose HOME becomes `home` (process.env gets sfEnv(home); the test
 * file restores its env afterwards). core's cached state and config are dropped afterwards, so
 * the lookups under test read the login from its files, as they read a login `sf` made.
 */
async function writeLoginHere(home: string, input: LoginInput): Promise<NodeResult> {
  Object.assign(process.env, sfEnv(home));
  const core = (await import(SF_CORE_URL)) as typeof import('@salesforce/core');
  try {
    const written = await writeLogin(core, input);
    return { code: 0, stdout: JSON.stringify(written), stderr: '' };
  } catch (error) {
    return {
      code: 1,
      stdout: '',
      stderr: error instanceof Error ? (error.stack ?? '') : String(error),
    };
  } finally {
    await core.StateAggregator.clearInstanceAsync();
    await core.ConfigAggregator.clearInstance();
  }
}

export interface SfHomeOptions {
  /**
   * Add the login to this existing sf HOME (from an earlier createSfHome) instead of a new one,
   * for a process that can only have one HOME (core fixes it when it loads). remove() of the
   * returned SfHome then leaves the folder to its creator.
   */
  home?: string;
  alias?: string;
  /** Make the login the global target-org (default true). */
  setDefault?: boolean;
  /**
   * 'accessToken' (default): the stored auth has only an access token, as `sf org login
   * access-token` leaves it; an expired session then fails with INVALID_SESSION_ID.
   * 'refreshToken': the stored auth has the fake's refresh token, as a web or sfdx-url login
   * leaves it; @salesforce/core then renews an expired session via POST /services/oauth2/token.
   */
  login?: 'accessToken' | 'refreshToken';
  /**
   * Also make the login the global target-dev-hub (default false). The fake must be started with
   * devHub: true; the auth file's isDevHub is checked to be true.
   */
  devHub?: boolean;
  /**
   * Write the login with this process's own @salesforce/core (no child loading core again), for
   * a test file whose process uses this sf home itself: process.env gets sfEnv(home). Default
   * false: a child with HOME=home writes it, and this process's state stays untouched.
   */
  inProcess?: boolean;
}

/**
 * Creates a temporary HOME with a real sf CLI login for the fake org, written by
 * @salesforce/core in a child process. By default the login also becomes the global target-org.
 */
export async function createSfHome(org: FakeOrg, options: SfHomeOptions = {}): Promise<SfHome> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'callout-sf-home-')));
  const env = sfEnv(home);
  const input: LoginInput = {
    accessToken: org.accessToken,
    ...(options.login === 'refreshToken' ? { refreshToken: org.refreshToken } : {}),
    instanceUrl: org.instanceUrl,
    loginUrl: org.loginUrl,
    ...(options.alias ? { alias: options.alias } : {}),
    setDefault: options.setDefault ?? true,
    devHub: options.devHub ?? false,
  };
  const result = options.inProcess
    ? await writeLoginHere(home, input)
    : await runNodeModule(WRITE_LOGIN, { env, cwd: home, input: JSON.stringify(input) });
  let written: WrittenLogin = {};
  try {
    written = JSON.parse(result.stdout) as typeof written;
  } catch {
    // reported below
  }
  if (
    result.code !== 0 ||
    written.username !== org.username ||
    (options.devHub === true && written.isDevHub !== true)
  ) {
    if (!options.home) await rm(home, { recursive: true, force: true });
    throw new Error(
      `writing the sf login for the fake org failed (exit ${String(result.code)}):\n` +
        `${result.stdout}\n${result.stderr}`,
    );
  }
  return {
    home,
    env,
    username: written.username,
    ...(options.alias ? { alias: options.alias } : {}),
    remove: () => (options.home ? Promise.resolve() : rm(home, { recursive: true, force: true })),
  };
}
