import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output.ts';
import { BIN, parseJson, runCli, workspace, type CliResult } from '../helpers/cli.ts';
import { TEST_COMPILE_CACHE } from '../helpers/sfAuth.ts';
import { CANARY_ENV, CANARY_SECRET, canaryForms, exampleConfig } from '../helpers/fixtures.ts';
import { startScriptedServer, tokenAnswer, type ScriptedServer } from './scriptedServer.ts';

/**
 * Items 5 (JSON output) and 7 of issue 11: `callout request` passes the API's body through
 * unchanged, any size, binary included; `--max-size` refuses, never cuts; --json says how the
 * body is encoded and survives a deeply nested body; a closed pipe ends the run quietly;
 * `--help --json` is JSON; a line break in --header is a usage error.
 */
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server?.close());
beforeEach(() => {
  server.reset();
  server.on('POST /token', tokenAnswer());
});

async function project(timeoutMs = 10_000) {
  return workspace(
    exampleConfig({
      tokenUrl: server.url('/token'),
      apiBaseUrl: server.url('/api'),
      clientAuth: 'body',
      timeoutMs,
    }),
    { [CANARY_ENV]: CANARY_SECRET },
  );
}

async function request(args: string[]): Promise<CliResult> {
  const ws = await project();
  const result = await runCli(['request', ...args], { cwd: ws.dir, env: ws.env });
  for (const form of canaryForms(CANARY_SECRET)) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
  return result;
}

/** Answers with `body` in chunks, without a Content-Length (so no size is known up front). */
function chunked(body: Buffer, type = 'application/octet-stream') {
  return (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': type });
    for (let at = 0; at < body.length; at += 65_536) res.write(body.subarray(at, at + 65_536));
    res.end();
  };
}

describe('callout request output', () => {
  it('streams a 3 MB binary body to stdout unchanged, exit 0', async () => {
    const body = randomBytes(3 * 1024 * 1024);
    server.on('GET /api/big', chunked(body));
    const result = await request(['GET', '/big']);
    expect(result.code).toBe(0);
    expect(result.stdoutBytes!.length).toBe(body.length);
    expect(result.stdoutBytes!.equals(body)).toBe(true);
  });

  it('a body that keeps coming streams past timeoutMs (which bounds the wait for the answer)', async () => {
    server.on('GET /api/trickle', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(`chunk ${sent}\n`);
        if (++sent === 8) {
          clearInterval(timer);
          res.end();
        }
      }, 60);
      res.on('close', () => clearInterval(timer));
    });
    const ws = await project(300);
    const result = await runCli(['request', 'GET', '/trickle'], { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter(Boolean)).toHaveLength(8);
  });

  it('--json: base64 for a binary body, text for UTF-8, with the size', async () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x41, 0xc3]);
    server.on('GET /api/bin', chunked(binary));
    const bin = parseJson((await request(['GET', '/bin', '--json'])).stdout);
    expect(bin.result).toMatchObject({ bodyEncoding: 'base64', bodySize: 6 });
    const encoded = (bin.result as { body: string }).body;
    expect(Buffer.from(encoded, 'base64').equals(binary)).toBe(true);

    const text = 'prêt à 100 € {"not":"json"}';
    server.on('GET /api/text', chunked(Buffer.from(text), 'text/plain; charset=utf-8'));
    const utf8 = parseJson((await request(['GET', '/text', '--json'])).stdout);
    expect(utf8.result).toMatchObject({
      bodyEncoding: 'utf8',
      body: text,
      bodySize: Buffer.byteLength(text),
    });
  });

  it('--max-size refuses a larger body with a clear error, never a silent cut', async () => {
    const body = Buffer.alloc(5000, 0x61);
    server.on('GET /api/declared', (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
      res.end(body);
    });
    const declared = await request(['GET', '/declared', '--max-size', '1000']);
    expect(declared.code).toBe(17);
    expect(declared.stdout).toBe('');
    expect(declared.stderr).toContain('API_RESPONSE_TOO_LARGE');
    expect(declared.stderr).toContain('--max-size 1000');

    server.on('GET /api/streamed', chunked(Buffer.alloc(200_000, 0x62)));
    const streamed = await request(['GET', '/streamed', '--max-size', '100K', '--json']);
    expect(streamed.code).toBe(17);
    expect(parseJson(streamed.stdout)).toMatchObject({
      name: 'API_RESPONSE_TOO_LARGE',
      data: { maxBytes: 102_400 },
    });

    const fits = await request(['GET', '/streamed', '--max-size', '1M']);
    expect(fits.code).toBe(0);
    expect(fits.stdoutBytes!.length).toBe(200_000);

    const bad = await request(['GET', '/streamed', '--max-size', 'lots']);
    expect(bad.code).toBe(2);
  });

  it('--json survives an error body of 100,000 nested arrays', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    server.on('GET /api/deep', (_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(deep);
    });
    const result = await request(['GET', '/deep', '--json']);
    expect(result.code).toBe(17);
    const document = parseJson(result.stdout) as { name: string; data: Record<string, unknown> };
    expect(document.name).toBe('API_ERROR');
    // Too deep to parse safely: the text is there, no parsed value.
    expect(document.data).toMatchObject({ body: deep, bodyEncoding: 'utf8', bodySize: 200_000 });
    expect(document.data.json).toBeUndefined();
  });

  it('the --json writer bounds depth whatever a report holds, so stdout is never empty', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const chunks: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    });
    new Output({ json: true, debug: false, streams: { stdout: sink, stderr: sink } }).success({
      deep,
    });
    const document = JSON.parse(chunks.join('')) as { result: { deep: unknown } };
    expect(JSON.stringify(document.result.deep)).toContain('[cut: nested deeper than 64 levels]');
  });

  it('an API body that echoes the secret is passed on without it, human and --json', async () => {
    // Split across chunks so that a redactor working chunk by chunk would miss it.
    const body = Buffer.from(
      `{"echo":"${'z'.repeat(65_530)}${CANARY_SECRET}","b":"${encodeURIComponent(CANARY_SECRET)}"}`,
    );
    server.on('GET /api/echo', chunked(body, 'application/json'));
    const human = await request(['GET', '/echo']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${'z'.repeat(100)}****","b":"****"}`);
    const json = await request(['GET', '/echo', '--json']);
    expect(parseJson(json.stdout).result).toMatchObject({ json: { b: '****' } });
  });

  it('a line break in --header is a usage error, and nothing is sent', async () => {
    const result = await request(['GET', '/ok', '--header', 'X-A: 1\r\nX-Injected: yes', '--json']);
    expect(result.code).toBe(2);
    expect(parseJson(result.stdout)).toMatchObject({ name: 'USAGE' });
    expect(server.received()).toEqual([]);
  });
});

describe('--help --json', () => {
  it.each([
    [['verify', '--help', '--json']],
    [['--help', '--json']],
    [['help', 'request', '--json']],
  ])('%j prints the help as one JSON document', async (args) => {
    const ws = await project();
    const result = await runCli(args, { cwd: ws.dir, env: ws.env });
    expect(result.code).toBe(0);
    const document = parseJson(result.stdout) as { status: number; result: { help: string } };
    expect(document.status).toBe(0);
    expect(document.result.help).toMatch(/callout/);
  });

  it('--version --json is JSON too', async () => {
    const ws = await project();
    const result = await runCli(['--version', '--json'], { cwd: ws.dir, env: ws.env });
    expect(parseJson(result.stdout)).toMatchObject({
      status: 0,
      result: { version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
    });
  });
});

describe('a closed pipe', () => {
  it('`callout request ... | head` ends quietly, without a stack', async () => {
    let open = true;
    server.on('GET /api/endless', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(65_536, 0x63);
      const pump = () => {
        while (open && res.write(chunk));
        if (open) res.once('drain', pump);
      };
      res.on('close', () => (open = false));
      pump();
    });
    const ws = await project();
    const child = spawn(process.execPath, [BIN, 'request', 'GET', '/endless'], {
      cwd: ws.dir,
      env: {
        PATH: process.env.PATH,
        NO_COLOR: '1',
        NODE_COMPILE_CACHE: TEST_COMPILE_CACHE,
        ...ws.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Like `head -c 1`: read a little, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    open = false;
    expect(stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
    expect(code).toBe(0);
  });
});
