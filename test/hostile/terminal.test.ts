import { Readable, Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';
import { runCli, workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, canaryForms, exampleConfig } from '../helpers/fixtures.ts';
import { base64url, nowSeconds, sendJson, sendText } from '../servers/util.ts';
import { startScriptedServer, tokenAnswer, type ScriptedServer } from './scriptedServer.ts';

/**
 * Item 6 of issue 11: a hostile server's strings reach the terminal with their control
 * characters and escape sequences made visible (`\e`, `\x07`), so it can neither clear the
 * screen, set the window title, nor fake a "verified" line; --json keeps the strings as they
 * were sent (JSON escapes them itself).
 */
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server?.close());
beforeEach(() => server.reset());

const CLEAR = '\u001b[2J\u001b[H';
const TITLE = '\u001b]0;pwned\u0007';
const FAKE = '\r\n\u001b[32m✓ verified\u001b[0m';
/** Raw control characters other than the line feeds of our own layout (NO_COLOR: no styles). */
// eslint-disable-next-line no-control-regex -- exactly what must not reach the terminal
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/;

function jwt(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  return `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}.${base64url('sig')}`;
}

async function run(args: string[]) {
  const ws = await workspace(
    exampleConfig({
      tokenUrl: server.url('/token'),
      apiBaseUrl: server.url('/api'),
      clientAuth: 'body',
      scope: 'read:loans',
      probe: { method: 'GET', path: '/ok' },
    }),
    { [CANARY_ENV]: CANARY_SECRET },
  );
  const result = await runCli(args, { cwd: ws.dir, env: ws.env });
  for (const form of canaryForms(CANARY_SECRET)) {
    expect(result.stdout).not.toContain(form);
    expect(result.stderr).not.toContain(form);
  }
  return result;
}

/** No line of the output is a server's fake verdict. */
function expectNoFakeLine(text: string): void {
  for (const line of text.split('\n')) expect(line.trim()).not.toMatch(/^✓ verified/);
}

describe('server strings on a terminal', () => {
  it('granted scope, extra fields, JWT header and claims: escapes shown, never sent raw', async () => {
    const iat = nowSeconds();
    const token = jwt(
      { alg: 'none', typ: `JWT${TITLE}` },
      { iss: `evil${CLEAR}`, iat, exp: iat + 3600, scope: 'read:loans', sub: `root${FAKE}` },
    );
    server.on(
      'POST /token',
      tokenAnswer({ access_token: token, scope: `read:loans ${TITLE}\u202e`, note: `${CLEAR}hi` }),
    );
    server.on('GET /api/ok', (_req, res) => sendJson(res, 200, {}));
    const result = await run(['verify']);
    const shown = result.stdout + result.stderr;
    expect(shown).not.toMatch(RAW_CONTROL);
    expectNoFakeLine(shown);
    expect(shown).toContain('\\e]0;pwned\\x07'); // scope and JWT header
    expect(shown).toContain('note=\\e[2J\\e[Hhi'); // extra field
    expect(shown).toContain('iss=evil\\e[2J'); // JWT claim
    expect(shown).toContain('\\u{202e}');

    const json = await run(['verify', '--json']);
    const document = JSON.parse(json.stdout) as {
      result: { services: { response: { scope: { granted: string } } }[] };
    };
    // --json keeps the server's string as it is; JSON escapes it (no raw control in the text).
    expect(document.result.services[0]!.response.scope.granted).toBe(`read:loans ${TITLE}\u202e`);
    expect(json.stdout).not.toMatch(RAW_CONTROL);
    expect(json.stdout).toContain('\\u001b]0;pwned\\u0007');
  });

  it('an HTML title and an error description with escapes and a fake verdict line', async () => {
    server.on('POST /token', (_req, res) =>
      sendText(res, 401, 'text/html', `<title>${CLEAR}Denied${TITLE}</title>`),
    );
    const title = await run(['verify', '--debug']);
    expect(title.code).not.toBe(0);
    expect(title.stdout + title.stderr).not.toMatch(RAW_CONTROL);
    expect(title.stdout + title.stderr).toContain('\\e[2J\\e[HDenied\\e]0;pwned\\x07');

    server.on('POST /token', (_req, res) =>
      sendJson(res, 400, { error: 'invalid_request', error_description: `nope${FAKE}${CLEAR}` }),
    );
    const description = await run(['verify', '--debug']);
    const shown = description.stdout + description.stderr;
    expect(shown).toContain('nope');
    expect(shown).not.toMatch(RAW_CONTROL);
    expectNoFakeLine(shown);
  });

  it('a token field nested 100,000 deep neither crashes the human view nor empties --json', async () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    server.on('POST /token', tokenAnswer({ nested: deep }));
    server.on('GET /api/ok', (_req, res) => sendJson(res, 200, {}));
    for (const args of [['verify'], ['verify', '--json']]) {
      const result = await run(args);
      // Exit 1 is an unexpected error (a stack overflow would be one).
      expect(result.code).not.toBe(1);
      expect(result.stdout + result.stderr).not.toMatch(/Maximum call stack/);
      expect(result.stdout).not.toBe('');
    }
    const json = await run(['verify', '--json']);
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
  });

  it('request on a terminal shows an API body terminal-safe; a pipe gets the bytes', async () => {
    const body = `{"name":"${CLEAR}${TITLE}prêt"}\n`;
    server.on('POST /token', tokenAnswer());
    server.on('GET /api/body', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Split inside the two bytes of "ê": the terminal view must not show a broken character.
      const bytes = Buffer.from(body);
      const cut = bytes.indexOf(Buffer.from('ê')) + 1;
      res.write(bytes.subarray(0, cut));
      res.end(bytes.subarray(cut));
    });
    const ws = await workspace(
      exampleConfig({ tokenUrl: server.url('/token'), apiBaseUrl: server.url('/api') }),
      { [CANARY_ENV]: CANARY_SECRET },
    );
    const capture = () => {
      const chunks: Buffer[] = [];
      const stream = new Writable({
        write(chunk: Buffer, _encoding, done) {
          chunks.push(Buffer.from(chunk));
          done();
        },
      });
      return { stream, text: () => Buffer.concat(chunks).toString() };
    };
    const terminal = capture();
    const terminalOut = Object.assign(terminal.stream, { isTTY: true });
    const code = await main(['request', 'GET', '/body'], {
      cwd: ws.dir,
      env: { PATH: process.env.PATH, NO_COLOR: '1', ...ws.env },
      stdin: Readable.from([]),
      stdout: terminalOut,
      stderr: capture().stream,
    });
    expect(code).toBe(0);
    expect(terminal.text()).not.toMatch(RAW_CONTROL);
    expect(terminal.text()).toBe('{"name":"\\e[2J\\e[H\\e]0;pwned\\x07prêt"}\n');

    const piped = await runCli(['request', 'GET', '/body'], { cwd: ws.dir, env: ws.env });
    expect(piped.stdout).toBe(body);
  });

  it('a token_type with escapes is never printed raw', async () => {
    server.on('POST /token', tokenAnswer({ token_type: `Bearer${TITLE}${FAKE}` }));
    server.on('GET /api/ok', (_req, res) => sendJson(res, 200, {}));
    const result = await run(['verify']);
    expect(result.stdout + result.stderr).not.toMatch(RAW_CONTROL);
    expectNoFakeLine(result.stdout + result.stderr);
  });
});
