// `npm run bench`: start-up and overhead figures for the issue notes (not a test; nothing fails).
//   1. `callout --help` cold start (a new process each run).
//   2. `callout verify --no-probe` against oidc-provider on 127.0.0.1, against a bare Node script
//      that sends the same token request with fetch: the difference is the harness's overhead.
// Usage: npm run bench [-- --runs N] [-- --json]
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startOidcServer, DEFAULT_AUDIENCE } from '../test/servers/oidc.ts';

const BIN = resolve(import.meta.dirname, '../dist/cli/bin.js');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;
const asJson = process.argv.includes('--json');

function timeProcess(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  return new Promise((done, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'ignore', 'ignore'],
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? done(performance.now() - started)
        : reject(new Error(`${args.join(' ')} exited ${code}`)),
    );
  });
}

async function sample(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<number[]> {
  await timeProcess(args, options); // warm the OS file cache; every measured run is still a new process
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timeProcess(args, options));
  return times.sort((a, b) => a - b);
}

const median = (xs: number[]) => xs[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => xs[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))]!;
const ms = (x: number) => `${x.toFixed(0)} ms`;

const secret = randomBytes(24).toString('base64url');
const oidc = await startOidcServer({ clients: { basic: { id: 'bench-client', secret } } });
const dir = await mkdtemp(join(tmpdir(), 'callout-bench-'));
try {
  const service = {
    tokenUrl: oidc.tokenUrl,
    apiBaseUrl: 'https://partner-api.example.test',
    clientId: 'bench-client',
    clientSecret: { env: 'BENCH_SECRET' },
    clientAuth: 'basic',
    audience: DEFAULT_AUDIENCE,
    scope: 'read:loans',
  };
  await writeFile(
    join(dir, 'callout.config.json'),
    JSON.stringify({ prefix: 'Bench', apiVersion: '64.0', services: { Bench: service } }),
  );
  const bare = join(dir, 'bare-fetch.mjs');
  await writeFile(
    bare,
    `const r = await fetch(${JSON.stringify(oidc.tokenUrl)}, { method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded', Authorization: 'Basic ' + Buffer.from('bench-client:' + process.env.BENCH_SECRET).toString('base64') }, body: new URLSearchParams({ grant_type: 'client_credentials', audience: ${JSON.stringify(DEFAULT_AUDIENCE)}, scope: 'read:loans' }) });
const j = await r.json(); if (!j.access_token) process.exit(1);\n`,
  );
  const env = { ...process.env, BENCH_SECRET: secret, XDG_CACHE_HOME: join(dir, '.cache') };
  const help = await sample([BIN, '--help']);
  const nodeOnly = await sample(['-e', '0']);
  const bareFetch = await sample([bare], { env });
  const verify = await sample([BIN, 'verify', '--no-probe'], { cwd: dir, env });
  // generate, cold: a new process writing the whole two-service example into an empty project each run.
  const generate: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const project = await mkdtemp(join(tmpdir(), 'callout-bench-generate-'));
    await copyFile(
      resolve(import.meta.dirname, '../examples/externalapp/callout.config.json'),
      join(project, 'callout.config.json'),
    );
    await writeFile(
      join(project, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }] }),
    );
    const time = await timeProcess([BIN, 'generate', '--no-compile-check'], { cwd: project });
    if (i > 0) generate.push(time); // the first run only warms the OS file cache
    await rm(project, { recursive: true, force: true });
  }
  generate.sort((a, b) => a - b);
  // check, cold (new JVM each run) on the reference output; the first run of a fresh cache also
  // compiles the driver with javac once, and is reported on its own.
  const checkCache = await mkdtemp(join(tmpdir(), 'callout-bench-check-'));
  const checkEnv = { ...process.env, XDG_CACHE_HOME: checkCache };
  const repo = resolve(import.meta.dirname, '..');
  const checkFirst = await timeProcess([BIN, 'check'], { cwd: repo, env: checkEnv });
  const checkRuns: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 8); i++)
    checkRuns.push(await timeProcess([BIN, 'check'], { cwd: repo, env: checkEnv }));
  checkRuns.sort((a, b) => a - b);
  await rm(checkCache, { recursive: true, force: true });
  const results = {
    runs: RUNS,
    node: process.version,
    nodeStartMedianMs: median(nodeOnly),
    helpMedianMs: median(help),
    helpP90Ms: p90(help),
    bareFetchMedianMs: median(bareFetch),
    verifyMedianMs: median(verify),
    verifyP90Ms: p90(verify),
    verifyOverheadMedianMs: median(verify) - median(bareFetch),
    generateMedianMs: median(generate),
    generateP90Ms: p90(generate),
    checkFirstRunMs: checkFirst,
    checkMedianMs: median(checkRuns),
    checkP90Ms: p90(checkRuns),
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        `callout-kit bench (${RUNS} runs each, ${process.version}, new process per run; median / p90)`,
        `  node -e 0 (process start)          ${ms(median(nodeOnly))} / ${ms(p90(nodeOnly))}`,
        `  callout --help                     ${ms(median(help))} / ${ms(p90(help))}   target <= 150 ms`,
        `  bare fetch of the token exchange   ${ms(median(bareFetch))} / ${ms(p90(bareFetch))}`,
        `  callout verify --no-probe          ${ms(median(verify))} / ${ms(p90(verify))}`,
        `  verify minus bare fetch (median)   ${ms(results.verifyOverheadMedianMs)}   target <= 100 ms`,
        `  callout generate (2 services)      ${ms(median(generate))} / ${ms(p90(generate))}   target <= 1000 ms (with --no-compile-check: see below)`,
        `  callout check (6 classes)          ${ms(median(checkRuns))} / ${ms(p90(checkRuns))}   target <= 3000 ms (first run ever, javac included: ${ms(checkFirst)})`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await oidc.close();
  await rm(dir, { recursive: true, force: true });
}
