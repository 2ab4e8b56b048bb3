import { describe, expect, it } from 'vitest';
import { parseJson, runCli, workspace } from '../helpers/cli.ts';
import { CANARY_ENV, CANARY_SECRET, exampleConfig } from '../helpers/fixtures.ts';
import { base64url } from '../servers/util.ts';
import { expectNoCanary, useHostileTokenServer, type HostileAnswer } from './tokenServer.ts';

/**
 * Item 5 of issue 11 (parsing): the work a hostile token endpoint can cause is bounded. HTML
 * titles are searched in linear time in the first 20,000 characters; JSON bodies are parsed up to
 * 1 MiB and 32 levels deep, so nothing printed later (--json included) recurses without bound.
 * CPU figures for the 1.1 MB title body: `node scripts/bench-hostile.ts`.
 */
const server = useHostileTokenServer();
let caseNumber = 0;

async function run(answer: HostileAnswer, args: string[]) {
  const path = `/bounded-${++caseNumber}`;
  server.answer(path, answer);
  const ws = await workspace(exampleConfig({ tokenUrl: server.url(path), probe: undefined }), {
    [CANARY_ENV]: CANARY_SECRET,
  });
  const result = await runCli(args, { cwd: ws.dir, env: ws.env });
  expectNoCanary(result.stdout, result.stderr);
  return result;
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('HTML titles of error pages', () => {
  it('a 1.1 MB body of repeated <title> is explained at once (56 s of CPU before)', async () => {
    const started = process.cpuUsage();
    const result = await run({ status: 401, body: '<title>'.repeat(160_000) }, [
      'verify',
      '--no-probe',
      '--json',
    ]);
    const cpu = process.cpuUsage(started);
    expect(result.code).toBe(10);
    expect(parseJson(result.stdout)).toMatchObject({ name: 'CLIENT_AUTH_REJECTED' });
    // Generous: the bench measures well under 1 s for the whole process; this guards the quadratic.
    expect((cpu.user + cpu.system) / 1e6).toBeLessThan(5);
  });

  it('a title with 100,000 unclosed tags inside is read in linear time too', async () => {
    const started = process.cpuUsage();
    const result = await run(
      { status: 503, body: `<title>Down${'<'.repeat(19_000)}</title>${'<'.repeat(100_000)}` },
      ['token', '--json'],
    );
    const cpu = process.cpuUsage(started);
    expect(parseJson(result.stdout)).toMatchObject({ name: 'TOKEN_SERVER_ERROR' });
    expect((cpu.user + cpu.system) / 1e6).toBeLessThan(5);
  });

  it.each([
    [19_000, 'an HTML page titled "Maintenance"'],
    [20_000, 'a text/html body of'],
  ])('is searched in the first 20,000 characters only (title at %i)', async (offset, explained) => {
    const body = `${' '.repeat(offset)}<title>Maintenance</title>`;
    const result = await run({ status: 503, body }, ['token', '--json']);
    expect(result.code).toBe(13);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'TOKEN_SERVER_ERROR',
      message: expect.stringContaining(explained),
    });
  });
});

describe('JSON token responses', () => {
  it('nested 100,000 levels deep are refused, and --json still prints one document', async () => {
    const result = await run(
      { body: `{"access_token":"t","token_type":"Bearer","x":${nested(100_000)}}` },
      ['verify', '--no-probe', '--json'],
    );
    expect(result.code).toBe(12);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'TOKEN_MALFORMED',
      message: expect.stringContaining('nested deeper than a token response is'),
    });
  });

  it('over 1 MiB are refused without being parsed', async () => {
    const result = await run(
      { json: { access_token: 't', token_type: 'Bearer', pad: 'x'.repeat(1024 * 1024) } },
      ['token', '--json'],
    );
    expect(result.code).toBe(12);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'TOKEN_MALFORMED',
      message: expect.stringContaining('larger than 1048576 bytes'),
    });
  });

  it('of an error nested deeply are explained as a body, not parsed', async () => {
    const body = `{"error":"invalid_request","deep":${nested(100_000)}}`;
    const result = await run({ status: 400, body }, ['token', '--json']);
    expect(result.code).toBe(11);
    expect(parseJson(result.stdout)).toMatchObject({ name: 'TOKEN_HTTP_ERROR' });
  });

  it('within the depth limit keep their extra fields in the report', async () => {
    const deep = JSON.parse(nested(30)) as unknown;
    const result = await run(
      { json: { access_token: 't', token_type: 'Bearer', expires_in: 3600, deep } },
      ['verify', '--no-probe', '--json'],
    );
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({
      result: { services: [{ response: { extraFields: { deep } } }] },
    });
  });
});

describe('API bodies of `callout request --json`', () => {
  it('nested 100,000 levels deep are given as text, and stdout holds one document', async () => {
    const path = `/bounded-api-${++caseNumber}`;
    server.answer(`${path}/token`, {
      json: { access_token: 'api-token', token_type: 'Bearer', expires_in: 3600 },
    });
    const body = `{"error":${nested(100_000)}}`;
    server.answer(`${path}/api/deep`, {
      status: 500,
      body,
      headers: { 'content-type': 'application/json' },
    });
    const ws = await workspace(
      exampleConfig({
        tokenUrl: server.url(`${path}/token`),
        apiBaseUrl: server.url(`${path}/api`),
        probe: undefined,
      }),
      { [CANARY_ENV]: CANARY_SECRET },
    );
    const result = await runCli(['request', 'GET', '/deep', '--json'], {
      cwd: ws.dir,
      env: ws.env,
    });
    expect(result.code).toBe(17);
    expect(parseJson(result.stdout)).toMatchObject({
      name: 'API_ERROR',
      data: { httpStatus: 500, body },
    });
    expectNoCanary(result.stdout, result.stderr);
  });
});

describe('JWT access tokens', () => {
  it('with claims nested 10,000 levels deep are not decoded, and verify --json prints', async () => {
    const header = base64url(JSON.stringify({ alg: 'none' }));
    const payload = base64url(`{"sub":"x","deep":${nested(10_000)}}`);
    const result = await run(
      {
        json: {
          access_token: `${header}.${payload}.sig`,
          token_type: 'Bearer',
          expires_in: 3600,
        },
      },
      ['verify', '--no-probe', '--json'],
    );
    expect(result.code).toBe(0);
    expect(parseJson(result.stdout)).toMatchObject({
      result: { services: [{ ok: true, response: { jwt: null } }] },
    });
  });
});
