// Figures for hostile token endpoints (not a test; nothing fails), issue 11:
//   1. CPU of `callout verify --no-probe` (a new process) against a token endpoint answering
//      HTTP 401 with a 1.1 MB body of repeated `<title>`: 56 s before the title search was made
//      linear and bounded to the first 20,000 characters; target under 1 s.
//   2. CPU of reading that page's title in-process (htmlTitle), the part that was quadratic.
//   3. 20 parallel `callout token` processes for one service: token requests at the server
//      (target exactly 1), and 10 in parallel for 10 services: cache entries kept (target 10).
// Usage: npm run bench:hostile [-- --json]
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { htmlTitle } from '../src/exchange/tokenResponse.ts';
import { closer, listen, readBody } from '../test/servers/util.ts';

const BIN = resolve(import.meta.dirname, '../dist/cli/bin.js');
const asJson = process.argv.includes('--json');
const TITLE_BODY = '<title>'.repeat(160_000); // 1,120,000 characters

let tokenRequests = 0;
const server = createServer((req, res) => {
  void readBody(req).then(() => {
    if (req.url === '/title') {
      res.writeHead(401, { 'content-type': 'text/html' });
      res.end(TITLE_BODY);
      return;
    }
    tokenRequests++;
    // Slow enough that parallel runs overlap.
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: `t${tokenRequests}`,
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      );
    }, 300);
  });
});
const port = await listen(server);
const close = closer(server);

/** Runs the CLI in a new process and returns its CPU seconds (user + system). */
function run(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; cpu: number }> {
  // The child reports its own rusage at exit: Node gives no rusage of a child process.
  const report =
    'process.on("exit",()=>{const u=process.cpuUsage();process.stderr.write("\\nCPU "+((u.user+u.system)/1e6)+"\\n")})';
  return new Promise((done, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(report)}`, BIN, ...args],
      {
        cwd,
        env: { PATH: process.env.PATH, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      done({ code, cpu: Number(/CPU ([\d.]+)/.exec(stderr)?.[1] ?? NaN) }),
    );
  });
}

async function project(services: number, tokenPath: string) {
  const dir = await mkdtemp(join(tmpdir(), 'callout-bench-hostile-'));
  const config = {
    prefix: 'Bench',
    apiVersion: '64.0',
    services: Object.fromEntries(
      Array.from({ length: services }, (_, i) => [
        `S${i + 1}`,
        {
          tokenUrl: `http://127.0.0.1:${port}${tokenPath}`,
          apiBaseUrl: 'https://api.example.test',
          clientId: 'bench',
          clientAuth: 'basic',
          clientSecret: { env: 'BENCH_SECRET' },
          scope: `s${i + 1}`,
        },
      ]),
    ),
  };
  await writeFile(join(dir, 'callout.config.json'), JSON.stringify(config));
  return { dir, env: { BENCH_SECRET: 'bench-secret-1234', XDG_CACHE_HOME: join(dir, '.cache') } };
}

const dirs: string[] = [];
try {
  const titleProject = await project(1, '/title');
  dirs.push(titleProject.dir);
  const verify = await run(['verify', '--no-probe'], titleProject.dir, titleProject.env);
  const started = process.cpuUsage();
  htmlTitle(TITLE_BODY);
  const inProcess = process.cpuUsage(started);

  const one = await project(1, '/token');
  dirs.push(one.dir);
  tokenRequests = 0;
  const twenty = await Promise.all(
    Array.from({ length: 20 }, () => run(['token', 'S1'], one.dir, one.env)),
  );
  const requestsForOneKey = tokenRequests;

  const ten = await project(10, '/token');
  dirs.push(ten.dir);
  await Promise.all(
    Array.from({ length: 10 }, (_, i) => run(['token', `S${i + 1}`], ten.dir, ten.env)),
  );
  const tokens = join(ten.dir, '.cache', 'callout-kit', 'tokens');
  const entries = (await readdir(tokens)).filter((name) => name.endsWith('.json'));

  const results = {
    node: process.version,
    titleBodyChars: TITLE_BODY.length,
    verifyTitleBodyExit: verify.code,
    verifyTitleBodyCpuSeconds: verify.cpu,
    htmlTitleCpuMs: (inProcess.user + inProcess.system) / 1000,
    parallelTokenRunsOk: twenty.filter((r) => r.code === 0).length,
    tokenRequestsFor20ParallelRuns: requestsForOneKey,
    entriesKeptFor10ParallelServices: entries.length,
  };
  if (asJson) {
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  } else {
    process.stdout.write(
      [
        `callout-kit hostile-endpoint bench (${process.version})`,
        `  verify vs a 1.1 MB <title> 401 page      ${results.verifyTitleBodyCpuSeconds.toFixed(2)} s CPU (whole process, exit ${verify.code})   target < 1 s`,
        `  htmlTitle on that body (in-process)      ${results.htmlTitleCpuMs.toFixed(1)} ms CPU`,
        `  20 parallel \`callout token\`, one key     ${requestsForOneKey} token request(s), ${results.parallelTokenRunsOk}/20 ok   target 1`,
        `  10 parallel \`callout token\`, 10 keys     ${entries.length} entries kept   target 10`,
        '',
      ].join('\n'),
    );
  }
} finally {
  await close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
}
