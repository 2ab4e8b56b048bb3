// `npm run bench:deploy`: callout deploy's client overhead against the protocol-level fake org
// (not Salesforce; the org's own work is not measured): from process start to the deploy request
// received, and from the final status answered to process exit. No verify, no compile check.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSfHome } from '../test/helpers/sfAuth.ts';
import { startFakeOrg } from '../test/servers/fakeOrg.ts';

const BIN = resolve(import.meta.dirname, '../dist/cli/bin.js');
const RUNS = 8;
const org = await startFakeOrg();
org.setScenario('success', { pollsToFinish: 0 });
const sf = await createSfHome(org, { alias: 'bench' });
const dir = await mkdtemp(join(tmpdir(), 'callout-bench-deploy-'));
const run = (args: string[]) =>
  new Promise<{ started: number; exited: number; code: number | null }>((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH, ...sf.env, BENCH_SECRET: 'bench-secret' },
      stdio: 'ignore',
    });
    child.on('close', (code) => done({ started, exited: performance.now(), code }));
  });
try {
  await writeFile(
    join(dir, 'callout.config.json'),
    JSON.stringify({
      prefix: 'Bench',
      apiVersion: '64.0',
      services: {
        BenchSvc: {
          tokenUrl: 'https://auth.example.test/t',
          apiBaseUrl: 'https://api.example.test',
          clientId: 'c',
          clientSecret: { env: 'BENCH_SECRET' },
          clientAuth: 'basic',
        },
      },
    }),
  );
  await writeFile(
    join(dir, 'sfdx-project.json'),
    JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }] }),
  );
  await run(['generate', '--no-compile-check']);
  const toRequest: number[] = [];
  const toExit: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const before = org.requests().length;
    const { started, exited, code } = await run([
      'deploy',
      '--skip-verify',
      '--skip-compile-check',
    ]);
    if (code !== 0) throw new Error(`deploy exited ${code}`);
    const mine = org.requests().slice(before);
    const deployRequest = mine.find((r) => r.soapMethod === 'deploy');
    const lastStatus = mine.filter((r) => r.soapMethod === 'checkDeployStatus').at(-1);
    if (!deployRequest || !lastStatus?.answeredAt) throw new Error('no deploy seen');
    if (i === 0) continue; // warm the OS file cache
    toRequest.push(deployRequest.receivedAt - started);
    toExit.push(exited - lastStatus.answeredAt);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  process.stdout.write(
    [
      `callout deploy client overhead against the fake org (${RUNS} runs, ${process.version}; median, max)`,
      `  start -> deploy request received   ${median(toRequest).toFixed(0)} ms, ${Math.max(...toRequest).toFixed(0)} ms   target <= 1500 ms`,
      `  final status answered -> exit      ${median(toExit).toFixed(0)} ms, ${Math.max(...toExit).toFixed(0)} ms`,
      '',
    ].join('\n'),
  );
} finally {
  await org.close();
  await sf.remove();
  await rm(dir, { recursive: true, force: true });
}
