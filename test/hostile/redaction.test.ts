import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, workspace, type CliResult } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, canaryForms, exampleConfig } from '../helpers/fixtures.ts';
import { sendJson, sendText } from '../servers/util.ts';
import { startScriptedServer, tokenAnswer, type ScriptedServer } from './scriptedServer.ts';

/**
 * Item 3 of issue 11: one redaction pass at the edge. A hostile token endpoint echoes the secret
 * in every encoding, placed so that it straddles the length at which the text is cut (300 for an
 * error description, 120 for an HTML title, 200 for an extra field): nothing of it may appear in
 * stdout or stderr, human, --json or --debug.
 */
let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer();
});
afterAll(() => server?.close());
beforeEach(() => server.reset());

const CLIENT_ID = 'hostile-client';
/** A secret with every character that an encoding changes: + / " \ & < é and a control. */
const HOSTILE_SECRET = 'Hostile+S3cret/"\\&<é\u0001tail=9';

const lowerHex = (text: string) => text.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const ENCODINGS: [string, (s: string) => string][] = [
  ['raw', (s) => s],
  ['percent-encoded, upper case', (s) => encodeURIComponent(s)],
  ['percent-encoded, lower case', (s) => lowerHex(encodeURIComponent(s))],
  ['form-encoded', (s) => new URLSearchParams({ v: s }).toString().slice(2)],
  ['form-decoded (+ read as space)', (s) => s.replaceAll('+', ' ')],
  ['base64 inside a longer base64', (s) => Buffer.from(`x${s}yz`).toString('base64')],
  ['Basic id:secret', (s) => `Basic ${Buffer.from(`${CLIENT_ID}:${s}`).toString('base64')}`],
  ['JSON-escaped', (s) => JSON.stringify(s).slice(1, -1)],
  [
    'HTML-escaped',
    (s) => s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;'),
  ],
  ['HTML decimal references', (s) => s.replace(/[^A-Za-z0-9]/g, (c) => `&#${c.codePointAt(0)};`)],
  [
    'HTML hex references',
    (s) => s.replace(/[^A-Za-z0-9]/g, (c) => `&#x${c.codePointAt(0)!.toString(16)};`),
  ],
];

/** Where a server can put text that we show, and the length it is cut to there. */
const PLACES: {
  place: string;
  cut: number;
  answer: (text: string) => Parameters<typeof server.on>[1];
}[] = [
  {
    place: 'error_description',
    cut: 300,
    answer: (text) => (_req, res) =>
      sendJson(res, 400, { error: 'invalid_request', error_description: text }),
  },
  {
    place: 'HTML title',
    cut: 120,
    answer: (text) => (_req, res) =>
      sendText(res, 401, 'text/html', `<html><head><title>${text}</title></head></html>`),
  },
  {
    place: 'extra token field',
    cut: 200,
    answer: (text) => tokenAnswer({ partner_note: text }),
  },
];

function expectNoSecret(result: CliResult, secret: string, encoded: string): void {
  const output = result.stdout + result.stderr;
  for (const form of canaryForms(secret, CLIENT_ID)) expect(output).not.toContain(form);
  // The first half of what was echoed: what a cut before redaction leaves behind.
  expect(output).not.toContain(encoded.slice(0, Math.floor(encoded.length / 2)));
  expect(output).not.toContain(JSON.stringify(encoded).slice(1, Math.floor(encoded.length / 2)));
}

async function run(secret: string, args: string[], clientAuth: 'basic' | 'body' = 'body') {
  const ws = await workspace(
    exampleConfig({
      tokenUrl: server.url('/token'),
      apiBaseUrl: server.url('/api'),
      clientId: CLIENT_ID,
      clientAuth,
      probe: { method: 'GET', path: '/ok' },
    }),
    { [CANARY_ENV]: secret },
  );
  return runCli(args, { cwd: ws.dir, env: ws.env });
}

describe('a secret echoed across the cut, in any encoding', () => {
  const cases = PLACES.flatMap((place) =>
    ENCODINGS.flatMap(([encoding, encode]) =>
      [CANARY_SECRET, HOSTILE_SECRET].map((secret) => ({
        label: `${place.place}, ${encoding}, ${secret === CANARY_SECRET ? 'canary' : 'hostile'} secret`,
        place,
        secret,
        encode,
      })),
    ),
  );

  it.each(cases)('$label', async ({ place, secret, encode }) => {
    const encoded = encode(secret);
    // The echo starts before the cut and ends after it.
    const text = `ECHO ${'x'.repeat(place.cut - 5 - Math.floor(encoded.length / 2))}${encoded} END`;
    server.on('POST /token', place.answer(text));
    server.on('GET /api/ok', (_req, res) => sendJson(res, 200, {}));
    const human = await run(secret, ['verify', '--debug']);
    const json = await run(secret, ['verify', '--json', '--debug']);
    for (const result of [human, json]) {
      // The server's text really was shown (so the test can fail), with the secret masked.
      expect(result.stdout + result.stderr).toContain('ECHO xxxx');
      expect(result.stdout + result.stderr).toContain('****');
      expectNoSecret(result, secret, encoded);
    }
    expect(() => JSON.parse(json.stdout) as unknown).not.toThrow();
  });

  it('a message that holds a JSON-escaped secret, escaped again by --json', async () => {
    const escaped = JSON.stringify(HOSTILE_SECRET);
    server.on('POST /token', (_req, res) =>
      sendJson(res, 400, { error: 'invalid_request', error_description: `got ${escaped}` }),
    );
    const result = await run(HOSTILE_SECRET, ['verify', '--json', '--debug']);
    expect(result.stdout).toContain('got \\"****\\"');
    expectNoSecret(result, HOSTILE_SECRET, escaped);
  });

  it('a server that echoes the Basic credential it received (header to title)', async () => {
    server.on('POST /token', (req, res) =>
      sendText(
        res,
        401,
        'text/html',
        `<title>${'y'.repeat(60)} ${req.headers.authorization}</title>`,
      ),
    );
    for (const args of [['verify'], ['verify', '--json']]) {
      const result = await run(HOSTILE_SECRET, args, 'basic');
      // The client id's part of the base64 may stay; the secret's part is masked.
      expect(result.stdout + result.stderr).toMatch(/yyyy Basic [A-Za-z0-9+/]*\*\*\*\*/);
      expectNoSecret(
        result,
        HOSTILE_SECRET,
        Buffer.from(`${CLIENT_ID}:${HOSTILE_SECRET}`).toString('base64'),
      );
    }
  });
});

describe('the redactor never breaks --json', () => {
  it('a secret that looks like the JSON document itself', async () => {
    // Redacting the serialised text would turn `"warnings": []` into `****]`.
    const secret = '"warnings": [';
    server.on('POST /token', (_req, res) =>
      sendJson(res, 400, { error: 'invalid_request', error_description: `echo ${secret}` }),
    );
    const result = await run(secret, ['verify', '--json']);
    const document = JSON.parse(result.stdout) as {
      name: string;
      message: string;
      warnings: unknown;
    };
    expect(document.name).toBe('OAUTH_ERROR');
    expect(Array.isArray(document.warnings)).toBe(true);
    expect(document.message).toContain('echo ****');
  });
});
