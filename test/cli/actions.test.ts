import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/schema.ts';
import { ERROR_CODES, type ErrorCode } from '../../src/errors/codes.ts';
import {
  refusedUrl,
  startFaultServer,
  startTlsFaultServer,
  type FaultServer,
  type TlsFaultServer,
} from '../servers/index.ts';
import { parseJson, runCli, workspace, type Workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, exampleConfig } from '../helpers/fixtures.ts';

/**
 * Every action leads somewhere: each error code is driven through the CLI (or, where that needs an
 * org, a JVM or a clock, checked from the code table against the commands that raise it), and no
 * "Try:" may send the user back to the command that just failed, unchanged. Where an action is a
 * whole command, it is run as well: it must not fail the same way.
 */

interface Suggested {
  argv: string[];
  stdin: boolean;
  /** What the action says before this command: a change to make first ("change X and run"). */
  before: string;
}

/** The callout commands an action names: `callout ...` in backticks, or after `... | `. */
export function suggestedCommands(action: string): Suggested[] {
  const found: Suggested[] = [];
  for (const match of action.matchAll(
    /`(?:\.\.\. \| )?(callout [^`]+)`|\.\.\. \| (callout .+)$/g,
  )) {
    const line = (match[1] ?? match[2]!).replace(/[.,;]$/, '');
    found.push({
      argv: line.split(/\s+/).slice(1),
      stdin: match[0].includes('| callout'),
      before: action.slice(0, match.index),
    });
  }
  return found;
}

const IGNORED = new Set(['--json', '--debug']);
/** A word standing for a value the user fills in: SERVICE, URL, <command>, ... */
const placeholder = (word: string) => /^[A-Z][A-Z_.|]*$|^<.+>$|\.\.\./.test(word);

/**
 * True when `suggested` is `failed` again, unchanged: the same words, in any order, but for
 * --json and --debug (a placeholder stands for any one word).
 */
export function repeats(failed: string[], suggested: string[]): boolean {
  const left = failed.filter((w) => !IGNORED.has(w));
  const right = suggested.filter((w) => !IGNORED.has(w));
  if (left.length !== right.length) return false;
  const [command, ...rest] = right;
  if (command !== '<command>' && command !== left[0]) return false;
  const pool = left.slice(1);
  return rest.every((word) => {
    const at = placeholder(word) ? 0 : pool.indexOf(word);
    if (at < 0 || pool.length === 0) return false;
    pool.splice(at, 1);
    return true;
  });
}

/** Words that say a change comes first: "change the config and run `callout generate`". */
const CHANGE_FIRST =
  /\b(change|edit|fix|set|move|add|remove|enable|log in|wait)\b[^`]*\b(then|and|so)\b|\bthen\b\s*$/i;

/** The command of an action that sends the user back to `failed` with no change, if any. */
export function circle(failed: string[], action: string): string | undefined {
  const commands = suggestedCommands(action);
  return commands
    .filter(
      (c, i) =>
        !CHANGE_FIRST.test(c.before) &&
        !commands.slice(0, i).some((earlier) => !repeats(failed, earlier.argv)),
    )
    .find((c) => repeats(failed, c.argv))
    ?.argv.join(' ');
}

interface Scenario {
  code: ErrorCode;
  argv: string[];
  /** The workspace's config (default: the example with the fault server's /ok endpoint). */
  config?: (urls: Urls) => ConfigInput | undefined;
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Prepares the folder (generate first, edit a file by hand, ...). */
  prepare?: (ws: Workspace) => Promise<void>;
  /** Some action must be a whole command that, run here, ends without this scenario's code. */
  followUp?: boolean;
}

interface Urls {
  faults: FaultServer;
  tls: TlsFaultServer;
  refused: string;
}

const token = (path: string, probe?: string) => (u: Urls) =>
  exampleConfig({
    tokenUrl: u.faults.url(path),
    apiBaseUrl: u.faults.url('/api'),
    probe: probe ? { method: 'GET', path: probe } : undefined,
  });

const twoServices = (u: Urls): ConfigInput => {
  const one = exampleConfig({
    tokenUrl: u.faults.url('/ok'),
    apiBaseUrl: u.faults.url('/api'),
    probe: undefined,
  });
  const service = one.services.ExternalAppStage!;
  return {
    ...one,
    services: {
      ExternalAppStage: service,
      ExternalAppProd: { ...service, clientSecret: { env: 'EXTERNALAPP_PROD_CLIENT_SECRET' } },
    },
  };
};

/** No Java on PATH: generate skips the compile check instead of starting a JVM. */
const NO_JAVA = { PATH: dirname(process.execPath) };
const GENERATE_FAST = ['--no-compile-check', '--skip-apex-tests'];
const handEdited = async (ws: Workspace) => {
  const first = await runCli(['generate', ...GENERATE_FAST], { cwd: ws.dir, env: ws.env });
  expect(first.code).toBe(0);
  await appendFile(
    join(ws.dir, 'force-app/main/default/classes/ExternalAppTokenService.cls'),
    '\n// changed by hand\n',
  );
};

const SCENARIOS: Scenario[] = [
  { code: 'USAGE', argv: ['frobnicate'] },
  { code: 'USAGE', argv: ['generate', '--forse'] },
  { code: 'USAGE', argv: ['generate', 'force-app'] },
  { code: 'USAGE', argv: ['token', 'A', 'B'] },
  { code: 'USAGE', argv: ['request', 'FETCH', '/x'] },
  { code: 'USAGE', argv: ['apex', 'go'] },
  { code: 'USAGE', argv: ['verify', '--apex', '--detect-auth'] },
  { code: 'CONFIG_NOT_FOUND', argv: ['verify'], config: () => undefined },
  {
    code: 'CONFIG_INVALID',
    argv: ['verify'],
    config: (u) => ({ ...token('/ok')(u), prefix: '1bad' }),
  },
  {
    code: 'CONFIG_EXISTS',
    argv: [
      'init',
      '--yes',
      '--token-url',
      'https://a.test/t',
      '--api-base-url',
      'https://a.test',
      '--client-id',
      'x',
      '--client-auth',
      'basic',
    ],
    followUp: true,
  },
  { code: 'SERVICE_UNKNOWN', argv: ['token', 'Nope'] },
  { code: 'SERVICE_REQUIRED', argv: ['token'], config: twoServices, followUp: true },
  // With two services, --secret-stdin carries one secret: the advice names the service.
  {
    code: 'SECRET_MISSING',
    argv: ['verify'],
    config: twoServices,
    env: { [CANARY_ENV]: '' },
    followUp: true,
  },
  { code: 'SECRET_MISSING', argv: ['token'], env: { [CANARY_ENV]: '' }, followUp: true },
  { code: 'SECRET_MISSING', argv: ['verify', '--secret-stdin'], input: '' },
  {
    code: 'USAGE',
    argv: ['verify', '--secret-stdin'],
    config: twoServices,
    input: CANARY_SECRET,
    followUp: true,
  },
  {
    code: 'GENERATE_REFUSED',
    argv: ['generate', ...GENERATE_FAST],
    prepare: handEdited,
    env: NO_JAVA,
  },
  // generate --check with a hand edit: plain `callout generate` would refuse.
  {
    code: 'GENERATE_OUT_OF_DATE',
    argv: ['generate', '--check'],
    prepare: handEdited,
    env: NO_JAVA,
    followUp: true,
  },
  // Services X and X_Api in externalCredential mode would generate one External Credential.
  {
    code: 'GENERATED_NAME_COLLISION',
    argv: ['generate', ...GENERATE_FAST],
    config: (u) => {
      const one = token('/ok')(u);
      const service = one.services.ExternalAppStage!;
      return {
        ...one,
        secretStorage: 'externalCredential',
        services: { Pay: service, Pay_Api: service },
      };
    },
    env: NO_JAVA,
  },
  { code: 'CLIENT_AUTH_REJECTED', argv: ['verify'], config: token('/invalid-client') },
  {
    code: 'CLIENT_AUTH_REJECTED',
    argv: ['verify', '--detect-auth'],
    config: token('/invalid-client'),
  },
  { code: 'CLIENT_AUTH_REJECTED', argv: ['verify', '--detect-auth'], config: token('/whitelabel') },
  { code: 'CLIENT_AUTH_REJECTED', argv: ['token', '--fresh'], config: token('/whitelabel') },
  { code: 'GRANT_TYPE_REJECTED', argv: ['verify'], config: token('/unsupported-grant') },
  { code: 'AUDIENCE_REJECTED', argv: ['verify'], config: token('/audience') },
  { code: 'SCOPE_NOT_GRANTED', argv: ['verify'], config: token('/scope-narrowed') },
  { code: 'OAUTH_ERROR', argv: ['verify'], config: token('/invalid-request') },
  { code: 'TOKEN_SERVER_ERROR', argv: ['verify'], config: token('/500') },
  { code: 'RATE_LIMITED', argv: ['verify'], config: token('/429') },
  { code: 'REDIRECTED', argv: ['verify'], config: token('/redirect') },
  { code: 'TOKEN_NOT_JSON', argv: ['verify'], config: token('/not-json') },
  { code: 'TOKEN_MISSING', argv: ['verify'], config: token('/no-token') },
  {
    code: 'CONNECTION_REFUSED',
    argv: ['verify'],
    config: (u) => exampleConfig({ tokenUrl: u.refused, probe: undefined }),
  },
  {
    code: 'TLS_FAILURE',
    argv: ['verify'],
    config: (u) => exampleConfig({ tokenUrl: `${u.tls.baseUrl}/ok`, probe: undefined }),
  },
  { code: 'PROBE_UNAUTHORIZED', argv: ['verify'], config: token('/ok', '/401') },
  { code: 'PROBE_FORBIDDEN', argv: ['verify'], config: token('/ok', '/403') },
  { code: 'PROBE_FAILED', argv: ['verify'], config: token('/ok', '/missing') },
  { code: 'API_UNAUTHORIZED', argv: ['request', 'GET', '/401'], config: token('/ok') },
  { code: 'API_ERROR', argv: ['request', 'GET', '/403'], config: token('/ok') },
  { code: 'APEX_PARSE', argv: ['apex', 'run'], input: 'Integer x = ;' },
  {
    code: 'APEX_EXCEPTION',
    argv: ['apex', 'run'],
    input: "throw new IllegalArgumentException('no');",
  },
  { code: 'APEX_TEST_FAILURE', argv: ['test'] },
];

/**
 * Codes that need an org, a JVM, a clock or a resolver to happen: their table actions are checked
 * against the command lines that raise them.
 */
const RAISED_BY: Partial<Record<ErrorCode, string[][]>> = {
  UNEXPECTED: [['verify'], ['generate'], ['deploy']],
  GENERATE_INVALID_VALUE: [['generate']],
  COMPILE_FAILED: [['check'], ['generate'], ['deploy']],
  CHECK_UNAVAILABLE: [['check']],
  DEPLOY_FAILED: [['deploy']],
  DEPLOY_TIMEOUT: [['deploy']],
  DEPLOY_CANCELED: [['deploy']],
  ORG_LOGIN_MISSING: [['deploy'], ['doctor', '--target-org', 'x'], ['deploy', '--scratch']],
  ORG_NOT_DEV_HUB: [['deploy', '--scratch', '--target-dev-hub', 'x']],
  ORG_SESSION_EXPIRED: [['deploy'], ['doctor']],
  DOCTOR_FAILED: [['doctor']],
  TOKEN_HTTP_ERROR: [['verify'], ['token']],
  TIMEOUT: [['verify'], ['token'], ['request', 'GET', '/x']],
  DNS_FAILURE: [['verify'], ['token']],
  NETWORK_ERROR: [['verify'], ['token']],
  APEX_FIT: [['verify']],
  APEX_UNSUPPORTED: [['test'], ['apex', 'run'], ['verify', '--apex']],
  APEX_MISMATCH: [['verify', '--apex']],
  INTERRUPTED: [['init'], ['deploy']],
  // Driven by the hostile-input suite (test/hostile) and the deploy tests against the fake org.
  PATH_OUTSIDE_PROJECT: [['generate'], ['check', '/elsewhere'], ['init'], ['deploy']],
  CACHE_UNSAFE: [['token'], ['verify'], ['request', 'GET', '/x']],
  SECRET_REFUSED: [['verify'], ['token'], ['deploy'], ['verify', '--secret-stdin']],
  SECRET_IN_PRODUCTION_METADATA: [['deploy']],
  // Driven by the deploy tests against the fake org (a 300-character secret).
  SECRET_TOO_LONG: [['deploy']],
  CLEAN_NOT_CONFIRMED: [['deploy', '--clean']],
  TOKEN_NOT_BEARER: [['verify'], ['token']],
  TOKEN_MALFORMED: [['verify'], ['token']],
  ENDPOINT_UNREACHABLE: [['deploy']],
  API_RESPONSE_TOO_LARGE: [['request', 'GET', '/x', '--max-size', '1K']],
};

let urls: Urls;
beforeAll(async () => {
  const [faults, tls] = await Promise.all([startFaultServer(), startTlsFaultServer()]);
  urls = { faults, tls, refused: await refusedUrl() };
});
afterAll(async () => {
  await Promise.all([urls?.faults.close(), urls?.tls.close()]);
});

async function scenarioWorkspace(scenario: Scenario): Promise<Workspace> {
  const config = scenario.config ? scenario.config(urls) : token('/ok')(urls);
  const ws = await workspace(config, {
    [CANARY_ENV]: CANARY_SECRET,
    EXTERNALAPP_PROD_CLIENT_SECRET: CANARY_SECRET,
    ...scenario.env,
  });
  if (config)
    await writeFile(
      join(ws.dir, 'sfdx-project.json'),
      JSON.stringify({
        packageDirectories: [{ path: 'force-app', default: true }],
        sourceApiVersion: '64.0',
      }),
    );
  if (scenario.code === 'APEX_TEST_FAILURE') {
    const classes = join(ws.dir, 'force-app/main/default/classes');
    await mkdir(classes, { recursive: true });
    await writeFile(
      join(classes, 'FailingTest.cls'),
      "@IsTest\nprivate class FailingTest {\n  @IsTest\n  static void fails() {\n    System.assertEquals(1, 2, 'no');\n  }\n}\n",
    );
  }
  await scenario.prepare?.(ws);
  return ws;
}

describe('every action leads somewhere', () => {
  it('has a scenario or a list of raising commands for every error code', () => {
    const covered = new Set([...SCENARIOS.map((s) => s.code), ...Object.keys(RAISED_BY)]);
    expect(Object.keys(ERROR_CODES).filter((code) => !covered.has(code))).toEqual([]);
  });

  it('knows a repeated command from a changed one', () => {
    expect(repeats(['verify', '--detect-auth', '--json'], ['verify', '--detect-auth'])).toBe(true);
    expect(repeats(['verify'], ['verify', '--detect-auth'])).toBe(false);
    expect(repeats(['generate', '--check'], ['generate'])).toBe(false);
    expect(repeats(['token', 'S', '--json'], ['token', 'SERVICE'])).toBe(true);
    expect(circle(['verify', '--detect-auth'], 'Run `callout verify --detect-auth` to try.')).toBe(
      'verify --detect-auth',
    );
    expect(
      circle(['generate'], 'Change callout.config.json and run `callout generate` again.'),
    ).toBeUndefined();
    expect(
      circle(['verify', '--apex'], 'Run `callout generate`, then `callout verify --apex` again.'),
    ).toBeUndefined();
    expect(repeats(['token'], ['<command>', '--secret-stdin'])).toBe(false);
    expect(repeats(['verify', 'S'], ['verify', 'SERVICE'])).toBe(true);
    expect(suggestedCommands('Or pipe it in: ... | callout verify A --secret-stdin')).toEqual([
      { argv: ['verify', 'A', '--secret-stdin'], stdin: true, before: 'Or pipe it in: ' },
    ]);
  });

  it.each(Object.entries(RAISED_BY))(
    '%s: the table actions do not repeat its commands',
    (code, lines) => {
      for (const action of ERROR_CODES[code as ErrorCode].actions)
        for (const line of lines!)
          expect({ line, action, circle: circle(line, action) }).toMatchObject({
            circle: undefined,
          });
    },
  );

  it.each(SCENARIOS.map((s) => [`${s.code} from callout ${s.argv.join(' ')}`, s] as const))(
    '%s',
    async (_name, scenario) => {
      const ws = await scenarioWorkspace(scenario);
      const run = (argv: string[], input = scenario.input) =>
        runCli([...argv, '--json'], {
          cwd: ws.dir,
          env: ws.env,
          ...(input === undefined ? {} : { input }),
        });
      const result = await run(scenario.argv);
      const json = parseJson(result.stdout) as { name?: string; actions?: string[] };
      expect({ name: json.name, stderr: result.stderr }).toMatchObject({ name: scenario.code });
      const actions = json.actions ?? [];
      for (const action of actions)
        expect({ action, circle: circle(scenario.argv, action) }).toMatchObject({
          circle: undefined,
        });
      if (!scenario.followUp) return;
      const runnable = actions
        .flatMap(suggestedCommands)
        .filter(({ argv }) => !argv.some(placeholder));
      expect(runnable, `a whole command among ${JSON.stringify(actions)}`).not.toEqual([]);
      for (const next of runnable) {
        const after = await run(next.argv, next.stdin ? CANARY_SECRET : undefined);
        const name = after.code === 0 ? 'success' : (parseJson(after.stdout).name as string);
        // Not the same failure, nor its kind (GENERATE_REFUSED after GENERATE_OUT_OF_DATE is
        // the same dead end), nor a usage error.
        const failedKind = ERROR_CODES[scenario.code].exitCode;
        expect({ next: next.argv.join(' '), name, code: after.code }).not.toMatchObject({
          code: failedKind,
        });
        expect({ next: next.argv.join(' '), name, code: after.code }).not.toMatchObject({
          code: 2,
        });
      }
    },
    60_000,
  );
});
