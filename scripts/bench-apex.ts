// Figures for the local Apex runtime (not a test; nothing fails):
//   1. The reference output's generated tests, cold: a new Node process that loads force-app,
//      parses every class and runs all @IsTest methods (the `callout test` path). Median of N runs.
//   2. Many parses: N anonymous blocks through one serializer process each (the CLI's default)
//      and through the parser server (`startParserServer`, the conformance suite's path).
//   3. Callouts per ExternalAppApi request (send()) over 100 transactions sharing one org cache, with a
//      1 MB partition (one token callout in total: 1.01) and with a 0 MB partition (2.0).
// Usage: node scripts/bench-apex.ts [--runs N] [--json]
import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadApexProject, startParserServer } from '../src/apex/index.ts';
import { parseApex } from '../src/apex/parse/parser.ts';

const ROOT = resolve(import.meta.dirname, '..');
const FORCE_APP = resolve(ROOT, 'force-app');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const asJson = process.argv.includes('--json');

const CACHE = resolve(ROOT, 'node_modules', '.cache', 'callout-kit-bench-apex');

if (process.argv.includes('--child')) {
  const withCache = process.argv.includes('--parse-cache');
  const runtime = await loadApexProject({
    dirs: [FORCE_APP],
    ...(withCache ? { parseCacheDir: CACHE } : {}),
  });
  const result = await runtime.runTests({ coverage: true });
  // CPU time of this process (the serializer processes are not included): load-independent.
  const cpu = process.cpuUsage();
  process.stdout.write(String(Math.round((cpu.user + cpu.system) / 1000)));
  process.exit(result.summary.failing === 0 ? 0 : 1);
}

const cpuTimes: number[] = [];

function coldRun(extra: string[] = []): Promise<number> {
  return new Promise((done, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [import.meta.filename, '--child', ...extra], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}`));
      if (!extra.length) cpuTimes.push(Number(out));
      done(performance.now() - started);
    });
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
  const block = "ExternalAppApi.service('ExternalAppStage').get('/ping').send();";
  for (let i = 0; i < 100; i++) {
    const result = await runtime.runAnonymous(block);
    if (result.exception) throw new Error(`${result.exception.type}: ${result.exception.message}`);
  }
  return runtime.callouts.length / 100;
}

/** N distinct anonymous blocks, two parses at a time (the conformance runner's pattern). */
async function parseMany(n: number, tag: string): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      await parseApex(
        `bench-${tag}-${i}`,
        `Integer v${i} = ${i};\nSystem.debug('${tag}' + v${i});`,
        true,
      );
    }
  };
  await Promise.all([worker(), worker()]);
  return performance.now() - started;
}

const PARSES = 200;
const nativeParsesMs = await parseMany(PARSES, 'native');
const serverStarted = performance.now();
const server = await startParserServer();
const serverStartMs = performance.now() - serverStarted;
const serverParsesMs = await parseMany(PARSES, 'server');
await server.stop();

const cold: number[] = [];
for (let i = 0; i < RUNS; i++) cold.push(await coldRun());
await rm(CACHE, { recursive: true, force: true });
await coldRun(['--parse-cache']);
const cached: number[] = [];
for (let i = 0; i < RUNS; i++) cached.push(await coldRun(['--parse-cache']));
await rm(CACHE, { recursive: true, force: true });
const figures = {
  coldTestRunMs: { median: Math.round(median(cold)), runs: cold.map(Math.round) },
  coldTestRunNodeCpuMs: median(cpuTimes),
  coldTestRunWithParseCacheMs: { median: Math.round(median(cached)), runs: cached.map(Math.round) },
  anonymousParsesNativeMs: Math.round(nativeParsesMs),
  anonymousParsesServerMs: Math.round(serverParsesMs),
  parserServerStartMs: Math.round(serverStartMs),
  calloutsPerApiCallWithOrgCache: await calloutsPerCall(1),
  calloutsPerApiCallWithZeroMbCache: await calloutsPerCall(0),
};
if (asJson) process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
else
  process.stdout.write(
    [
      `callout test, reference output, cold (new process, parsing included): median ${figures.coldTestRunMs.median} ms over ${RUNS} runs (${figures.coldTestRunMs.runs.join(', ')})`,
      `  CPU time of that Node process (median): ${figures.coldTestRunNodeCpuMs} ms; machine load average now ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores`,
      `the same, new process with a warm parse cache (parseCacheDir): median ${figures.coldTestRunWithParseCacheMs.median} ms (${figures.coldTestRunWithParseCacheMs.runs.join(', ')})`,
      `${PARSES} anonymous blocks parsed, 2 at a time: one serializer process each ${figures.anonymousParsesNativeMs} ms; parser server (startParserServer) ${figures.anonymousParsesServerMs} ms after a ${figures.parserServerStartMs} ms JVM start`,
      `callouts per Api send() over 100 transactions, 1 MB org cache: ${figures.calloutsPerApiCallWithOrgCache}`,
      `callouts per Api send() over 100 transactions, 0 MB org cache: ${figures.calloutsPerApiCallWithZeroMbCache}`,
      '',
    ].join('\n'),
  );
