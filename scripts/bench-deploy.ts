// `npm run bench:deploy`: callout deploy against `sf project deploy start` on the same source and
// the same protocol-level fake org (test/servers/fakeOrg.ts; not Salesforce), run alternately.
//
// 1. The deploy alone: `callout deploy --skip-verify --skip-compile-check --skip-apex-tests` vs sf,
//    on the committed force-app (examples/externalapp). Target: median ratio <= 0.8.
// 2. The full deploy: `callout deploy` (drift check, verify against a local token endpoint, the
//    offline compile check when Java is there, the generated tests run locally, deploy) vs sf, on
//    a project generated for that endpoint. Target: median ratio <= 1.0.
//
// The fake org finishes a deploy a fixed time after the request (BENCH_ORG_MS, default 1000 ms),
// as an org does, so each client's polling pace counts as it would. sf (@salesforce/cli, pinned
// below) is installed on first use into .bench/sf (git-ignored; no dependency of the package or
// its tests). Both run with a private HOME holding an sf login for the fake org, no telemetry, no
// update checks; nothing leaves 127.0.0.1.
//
// Settings: BENCH_PAIRS (5), BENCH_ORG_MS (1000), BENCH_SF_VERSION (the pinned one). Each line
// shows the wall time, the time to the deploy request the org received, and the time from the
// org's final status to the process exit. Exits 1 when a target is missed.
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { findJava } from '../src/check/compile.ts';
import { createSfHome, type SfHome } from '../test/helpers/sfAuth.ts';
import { startFakeOrg, type FakeOrg } from '../test/servers/fakeOrg.ts';
import { startFaultServer } from '../test/servers/index.ts';

const REPO = resolve(import.meta.dirname, '..');
const BIN = join(REPO, 'dist/cli/bin.js');
const SF_VERSION = process.env.BENCH_SF_VERSION ?? '2.150.6';
const SF_DIR = join(REPO, '.bench/sf');
const SF_RUN = join(SF_DIR, 'node_modules/@salesforce/cli/bin/run.js');
const PAIRS = Number(process.env.BENCH_PAIRS ?? 5);
const ORG_MS = Number(process.env.BENCH_ORG_MS ?? 1000);
const TESTS = ['ExternalAppTokenServiceTest', 'ExternalAppApiTest'];

interface Run {
  wall: number;
  /** From process start to the deploy request received by the org. */
  toDeploy: number;
  /** From the org's final status answered to process exit. */
  afterDone: number;
}

function exec(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number | null; output: string; started: number; exited: number }> {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, output, started, exited: performance.now() }));
  });
}

async function ensureSf(): Promise<void> {
  try {
    const installed = JSON.parse(
      await readFile(join(SF_DIR, 'node_modules/@salesforce/cli/package.json'), 'utf8'),
    ) as { version: string };
    if (installed.version === SF_VERSION) return;
  } catch {
    // not installed yet
  }
  process.stdout.write(`Installing @salesforce/cli@${SF_VERSION} into .bench/sf (once)...\n`);
  await mkdir(SF_DIR, { recursive: true });
  await writeFile(join(SF_DIR, 'package.json'), '{ "private": true }\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await exec(
    npm,
    ['install', `@salesforce/cli@${SF_VERSION}`, '--no-audit', '--no-fund', '--ignore-scripts'],
    { cwd: SF_DIR, env: { ...process.env } },
  );
  if (result.code !== 0) throw new Error(`npm install @salesforce/cli failed:\n${result.output}`);
}

/** One run of a client; the org's request log gives the time to the deploy and after done. */
async function timed(
  org: FakeOrg,
  label: string,
  command: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Run> {
  const before = org.requests().length;
  const result = await exec(process.execPath, command, { cwd, env });
  if (result.code !== 0) throw new Error(`${label} exited ${result.code}:\n${result.output}`);
  const mine = org.requests().slice(before);
  const deploy = mine.find(
    (r) => r.soapMethod === 'deploy' || /\/metadata\/deployRequest/.test(r.path),
  );
  const last = mine
    .filter((r) => r.soapMethod === 'checkDeployStatus' || /deployRequest\/\w+/.test(r.path))
    .at(-1);
  if (!deploy || !last?.answeredAt) throw new Error(`${label}: no deploy seen by the org`);
  return {
    wall: result.exited - result.started,
    toDeploy: deploy.receivedAt - result.started,
    afterDone: result.exited - last.answeredAt,
  };
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(', ');
const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;

async function compare(
  title: string,
  target: number,
  org: FakeOrg,
  dir: string,
  env: NodeJS.ProcessEnv,
  calloutArgs: string[],
): Promise<boolean> {
  const sfArgs = [
    SF_RUN,
    'project',
    'deploy',
    'start',
    '--source-dir',
    'force-app',
    '--test-level',
    'RunSpecifiedTests',
    ...TESTS.flatMap((t) => ['--tests', t]),
    '--wait',
    '10',
  ];
  const callout = () => timed(org, 'callout deploy', [BIN, 'deploy', ...calloutArgs], dir, env);
  const sf = () => timed(org, 'sf project deploy start', sfArgs, dir, env);
  process.stdout.write(`\n${title}\n`);
  // One unmeasured pair warms the OS file cache for both.
  await callout();
  await sf();
  const ratios: number[] = [];
  const runs: { callout: Run[]; sf: Run[] } = { callout: [], sf: [] };
  for (let pair = 1; pair <= PAIRS; pair++) {
    // Alternate which goes first, so a slow phase of the machine hits both alike.
    let c: Run;
    let s: Run;
    if (pair % 2) {
      c = await callout();
      s = await sf();
    } else {
      s = await sf();
      c = await callout();
    }
    runs.callout.push(c);
    runs.sf.push(s);
    ratios.push(c.wall / s.wall);
    process.stdout.write(
      `  pair ${pair}: callout ${ms(c.wall)} (to deploy ${ms(c.toDeploy)}, after done ${ms(c.afterDone)})` +
        `   sf ${ms(s.wall)} (to deploy ${ms(s.toDeploy)}, after done ${ms(s.afterDone)})` +
        `   ratio ${(c.wall / s.wall).toFixed(2)}\n`,
    );
  }
  const ratio = median(ratios);
  const ok = ratio <= target;
  process.stdout.write(
    `  median: callout ${ms(median(runs.callout.map((r) => r.wall)))}, sf ${ms(median(runs.sf.map((r) => r.wall)))}; ` +
      `median ratio ${ratio.toFixed(2)} (target <= ${target.toFixed(1)}) ${ok ? 'PASS' : 'FAIL'}\n`,
  );
  return ok;
}

await ensureSf();
const [org, tokenServer] = await Promise.all([startFakeOrg(), startFaultServer()]);
org.setScenario('success', { finishAfterMs: ORG_MS });
let sfHome: SfHome | undefined;
const dirs: string[] = [];
try {
  sfHome = await createSfHome(org, { alias: 'bench' });
  const env: NodeJS.ProcessEnv = {
    ...sfHome.env,
    SF_HIDE_RELEASE_NOTES: 'true',
    SF_HIDE_RELEASE_NOTES_FOOTER: 'true',
    SF_NPM_REGISTRY: 'http://127.0.0.1:9',
    NO_COLOR: '1',
    EXTERNALAPP_STAGE_CLIENT_SECRET: 'bench-stage-secret',
    EXTERNALAPP_PROD_CLIENT_SECRET: 'bench-prod-secret',
  };

  // 1. The committed force-app and the config it was generated from.
  const committed = await mkdtemp(join(tmpdir(), 'callout-bench-deploy-'));
  dirs.push(committed);
  await cp(join(REPO, 'force-app'), join(committed, 'force-app'), { recursive: true });
  await cp(join(REPO, 'sfdx-project.json'), join(committed, 'sfdx-project.json'));
  const example = JSON.parse(
    await readFile(join(REPO, 'examples/externalapp/callout.config.json'), 'utf8'),
  ) as Record<string, unknown> & { services: Record<string, Record<string, unknown>> };
  delete example.$schema;
  await writeFile(join(committed, 'callout.config.json'), JSON.stringify(example, null, 2));
  process.stdout.write(
    `callout deploy vs sf project deploy start (@salesforce/cli ${SF_VERSION}), ${PAIRS} pairs, ` +
      `${process.version}; the fake org takes ${ORG_MS} ms per deploy; load average ${load()}\n`,
  );
  const deployOnly = await compare(
    '1. deploy only: callout deploy --skip-verify --skip-compile-check --skip-apex-tests (committed force-app)',
    0.8,
    org,
    committed,
    env,
    ['--skip-verify', '--skip-compile-check', '--skip-apex-tests'],
  );

  // 2. The same config, its token endpoints and APIs on a local server, generated afresh.
  const full = await mkdtemp(join(tmpdir(), 'callout-bench-full-'));
  dirs.push(full);
  for (const service of Object.values(example.services)) {
    service.tokenUrl = tokenServer.url('/ok');
    service.apiBaseUrl = tokenServer.url('/api');
    service.probe = { method: 'GET', path: '/ok' };
    delete service.audience;
  }
  await writeFile(join(full, 'callout.config.json'), JSON.stringify(example, null, 2));
  await cp(join(REPO, 'sfdx-project.json'), join(full, 'sfdx-project.json'));
  const generated = await exec(
    process.execPath,
    [BIN, 'generate', '--no-compile-check', '--skip-apex-tests'],
    {
      cwd: full,
      env,
    },
  );
  if (generated.code !== 0) throw new Error(`generate failed:\n${generated.output}`);
  const java = await findJava();
  const fullDeploy = await compare(
    `2. full: callout deploy (drift check, verify, compile check${java ? '' : ' [no Java: skipped]'}, local Apex tests, deploy)`,
    1.0,
    org,
    full,
    env,
    // The token server is on 127.0.0.1, which no org could call.
    ['--allow-unreachable-endpoints'],
  );
  process.stdout.write(`\nload average at the end ${load()} (1, 5, 15 min)\n`);
  process.exitCode = deployOnly && fullDeploy ? 0 : 1;
} finally {
  await Promise.all([
    org.close(),
    tokenServer.close(),
    sfHome?.remove(),
    ...dirs.map((dir) => rm(dir, { recursive: true, force: true })),
  ]);
}
