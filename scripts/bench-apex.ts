// Figures for the local Apex runtime (not a test; nothing fails):
//   1. The reference output's generated tests, cold: a new Node process that loads force-app,
//      parses every class and runs all @IsTest methods (the `callout test` path). Median of N runs.
//   2. Callouts per ExternalAppApiClient.send over 100 transactions sharing one org cache, with a
//      1 MB partition (one token callout in total: 1.01) and with a 0 MB partition (2.0).
// Usage: node scripts/bench-apex.ts [--runs N] [--json]
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadApexProject } from '../src/apex/index.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FORCE_APP = resolve(ROOT, 'force-app');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const asJson = process.argv.includes('--json');

if (process.argv.includes('--child')) {
  const runtime = await loadApexProject({ dirs: [FORCE_APP] });
  const result = await runtime.runTests({ coverage: true });
  process.exit(result.summary.failing === 0 ? 0 : 1);
}

function coldRun(): Promise<number> {
  return new Promise((done, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [import.meta.filename, '--child'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? done(performance.now() - started) : reject(new Error(`child exited ${code}`)),
    );
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function calloutsPerCall(capacityMb: number): Promise<number> {
  const runtime = await loadApexProject({
    dirs: [FORCE_APP],
    cachePartitions: [{ name: 'local.ExternalApp', capacityMb }],
    customMetadata: {
      ExternalAppService__mdt: [
        { DeveloperName: 'ExternalAppStage', fields: { ClientSecret__c: 'bench' } },
      ],
    },
    transport: async (request) => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: request.url.includes('/oauth/token') ? '{"access_token":"t","expires_in":3600}' : '{}',
    }),
  });
  const block = "ExternalAppApiClient.send('ExternalAppStage', 'GET', '/ping', null);";
  for (let i = 0; i < 100; i++) {
    const result = await runtime.runAnonymous(block);
    if (result.exception) throw new Error(`${result.exception.type}: ${result.exception.message}`);
  }
  return runtime.callouts.length / 100;
}

const cold: number[] = [];
for (let i = 0; i < RUNS; i++) cold.push(await coldRun());
const figures = {
  coldTestRunMs: { median: Math.round(median(cold)), runs: cold.map(Math.round) },
  calloutsPerApiCallWithOrgCache: await calloutsPerCall(1),
  calloutsPerApiCallWithZeroMbCache: await calloutsPerCall(0),
};
if (asJson) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
else
  process.stdout.write(
    [
      `callout test, reference output, cold (new process, parsing included): median ${figures.coldTestRunMs.median} ms over ${RUNS} runs (${figures.coldTestRunMs.runs.join(', ')})`,
      `callouts per ApiClient.send over 100 transactions, 1 MB org cache: ${figures.calloutsPerApiCallWithOrgCache}`,
      `callouts per ApiClient.send over 100 transactions, 0 MB org cache: ${figures.calloutsPerApiCallWithZeroMbCache}`,
      '',
    ].join('\n'),
  );
